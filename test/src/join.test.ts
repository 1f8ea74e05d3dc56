// The join on real captures of other kinds of program: C++ (demangled and
// mangled listings), Go (non-PIE), DWARF unwinding with inlined frames, and
// absolute header addresses (-F ip without a callchain).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/pipeline.js';
import type { Report, SiteCount, TreeNode } from '../../src/model.js';
import { foldTree } from '../../src/tree.js';
import { callTarget, sameFunction } from '../../src/unwind.js';

const J = 'samples/join';

function text(path: string): string {
  const buf = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
}

/** The listing's own line for an address: `  481412:\t88 1c 0e  \tmov    %bl,(%rsi,%rcx,1)` → `mov %bl,(%rsi,%rcx,1)`. */
function listingText(listing: string, address: string): string | undefined {
  const m = new RegExp(`^\\s*${address.replace(/^0x/, '')}:\\t(?:[0-9a-f]{2} )+\\s*\\t(.*)$`, 'm').exec(listing);
  return m?.[1]?.replace(/\s+/g, ' ').trim();
}

function inBinary(r: Report, name: string): SiteCount[] {
  return r.sites.filter((s) => s.dso.endsWith(`/${name}`));
}

function names(node: TreeNode, out: string[] = []): string[] {
  out.push(node.name);
  for (const c of node.children) names(c, out);
  return out;
}

describe('join on real captures', () => {
  it('C++: every fault in the binary resolves, the same with a demangled or a mangled listing', async () => {
    const demangled = await buildReport({ traces: [`${J}/arena.perf-script.txt`], objdump: [`${J}/arena.objdump-dC.txt`] });
    const mangled = await buildReport({ traces: [`${J}/arena.perf-script.txt`], objdump: [`${J}/arena.objdump-d.txt`] });
    const sites = inBinary(demangled, 'arena');
    expect(sites.length).toBeGreaterThan(5);
    expect(sites.every((s) => s.resolved)).toBe(true);
    expect(inBinary(mangled, 'arena')).toEqual(sites);
    const listing = text(`${J}/arena.objdump-d.txt`);
    for (const s of sites) expect(s.instruction).toBe(listingText(listing, s.address));
    expect(sites.map((s) => s.symbol)).toEqual(expect.arrayContaining(['heap::(anonymous namespace)::scribble', 'heap::Slot::operator<', 'heap::Arena<long>::touch']));
  });

  it('Go (non-PIE): perf prints map-relative 81412, the listing has the instruction at 0x481412', async () => {
    const r = await buildReport({ traces: [`${J}/go.perf-script.txt.gz`], objdump: [`${J}/goarena.objdump-d.txt.gz`] });
    const touch = r.sites.find((s) => s.symbol === 'main.(*arena).touch')!;
    expect(touch).toMatchObject({ address: '481412', offset: 0x12, resolved: true });
    const listing = text(`${J}/goarena.objdump-d.txt.gz`);
    expect(touch.instruction).toBe(listingText(listing, '481412'));
    const sites = inBinary(r, 'goarena');
    expect(sites.every((s) => s.resolved)).toBe(true);
    for (const s of sites) expect(s.instruction).toBe(listingText(listing, s.address));
  });

  it('DWARF: an inlined function at the faulting ip resolves through the real frame under it', async () => {
    const r = await buildReport({ traces: [`${J}/dwarf.perf-script.txt`], objdump: [`${J}/shapes.objdump-dl.txt`] });
    const poke = r.sites.find((s) => s.symbol === 'touch_pages')!;
    expect(poke).toMatchObject({ offset: 0xc, resolved: true, instruction: 'mov %sil,(%rdi)', count: 8 });
    expect(poke.source).toMatch(/shapes\.c:\d+$/);
    expect(foldTree(r.tree).find((l) => l.includes('touch_pages;poke (inlined);0x12fa'))).toBe('shapes;_start (shapes);__libc_start_main_impl (inlined);__libc_start_call_main;main;touch_pages;poke (inlined);0x12fa: mov %sil,(%rdi) [shapes.c:38] 8');
    // DWARF return addresses are inside the call: nothing to repair in this chain
    expect(names(r.tree).some((n) => n.endsWith('[inferred]'))).toBe(false);
  });

  it('-F ip without a callchain: absolute runtime addresses neither anchor nor veto the resolution by name', async () => {
    const r = await buildReport({ traces: [`${J}/flat.perf-script.txt`], objdump: [`${J}/shapes.objdump-dl.txt`] });
    const touch = r.sites.find((s) => s.symbol === 'touch_pages')!;
    expect(touch).toMatchObject({ offset: 0xc, address: '12fa', resolved: true, count: 8 });
    expect(r.warnings.filter((w) => w.includes('does not match'))).toEqual([]);
  });
});

describe('tracepoints without a callchain', () => {
  it('map the payload ip through MMAP2 records to the dso and the listing instruction', async () => {
    const r = await buildReport({ traces: [`${J}/tracepoint-mmap.perf-script.txt`], objdump: [`${J}/shapes.objdump-dl.txt`] });
    const touch = r.sites.find((s) => s.dso.endsWith('/shapes') && s.resolved)!;
    // the same instruction the callchain captures name touch_pages+0xc
    expect(touch).toMatchObject({ symbol: 'touch_pages', offset: 0xc, address: '12fa', instruction: 'mov %sil,(%rdi)', count: 8 });
    expect(r.warnings.join('\n')).toMatch(/no frame perf named anchors .*shapes's addresses/);
    // faults in ld.so, which has no listing, still know their dso
    expect(r.sites.filter((s) => s.dso.endsWith('ld-linux-x86-64.so.2')).length).toBeGreaterThan(0);
    expect(r.sites.reduce((n, s) => n + s.count, 0)).toBe(r.events['exceptions:page_fault_user']);
  });
});

describe('unwinding repair helpers', () => {
  const insn = (text: string) => ({ address: 0, size: 0, text, function: 'f', functionAddress: 0 });
  it('reads direct call targets in GNU, Intel and llvm syntax, and no others', () => {
    expect(callTarget(insn('call 1289 <protect_young>'))).toEqual({ address: 0x1289, name: 'protect_young' });
    expect(callTarget(insn('call 0x1289 <protect_young>'))).toEqual({ address: 0x1289, name: 'protect_young' });
    expect(callTarget(insn('callq 0x10b0 <mprotect@plt>'))).toEqual({ address: 0x10b0, name: 'mprotect@plt' });
    expect(callTarget(insn('bl 4007a0 <foo>'))).toEqual({ address: 0x4007a0, name: 'foo' });
    expect(callTarget(insn('call *%rax'))).toBeUndefined();
    expect(callTarget(insn('call 1289 <main+0x10>'))).toBeUndefined();
    expect(callTarget(insn('mov %rsi,(%rdi)'))).toBeUndefined();
  });
  it('treats a plt stub, symbol versions and glibc aliases as one function', () => {
    expect(sameFunction('mprotect@plt', '__mprotect')).toBe(true);
    expect(sameFunction('memcpy@GLIBC_2.2.5', 'memcpy')).toBe(true);
    expect(sameFunction('protect_young', 'mutate')).toBe(false);
  });
});
