// `perf script` text output → TraceRecords (samples, mmaps, task events, lost
// events), one line at a time. Source of truth: tools/perf/builtin-script.c
// (perf 6.1: perf_sample__fprintf_start, process_event, print_sample_addr,
// the --show-*-events handlers) and tools/perf/util/evsel_fprintf.c
// (sample__fprintf_callchain, sample__fprintf_sym) for frames; side-band lines
// come from tools/perf/util/event.c (perf_event__fprintf_*). Unless a comment
// says otherwise, the quoted lines are from samples/guard/ and samples/shapes/
// (real captures; record.sh re-makes them).
//
// A record is a header line, then callchain frame lines (each optionally
// followed by a srcline line), then a blank line. Records printed without a
// callchain are one line each with no blank line after them, and side-band
// lines (PERF_RECORD_*) stand alone, so a header line also ends the record
// before it, and `end()` flushes the last one.
import type { DiagnosticSink, Frame, SampleRecord, TraceRecord } from './records.js';
import { defineFormat, pullRecords } from './format.js';
import { PerfScriptByteReader } from './perf-script-bytes.js';
import { isPeriodField, isSpace, NO_TIME, scanHeader, splitCommTask, type HeaderParts } from './perf-script-header.js';
import { isLostLine, parseSideBand } from './perf-script-side-band.js';
import { frameStarts, headerFrameKey, isFrameShaped } from './perf-script-frames.js';
import { FrameCache, headerAddr } from './perf-script-stacks.js';
import { sniffPerfScript } from './perf-script-sniff.js';

export { frameStarts } from './perf-script-frames.js';
export { parseTracepointFields } from './tracepoint-fields.js';
export { ownCopy } from './perf-script-stacks.js';
import { ownCopy } from './perf-script-stacks.js';

export interface PerfScriptOptions {
  /** Input name used in diagnostics and record origins (a path, or `-`). No default. */
  source: string;
  /** Receives lines that fit no known shape. Default: none (they are still counted in `diagnostics`). */
  onDiagnostic?: DiagnosticSink;
}

// ------------------------------------------------------------------ line shapes

// Callchain frames (sample__fprintf_callchain): a tab, the address as %16lx,
// the symbol with `+0x` offset (when the symoff field is on, the default), and
// the dso in parentheses. The dso is the LAST balanced `( … )` group, because
// symbols and dsos both may hold spaces and parentheses:
// 	ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])
// 	    7f1611ef2ad7 [unknown] ([unknown])
// 	    7f343d794000 jit::store(char*, int) [tier 1]+0x0 (/tmp/perf-9509.map)
// 	               0 [unknown] (/memfd:shapes jit (deleted))
// 	            11af heap::(anonymous namespace)::scribble+0x25 (/work/main/samples/shapes/arena)
// An inlined frame (dwarf callchains) has `(inlined)` where the dso goes:
// 	            12ea poke+0xc (inlined)
// perf 3.x–4.x printed no offsets, and some captures lost the tab
// (FlameGraph's test/perf-java-stacks-02.txt):
// ffffffff8103d0ca native_write_msr_safe ([kernel.kallsyms])
// 7f72421d2d76 JavaCalls::call_helper(JavaValue, methodHandle, JavaCallArguments, Thread) (/home/xguan/opt/jdk1.8.0_112/jre/lib/amd64/server/libjvm.so)
// (A frame is recognised by its shape `<hex> …`; a line at column 0 only
// inside a record and only when it is not a header.)

// srcline lines (`-F +srcline`, map__fprintf_srcline with prefix "\n  ") follow
// their frame. For an inlined frame perf prints the `(inlined)` marker after
// the srcline instead of after the frame:
// 	            12ea poke+0xc
//   shapes.c:38 (inlined)
// 	            16d5 main+0xa1 (/work/main/samples/shapes/shapes)
//   shapes.c:108
// 	            11d0 _start+0x20 (/work/main/samples/shapes/shapes)
//   ??:0

