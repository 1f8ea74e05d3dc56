// The protection timeline on the real captures in samples/protection (see its
// record.sh). Each expectation is cross-checked against an independent count
// made here from the same records or from the raw text.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parsePerfScript } from '../../parsers/perf-script.js';
import { parsePerfTrace } from '../../parsers/perf-trace.js';
import { normalizeRecord, readFault, readTlbFlush, TLB_FLUSH_REASONS } from '../../src/events.js';
import type { Diagnostic, Frame, ProtectionChange, SampleRecord, TaskRecord, TraceRecord } from '../../src/model.js';
import { isKernelDso } from '../../src/dso.js';
import type { FaultAttribution, ProtectionOptions } from '../../src/memory/index.js';
import { defaultSiteOf, ProtectionTimeline, protText } from '../../src/memory/index.js';

const dir = fileURLToPath(new URL('../../samples/protection/', import.meta.url));
const PAGE = 4096;

function text(name: string): string {
  const raw = readFileSync(dir + name);
  return (name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
}

// ---------------------------------------------------------------- reading the captures

const parserDiagnostics: Diagnostic[] = [];

async function readPerfScript(name: string): Promise<TraceRecord[]> {
  const out: TraceRecord[] = [];
  for await (const r of parsePerfScript(text(name).split('\n'), { source: name, onDiagnostic: (d) => parserDiagnostics.push(d) })) out.push(r);
  return out;
}

const captures = {
  guard: await readPerfScript('guard.perf-script.txt.gz'),
  guardPid: await readPerfScript('guard.perf-script-pid.txt.gz'),
  cow: await readPerfScript('cow.perf-script.txt'),
  threads: await readPerfScript('threads.perf-script.txt'),
  threadsPid: await readPerfScript('threads.perf-script-pid.txt'),
  jit: await readPerfScript('jit.perf-script.txt'),
  mapping: await readPerfScript('mapping.perf-script.txt'),
};

it('the perf script parser reads every capture', () => {
  expect(parserDiagnostics).toEqual([]);
  // every header line is a record
  const headers = text('cow.perf-script.txt').split('\n').filter((l) => /^\S/.test(l)).length;
  expect(captures.cow).toHaveLength(headers);
});

async function readPerfTrace(name: string): Promise<TraceRecord[]> {
  const out: TraceRecord[] = [];
  for await (const r of parsePerfTrace(text(name).split('\n'), { source: name })) out.push(r);
  return out;
}

const samples = (records: readonly TraceRecord[]): SampleRecord[] => records.filter((r): r is SampleRecord => r.kind === 'sample');
const userFrames = (r: SampleRecord): Frame[] => r.stack.filter((f) => !isKernelDso(f.dso));

// The faulting instruction: the first user frame, keyed by dso and symbol.
const NO_FRAME: Frame = { addr: '', symbol: '[unknown]', offset: -1, dso: '' };
const faultFrame = (r: SampleRecord): Frame => userFrames(r)[0] ?? NO_FRAME;
function frameKey(f: Frame): string {
  if (f === NO_FRAME) return '[unknown]';
  return f.offset >= 0 ? `${basename(f.dso)}:${f.symbol}+0x${f.offset.toString(16)}` : `${basename(f.dso)}:${f.symbol}`;
}
const instructionKey = (r: SampleRecord): string => frameKey(faultFrame(r));

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

// ---------------------------------------------------------------- a listing-based site
// What the pipeline injects as siteOf: with frame-pointer callchains perf
// loses the libc wrapper's direct caller, so the first program frame is the
// return address in the caller's caller. The listing names the function that
// `call` went to; when that function calls the wrapper's PLT entry exactly
// once, that call is the site. From `objdump -dl`:
//   000000000000124e ... call   11d9 <unprotect_page>
//   00000000000011e9 ... call   10b0 <mprotect@plt>
interface Listed {
  addr: number;
  size: number;
  text: string;
  fn: string;
}

function listingSiteOf(program: string): { siteOf: (r: SampleRecord) => string; callSite: (fn: string) => string } {
  const fnAddr = new Map<string, number>();
  const insns: Listed[] = [];
  let fn = '';
  for (const line of text(`${program}.objdump-dl.txt`).split('\n')) {
    const h = /^([0-9a-f]+) <(.+)>:$/.exec(line);
    if (h !== null) {
      fn = h[2]!;
      fnAddr.set(fn, parseInt(h[1]!, 16));
      continue;
    }
    const m = /^\s+([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t(.*)$/.exec(line);
    if (m !== null) insns.push({ addr: parseInt(m[1]!, 16), size: m[2]!.trim().split(' ').length, text: m[3]!, fn });
  }
  const wrapperCalls = (f: string): Listed[] => insns.filter((i) => i.fn === f && /call\s+[0-9a-f]+ <(mprotect|munmap|mmap|mremap|syscall)@plt>/.test(i.text));
  const key = (i: Listed): string => `${program}:${i.fn}+0x${(i.addr - fnAddr.get(i.fn)!).toString(16)}`;
  const siteOf = (r: SampleRecord): string => {
    const frames = userFrames(r);
    const caller = frames.find((f) => basename(f.dso) === program);
    if (caller === undefined || caller === frames[0] || caller.offset < 0) return defaultSiteOf(r);
    const ret = fnAddr.get(caller.symbol)! + caller.offset;
    const call = insns.find((i) => i.addr + i.size === ret);
    const target = call === undefined ? undefined : /call\s+[0-9a-f]+ <([^>@]+)>$/.exec(call.text)?.[1];
    const inner = target === undefined ? [] : wrapperCalls(target);
    if (inner.length === 1) return key(inner[0]!);
    return call === undefined ? defaultSiteOf(r) : key(call);
  };
  const callSite = (f: string): string => {
    const calls = wrapperCalls(f);
    expect(calls).toHaveLength(1);
    return key(calls[0]!);
  };
  return { siteOf, callSite };
}

// ---------------------------------------------------------------- running the timeline

interface Noted {
  record: SampleRecord;
  address: number;
  errorCode: number | undefined;
  attribution: FaultAttribution;
}

interface Run {
  timeline: ProtectionTimeline;
  faults: Noted[];
  diagnostics: Diagnostic[];
}

// Feeds every record, notes every exceptions:page_fault_user (the software
// page-faults event counts the same faults again), and lets `at` look at the
// timeline right after each record.
function run(records: readonly TraceRecord[], options: ProtectionOptions = {}, at?: (r: TraceRecord, t: ProtectionTimeline) => void): Run {
  const diagnostics: Diagnostic[] = [];
  const timeline = new ProtectionTimeline({ keepHistory: true, instructionKey: frameKey, ...options, onDiagnostic: (d) => diagnostics.push(d) });
  const faults: Noted[] = [];
  for (const r of records) {
    timeline.add(normalizeRecord(r));
    if (r.kind === 'sample' && r.event === 'exceptions:page_fault_user') {
      const f = readFault(r)!;
      const attribution = timeline.noteFault({
        pid: r.pid,
        tid: r.tid,
        cpu: r.cpu,
        time: r.time,
        address: f.address,
        ...(f.errorCode === undefined ? {} : { errorCode: f.errorCode }),
        site: faultFrame(r),
        value: r.period,
      });
      faults.push({ record: r, address: f.address, errorCode: f.errorCode, attribution });
    }
    at?.(r, timeline);
  }
  return { timeline, faults, diagnostics };
}

// Independent model: the last successful protection call covering each page, per process, from the raw records.
function mprotectFields(r: SampleRecord): { start: number; len: number; prot: number } {
  const m = /start: 0x([0-9a-f]+), len: 0x([0-9a-f]+), prot: 0x([0-9a-f]+)/.exec(r.payload)!;
  return { start: parseInt(m[1]!, 16), len: parseInt(m[2]!, 16), prot: parseInt(m[3]!, 16) };
}

function site(t: ProtectionTimeline, key: string) {
  const s = t.summary().find((x) => x.site === key);
  expect(s, `site ${key}`).toBeDefined();
  return s!;
}

// ---------------------------------------------------------------- guard

describe('guard: the write barrier (4 rounds × 16 pages)', () => {
  const records = captures.guard;
  const { siteOf, callSite } = listingSiteOf('guard');
  const young = callSite('protect_young');
  const old = callSite('protect_old');
  const handler = callSite('unprotect_page');
  const result = run(records, { siteOf });
  const denied = result.faults.filter((f) => f.attribution.denied);

  it('reads every protection record', () => {
    expect(result.diagnostics).toEqual([]);
  });

  it('attributes each guard-page fault to the mprotect that preceded it', () => {
    // independent: the last sys_enter_mprotect of a read-only protection whose range covers the address
    const covering = new Map<number, SampleRecord>();
    const expected = new Map<SampleRecord, SampleRecord>();
    for (const r of samples(records)) {
      if (r.event === 'syscalls:sys_enter_mprotect') {
        const { start, len } = mprotectFields(r);
        for (let p = start; p < start + len; p += PAGE) covering.set(p, r);
      } else if (r.event === 'exceptions:page_fault_user') {
        const f = readFault(r)!;
        const c = covering.get(f.address - (f.address % PAGE));
        if (c !== undefined && f.errorCode === 0x7 && mprotectFields(c).prot === 1) expected.set(r, c);
      }
    }
    expect(expected.size).toBe(64);
    expect(denied).toHaveLength(64);
    for (const f of denied) {
      const want = expected.get(f.record);
      expect(want, `${f.record.source}:${f.record.line}`).toBeDefined();
      expect(f.attribution.change?.line).toBe(want!.line);
      expect(f.attribution.class).toBe('write-to-read-only');
      expect(f.attribution.sinceChange).toBeCloseTo(f.record.time - want!.time, 9);
    }
  });

  it('counts calls and faults per site as the trace shows them', () => {
    // independent: calls by the first program frame (the return address into main after `call protect_young`/`protect_old`)
    const byCaller = new Map<string, number>();
    for (const r of samples(records)) {
      if (r.event !== 'syscalls:sys_enter_mprotect') continue;
      const f = userFrames(r).find((x) => basename(x.dso) === 'guard');
      if (f !== undefined) byCaller.set(`${f.symbol}+0x${f.offset.toString(16)}`, (byCaller.get(`${f.symbol}+0x${f.offset.toString(16)}`) ?? 0) + 1);
    }
    const y = site(result.timeline, young);
    const o = site(result.timeline, old);
    const h = site(result.timeline, handler);
    expect([...byCaller.values()].sort((a, b) => a - b)).toEqual([32, 32, 64]);
    expect(y.calls).toEqual({ mprotect: 32 });
    expect(o.calls).toEqual({ mprotect: 32 });
    expect(h.calls).toEqual({ mprotect: 64 });
    expect(y.prots).toEqual({ 'r--': 32 });
    expect(h.prots).toEqual({ 'rw-': 64 });
    expect(y.faults + o.faults).toBe(denied.length);
    expect(y.faults).toBe(denied.filter((f) => f.attribution.change?.site === young).length);
    expect(y.faults).toBe(32);
    expect(o.faults).toBe(32);
    expect(y.classes).toEqual({ 'write-to-read-only': 32 });
    expect(y.denied).toBe(32);
    expect(y.pages).toBe(32);
    expect(y.failed).toBe(0);
  });

  it('lists the handler’s changes with 0 faults', () => {
    const h = site(result.timeline, handler);
    expect(h.faults).toBe(0);
    expect(h.instructions).toEqual([]);
    const zero = result.timeline.changes().filter((c) => c.change.site === handler);
    expect(zero).toHaveLength(64);
    expect(zero.every((c) => c.faults === 0 && !c.failed)).toBe(true);
  });

  it('finds 64 retry cycles, each closed by unprotect_page, split by protection site and instruction', () => {
    const y = site(result.timeline, young);
    const o = site(result.timeline, old);
    expect(y.cycles + o.cycles).toBe(64);
    // independent: pages i % 4 == 0 take write_header, the rest write_field; even pages are young
    const count = (s: string, fn: string): number => denied.filter((f) => f.attribution.change?.site === s && instructionKey(f.record).startsWith(`guard:${fn}+`)).length;
    const cycles = (s: typeof y, fn: string): number => s.instructions.filter((i) => i.instruction.startsWith(`guard:${fn}+`)).reduce((n, i) => n + i.cycles, 0);
    expect([count(young, 'write_header'), count(young, 'write_field'), count(old, 'write_field'), count(old, 'write_header')]).toEqual([16, 16, 32, 0]);
    expect(cycles(y, 'write_header')).toBe(16);
    expect(cycles(y, 'write_field')).toBe(16);
    expect(cycles(o, 'write_field')).toBe(32);
    for (const i of [...y.instructions, ...o.instructions]) expect(i.handlers).toEqual({ [handler]: i.cycles });
  });

  it('attributes each TLB flush to the call it happened in, per site and reason', () => {
    // independent: a flush between a thread's sys_enter_X and its sys_exit_X belongs to that call
    // (flushes in a fault's path, do_wp_page, go to the site of the faulting page: test/src/tlb-callchain.test.ts)
    const open = new Map<number, SampleRecord>();
    const want = new Map<string, number>();
    let outside = 0;
    let outsideInFaults = 0;
    for (const r of samples(records)) {
      const m = /^syscalls:sys_(enter|exit)_/.exec(r.event);
      if (m?.[1] === 'enter') open.set(r.tid, r);
      else if (m?.[1] === 'exit') open.delete(r.tid);
      else if (r.event === 'tlb:tlb_flush') {
        const call = open.get(r.tid);
        if (call === undefined) {
          outside++;
          if (r.stack.some((f) => f.symbol === 'do_wp_page')) outsideInFaults++;
        } else want.set(siteOf(call), (want.get(siteOf(call)) ?? 0) + 1);
      }
    }
    const sum = (r: Readonly<Record<string, number>>, keep: (cause: string) => boolean): number => Object.entries(r).reduce((n, [c, v]) => n + (keep(c) ? v : 0), 0);
    const summary = result.timeline.summary();
    const inCalls = summary.map((s) => [s.site, sum(s.tlbFlushCauses ?? {}, (c) => c.startsWith('inside '))] as const);
    expect(new Map(inCalls.filter(([, n]) => n > 0))).toEqual(want);
    const got = new Map(summary.map((s) => [s.site, s.tlbFlushes]));
    expect(got.get(young)).toEqual({ TLB_LOCAL_MM_SHOOTDOWN: 32 });
    expect(got.get(handler)).toEqual({ TLB_LOCAL_MM_SHOOTDOWN: 64 });
    const inFaults = summary.reduce((n, s) => n + sum(s.tlbFlushCauses ?? {}, (c) => c.endsWith(' fault')), 0);
    expect(inFaults).toBeLessThanOrEqual(outsideInFaults);
    const unattributed = Object.values(result.timeline.report().unattributedFlushes).reduce((a, b) => a + b, 0);
    expect(unattributed + inFaults).toBe(outside);
  });

  it('gives the same summary from the -F +pid capture', () => {
    const pid = run(captures.guardPid, { siteOf: listingSiteOf('guard').siteOf });
    const strip = (t: ProtectionTimeline) => t.summary().map(({ firstTime, lastTime, sinceChange, ...rest }) => rest);
    expect(strip(pid.timeline)).toEqual(strip(result.timeline));
  });

  it('keys sites by the first frame outside libc and ld.so by default', () => {
    const plain = run(records);
    const sites = plain.timeline.summary().map((s) => s.site);
    // perf lost protect_young's frame: the default site is its caller's call
    expect(sites.filter((s) => s.startsWith('/work/main/samples/protection/guard:'))).toEqual(
      expect.arrayContaining(['/work/main/samples/protection/guard:main+0xbd', '/work/main/samples/protection/guard:main+0xc2', '/work/main/samples/protection/guard:on_segv+0x55']),
    );
    // ld.so's own calls have no frame outside ld.so: the leaf
    expect(sites.some((s) => s.startsWith('/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2:'))).toBe(true);
    expect(plain.timeline.summary().find((s) => s.site.endsWith('guard:on_segv+0x55'))!.calls).toEqual({ mprotect: 64 });
  });
});

// ---------------------------------------------------------------- cow

describe('cow: fork copies the protection map', () => {
  const records = captures.cow;
  const fork = records.find((r): r is TaskRecord => r.kind === 'fork')!;
  const parent = fork.ppid!;
  const child = fork.pid;
  const { siteOf, callSite } = listingSiteOf('cow');
  const seal = callSite('seal_page');
  const unseal = callSite('unseal_page');
  const sealRecord = samples(records).find((r) => r.event === 'syscalls:sys_enter_mprotect' && siteOf(r) === seal)!;
  const page1 = mprotectFields(sealRecord).start;
  const page0 = page1 - PAGE;
  let lastParentFault: { parentPage1?: ProtectionChange; childPage1?: ProtectionChange; parentPage0?: ProtectionChange } = {};
  const result = run(records, { siteOf }, (r, t) => {
    if (r.kind === 'sample' && r.event === 'exceptions:page_fault_user' && r.tid === parent && readFault(r)!.address === page0) {
      lastParentFault = { parentPage1: t.covering(-1, parent, page1), childPage1: t.covering(-1, child, page1), parentPage0: t.covering(-1, parent, page0) };
    }
  });
  const byChild = result.faults.filter((f) => f.record.tid === child && (f.address === page0 || f.address === page1));

  it('attributes the child’s write to the parent’s seal, copied at the fork', () => {
    const sealed = byChild.find((f) => f.address === page1)!;
    expect(sealed.errorCode).toBe(0x7);
    expect(sealed.attribution.change).toMatchObject({ call: 'mprotect', pid: parent, tid: parent, site: seal, prot: 1, line: sealRecord.line });
    expect(sealed.attribution.class).toBe('write-to-read-only');
    expect(sealed.attribution.denied).toBe(true);
    expect(sealed.attribution.sinceChange).toBeGreaterThan(fork.time - sealRecord.time);
  });

  it('sees the retry fault as copy-on-write under the child’s own handler change, and counts one cycle', () => {
    const [first, retry] = byChild.filter((f) => f.address === page1);
    expect(first).toBeDefined();
    expect(retry!.attribution.change).toMatchObject({ tid: child, pid: child, site: unseal, prot: 3 });
    expect(retry!.attribution.class).toBe('copy-on-write');
    expect(retry!.attribution.denied).toBe(false);
    const s = site(result.timeline, seal);
    expect(s.cycles).toBe(1);
    expect(s.instructions).toEqual([{ instruction: instructionKey(first!.record), faults: 1, classes: { 'write-to-read-only': 1 }, cycles: 1, handlers: { [unseal]: 1 } }]);
  });

  it('classes the plain writes after the fork as copy-on-write under the parent’s mmap', () => {
    const cow = result.faults.filter((f) => f.address === page0 && f.errorCode === 0x7);
    expect(cow.map((f) => f.record.tid)).toEqual([child, parent]);
    for (const f of cow) {
      expect(f.attribution.class).toBe('copy-on-write');
      expect(f.attribution.change).toMatchObject({ call: 'mmap', tid: parent, prot: 3, start: page0, end: page0 + 2 * PAGE });
    }
  });

  it('keeps the two maps apart: the child’s unseal does not reach the parent', () => {
    expect(lastParentFault.parentPage1).toMatchObject({ site: seal, tid: parent });
    expect(lastParentFault.childPage1).toMatchObject({ site: unseal, tid: child });
    expect(lastParentFault.parentPage0).toMatchObject({ call: 'mmap' });
  });

  it('without FORK records cannot give the child its parent’s map', () => {
    const blind = run(
      records.filter((r) => r.kind !== 'fork'),
      { siteOf },
    );
    const childFaults = blind.faults.filter((f) => f.record.tid === child && (f.address === page0 || f.address === page1));
    expect(childFaults.length).toBe(byChild.length);
    // the faults the parent's changes covered are uncovered now; the retry is still under the child's own unseal
    const lostCover = byChild.filter((f) => f.attribution.change?.tid === parent);
    expect(lostCover.length).toBe(2);
    expect(childFaults.filter((f) => f.attribution.change?.tid === parent)).toEqual([]);
    // every child fault the parent's copied map covered (ld.so's mmaps of libc included) is uncovered now
    const inherited = result.faults.filter((f) => f.record.tid === child && f.attribution.change?.pid === parent).length;
    expect(inherited).toBeGreaterThan(lostCover.length);
    expect(blind.timeline.report().uncoveredFaults - result.timeline.report().uncoveredFaults).toBe(inherited);
  });
});

// ---------------------------------------------------------------- threads

describe('threads: first touch from two threads, a shootdown by IPI', () => {
  const records = captures.threads;
  const forks = records.filter((r): r is TaskRecord => r.kind === 'fork');
  const main = forks[0]!.pid;
  const workers = forks.map((f) => f.tid);
  const seal = samples(records).find((r) => r.event === 'syscalls:sys_enter_mprotect' && userFrames(r).some((f) => f.symbol === 'main'))!;
  const area = mprotectFields(seal); // seal_area covers the whole area
  const inArea = (a: number): boolean => a >= area.start && a < area.start + area.len;
  const { siteOf, callSite } = listingSiteOf('threads');
  const result = run(records, { siteOf });
  const touches = result.faults.filter((f) => workers.includes(f.record.tid) && inArea(f.address));

  it('covers both threads’ first touches with main’s mmap, placed by its exit record', () => {
    // independent: fault lines in the area from the two threads, in the raw text
    const raw = [...text('threads.perf-script.txt').matchAll(/^threads\s+(\d+) .*page_fault_user: address=0x([0-9a-f]+) .*error_code=0x([0-9a-f]+)$/gm)].filter(
      (m) => workers.includes(Number(m[1])) && inArea(parseInt(m[2]!, 16)),
    );
    expect(touches).toHaveLength(raw.length);
    expect(touches).toHaveLength(8);
    for (const f of touches) {
      expect(f.attribution.change).toMatchObject({ call: 'mmap', pid: main, tid: main, start: area.start, end: area.start + area.len, prot: 3 });
      expect(f.attribution.class).toBe(f.errorCode === 0x6 ? 'first-touch-write' : 'first-touch-read');
    }
    expect(touches.filter((f) => f.attribution.class === 'first-touch-write')).toHaveLength(4);
    expect(touches.filter((f) => f.attribution.class === 'first-touch-read')).toHaveLength(4);
  });

  it('without FORK records keys each thread by its tid and sees no change', () => {
    const blind = run(records.filter((r) => r.kind !== 'fork'));
    const t = blind.faults.filter((f) => workers.includes(f.record.tid) && inArea(f.address));
    expect(t).toHaveLength(8);
    expect(t.every((f) => f.attribution.change === undefined)).toBe(true);
    expect(blind.timeline.report().unresolvedThreads).toBe(2);
  });

  it('with pid/tid in the header needs no FORK records', () => {
    const pid = run(captures.threadsPid.filter((r) => r.kind !== 'fork'));
    const t = pid.faults.filter((f) => workers.includes(f.record.tid) && inArea(f.address));
    expect(t).toHaveLength(8);
    expect(t.every((f) => f.attribution.change?.call === 'mmap' && f.attribution.change.pid === main)).toBe(true);
    expect(pid.timeline.report().unresolvedThreads).toBe(0);
  });

  it('attributes the IPI send and the local flush to seal_area', () => {
    const s = site(result.timeline, callSite('seal_area'));
    expect(s.tlbFlushes).toEqual({ TLB_LOCAL_MM_SHOOTDOWN: 1, TLB_REMOTE_SEND_IPI: 1 });
    expect(s.faults).toBe(0);
    const all = result.timeline.summary().reduce((n, x) => n + (x.tlbFlushes.TLB_REMOTE_SEND_IPI ?? 0), 0);
    expect(all).toBe((text('threads.perf-script.txt').match(/reason:remote IPI send \(4\)/g) ?? []).length);
  });
});

// ---------------------------------------------------------------- jit

describe('jit: a code page sealed without exec', () => {
  const records = captures.jit;
  const { siteOf, callSite } = listingSiteOf('jit');
  const sealData = callSite('seal_data');
  const sealCode = callSite('seal_code');
  const makeExec = callSite('make_executable');
  const reseal = callSite('reseal_code');
  const pkeyRecord = samples(records).find((r) => r.event === 'syscalls:sys_enter_pkey_mprotect')!;
  const codePage = mprotectFields(pkeyRecord).start;
  const coverage: (ProtectionChange | undefined)[] = [];
  const result = run(records, { siteOf }, (r, t) => {
    if (r.kind === 'sample' && r.line >= pkeyRecord.line && /^syscalls:sys_(enter|exit)_(munmap|pkey_mprotect)$/.test(r.event)) coverage.push(t.covering(r.pid, r.tid, codePage));
  });

  it('classes the call into the read-only page as an exec fault, denied by seal_data', () => {
    const exec = result.faults.filter((f) => f.errorCode === 0x15);
    expect(exec).toHaveLength(1);
    const f = exec[0]!;
    expect(f.record.stack.find((x) => !isKernelDso(x.dso))?.dso).toBe('//anon');
    expect(f.attribution).toMatchObject({ class: 'nx-violation', denied: true, prot: 1 });
    expect(f.attribution.change).toMatchObject({ site: sealData, call: 'mprotect', start: f.address, end: f.address + PAGE });
    const s = site(result.timeline, sealData);
    expect(s.cycles).toBe(1);
    expect(s.instructions[0]!.handlers).toEqual({ [makeExec]: 1 });
    expect(site(result.timeline, sealCode).faults).toBe(0);
  });

  it('follows pkey_mprotect like mprotect, and munmap clears', () => {
    const s = site(result.timeline, reseal);
    expect(s.calls).toEqual({ pkey_mprotect: 1 });
    expect(s.prots).toEqual({ 'r-x': 1 });
    const change = result.timeline.changes().find((c) => c.change.call === 'pkey_mprotect')!.change;
    expect(change).toMatchObject({ pkey: -1, prot: 5, start: codePage, end: codePage + PAGE });
    // after pkey_mprotect's enter and exit: it covers the page; after munmap's enter and exit: nothing
    expect(coverage.map((c) => c?.call)).toEqual(['pkey_mprotect', 'pkey_mprotect', undefined]);
  });

  it('reads the perf trace capture of another run to the same result', async () => {
    const trace = await readPerfTrace('jit.perf-trace.txt');
    const t = run(trace);
    expect(t.diagnostics).toEqual([]);
    const exec = t.faults.filter((f) => f.errorCode === 21);
    expect(exec).toHaveLength(1);
    expect(exec[0]!.attribution).toMatchObject({ class: 'nx-violation', denied: true, prot: 1 });
    // perf trace prints symbols without offsets: the default site of main's calls is `jit:main`
    const summary = t.timeline.summary();
    const cycles = summary.reduce((n, s) => n + s.cycles, 0);
    expect(cycles).toBe(1);
    const handlers = summary.flatMap((s) => s.instructions.flatMap((i) => Object.keys(i.handlers)));
    expect(handlers).toEqual([expect.stringMatching(/jit:on_segv$/)]);
  });

  it('attributes perf trace’s flushes, printed before the call they happened in, to that call', async () => {
    const raw = text('jit.perf-trace.txt').split('\n');
    // independent: a flush line between `name(…) ...` and its `... [continued]: name())` line
    let inside = false;
    let within = 0;
    let total = 0;
    for (const line of raw) {
      if (/\/\d+ (mprotect|pkey_mprotect|munmap|mmap|mremap)\(.*\)\s+\.\.\.$/.test(line)) inside = true;
      else if (/\.\.\. \[continued\]: (mprotect|pkey_mprotect|munmap|mmap|mremap)\(\)\)/.test(line)) inside = false;
      else if (/ tlb:tlb_flush\(/.test(line)) {
        total++;
        if (inside) within++;
      }
    }
    const t = run(await readPerfTrace('jit.perf-trace.txt'));
    const summary = t.timeline.summary();
    const attributed = summary.reduce((n, s) => n + Object.values(s.tlbFlushes).reduce((a, b) => a + b, 0), 0);
    const inCalls = summary.reduce((n, s) => n + Object.entries(s.tlbFlushCauses ?? {}).reduce((m, [c, v]) => m + (c.startsWith('inside ') ? v : 0), 0), 0);
    const unattributed = Object.values(t.timeline.report().unattributedFlushes).reduce((a, b) => a + b, 0);
    expect(inCalls).toBe(within);
    expect(attributed + unattributed).toBe(total);
  });
});

// ---------------------------------------------------------------- mapping

describe('mapping: failed calls, short lengths, PROT_NONE, mremap, munmap', () => {
  const records = captures.mapping;
  const { siteOf, callSite } = listingSiteOf('mapping');
  const restore = callSite('restore_page');
  const enters = samples(records).filter((r) => r.event === 'syscalls:sys_enter_mprotect');
  const unaligned = enters.find((r) => siteOf(r) === callSite('protect_unaligned'))!;
  const badProt = enters.find((r) => siteOf(r) === callSite('protect_bad_prot'))!;
  const short = enters.find((r) => siteOf(r) === callSite('protect_short'))!;
  const none = enters.find((r) => siteOf(r) === callSite('protect_none'))!;
  const page0 = mprotectFields(badProt).start;
  const remap = samples(records).find((r) => r.event === 'syscalls:sys_enter_mremap')!;
  const remapExit = samples(records).find((r) => r.event === 'syscalls:sys_exit_mremap')!;
  const moved = parseInt(remapExit.payload, 16);
  const seen = new Map<string, ProtectionChange | undefined>();
  const result = run(records, { siteOf }, (r, t) => {
    if (r.kind !== 'sample') return;
    if (r === badProt) seen.set('during bad prot', t.covering(r.pid, r.tid, page0));
    if (r.event === 'syscalls:sys_exit_mprotect' && seen.has('during bad prot') && !seen.has('after bad prot')) seen.set('after bad prot', t.covering(r.pid, r.tid, page0));
    if (r === remapExit) seen.set('after mremap', t.covering(r.pid, r.tid, moved + 2 * PAGE));
    if (r.event === 'syscalls:sys_enter_munmap' && parseInt(/addr: 0x([0-9a-f]+)/.exec(r.payload)![1]!, 16) === moved) {
      seen.set('after munmap', t.covering(r.pid, r.tid, moved + 2 * PAGE));
    }
  });

  it('changes nothing for a failed mprotect, whether the start is unaligned or the exit says so', () => {
    const failed = result.timeline.changes().filter((c) => c.failed);
    expect(failed.map((c) => c.change.line)).toEqual([unaligned.line, badProt.line]);
    expect(failed.every((c) => c.faults === 0)).toBe(true);
    // applied at entry, undone by `sys_exit_mprotect: 0xffffffffffffffea`
    expect(seen.get('during bad prot')?.line).toBe(badProt.line);
    expect(seen.get('after bad prot')).toMatchObject({ call: 'mmap', prot: 3 });
    expect(site(result.timeline, callSite('protect_bad_prot'))).toMatchObject({ failed: 1, prots: {}, pages: 0 });
    expect(site(result.timeline, callSite('protect_unaligned'))).toMatchObject({ failed: 1, prots: {}, pages: 0 });
  });

  it('rounds a 100-byte mprotect up to its page', () => {
    expect(mprotectFields(short).len).toBe(100);
    const f = result.faults.find((x) => x.attribution.change?.line === short.line)!;
    expect(f.attribution.change).toMatchObject({ start: mprotectFields(short).start, end: mprotectFields(short).start + PAGE });
    expect(f.address - mprotectFields(short).start).toBe(200);
    expect(f.attribution).toMatchObject({ class: 'write-to-read-only', denied: true });
    expect(site(result.timeline, callSite('protect_short')).instructions[0]!.handlers).toEqual({ [restore]: 1 });
  });

  it('sees a read of a PROT_NONE page (not present on x86) as denied, with no class to give it', () => {
    const f = result.faults.find((x) => x.attribution.change?.line === none.line)!;
    expect(f.errorCode).toBe(0x4);
    expect(f.attribution).toMatchObject({ class: 'unknown', denied: true, prot: 0 });
    expect(site(result.timeline, callSite('protect_none')).cycles).toBe(1);
  });

  it('moves pages with the changes that set them on mremap, and covers the growth with the mremap', () => {
    const old = parseInt(/addr: 0x([0-9a-f]+)/.exec(remap.payload)![1]!, 16);
    expect(moved).not.toBe(old);
    // page 2 was last set by the handler's restore, before the move
    expect(seen.get('after mremap')).toMatchObject({ site: restore, start: old + 2 * PAGE });
    const growth = result.faults.filter((f) => f.address >= moved + 4 * PAGE && f.address < moved + 8 * PAGE);
    expect(growth).toHaveLength(4);
    for (const f of growth) {
      expect(f.attribution.change).toMatchObject({ call: 'mremap', start: moved, end: moved + 8 * PAGE, prot: 3 });
      expect(f.attribution.class).toBe('first-touch-write');
    }
  });

  it('clears on munmap, and a new mapping at a reused address covers the last read', () => {
    expect(seen.has('after munmap')).toBe(true);
    expect(seen.get('after munmap')).toBeUndefined();
    const last = result.faults.at(-1)!;
    expect(last.errorCode).toBe(0x4);
    expect(last.attribution).toMatchObject({ class: 'first-touch-read', denied: false, prot: 1 });
    expect(last.attribution.change?.call).toBe('mmap');
  });

  it('reads the perf trace capture, `prot: READ|0x` and `= -1 EINVAL` included', async () => {
    const t = run(await readPerfTrace('mapping.perf-trace.txt'));
    expect(t.diagnostics).toEqual([]);
    const failed = t.timeline.changes().filter((c) => c.failed);
    expect(failed).toHaveLength(2);
    const classes = t.faults.filter((f) => f.attribution.denied).map((f) => f.attribution.class);
    expect(classes).toEqual(['write-to-read-only', 'unknown']);
    expect(t.timeline.summary().reduce((n, s) => n + s.cycles, 0)).toBe(2);
  });
});

// ---------------------------------------------------------------- small pieces

describe('readTlbFlush', () => {
  it('names the reasons perf 6.1 and perf trace print', () => {
    const lines = ['guard.perf-script.txt.gz', 'threads.perf-script.txt', 'cow.perf-script.txt']
      .flatMap((n) => text(n).split('\n'))
      .filter((l) => l.includes('tlb:tlb_flush:'));
    expect(lines.length).toBeGreaterThan(100);
    for (const l of lines) {
      const flush = readTlbFlush({ event: 'tlb:tlb_flush', payload: l.slice(l.indexOf('tlb:tlb_flush:') + 14).trim() } as SampleRecord)!;
      expect(TLB_FLUSH_REASONS.indexOf(flush.reason as (typeof TLB_FLUSH_REASONS)[number])).toBe(Number(/\((\d+)\)/.exec(l)![1]));
      expect(flush.pages).toBe(Number(/pages:(-?\d+)/.exec(l)![1]));
    }
    expect(readTlbFlush({ event: 'tlb:tlb_flush', payload: 'pages:-1 reason:local MM shootdown (3)               0' } as SampleRecord)).toEqual({ pages: -1, reason: 'TLB_LOCAL_MM_SHOOTDOWN' });
    expect(readTlbFlush({ event: 'tlb:tlb_flush', payload: '', fields: { reason: '4', pages: '8' } } as unknown as SampleRecord)).toEqual({ pages: 8, reason: 'TLB_REMOTE_SEND_IPI' });
    expect(readTlbFlush({ event: 'tlb:tlb_flush', payload: 'pages:1 reason:9' } as SampleRecord)).toEqual({ pages: 1, reason: 'reason 9' });
  });

  it('reads the fields perf trace leaves out as 0 (a task switch flush prints only its pages)', async () => {
    // samples/tlb/forkcow.perf-trace.txt: `tlb:tlb_flush(pages: -1)` under a chain through switch_mm_irqs_off
    const records = samples(await readPerfTrace('../tlb/forkcow.perf-trace.txt')).filter((r) => r.event === 'tlb:tlb_flush');
    const bare = records.filter((r) => r.fields?.['reason'] === undefined);
    expect(bare.length).toBeGreaterThan(0);
    for (const r of bare) {
      expect(readTlbFlush(r)).toEqual({ pages: Number(r.fields!['pages']), reason: 'TLB_FLUSH_ON_TASK_SWITCH' });
      expect(r.stack.some((f) => f.symbol === 'switch_mm_irqs_off')).toBe(true);
    }
    expect(records.every((r) => readTlbFlush(r) !== undefined)).toBe(true);
  });
});

describe('protText', () => {
  it('prints PROT_* bits as rwx', () => {
    expect([0, 1, 3, 5, 7].map(protText)).toEqual(['---', 'r--', 'rw-', 'r-x', 'rwx']);
  });
});
