// `perf trace` text output → the same records the perf script parser makes, so
// everything downstream reads a perf trace capture alone or next to a perf
// script one. Source of truth: tools/perf/builtin-trace.c (perf 6.1) —
// trace__fprintf_entry_head, trace__sys_exit, trace__printf_interrupted_entry,
// trace__pgfault + print_location, trace__event_handler, trace__process_event
// (LOST) and trace__fprintf_thread_summary; callchains come from
// util/evsel_fprintf.c (sample__fprintf_callchain). The line shapes are in
// perf-trace-lines.ts, -frames.ts, -args.ts and -summary.ts; every line they
// quote is real perf 6.1 output from record.sh: from the captures in
// samples/perf-trace/, or from a re-run of it where a timing-dependent shape
// is marked as such.
//
// Normalisation:
//   syscall              → event `syscalls:sys_enter_<name>`, `fields` = the
//                          arguments as numbers-in-text (flag names decoded),
//                          `ret` = the return value, `fields.errno` on failure
//   minfault / majfault  → event `minor-faults` / `major-faults`, `addr` = the
//                          data address when perf printed an absolute one
//   tracepoint           → its own name, `fields` as printed
//   LOST N events!       → a LostRecord
// An interrupted syscall (`… ...` then `... [continued]: name())`) is ONE
// record: the start line's arguments, time and line with the continuation's
// return value and callchain. It is emitted when it completes, so records are
// in completion order, not strictly in time order.
import type { DiagnosticSink, Frame, LostRecord, SampleRecord, TraceRecord, TraceSummaryThread } from './records.js';
import { defineFormat, pullRecords, type LineSniff } from './format.js';
import { isSummaryLine, isSummaryUnits, readSummaryLine } from './perf-trace-summary.js';
import { parseReturn, syscallFields, tracepointFields } from './perf-trace-args.js';
import { faultFields, frameText, parseChainFrame, parseHeaderFrame, type FaultMatch } from './perf-trace-frames.js';
import { matchEvent, matchLost, splitHead, type Head } from './perf-trace-lines.js';

export interface PerfTraceOptions {
  /** Input name used in each record's origin and in diagnostics (a path, or `-`). No default. */
  source: string;
  /** Receives lines that fit no known shape (counted in `diagnostics` either way). Default: none. */
  onDiagnostic?: DiagnosticSink;
}

