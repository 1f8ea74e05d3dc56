#!/usr/bin/env bash
# Re-captures the C++ sample: builds cxx.cpp at -O0 with frame pointers,
# records its page faults with call chains, and writes what the tests read.
# Needs root (or perf_event_paranoid <= -1) for the tracepoint.
#
#   cxx.perf-script.txt        perf script (perf's demangled names)
#   cxx.perf-report.txt        perf report --stdio --children -n -g none --sort dso,sym: faults under each function, named as perf names them
#   cxx.objdump-dlC.txt        objdump -dlC: demangled headers with templates, operators, const
#   cxx.objdump-dl.txt.gz      objdump -dl: mangled names
set -euo pipefail
cd "$(dirname "$0")"
g++ -O0 -g -fno-omit-frame-pointer -o cxx cxx.cpp
perf record -q -o perf.data -e exceptions:page_fault_user -g ./cxx || true # exits with v[0] + w[0]
perf script -i perf.data > cxx.perf-script.txt
perf report -i perf.data --stdio --children -n -g none --sort dso,sym 2>/dev/null | grep -v '^#' | sed '/^$/d' > cxx.perf-report.txt
objdump -dlC cxx > cxx.objdump-dlC.txt
objdump -dl cxx | gzip -9n > cxx.objdump-dl.txt.gz
gzip -9nf cxx.perf-script.txt
rm -f perf.data perf.data.old
echo "cxx: $(zcat cxx.perf-script.txt.gz | grep -c '^\S') records"
