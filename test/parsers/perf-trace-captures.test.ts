// Every committed perf trace capture (samples/perf-trace/, made by record.sh
// with perf 6.1) parses with no diagnostics, every line is accounted for, and
// the record counts agree with counts taken independently: plain text
// matching on the raw lines, perf's own summary tables, and what guard.c does.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { PerfTraceParser } from '../../parsers/perf-trace.js';
import type { Diagnostic, SampleRecord, TraceRecord } from '../../src/model.js';

const DIR = join(import.meta.dirname, '../../samples/perf-trace');
const CAPTURES = readdirSync(DIR).filter((f) => /^(guard|prot|lost)-.*\.txt(\.gz)?$/.test(f)).sort();

function rawLines(name: string): string[] {
  const bytes = readFileSync(join(DIR, name));
  const text = (name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

interface Parsed {
  lines: string[];
  records: TraceRecord[];
  samples: SampleRecord[];
  diagnostics: Diagnostic[];
  parser: PerfTraceParser;
}

const cache = new Map<string, Parsed>();
function parsed(name: string): Parsed {
  const known = cache.get(name);
  if (known !== undefined) return known;
  const lines = rawLines(name);
  const records: TraceRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  const parser = new PerfTraceParser({ source: name, onDiagnostic: (d) => diagnostics.push(d) }, (r) => records.push(r));
  for (const l of lines) parser.line(l);
  parser.end();
  const p = { lines, records, samples: records.filter((r): r is SampleRecord => r.kind === 'sample'), diagnostics, parser };
  cache.set(name, p);
  return p;
}

function countBy<T>(items: readonly T[], key: (t: T) => string | undefined): Map<string, number> {
  const m = new Map<string, number>();
  for (const it of items) {
    const k = key(it);
    if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

// ---- the independent count: plain string matching on the raw text

// sample__fprintf_callchain indents frames by its left alignment (38) and a space
const isFrameLine = (l: string): boolean => /^ {39}\S/.test(l);

interface TextCounts {
  events: Map<string, number>;
  lost: number[];
  frames: number;
  pairedContinuations: number;
}

function countText(lines: readonly string[]): TextCounts {
  const events = new Map<string, number>();
  const bump = (k: string): void => void events.set(k, (events.get(k) ?? 0) + 1);
  const lost: number[] = [];
  let frames = 0;
  let paired = 0;
  const open = new Map<string, string>(); // tid → syscall printed with `...` and not yet continued
  for (const l of lines) {
    if (isFrameLine(l)) {
      frames++;
      continue;
    }
    if (l.startsWith('LOST ')) {
      lost.push(Number(l.split(' ')[1]));
      continue;
    }
    if (l.includes(' minfault [')) {
      bump('minor-faults');
      continue;
    }
    if (l.includes(' majfault [')) {
      bump('major-faults');
      continue;
    }
    const cont = l.indexOf('  ... [continued]: ');
    if (cont >= 0) {
      const tid = l.slice(l.lastIndexOf('/', cont) + 1, cont);
      const name = l.slice(cont + '  ... [continued]: '.length, l.indexOf('(', cont));
      if (open.get(tid) === name) paired++;
      else bump(`syscalls:sys_enter_${name}`);
      open.delete(tid);
      continue;
    }
    const call = /\/(\d+) ([a-z0-9_]+(?::[a-z0-9_]+)?)\(/.exec(l);
    if (call === null) continue;
    const [, tid, name] = call as unknown as [string, string, string];
    if (name.includes(':')) {
      bump(name);
      continue;
    }
    bump(`syscalls:sys_enter_${name}`);
    if (l.trimEnd().endsWith(' ...')) open.set(tid, name);
    else open.delete(tid);
  }
  return { events, lost, frames, pairedContinuations: paired };
}

// ---- perf's own summary table (-s / -S): per thread, per syscall

interface SummaryRow {
  calls: number;
  errors: number;
  errnos: Map<string, number>;
}
interface ThreadSummary {
  tid: number;
  events: number;
  minfaults: number;
  syscalls: Map<string, SummaryRow>;
}

function readSummary(lines: readonly string[]): ThreadSummary[] {
  const threads: ThreadSummary[] = [];
  let row: SummaryRow | undefined;
  for (const l of lines) {
    const t = / \((\d+)\), (\d+) events, [\d.]+%(?:, (\d+) minfaults)?/.exec(l);
    if (t !== null && l.startsWith(' ') && !l.startsWith('  ')) {
      threads.push({ tid: Number(t[1]), events: Number(t[2]), minfaults: Number(t[3] ?? 0), syscalls: new Map() });
      continue;
    }
    const cols = l.trim().split(/\s+/);
    if (threads.length > 0 && l.startsWith('   ') && cols.length === 8 && cols[7]!.endsWith('%') && /^\d+$/.test(cols[1]!)) {
      row = { calls: Number(cols[1]), errors: Number(cols[2]), errnos: new Map() };
      threads[threads.length - 1]!.syscalls.set(cols[0]!, row);
      continue;
    }
    if (row !== undefined && l.startsWith('\t')) {
      const [name, n] = l.trim().split(': ');
      row.errnos.set(name!, Number(n));
    }
  }
  return threads;
}

// ------------------------------------------------------------------ tests

test('the captures are all there', () => {
  expect(CAPTURES.length).toBeGreaterThanOrEqual(20);
});

describe.each(CAPTURES)('%s', (name) => {
  test('parses with no diagnostics and reads every line', () => {
    const { lines, diagnostics, parser } = parsed(name);
    expect(diagnostics).toEqual([]);
    expect(parser.lines).toBe(lines.length);
    expect(parser.diagnostics).toBe(0);
  });

  test('event counts equal the counts taken from the raw text', () => {
    const { lines, samples, records } = parsed(name);
    const text = countText(lines);
    expect(countBy(samples, (r) => r.event)).toEqual(text.events);
    const lost = records.filter((r) => r.kind === 'lost');
    expect(lost.map((r) => r.count)).toEqual(text.lost);
  });

  test('every line is a record, a merged [continued] line, a callchain frame or a recognised non-event line', () => {
    const { lines, records, parser } = parsed(name);
    const text = countText(lines);
    const origins = new Set(records.map((r) => r.line));
    expect(origins.size).toBe(records.length);
    expect(records.length + text.pairedContinuations + text.frames + parser.ignoredLines).toBe(lines.length);
  });

  test('every callchain frame lands in the stack of the event above it', () => {
    const { lines, samples } = parsed(name);
    let stacked = 0;
    for (const r of samples) {
      const isFault = r.event === 'minor-faults' || r.event === 'major-faults';
      const hasChain = r.line < lines.length && isFrameLine(lines[r.line]!);
      const symOff = isFault ? /^(.*)\+0x([0-9a-f]+)$/.exec(r.fields!.ip!) : null;
      if (isFault && !hasChain) expect(r.stack).toHaveLength(symOff === null && !r.fields!.ip!.includes('@') ? 0 : 1);
      else stacked += r.stack.length;
      if (isFault && hasChain && symOff !== null) {
        // a leaf naming the header's symbol carries the header's offset (fp chains always do here)
        if (r.stack[0]!.symbol === symOff[1]) expect(r.stack[0]!.offset).toBe(parseInt(symOff[2]!, 16));
        else expect(name).toMatch(/dwarf/);
      }
    }
    // frames after [continued] lines belong to the record whose origin is the start line
    expect(stacked).toBe(countText(lines).frames);
  });
});

describe('against what guard.c does', () => {
  // ld.so makes 3 RELRO pages read-only; guard.c then protects 16 pages per
  // round (protect_young + protect_old) and its SIGSEGV handler unprotects
  // each page on the first store of the round: 4 rounds × (16 + 16) = 128.
  const MPROTECTS = 3 + 4 * (16 + 16);
  const complete = [
    'guard-mprotect-mmap-munmap.txt',
    'guard-syscalls.txt',
    'guard-pf-all-mprotect.txt',
    'guard-pf-verbose.txt',
    'guard-F-all-syscalls.txt',
    'guard-callchain-fp.txt',
    'guard-replay.txt',
    'guard-replay-d-g.txt',
    'guard-tracepoint-mprotect.txt',
    'guard-tracepoint-callchain.txt',
    'guard-tracepoint-libtraceevent.txt',
  ];

  test.each(complete)('%s: 131 mprotects, 4 rounds of 16 read-only and 16 read-write', (name) => {
    const m = parsed(name).samples.filter((r) => r.event === 'syscalls:sys_enter_mprotect');
    expect(m).toHaveLength(MPROTECTS);
    const guardPages = m.slice(3); // one thread: in order, ld.so's first
    expect(guardPages.every((r) => r.fields!.len === '4096')).toBe(true);
    expect(countBy(guardPages, (r) => r.fields!.prot)).toEqual(new Map([['0x1', 64], ['0x3', 64]]));
  });

  test.each(['guard-syscalls.txt', 'guard-F-all-syscalls.txt', 'guard-replay.txt'])('%s: 64 handler returns (rt_sigreturn never returns: no ret)', (name) => {
    const r = parsed(name).samples.filter((s) => s.event === 'syscalls:sys_enter_rt_sigreturn');
    expect(r).toHaveLength(64);
    expect(r.every((s) => s.ret === undefined)).toBe(true);
  });

  test('the 64 guard-page stores show in exceptions:page_fault_user (write to a present read-only page, error_code 7)…', () => {
    const faults = parsed('guard-tracepoint-callchain.txt').samples.filter(
      (r) => r.event === 'exceptions:page_fault_user' && r.stack.some((f) => f.symbol === 'write_field' || f.symbol === 'write_header'),
    );
    expect(faults).toHaveLength(64);
    expect(faults.every((r) => r.fields!.error_code === '7')).toBe(true);
  });

  test('…but never as minfault/majfault: perf counts those only for faults the kernel resolved, and these end in SIGSEGV', () => {
    for (const name of CAPTURES.filter((n) => n.startsWith('guard-'))) {
      const faults = parsed(name).samples.filter((r) => r.event === 'minor-faults' || r.event === 'major-faults');
      expect(faults.filter((r) => r.stack.some((f) => f.symbol === 'write_field' || f.symbol === 'write_header'))).toEqual([]);
    }
  });

  test('perf trace record without -d: the replay has no fault addresses; with -d it has them', () => {
    const plain = parsed('guard-replay.txt').samples.filter((r) => r.event === 'minor-faults');
    expect(plain.length).toBeGreaterThan(0);
    expect(plain.filter((r) => r.addr !== undefined || r.fields!.target_dso !== undefined)).toEqual([]);
    const withD = parsed('guard-replay-d-g.txt').samples.filter((r) => r.event === 'minor-faults');
    expect(withD.filter((r) => r.addr === undefined && r.fields!.target_offset === undefined)).toEqual([]);
    expect(withD.filter((r) => r.addr !== undefined).length).toBeGreaterThan(0);
  });
});

describe('against perf\'s own summary', () => {
  test.each(['prot-with-summary-errno.txt', 'guard-replay-with-summary.txt'])('%s: calls, errors and errnos per thread and syscall', (name) => {
    const { lines, samples } = parsed(name);
    const threads = readSummary(lines);
    expect(threads.length).toBeGreaterThan(0);
    for (const t of threads) {
      // events printed while perf knew the thread only as `:TID` are missing from its table
      // (perf keeps their stats on a thread object it drops); none in the committed captures
      const known = samples.filter((r) => r.tid === t.tid && !/^:\d+$/.test(r.comm));
      const mine = known.filter((r) => r.event.startsWith('syscalls:sys_enter_'));
      // perf's table counts sys_exits: the calls that printed a return
      const returned = mine.filter((r) => r.ret !== undefined);
      const calls = countBy(returned, (r) => r.event.slice('syscalls:sys_enter_'.length));
      expect(calls).toEqual(new Map([...t.syscalls].map(([k, v]) => [k, v.calls])));
      const errors = countBy(returned.filter((r) => r.ret! < 0), (r) => r.event.slice('syscalls:sys_enter_'.length));
      for (const [k, v] of t.syscalls) expect(errors.get(k) ?? 0).toBe(v.errors);
      for (const [k, v] of t.syscalls) {
        if (v.errnos.size > 0) expect(countBy(returned.filter((r) => r.event === `syscalls:sys_enter_${k}`), (r) => r.fields!.errno)).toEqual(v.errnos);
      }
      expect(known.filter((r) => r.event === 'minor-faults')).toHaveLength(t.minfaults);
    }
  });

  test('-s alone prints only the summary: no records, every line recognised', () => {
    const { lines, records, parser } = parsed('guard-summary.txt');
    expect(records).toEqual([]);
    expect(parser.ignoredLines).toBe(lines.length);
    expect(readSummary(lines)[0]!.syscalls.get('mprotect')!.calls).toBe(131);
  });
});

describe('the summary as the parser reads it', () => {
  test.each(['guard-summary.txt', 'prot-with-summary-errno.txt', 'guard-replay-with-summary.txt'])('%s: threads, counts, errnos and times agree with the table', (name) => {
    const { lines, parser } = parsed(name);
    const want = readSummary(lines);
    const got = parser.summary;
    expect(got.map((t) => [t.tid, t.events, t.minfaults ?? 0])).toEqual(want.map((t) => [t.tid, t.events, t.minfaults]));
    got.forEach((t, i) => {
      const rows = new Map(t.syscalls.map((s) => [s.name, { calls: s.calls, errors: s.errors, errnos: new Map(Object.entries(s.errnos ?? {})) }]));
      expect(rows).toEqual(want[i]!.syscalls);
    });
  });

  test('guard-summary.txt: the mprotect row, msec and stddev as printed', () => {
    const [t] = parsed('guard-summary.txt').parser.summary;
    expect(t).toMatchObject({ comm: 'guard', tid: 14279, events: 396, percent: 85 });
    expect(t!.syscalls[0]).toEqual({ name: 'mprotect', calls: 131, errors: 0, totalMsec: 4.573, minMsec: 0.013, avgMsec: 0.035, maxMsec: 0.139, stddevPercent: 5.62 });
    expect(t!.syscalls).toHaveLength(20);
  });
});

test('prot.c: every mprotect flag, failure and PROT_NONE as perf printed them', () => {
  const m = parsed('prot-F-all-syscalls.txt').samples.filter((r) => r.event === 'syscalls:sys_enter_mprotect' || r.event === 'syscalls:sys_enter_pkey_mprotect');
  const seen = m.map((r) => `${r.event.slice(19)} ${r.fields!.prot} ${r.ret}${r.fields!.errno ? ` ${r.fields!.errno}` : ''}`);
  for (const want of ['mprotect 0x0 0', 'mprotect 0x5 0', 'mprotect 0x7 0', 'mprotect 0x9 0', 'pkey_mprotect 0x1 0', 'mprotect 0x1 -1 EINVAL', 'mprotect 0x1000001 -1 EINVAL', 'mprotect 0x3 -1 EACCES']) {
    expect(seen).toContain(want);
  }
  const reserve = parsed('prot-F-all-syscalls.txt').samples.find((r) => r.event === 'syscalls:sys_enter_mmap' && r.fields!.flags === '0x4022');
  expect(reserve?.fields!.prot).toBe('0x0');
  const major = parsed('prot-F-all-syscalls.txt').samples.filter((r) => r.event === 'major-faults');
  expect(major.map((r) => r.fields!.target_offset)).toEqual(['0x0', '0x1000', '0x2000', '0x3000', '0x4000', '0x5000', '0x6000', '0x7000']);
});
