#!/usr/bin/env bash
# Re-captures the header-field samples: fields.c's page faults (a read and a
# write loop over fresh pages, after ld.so's start-up faults) recorded with
# everything a page-fault user adds to a sample — data addresses (-d), physical
# addresses (--phys-data), data and code page sizes, weight (-W), and the cpu
# (--sample-cpu: perf script refuses the cpu field of software events without
# it) — on page-faults and exceptions:page_fault_user, with and without -g,
# then printed with the -F lists such users pass. Needs root (or
# perf_event_paranoid <= -1) for the tracepoint.
#
# perf 6.1 prints these fields after the event name, in this order
# (builtin-script.c, process_event): flags (`  %-21s `), the trace payload,
# addr (`%16lx`, then ` sym+off (dso)` for page faults), data_src (`%16lx |OP
# …|`), weight (`%16lu`), then the ip (` %16lx sym+off (dso)`) or, with a
# callchain, a newline and the frames, and after them phys_addr (`%16lx`) and
# the page sizes (` %s` each): with -g those land on a line of their own after
# the last frame, and no blank line follows the record.
#
# Outputs, g (with -g) and nog (without), each file gzipped:
#   <g|nog>.default.txt.gz      perf script: the reference stacks
#   <g|nog>.addr.txt.gz         -F +addr: the reference data addresses (right after the event)
#   <g|nog>.all.txt.gz          -F +addr,+phys_addr,+data_page_size,+code_page_size,+weight,+data_src,+cpu,+period,+flags
#   <g|nog>.weight.txt.gz       -F +weight (no addr: the weight comes first)
#   <g|nog>.data_src.txt.gz     -F +data_src (no addr: data_src comes first)
#   <g|nog>.phys.txt.gz         -F +addr,+phys_addr
#   <g|nog>.pagesize.txt.gz     -F +addr,+data_page_size,+code_page_size
#   <g|nog>.flags-addr.txt.gz   -F comm,tid,time,event,addr,sym,symoff,dso,flags (the address and no ip, after the flags)
#   <g|nog>.recipe.txt.gz       -F comm,pid,tid,cpu,time,event,trace,ip,sym,symoff,dso,addr,period,
#                               weight,data_src,phys_addr,data_page_size,code_page_size,flags
#   <g|nog>.report.txt          perf report --stdio -n --sort sym (-g: --no-children): symbols and counts
set -euo pipefail
cd "$(dirname "$0")"
gcc -O1 -g -fno-omit-frame-pointer -o fields fields.c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
record=(-e page-faults -e exceptions:page_fault_user -c 1 -d --phys-data --data-page-size --code-page-size -W --sample-cpu)
perf record -q -o "$tmp/g.data" "${record[@]}" -g ./fields
perf record -q -o "$tmp/nog.data" "${record[@]}" ./fields
for run in g nog; do
  data=$tmp/$run.data
  script() { perf script -i "$data" "$@" 2>/dev/null; }
  script | gzip -9n > $run.default.txt.gz
  script -F +addr | gzip -9n > $run.addr.txt.gz
  script -F +addr,+phys_addr,+data_page_size,+code_page_size,+weight,+data_src,+cpu,+period,+flags | gzip -9n > $run.all.txt.gz
  script -F +weight | gzip -9n > $run.weight.txt.gz
  script -F +data_src | gzip -9n > $run.data_src.txt.gz
  script -F +addr,+phys_addr | gzip -9n > $run.phys.txt.gz
  script -F +addr,+data_page_size,+code_page_size | gzip -9n > $run.pagesize.txt.gz
  script -F comm,tid,time,event,addr,sym,symoff,dso,flags | gzip -9n > $run.flags-addr.txt.gz
  script -F comm,pid,tid,cpu,time,event,trace,ip,sym,symoff,dso,addr,period,weight,data_src,phys_addr,data_page_size,code_page_size,flags | gzip -9n > $run.recipe.txt.gz
  children=()
  [ $run = g ] && children=(--no-children)
  perf report -i "$data" --stdio -n --sort sym "${children[@]}" -g none 2>/dev/null | grep -v '^$' > $run.report.txt
done
