#!/usr/bin/env bash
# Two programs — a C++ guard-page arena (arena.cpp: templates, std::vector, a
# functor, an anonymous namespace) and a threaded one (threads.c: pthreads
# touching, sealing and storing into memory their process mapped) — each
# captured the three ways users record them, so the tests can check that
# faultpath report and faultpath sites agree with each other and with perf
# report --stdio on every count, with every name as perf prints it:
#   <prog>-fp.*      -O1 -fno-omit-frame-pointer, -g (frame pointers)
#   <prog>-dwarf.*   the same binary, --call-graph dwarf
#   <prog>-o2.*      -O2 (no frame pointers), -g: chains stop in libc
# Each capture: <name>.perf-script.txt.gz (perf script --show-task-events
# --show-mmap-events, default fields: PERF-NOTES 1), <name>.perf-report.txt
# (perf report --stdio: samples per dso and symbol of every event, and per
# folded callchain), <name>.buildids.txt (perf buildid-list).
# Listings: <prog>.objdump-dl.txt and <prog>-O2.objdump-dl.txt (objdump -dl;
# C++ names mangled, as users make them), arena*.objdump-dlC.txt (-dlC).
# Needs root (or perf_event_paranoid <= -1) for the tracepoints.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
events=(
  -e exceptions:page_fault_user -e page-faults
  -e syscalls:sys_enter_mprotect -e syscalls:sys_exit_mprotect
  -e syscalls:sys_enter_mmap -e syscalls:sys_exit_mmap -e syscalls:sys_enter_munmap
  -e 'syscalls:sys_*_clone*' -e tlb:tlb_flush
)
g++ -O1 -g -fno-omit-frame-pointer -o arena arena.cpp
g++ -O2 -g -o arena-O2 arena.cpp
gcc -O1 -g -fno-omit-frame-pointer -pthread -o threads threads.c
gcc -O2 -g -pthread -o threads-O2 threads.c

capture() { # name binary call-graph
  local name=$1 bin=$2 cg=$3
  # DWARF samples copy 16 KiB of stack each: a larger buffer so none is lost
  perf record -q -o "$tmp/$name.data" -m 32M "${events[@]}" -c 1 -d --call-graph "$cg" ./"$bin" > /dev/null
  perf script -i "$tmp/$name.data" --show-task-events --show-mmap-events | gzip -9n > "$name.perf-script.txt.gz"
  perf buildid-list -i "$tmp/$name.data" > "$name.buildids.txt"
  {
    echo "# perf report --stdio --no-children --sort dso,sym -g none -n"
    perf report -i "$tmp/$name.data" --stdio --no-children --sort dso,sym -g none -n 2> /dev/null
    echo "# perf report --stdio --no-children --sort sym -g folded,0,caller,count"
    perf report -i "$tmp/$name.data" --stdio --no-children --sort sym -g folded,0,caller,count 2> /dev/null
  } | sed '/^$/d' > "$name.perf-report.txt"
  if perf report -i "$tmp/$name.data" --stats 2> /dev/null | grep -q LOST; then echo "$name: perf lost events" >&2; exit 1; fi
}
for prog in arena threads; do
  capture "$prog-fp" "$prog" fp
  capture "$prog-dwarf" "$prog" dwarf,16384
  capture "$prog-o2" "$prog-O2" fp
  objdump -dl "$prog" > "$prog.objdump-dl.txt"
  objdump -dl "$prog-O2" > "$prog-O2.objdump-dl.txt"
done
objdump -dlC arena > arena.objdump-dlC.txt
objdump -dlC arena-O2 > arena-O2.objdump-dlC.txt
for f in *.perf-report.txt *.objdump-dl*.txt; do
  if [ "$(stat -c %s "$f")" -gt 200000 ]; then gzip -9nf "$f"; else rm -f "$f.gz"; fi
done
ls -la
