#!/usr/bin/env bash
# Re-captures the sample of perf script -F lists without trace on a capture with
# protection calls: ../guard/guard.c (pages made read-only by mprotect, written,
# made writable again by the SIGSEGV handler's mprotect) recorded on
# exceptions:page_fault_user, syscalls:sys_enter_mprotect and page-faults with
# -g and without -d. Needs root (or perf_event_paranoid <= -1) for the
# tracepoints.
#
# Without trace in -F, perf 6.1 prints no tracepoint payload (builtin-script.c,
# process_event: `if (PRINT_FIELD(TRACE) && sample->raw_data)`): the
# tracepoint's fault address and the mprotect's arguments are not printed;
# page-faults has no data address without -d. The frames are there (ip is in
# the list).
#
# Outputs:
#   guard.perf-script-notrace.txt.gz   -F comm,pid,tid,time,event,ip,sym,symoff,dso
#   guard.report.txt     perf report --stdio -n --sort sym --no-children: symbols and counts per event
set -euo pipefail
cd "$(dirname "$0")"
gcc -O1 -g -fno-omit-frame-pointer -o guard ../guard/guard.c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" guard' EXIT
perf record -q -o "$tmp/perf.data" -e exceptions:page_fault_user -e syscalls:sys_enter_mprotect -e page-faults -c 1 -g ./guard
perf script -i "$tmp/perf.data" -F comm,pid,tid,time,event,ip,sym,symoff,dso 2>/dev/null | gzip -9n > guard.perf-script-notrace.txt.gz
perf report -i "$tmp/perf.data" --stdio -n --sort sym --no-children -g none 2>/dev/null | grep -v '^$' > guard.report.txt
