// Every filter applies to every section: classes, protection sites' faults +
// uncovered faults, timeline, regions and top sites each add up to the tree.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { buildReport, type ReportOptions } from '../../src/pipeline.js';
import { runCli } from '../shared.js';

const S = 'samples';
const CAPTURES: Record<string, ReportOptions> = {
  tasks: { traces: [`${S}/tasks/tasks.perf-script-task.txt`], objdump: [`${S}/tasks/tasks.objdump-dl.txt`] },
  guard: { traces: [`${S}/guard/perf-script.txt.gz`], objdump: [`${S}/guard/guard.objdump-dl.txt`] },
  unwind: { traces: [`${S}/unwind/o2-fp.perf-script.txt.gz`], objdump: [`${S}/unwind/guard-O2.objdump-dl.txt`] },
};

const sum = (xs: Iterable<number>): number => [...xs].reduce((a, b) => a + b, 0);

/** Each section's total, beside the tree's. */
function sections(r: Report): Record<string, number> {
  const out: Record<string, number> = {
    tree: r.tree.value,
    classes: sum(Object.values(r.classes ?? {})),
    timeline: sum((r.timeline ?? []).map((b) => b.value)),
    sites: sum(r.sites.map((s) => s.count)),
  };
  if (r.protection !== undefined) out.protection = sum(r.protection.sites.map((s) => s.faults)) + r.protection.uncoveredFaults;
  if (r.regions !== undefined) out.regions = sum(r.regions.regions.map((g) => g.faults)) + r.regions.outsideRegions.faults + r.regions.unaddressed;
  return out;
}

function expectAgreeing(r: Report): void {
  const s = sections(r);
  for (const [k, v] of Object.entries(s)) expect({ section: k, total: v }).toEqual({ section: k, total: s.tree });
}

/** What each filter could pick in a capture: taken from its unfiltered report. */
async function choices(base: ReportOptions) {
  const r = await buildReport(base);
  // pids and tids as --group-by thread names them: `pid 16060` → `tid 16061`
  const threads = await buildReport({ ...base, groupBy: 'thread' });
  const pids = threads.tree.children.map((n) => Number(n.name.slice(4)));
  const tids = threads.tree.children.flatMap((n) => n.children.map((t) => Number(t.name.slice(4))));
  const dsos = [...new Set(r.sites.map((s) => s.dso))];
  const symbols = [...new Set(r.sites.map((s) => s.symbol))];
  const times = (r.timeline ?? []).map((b) => b.time);
  const comms: string[] = [];
  const walk = (n: Report['tree']): void => {
    if (n.kind === 'comm' && !comms.includes(n.name)) comms.push(n.name);
    n.children.forEach(walk);
  };
  walk(r.tree);
  return { report: r, pids, tids, dsos, symbols, comms, times, events: r.selectedEvents };
}

describe('filters apply to every section', () => {
  for (const [name, base] of Object.entries(CAPTURES)) {
    it(`${name}: each section adds up to the tree for random filter combinations`, async () => {
      const c = await choices(base);
      expectAgreeing(c.report);
      const t0 = Math.min(...c.times);
      const t1 = Math.max(...c.times);
      const pick = <T>(xs: readonly T[]) => fc.option(fc.subarray([...xs], { minLength: 1 }), { nil: undefined });
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            dsos: pick(c.dsos),
            symbols: pick(c.symbols),
            comms: pick(c.comms),
            pids: pick(c.pids),
            tids: pick(c.tids),
            events: pick(c.events),
            window: fc.option(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { nil: undefined }),
          }),
          async (f) => {
            const [a, b] = f.window === undefined ? [undefined, undefined] : [Math.min(...f.window), Math.max(...f.window)];
            const r = await buildReport({
              ...base,
              ...(f.dsos !== undefined ? { dsos: f.dsos } : {}),
              ...(f.symbols !== undefined ? { symbols: f.symbols } : {}),
              ...(f.comms !== undefined ? { comms: f.comms } : {}),
              ...(f.pids !== undefined ? { pids: f.pids } : {}),
              ...(f.tids !== undefined ? { tids: f.tids } : {}),
              ...(f.events !== undefined ? { events: f.events } : {}),
              ...(a !== undefined ? { timeStart: t0 + a * (t1 - t0), timeEnd: t0 + b! * (t1 - t0) + 1e-3 } : {}),
            });
            expectAgreeing(r);
          },
        ),
        { seed: 12_9, numRuns: 15 },
      );
    }, 30_000);
  }
});

// The forked child of samples/tasks writes 2 arena pages (copy-on-write
// breaks); the two threads first-touch 4 each, all in write_page. The classes
// and protection sites counted every fault of the trace (100: 31 copy-on-write,
// 30 uncovered) under a tree of 10.
describe('--symbol on a copy-on-write capture', () => {
  const base = CAPTURES.tasks!;
  it('counts only the filtered faults in classes and protection sites', async () => {
    const r = await buildReport({ ...base, symbols: ['write_page'] });
    expect(r.tree.value).toBe(10);
    expect(r.classes).toEqual({ 'first-touch-write': 8, 'copy-on-write': 2 });
    expect(r.protection!.uncoveredFaults).toBe(0);
    expect(r.protection!.sites.filter((s) => s.faults > 0).map((s) => [s.site, s.faults, s.classes])).toEqual([
      ['open_arena+0x1f [inferred] (tasks)', 10, { 'copy-on-write': 2, 'first-touch-write': 8 }],
    ]);
    expectAgreeing(r);
  });

  it('prints no class above 100% in the text report', async () => {
    const out = await runCli(['report', ...base.traces, '--objdump', ...base.objdump!, '--symbol', 'write_page', '-q']);
    expect(out.code).toBe(0);
    const percents = [...out.out.matchAll(/(\d+(?:\.\d+)?)%/g)].map((m) => Number(m[1]));
    expect(percents.length).toBeGreaterThan(0);
    expect(Math.max(...percents)).toBeLessThanOrEqual(100);
  });
});
