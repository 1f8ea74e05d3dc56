// One guard-page program captured with frame pointers, with DWARF, and built
// -O2 without frame pointers (samples/unwind/record.sh): every way must name
// the same protecting functions with the same counts, and agree with
// perf report --stdio on the same perf.data (kept beside each capture).
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildReport, type ReportOptions } from '../../src/pipeline.js';
import type { Report } from '../../src/model.js';

const U = 'samples/unwind';
const GUARD = `${U}/guard.objdump-dl.txt`;
const GUARD_O2 = `${U}/guard-O2.objdump-dl.txt`;
const LIBC = 'samples/guard/libc.objdump-d.txt.gz';
const LD = `${U}/ld.objdump-d.txt.gz`;

const CAPTURES = [
  { name: 'fp', listing: GUARD, dso: 'guard', inferred: true },
  { name: 'dwarf', listing: GUARD, dso: 'guard', inferred: false },
  { name: 'o2-dwarf', listing: GUARD_O2, dso: 'guard-O2', inferred: false },
] as const;

function report(name: string, objdump: readonly string[], more: Partial<ReportOptions> = {}): Promise<Report> {
  return buildReport({ traces: [`${U}/${name}.perf-script.txt.gz`], objdump, ...more });
}

/** The capture's lines without the PERF_RECORD_* side-band (a plain `perf script` of the same data), on stdin. */
function withoutSideBand(name: string): Partial<ReportOptions> {
  const text = gunzipSync(readFileSync(`${U}/${name}.perf-script.txt.gz`)).toString('utf8');
  const kept = text.split('\n').filter((l) => !l.includes('PERF_RECORD_'));
  return { traces: ['-'], stdin: Readable.from([kept.join('\n')]) };
}

/** perf report's folded chains (`N a;b;c`, outermost first) of one event. */
function perfReportChains(name: string, event: string): [number, string[]][] {
  const text = readFileSync(`${U}/${name}.perf-report.txt`, 'utf8');
  const folded = text.slice(text.indexOf('-g folded'));
  const section = folded.slice(folded.indexOf(`of event '${event}'`)).split('\n').slice(1);
  const out: [number, string[]][] = [];
  for (const line of section) {
    if (line.startsWith('# Samples:')) break;
    const m = /^(\d+) (.*)$/.exec(line);
    if (m !== null) out.push([Number(m[1]), m[2]!.split(';')]);
  }
  return out;
}

/** perf report's samples per symbol of one dso and event (`--sort dso,sym -n`). */
function perfReportSymbols(name: string, event: string, dso: string): Map<string, number> {
  const text = readFileSync(`${U}/${name}.perf-report.txt`, 'utf8');
  const table = text.slice(0, text.indexOf('-g folded'));
  const section = table.slice(table.indexOf(`of event '${event}'`)).split('\n').slice(1);
  const out = new Map<string, number>();
  for (const line of section) {
    if (line.startsWith('# Samples:')) break;
    const m = /^\s+[\d.]+%\s+(\d+)\s+(\S+)\s+\[\.\] (.+?)\s*$/.exec(line);
    if (m !== null && m[2] === dso) out.set(m[3]!, Number(m[1]));
  }
  return out;
}

function userSites(r: Report): Record<string, { calls: number; faults: number; cycles: number; inferred: boolean }> {
  const out: Record<string, { calls: number; faults: number; cycles: number; inferred: boolean }> = {};
  for (const s of r.protection!.sites) {
    if (!/guard/.test(s.dso) || !/protect/.test(s.symbol)) continue;
    out[s.symbol] = { calls: Object.values(s.calls).reduce((a, b) => a + b, 0), faults: s.faults, cycles: s.cycles, inferred: s.inferred };
  }
  return out;
}

