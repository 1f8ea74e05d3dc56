#!/usr/bin/env bash
# Records the benchmark's inputs into test/bench/data/ (gitignored); bench.mjs
# runs this when one is missing. Needs perf, and root (or
# perf_event_paranoid <= -1) for fanout's syscall tracepoints.
#
#   record.sh [fanout|pagewalk]...   (default: both)
#   fanout    builds fanout.c, records its page faults and mprotect calls with
#             callchains, and writes the perf script text, the workload's
#             objdump listing and libc's
#   pagewalk  builds pagewalk.c and records every page fault it takes with its
#             frame-pointer callchain, as `perf record -e page-faults -g` and a
#             plain `perf script` print them (the page-fault capture collapse
#             is measured on)
#
#   EVENTS   touches fanout makes (default 350000: about 270 MB of text)
#   FAULTS   page faults pagewalk takes (default 190000: about 300 MB of text)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="$here/data"
mkdir -p "$data"
cd "$data"

fanout() {
  gcc -O1 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls -o fanout "$here/fanout.c"
  # -c 1: every fault is a sample; -d: the data address (perf script -F sw:+addr
  # prints it); -m: a ring buffer big enough that no events are lost.
  perf record -q -o perf.data -m 4096 -c 1 -d -g \
    -e page-faults -e syscalls:sys_enter_mprotect -e syscalls:sys_exit_mprotect \
    ./fanout "${EVENTS:-350000}"
  # `sw:` scopes +addr to the software event: a bare `-F +addr` also applies to
  # the tracepoints, which perf then prints without their callchains.
  perf script -i perf.data -F sw:+addr > fanout.perf-script.txt.tmp
  mv fanout.perf-script.txt.tmp fanout.perf-script.txt
  objdump -d fanout > fanout.objdump.txt
  libc=$(ldd ./fanout | awk '/libc.so/ {print $3}')
  objdump -d "$libc" > libc.objdump.txt
  rm -f perf.data perf.data.old
  echo "recorded: $(wc -c < fanout.perf-script.txt) bytes of perf script, $(grep -c 'page-faults:' fanout.perf-script.txt) page-fault samples"
}

pagewalk() {
  gcc -O1 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls -o pagewalk "$here/pagewalk.c"
  perf record -q -o pagewalk.data -m 4096 -c 1 -g -e page-faults ./pagewalk "${FAULTS:-190000}"
  perf script -i pagewalk.data > pagewalk.perf-script.txt.tmp
  mv pagewalk.perf-script.txt.tmp pagewalk.perf-script.txt
  rm -f pagewalk.data pagewalk.data.old
  echo "recorded: $(wc -c < pagewalk.perf-script.txt) bytes of perf script, $(grep -c 'page-faults:' pagewalk.perf-script.txt) page-fault samples"
}

for what in "${@:-fanout pagewalk}"; do
  for w in $what; do
    case "$w" in
      fanout | pagewalk) "$w" ;;
      *) echo "record.sh: unknown input '$w' (fanout or pagewalk)" >&2; exit 2 ;;
    esac
  done
done
