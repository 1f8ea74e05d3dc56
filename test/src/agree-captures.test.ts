// faultpath report and faultpath sites against perf report --stdio, on a C++
// guard-page arena and a threaded program, each captured with frame pointers,
// with DWARF and built -O2 without frame pointers (samples/agree/record.sh;
// perf report's output on the same perf.data is kept beside each capture).
// Every fault count per dso and symbol and every protecting call must agree,
// with names as perf prints them. A DWARF fault whose leaf perf script printed
// only as `(inlined)` frames is named, as perf report names it, by the ELF
// symbol holding the sample's ip, from the listing; where no listing names it
// (UNNAMED_LEAVES), or no frame was printed at all, perf's name stays.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/pipeline.js';
import type { Report } from '../../src/model.js';
import { perfChains as perfChainsIn, perfSymbols as perfSymbolsIn } from './perf-report-text.js';

const A = 'samples/agree';
const LIBC = 'samples/guard/libc.objdump-d.txt.gz';
const LD = 'samples/unwind/ld.objdump-d.txt.gz';

const CAPTURES = [
  { name: 'arena-fp', prog: 'arena', listing: `${A}/arena.objdump-dl.txt`, unwind: 'fp' },
  { name: 'arena-dwarf', prog: 'arena', listing: `${A}/arena.objdump-dl.txt`, unwind: 'dwarf' },
  { name: 'arena-o2', prog: 'arena-O2', listing: `${A}/arena-O2.objdump-dl.txt`, unwind: 'o2' },
  { name: 'threads-fp', prog: 'threads', listing: `${A}/threads.objdump-dl.txt`, unwind: 'fp' },
  { name: 'threads-dwarf', prog: 'threads', listing: `${A}/threads.objdump-dl.txt`, unwind: 'dwarf' },
  { name: 'threads-o2', prog: 'threads-O2', listing: `${A}/threads-O2.objdump-dl.txt`, unwind: 'o2' },
] as const;
type Capture = (typeof CAPTURES)[number];

const base = (dso: string): string => dso.slice(dso.lastIndexOf('/') + 1);

function perfReport(name: string): string {
  return readFileSync(`${A}/${name}.perf-report.txt`, 'utf8');
}

function perfSymbols(name: string, event: string): Map<string, number> {
  return perfSymbolsIn(perfReport(name), event);
}

function perfChains(name: string, event: string): [number, string[]][] {
  return perfChainsIn(perfReport(name), event);
}

/** The faults of an event whose user leaf perf script printed only as `(inlined)` frames, or not at all, counted from the capture's text. */
function leafGaps(name: string, event: string): number {
  const text = gunzipSync(readFileSync(`${A}/${name}.perf-script.txt.gz`)).toString('utf8');
  let n = 0;
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l !== '');
    if (!lines[0]?.includes(` ${event}:`)) continue;
    const user = lines.slice(1).filter((l) => !l.includes('([kernel.kallsyms])'));
    // the leaf's group: the frames at the leaf's address (inlined functions, then the real one)
    const at = (l: string): string => l.trim().split(' ')[0]!;
    const group = user.filter((l, i) => user.slice(0, i + 1).every((x) => at(x) === at(user[0]!)));
    if (user.length === 0 || group.every((l) => l.endsWith(' (inlined)'))) n++;
  }
  return n;
}

/** faultpath's faults per `dso symbol` (user space) of one event. */
function ours(r: Report): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of r.sites) {
    if (s.dso.startsWith('[kernel')) continue;
    const key = `${base(s.dso) || '[unknown]'} ${s.symbol}`;
    out.set(key, (out.get(key) ?? 0) + s.count);
  }
  return out;
}

/** How far two tallies differ: the faults one has under a name the other does not. */
function gap(a: Map<string, number>, b: Map<string, number>): { missing: number; extra: number; keys: string[] } {
  let missing = 0;
  let extra = 0;
  const keys: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const d = (a.get(k) ?? 0) - (b.get(k) ?? 0);
    if (d === 0) continue;
    keys.push(k);
    if (d > 0) extra += d;
    else missing -= d;
  }
  return { missing, extra, keys: keys.sort() };
}