describe('the protecting functions of one guard program, however it was captured', () => {
  for (const c of CAPTURES) {
    it(`${c.name}: protect_young and protect_old each make 32 pages fault once; the handler unprotect_page closes every cycle`, async () => {
      const r = await report(c.name, [c.listing]);
      expect(userSites(r)).toEqual({
        protect_young: { calls: 32, faults: 32, cycles: 32, inferred: c.inferred },
        protect_old: { calls: 32, faults: 32, cycles: 32, inferred: c.inferred },
        unprotect_page: { calls: 64, faults: 0, cycles: 0, inferred: c.inferred },
      });
      const mark = c.inferred ? ' [inferred]' : '';
      for (const s of r.protection!.sites.filter((x) => x.symbol.startsWith('protect_'))) {
        expect(s.instruction).toMatch(/^call\s+[0-9a-f]+ <mprotect@plt>$/);
        const handlers = s.instructions.flatMap((i) => Object.keys(i.handlers));
        expect(new Set(handlers)).toEqual(new Set([`unprotect_page+0x10${mark} (${c.dso})`]));
      }
    });
  }

  it('DWARF: no site is named after an (inlined) frame, with or without the runtime\'s listings', async () => {
    for (const objdump of [[GUARD], [GUARD, LIBC, LD]]) {
      const r = await report('dwarf', objdump);
      expect(r.protection!.sites.map((s) => s.site).filter((s) => s.includes('(inlined)'))).toEqual([]);
      expect(userSites(r)['protect_young']).toMatchObject({ calls: 32, faults: 32 });
    }
  });

  it('DWARF: the runtime\'s own calls are the runtime\'s (ld.so\'s RELRO mprotect, told by the call into it)', async () => {
    const r = await report('dwarf', [GUARD, LD]);
    const relro = r.protection!.sites.find((s) => s.dso.endsWith('ld-linux-x86-64.so.2') && s.calls['mprotect'] !== undefined)!;
    expect(relro).toMatchObject({ calls: { mprotect: 3 }, prot: 'r--', faults: 0 });
  });

  for (const c of CAPTURES.filter((x) => x.name !== 'fp')) {
    it(`${c.name}: calls per protecting function are perf report's (the function that calls mprotect in its folded chains)`, async () => {
      const perf = new Map<string, number>();
      for (const [n, chain] of perfReportChains(c.name, 'syscalls:sys_enter_mprotect')) {
        const caller = chain[chain.length - 2]!;
        if (caller.startsWith('protect_') || caller === 'unprotect_page') perf.set(caller, (perf.get(caller) ?? 0) + n);
      }
      const r = await report(c.name, [c.listing]);
      const ours = new Map(Object.entries(userSites(r)).map(([k, v]) => [k, v.calls]));
      expect(ours).toEqual(perf);
    });
  }

  for (const c of CAPTURES) {
    it(`${c.name}: faults per function of the program are perf report's (page-faults)`, async () => {
      const r = await report(c.name, [c.listing], { events: ['page-faults'] });
      const ours = new Map<string, number>();
      for (const s of r.sites) if (s.dso.endsWith(`/${c.dso}`)) ours.set(s.symbol, (ours.get(s.symbol) ?? 0) + s.count);
      expect(ours).toEqual(perfReportSymbols(c.name, 'page-faults', c.dso));
      // and the guard-page faults the sites count are the stores perf counted
      expect((ours.get('write_field') ?? 0) + (ours.get('write_header') ?? 0)).toBe(64);
    });
  }
});

