// Memory regions on real captures (samples/regions): every fault with an
// address is placed in the mapping the program itself printed it got (its
// pointers and /proc/self/maps, regions*.out), with the call that created it
// found in the listing.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/pipeline.js';
import type { RegionView, Report } from '../../src/model.js';
import { renderJson } from '../../viz/json.js';
import { mergeRegions, regionsFromJson } from '../../src/memory/regions-merge.js';
import { renderText } from '../../viz/text.js';
import { linesOf } from '../shared.js';

const D = 'samples/regions';
const LISTING = `${D}/regions.objdump-dl.txt`;

interface Printed {
  readonly ranges: Map<string, { pid: number; start: number; end: number }>;
  readonly maps: { who: string; pid: number; start: number; end: number; name: string }[];
}

// `region arena 14969 7f4b13f58000 7f4b13f68000` and `maps parent 14969 55fc…-55fc… rw-p 00000000 00:00 0   [heap]`
function printout(path: string): Printed {
  const ranges = new Map<string, { pid: number; start: number; end: number }>();
  const maps: Printed['maps'] = [];
  for (const line of linesOf(path)) {
    let m = /^region (\S+) (\d+) ([0-9a-f]+) ([0-9a-f]+)$/.exec(line);
    if (m !== null) ranges.set(m[1]!, { pid: Number(m[2]), start: parseInt(m[3]!, 16), end: parseInt(m[4]!, 16) });
    m = /^maps (\w+) (\d+) ([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m !== null) maps.push({ who: m[1]!, pid: Number(m[2]), start: parseInt(m[3]!, 16), end: parseInt(m[4]!, 16), name: m[5]!.trim() });
  }
  return { ranges, maps };
}

// The faults of the trace, read straight from its text: pid (by the
// program's own pids, as FORK told), tid and `address=`.
function traceFaults(path: string, pids: { parent: number; child: number }): { pid: number; address: number }[] {
  const out: { pid: number; address: number }[] = [];
  for (const line of linesOf(path)) {
    const m = /^\S+\s+(\d+)(?:\/(\d+))?\s.*exceptions:page_fault_user: address=0x([0-9a-f]+)/.exec(line);
    if (m === null) continue;
    const tid = Number(m[2] ?? m[1]);
    out.push({ pid: tid === pids.child ? pids.child : pids.parent, address: parseInt(m[3]!, 16) });
  }
  return out;
}

// `make_arena+0x22`: the call to `target` in `fn`, found in the listing.
function callIn(fn: string, target: string): string {
  let base = -1;
  for (const line of linesOf(LISTING)) {
    const head = /^([0-9a-f]+) <(.+)>:$/.exec(line);
    if (head !== null) {
      base = head[2] === fn ? parseInt(head[1]!, 16) : -1;
      continue;
    }
    const call = /^\s+([0-9a-f]+):.*\scall\s+[0-9a-f]+ <(.+)>$/.exec(line);
    if (base >= 0 && call !== null && call[2] === target) return `${fn}+0x${(parseInt(call[1]!, 16) - base).toString(16)}`;
  }
  throw new Error(`no call to ${target} in ${fn}`);
}

function regionAt(r: Report, pid: number, address: number): RegionView | undefined {
  return r.regions!.regions.find((x) => x.pid === pid && parseInt(x.start, 16) <= address && address < parseInt(x.end, 16));
}

function total(r: Report): number {
  const s = r.regions!;
  return s.regions.reduce((a, x) => a + x.faults, 0) + s.outsideRegions.faults + s.unaddressed;
}

const fpSites = {
  file: `${callIn('map_file', 'mmap@plt')} [inferred] (regions)`,
  arena: `${callIn('make_arena', 'mmap@plt')} [inferred] (regions)`,
  'small-arena': `${callIn('make_arena', 'mmap@plt')} [inferred] (regions)`,
  'child-arena': `${callIn('make_arena', 'mmap@plt')} [inferred] (regions)`,
  // frame-pointer chains stop in libc (PERF-NOTES 3): the wrapper is all perf saw, and the region says so
  'grown-arena': '__GI___mremap+0x30 (libc.so.6)',
  'thread-stack': '__mmap+0x13 (libc.so.6)',
};
const dwarfSites = {
  ...fpSites,
  file: `${callIn('map_file', 'mmap@plt')} (regions)`,
  arena: `${callIn('make_arena', 'mmap@plt')} (regions)`,
  'small-arena': `${callIn('make_arena', 'mmap@plt')} (regions)`,
  'child-arena': `${callIn('make_arena', 'mmap@plt')} (regions)`,
  'grown-arena': `${callIn('main', 'mremap@plt')} (regions)`,
  'thread-stack': `${callIn('main', 'pthread_create@plt')} (regions)`,
};

describe.each([
  ['frame-pointer chains', 'regions.perf-script.txt.gz', 'regions.out', fpSites],
  ['frame-pointer chains, -F …,pid,addr', 'regions.perf-script-F.txt.gz', 'regions.out', fpSites],
  ['DWARF chains', 'regions-dwarf.perf-script.txt.gz', 'regions-dwarf.out', dwarfSites],
])('memory regions of %s', async (_, trace, out, sites) => {
  const printed = printout(`${D}/${out}`);
  const parent = printed.ranges.get('file')!.pid;
  const child = printed.ranges.get('child-arena')!.pid;
  const faults = traceFaults(`${D}/${trace}`, { parent, child });
  const report = await buildReport({ traces: [`${D}/${trace}`], objdump: [LISTING] });

  it('places every fault in a region the trace mapped', () => {
    expect(report.regions!.outsideRegions).toEqual({ faults: 0, reasons: [] });
    expect(report.regions!.unaddressed).toBe(0);
    expect(total(report)).toBe(report.tree.value);
    expect(report.tree.value).toBe(faults.length);
    for (const f of faults) expect(regionAt(report, f.pid, f.address), `${f.pid} 0x${f.address.toString(16)}`).toBeDefined();
  });

  it('gives each mapping the program printed its range, its faults and the call that created it', () => {
    for (const [name, site] of Object.entries(sites)) {
      const p = printed.ranges.get(name)!;
      // pthread's stack lies above its guard page, which is part of the mapping
      const start = name === 'thread-stack' ? p.start - 0x1000 : p.start;
      const region = regionAt(report, p.pid, p.start + 1)!;
      expect(region, name).toBeDefined();
      expect([name, region.start, region.end]).toEqual([name, `0x${start.toString(16)}`, `0x${p.end.toString(16)}`]);
      expect([name, region.site]).toEqual([name, site]);
      const inside = faults.filter((f) => f.pid === p.pid && f.address >= start && f.address < p.end).length;
      expect([name, region.faults]).toEqual([name, inside]);
      expect(region.faults, name).toBeGreaterThan(0);
      if (site.includes('libc')) expect(region.siteNote).toMatch(/--call-graph dwarf/);
    }
    const file = regionAt(report, parent, printed.ranges.get('file')!.start)!;
    expect(file).toMatchObject({ kind: 'file', call: 'mmap', prot: 'r--s' });
    expect(file.name).toMatch(/\/regions\.data$/);
  });

  it('finds the heap and the main stack where /proc/self/maps has them', () => {
    for (const [name, kind] of [
      ['[heap]', 'heap'],
      ['[stack]', 'stack'],
    ] as const) {
      const m = printed.maps.find((x) => x.who === 'parent' && x.name === name)!;
      const inside = faults.filter((f) => f.pid === parent && f.address >= m.start && f.address < m.end);
      expect(inside.length, name).toBeGreaterThan(0);
      for (const f of inside) expect(regionAt(report, parent, f.address)).toMatchObject({ name, kind });
    }
    const heap = regionAt(report, parent, printed.ranges.get('heap-block')!.start)!;
    const maps = printed.maps.find((x) => x.who === 'parent' && x.name === '[heap]')!;
    expect([heap.start, heap.end, heap.call]).toEqual([`0x${maps.start.toString(16)}`, `0x${maps.end.toString(16)}`, 'brk']);
  });

  it("tells the child's copy of the parent's arena (copy-on-write) from the child's own", () => {
    const arena = printed.ranges.get('arena')!;
    const copy = regionAt(report, child, arena.start)!;
    expect(copy).toMatchObject({ call: 'fork', site: sites.arena, siteNote: `inherited at fork from pid ${parent}` });
    expect(copy.classes).toEqual({ 'copy-on-write': copy.faults });
    expect(copy.faults).toBe(16);
  });

  it('joins the major fault to its tracepoint fault: the data file, at read_pages', () => {
    const file = regionAt(report, parent, printed.ranges.get('file')!.start)!;
    expect(file.major).toBe(1);
    expect(report.regions!.regions.reduce((a, x) => a + x.major, 0)).toBe(report.events['major-faults']);
    const read = report.sites.find((s) => s.symbol === 'read_pages')!;
    expect(read.major).toBe(1);
    expect(report.regions!.majorJoin!.matched).toBeGreaterThan(0.95 * faults.length);
  });
});

describe('region counts under filters', async () => {
  const trace = `${D}/regions.perf-script-F.txt.gz`;
  const base = { traces: [trace], objdump: [LISTING] };
  it.each([
    ['--comm', { comms: ['regions'] }],
    ['--tid', { tids: [printout(`${D}/regions.out`).ranges.get('child-arena')!.pid] }],
    ['--dso', { dsos: ['libc.so.6'] }],
    ['--symbol', { symbols: ['write_pages'] }],
    ['--event minor-faults', { events: ['minor-faults'] }],
    ['--event major-faults', { events: ['major-faults'] }],
    ['--time', { timeStart: 0, timeEnd: 360.9833 }],
    ['--percent-limit', { percentLimit: 5 }],
  ] as const)('add up to the tree with %s', async (_, filter) => {
    const r = await buildReport({ ...base, ...filter });
    expect(r.tree.value).toBeGreaterThan(0);
    expect(total(r)).toBe(r.tree.value);
  });

  it('--event major-faults: the one major fault, in the data file', async () => {
    const r = await buildReport({ ...base, events: ['major-faults'] });
    expect(r.regions!.regions).toHaveLength(1);
    expect(r.regions!.regions[0]).toMatchObject({ kind: 'file', faults: 1, major: 1 });
  });

  it('--group-by thread puts each process, then its threads, at the root', async () => {
    const printed = printout(`${D}/regions.out`);
    const parent = printed.ranges.get('file')!.pid;
    const child = printed.ranges.get('child-arena')!.pid;
    const plain = await buildReport(base);
    const r = await buildReport({ ...base, groupBy: 'thread' });
    expect(r.tree.value).toBe(plain.tree.value);
    expect(r.tree.children.map((c) => [c.name, c.kind])).toEqual([
      [`pid ${parent}`, 'comm'],
      [`pid ${child}`, 'comm'],
    ]);
    const threads = r.tree.children[0]!.children.map((c) => c.name);
    expect(threads).toHaveLength(2); // main and the thread that grew its stack
    expect(threads).toContain(`tid ${parent}`);
    // the thread's faults are the ones in its stack, and the arena malloc gave it
    const thread = r.tree.children[0]!.children.find((c) => c.name !== `tid ${parent}`)!;
    const stack = r.regions!.regions.find((x) => x.pid === parent && x.start === `0x${(printed.ranges.get('thread-stack')!.start - 0x1000).toString(16)}`)!;
    expect(thread.value).toBeGreaterThanOrEqual(stack.faults);
  });

  it('--group-by region puts the region at the root and keeps the total', async () => {
    const plain = await buildReport(base);
    const r = await buildReport({ ...base, groupBy: 'region' });
    expect(r.tree.value).toBe(plain.tree.value);
    for (const c of r.tree.children) expect(c.kind).toBe('region');
    const top = r.regions!.regions[0]!;
    const node = r.tree.children.find((c) => c.name === `${top.name} ${top.start}-${top.end} (pid ${top.pid})`);
    expect(node?.value).toBe(top.faults);
  });
});

describe('faults outside every region', () => {
  it('say the trace has no MMAP2 records, and which option prints them', async () => {
    // the same capture read without its side-band records
    const lines = linesOf(`${D}/regions.perf-script-F.txt.gz`).filter((l) => !l.includes('PERF_RECORD_MMAP'));
    const r = await reportOf(lines);
    expect(r.regions!.regions.filter((x) => x.faults > 0 && x.call !== 'mmap' && x.call !== 'mremap' && x.call !== 'brk' && x.call !== 'fork')).toEqual([]);
    const why = r.regions!.outsideRegions.reasons.map((x) => x.reason);
    expect(why).toContain('no-mmap-records');
    expect(r.regions!.outsideRegions.reasons.find((x) => x.reason === 'no-mmap-records')!.text).toMatch(/--show-mmap-events/);
    expect(total(r)).toBe(r.tree.value);
  });

  it('say the trace has executable mappings only, and that perf record -d adds the others', async () => {
    // as perf record writes them without -d: MMAP2 records of executable mappings only
    const lines = linesOf(`${D}/regions.perf-script-F.txt.gz`).filter((l) => !/PERF_RECORD_MMAP2 .*\]: [r-][w-]-[ps] /.test(l));
    const r = await reportOf(lines);
    const reasons = r.regions!.outsideRegions.reasons;
    expect(reasons.map((x) => x.reason)).toContain('no-data-mmaps');
    expect(reasons.find((x) => x.reason === 'no-data-mmaps')!.text).toMatch(/perf record -d/);
    // the arenas, mapped by traced mmap calls, are still placed
    expect(r.regions!.regions.some((x) => x.site?.startsWith('make_arena+') === true)).toBe(true);
    expect(total(r)).toBe(r.tree.value);
  });

  it('say the process was running before the trace began', async () => {
    // from the first fault after the program's start: its exec and early maps are not in the trace
    const all = linesOf(`${D}/regions.perf-script-F.txt.gz`);
    const from = all.findIndex((l) => l.includes('sys_enter_munmap'));
    const r = await reportOf(all.slice(from));
    expect(r.regions!.outsideRegions.reasons.map((x) => x.reason)).toContain('before-trace');
    expect(total(r)).toBe(r.tree.value);
  });
});

