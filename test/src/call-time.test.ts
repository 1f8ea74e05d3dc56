// Time inside the protection calls, from each entry record to its exit, per
// protection site: checked against the pairs read straight from the trace.
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/pipeline.js';
import { mergeReports } from '../../src/merge.js';
import { linesOf } from '../shared.js';

const TRACE = 'samples/regions/regions.perf-script.txt.gz';

// `regions 16060 [001]   360.98853:   syscalls:sys_enter_mmap: …` → per thread, entry then exit
function pairs(path: string): number[] {
  const open = new Map<string, { call: string; time: number }>();
  const out: number[] = [];
  for (const line of linesOf(path)) {
    const m = /^\S+\s+(\d+)\s.*?\s(\d+\.\d+):\s+syscalls:sys_(enter|exit)_(mmap|munmap|mremap|mprotect):/.exec(line);
    if (m === null) continue;
    const [, tid = '', time = '', kind, call = ''] = m;
    if (kind === 'enter') open.set(tid, { call, time: Number(time) });
    else {
      const o = open.get(tid);
      if (o !== undefined && o.call === call) out.push(Number(time) - o.time);
      open.delete(tid);
    }
  }
  return out;
}

describe('time in protection calls', async () => {
  const report = await buildReport({ traces: [TRACE], objdump: ['samples/regions/regions.objdump-dl.txt'] });
  const sites = report.protection!.sites;
  const expected = pairs(TRACE);

  it('times every call that has an exit record, once', () => {
    expect(expected.length).toBeGreaterThan(10);
    expect(sites.reduce((a, s) => a + (s.callTime?.calls ?? 0), 0)).toBe(expected.length);
    expect(sites.reduce((a, s) => a + (s.callTime?.total ?? 0), 0)).toBeCloseTo(expected.reduce((a, b) => a + b, 0), 9);
    expect(Math.max(...sites.map((s) => s.callTime?.max ?? 0))).toBeCloseTo(Math.max(...expected), 9);
  });

  it('adds up when reports merge', () => {
    const merged = mergeReports([report, report]).protection!.sites;
    for (const s of sites) {
      const m = merged.find((x) => x.site === s.site && x.dso === s.dso)!;
      expect(m.callTime?.calls).toBe(s.callTime === undefined ? undefined : 2 * s.callTime.calls);
    }
  });
});

// guard.c: a store to a read-only page faults, its SIGSEGV handler mprotects the page writable, the store retries.
describe('time from a guard-page fault to the handler call that allows the access', async () => {
  const trace = 'samples/protection/guard.perf-script.txt.gz';
  const report = await buildReport({ traces: [trace], objdump: ['samples/protection/guard.objdump-dl.txt'] });

  // each store to a present page (error_code 0x7) to the same thread's next mprotect, when that call starts at its page
  function delays(): number[] {
    const pending = new Map<string, { time: number; page: bigint }>();
    const out: number[] = [];
    for (const line of linesOf(trace)) {
      const m = /^\S+\s+(\d+)\s.*?\s(\d+\.\d+):\s+(?:exceptions:page_fault_user: address=(0x[0-9a-f]+) .*error_code=0x7\b|syscalls:sys_enter_mprotect: start: (0x[0-9a-f]+))/.exec(line);
      if (m === null) continue;
      const [, tid = '', time = '', fault, start] = m;
      if (fault !== undefined) pending.set(tid, { time: Number(time), page: BigInt(fault) & ~0xfffn });
      else {
        const p = pending.get(tid);
        if (p !== undefined && BigInt(start!) === p.page) out.push(Number(time) - p.time);
        pending.delete(tid);
      }
    }
    return out;
  }

  it('times every retry cycle, per covering site', () => {
    const expected = delays();
    const sites = report.protection!.sites.filter((s) => s.cycles > 0);
    expect(sites.map((s) => [s.symbol, s.handlerTime?.cycles])).toEqual(sites.map((s) => [s.symbol, s.cycles]));
    expect(sites.reduce((a, s) => a + s.cycles, 0)).toBe(expected.length);
    expect(sites.reduce((a, s) => a + s.handlerTime!.total, 0)).toBeCloseTo(expected.reduce((a, b) => a + b, 0), 9);
    expect(Math.max(...sites.map((s) => s.handlerTime!.max))).toBeCloseTo(Math.max(...expected), 9);
  });
});
