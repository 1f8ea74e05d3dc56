#!/usr/bin/env bash
# Captures for the memory-region tests: regions.c maps a file (major fault),
# anonymous arenas (one moved by mremap), grows the brk heap, grows a thread's
# stack and forks a child that writes to an arena (copy-on-write) and maps its own.
# It prints where each region is (`region NAME PID START END`) and the
# /proc/self/maps of the parent and the child: regions.out, which the tests
# check every fault's placement against.
#
#   regions.out                  the program's printout of the same run
#   regions.perf-script.txt.gz   perf script --show-task-events --show-mmap-events
#                                (frame-pointer chains: mmap calls made inside libc,
#                                such as pthread_create's stack, have no caller)
#   regions.perf-script-F.txt.gz the same run with -F …,addr (PERF-NOTES 1: pid and
#                                chains; the software events' data address)
#   regions-dwarf.*              the same program with --call-graph dwarf: the
#                                callers of the mmaps libc made, and the printout
#   regions.objdump-dl.txt       objdump -dl of the program
# Needs root (or perf_event_paranoid <= -1) for the tracepoints.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
events=(
  -e exceptions:page_fault_user -e major-faults -e minor-faults
  -e syscalls:sys_enter_mmap -e syscalls:sys_exit_mmap
  -e syscalls:sys_enter_munmap -e syscalls:sys_exit_munmap
  -e syscalls:sys_enter_mremap -e syscalls:sys_exit_mremap
  -e syscalls:sys_enter_brk -e syscalls:sys_exit_brk
  -e syscalls:sys_enter_mprotect -e syscalls:sys_exit_mprotect
)
fields=comm,pid,tid,cpu,time,event,trace,ip,sym,symoff,dso,addr,period
gcc -O1 -g -fno-omit-frame-pointer -pthread -o regions regions.c
objdump -dl regions > regions.objdump-dl.txt
# -d records the data address of the software events, and the MMAP2 records of data mappings
perf record -q -o "$tmp/fp.data" "${events[@]}" -c 1 -d --sample-cpu -g ./regions "$tmp/regions.data" > regions.out
perf script -i "$tmp/fp.data" --show-task-events --show-mmap-events | gzip -9n > regions.perf-script.txt.gz
perf script -i "$tmp/fp.data" --show-task-events --show-mmap-events -F "$fields" 2> "$tmp/F.err" | gzip -9n > regions.perf-script-F.txt.gz
perf record -q -o "$tmp/dwarf.data" "${events[@]}" -c 1 -d --sample-cpu -m 1024 --call-graph dwarf,8192 ./regions "$tmp/regions.data" > regions-dwarf.out
perf script -i "$tmp/dwarf.data" --show-task-events --show-mmap-events | gzip -9n > regions-dwarf.perf-script.txt.gz
for f in regions*.perf-script*.txt.gz; do echo "$f: $(gzip -cd "$f" | grep -c '^\S') records"; done
