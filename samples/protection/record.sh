#!/usr/bin/env bash
# Re-captures the protection samples: builds each program, records it with
# perf, and writes the perf script outputs and objdump listings the tests read.
# Needs root (or perf_event_paranoid <= -1) for the tracepoints.
#
#   <case>.perf-script.txt[.gz]       perf script --show-task-events
#   <case>.perf-script-pid.txt[.gz]   the same with -F +pid,+addr,+ip,+sym,+symoff,+dso:
#                                     pid/tid in the header, page-faults' data address.
#                                     (-F +pid alone drops the tracepoints' callchains in
#                                     perf 6.1; +addr appends a `0` column to tracepoints.)
#   <case>.objdump-dl.txt             objdump -dl of the program
#   <case>.perf-trace.txt[.gz]        perf trace --call-graph fp of the same calls (jit, mapping)
#
# Usage: record.sh [program…]   (default: all of them)
set -euo pipefail
cd "$(dirname "$0")"
events=(
  -e exceptions:page_fault_user
  -e syscalls:sys_enter_mprotect -e syscalls:sys_exit_mprotect
  -e syscalls:sys_enter_pkey_mprotect -e syscalls:sys_exit_pkey_mprotect
  -e syscalls:sys_enter_mmap -e syscalls:sys_exit_mmap
  -e syscalls:sys_enter_munmap
  -e syscalls:sys_enter_mremap -e syscalls:sys_exit_mremap
  -e tlb:tlb_flush
  -e page-faults
)
programs=("$@")
[ ${#programs[@]} -gt 0 ] || programs=(cow threads jit mapping guard)
for prog in "${programs[@]}"; do
  gcc -O1 -g -fno-omit-frame-pointer -pthread -o "$prog" "$prog.c"
  perf record -q -o perf.data "${events[@]}" -c 1 -d -g ./"$prog" > /dev/null
  perf script -i perf.data --show-task-events > "$prog.perf-script.txt"
  perf script -i perf.data --show-task-events -F +pid,+addr,+ip,+sym,+symoff,+dso > "$prog.perf-script-pid.txt"
  objdump -dl "$prog" > "$prog.objdump-dl.txt"
  outputs=("$prog.perf-script.txt" "$prog.perf-script-pid.txt" "$prog.objdump-dl.txt")
  if [ "$prog" = jit ] || [ "$prog" = mapping ]; then
    rm -f "$prog.perf-trace.txt" # perf trace -o would keep it as .old
    perf trace -o "$prog.perf-trace.txt" --call-graph fp \
      -e mprotect,pkey_mprotect,mmap,munmap,mremap,tlb:tlb_flush,exceptions:page_fault_user ./"$prog" > /dev/null
    outputs+=("$prog.perf-trace.txt")
  fi
  for f in "${outputs[@]}"; do
    if [ "$(stat -c %s "$f")" -gt 200000 ]; then gzip -9nf "$f"; else rm -f "$f.gz"; fi
  done
  rm -f perf.data perf.data.old
  echo "$prog: $(gzip -cdf "$prog".perf-script.txt* | grep -c '^\S') records"
done
