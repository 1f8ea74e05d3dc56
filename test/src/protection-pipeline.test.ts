// The protection timeline joined in the pipeline, on real captures: each
// fault attributed to the mprotect call that set up its page, sites located
// at their call instructions through the listing.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/pipeline.js';
import { mergeReports } from '../../src/merge.js';
import { renderJson } from '../../viz/json.js';
import type { ProtectionSiteView, Report } from '../../src/model.js';
import { renderProtection } from '../../viz/text.js';

const P = 'samples/protection';

function site(r: Report, symbol: string): ProtectionSiteView {
  const s = r.protection!.sites.find((x) => x.symbol === symbol);
  if (s === undefined) throw new Error(`no site ${symbol}: ${r.protection!.sites.map((x) => x.site).join(', ')}`);
  return s;
}

function attributed(r: Report): number {
  return r.protection!.sites.reduce((s, x) => s + x.faults, 0) + r.protection!.uncoveredFaults;
}

describe('protection sites of the guard-page capture', async () => {
  const report = await buildReport({ traces: [`${P}/guard.perf-script.txt.gz`], objdump: [`${P}/guard.objdump-dl.txt`] });

  it('locates each mprotect at its call instruction in the function perf lost', () => {
    for (const [fn, line] of [
      ['protect_young', 51],
      ['protect_old', 57],
    ] as const) {
      const s = site(report, fn);
      expect(s).toMatchObject({ inferred: true, instruction: expect.stringMatching(/^call\s+[0-9a-f]+ <mprotect@plt>$/), prot: 'r--', calls: { mprotect: 32 } });
      expect(s.source).toMatch(new RegExp(`guard\\.c:${line}$`));
      expect(s.faults).toBe(32);
      expect(s.classes).toEqual({ 'write-to-read-only': 32 });
      expect(s.cycles).toBe(32);
      expect(s.tlbFlushes).toEqual({ TLB_LOCAL_MM_SHOOTDOWN: 32 });
    }
  });

  it('names the handler that closes every retry cycle, and lists its changes with 0 faults', () => {
    const young = site(report, 'protect_young');
    expect(young.instructions.map((i) => [i.instruction, i.faults, i.cycles, i.handlers])).toEqual([
      ['write_field+0x0: mov %rsi,(%rdi)', 16, 16, { 'unprotect_page+0x10 [inferred] (guard)': 16 }],
      ['write_header+0x0: mov %sil,(%rdi)', 16, 16, { 'unprotect_page+0x10 [inferred] (guard)': 16 }],
    ]);
    const handler = site(report, 'unprotect_page');
    expect(handler).toMatchObject({ faults: 0, calls: { mprotect: 64 }, prot: 'rw-' });
  });

  it('attributes every fault once: site faults plus uncovered ones equal the tree', () => {
    expect(attributed(report)).toBe(report.tree.value);
    expect(Object.values(report.classes!).reduce((a, b) => a + b, 0)).toBe(report.tree.value);
    expect(report.classes!['write-to-read-only']).toBe(64);
  });

  it('puts the protection site at the root with --group-by site, keeping the total', async () => {
    const grouped = await buildReport({ traces: [`${P}/guard.perf-script.txt.gz`], objdump: [`${P}/guard.objdump-dl.txt`], groupBy: 'site' });
    expect(grouped.tree.value).toBe(report.tree.value);
    const top = grouped.tree.children.find((c) => c.name === 'protect_old+0x28 [inferred] (guard)')!;
    expect(top).toMatchObject({ kind: 'protection-site', value: 32 });
    expect(top.children.map((c) => c.name)).toEqual(['guard']);
  });

  it('matches the golden sites text', async () => {
    const out: string[] = [];
    renderProtection(report.protection!, out, Infinity);
    await expect(out.join('\n') + '\n').toMatchFileSnapshot('../golden/protection/guard.sites.txt');
  });
});

describe('protection sites of the other captures', () => {
  it('copy-on-write: the child faults on the page its parent sealed before fork', async () => {
    const r = await buildReport({ traces: [`${P}/cow.perf-script.txt`], objdump: [`${P}/cow.objdump-dl.txt`] });
    expect(site(r, 'seal_page')).toMatchObject({ faults: 1, inferred: true, prot: 'r--' });
    expect(r.classes!['copy-on-write']).toBeGreaterThan(0);
    expect(attributed(r)).toBe(r.tree.value);
  });

  it('jit: an exec fault on a page sealed without exec, closed by make_executable', async () => {
    const r = await buildReport({ traces: [`${P}/jit.perf-script.txt`], objdump: [`${P}/jit.objdump-dl.txt`] });
    const data = site(r, 'seal_data');
    expect(data).toMatchObject({ faults: 1, classes: { 'nx-violation': 1 }, cycles: 1 });
    expect(Object.keys(data.instructions[0]!.handlers)).toEqual([expect.stringMatching(/^make_executable\+0x10 \[inferred\] \(jit\)$/)]);
  });

  it('a perf trace capture of the same program gives the same attribution, at function granularity', async () => {
    const script = await buildReport({ traces: [`${P}/jit.perf-script.txt`], objdump: [`${P}/jit.objdump-dl.txt`] });
    const trace = await buildReport({ traces: [`${P}/jit.perf-trace.txt`], objdump: [`${P}/jit.objdump-dl.txt`] });
    // perf trace prints frames without addresses, so the frameless callers cannot be recovered: the site is main
    const bySo = (r: Report): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const s of r.protection!.sites) {
        const so = s.dso.slice(s.dso.lastIndexOf('/') + 1);
        out[so] = (out[so] ?? 0) + s.faults;
      }
      return out;
    };
    expect(bySo(trace)).toEqual(bySo(script));
    expect(site(trace, 'main').faults).toBe(site(script, 'seal_data').faults);
    expect(trace.warnings.join('\n')).toMatch(/perf trace prints callchain frames without addresses/);
  });

  it('says why a perf trace capture with protection changes shows no guard-page faults', async () => {
    const r = await buildReport({ traces: ['samples/perf-trace/guard-pf-all-mprotect.txt'] });
    expect(r.protection!.sites.some((s) => s.calls['mprotect'] !== undefined)).toBe(true);
    expect(r.classes!['write-to-read-only'] ?? 0).toBe(0);
    expect(r.warnings.join('\n')).toMatch(/perf trace does not show faults that end in a signal.*perf record -e exceptions:page_fault_user/);
  });
});

