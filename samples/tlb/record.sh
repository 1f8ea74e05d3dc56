#!/usr/bin/env bash
# Re-captures the forkcow sample: TLB flushes with their kernel callchains
# (tlb:tlb_flush -g), so each flush can be told apart as inside a protection
# call (do_mprotect_pkey → change_protection …), in the fault path
# (do_wp_page: a copy-on-write break), or inside another call (munmap, execve,
# clone). Recorded WITHOUT sys_exit_mprotect, as many captures are: a call's
# end is then unknown, and only the callchain (or the fault record after it)
# keeps the child's copy-on-write flushes from being charged to the mprotect
# before them. Needs root (or perf_event_paranoid <= -1) for the tracepoints.
#
#   forkcow.perf-script.txt[.gz]        perf script --show-task-events, default fields
#                                       (with callchains; PERF-NOTES 1: no -F +pid)
#   forkcow-nochain.perf-script.txt[.gz] the same program recorded without -g:
#                                       flushes placed by time alone
#   forkcow-minor.perf-script.txt[.gz]  minor-faults instead of the tracepoint, pid/tid
#                                       and addr fields: perf counts them when the fault
#                                       is handled, so a copy-on-write flush comes
#                                       BEFORE its fault
#   forkcow.perf-trace.txt[.gz]         perf trace --pf=min --call-graph fp: calls
#                                       print when they end, after their flushes; clone
#                                       ties the child to its parent
#   forkcow.objdump-dl.txt              objdump -dl of the program
set -euo pipefail
cd "$(dirname "$0")"
gcc -O1 -g -fno-omit-frame-pointer -o forkcow forkcow.c
calls=(-e syscalls:sys_enter_mprotect -e syscalls:sys_enter_mmap -e syscalls:sys_exit_mmap
  -e syscalls:sys_enter_clone -e syscalls:sys_exit_clone -e tlb:tlb_flush)
perf record -q -o perf.data -e exceptions:page_fault_user "${calls[@]}" -c 1 -d -g ./forkcow
perf script -i perf.data --show-task-events > forkcow.perf-script.txt
perf record -q -o perf.data -e exceptions:page_fault_user "${calls[@]}" -c 1 -d ./forkcow
perf script -i perf.data --show-task-events > forkcow-nochain.perf-script.txt
perf record -q -o perf.data -e minor-faults "${calls[@]}" -c 1 -d -g ./forkcow
# software events print their data address only with addr in -F; the full list keeps the
# callchains (PERF-NOTES 1); no cpu: minor-faults samples do not record it
perf script -i perf.data -F comm,pid,tid,time,event,trace,ip,sym,symoff,dso,addr --show-task-events \
  > forkcow-minor.perf-script.txt 2> /dev/null
rm -f forkcow.perf-trace.txt # perf trace -o would keep it as .old
perf trace -o forkcow.perf-trace.txt --pf=min --call-graph fp -e mprotect,mmap,munmap,clone,tlb:tlb_flush ./forkcow
objdump -dl forkcow > forkcow.objdump-dl.txt
for f in forkcow.perf-script.txt forkcow-nochain.perf-script.txt forkcow-minor.perf-script.txt forkcow.perf-trace.txt; do
  if [ "$(stat -c %s "$f")" -gt 200000 ]; then gzip -9nf "$f"; else rm -f "$f.gz"; fi
  echo "$f: $(gzip -cdf "$f"* | grep -c 'tlb:tlb_flush') TLB flushes"
done
rm -f perf.data perf.data.old
