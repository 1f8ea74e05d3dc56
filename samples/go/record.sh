#!/usr/bin/env bash
# Captures the Go guard-page program (guard.go: syscall.Mprotect from two
# functions, SetPanicOnFault + recover, an unprotecting Mprotect and a retry,
# three workers locked to their own threads) the two ways the README records:
#
#   guard.perf-script.txt.gz   by hand: the README's recipe ("Capturing") plus the software
#                              page-faults event (its sample ip is the faulting instruction, so
#                              perf report and perf annotate count it by symbol; the tracepoint's
#                              ip is in the kernel), mmap/munmap/clone, -c 1 -d; perf script
#                              --show-task-events --show-mmap-events, default fields (PERF-NOTES 1:
#                              -F +pid would drop the tracepoints' callchains)
#   guard.perf-report.txt      perf report --stdio on the same perf.data: samples per dso and
#                              symbol of every event, and the folded callchains (caller first)
#   guard.perf-annotate.txt    perf annotate --stdio -n of the two faulting stores (page-faults)
#   guard-m0.perf-script.txt  three records of an earlier run of this build, kept by hand: in it perf
#                              named a new thread's garbage frame by a data symbol (runtime.m0+0x148),
#                              which a run shows only now and then
#   guard-dwarf-mmap.perf-script.txt.gz  kept by hand: guard.capture's trace as faultpath record made it
#                              before it knew Go (sys_enter_mmap/call-graph=dwarf/: one frame per mmap)
#   guard.capture/             faultpath record -- ./guard (without perf.data: the report reads
#                              the script, the manifest and the listings). Its listing,
#                              listings/guard-nobuildid.objdump-dl.txt.gz, is objdump -dl of the
#                              whole binary (the README's listing), for both captures: one build.
#
# Go on linux/amd64 builds non-PIE (mapped at 0x400000: perf prints map-relative
# 83b7a, objdump 0x483b7a), keeps frame pointers, links its runtime and syscall
# wrappers statically, and writes no GNU build id (perf buildid-list has none
# for it). -trimpath: the listing's paths are ./guard/guard.go, not this machine's.
# Needs go (Debian golang-go, 1.19), root (or perf_event_paranoid -1), and a
# build of faultpath (npm run build) for guard.capture/.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go version
GOFLAGS=-mod=mod go build -trimpath -o guard .

events=(
  -e exceptions:page_fault_user -e page-faults
  -e syscalls:sys_enter_mprotect -e syscalls:sys_exit_mprotect
  -e syscalls:sys_enter_mmap -e syscalls:sys_exit_mmap
  -e syscalls:sys_enter_munmap -e syscalls:sys_exit_munmap
  -e 'syscalls:sys_*_clone*'
  -e tlb:tlb_flush -e signal:signal_deliver
)
# In about half the runs the Go runtime maps memory (getitab → persistentalloc → mmap) while
# the first deferred recover runs, between a fault and its unprotecting mprotect; the tests pin
# that the retry cycle still closes, so record until the capture has it.
for try in 1 2 3 4 5 6 7 8 9 10; do
  perf record -q -o "$tmp/guard.data" -m 32M "${events[@]}" -c 1 -d -g ./guard
  if perf report -i "$tmp/guard.data" --stats 2> /dev/null | grep -q LOST; then echo "perf lost events" >&2; exit 1; fi
  perf script -i "$tmp/guard.data" --show-task-events --show-mmap-events > "$tmp/guard.txt"
  if awk 'BEGIN { RS = "" } /sys_enter_mmap/ && /runtime\.sigpanic/ { n++ } END { exit n > 0 ? 0 : 1 }' "$tmp/guard.txt"; then break; fi
  [ "$try" -lt 10 ] || { echo "no run mapped memory during a recover" >&2; exit 1; }
done
gzip -9n < "$tmp/guard.txt" > guard.perf-script.txt.gz
{
  echo "# perf report --stdio --no-children --sort dso,sym -g none -n"
  perf report -i "$tmp/guard.data" --stdio --no-children --sort dso,sym -g none -n 2> /dev/null
  echo "# perf report --stdio --no-children --sort sym -g folded,0,caller,count"
  perf report -i "$tmp/guard.data" --stdio --no-children --sort sym -g folded,0,caller,count 2> /dev/null
} | sed '/^$/d' > guard.perf-report.txt
for fn in 'main.(*arena).writeField' 'main.(*arena).writeHeader'; do
  perf annotate -i "$tmp/guard.data" --stdio -n -s "$fn" 2> /dev/null
done > guard.perf-annotate.txt

node ../../dist/src/cli/main.js record -o guard.capture -- ./guard
rm -rf guard.capture.old guard.capture/perf.data guard
ls -la . guard.capture guard.capture/listings
