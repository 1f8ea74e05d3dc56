#!/usr/bin/env bash
# Re-captures the perf trace samples: builds ../guard/guard.c, prot.c and lost.c
# here, runs them under `perf trace` in every mode the parser reads, and writes
# the text outputs the tests read (gzipped when over 200 KB). Needs root (or
# perf_event_paranoid <= -1) for the syscall tracepoints. perf 6.1 recorded the
# committed files; other versions print the same shapes with small changes.
set -euo pipefail
cd "$(dirname "$0")"

# perf trace -o renames an existing output to .old: start clean.
rm -f guard-*.txt guard-*.txt.gz prot-*.txt prot-*.txt.gz lost-*.txt lost-*.txt.gz

gcc -O1 -g -fno-omit-frame-pointer -o guard ../guard/guard.c
gcc -O1 -g -fno-omit-frame-pointer -pthread -o prot prot.c
gcc -O1 -g -o lost lost.c

trace() { # trace OUTPUT [perf trace options…] -- COMMAND
  local out=$1
  shift
  perf trace -o "$out" "$@" > /dev/null
}

# ---- the guard-page program (samples/guard): one thread, SIGSEGV-driven faults
trace guard-mprotect-mmap-munmap.txt -e mprotect,mmap,munmap -- ./guard
trace guard-syscalls.txt -- ./guard
trace guard-pf-all-mprotect.txt --pf=all -e mprotect -- ./guard
trace guard-pf-verbose.txt -v --pf=all -e mprotect -- ./guard 2> /dev/null # -v: dso@sym+off on both sides
trace guard-F-all.txt -F all -- ./guard
trace guard-F-all-syscalls.txt -F all --syscalls -- ./guard
trace guard-callchain-fp.txt --call-graph fp --pf=all -e mprotect -- ./guard
trace guard-callchain-dwarf.txt --call-graph dwarf --pf=all -e mprotect -- ./guard
trace guard-summary.txt -s -- ./guard
trace guard-tracepoint.txt -e exceptions:page_fault_user -- ./guard
trace guard-tracepoint-mprotect.txt -e exceptions:page_fault_user -e mprotect -- ./guard
trace guard-tracepoint-callchain.txt --call-graph fp -e exceptions:page_fault_user,syscalls:sys_enter_mprotect -- ./guard
trace guard-tracepoint-libtraceevent.txt --libtraceevent_print -e exceptions:page_fault_user,syscalls:sys_enter_mprotect -- ./guard

# `perf trace record` + replay. The plain form records no data address (the
# replay prints `=> 0x0`); passing perf record's -d (and -g) keeps it.
perf trace --syscalls -F all record -o guard.data ./guard > /dev/null 2>&1
perf trace -i guard.data -o guard-replay.txt
perf trace --syscalls -F all record -d -g -o guard-dg.data ./guard > /dev/null 2>&1
perf trace -i guard-dg.data -o guard-replay-d-g.txt
perf trace -i guard-dg.data -S -o guard-replay-with-summary.txt

# ---- prot.c: flags, errors, PROT_NONE, major faults, threads, fork
trace prot-F-all-syscalls.txt -F all --syscalls -- ./prot
trace prot-callchain-fp.txt --call-graph fp --pf=all -e mprotect,pkey_mprotect,mmap -- ./prot
trace prot-callchain-dwarf.txt --call-graph dwarf --pf=all -e mprotect,pkey_mprotect,mmap -- ./prot
trace prot-with-summary-errno.txt -S --errno-summary -e mprotect,pkey_mprotect,mmap,munmap -- ./prot
trace prot-full-time.txt -T -e mprotect,pkey_mprotect -- ./prot

# ---- lost.c with a one-page ring buffer: LOST lines, and a syscall whose
# sys_enter was lost printed alone as `... [continued]: mprotect())`. Losing is
# timing-dependent: retry until both shapes are there.
for attempt in 1 2 3 4 5 6 7 8; do
  trace lost-m1.txt -m 1 -F all -e mprotect -- ./lost
  if grep -q '^LOST ' lost-m1.txt && grep -q 'continued\]: mprotect' lost-m1.txt; then break; fi
  echo "attempt $attempt: no LOST line or no orphaned [continued], retrying" >&2
done

for f in *.txt; do
  if [ "$(stat -c %s "$f")" -gt 204800 ]; then gzip -9nf "$f"; fi
done
objdump -dl prot > prot.objdump-dl.txt
rm -f guard.data guard.data.old guard-dg.data guard-dg.data.old lost prot-major.tmp ./*.old
echo "recorded: $(ls *.txt *.txt.gz 2>/dev/null | wc -l) captures"
