#!/usr/bin/env bash
# Runs of one program that share addresses (setarch -R: no randomization), as
# `faultpath report` reads them together. relro.c writes a page of its .bss;
# `a` then seals it (mprotect PROT_READ), `b` does not; `f` seals it, forks,
# and the child execs the program as `b`: the new image's page is writable.
# `a` and `b` are captured apart, each in a new pid namespace, so the process
# is pid 2 in both; each starts with `PERF_RECORD_COMM exec: relro:2/2`.
# Neither run's pages owe anything to the other's protection changes, nor the
# exec'd child's to its parent's. Needs root (unshare, and the tracepoints).
#
#   a.perf-script.txt, b.perf-script.txt, fork-exec.perf-script.txt
#                         perf script --show-task-events --show-mmap-events
#   relro.objdump-dl.txt  objdump -dl of the program
set -euo pipefail
cd "$(dirname "$0")"
gcc -O1 -g -fno-omit-frame-pointer -o relro relro.c
events=(-e exceptions:page_fault_user -e syscalls:sys_enter_mprotect -e syscalls:sys_exit_mprotect -c 1 -g)
for run in a b; do
  unshare --pid --fork --mount-proc setarch -R perf record -q -o perf.data "${events[@]}" ./relro "$run"
  perf script -i perf.data --show-task-events --show-mmap-events > "$run.perf-script.txt"
done
setarch -R perf record -q -o perf.data "${events[@]}" ./relro f
perf script -i perf.data --show-task-events --show-mmap-events > fork-exec.perf-script.txt
objdump -dl relro > relro.objdump-dl.txt
rm -f perf.data perf.data.old
grep -H 'COMM exec' ./*.perf-script.txt
