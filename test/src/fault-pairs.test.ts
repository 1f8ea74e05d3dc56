// FaultPairs: a software fault sample takes the ip of its fault's
// exceptions:page_fault_user tracepoint when that is its thread's record just
// before it, with the same user chain; never another thread's, never across
// another record of its thread, never across lost records. When neither has a
// user frame, only a page-faults sample for one fault, after a tracepoint with
// its kernel frames on a user address: checked against a model of what the
// kernel and perf record, that no pair is two faults'.
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

function record(event: string, tid: number, stack: readonly Frame[], line: number, period = 1): SampleRecord {
  return { kind: 'sample', source: 't', line, comm: 'c', pid: 1, tid, cpu: -1, time: line, period, event, payload: '', stack };
}

// data addresses: two user ones (a sample's equal to a tracepoint's or not), a kernel one (NaN: perf's text past 2^53), none printed
const ADDRESSES = [0x1000, 0x2000, NaN] as const;

type Step =
  | { kind: 'tracepoint'; tid: number; chain: number; ip: boolean; kernel?: boolean; address?: number; period?: number }
  | { kind: 'kernel-tracepoint'; tid: number; chain: number }
  | { kind: 'page-faults'; tid: number; chain: number; event: 'page-faults' | 'minor-faults'; address?: number; period?: number }
  | { kind: 'syscall'; tid: number }
  | { kind: 'lost' };

// The event each step is; a tracepoint's ip is its place in the sequence (so an ip says which record it came from).
// A tracepoint's chain has the kernel's fault entry above its user frames unless `kernel` is false (perf record --user-callchains).
function events(steps: readonly Step[]): (SampleEvent | 'lost')[] {
  return steps.map((s, i): SampleEvent | 'lost' => {
    switch (s.kind) {
      case 'tracepoint': {
        const stack = s.kernel === false ? CHAINS[s.chain]! : [K1, K2, ...CHAINS[s.chain]!];
        const address = s.address === undefined ? 0x1000 + i : ADDRESSES[s.address]!;
        return { kind: 'fault', family: 0, record: record('exceptions:page_fault_user', s.tid, stack, i, s.period), access: { address, ...(s.ip ? { ip: 0x7f0000000000 + i } : {}) } };
      }
      case 'kernel-tracepoint':
        return { kind: 'fault', family: 0, record: record('exceptions:page_fault_kernel', s.tid, [K1, K2, ...CHAINS[s.chain]!], i), access: { address: 0x1000 + i, ip: 0x7f0000000000 + i } };
      case 'page-faults': {
        const address = s.address === undefined ? NaN : ADDRESSES[s.address]!;
        return { kind: 'fault', family: s.event === 'page-faults' ? 1 : 2, record: record(s.event, s.tid, CHAINS[s.chain]!, i, s.period), access: { address } };
      }
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
// chain 4 (no user frame) often: two in a row are the frameless pairs
const chain = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: CHAINS.length - 1 }) }, { weight: 2, arbitrary: fc.constant(4) });
const address = fc.option(fc.integer({ min: 0, max: ADDRESSES.length - 1 }), { nil: undefined });
const period = fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('tracepoint' as const), tid, chain, ip: fc.boolean(), kernel: fc.boolean(), address, period }, { requiredKeys: ['kind', 'tid', 'chain', 'ip'] }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kernel-tracepoint' as const), tid, chain }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('page-faults' as const), tid, chain, event: fc.constantFrom('page-faults' as const, 'minor-faults' as const), address, period }, { requiredKeys: ['kind', 'tid', 'chain', 'event'] }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('syscall' as const), tid }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lost' as const) }) },
);

