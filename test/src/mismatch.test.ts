// Listings that do not match the trace (issue 8, part B): another build of the
// traced program, another program under its name, a kernel image under its
// name, an offset inside an instruction, and build ids that differ. Each must
// end in one warning per dso that names it, and in perf's own sym+off for its
// faults, never in an instruction of the wrong code — the protection section
// included, whose sites are named only once that verdict is known. Captures:
// samples/mismatch/ (record.sh), samples/guard/, samples/join/flat.perf-script.txt,
// samples/protection/.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BuildIdListParser } from '../../parsers/buildid-list.js';
import { annotateReport } from '../../src/annotate.js';
import { runCli } from '../shared.js';
import { indexObjdumpFile } from '../../src/disasm-index.js';
import type { TraceEvent } from '../../src/events.js';
import { faultFrameIndex } from '../../src/fault-frame.js';
import { FrameResolver } from '../../src/join.js';
import { ListingSet } from '../../src/listing-set.js';
import type { BuildIdRecord, Diagnostic, ProtectionReport, ProtectionSection, Report, SampleRecord, SiteCount, TraceRecord, TreeNode } from '../../src/model.js';
import { buildReport, type ReportOptions } from '../../src/pipeline.js';
import { readTrace } from '../../src/report-inputs.js';
import { ProtectionSites } from '../../src/protection-sites.js';
import { ProtectionTimeline } from '../../src/memory/index.js';
import { UnwindRepair } from '../../src/unwind.js';
import { renderHtml } from '../../viz/html/index.js';
import { renderJson } from '../../viz/json.js';
import { renderText } from '../../viz/text.js';

const M = 'samples/mismatch';
const TRACE = `${M}/perf-script.txt.gz`;
const TRACE_MMAP = `${M}/perf-script-mmap.txt.gz`;
const BUILDIDS = `${M}/perf-buildid-list.txt`;
const GUARD_LISTING = 'samples/guard/guard.objdump-dl.txt';
const O2 = `${M}/o2-guard.objdump-dl.txt`;
const O2_NOTE = `${M}/o2-guard.buildid.objdump-dl.txt`;
const GUARD_NOTE = `${M}/guard.buildid.objdump-dl.txt`;
const GUARD_NOTE_LLVM = `${M}/guard.buildid.llvm-objdump-d.txt`;
const TOUCH = `${M}/touch-guard.objdump-d.txt`;
const KERNEL = `${M}/kernel-guard.objdump-d.txt`;
const FLAT = 'samples/join/flat.perf-script.txt';
const SHAPES = 'samples/join/shapes.objdump-dl.txt';
const SHAPES_O0 = `${M}/o0-shapes.objdump-d.txt`;

function text(path: string): string {
  const buf = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
}

/** `<build-id> <path>` lines of perf buildid-list, read with a plain split. */
function perfBuildIds(): Map<string, string> {
  const ids = new Map<string, string>();
  for (const line of text(BUILDIDS).split('\n')) {
    const at = line.indexOf(' ');
    if (at > 0) ids.set(line.slice(at + 1), line.slice(0, at));
  }
  return ids;
}

/** The build id in a listing's `.note.gnu.build-id` dump, read with a plain regex: 20 bytes after the 16-byte note header. */
function noteBuildId(path: string): string {
  const dump = /Contents of section \.note\.gnu\.build-id:\n((?: [0-9a-f]+ .*\n)+)/.exec(text(path))![1]!;
  const hex = dump
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.slice(l.indexOf(' ', 1) + 1, l.indexOf(' ', 1) + 1 + 36).replace(/ /g, ''))
    .join('');
  return hex.slice(32, 72);
}

const ids = perfBuildIds();
const GUARD_DSO = [...ids.keys()].find((p) => p.endsWith('/guard'))!;

function guardSites(r: Report): SiteCount[] {
  return r.sites.filter((s) => s.dso === GUARD_DSO);
}

/** The warnings that speak of a dso. */
function about(r: Report, dso: string): string[] {
  return r.warnings.filter((w) => w.includes(dso));
}

function nodes(n: TreeNode, out: TreeNode[] = []): TreeNode[] {
  out.push(n);
  for (const c of n.children) nodes(c, out);
  return out;
}

