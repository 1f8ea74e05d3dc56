#!/usr/bin/env bash
# Captures for the join tests: each binary recorded and listed together, so the
# tests can check that every fault resolves to the instruction perf saw.
#   arena.*      C++ (PIE), frame pointers; listings mangled (-d) and demangled (-dC)
#   go.*         Go (non-PIE, mapped at 0x400000: perf prints map-relative 82b54, objdump 0x482b54)
#   dwarf.*      C (PIE) with --call-graph dwarf: return address - 1 in callers, (inlined) frames
#   flat.*       C (PIE) without a callchain: -F ...,ip,sym,symoff,dso prints absolute runtime addresses
#   tracepoint-mmap.*  exceptions:page_fault_user without a callchain: only the payload's ip=, mapped
#                through the PERF_RECORD_MMAP2 lines of --show-mmap-events
# Sources live in ../shapes (arena.cc, goarena/, shapes.c). Needs root for perf.
set -euo pipefail
cd "$(dirname "$0")"
src=../shapes
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

g++ -O1 -g -fno-omit-frame-pointer -o arena "$src/arena.cc"
(cd "$src/goarena" && GOFLAGS=-mod=mod go build -o "$OLDPWD/goarena" .)
gcc -O1 -g -fno-omit-frame-pointer -pthread -o shapes "$src/shapes.c"

perf record -q -o "$tmp/arena.data" -e page-faults -c 1 -g ./arena > /dev/null
perf script -i "$tmp/arena.data" > arena.perf-script.txt
objdump -d arena > arena.objdump-d.txt
objdump -dC arena > arena.objdump-dC.txt

perf record -q -o "$tmp/go.data" -e page-faults -c 1 -g ./goarena > /dev/null
perf script -i "$tmp/go.data" | gzip -9n > go.perf-script.txt.gz
objdump -d goarena | gzip -9n > goarena.objdump-d.txt.gz

perf record -q -o "$tmp/dwarf.data" --call-graph dwarf,16384 -e page-faults -c 1 ./shapes touch > /dev/null
perf script -i "$tmp/dwarf.data" > dwarf.perf-script.txt
perf record -q -o "$tmp/flat.data" -e page-faults -c 1 ./shapes touch > /dev/null
perf script -i "$tmp/flat.data" -F comm,pid,tid,time,event,ip,sym,symoff,dso > flat.perf-script.txt
perf record -q -o "$tmp/tp.data" -e exceptions:page_fault_user ./shapes touch > /dev/null
perf script -i "$tmp/tp.data" --show-mmap-events > tracepoint-mmap.perf-script.txt
objdump -dl shapes > shapes.objdump-dl.txt
ls -la