// ------------------------------------------------------------------ the parser

interface Pending {
  line: number;
  comm: string;
  pid: number;
  tid: number;
  cpu: number;
  time: number;
  period: number;
  event: string;
  payload: string;
  /** Header frames as cache keys (`key\nsrcline` with a srcline): interned at flush only when they are the stack. */
  headerFrames: string[];
  /** Callchain frame lines; a line with its srcline is `frame line\nsrcline`. Resolved to Frames at flush. */
  callchain: string[];
  /** Whether callchain[i] carries a srcline. */
  withSrcline: boolean[] | null;
  /** Whether every callchain line came from the byte reader with its line id (in the parser's `ids`). */
  byId: boolean;
}

/** Distinct comm/task prefixes and event names kept for reuse (one string each, its hash computed once). */
const MAX_INTERNED = 4096;

/** Push parser: feed lines, get TraceRecords (from src/model.ts) in order. */
export class PerfScriptParser {
  private readonly source: string;
  private readonly onDiagnostic: DiagnosticSink | undefined;
  private lineNo = 0;
  private pending: Pending | null = null;
  /** Raw text of the frame line the next srcline belongs to ('' when none). */
  private lastFrameText = '';
  private readonly frames = new FrameCache();
  /** The pending record's callchain line ids (while `byId`). */
  private ids = new Int32Array(256);
  private idCount = 0;
  private readonly parts: HeaderParts = { timeAt: -1, afterTime: 0, time: NaN, event: undefined, period: undefined, restAt: 0 };
  /** The text before a header's timestamp → its comm, pid, tid and cpu; event names → one string each. */
  private readonly tasks = new Map<string, ReturnType<typeof splitCommTask>>();
  private readonly eventNames = new Map<string, string>();
  private badLines = 0;

  constructor(
    options: PerfScriptOptions,
    private readonly onRecord: (r: TraceRecord) => void,
  ) {
    this.source = options.source;
    this.onDiagnostic = options.onDiagnostic;
  }

  /** Lines fed so far. */
  get lines(): number {
    return this.lineNo;
  }

  /** Lines that fit no known shape so far (each one went to onDiagnostic). */
  get diagnostics(): number {
    return this.badLines;
  }

  /** Distinct frames interned so far (a measure of the frame cache). */
  get distinctFrames(): number {
    return this.frames.size;
  }

