// One protection timeline keeps each fault family's counts apart: noting the
// faults of every family in one timeline gives, per family, the report a
// timeline noting that family's faults alone gives (its faults, classes,
// retry cycles and TLB flush attribution), over one set of page maps.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parsePerfScript } from '../../parsers/perf-script.js';
import { normalizeRecord, type TraceEvent } from '../../src/events.js';
import type { TraceRecord } from '../../src/model.js';
import { ProtectionTimeline } from '../../src/memory/index.js';
import { combineFamilies } from '../../src/protection-families.js';
import { renderProtection } from '../../viz/text.js';

const samples = fileURLToPath(new URL('../../samples/', import.meta.url));

async function events(name: string): Promise<TraceEvent[]> {
  const raw = readFileSync(samples + name);
  const text = (name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const out: TraceEvent[] = [];
  for await (const r of parsePerfScript(text.split('\n'), { source: name })) out.push(normalizeRecord(r as TraceRecord));
  return out;
}

// Feeds every event; notes the faults of `families` (each as its own family).
function run(all: readonly TraceEvent[], families: readonly number[], faultFamily?: number): ProtectionTimeline {
  const t = new ProtectionTimeline({ keepHistory: true, ...(faultFamily !== undefined ? { faultFamily } : {}) });
  for (const e of all) {
    t.add(e);
    if (e.kind !== 'fault' || !families.includes(e.family) || Number.isNaN(e.access.address)) continue;
    const r = e.record;
    t.noteFault({
      pid: r.pid,
      tid: r.tid,
      cpu: r.cpu,
      time: r.time,
      address: e.access.address,
      ...(e.access.errorCode !== undefined ? { errorCode: e.access.errorCode } : {}),
      site: r.stack[0] ?? { addr: '', symbol: '[unknown]', offset: -1, dso: '[unknown]' },
      value: r.period,
      family: e.family,
    });
  }
  return t;
}

describe('fault families in one timeline', () => {
  // pagein: tracepoints, page-faults and major-faults with tlb:tlb_flush; guard: tracepoints and page-faults (perf record -d), retry cycles
  for (const [name, families] of [
    ['findings/pagein.perf-script.txt', [0, 1, 2]],
    ['protection/guard.perf-script-pid.txt.gz', [0, 1]],
  ] as const) {
    it(`${name}: each family's report is the one its faults alone give`, async () => {
      const all = await events(name);
      const together = run(all, families);
      for (const f of families) {
        const alone = run(all, [f], f);
        const report = together.report(f);
        expect(report).toEqual(alone.report());
        expect(together.changes(f)).toEqual(alone.changes());
        // the family's faults are there: the check compares something
        expect(report.sites.reduce((n, s) => n + s.faults, 0) + report.uncoveredFaults).toBeGreaterThan(0);
      }
      // the calls are the same in every family's report
      expect(new Set(families.map((f) => JSON.stringify(together.report(f).sites.map((s) => [s.site, s.calls, s.pages]).sort()))).size).toBe(1);
    });
  }
});

describe('faults with no data address', () => {
  it('are said with the option that keeps it: trace in -F for the tracepoint, perf record -d and addr for the software events', () => {
    const notes = combineFamilies([new ProtectionTimeline({}).report()], { 'exceptions:page_fault_user': 3, 'page-faults': 1 }).notes;
    expect(notes).toContain(`3 exceptions:page_fault_user faults carry no data address, so no page and no protection site: counted as uncovered (its payload carries the address: keep trace in perf script's -F list)`);
    expect(notes).toContain(
      `1 page-faults fault carries no data address, so no page and no protection site: counted as uncovered (the exceptions:page_fault_user tracepoint carries the address; for page-faults, record with perf record -d and keep addr in perf script's -F list)`,
    );
  });

  it('are counted in the text with the verb agreeing: one fault carries, faults carry', () => {
    const line = (noAddress: Record<string, number>): string[] => {
      const out: string[] = [];
      renderProtection({ ...combineFamilies([new ProtectionTimeline({}).report()], noAddress), sites: [] }, out);
      return out.filter((l) => l.includes('no data address'));
    };
    expect(line({ 'exceptions:page_fault_user': 1 })).toEqual([`1 fault carries no data address, so no page: not attributed to any site (tracepoint faults: their payload carries it, keep trace in perf script's -F list).`]);
    expect(line({ 'page-faults': 2 })).toEqual([`2 faults carry no data address, so no page: not attributed to any site (software events: perf record -d records it).`]);
    expect(line({ 'exceptions:page_fault_user': 1, 'page-faults': 1 })).toEqual([
      `2 faults carry no data address, so no page: not attributed to any site (1 tracepoint fault: its payload carries it, keep trace in perf script's -F list; 1 software-event fault: perf record -d records it).`,
    ]);
  });
});