describe('region output', async () => {
  const report = await buildReport({ traces: [`${D}/regions.perf-script.txt.gz`], objdump: [LISTING] });
  it('JSON has regions and outsideRegions at the top level', () => {
    const json = JSON.parse(renderJson(report)) as { regions: RegionView[]; outsideRegions: { faults: number }; sites: { major?: number }[] };
    expect(json.regions[0]).toMatchObject({ name: expect.any(String), kind: expect.any(String), start: expect.stringMatching(/^0x/), site: expect.anything(), faults: expect.any(Number), pages: expect.any(Number), repeatPages: expect.any(Number) });
    expect(json.outsideRegions.faults).toBe(0);
    expect(json.sites.every((s) => typeof s.major === 'number')).toBe(true);
  });
  it('text lists each region with the call that created it', () => {
    const text = renderText(report);
    expect(text).toContain('Memory regions (where the faulting addresses are, and the call that mapped them):');
    expect(text).toContain(`created by: ${fpSites.arena} (mmap)`);
    expect(text).toMatch(/major-faults\/minor-faults samples joined/);
  });
});

async function reportOf(lines: readonly string[]): Promise<Report> {
  const { Readable } = await import('node:stream');
  return buildReport({ traces: ['-'], objdump: [LISTING], stdin: Readable.from([lines.join('\n') + '\n']) });
}

