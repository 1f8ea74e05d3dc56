#!/usr/bin/env bash
# Re-captures the pid-reuse sample: reuse.c gives each of three pids to two or
# three processes in turn (fork without exec, the pid asked for again through
# /proc/sys/kernel/ns_last_pid once its holder exited), recorded with the
# fault events, the clone calls (fork sites) and the mapping calls, with -g.
# Needs root: the tracepoints, and writing ns_last_pid.
#
# perf records a FORK and an EXIT for every task (print them with
# --show-task-events): a pid's process lives from its FORK to its EXIT; a
# FORK of the same pid after its EXIT is another process.
#   reuse 23126  576.716501: PERF_RECORD_FORK(23138:23138):(23126:23126)
#   reuse 23138  576.717225: PERF_RECORD_EXIT(23138:23138):(23126:23126)
#   reuse 23139  576.719285: PERF_RECORD_FORK(23138:23138):(23139:23139)
#
#   reuse.perf-script-task.txt   perf script --show-task-events: default fields (tids only), task records
#   reuse.perf-script-pid.txt    -F comm,pid,tid,time,event,trace,ip,sym,symoff,dso,addr
#                                --show-task-events --show-mmap-events (PERF-NOTES' recipe)
#   reuse.report.txt             perf report --stdio -n --sort pid: samples per pid and event
#   reuse.objdump-dl.txt         objdump -dl of the program
set -euo pipefail
cd "$(dirname "$0")"
gcc -O1 -g -fno-omit-frame-pointer -o reuse reuse.c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
perf record -q -o "$tmp/perf.data" -e exceptions:page_fault_user -e page-faults \
  -e syscalls:sys_enter_clone -e syscalls:sys_exit_clone \
  -e syscalls:sys_enter_mmap -e syscalls:sys_exit_mmap \
  -e syscalls:sys_enter_mprotect -e syscalls:sys_exit_mprotect -c 1 -d -g ./reuse
perf script -i "$tmp/perf.data" --show-task-events 2>/dev/null > reuse.perf-script-task.txt
perf script -i "$tmp/perf.data" -F comm,pid,tid,time,event,trace,ip,sym,symoff,dso,addr --show-task-events --show-mmap-events 2>/dev/null > reuse.perf-script-pid.txt
perf report -i "$tmp/perf.data" --stdio -n --sort pid -g none 2>/dev/null | grep -v '^$' > reuse.report.txt
objdump -dl reuse > reuse.objdump-dl.txt
for f in reuse.perf-script-task.txt reuse.perf-script-pid.txt; do
  if [ "$(stat -c %s "$f")" -gt 1000000 ]; then gzip -9nf "$f"; else rm -f "$f.gz"; fi
done
echo "lives: $(grep -c 'PERF_RECORD_FORK' reuse.perf-script-task.txt) forks, $(grep -c 'PERF_RECORD_EXIT' reuse.perf-script-task.txt) exits"
