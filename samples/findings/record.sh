#!/usr/bin/env bash
# Re-captures the findings samples: one program per pattern the findings name
# (src/findings/), recorded with every event those findings read. Needs root
# (or perf_event_paranoid <= -1) for the tracepoints.
#
#   guard    guard-page retries (../guard/guard.c), with the signals they cost
#   cow      copy-on-write after fork, and first writes to a shared mapping
#   touch    first touch of an mmap'd arena and a brk heap block
#   pagein   code page-in and major faults (libhot.so from hot.c; a data file)
#   jit      W^X flips and calls into a page sealed without exec
#   startup  nothing but program start-up
#
# Outputs, per program (gzipped when over 200 KB):
#   <prog>.perf-script.txt   perf script -F comm,pid,tid,cpu,time,event,trace,ip,sym,symoff,dso,addr
#                            --show-task-events --show-mmap-events: pid, callchains of the
#                            tracepoints (perf 6.1 prints them only with ip in -F; -F +pid alone
#                            drops them), FORK/COMM and MMAP2 records. perf says "'trace' not
#                            valid for software events. Ignoring." on stderr: harmless.
#                            (--sample-cpu: perf script refuses the cpu field of software events without it)
#   <prog>.objdump-dl.txt    objdump -dl of the program (and libhot.objdump-dl.txt of libhot.so)
# libc's listing is ../guard/libc.objdump-dl.txt.gz (the same build: checked below).
#
# Events: the page-fault tracepoints with their error codes; the protection,
# mapping and brk calls with their returns (sys_exit: failed calls, mmap's
# address); clone (the fork site: the call's callchain); tlb:tlb_flush; the
# signals (signal_generate when the fault raises SIGSEGV, signal_deliver when
# the handler runs); the software page-faults and major-faults events (the
# page-faults event counts the same faults again, as a user's capture may:
# the tests choose between them with --event).
#
# The tests read pids, times and start-up counts from the captures; a new capture
# changes only the report heads pinned as goldens: refresh them deliberately, and read the diff,
#   npx vitest run test/src/findings.test.ts --update
#
# Usage: record.sh [program…]   (default: all of them)
set -euo pipefail
cd "$(dirname "$0")"
events=(
  -e exceptions:page_fault_user -e exceptions:page_fault_kernel
  -e syscalls:sys_enter_mprotect -e syscalls:sys_exit_mprotect
  -e syscalls:sys_enter_pkey_mprotect -e syscalls:sys_exit_pkey_mprotect
  -e syscalls:sys_enter_mmap -e syscalls:sys_exit_mmap
  -e syscalls:sys_enter_munmap -e syscalls:sys_exit_munmap
  -e syscalls:sys_enter_mremap -e syscalls:sys_exit_mremap
  -e syscalls:sys_enter_brk -e syscalls:sys_exit_brk
  -e syscalls:sys_enter_clone -e syscalls:sys_exit_clone
  -e syscalls:sys_enter_clone3 -e syscalls:sys_exit_clone3
  -e tlb:tlb_flush
  -e signal:signal_generate -e signal:signal_deliver
  -e page-faults -e major-faults
)
libc=$(ldd /bin/true | awk '/libc.so/ {print $3}')
if [ "$(readelf -n "$libc" | awk '/Build ID/ {print $3}')" != "93ac61ec5a8eb1396f9fbd350e3169a558528a40" ]; then
  echo "warning: $libc is not the build ../guard/libc.objdump-dl.txt.gz lists; write its listing here" >&2
fi
programs=("$@")
[ ${#programs[@]} -gt 0 ] || programs=(guard cow touch pagein jit startup)
for prog in "${programs[@]}"; do
  src="$prog.c"
  [ "$prog" = guard ] && src=../guard/guard.c
  gcc -O1 -g -fno-omit-frame-pointer -o "$prog" "$src"
  outputs=("$prog.perf-script.txt" "$prog.objdump-dl.txt")
  if [ "$prog" = pagein ]; then
    gcc -O1 -g -fno-omit-frame-pointer -shared -fPIC -o libhot.so hot.c
    objdump -dl libhot.so > libhot.objdump-dl.txt
    outputs+=(libhot.objdump-dl.txt)
  fi
  # cow: frame-pointer chains stop inside libc (built without frame pointers), so the clone
  # call's chain would end at _Fork in libc; DWARF unwinding names the fork site
  callgraph=(-g)
  [ "$prog" = cow ] && callgraph=(--call-graph dwarf -m 1024)
  perf record -q -o perf.data "${events[@]}" -c 1 -d "${callgraph[@]}" --sample-cpu ./"$prog" > /dev/null
  perf script -i perf.data -F comm,pid,tid,cpu,time,event,trace,ip,sym,symoff,dso,addr \
    --show-task-events --show-mmap-events > "$prog.perf-script.txt" 2> /dev/null
  objdump -dl "$prog" > "$prog.objdump-dl.txt"
  for f in "${outputs[@]}"; do
    if [ "$(stat -c %s "$f")" -gt 200000 ]; then gzip -9nf "$f"; else rm -f "$f.gz"; fi
  done
  rm -f perf.data perf.data.old
  echo "$prog: $(gzip -cdf "$prog".perf-script.txt* | grep -c '^\S') records"
done
