// FaultPairs: a software fault sample takes the ip of its fault's
// exceptions:page_fault_user tracepoint when that is its thread's record just
// before it, with the same user chain; never another thread's, never across
// another record of its thread, never across lost records.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePerfScript } from '../../parsers/perf-script.js';
import { isSampleEvent, normalizeRecord, type SampleEvent } from '../../src/events.js';
import { FaultPairs } from '../../src/fault-pairs.js';
import type { Frame, SampleRecord, TraceRecord } from '../../src/model.js';
import { isKernel, scriptSamples } from './perf-script-text.js';

const K1: Frame = { addr: 'ffffffff8225fe40', symbol: 'exc_page_fault', offset: 0x2f0, dso: '[kernel.kallsyms]' };
const K2: Frame = { addr: 'ffffffff81000c82', symbol: 'asm_exc_page_fault', offset: 0x22, dso: '[kernel.kallsyms]' };
const leaf: Frame = { addr: '26770', symbol: '__ieee754_acos_ifunc', offset: 0, dso: 'inlined' };
const caller: Frame = { addr: 'e011', symbol: '_dl_relocate_object', offset: 0x3f1, dso: '/lib/ld.so' };
const other: Frame = { addr: '27820', symbol: '__ieee754_exp_ifunc', offset: 0, dso: 'inlined' };
const copy: Frame = { addr: 'ffffffff81a0c2d1', symbol: 'elf_load', offset: 0x1a1, dso: '[kernel.kallsyms]' };
// user chains (the tracepoint's has the kernel's fault entry above), and a fault the kernel took in kernel mode
const CHAINS: readonly (readonly Frame[])[] = [[leaf, caller], [{ ...leaf }, { ...caller }], [other, caller], [leaf], [], [copy, leaf, caller]];

function record(event: string, tid: number, stack: readonly Frame[], line: number): SampleRecord {
  return { kind: 'sample', source: 't', line, comm: 'c', pid: 1, tid, cpu: -1, time: line, period: 1, event, payload: '', stack };
}

type Step =
  | { kind: 'tracepoint'; tid: number; chain: number; ip: boolean }
  | { kind: 'kernel-tracepoint'; tid: number; chain: number }
  | { kind: 'page-faults'; tid: number; chain: number; event: 'page-faults' | 'minor-faults' }
  | { kind: 'syscall'; tid: number }
  | { kind: 'lost' };

// The event each step is; a tracepoint's ip is its place in the sequence (so an ip says which record it came from).
function events(steps: readonly Step[]): (SampleEvent | 'lost')[] {
  return steps.map((s, i): SampleEvent | 'lost' => {
    switch (s.kind) {
      case 'tracepoint':
        return { kind: 'fault', family: 0, record: record('exceptions:page_fault_user', s.tid, [K1, K2, ...CHAINS[s.chain]!], i), access: { address: 0x1000 + i, ...(s.ip ? { ip: 0x7f0000000000 + i } : {}) } };
      case 'kernel-tracepoint':
        return { kind: 'fault', family: 0, record: record('exceptions:page_fault_kernel', s.tid, [K1, K2, ...CHAINS[s.chain]!], i), access: { address: 0x1000 + i, ip: 0x7f0000000000 + i } };
      case 'page-faults':
        return { kind: 'fault', family: s.event === 'page-faults' ? 1 : 2, record: record(s.event, s.tid, CHAINS[s.chain]!, i), access: { address: NaN } };
      case 'syscall':
        return { kind: 'other', record: record('syscalls:sys_enter_mprotect', s.tid, [caller], i) };
      case 'lost':
        return 'lost';
    }
  });
}

function run(evs: readonly (SampleEvent | 'lost')[]): (number | undefined)[] {
  const pairs = new FaultPairs();
  return evs.map((e) => {
    if (e === 'lost') {
      pairs.forget();
      return undefined;
    }
    return pairs.ip(e);
  });
}

const same = (a: readonly Frame[], b: readonly Frame[]): boolean =>
  a.length === b.length && a.every((f, i) => f.addr === b[i]!.addr && f.symbol === b[i]!.symbol && f.offset === b[i]!.offset && f.dso === b[i]!.dso);

const tid = fc.integer({ min: 1, max: 3 });
const chain = fc.integer({ min: 0, max: CHAINS.length - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('tracepoint' as const), tid, chain, ip: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kernel-tracepoint' as const), tid, chain }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('page-faults' as const), tid, chain, event: fc.constantFrom('page-faults' as const, 'minor-faults' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('syscall' as const), tid }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lost' as const) }) },
);