/** What every mismatch must end in: nothing of the dso resolved, perf's sym+off kept, one warning that names it and counts its sites. */
function expectUnused(r: Report, dso: string, listing: string): string {
  const sites = r.sites.filter((s) => s.dso === dso);
  expect(sites.length).toBeGreaterThan(0);
  for (const s of sites) {
    expect(s).toMatchObject({ resolved: false });
    expect(s.instruction).toBeUndefined();
    expect(s.unresolvedReason).toContain(listing);
  }
  // every tree leaf of the dso is perf's sym+off, none a listing instruction
  const leaves = nodes(r.tree).filter((n) => n.kind === 'instruction' && n.dso === dso);
  expect(leaves.length).toBeGreaterThan(0);
  for (const n of leaves) expect(n.name).toMatch(/^\S+\+0x[0-9a-f]+$/);
  // nothing was inserted from that listing's calls, and no disassembly of it is shown
  expect(nodes(r.tree).some((n) => n.kind === 'inferred' && n.dso === dso)).toBe(false);
  for (const key of Object.keys(r.disassembly?.at ?? {})) expect(key.endsWith(` ${dso}`)).toBe(false);
  for (const fn of r.disassembly?.functions ?? []) expect(fn.dso).not.toBe(dso);
  const said = about(r, dso);
  expect(said).toHaveLength(1);
  const distinct = new Set(sites.map((s) => `${s.symbol}+${s.offset}`)).size;
  const faults = sites.reduce((n, s) => n + s.count, 0);
  expect(said[0]).toContain(listing);
  expect(said[0]).toContain(`${distinct} fault site${distinct === 1 ? '' : 's'} (${faults} fault${faults === 1 ? '' : 's'})`);
  return said[0]!;
}

describe('a listing of the traced build', () => {
  it('resolves every guard fault, and the report says nothing about the listing', async () => {
    const r = await buildReport({ traces: [TRACE], objdump: [GUARD_LISTING] });
    const sites = guardSites(r);
    expect(sites.map((s) => s.symbol).sort()).toEqual(['_start', 'write_field', 'write_header']);
    expect(sites.every((s) => s.resolved)).toBe(true);
    expect(about(r, GUARD_DSO)).toEqual([]);
    expect(r.warnings.some((w) => w.includes('does not match') || w.includes('build id'))).toBe(false);
  });
});

describe('listings that do not match the trace', () => {
  it('another program under the name guard: no fault lands on its code (perf-named write_field is absent there)', async () => {
    const r = await buildReport({ traces: [TRACE], objdump: [TOUCH] });
    const w = expectUnused(r, GUARD_DSO, 'touch/guard');
    expect(w).toMatch(/does not match/);
  });

  it('a kernel image under the name guard: addresses outside every function, and its _start is not guard\'s', async () => {
    const r = await buildReport({ traces: [TRACE], objdump: [KERNEL] });
    const w = expectUnused(r, GUARD_DSO, 'kernel/guard');
    expect(w).toMatch(/outside every function/);
    // addresses are printed as the listing prints them, never as a negative number
    expect(r.warnings.join('\n')).not.toMatch(/0x-/);
    expect(r.warnings.some((w) => w.includes('kernel/guard') && w.includes('map-relative addresses were taken'))).toBe(false);
  });

  it('another build of guard.c (-O2): the same names at other addresses; the listing is used for nothing', async () => {
    const r = await buildReport({ traces: [TRACE], objdump: [O2] });
    const w = expectUnused(r, GUARD_DSO, 'o2/guard');
    expect(w).toMatch(/is at 0x[0-9a-f]+ in the listing but perf printed 0x[0-9a-f]+/);
    // the protection timeline does not take call sites from it either
    for (const p of r.protection?.sites ?? []) if (p.dso === GUARD_DSO) expect(p.instruction).toBeNull();
  });

  it('an offset that is not an instruction boundary (-O0 listing for an -O1 capture without a callchain)', async () => {
    const dso = '/work/main/samples/join/shapes';
    const right = await buildReport({ traces: [FLAT], objdump: [SHAPES] });
    expect(right.sites.filter((s) => s.dso === dso).every((s) => s.resolved)).toBe(true);
    const r = await buildReport({ traces: [FLAT], objdump: [SHAPES_O0] });
    const w = expectUnused(r, dso, 'o0/shapes');
    expect(w).toMatch(/touch_pages\+0xc .*not an instruction boundary/);
  });

  it('says so when only callers are in the dso (--event syscalls:sys_enter_mprotect: the leaf is libc\'s __mprotect)', async () => {
    const r = await buildReport({ traces: [TRACE], objdump: [TOUCH], events: ['syscalls:sys_enter_mprotect'] });
    expect(guardSites(r)).toEqual([]);
    const said = about(r, GUARD_DSO);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/touch\/guard does not match .*the listing is not used for it: no fault site is there$/);
    // no caller was inferred from its calls
    expect(nodes(r.tree).some((n) => n.kind === 'inferred')).toBe(false);
  });

  it('warns once per dso in text, JSON and the HTML page, however many records fault there', async () => {
    const r = await buildReport({ traces: [TRACE], objdump: [O2] });
    const [w] = about(r, GUARD_DSO);
    const faults = guardSites(r).reduce((n, s) => n + s.count, 0);
    expect(faults).toBeGreaterThan(60);
    const count = (hay: string, needle: string): number => hay.split(needle).length - 1;
    expect(count(renderText(r), w!)).toBe(1);
    const json = JSON.parse(renderJson(r)) as { warnings: string[] };
    expect(json.warnings.filter((x) => x === w)).toHaveLength(1);
    const html = renderHtml(r);
    const data = JSON.parse(/<script type="application\/json" id="faultpath-data">(.*?)<\/script>/s.exec(html)![1]!) as { report: { warnings: string[] } };
    expect(data.report.warnings.filter((x) => x === w)).toHaveLength(1);
  });
});