const ANSI = /\x1b\[[0-9;]*m/g;

// ------------------------------------------------------------------ the parser

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface PendingCall {
  readonly head: Head;
  readonly name: string;
  readonly args: string;
  readonly line: number;
}

/**
 * Reads `perf trace` output line by line and calls `onRecord` with each
 * syscall, page fault, tracepoint event and LOST line as a TraceRecord. Lines
 * that fit no known shape go to `onDiagnostic`; the parser never throws on input.
 */
export class PerfTraceParser {
  private lineCount = 0;
  private ignored = 0;
  private readonly summaryThreads: TraceSummaryThread[] = [];
  private bad = 0;
  private current: Mutable<SampleRecord> | undefined;
  private currentFrames: Frame[] = [];
  private readonly pending = new Map<number, PendingCall>();
  private readonly frames = new Map<string, Frame>();

  constructor(
    private readonly options: PerfTraceOptions,
    private readonly onRecord: (r: TraceRecord) => void,
  ) {}

  /** Lines read so far. */
  get lines(): number {
    return this.lineCount;
  }

  /** Summary-table and other recognised non-event lines seen (blank lines included). */
  get ignoredLines(): number {
    return this.ignored;
  }

  /** The `-s`/`-S` summary tables read, a thread at a time (empty when the capture has none). */
  get summary(): readonly TraceSummaryThread[] {
    return this.summaryThreads;
  }

  /** Lines reported to `onDiagnostic`. */
  get diagnostics(): number {
    return this.bad;
  }

  /** Feeds one line (without its newline). */
  line(text: string): void {
    const n = ++this.lineCount;
    let t = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (t.includes('\x1b')) t = t.replace(ANSI, '');

    const head = splitHead(t);
    if (head === undefined) {
      if (this.current !== undefined) {
        const frame = frameText(t);
        if (frame !== undefined && !isSummaryUnits(t)) {
          this.currentFrames.push(this.frame(frame));
          return;
        }
      }
      this.flushCurrent();
      this.other(t, n);
      return;
    }
    this.flushCurrent();
    this.event(head, n, t);
  }

  /** Counts a line the byte edge dropped (longer than the maximum line length), so later line numbers stay right. */
  skip(): void {
    this.lineCount++;
  }

  /** Flushes the last event and any syscall still waiting for its `[continued]` line (emitted without a return value). */
  end(): void {
    this.flushCurrent();
    const waiting = [...this.pending.values()].sort((a, b) => a.line - b.line);
    this.pending.clear();
    for (const p of waiting) {
      this.emitCall(p.head, p.name, p.args, undefined, p.line);
      this.flushCurrent();
    }
  }

  private event(head: Head, n: number, text: string): void {
    const e = matchEvent(head.rest);
    switch (e?.kind) {
      case 'continued': {
        const p = this.pending.get(head.tid);
        if (p !== undefined) {
          this.pending.delete(head.tid);
          if (p.name === e.name) {
            this.emitCall(p.head, e.name, p.args, e.ret, p.line);
            return;
          }
          this.emitCall(p.head, p.name, p.args, undefined, p.line);
          this.flushCurrent();
        }
        // its sys_enter was lost or came before the trace started: arguments unknown
        this.emitCall(head, e.name, undefined, e.ret, n);
        return;
      }
      case 'fault':
        this.faultRecord(head, e.fault, n);
        return;
      case 'tracepoint':
        this.current = this.sample(head, e.event, e.fields, n, tracepointFields(e.event, e.fields));
        return;
      case 'finished':
        this.abandon(head.tid);
        this.emitCall(head, e.name, e.args, e.ret, n);
        return;
      case 'interrupted':
        this.abandon(head.tid);
        this.pending.set(head.tid, { head, name: e.name, args: e.args, line: n });
        return;
      case undefined:
        this.diagnose(n, `unrecognised perf trace event: expected \`name(args) = ret\`, \`name(args) ...\`, \`... [continued]: name()) = ret\`, \`minfault|majfault [ip] => target (XY)\` or \`system:event(fields)\` after the time and comm/tid: ${clip(text)}`);
    }
  }

  // A syscall started earlier on this thread never printed its end: perf lost
  // the sys_exit, or the call does not return (rt_sigreturn). It still happened.
  private abandon(tid: number): void {
    const p = this.pending.get(tid);
    if (p === undefined) return;
    this.pending.delete(tid);
    this.emitCall(p.head, p.name, p.args, undefined, p.line);
    this.flushCurrent();
  }

  private emitCall(head: Head, name: string, args: string | undefined, retText: string | undefined, line: number): void {
    const fields = args === undefined ? {} : syscallFields(name, args);
    const ret = parseReturn(retText, fields);
    const r = this.sample(head, `syscalls:sys_enter_${name}`, args ?? '', line, fields);
    if (ret !== undefined) r.ret = ret;
    this.current = r;
  }

  private faultRecord(head: Head, m: FaultMatch, line: number): void {
    const { fields, addr } = faultFields(m);
    const r = this.sample(head, m.major ? 'major-faults' : 'minor-faults', `[${m.ipText}] => ${m.target} (${m.map}${m.level})`, line, fields);
    if (addr !== undefined) r.addr = addr;
    const header = this.headerFrame(m.ipText);
    r.stack = header === undefined ? [] : [header];
    this.current = r;
  }

  // A fault's callchain replaces its `[sym+off]` frame, but callchain lines
  // print no offset: when the leaf names the same symbol it takes the
  // header's offset. With --call-graph dwarf the leaf can be an
  // inlined function or the caller instead (`[brk+0x0]` over
  // `__brk_call (inlined)`): then the chain stays as printed, and the
  // header's text stays in fields.ip.
  private faultStack(header: Frame, chain: Frame[]): Frame[] {
    const leaf = chain[0];
    if (leaf === undefined || header.symbol === '' || leaf.symbol !== header.symbol || (header.dso !== '' && header.dso !== leaf.dso)) return chain;
    const key = `\u0000leaf\u0000${leaf.symbol}\u0000${leaf.dso}\u0000${header.offset}`;
    let merged = this.frames.get(key);
    if (merged === undefined) {
      merged = { addr: leaf.addr, symbol: leaf.symbol, offset: header.offset, dso: leaf.dso };
      this.frames.set(key, merged);
    }
    return [merged, ...chain.slice(1)];
  }

  private sample(head: Head, event: string, payload: string, line: number, fields: Record<string, string>): Mutable<SampleRecord> {
    return {
      kind: 'sample',
      source: this.options.source,
      line,
      comm: head.comm,
      pid: -1,
      tid: head.tid,
      cpu: -1,
      time: head.time,
      period: 1,
      event,
      payload,
      stack: [],
      fields,
    };
  }

  private flushCurrent(): void {
    const r = this.current;
    if (r === undefined) return;
    this.current = undefined;
    if (this.currentFrames.length > 0) {
      const header = r.stack[0];
      r.stack = header !== undefined && (r.event === 'minor-faults' || r.event === 'major-faults') ? this.faultStack(header, this.currentFrames) : this.currentFrames;
      this.currentFrames = [];
    }
    this.onRecord(r);
  }

  // `[sym+0xoff]` of a fault line, interned.
  private headerFrame(text: string): Frame | undefined {
    const key = `[${text}]`;
    const known = this.frames.get(key);
    if (known !== undefined) return known;
    const frame = parseHeaderFrame(text);
    if (frame !== undefined) this.frames.set(key, frame);
    return frame;
  }

  // `sym (dso)` callchain line, interned.
  private frame(text: string): Frame {
    let frame = this.frames.get(text);
    if (frame === undefined) {
      frame = parseChainFrame(text);
      this.frames.set(text, frame);
    }
    return frame;
  }

  // A line with no event head: LOST, summary tables, blank lines, or nothing we know.
  private other(t: string, n: number): void {
    const lost = matchLost(t);
    if (lost !== undefined) {
      const r: LostRecord = { kind: 'lost', source: this.options.source, line: n, count: lost };
      this.onRecord(r);
      return;
    }
    if (t.trim() === '' || isSummaryLine(t)) {
      readSummaryLine(t, this.summaryThreads);
      this.ignored++;
      return;
    }
    if (frameText(t) !== undefined) {
      this.diagnose(n, `callchain frame with no event above it (expected \`sym (dso)\` lines only under an event line): ${clip(t)}`);
      return;
    }
    this.diagnose(n, `not a perf trace line: expected \`TIME ( DURATION ms): COMM/TID event…\`, \`LOST N events!\`, a callchain frame or a summary table line: ${clip(t)}`);
  }

  private diagnose(line: number, reason: string): void {
    this.bad++;
    this.options.onDiagnostic?.({ source: this.options.source, line, reason });
  }
}

function clip(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text);
}