// A model of what the kernel and perf record, to check the rule against: threads fault (exc_page_fault →
// trace_page_fault_entries, then do_user_addr_fault → perf_sw_event(PAGE_FAULTS) for a user address; a kernel
// address goes to do_kern_addr_fault, which counts none; minor-faults only for a fault that completes), each
// software event counted per thread and CPU and sampled when its period is reached. Each fault's ip is its own.
interface World {
  event: 'page-faults' | 'minor-faults';
  /** Whether chains hold the kernel's frames (false: perf record --user-callchains). */
  kernelChains: boolean;
  /** The software event's period: 1, 2, or new at each sample (-F, frequency mode). */
  period: 1 | 2 | 'freq';
  /** Whether a tracepoint may go unrecorded (a --filter, a period of its own). */
  tracepointsDropped: boolean;
  cpus: 1 | 2;
  /** Whether perf script printed the sample's data address (-F +addr). */
  addresses: boolean;
}

type Act =
  | { kind: 'fault'; tid: number; where: 'user' | 'kernel-address' | 'kernel-mode'; frameless: boolean; at: number; page: number; completes: boolean; dropped: boolean; next: number }
  | { kind: 'migrate'; tid: number }
  | { kind: 'syscall'; tid: number }
  | { kind: 'lost' };

const KCOPY: Frame = { addr: 'ffffffff81b75c0e', symbol: '_copy_from_user', offset: 0x1e, dso: '[kernel.kallsyms]' };
const user = (at: number): Frame => ({ addr: (0x5000 + at).toString(16), symbol: 'f', offset: at, dso: '/lib/x.so' });
// a syscall's own user frame: never a fault's instruction
const SYSCALL: Frame = { addr: '4000', symbol: 'g', offset: 0, dso: '/lib/x.so' };

/** The events perf script prints for `acts` in `world`, each software fault sample with the ip of its fault (undefined: a fault in kernel mode). */
function simulate(world: World, acts: readonly Act[]): { events: (SampleEvent | 'lost')[]; truth: Map<SampleEvent, number | undefined> } {
  const events: (SampleEvent | 'lost')[] = [];
  const truth = new Map<SampleEvent, number | undefined>();
  const cpu = new Map<number, number>();
  // per thread and CPU: faults counted since the last sample, and the period in force
  const counted = new Map<string, number>();
  const periods = new Map<string, number>();
  let line = 0;
  const rec = (event: string, tid: number, stack: readonly Frame[], period = 1): SampleRecord => record(event, tid, stack, ++line, period);
  for (const a of acts) {
    if (a.kind === 'lost') {
      events.push('lost');
      continue;
    }
    if (a.kind === 'migrate') {
      if (world.cpus === 2) cpu.set(a.tid, 1 - (cpu.get(a.tid) ?? 0));
      continue;
    }
    if (a.kind === 'syscall') {
      events.push({ kind: 'other', record: rec('syscalls:sys_enter_mprotect', a.tid, [SYSCALL]) });
      continue;
    }
    // a fault: its runtime ip (a kernel one in kernel mode), its user chain, its data address (a kernel one: NaN, as perf's text past 2^53 reads)
    const ip = a.where === 'kernel-mode' ? undefined : 0x7f0000000000 + a.at;
    const chain: readonly Frame[] = a.frameless ? [] : a.where === 'kernel-mode' ? [SYSCALL] : [user(a.at)];
    const address = a.where === 'kernel-address' ? NaN : 0x1000 * (1 + a.page);
    const kernelFrames = world.kernelChains ? (a.where === 'kernel-mode' ? [KCOPY] : [K1, K2]) : [];
    if (a.where !== 'kernel-mode' && !(world.tracepointsDropped && a.dropped)) {
      events.push({ kind: 'fault', family: 0, record: rec('exceptions:page_fault_user', a.tid, [...kernelFrames, ...chain]), access: { address, ip: ip! } });
    }
    const counts = world.event === 'page-faults' ? a.where !== 'kernel-address' : a.where !== 'kernel-address' && a.completes;
    if (!counts) continue;
    const key = `${a.tid} ${cpu.get(a.tid) ?? 0}`;
    const n = (counted.get(key) ?? 0) + 1;
    const period = periods.get(key) ?? (world.period === 'freq' ? 1 : world.period);
    if (n < period) {
      counted.set(key, n);
      continue;
    }
    counted.set(key, 0);
    periods.set(key, world.period === 'freq' ? a.next : period);
    const stack = a.where === 'kernel-mode' ? [...kernelFrames, ...chain] : chain;
    const e: SampleEvent = { kind: 'fault', family: world.event === 'page-faults' ? 1 : 2, record: rec(world.event, a.tid, stack, n), access: { address: world.addresses ? address : NaN } };
    events.push(e);
    truth.set(e, ip);
  }
  return { events, truth };
}

