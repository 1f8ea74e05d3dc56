#!/usr/bin/env bash
# Re-captures the guard sample: builds guard.c, records it with perf, and writes
# the perf script outputs and objdump listings that the tests read. Needs root
# (or perf_event_paranoid <= -1) for the tracepoints.
set -euo pipefail
cd "$(dirname "$0")"
gcc -O1 -g -fno-omit-frame-pointer -o guard guard.c
perf record -q -o perf.data -e exceptions:page_fault_user -e syscalls:sys_enter_mprotect -e page-faults -c 1 -d -g ./guard
perf script -i perf.data > perf-script.txt
perf script -i perf.data --show-mmap-events > perf-script-mmap.txt
objdump -d guard > guard.objdump-d.txt
objdump -dl guard > guard.objdump-dl.txt
libc=$(ldd ./guard | awk '/libc.so/ {print $3}')
objdump -d "$libc" | gzip -9n > libc.objdump-d.txt.gz
objdump -dl "$libc" | gzip -9n > libc.objdump-dl.txt.gz
gzip -9nf perf-script.txt
rm -f perf.data perf.data.old
echo "recorded: $(zcat perf-script.txt.gz | grep -c '^\S' || true) header lines"
