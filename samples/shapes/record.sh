#!/usr/bin/env bash
# Re-captures the perf script line shapes that test/parsers/perf-script*.test.ts
# reads: builds shapes.c, arena.cc and goarena/, records them with perf 6.x,
# and writes one perf script output per shape family. Needs root (or
# perf_event_paranoid <= -1) for the tracepoints. Big outputs are gzipped.
#
#   callchain.txt.gz      -g, --header --show-task-events --show-mmap-events: the # header
#                         block, PERF_RECORD_COMM/FORK/EXIT/MMAP/MMAP2, a comm with a space
#                         ("worker one"), /tmp/perf-PID.map JIT frames, "(deleted)" and
#                         "/memfd:… (deleted)" dsos, records with an empty callchain
#   callchain-addr.txt.gz -F comm,pid,tid,time,event,addr,ip,sym,dso on the -g recording:
#                         the data address on the header line, a callchain without offsets
#   hidden-callchain.txt  -G on the -g recording: right-aligned comm, ip frame on the header
#   flat.txt              no -g, --sample-cpu, -F comm,pid,tid,cpu,time,event,addr,ip,sym,dso:
#                         data-address frame and ip frame on one header line
#   tracepoints.txt       exceptions:page_fault_user, syscalls:sys_{enter,exit}_mprotect,
#                         tlb:tlb_flush with their payloads
#   tracepoints-ip.txt    the same with -F comm,tid,cpu,time,event,trace,ip,sym,dso
#   dwarf.txt             --call-graph dwarf: "(inlined)" frames
#   dwarf-srcline.txt     the same with -F +srcline: srcline lines, "(inlined)" moved there
#   buildid-mmap.txt      --buildid-mmap, --show-mmap-events: PERF_RECORD_MMAP2 with <build-id>
#   switch-events.txt     --switch-events, --show-switch-events: PERF_RECORD_SWITCH lines, a
#                         side-band record faultpath reports as not read
#   cpu-clock.txt         -e cpu-clock:u -c 250000: an event modifier, a period, [vdso]
#   lost.txt              -m 1: PERF_RECORD_LOST lines (--show-lost-events), an excerpt of
#                         the records around the first two of them
#   cxx.txt               C++: namespaces, (anonymous namespace), templates, operator<, lambda
#   cxx-addr.txt          the same with -F comm,tid,time,event,addr,ip,sym,dso: data symbols such
#                         as `typeinfo for std::bad_function_call`
#   pmu-events.txt        events named in PMU syntax with modifiers (this VM has no `cpu` PMU for
#                         cpu/mem-loads/pp; the software PMU prints the same shape):
#                         software/config=2,period=5/u and software/config=2/pp
#   go.txt                Go (non-PIE): main.(*arena).touch
set -euo pipefail
cd "$(dirname "$0")"
here=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gcc -O1 -g -fno-omit-frame-pointer -pthread -o shapes shapes.c
g++ -O1 -g -fno-omit-frame-pointer -o arena arena.cc
(cd goarena && GOFLAGS=-mod=mod go build -o ../goarena.bin .)

# perf script reads /tmp/perf-PID.map while it runs; remove only the maps our runs wrote.
forget_maps() { perf script -i "$1" -F pid 2>/dev/null | sort -u | while read -r p; do rm -f "/tmp/perf-$p.map"; done; }

perf record -q -o "$tmp/cg.data" -e page-faults -c 1 -d -g ./shapes all
perf script -i "$tmp/cg.data" --header --show-task-events --show-mmap-events > callchain.txt
perf script -i "$tmp/cg.data" -F comm,pid,tid,time,event,addr,ip,sym,dso > callchain-addr.txt
perf script -i "$tmp/cg.data" -G > hidden-callchain.txt
forget_maps "$tmp/cg.data"

perf record -q -o "$tmp/flat.data" -e page-faults -c 1 -d --sample-cpu ./shapes all
perf script -i "$tmp/flat.data" -F comm,pid,tid,cpu,time,event,addr,ip,sym,dso > flat.txt
forget_maps "$tmp/flat.data"

perf record -q -o "$tmp/tp.data" -e exceptions:page_fault_user -e syscalls:sys_enter_mprotect \
  -e syscalls:sys_exit_mprotect -e tlb:tlb_flush ./shapes all
perf script -i "$tmp/tp.data" > tracepoints.txt
perf script -i "$tmp/tp.data" -F comm,tid,cpu,time,event,trace,ip,sym,dso > tracepoints-ip.txt 2>/dev/null
forget_maps "$tmp/tp.data"

perf record -q -o "$tmp/dw.data" --call-graph dwarf,16384 -e page-faults -c 1 ./shapes touch
perf script -i "$tmp/dw.data" > dwarf.txt
perf script -i "$tmp/dw.data" -F +srcline > dwarf-srcline.txt

perf record -q --buildid-mmap -o "$tmp/bid.data" -e page-faults -c 1 -g ./shapes touch
perf script -i "$tmp/bid.data" --show-mmap-events > buildid-mmap.txt

perf record -q --switch-events -o "$tmp/sw.data" -e page-faults -c 1 -g ./shapes all
perf script -i "$tmp/sw.data" --show-switch-events > switch-events.txt
forget_maps "$tmp/sw.data"

perf record -q -o "$tmp/clk.data" -e cpu-clock:u -c 250000 -g ./shapes spin 30 > /dev/null
perf script -i "$tmp/clk.data" > cpu-clock.txt

# A one-page ring buffer under a page-fault storm loses events. Keep the record
# before each of the first two PERF_RECORD_LOST lines and the one it precedes.
perf record -q -m 1 -o "$tmp/lost.data" -e page-faults -c 1 -g -- \
  perf bench mem memset -s 64MB -l 1 -f default > /dev/null 2>&1
perf script -i "$tmp/lost.data" --show-lost-events |
  awk 'BEGIN { RS = ""; ORS = "\n\n" } /PERF_RECORD_LOST/ && n < 2 { print prev; print; n++ } { prev = $0 }' > lost.txt

perf record -q -o "$tmp/cxx.data" -e page-faults -c 1 -d -g ./arena > /dev/null
perf script -i "$tmp/cxx.data" > cxx.txt
perf script -i "$tmp/cxx.data" -F comm,tid,time,event,addr,ip,sym,dso > cxx-addr.txt

perf record -q -o "$tmp/pmu.data" -e 'software/config=2,period=5/u' -e 'software/config=2/pp' -g ./shapes touch
perf script -i "$tmp/pmu.data" > pmu-events.txt

perf record -q -o "$tmp/go.data" -e page-faults -c 1 -d -g ./goarena.bin > /dev/null
perf script -i "$tmp/go.data" > go.txt

gzip -9nf callchain.txt callchain-addr.txt go.txt cxx-addr.txt switch-events.txt
rm -f shapes arena goarena.bin
for f in *.txt *.txt.gz; do echo "$f: $(zcat -f "$f" | wc -l) lines, $(stat -c %s "$f") bytes"; done