describe('FaultPairs', () => {
  it("gives a page-faults sample the ip of its thread's tracepoint just before it, with the same user chain, and nothing else", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const evs = events(steps);
        const ips = run(evs);
        for (let i = 0; i < evs.length; i++) {
          const e = evs[i]!;
          if (e === 'lost') continue;
          const ip = ips[i];
          // a tracepoint's ip is its own; other records have none
          if (e.kind === 'fault' && e.family === 0) {
            expect(ip).toBe(e.access.ip);
            continue;
          }
          if (e.kind !== 'fault') {
            expect(ip).toBeUndefined();
            continue;
          }
          // the reference: the record just before it in its thread, lost records between breaking the pair
          let j = i - 1;
          while (j >= 0 && evs[j] !== 'lost' && (evs[j] as SampleEvent).record.tid !== e.record.tid) j--;
          const before = j >= 0 ? evs[j] : undefined;
          const tp = before !== undefined && before !== 'lost' && before.kind === 'fault' && before.record.event === 'exceptions:page_fault_user' ? before : undefined;
          const user = tp?.record.stack.filter((f) => !f.dso.startsWith('[kernel'));
          const pairs = tp !== undefined && tp.access.ip !== undefined && user!.length > 0 && same(user!, e.record.stack);
          expect(ip).toBe(pairs ? tp.access.ip : undefined);
          if (ip !== undefined) {
            // whose ip it is: a record before it, of its thread, a user fault tracepoint, nothing of its thread between
            const from = ip - 0x7f0000000000;
            const src = evs[from] as SampleEvent;
            expect(from).toBeLessThan(i);
            expect(src.record.tid).toBe(e.record.tid);
            expect(src.record.event).toBe('exceptions:page_fault_user');
            for (let k = from + 1; k < i; k++) expect(evs[k] !== 'lost' && (evs[k] as SampleEvent).record.tid !== e.record.tid).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('pairs neither across threads nor across another fault or record of the thread', () => {
    const tp = (t: number, c = 0): Step => ({ kind: 'tracepoint', tid: t, chain: c, ip: true });
    const pf = (t: number, c = 0): Step => ({ kind: 'page-faults', tid: t, chain: c, event: 'page-faults' });
    const ip = (i: number): number => 0x7f0000000000 + i;
    // its own thread's, with another thread's records between: paired; the same chain printed by other frame objects too
    expect(run(events([tp(1), tp(2), pf(2), pf(1, 1)]))).toEqual([ip(0), ip(1), ip(1), ip(0)]);
    // another thread's tracepoint alone: not paired
    expect(run(events([tp(2), pf(1)]))).toEqual([ip(0), undefined]);
    // another fault of the thread between (a sample with no tracepoint, a second tracepoint), a syscall, lost records
    expect(run(events([tp(1), pf(1), pf(1)]))).toEqual([ip(0), ip(0), undefined]);
    expect(run(events([tp(1), tp(1, 2), pf(1)]))).toEqual([ip(0), ip(1), undefined]);
    expect(run(events([tp(1), { kind: 'syscall', tid: 1 }, pf(1)]))).toEqual([ip(0), undefined, undefined]);
    expect(run(events([tp(1), { kind: 'lost' }, pf(1)]))).toEqual([ip(0), undefined, undefined]);
    // another chain; a fault the kernel took in kernel mode (its chain starts in the kernel); no user frame at all
    expect(run(events([tp(1, 2), pf(1, 0)]))).toEqual([ip(0), undefined]);
    expect(run(events([tp(1), pf(1, 5)]))).toEqual([ip(0), undefined]);
    expect(run(events([tp(1, 4), pf(1, 4)]))).toEqual([ip(0), undefined]);
  });

  it('pairs the page-faults sample of samples/agree/extra/c with the tracepoint 8 µs before it (libm\'s ifunc resolver, run by ld.so)', async () => {
    const text = gunzipSync(readFileSync('samples/agree/extra/c/arena-dwarf.perf-script.txt.gz')).toString('utf8');
    const pairs = new FaultPairs();
    let found: { ip: number; line: number } | undefined;
    for await (const r of parsePerfScript(text.split('\n'), { source: 'c' })) {
      const e = normalizeRecord(r as TraceRecord);
      if (!isSampleEvent(e)) continue;
      const ip = pairs.ip(e);
      if (e.record.event === 'page-faults' && e.record.stack[0]?.symbol === 'ieee754_acos_ifunc_selector' && ip !== undefined) found = { ip, line: e.record.line };
    }
    // arena 27088 [000] 55722.944359:  exceptions:page_fault_user: address=0x7fde6c51f770 ip=0x7fde6c51f770 error_code=0x14
    // arena 27088 55722.944367:          1                 page-faults:
    //            26770 ieee754_acos_ifunc_selector+0x0 (inlined)
    expect(found?.ip).toBe(0x7fde6c51f770);
    expect(text.split('\n')[found!.line - 1]).toMatch(/^arena 27088 55722\.944367: +1 +page-faults:/);
    // every page-faults sample of a fault in user mode is paired; not those the kernel took in kernel mode
    // (elf_load, __put_user_8), nor one perf printed no frame for
    const user = scriptSamples(text, 'page-faults').filter((x) => x.frames.length > 0 && !isKernel(x.frames[0]!));
    expect(user.length).toBeGreaterThan(100);
    expect(pairs.paired).toBe(user.length);
  });
});
