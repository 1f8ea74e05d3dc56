#!/usr/bin/env bash
# Re-captures the annotate samples: builds touch.c, records it twice with perf
# (as it is, and as `touch after` for the diff), and writes what the tests read:
#
#   touch.perf-script.txt            perf script of `./touch`
#   touch-after.perf-script.txt      perf script of `./touch after`
#   touch.objdump-dl.txt             objdump -dl of the program
#   touch.perf-annotate.txt          perf annotate --stdio --show-total-period for every
#                                    function of touch: the per-instruction fault counts
#                                    perf itself attributes (page-faults event)
#   touch.perf-annotate-stamp.txt    perf annotate --stdio -s stamp (percentages)
#
# The software event's sample ip is the faulting instruction, so perf annotate
# can count it; the exceptions:page_fault_user tracepoint's ip is in the kernel,
# so perf annotate has nothing of touch for it (faultpath uses its callchain).
# Needs root (or perf_event_paranoid <= -1) for the tracepoints.
# A new capture changes the goldens made from it (paths, counts under
# test/golden/annotate, diff and merge): refresh them deliberately, and read the diff,
#   npx vitest run test/src/annotate.test.ts test/src/diff.test.ts test/src/merge.test.ts --update
# and remake the stackcollapse-perf.pl references of the four texts perf printed
# (test/conformance/samples/annotate__*.collapsed.txt: README.md there says how).
set -euo pipefail
cd "$(dirname "$0")"
gcc -O1 -g -fno-omit-frame-pointer -o touch touch.c
events=(-e page-faults -e exceptions:page_fault_user -e syscalls:sys_enter_mprotect -e syscalls:sys_exit_mprotect)
perf record -q -o perf.data "${events[@]}" -c 1 -d -g ./touch > /dev/null
perf script -i perf.data > touch.perf-script.txt
perf annotate -i perf.data --stdio --show-total-period --dsos touch > touch.perf-annotate.txt
perf annotate -i perf.data --stdio -s stamp > touch.perf-annotate-stamp.txt
perf record -q -o perf.data "${events[@]}" -c 1 -d -g ./touch after > /dev/null
perf script -i perf.data > touch-after.perf-script.txt
objdump -dl touch > touch.objdump-dl.txt
rm -f perf.data perf.data.old
for f in touch.perf-script.txt touch-after.perf-script.txt; do
  echo "$f: $(grep -c '^\S' "$f") records"
done
