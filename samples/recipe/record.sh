#!/usr/bin/env bash
# Runs the README's capture recipe ("Capturing", by hand) literally on the
# guard-page program (../guard/guard.c) and keeps what it writes:
# trace.txt.gz and prog.objdump.txt. test/src/warnings.test.ts checks that the
# commands below are the README's and that the report on them has no warning.
# Needs root (or perf_event_paranoid -1) for the tracepoints.
set -euo pipefail
cd "$(dirname "$0")"
gcc -O1 -g -fno-omit-frame-pointer -o prog ../guard/guard.c
# --- the README's recipe, verbatim (-o: with stdout a pipe, perf record would write the data there) ---
perf record -o perf.data -e exceptions:page_fault_user -e syscalls:sys_enter_mprotect -e syscalls:sys_exit_mprotect -e tlb:tlb_flush -e signal:signal_deliver -g ./prog
perf script --show-task-events > trace.txt   # task records tie each thread to its process
objdump -dl ./prog > prog.objdump.txt        # -d is enough; -l adds source lines
# --- end of the recipe ---
gzip -9nf trace.txt
rm -f perf.data perf.data.old prog
