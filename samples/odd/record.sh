#!/usr/bin/env bash
# Re-captures the odd-input samples that test/hardening/ reads: the guard
# program (../guard/guard.c) recorded twice with `perf script --header` (two
# runs to concatenate), printed with unusual -F field lists, and recorded with
# a sample period of 4; latin1.c (symbol and comm bytes that are not UTF-8);
# deep.c (folded stacks larger than a pipe holds). Needs root (or
# perf_event_paranoid <= -1) for the tracepoints.
set -euo pipefail
cd "$(dirname "$0")"
gcc -O1 -g -fno-omit-frame-pointer -o guard ../guard/guard.c
gcc -O1 -g -fno-omit-frame-pointer -o latin1 latin1.c
gcc -O1 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls -o deep deep.c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# guard, as samples/guard/record.sh records it, twice; the header block of each
# run (`# ========` … `# ========`) is part of the output
for run in 1 2; do
  perf record -q -o "$tmp/guard$run.data" -e exceptions:page_fault_user -e syscalls:sys_enter_mprotect -e page-faults -c 1 -d -g ./guard > /dev/null
  perf script -i "$tmp/guard$run.data" --header | gzip -9n > guard-run$run.perf-script.txt.gz
done
# run 1 again with field lists that leave out the comm, the tid, the time, the dso or the offsets
perf script -i "$tmp/guard1.data" -F tid,time,event,ip,sym | gzip -9n > guard-run1.F-tid-time-event-ip-sym.txt.gz
perf script -i "$tmp/guard1.data" -F comm,event,ip,dso,period | gzip -9n > guard-run1.F-comm-event-ip-dso-period.txt.gz
# page-faults sampled every 4th fault (period 4), with all default fields and with -F comm,event,ip,dso,period
perf record -q -o "$tmp/guard-c4.data" -e page-faults -c 4 -g ./guard > /dev/null
perf script -i "$tmp/guard-c4.data" > guard-c4.perf-script.txt
perf script -i "$tmp/guard-c4.data" -F comm,event,ip,dso,period > guard-c4.F-comm-event-ip-dso-period.txt
# the wall-clock time of day (`-F +tod`, which needs a clock id at record time) before the timestamp
perf record -q -k CLOCK_MONOTONIC -o "$tmp/guard-tod.data" -e page-faults -e syscalls:sys_enter_mprotect -c 1 -g ./guard > /dev/null
perf script -i "$tmp/guard-tod.data" | gzip -9n > guard-tod.perf-script.txt.gz
perf script -i "$tmp/guard-tod.data" -F +tod | gzip -9n > guard-tod.F-tod.txt.gz
# per-event terms and modifiers in the event names perf prints: `page-faults/period=4/`, `minor-faults:u`
perf record -q -o "$tmp/guard-terms.data" -e 'page-faults/period=4/' -e minor-faults:u -g ./guard > /dev/null
perf script -i "$tmp/guard-terms.data" | gzip -9n > guard-terms.perf-script.txt.gz
objdump -dl guard > guard.objdump-dl.txt

perf record -q -o "$tmp/latin1.data" -e exceptions:page_fault_user -e page-faults -c 1 -d -g ./latin1
perf script -i "$tmp/latin1.data" > latin1.perf-script.txt
objdump -d latin1 > latin1.objdump-d.txt

perf record -q -o "$tmp/deep.data" -e page-faults -c 1 -g ./deep
perf script -i "$tmp/deep.data" | gzip -9n > deep.perf-script.txt.gz

echo "recorded: guard run 1 $(zcat guard-run1.perf-script.txt.gz | grep -c '^[^#[:space:]]') header lines," \
  "latin1 $(grep -c '^[^[:space:]]' latin1.perf-script.txt), deep $(zcat deep.perf-script.txt.gz | grep -c '^[^[:space:]]')"