function report(c: Capture, events?: string[], runtime = false): Promise<Report> {
  return buildReport({ traces: [`${A}/${c.name}.perf-script.txt.gz`], objdump: runtime ? [c.listing, LIBC, LD] : [c.listing], ...(events !== undefined ? { events } : {}) });
}

describe('faultpath report agrees with perf report --stdio, fault for fault', () => {
  for (const c of CAPTURES) {
    const dwarf = c.unwind === 'dwarf';
    it(`${c.name}: page-faults per dso and symbol are perf report's${dwarf ? ' where a listing names the leaf and perf printed a frame' : ''}`, async () => {
      const r = await report(c, ['page-faults'], dwarf);
      const mine = ours(r);
      const g = gap(mine, perfSymbols(c.name, 'page-faults'));
      if (!dwarf) expect(leafGaps(c.name, 'page-faults')).toBe(0);
      else expect(leafGaps(c.name, 'page-faults')).toBeGreaterThan(0);
      // no fault lost or doubled; the rest are under the name perf script printed
      expect(g.missing).toBe(g.extra);
      expect(extraByName(mine, perfSymbols(c.name, 'page-faults'))).toEqual(unnamed(c.name, 'page-faults'));
    });

    it(`${c.name}: the tracepoint's faults per dso and symbol are the page-faults perf report counted (the same faults)${dwarf ? ', where a listing names the leaf' : ''}`, async () => {
      const r = await report(c, ['exceptions:page_fault_user'], dwarf);
      const mine = ours(r);
      const g = gap(mine, perfSymbols(c.name, 'page-faults'));
      // the tracepoint carries the ip: a leaf perf printed nothing for, or only `(inlined)` frames for,
      // is resolved in its dso's listing and named by the ELF symbol there, as perf report names it
      expect(g.missing).toBe(g.extra);
      expect(extraByName(mine, perfSymbols(c.name, 'page-faults'))).toEqual(unnamed(c.name, 'exceptions:page_fault_user'));
    });
  }

  it('threads-dwarf: a fault with no user frame in a stripped libc takes the function perf named there, not the exported symbol before it', async () => {
    // threads 2182 … exceptions:page_fault_user: address=0x7f9e30411f78 ip=0x7f9e3053f8ea error_code=0x6   (no user frame)
    //           1098eb clone3+0x2b (/usr/lib/x86_64-linux-gnu/libc.so.6)                                  (in other chains)
    // objdump -d of the stripped libc: 0x1098ea is under `__xmknodat@@GLIBC_2.4` (+0x23a)
    const c = CAPTURES[4];
    expect(noUserFrame(c.name)).toBe(5);
    const r = await report(c, ['exceptions:page_fault_user'], true);
    const clone3 = r.sites.filter((s) => s.symbol === 'clone3');
    expect(clone3).toMatchObject([{ dso: '/usr/lib/x86_64-linux-gnu/libc.so.6', address: '1098ea', offset: 0x2a, resolved: true, count: 4 }]);
    expect(r.sites.filter((s) => s.symbol.includes('xmknod'))).toEqual([]);
    expect(perfSymbols(c.name, 'page-faults').get('libc.so.6 clone3')).toBe(4);
    expect(ours(r).get('ld-linux-x86-64.so.2 _dl_catch_exception')).toBe(perfSymbols(c.name, 'page-faults').get('ld-linux-x86-64.so.2 _dl_catch_exception'));
  });
});

// Inlined-only leaves (perf script printed only `(inlined)` frames) that no given listing names: they keep perf's DWARF name.
// arena-dwarf: libm has no listing here; the ld.so listing is of the stripped file, with no label where
// perf report's memmove starts (0x21778 − 0x58), so `memcpy+0x58 (inlined)` stays memcpy.
const UNNAMED_LEAVES: Record<string, Record<string, number>> = {
  'arena-dwarf': { __ieee754_exp_ifunc: 1, __exp2f_ifunc: 1, memcpy: 1 },
};