// samples/fields: g.flags-addr printed -F comm,tid,time,event,addr,sym,symoff,dso,flags (no trace, so the
// tracepoint's payload and its address are gone; page-faults keep theirs, recorded with -d);
// g.default printed perf script's default fields (no addr: page-faults have none, the tracepoint's payload has it)
describe('faults with no data address', async () => {
  const F = 'samples/fields';
  const perfReport = (rel: string, event: string): number => Number(new RegExp(`^# Samples: (\\d+)\\s+of event '${event}'$`, 'm').exec(readFileSync(rel, 'utf8'))![1]);
  const noAddress = (r: Report): string[] => renderText(r).split('\n').filter((l) => l.includes('no data address ('));

  it("say a tracepoint's address is in its payload, not that perf record -d records it", async () => {
    const r = await buildReport({ traces: [`${F}/g.flags-addr.txt.gz`] });
    const n = perfReport(`${F}/g.report.txt`, 'exceptions:page_fault_user');
    expect(r.tree.value).toBe(n);
    expect(r.regions).toMatchObject({ unaddressed: n, unaddressedTracepoint: n });
    expect(noAddress(r)).toEqual([`${n} faults have no data address (tracepoint faults: their payload carries it, keep trace in perf script's -F list).`]);
    // and faultpath merge reads it back and adds it up
    const json = JSON.parse(renderJson(r)) as Record<string, unknown>;
    expect(json['unaddressedTracepoint']).toBe(n);
    expect(mergeRegions([regionsFromJson(json)!, regionsFromJson(json)!])).toMatchObject({ unaddressed: 2 * n, unaddressedTracepoint: 2 * n });
  });

  it('say perf record -d records a software event’s, and split the two when both are shown', async () => {
    // page-faults: g.default's have no address, g.flags-addr's have one (the regions are there with them)
    const traces = [`${F}/g.default.txt.gz`, `${F}/g.flags-addr.txt.gz`];
    const soft = await buildReport({ traces, events: ['page-faults'] });
    const n = perfReport(`${F}/g.report.txt`, 'page-faults');
    expect(soft.regions).toMatchObject({ unaddressed: n });
    expect(soft.regions!.unaddressedTracepoint).toBeUndefined();
    expect(noAddress(soft)).toEqual([`${n} faults have no data address (software events: perf record -d records it).`]);
    // the tracepoint: g.flags-addr's have no address, g.default's have it in their payload
    const both = await buildReport({ traces, events: ['page-faults', 'exceptions:page_fault_user'] });
    const t = perfReport(`${F}/g.report.txt`, 'exceptions:page_fault_user');
    expect(both.regions).toMatchObject({ unaddressed: n + t, unaddressedTracepoint: t });
    expect(noAddress(both)).toEqual([
      `${n + t} faults have no data address (${t} tracepoint faults: their payload carries it, keep trace in perf script's -F list; ${n} software-event faults: perf record -d records it).`,
    ]);
  });
});
