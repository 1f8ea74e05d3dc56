#!/usr/bin/env bash
# Re-captures the samples of perf script -F lists without ip: ../fields/fields.c's
# page faults (a read and a write loop over fresh pages, after ld.so's start-up
# faults), recorded on page-faults and exceptions:page_fault_user with data
# addresses (-d), with and without -g. Needs root (or perf_event_paranoid <= -1)
# for the tracepoint.
#
# perf 6.1 prints a record's ip, and with it the callchain, only when ip is in
# -F (builtin-script.c, process_event: `if (PRINT_FIELD(IP))`, then the final
# newline): without it a record is its header line alone, no frame lines and no
# blank line after it, whether the capture has callchains or not. A record whose
# callchain came out empty (DWARF unwinding found no user frame) is its header
# line and a blank line.
#
# Outputs, g (with -g) and nog (without):
#   <g|nog>.noip.txt       -F comm,tid,time,event,addr,sym: no ip, no callchain
#   <g|nog>.ip-only.txt    -F ip,sym,symoff,dso,addr: no comm, tid, time or event
#   <g|nog>.report.txt     perf report --stdio -n --sort sym (-g: --no-children): symbols and counts
set -euo pipefail
cd "$(dirname "$0")"
gcc -O1 -g -fno-omit-frame-pointer -o fields ../fields/fields.c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
record=(-e page-faults -e exceptions:page_fault_user -c 1 -d)
perf record -q -o "$tmp/g.data" "${record[@]}" -g ./fields
perf record -q -o "$tmp/nog.data" "${record[@]}" ./fields
for run in g nog; do
  data=$tmp/$run.data
  script() { perf script -i "$data" "$@" 2>/dev/null; }
  script -F comm,tid,time,event,addr,sym > $run.noip.txt
  script -F ip,sym,symoff,dso,addr > $run.ip-only.txt
  children=()
  [ $run = g ] && children=(--no-children)
  perf report -i "$data" --stdio -n --sort sym "${children[@]}" -g none 2>/dev/null | grep -v '^$' > $run.report.txt
done
