#!/usr/bin/env bash
# Re-makes the listing variants the objdump parser tests read. Every listing is
# objdump's (or llvm-objdump's) own output for a binary kept beside it:
#   guard            ../guard/guard (built by ../guard/record.sh; not rebuilt here so
#                    the listings keep matching the perf captures there)
#   shapes           shapes.cpp: C++ for -C, .plt.sec (IBT PLT), 10-byte movabs
#                    (GNU wraps its bytes onto a continuation line), main.cold
#   guard-aarch64    ../guard/guard.c cross-compiled for aarch64
#   kernel           kernel.c linked at 0xffffffff81000000, with a zero run (`...`)
# and shapes.perf-script.txt: perf's own names for shapes' functions (page
# faults with callchains), to check that the index finds what perf names.
# Needs: gcc g++ binutils (objdump 2.40) llvm-objdump-14 perf (root)
#        gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
set -euo pipefail
cd "$(dirname "$0")"
guard=../guard/guard

g++ -O2 -g -fno-omit-frame-pointer -fcf-protection=full -Wl,-z,ibtplt -o shapes shapes.cpp
aarch64-linux-gnu-gcc -O1 -g -fno-omit-frame-pointer -o guard-aarch64 ../guard/guard.c
gcc -O1 -g0 -mcmodel=kernel -fno-pie -no-pie -nostdlib -static -ffreestanding \
  -Wl,-Ttext=0xffffffff81000000 -Wl,--build-id=none -o kernel kernel.c

# GNU objdump 2.40, x86-64
objdump -dS "$guard" > guard.objdump-dS.txt
objdump -d -M intel "$guard" > guard.objdump-d-intel.txt
objdump -d --no-show-raw-insn "$guard" > guard.objdump-d-noraw.txt
objdump -dC shapes > shapes.objdump-dC.txt
objdump -dlC shapes > shapes.objdump-dlC.txt
objdump -d shapes > shapes.objdump-d.txt
objdump -d kernel > kernel.objdump-d.txt

# llvm-objdump 14, x86-64
llvm-objdump -d "$guard" > guard.llvm-objdump-d.txt
llvm-objdump -d --no-show-raw-insn "$guard" > guard.llvm-objdump-d-noraw.txt
llvm-objdump -dl "$guard" > guard.llvm-objdump-dl.txt
llvm-objdump -dS "$guard" > guard.llvm-objdump-dS.txt
llvm-objdump -dC shapes > shapes.llvm-objdump-dC.txt
llvm-objdump -d kernel > kernel.llvm-objdump-d.txt

# aarch64: binutils' cross objdump and llvm-objdump
aarch64-linux-gnu-objdump -d guard-aarch64 > guard-aarch64.objdump-d.txt
aarch64-linux-gnu-objdump -dl guard-aarch64 > guard-aarch64.objdump-dl.txt
aarch64-linux-gnu-objdump -d --no-show-raw-insn guard-aarch64 > guard-aarch64.objdump-d-noraw.txt
llvm-objdump -d guard-aarch64 > guard-aarch64.llvm-objdump-d.txt

# c++filt's names with and without parameters (-p, as perf prints them) for
# shapes' symbols and a few shapes shapes.cpp lacks (.cold/.part clones, an
# anonymous namespace, operator new, a conversion operator, std::function).
{
  nm shapes | awk '$3 ~ /^_Z/ { print $3 }'
  printf '%s\n' _Z3fooi.cold _Z3fooi.part.0 _ZN12_GLOBAL__N_13fooEi _ZnwmPv _ZN3FoocviEv _ZNKSt8functionIFviEEclEi
} | sort -u | while read -r sym; do
  printf '%s\t%s\t%s\n' "$sym" "$(c++filt "$sym")" "$(c++filt -p "$sym")"
done > shapes.cxxfilt.tsv

# perf 6.1: page faults with callchains (user-space frames name shapes' functions)
perf record -q -o perf.data -e page-faults -c 1 -g ./shapes > /dev/null
perf script -i perf.data > shapes.perf-script.txt
rm -f perf.data perf.data.old

wc -l ./*.txt ./*.tsv