describe('build ids', () => {
  it('reads the build-id note dumped in front of a GNU or llvm listing; the repeated header is the same binary', async () => {
    const want = ids.get(GUARD_DSO)!;
    expect(noteBuildId(GUARD_NOTE)).toBe(want);
    const plain = await indexObjdumpFile(GUARD_LISTING);
    expect(plain.buildId).toBeUndefined();
    for (const path of [GUARD_NOTE, GUARD_NOTE_LLVM]) {
      const bad: Diagnostic[] = [];
      const index = await indexObjdumpFile(path, { onDiagnostic: (d) => bad.push(d) });
      expect(bad).toEqual([]);
      expect(index.buildId).toBe(want);
      expect(index.instructionCount).toBe(plain.instructionCount);
    }
    const o2 = await indexObjdumpFile(O2_NOTE);
    expect(o2.buildId).toBe(noteBuildId(O2_NOTE));
    expect(o2.buildId).not.toBe(want);
  });

  it('reads perf buildid-list output; a line of another shape is a diagnostic', () => {
    const records: BuildIdRecord[] = [];
    const bad: Diagnostic[] = [];
    const parser = new BuildIdListParser({ source: BUILDIDS, onDiagnostic: (d) => bad.push(d) }, (r) => records.push(r));
    const lines = text(BUILDIDS).split('\n');
    for (const l of lines) parser.line(l);
    parser.line('perf: not a build id list');
    parser.line('90c00d71d970b9cc31e9a04d89adf13d0af44146');
    parser.end();
    expect(records.map((r) => [r.path, r.buildId])).toEqual([...ids.entries()]);
    expect(records[1]).toMatchObject({ kind: 'build-id', source: BUILDIDS, line: 2 });
    expect(bad.map((d) => d.line)).toEqual([lines.length + 1, lines.length + 2]);
  });

  const differs = (r: Report): void => {
    const w = expectUnused(r, GUARD_DSO, 'o2/guard');
    expect(w).toContain(ids.get(GUARD_DSO)!);
    expect(w).toContain(noteBuildId(O2_NOTE));
  };

  it('--buildid-list: a listing whose build id differs from the trace\'s is not used for that dso', async () => {
    differs(await buildReport({ traces: [TRACE], objdump: [O2_NOTE], buildIdLists: [BUILDIDS] }));
  });

  it('MMAP2 records with build ids (perf record --buildid-mmap) tell the same without a list', async () => {
    differs(await buildReport({ traces: [TRACE_MMAP], objdump: [O2_NOTE] }));
  });

  it('equal build ids: the listing is used', async () => {
    for (const options of [
      { traces: [TRACE], objdump: [GUARD_NOTE], buildIdLists: [BUILDIDS] },
      { traces: [TRACE_MMAP], objdump: [GUARD_NOTE_LLVM] },
    ] satisfies ReportOptions[]) {
      const r = await buildReport(options);
      expect(guardSites(r).every((s) => s.resolved)).toBe(true);
      expect(about(r, GUARD_DSO)).toEqual([]);
    }
  });
});