  /** One line without its newline (a trailing CR is tolerated). */
  line(text: string): void {
    this.lineNo++;
    if (text.length > 0 && text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    if (text.length === 0) {
      this.flush();
      return;
    }
    const c0 = text.charCodeAt(0);
    // hot path: a tab-indented callchain frame
    if (c0 === 9 /* \t */) {
      if (isFrameShaped(text)) this.addFrame(text);
      else if (isBlank(text)) this.flush();
      else this.bad('expected a callchain frame: <tab><hex address> <symbol>[+0xoffset] (<dso>)');
      return;
    }
    if (c0 === 35 /* # */) return; // `perf script --header` block and comments
    this.other(text, c0 === 32 /* space */);
  }

  /** A tab-indented line without a CR that isFrameShaped (the byte reader knows it is one), and its id among the reader's distinct lines. */
  frameLine(text: string, id: number): void {
    this.lineNo++;
    const p = this.pending;
    if (p === null || !p.byId) {
      this.addFrame(text);
      return;
    }
    if (this.idCount === this.ids.length) {
      const more = new Int32Array(this.ids.length * 2);
      more.set(this.ids);
      this.ids = more;
    }
    this.ids[this.idCount++] = id;
    p.callchain.push(text);
    this.lastFrameText = text;
  }

  /**
   * A frame line's text that holds no chunk (the byte reader decodes each line
   * on its own) becomes its own cache key: the same string looked up again
   * finds it without comparing characters.
   */
  adoptFrameLine(text: string): void {
    this.frames.adopt(text);
  }

  /** Flushes the last record (one not followed by a blank line is kept). */
  end(): void {
    this.flush();
  }

  /** Counts a line the byte edge dropped (longer than the maximum line length), so later line numbers stay right. */
  skip(): void {
    this.lineNo++;
  }

  // A line that is not a tab-indented frame: a header, a side-band record, a
  // srcline, an unindented frame, or a bad line.
  private other(text: string, indented: boolean): void {
    scanHeader(text, this.parts);
    if (this.parts.timeAt >= 0) {
      this.header(text, this.parts);
      return;
    }
    if (isBlank(text)) {
      this.flush();
      return;
    }
    const inRecord = this.pending !== null;
    if (inRecord && isFrameShaped(text)) {
      this.addFrame(text);
      return;
    }
    const sideBand = text.indexOf('PERF_RECORD_');
    if (sideBand >= 0 || isLostLine(text)) {
      this.sideBand(text, sideBand, NaN);
      return;
    }
    const n = NO_TIME.exec(text);
    if (n !== null) {
      this.flush();
      const [whole, comm = '', a = '', b, cpu, period, event = ''] = n;
      if (b === undefined && cpu === undefined && period === undefined && isPeriodField(whole, comm, a)) {
        this.start(comm.trim(), -1, -1, -1, NaN, a, event, text.slice(whole.length));
        return;
      }
      this.start(comm.trim(), b === undefined ? -1 : Number(a), Number(b ?? a), cpu === undefined ? -1 : Number(cpu), NaN, period, event, text.slice(whole.length));
      return;
    }
    if (indented && inRecord && this.lastFrameText !== '') {
      this.addSrcline(text);
      return;
    }
    this.bad(
      inRecord
        ? 'expected a callchain frame (<hex address> <symbol> (<dso>)), a srcline, a record header or a blank line'
        : 'expected a record header: comm [pid/]tid [cpu] time: [period] event: …, or a PERF_RECORD_* line',
    );
  }

  private header(text: string, h: HeaderParts): void {
    const sb = text.indexOf('PERF_RECORD_', h.afterTime);
    if (sb >= 0 && onlyBlanks(text, h.afterTime, sb)) {
      this.sideBand(text, sb, h.time);
      return;
    }
    if (h.event === undefined) {
      this.flush();
      this.bad('expected an event name (`name:`) after the timestamp');
      return;
    }
    const who = this.task(text.slice(0, h.timeAt));
    this.flush();
    this.start(who.comm, who.pid, who.tid, who.cpu, h.time, h.period, this.eventName(h.event), text.slice(h.restAt));
  }

  private task(before: string): ReturnType<typeof splitCommTask> {
    let who = this.tasks.get(before);
    if (who === undefined) {
      const own = ownCopy(before);
      who = splitCommTask(own);
      if (this.tasks.size < MAX_INTERNED) this.tasks.set(own, who);
    }
    return who;
  }

  private eventName(name: string): string {
    const known = this.eventNames.get(name);
    if (known !== undefined) return known;
    if (this.eventNames.size >= MAX_INTERNED) return name;
    const own = ownCopy(name);
    this.eventNames.set(own, own);
    return own;
  }

  private start(comm: string, pid: number, tid: number, cpu: number, time: number, period: string | undefined, event: string, rest: string): void {
    // Header frames: the data address frame and/or the ip frame after the fields.
    const starts = frameStarts(rest);
    const headerFrames: string[] = [];
    let key = '';
    for (let i = 0; i < starts.length; i++) {
      key = headerFrameKey(rest.slice(starts[i], starts[i + 1] ?? rest.length));
      headerFrames.push(key);
    }
    this.pending = {
      line: this.lineNo,
      comm,
      pid,
      tid,
      cpu,
      time,
      period: period === undefined ? 1 : Number(period),
      event,
      payload: rest.trim(),
      headerFrames,
      callchain: [],
      withSrcline: null,
      byId: true,
    };
    this.idCount = 0;
    this.lastFrameText = key;
  }

  private addFrame(text: string): void {
    const p = this.pending;
    if (p === null) {
      this.bad('callchain frame outside a record (no header line above it)');
      return;
    }
    p.callchain.push(text);
    p.byId = false;
    this.lastFrameText = text;
  }

  // A srcline belongs to the frame above.
  private addSrcline(text: string): void {
    const p = this.pending;
    if (p === null) return;
    const last = p.callchain.length - 1;
    if (last >= 0) {
      p.callchain[last] = this.lastFrameText + '\n' + text;
      (p.withSrcline ??= [])[last] = true;
    } else if (p.headerFrames.length > 0) {
      p.headerFrames[p.headerFrames.length - 1] = this.lastFrameText + '\n' + text;
    }
    this.lastFrameText = '';
  }

  private sideBand(text: string, at: number, time: number): void {
    this.flush();
    const prefix = at > 0 ? splitCommTask(text.slice(0, at).replace(/\s\d+\.\d+:\s*$/, '')) : null;
    const body = at >= 0 ? text.slice(at) : text;
    const r = parseSideBand(body, { source: this.source, line: this.lineNo }, prefix?.comm ?? '', time);
    if (typeof r === 'string') this.bad(r);
    else this.onRecord(r);
  }

  private flush(): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    this.lastFrameText = '';
    let stack: readonly Frame[];
    let addr: string | undefined;
    const hf = p.headerFrames;
    if (p.callchain.length > 0) {
      // the ip went into the callchain: a header frame is the data address
      // (only its address is wanted: data addresses are many, and need no cache entry)
      stack = this.frames.callchain(p.callchain, p.withSrcline, p.byId ? this.ids : null, this.idCount);
      addr = hf.length > 0 ? headerAddr(hf[0]!) : undefined;
    } else if (hf.length >= 2) {
      addr = headerAddr(hf[0]!);
      stack = [this.frames.headerFrame(hf[hf.length - 1]!)];
    } else {
      stack = hf.map((k) => this.frames.headerFrame(k));
    }
    // one shape with an address, one without (a spread per record costs)
    const r: SampleRecord =
      addr === undefined
        ? { kind: 'sample', source: this.source, line: p.line, comm: p.comm, pid: p.pid, tid: p.tid, cpu: p.cpu, time: p.time, period: p.period, event: p.event, payload: p.payload, stack }
        : { kind: 'sample', source: this.source, line: p.line, comm: p.comm, pid: p.pid, tid: p.tid, cpu: p.cpu, time: p.time, period: p.period, event: p.event, payload: p.payload, addr, stack };
    this.onRecord(r);
  }

  private bad(reason: string): void {
    this.badLines++;
    this.onDiagnostic?.({ source: this.source, line: this.lineNo, reason });
  }
}

/** Parses perf script lines into records, in order. Bad lines go to `options.onDiagnostic`. */
export function parsePerfScript(lines: AsyncIterable<string> | Iterable<string>, options: PerfScriptOptions): AsyncGenerator<TraceRecord> {
  return pullRecords(lines, (onRecord: (r: TraceRecord) => void) => new PerfScriptParser(options, onRecord));
}

// ------------------------------------------------------------------ helpers

function onlyBlanks(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/** perf script text output, for the registry (parsers/index.ts): read from bytes (perf-script-bytes.ts) into the parser. */
export const perfScriptFormat = defineFormat<TraceRecord, PerfScriptByteReader<PerfScriptParser>>(
  'perf-script',
  { noun: 'perf script', description: 'perf script output', looksLike: 'perf script output', passAs: 'pass it as the trace' },
  sniffPerfScript,
  (options, onRecord) => new PerfScriptByteReader(new PerfScriptParser(options, onRecord), options),
);