const world: fc.Arbitrary<World> = fc.record({
  event: fc.constantFrom('page-faults' as const, 'minor-faults' as const),
  kernelChains: fc.boolean(),
  period: fc.constantFrom(1 as const, 2 as const, 'freq' as const),
  tracepointsDropped: fc.boolean(),
  cpus: fc.constantFrom(1 as const, 2 as const),
  addresses: fc.boolean(),
});
const act: fc.Arbitrary<Act> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('fault' as const),
      tid: fc.integer({ min: 1, max: 2 }),
      where: fc.constantFrom('user' as const, 'user' as const, 'kernel-address' as const, 'kernel-mode' as const),
      // most with no user frame: the pairs only the rule for frameless records can tell
      frameless: fc.constantFrom(true, true, true, false),
      // instructions and pages recur: two faults may share either
      at: fc.integer({ min: 0, max: 3 }),
      page: fc.integer({ min: 0, max: 1 }),
      completes: fc.boolean(),
      dropped: fc.boolean(),
      next: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('migrate' as const), tid: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('syscall' as const), tid: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lost' as const) }) },
);

describe('FaultPairs', () => {
  it("gives a page-faults sample the ip of its thread's tracepoint just before it, with the same user chain (when none, for one fault on a user address, the tracepoint with its kernel frames), and nothing else", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 20, maxLength: 60 }), (steps) => {
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
          const framed = user !== undefined && user.length > 0;
          // neither has a user frame: a page-faults sample for one fault (its data address, when printed, the tracepoint's);
          // the tracepoint for one fault, on a user address, its kernel frames printed
          const frameless =
            tp !== undefined &&
            !framed &&
            e.record.stack.length === 0 &&
            e.record.event === 'page-faults' &&
            e.record.period === 1 &&
            (Number.isNaN(e.access.address) || e.access.address === tp.access.address) &&
            tp.record.period === 1 &&
            tp.access.address < 2 ** 47 - 4096 &&
            tp.record.stack.length > 0;
          const pairs = tp !== undefined && tp.access.ip !== undefined && ((framed && same(user, e.record.stack)) || frameless);
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
      { numRuns: 2000 },
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
    // another chain; a fault the kernel took in kernel mode (its chain starts in the kernel); one of the two with no user frame
    expect(run(events([tp(1, 2), pf(1, 0)]))).toEqual([ip(0), undefined]);
    expect(run(events([tp(1), pf(1, 5)]))).toEqual([ip(0), undefined]);
    expect(run(events([tp(1, 4), pf(1, 0)]))).toEqual([ip(0), undefined]);
    expect(run(events([tp(1, 0), pf(1, 4)]))).toEqual([ip(0), undefined]);
  });

  it('pairs two records with no user frame only as one fault: page-faults, for one fault, on a user address, kernel frames printed, the same data address', () => {
    const tp = (o: Partial<Extract<Step, { kind: 'tracepoint' }>> = {}): Step => ({ kind: 'tracepoint', tid: 1, chain: 4, ip: true, address: 0, ...o });
    const pf = (o: Partial<Extract<Step, { kind: 'page-faults' }>> = {}): Step => ({ kind: 'page-faults', tid: 1, chain: 4, event: 'page-faults', ...o });
    const ip = 0x7f0000000000;
    // threads 2182 [000] 11895.892186:  exceptions:page_fault_user: address=0x7f9e30411f78 ip=0x7f9e3053f8ea error_code=0x6   (kernel frames only)
    // threads 2182 11895.892210:          1                 page-faults:
    expect(run(events([tp(), pf()]))).toEqual([ip, ip]);
    expect(run(events([tp(), pf({ address: 0 })]))).toEqual([ip, ip]);
    // minor-faults: not counted for a fault that ends in a signal, so the sample may be a later fault's
    expect(run(events([tp(), pf({ event: 'minor-faults' })]))).toEqual([ip, undefined]);
    // a sample for two faults (the one before it may have no sample, its tracepoint this one)
    expect(run(events([tp(), pf({ period: 2 })]))).toEqual([ip, undefined]);
    // a tracepoint printed for two faults (-F +period): the sample's may be unrecorded
    expect(run(events([tp({ period: 2 }), pf()]))).toEqual([ip, undefined]);
    // a fault on a kernel address: no page-faults sample of its own
    expect(run(events([tp({ address: 2 }), pf()]))).toEqual([ip, undefined]);
    // no kernel frames (--user-callchains): a fault the kernel took in kernel mode prints none either
    expect(run(events([tp({ kernel: false }), pf()]))).toEqual([ip, undefined]);
    // another data address: another fault
    expect(run(events([tp(), pf({ address: 1 })]))).toEqual([ip, undefined]);
  });

  it('pairs the page-faults sample of samples/agree/extra/c with the tracepoint 8 µs before it (libm\'s ifunc resolver, run by ld.so)', async () => {
    const text = gunzipSync(readFileSync('samples/agree/extra/c/arena-dwarf.perf-script.txt.gz')).toString('utf8');
    const pairs = new FaultPairs();
    let found: { ip: number; line: number } | undefined;
    const frameless: { ip: number | undefined; line: number }[] = [];
    for await (const r of parsePerfScript(text.split('\n'), { source: 'c' })) {
      const e = normalizeRecord(r as TraceRecord);
      if (!isSampleEvent(e)) continue;
      const ip = pairs.ip(e);
      if (e.record.event === 'page-faults' && e.record.stack[0]?.symbol === 'ieee754_acos_ifunc_selector' && ip !== undefined) found = { ip, line: e.record.line };
      if (e.record.event === 'page-faults' && e.record.stack.length === 0) frameless.push({ ip, line: e.record.line });
    }
    // arena 27088 [000] 55722.944359:  exceptions:page_fault_user: address=0x7fde6c51f770 ip=0x7fde6c51f770 error_code=0x14
    // arena 27088 55722.944367:          1                 page-faults:
    //            26770 ieee754_acos_ifunc_selector+0x0 (inlined)
    expect(found?.ip).toBe(0x7fde6c51f770);
    expect(text.split('\n')[found!.line - 1]).toMatch(/^arena 27088 55722\.944367: +1 +page-faults:/);
    // the one perf printed no frame for, after its tracepoint with none but the kernel's (ld.so's _dl_catch_exception+0xe):
    // arena 27088 [000] 55722.939947:  exceptions:page_fault_user: address=0x7ffc65f0bfb8 ip=0x7fde6c614ec1 error_code=0x6
    // arena 27088 55722.939954:          1                 page-faults:
    expect(frameless).toEqual([{ ip: 0x7fde6c614ec1, line: text.split('\n').findIndex((l) => l.startsWith('arena 27088 55722.939954:')) + 1 }]);
    // every page-faults sample of a fault in user mode is paired; not those the kernel took in kernel mode (elf_load, __put_user_8)
    const user = scriptSamples(text, 'page-faults').filter((x) => x.frames.length === 0 || !isKernel(x.frames[0]!));
    expect(user.length).toBeGreaterThan(100);
    expect(pairs.paired).toBe(user.length);
  });
  it('pairs the page-faults sample of samples/findings/cow printed with its data address and no frame (-F …,addr: its DWARF chain came out empty)', async () => {
    const text = gunzipSync(readFileSync('samples/findings/cow.perf-script.txt.gz')).toString('utf8');
    const pairs = new FaultPairs();
    const frameless: { ip: number | undefined; addr: string | undefined; line: number }[] = [];
    for await (const r of parsePerfScript(text.split('\n'), { source: 'cow' })) {
      const e = normalizeRecord(r as TraceRecord);
      if (!isSampleEvent(e)) continue;
      const ip = pairs.ip(e);
      if (e.record.event === 'page-faults' && e.record.stack.length === 0) frameless.push({ ip, addr: e.record.addr, line: e.record.line });
    }
    // cow 22542/22542 [001] 11575.203565:       exceptions:page_fault_user: address=0x7ffeed070f60 ip=0x7f77db98d3be error_code=0x6               0
    // cow 22542/22542 [001] 11575.203569:                      page-faults:     7ffeed070f60 [unknown] ([stack])
    // (ld.so at 0x7f77db975000: 0x183be, _dl_catch_exception+0xe, the chains' _dl_catch_exception+0x60 being 0x18410)
    expect(frameless).toEqual([{ ip: 0x7f77db98d3be, addr: '7ffeed070f60', line: 352 }]);
    expect(text.split('\n')[351]).toMatch(/^cow 22542\/22542 \[001\] 11575\.203569: +page-faults: +7ffeed070f60 /);
  });

  it("never gives a sample another fault's ip, whatever perf recorded (a model of the kernel's events), but where the trace cannot tell", () => {
    fc.assert(
      fc.property(world, fc.array(act, { minLength: 10, maxLength: 60 }), (w, acts) => {
        const { events: evs, truth } = simulate(w, acts);
        const ips = run(evs);
        // what the trace does not print: a tracepoint left unrecorded, while the thread's fault before was counted on another CPU's counter
        const blind = w.tracepointsDropped && w.cpus === 2 && w.period === 'freq';
        evs.forEach((e, i) => {
          if (e === 'lost' || !truth.has(e) || ips[i] === undefined || blind) return;
          // an ip given is the sample's own fault's (faults at one instruction share it); a fault in kernel mode has none
          expect(ips[i]).toBe(truth.get(e));
        });
      }),
      { numRuns: 5000 },
    );
  });

  it('where the trace cannot tell: a tracepoint left unrecorded after the thread moved CPU, in frequency mode', () => {
    const w: World = { event: 'page-faults', kernelChains: true, period: 'freq', tracepointsDropped: true, cpus: 2, addresses: false };
    const fault = (at: number, o: Partial<Extract<Act, { kind: 'fault' }>> = {}): Act => ({ kind: 'fault', tid: 1, where: 'user', frameless: true, at, page: 0, completes: true, dropped: false, next: 2, ...o });
    // CPU 0 samples fault 0 and counts fault 1 toward its next sample; on CPU 1, fault 2's tracepoint is not recorded and its sample is
    const { events: evs, truth } = simulate(w, [fault(0), fault(1), { kind: 'migrate', tid: 1 }, fault(2, { dropped: true })]);
    const ips = run(evs);
    const samples = evs.flatMap((e, i) => (e !== 'lost' && truth.has(e) ? [[truth.get(e), ips[i]]] : []));
    expect(samples).toEqual([
      [0x7f0000000000, 0x7f0000000000],
      [0x7f0000000002, 0x7f0000000001],
    ]);
  });

  it('pairs every page-faults sample of a fault in user mode, framed or not, when every fault is recorded (-c 1, kernel chains)', () => {
    const full: World = { event: 'page-faults', kernelChains: true, period: 1, tracepointsDropped: false, cpus: 2, addresses: false };
    fc.assert(
      fc.property(fc.array(act, { maxLength: 60 }), fc.boolean(), (acts, addresses) => {
        const { events: evs, truth } = simulate({ ...full, addresses }, acts.filter((a) => a.kind !== 'lost'));
        const ips = run(evs);
        evs.forEach((e, i) => {
          if (e !== 'lost' && truth.has(e)) expect(ips[i]).toBe(truth.get(e));
        });
      }),
      { numRuns: 500 },
    );
  });
});