describe('--buildid-list (CLI)', () => {
  const run = runCli;

  it('report, sites and annotate take it beside --objdump and warn once on stderr', async () => {
    for (const command of ['report', 'sites', 'annotate']) {
      const { code, err } = await run([command, TRACE, '--objdump', O2_NOTE, '--buildid-list', BUILDIDS]);
      expect(code).toBe(0);
      const lines = err.split('\n').filter((l) => l.includes(GUARD_DSO));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(ids.get(GUARD_DSO)!);
    }
    const json = await run(['report', TRACE, '--objdump', O2_NOTE, '--buildid-list', BUILDIDS, '-f', 'json', '-q']);
    expect(json.err).toBe('');
    const report = JSON.parse(json.out) as { sites: { dso: string; resolved: boolean }[] };
    expect(report.sites.filter((s) => s.dso === GUARD_DSO).every((s) => !s.resolved)).toBe(true);
  });

  it('a missing list is an input error', async () => {
    const { code, err } = await run(['report', TRACE, '--buildid-list', `${M}/no-such-file.txt`]);
    expect(code).toBe(1);
    expect(err).toMatch(/no-such-file/);
  });
});

/** `sym+0xoff` of every frame in `dso` that perf printed under a protection syscall record. */
function protectionFrames(trace: string, dso: string): Set<string> {
  const out = new Set<string>();
  for (const block of text(trace).split('\n\n')) {
    const [header, ...frames] = block.split('\n');
    if (header === undefined || !/ syscalls:sys_enter_(?:mprotect|mmap|munmap|mremap|pkey_mprotect): /.test(header)) continue;
    for (const f of frames) {
      // `            142a main+0xbd (/work/main/samples/guard/guard)`
      const m = /^\s*[0-9a-f]+ (\S+\+0x[0-9a-f]+) \((.*)\)$/.exec(f);
      if (m !== null && m[2] === dso) out.add(m[1]!);
    }
  }
  return out;
}

/**
 * The protection section two ways over the same records: keyed while
 * streaming by stack and named at the end (what the pipeline does), and keyed
 * while streaming by the final names (what naming before the verdict did, once
 * the verdict is known). Merging stacks by name must make them equal.
 */
async function namedTwice(trace: string, listings: readonly string[]): Promise<{ atEnd: ProtectionSection; whileStreaming: ProtectionSection; provisional: ProtectionReport }> {
  const resolver = new FrameResolver(new ListingSet(await Promise.all(listings.map((p) => indexObjdumpFile(p)))));
  const sites = new ProtectionSites(resolver, new UnwindRepair(resolver));
  const events: TraceEvent[] = [];
  await readTrace(trace, (e) => events.push(e), { sink: () => {} });
  const replay = (siteOf: (r: SampleRecord) => string): ProtectionReport => {
    const t = new ProtectionTimeline({ siteOf, instructionKey: sites.instructionKey });
    for (const e of events) {
      t.add(e);
      if (e.kind !== 'fault' || e.record.event !== 'exceptions:page_fault_user') continue;
      const r = e.record;
      const access = e.access;
      const at = faultFrameIndex(r, access);
      if (at < 0 || access === undefined) continue;
      t.noteFault({
        pid: r.pid,
        tid: r.tid,
        cpu: r.cpu,
        time: r.time,
        address: access.address,
        ...(access.errorCode !== undefined ? { errorCode: access.errorCode } : {}),
        site: r.stack[at]!,
        value: r.period,
      });
    }
    return t.report();
  };
  const provisional = replay(sites.siteOf);
  // the verdict: every frame of the trace anchored, as the pipeline anchors fault and protection frames
  for (const e of events) if ('record' in e) for (const f of e.record.stack) resolver.anchor(f);
  const whileStreaming = sites.finish(replay((r) => sites.siteName(sites.siteOf(r))));
  return { atEnd: sites.finish(provisional), whileStreaming, provisional };
}