/** Parses perf trace output into records (an async convenience over PerfTraceParser). */
export function parsePerfTrace(lines: AsyncIterable<string> | Iterable<string>, options: PerfTraceOptions): AsyncGenerator<TraceRecord> {
  return pullRecords(lines, (onRecord: (r: TraceRecord) => void) => new PerfTraceParser(options, onRecord));
}

// ------------------------------------------------------------------ sniffing

// `%10.3f ( %6.3f ms): comm/tid …`, or without durations `%10.3f comm/tid …`:
//      2.420 ( 0.157 ms): mprot/21700 mprotect(start: 0x7f3f97426000, len: 16384, prot: READ) = 0
//      0.000 ( 0.000 ms): mprot/21700 minfault [elf_load+0x28a] => 0x564caca0c050 (?k)
//          ? (         ): guard/14270  ... [continued]: execve())                                           = 0
//      0.000 guard/5110 exceptions:page_fault_user(address: 0x7fe7ac6c3b70, ip: 140633006947184, error_code: 20)
const TRACE_LINE = /^\s*(?:\d+\.\d+|\?) (?:\((?:\s*\d+\.\d+ ms|\s*)\): )?\S.{0,13}\/\d+ /;
// …and the summary alone (perf trace -s, trace__fprintf_thread_summary):
//  Summary of events:
const TRACE_SUMMARY = /^ Summary of events:$/;

function sniffPerfTrace(line: string): LineSniff {
  return TRACE_LINE.test(line) || TRACE_SUMMARY.test(line) ? 'yes' : 'no';
}

/** perf trace text output, for the registry (parsers/index.ts). */
export const perfTraceFormat = defineFormat<TraceRecord, PerfTraceParser>(
  'perf-trace',
  { noun: 'perf trace', description: 'perf trace output', looksLike: 'perf trace output', passAs: 'pass it as the trace' },
  sniffPerfTrace,
  (options, onRecord) => new PerfTraceParser(options, onRecord),
);