/** The faults perf report counts under another name: the unnamed inlined leaves, and (page-faults) those with no frame at all, `[unknown]`. */
function unnamed(name: string, event: string): Record<string, number> {
  const out: Record<string, number> = { ...(UNNAMED_LEAVES[name] ?? {}) };
  const none = event === 'page-faults' ? noUserFrame(name) : 0;
  if (none > 0) out['[unknown]'] = none;
  return out;
}

/** Faults `a` has beyond `b`, by symbol. */
function extraByName(a: Map<string, number>, b: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of a) {
    const d = n - (b.get(k) ?? 0);
    if (d > 0) out[k.slice(k.indexOf(' ') + 1)] = (out[k.slice(k.indexOf(' ') + 1)] ?? 0) + d;
  }
  return out;
}

/** Tracepoint faults perf script printed no user frame for (DWARF unwinding found none). */
function noUserFrame(name: string): number {
  const text = gunzipSync(readFileSync(`${A}/${name}.perf-script.txt.gz`)).toString('utf8');
  return text
    .split('\n\n')
    .map((b) => b.split('\n').filter((l) => l !== ''))
    .filter((l) => l[0]?.includes(' exceptions:page_fault_user:') && l.slice(1).every((x) => x.includes('([kernel.kallsyms])'))).length;
}

describe('a page-faults sample perf script printed with no frame and no ip', () => {
  // threads  2182 11895.892210:          1                 page-faults:      (an empty DWARF chain: no frame line follows)
  // perf script --hide-call-graph prints it:  threads 25414 …: page-faults:  7f1343e988ea clone3 (…/libc.so.6)
  it('threads-dwarf: the report says once how many and which perf option prints their ip', async () => {
    const r = await buildReport({ traces: [`${A}/threads-dwarf.perf-script.txt.gz`], objdump: [`${A}/threads.objdump-dl.txt`], events: ['page-faults'] });
    const said = r.warnings.filter((w) => w.includes('no frame and no ip'));
    expect(said).toEqual([expect.stringMatching(/^5 faults came with no frame and no ip .*perf script --hide-call-graph/)]);
  });

  it('the tracepoint of the same capture carries its ip: nothing to say', async () => {
    const r = await buildReport({ traces: [`${A}/threads-dwarf.perf-script.txt.gz`], objdump: [`${A}/threads.objdump-dl.txt`], events: ['exceptions:page_fault_user'] });
    expect(r.warnings.filter((w) => w.includes('no frame and no ip'))).toEqual([]);
  });
});

