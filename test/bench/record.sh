#!/usr/bin/env bash
# Records the benchmark's input into test/bench/data/ (gitignored): builds
# fanout.c, records its page faults and mprotect calls with callchains, and
# writes the perf script text, the workload's objdump listing and libc's.
# Needs perf and root (or perf_event_paranoid <= -1) for the syscall
# tracepoints. bench.mjs runs this when the data is missing.
#
#   EVENTS   touches the workload makes (default 350000: about 270 MB of text)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="$here/data"
events="${EVENTS:-350000}"
mkdir -p "$data"
cd "$data"
gcc -O1 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls -o fanout "$here/fanout.c"
# -c 1: every fault is a sample; -d: the data address (perf script -F sw:+addr
# prints it); -m: a ring buffer big enough that no events are lost.
perf record -q -o perf.data -m 4096 -c 1 -d -g \
  -e page-faults -e syscalls:sys_enter_mprotect -e syscalls:sys_exit_mprotect \
  ./fanout "$events"
# `sw:` scopes +addr to the software event: a bare `-F +addr` also applies to
# the tracepoints, which perf then prints without their callchains.
perf script -i perf.data -F sw:+addr > fanout.perf-script.txt.tmp
mv fanout.perf-script.txt.tmp fanout.perf-script.txt
objdump -d fanout > fanout.objdump.txt
libc=$(ldd ./fanout | awk '/libc.so/ {print $3}')
objdump -d "$libc" > libc.objdump.txt
rm -f perf.data perf.data.old
echo "recorded: $(wc -c < fanout.perf-script.txt) bytes of perf script, $(grep -c 'page-faults:' fanout.perf-script.txt) page-fault samples"