describe('protection sites are named once the listing verdict is known', () => {
  it('a listing of another program lends no call instruction to the protection section: sites keep perf\'s sym+off, in the section, the tree and annotate', async () => {
    const r = await buildReport({ traces: [TRACE], objdump: [TOUCH], groupBy: 'site' });
    expectUnused(r, GUARD_DSO, 'touch/guard');
    const printed = protectionFrames(TRACE, GUARD_DSO);
    expect(printed.size).toBeGreaterThan(0);
    const sites = r.protection!.sites;
    const guard = sites.filter((p) => p.dso === GUARD_DSO);
    expect(guard.length).toBeGreaterThan(0);
    for (const p of guard) {
      expect(p).toMatchObject({ address: null, instruction: null, source: null, inferred: false });
      const where = `${p.symbol}+0x${p.offset!.toString(16)}`;
      expect(printed.has(where)).toBe(true);
      expect(p.site).toBe(`${where} (guard)`);
      for (const i of p.instructions) {
        // perf's sym+off for the faulting instruction too, and handlers named like the sites
        expect(i.instruction).toMatch(/^\S+\+0x[0-9a-f]+$/);
        for (const h of Object.keys(i.handlers)) expect(sites.some((s) => s.site === h)).toBe(true);
      }
    }
    expect(guard.reduce((n, p) => n + p.faults, 0)).toBeGreaterThan(60);
    expect(JSON.stringify(r.protection)).not.toMatch(/inferred\]|<mmap@plt>|<mprotect@plt>/);
    // --group-by site: the tree's outer level names the same sites, with the faults the section counts
    const tops = new Map(r.tree.children.map((c) => [c.name, c]));
    for (const c of tops.values()) expect(c.kind).toBe('protection-site');
    const faulted = sites.filter((p) => p.faults > 0);
    expect(faulted.length).toBeGreaterThan(0);
    for (const p of faulted) expect(tops.get(p.site)?.value).toBe(p.faults);
    expect([...tops.keys()].sort()).toEqual([...faulted.map((p) => p.site), '[no protection change]'].sort());
    // annotate lays no protection site over touch's code
    const a = annotateReport(r, [await indexObjdumpFile(TOUCH)]);
    expect(a.functions.flatMap((f) => f.instructions).filter((i) => i.protection !== undefined)).toEqual([]);
  });

  it('the protection calls\' own frames refuse a listing when no fault is kept (--comm of nobody)', async () => {
    const r = await buildReport({ traces: [TRACE], objdump: [TOUCH], comms: ['nobody'] });
    expect(r.tree.value).toBe(0);
    const guard = r.protection!.sites.filter((p) => p.dso === GUARD_DSO);
    expect(guard.map((p) => p.calls['mprotect']).reduce((a, b) => a! + b!, 0)).toBe(128);
    for (const p of guard) expect(p).toMatchObject({ address: null, instruction: null, inferred: false });
    const said = about(r, GUARD_DSO);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/touch\/guard does not match .*the listing is not used for it: no fault site is there$/);
  });

  it('the right listing still locates the call instructions perf lost, with or without faults kept', async () => {
    for (const comms of [[], ['nobody']]) {
      const r = await buildReport({ traces: [TRACE], objdump: [GUARD_LISTING], comms });
      const young = r.protection!.sites.find((p) => p.symbol === 'protect_young')!;
      expect(young).toMatchObject({ site: 'protect_young+0x28 [inferred] (guard)', inferred: true, instruction: expect.stringMatching(/^call\s+[0-9a-f]+ <mprotect@plt>$/) });
      expect(about(r, GUARD_DSO)).toEqual([]);
    }
  });

  const P = 'samples/protection';
  for (const [trace, listings] of [
    [TRACE, [GUARD_LISTING]],
    [TRACE, [TOUCH]],
    [TRACE, [O2]],
    [`${P}/threads.perf-script-pid.txt`, [`${P}/threads.objdump-dl.txt`]],
    [`${P}/jit.perf-script-pid.txt`, [`${P}/jit.objdump-dl.txt`]],
    [`${P}/mapping.perf-script-pid.txt`, [`${P}/mapping.objdump-dl.txt`]],
  ] as const) {
    it(`stacks named alike merge exactly as naming while streaming would have: ${trace} with ${listings.join(', ')}`, async () => {
      const { atEnd, whileStreaming, provisional } = await namedTwice(trace, listings);
      expect(atEnd).toEqual(whileStreaming);
      expect(atEnd.sites.length).toBeGreaterThan(0);
      // several stacks end in one site somewhere, so the merge is exercised
      expect(provisional.sites.length).toBeGreaterThan(atEnd.sites.length);
    });
  }
});
