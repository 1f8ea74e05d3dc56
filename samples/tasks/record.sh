#!/usr/bin/env bash
# Re-captures the tasks sample: one process, two threads (pthread_create →
# clone3) and a forked child (fork → clone), with the clone syscalls recorded,
# so threads can be tied to their process from the trace alone. Needs root
# (or perf_event_paranoid <= -1) for the tracepoints.
#
#   tasks.perf-script.txt        perf script, default fields: tids only, no task records
#   tasks.perf-script-task.txt   perf script --show-task-events: FORK/COMM/EXIT tie every tid
#   tasks.objdump-dl.txt         objdump -dl of the program
set -euo pipefail
cd "$(dirname "$0")"
gcc -O1 -g -fno-omit-frame-pointer -pthread -o tasks tasks.c
perf record -q -o perf.data -e exceptions:page_fault_user \
  -e syscalls:sys_enter_mprotect -e syscalls:sys_exit_mprotect \
  -e syscalls:sys_enter_mmap -e syscalls:sys_exit_mmap -e syscalls:sys_enter_munmap \
  -e syscalls:sys_enter_clone -e syscalls:sys_exit_clone -e syscalls:sys_enter_clone3 -e syscalls:sys_exit_clone3 \
  -e tlb:tlb_flush -g ./tasks
perf script -i perf.data > tasks.perf-script.txt
perf script -i perf.data --show-task-events > tasks.perf-script-task.txt
objdump -dl tasks > tasks.objdump-dl.txt
for f in tasks.perf-script.txt tasks.perf-script-task.txt; do
  if [ "$(stat -c %s "$f")" -gt 200000 ]; then gzip -9nf "$f"; else rm -f "$f.gz"; fi
done
rm -f perf.data perf.data.old
echo "tasks: $(grep -c '^\S' tasks.perf-script.txt) records"
