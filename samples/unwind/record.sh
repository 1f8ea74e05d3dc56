#!/usr/bin/env bash
# One guard-page program (../guard/guard.c) captured the three ways users
# record it, so the tests can check that every way names the same protecting
# functions with the same fault counts, and agrees with perf report:
#   fp.*        -O1 -fno-omit-frame-pointer, -g (frame pointers): chains skip
#               frameless leaves and end in libc/ld.so garbage (`348a8 [unknown]`)
#   dwarf.*     the same binary, --call-graph dwarf: return address - 1 in callers,
#               `__GI_mprotect+0x7 (inlined)` leaves with no real frame at their address
#   o2-dwarf.*  -O2 (no frame pointers), --call-graph dwarf
#   o2-fp.*     -O2, -g: every chain stops in libc (`__mprotect+0x7` and nothing above)
# Each capture: <name>.perf-script.txt.gz (perf script --show-task-events
# --show-mmap-events), <name>.perf-report.txt (perf report --stdio: samples per dso and symbol, and
# per folded callchain, of every event),
# <name>.buildids.txt (perf buildid-list).
# soname.*: a library built as libsoname.so.1.2.3, listed through its soname link libsoname.so.1.
# Listings: guard.objdump-dl.txt, guard-O2.objdump-dl.txt, and ld.so's with its
# build-id note in front (ld.objdump-d.txt.gz); libc's is ../guard/libc.objdump-d.txt.gz.
# Needs root (or perf_event_paranoid <= -1) for the tracepoints.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
events=(
  -e exceptions:page_fault_user -e page-faults
  -e syscalls:sys_enter_mprotect -e syscalls:sys_exit_mprotect
  -e syscalls:sys_enter_mmap -e syscalls:sys_exit_mmap -e syscalls:sys_enter_munmap
)
gcc -O1 -g -fno-omit-frame-pointer -o guard ../guard/guard.c
gcc -O2 -g -o guard-O2 ../guard/guard.c

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
capture fp guard fp
capture dwarf guard dwarf,16384
capture o2-dwarf guard-O2 dwarf,16384
capture o2-fp guard-O2 fp

# a library known by its soname link: the listing made from the link (libsoname.so.1), perf's dso the file
gcc -O1 -g -fno-omit-frame-pointer -shared -fPIC -Wl,-soname,libsoname.so.1 -o libsoname.so.1.2.3 soname.c
ln -sf libsoname.so.1.2.3 libsoname.so.1
gcc -O1 -g -fno-omit-frame-pointer -DSONAME_MAIN -o soname soname.c -L. -l:libsoname.so.1 -Wl,-rpath,'$ORIGIN'
perf record -q -o "$tmp/soname.data" -e page-faults -c 1 -g ./soname
perf script -i "$tmp/soname.data" > soname.perf-script.txt
objdump -d libsoname.so.1 > libsoname.so.1.objdump-d.txt

objdump -dl guard > guard.objdump-dl.txt
objdump -dl guard-O2 > guard-O2.objdump-dl.txt
ld=$(ldd ./guard | awk '/ld-linux/ {print $1}')
{ objdump -s -j .note.gnu.build-id "$ld"; objdump -d "$ld"; } | gzip -9n > ld.objdump-d.txt.gz
ls -la