// page-faults samples the same faults as the tracepoint (plus kernel-mode ones) but, recorded
// without -d, carries no address: with both selected, the protection sites dropped every fault.
describe('protection sites with two fault events selected (samples/guard)', async () => {
  const G = { traces: ['samples/guard/perf-script.txt.gz'], objdump: ['samples/guard/guard.objdump-dl.txt'] };
  const one = await buildReport(G);
  const both = await buildReport({ ...G, events: ['exceptions:page_fault_user', 'page-faults'] });

  it('counts each selected event as the tree does: sites + uncovered = tree, classes sum to the tree', () => {
    expect(both.tree.byEvent).toEqual({ 'exceptions:page_fault_user': 135, 'page-faults': 138 });
    expect(attributed(both)).toBe(both.tree.value);
    expect(Object.values(both.classes ?? {}).reduce((s, v) => s + v, 0)).toBe(both.tree.value);
    expect(attributed(one)).toBe(one.tree.value);
  });

  it("keeps the tracepoint's attribution, and says why the page-faults faults are uncovered", () => {
    for (const fn of ['protect_old', 'protect_young']) {
      expect(site(both, fn).faults).toBe(site(one, fn).faults);
      expect(site(both, fn).faults).toBe(32);
      expect(site(both, fn).calls).toEqual(site(one, fn).calls);
      expect(site(both, fn).cycles).toBe(site(one, fn).cycles);
    }
    expect(both.protection!.uncoveredFaults).toBe(one.protection!.uncoveredFaults + 138);
    expect(both.protection!.noAddressFaults).toBe(138);
    expect(one.protection!.noAddressFaults).toBeUndefined();
    expect(both.warnings.some((w) => /^138 page-faults faults carry no data address/.test(w))).toBe(true);
    const text: string[] = [];
    renderProtection(both.protection!, text, Infinity);
    expect(text).toContain(`${one.protection!.uncoveredFaults} faults were on pages that no recorded mmap/mprotect call set up (mapped by exec, or before the trace began).`);
    expect(text.some((l) => l.startsWith('138 faults carry no data address'))).toBe(true);
  });
});

// samples/notrace: perf script -F without trace prints the tracepoint's fault without its address
// (and the mprotects without their arguments): the line for faults with no address said only
// 'software events: perf record -d records it', which does not bring the tracepoint's back.
describe('protection faults with no data address, by what they are (samples/notrace)', async () => {
  const T = { traces: ['samples/notrace/guard.perf-script-notrace.txt.gz'] };
  const samples = (event: string): number => Number(new RegExp(`^# Samples: (\\d+)\\s+of event '${event}'$`, 'm').exec(readFileSync('samples/notrace/guard.report.txt', 'utf8'))![1]);
  const t = samples('exceptions:page_fault_user');
  const n = samples('page-faults');
  const line = (r: Report): string[] => {
    const text: string[] = [];
    renderProtection(r.protection!, text, Infinity);
    return text.filter((l) => l.includes('carry no data address'));
  };

  it('names trace in -F for the tracepoint', async () => {
    const r = await buildReport(T);
    expect(r.protection).toMatchObject({ noAddressFaults: t, noAddressTracepoint: t });
    expect(line(r)).toEqual([`${t} faults carry no data address, so no page: not attributed to any site (tracepoint faults: their payload carries it, keep trace in perf script's -F list).`]);
    // and faultpath merge reads it back and adds it up
    const json = JSON.parse(renderJson(r)) as Report;
    expect(json.protection!.noAddressTracepoint).toBe(t);
    expect(mergeReports([json, json]).protection).toMatchObject({ noAddressFaults: 2 * t, noAddressTracepoint: 2 * t });
  });

  it('keeps perf record -d for the software event, and splits the two when both are selected', async () => {
    const soft = await buildReport({ ...T, events: ['page-faults'] });
    expect(soft.protection!.noAddressTracepoint).toBeUndefined();
    expect(line(soft)).toEqual([`${n} faults carry no data address, so no page: not attributed to any site (software events: perf record -d records it).`]);
    const both = await buildReport({ ...T, events: ['exceptions:page_fault_user', 'page-faults'] });
    expect(both.protection).toMatchObject({ noAddressFaults: t + n, noAddressTracepoint: t });
    expect(line(both)).toEqual([
      `${t + n} faults carry no data address, so no page: not attributed to any site (${t} tracepoint faults: their payload carries it, keep trace in perf script's -F list; ${n} software-event faults: perf record -d records it).`,
    ]);
  });
});