describe('DWARF: a fault whose leaf perf printed only as an (inlined) frame', () => {
  // guard 10684 … exceptions:page_fault_user: address=0x7f7b138922a0 ip=0x7f7b138922a0 error_code=0x14
  //            d62a0 __GI___sysconf+0x0 (inlined)
  //             1384 main+0x17 (…/guard)
  const sysconf = (r: Report) => r.sites.filter((s) => s.symbol === '__GI___sysconf' && s.offset === 0);

  it('faults at that frame\'s address (the sample ip), resolved in libc by address and named by the ELF symbol there, as perf report and annotate name it; the inlined frame stays drawn above it', async () => {
    const r = await report('dwarf', [GUARD, LIBC]);
    // perf's offset of an inlined frame counts from the function it is in: 0xd62a0 − 0x0 starts `__sysconf@@GLIBC_2.2.5` in the listing
    expect(r.sites.filter((s) => s.address === 'd62a0')).toMatchObject([{ dso: '/usr/lib/x86_64-linux-gnu/libc.so.6', symbol: '__sysconf', offset: 0, resolved: true, count: 1 }]);
    expect(sysconf(r)).toEqual([]);
    expect(r.sites.filter((s) => s.symbol === 'main' && s.offset === 0x17)).toEqual([]);
    expect(r.warnings.join('\n')).not.toMatch(/not an instruction boundary/);
    // main → __sysconf → __GI___sysconf (inlined) → the instruction
    const path = (n: Report['tree'], above: string[]): string[] | undefined =>
      n.name.startsWith('0xd62a0: ') ? [...above, n.name] : n.children.map((c) => path(c, [...above, n.name])).find((p) => p !== undefined);
    expect(path(r.tree, [])!.slice(-4, -1)).toEqual(['main', '__sysconf', '__GI___sysconf (inlined)']);
  });

  it('without a listing of libc: the MMAP records place the ip in libc; perf\'s name is kept', async () => {
    const r = await report('dwarf', [GUARD]);
    expect(sysconf(r)).toMatchObject([{ dso: '/usr/lib/x86_64-linux-gnu/libc.so.6', resolved: false, count: 1 }]);
  });

  it('with neither: the dso is unknown, the fault stays where perf put it, and the report says once which perf option tells', async () => {
    const r = await buildReport({ objdump: [GUARD], ...withoutSideBand('dwarf') } as ReportOptions);
    expect(sysconf(r)).toMatchObject([{ dso: '', resolved: false, count: 1 }]);
    const said = r.warnings.filter((w) => w.includes('(inlined)'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/perf script --no-inline/);
    // the protecting functions are still the program's
    expect(userSites(r)['protect_old']).toMatchObject({ calls: 32, faults: 32 });
  });
});

describe('frames perf could not name never veto a listing', () => {
  // guard 10365 … exceptions:page_fault_user: address=0x7f9207362008 ip=0x7f9207389608 error_code=0x4
  //            13608 _dl_load_cache_lookup+0x148 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
  //             81e3 _dl_map_object+0x333 (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
  //            348a8 [unknown] (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)     ← past ld.so's .text
  //                0 [unknown] ([unknown])
  const LDSO = '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2';
  const through = (name: string): number => {
    const text = gunzipSync(readFileSync(`${U}/${name}.perf-script.txt.gz`)).toString('utf8');
    return text.split('\n\n').filter((b) => b.includes('exceptions:page_fault_user:') && b.includes(' 348a8 [unknown] (')).length;
  };

  for (const name of ['fp', 'o2-fp']) {
    for (const ids of [false, true]) {
      it(`${name}${ids ? ' with --buildid-list' : ''}: the ld.so listing resolves every fault perf named there, and one note says which frame, where and what it costs (start-up faults only: not a warning)`, async () => {
        const r = await report(name, [LD], ids ? { buildIdLists: [`${U}/${name}.buildids.txt`] } : {});
        const ld = r.sites.filter((s) => s.dso === LDSO);
        expect(ld.length).toBeGreaterThan(10);
        expect(ld.filter((s) => !s.resolved)).toEqual([]);
        const text = r.warnings.join('\n');
        expect(text).not.toMatch(/does not match|different build/);
        expect(text).not.toContain('348a8');
        const said = (r.notes ?? []).filter((w) => w.includes('348a8'));
        expect(said).toHaveLength(1);
        expect(said[0]).toContain('0x348a8 [unknown]');
        expect(said[0]).toMatch(/past the end of the code/);
        expect(said[0]).toContain(`the ${through(name)} faults that pass through it are program start-up`);
        expect(said[0]).toMatch(/--call-graph dwarf/);
      });
    }
  }
});

describe('a site with no caller outside the runtime', () => {
  // guard-O2 19744 … syscalls:sys_enter_mprotect: start: 0x7fec19b36000, len: 0x00001000, prot: 0x00000001
  //           101a37 __mprotect+0x7 (/usr/lib/x86_64-linux-gnu/libc.so.6)
  //                0 [unknown] ([unknown])
  it('-O2 with frame pointers: named at the syscall instruction (return address − 1), not the cmp after it; said once, with the perf option', async () => {
    const r = await report('o2-fp', [GUARD_O2, LIBC]);
    const libc = r.protection!.sites.find((s) => s.symbol === '__mprotect')!;
    expect(libc).toMatchObject({ site: '__mprotect+0x5 (libc.so.6)', offset: 5, address: '0x101a35', instruction: 'syscall', calls: { mprotect: 128 }, faults: 64 });
    const said = r.warnings.filter((w) => w.includes('no caller outside libc and ld.so'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('__mprotect+0x5 (libc.so.6)');
    expect(said[0]).toMatch(/--call-graph dwarf/);
  });

  it('DWARF of the same binary: the callers are there, and nothing is said', async () => {
    const r = await report('o2-dwarf', [GUARD_O2, LIBC]);
    expect(r.warnings.join('\n')).not.toMatch(/no caller outside/);
    expect(r.protection!.sites.map((s) => s.symbol)).toContain('protect_young');
  });
});

describe('which listing is which dso', () => {
  //             1102 touch_pages+0x9 (/work/…/samples/unwind/libsoname.so.1.2.3)
  // libsoname.so.1:     file format elf64-x86-64        ← the listing, made from the soname link
  it('a listing made from a soname link is used for the file perf names', async () => {
    const r = await buildReport({ traces: [`${U}/soname.perf-script.txt`], objdump: [`${U}/libsoname.so.1.objdump-d.txt`] });
    const touch = r.sites.filter((s) => s.symbol === 'touch_pages');
    const perf = readFileSync(`${U}/soname.perf-script.txt`, 'utf8').split('\n\n').filter((b) => /^\s+\S+ touch_pages\+/m.test(b.split('\n')[1] ?? '')).length;
    expect(perf).toBeGreaterThan(0);
    expect(touch.reduce((n, s) => n + s.count, 0)).toBe(perf);
    expect(touch.every((s) => s.resolved && s.dso.endsWith('/libsoname.so.1.2.3'))).toBe(true);
    expect(r.warnings.join('\n')).not.toMatch(/matches no dso/);
  });

  it('a listing that matches no dso is named once, with the closest dsos of the trace', async () => {
    const r = await report('o2-fp', [GUARD]);
    const said = r.warnings.filter((w) => w.includes('matches no dso'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(`listing ${GUARD} (of guard)`);
    expect(said[0]).toMatch(/closest dsos in the trace: \/\S+\/guard-O2,/);
  });
});
