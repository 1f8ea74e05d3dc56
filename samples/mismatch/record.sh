#!/usr/bin/env bash
# Listings that do not match the traces they are given with, and the build ids
# that tell so. Re-captures everything here; needs root (or
# perf_event_paranoid <= -1) for the tracepoints, and the committed builds
# samples/guard/guard, samples/annotate/touch and samples/listings/kernel.
#
# The guard trace (recorded again, with the events of samples/guard/record.sh
# and --buildid-mmap so that MMAP2 records carry each dso's build id):
#   perf-script.txt.gz               perf script
#   perf-script-mmap.txt.gz          perf script --show-mmap-events
#   perf-buildid-list.txt            perf buildid-list: `<build-id> <path>` per dso
# Listings that claim to be guard (ListingSet matches a dso by path, then basename):
#   o2-guard.objdump-dl.txt          guard.c built with -O2: the same names, other code and offsets
#   touch-guard.objdump-d.txt        another program (samples/annotate/touch) under the name guard
#   kernel-guard.objdump-d.txt       a kernel image (samples/listings/kernel) under the name guard
# Listings with their build-id note dumped in front (objdump -d -s -j
# .note.gnu.build-id would disassemble only the note, so two runs are
# concatenated; the repeated header names the same binary):
#   guard.buildid.objdump-dl.txt     the traced build (GNU objdump)
#   guard.buildid.llvm-objdump-d.txt the traced build (llvm-objdump)
#   o2-guard.buildid.objdump-dl.txt  the -O2 build
# For samples/join/flat.perf-script.txt (shapes.c at -O1, no callchain):
#   o0-shapes.objdump-d.txt          shapes.c built with -O0: touch_pages+0xc is inside an instruction
set -euo pipefail
cd "$(dirname "$0")"
guard=../guard/guard
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/o2" "$tmp/touch" "$tmp/kernel" "$tmp/o0"

gcc -O2 -g -fno-omit-frame-pointer -o "$tmp/o2/guard" ../guard/guard.c
cp ../annotate/touch "$tmp/touch/guard"
cp ../listings/kernel "$tmp/kernel/guard"
gcc -O0 -g -fno-omit-frame-pointer -pthread -o "$tmp/o0/shapes" ../shapes/shapes.c
# objdump names the binary as it was given: run it from $tmp so the header says o2/guard
(cd "$tmp" && objdump -dl o2/guard) > o2-guard.objdump-dl.txt
(cd "$tmp" && objdump -d touch/guard) > touch-guard.objdump-d.txt
(cd "$tmp" && objdump -d kernel/guard) > kernel-guard.objdump-d.txt
(cd "$tmp" && objdump -d o0/shapes) > o0-shapes.objdump-d.txt
{ objdump -s -j .note.gnu.build-id "$guard"; objdump -dl "$guard"; } > guard.buildid.objdump-dl.txt
{ llvm-objdump -s -j .note.gnu.build-id "$guard"; llvm-objdump -d "$guard"; } > guard.buildid.llvm-objdump-d.txt
(cd "$tmp" && { objdump -s -j .note.gnu.build-id o2/guard; objdump -dl o2/guard; }) > o2-guard.buildid.objdump-dl.txt

perf record -q --buildid-mmap -o "$tmp/perf.data" -e exceptions:page_fault_user -e syscalls:sys_enter_mprotect -e page-faults -c 1 -d -g "$guard"
perf script -i "$tmp/perf.data" | gzip -9n > perf-script.txt.gz
perf script -i "$tmp/perf.data" --show-mmap-events | gzip -9n > perf-script-mmap.txt.gz
perf buildid-list -i "$tmp/perf.data" > perf-buildid-list.txt
echo "recorded: $(zcat perf-script.txt.gz | grep -c '^\S' || true) header lines; build ids: $(wc -l < perf-buildid-list.txt)"