describe('faultpath sites agrees with faultpath report and with perf report', () => {
  for (const c of CAPTURES) {
    it(`${c.name}: every fault counts once, on a site or uncovered; every site's instructions add up to it`, async () => {
      const r = await report(c);
      const p = r.protection!;
      expect(p.sites.reduce((n, s) => n + s.faults, 0) + p.uncoveredFaults).toBe(r.tree.value);
      for (const s of p.sites) expect(s.instructions.reduce((n, i) => n + i.faults, 0)).toBe(s.faults);
      expect(Object.values(p.tlbFlushCauses ?? {}).reduce((a, b) => a + b, 0)).toBe(r.events['tlb:tlb_flush']);
      expect(p.sites.reduce((n, s) => n + Object.values(s.tlbFlushes).reduce((a, b) => a + b, 0), 0) + Object.values(p.unattributedFlushes).reduce((a, b) => a + b, 0)).toBe(r.events['tlb:tlb_flush']);
    });

    it(`${c.name}: mprotect calls per protecting function are perf report's`, async () => {
      const r = await report(c);
      // perf's folded chains of sys_enter_mprotect: the function that called the wrapper (DWARF),
      // or the wrapper where the chain stops in libc (-O2: perf takes a data pointer for its caller)
      const perf = new Map<string, number>();
      for (const [n, chain] of perfChains(c.name, 'syscalls:sys_enter_mprotect')) {
        const leaf = chain.length - 1;
        const caller = c.unwind === 'o2' ? chain[leaf]! : c.unwind === 'dwarf' ? chain[leaf - 1]! : chain[leaf]!;
        perf.set(caller, (perf.get(caller) ?? 0) + n);
      }
      const calls = new Map<string, number>();
      for (const s of r.protection!.sites) {
        const n = s.calls['mprotect'] ?? 0;
        if (n > 0) calls.set(s.symbol, (calls.get(s.symbol) ?? 0) + n);
      }
      if (c.unwind === 'dwarf') {
        const prog = c.prog === 'arena' ? ['Arena<long>::seal', '(anonymous namespace)::Unsealer::operator()'] : ['worker_seal', 'unseal_page'];
        for (const f of prog) expect([f, calls.get(f)]).toEqual([f, perf.get(f)]);
        expect(calls.get(prog[0]!)).toBe(c.prog === 'arena' ? 48 : 32);
      } else {
        // frame-pointer chains skip the frameless wrapper's caller: perf's chain reads main → __mprotect
        // (arena) or stops in libc; faultpath infers the caller (fp) or names the wrapper (-O2)
        const total = [...perf.values()].reduce((a, b) => a + b, 0);
        expect([...calls.values()].reduce((a, b) => a + b, 0)).toBe(total);
        if (c.unwind === 'o2') expect(calls.get('__mprotect')).toBe(perf.get('__mprotect'));
      }
    });

    it(`${c.name}: the guard-page faults and their retry cycles are on the program's sealing call, named as perf names it`, async () => {
      const r = await report(c);
      const p = r.protection!;
      const pages = c.prog.startsWith('arena') ? 16 * 3 : 4 * 8;
      const sealing = p.sites.filter((s) => s.cycles > 0);
      expect(sealing.reduce((n, s) => n + s.cycles, 0)).toBe(pages);
      // no site is a frame perf could not name in data memory (an -O2 frame-pointer chain's garbage)
      expect(p.sites.filter((s) => s.site.startsWith('[unknown]'))).toEqual([]);
      // the names perf prints for the program's functions, in any capture of it (a frame-pointer chain skips the sealing function perf names in the DWARF one)
      const named = new Set<string>();
      for (const o of CAPTURES.filter((x) => x.name.split('-')[0] === c.name.split('-')[0])) {
        for (const k of perfSymbols(o.name, 'page-faults').keys()) named.add(k.slice(k.indexOf(' ') + 1));
        for (const [, chain] of perfChains(o.name, 'syscalls:sys_enter_mprotect')) for (const f of chain) named.add(f.replace(/ \(inlined\)$/, ''));
      }
      for (const s of sealing) expect(named).toContain(s.symbol);
      for (const s of r.sites.filter((x) => x.dso.endsWith(`/${c.prog}`))) expect(named).toContain(s.symbol);
    });
  }

  it('arena-o2: a frame-pointer chain through -O2 code ends at the data pointer it read as a return address; the site is the wrapper, said once', async () => {
    // arena-O2 … syscalls:sys_enter_mprotect: start: 0x7f51fa298000, len: 0x00001000, prot: 0x00000001
    //           101a37 __mprotect+0x7 (/usr/lib/x86_64-linux-gnu/libc.so.6)
    //     7f51fa298000 [unknown] (//anon)          ← the arena's base, kept in rbp by Arena<long>::seal
    const r = await report(CAPTURES[2]);
    const libc = r.protection!.sites.find((s) => s.symbol === '__mprotect')!;
    expect(libc).toMatchObject({ calls: { mprotect: 96 }, cycles: 48 });
    expect(r.warnings.filter((w) => w.includes('no caller outside libc and ld.so'))).toHaveLength(1);
  });
});
