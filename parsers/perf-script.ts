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
import { defineFormat, pullRecords, type LineSniff } from './format.js';
import { PerfScriptByteReader } from './perf-script-bytes.js';
import { AFTER_TIME, isPeriodField, NO_TIME, splitCommTask, TIME } from './perf-script-header.js';
import { isLostLine, parseSideBand } from './perf-script-side-band.js';
import { frameStarts, headerFrameKey, isFrameShaped, parseFrame } from './perf-script-frames.js';

export { frameStarts } from './perf-script-frames.js';
export { parseTracepointFields } from './tracepoint-fields.js';

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
const INLINED_SUFFIX = ' (inlined)';

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
}

/** Push parser: feed lines, get TraceRecords (from src/model.ts) in order. */
export class PerfScriptParser {
  private readonly source: string;
  private readonly onDiagnostic: DiagnosticSink | undefined;
  private lineNo = 0;
  private pending: Pending | null = null;
  /** Raw text of the frame line the next srcline belongs to ('' when none). */
  private lastFrameText = '';
  /** Frame cache: the frame line (or `frame line\nsrcline`) → its Frame. */
  private readonly frames = new Map<string, Frame>();
  /** The previous record's callchain lines and frames: consecutive records share their root-side frames. */
  private prevLines: string[] = [];
  private prevFrames: Frame[] = [];
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

  /** A tab-indented line without a CR that isFrameShaped (the byte reader knows it is one). */
  frameLine(text: string): void {
    this.lineNo++;
    this.addFrame(text);
  }

  /**
   * A frame line's text that holds no chunk (the byte reader decodes each line
   * on its own) becomes its own cache key: the same string looked up again
   * finds it without comparing characters.
   */
  adoptFrameLine(text: string): void {
    if (!this.frames.has(text)) this.frames.set(text, parseFrame(text));
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
    const t = TIME.exec(text);
    if (t !== null) {
      this.header(text, t);
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

  private header(text: string, t: RegExpExecArray): void {
    const before = text.slice(0, t.index);
    const time = Number(t[1]);
    let after = text.slice(t.index + t[0].length);
    const sb = after.indexOf('PERF_RECORD_');
    if (sb >= 0 && after.slice(0, sb).trim() === '') {
      this.sideBand(text, t.index + t[0].length + sb, time);
      return;
    }
    const e = AFTER_TIME.exec(after);
    if (e === null) {
      this.flush();
      this.bad('expected an event name (`name:`) after the timestamp');
      return;
    }
    after = after.slice(e[0].length);
    const who = splitCommTask(before);
    this.flush();
    this.start(who.comm, who.pid, who.tid, who.cpu, time, e[1], e[2] ?? '', after);
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
    };
    this.lastFrameText = key;
  }

  private addFrame(text: string): void {
    const p = this.pending;
    if (p === null) {
      this.bad('callchain frame outside a record (no header line above it)');
      return;
    }
    p.callchain.push(text);
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

  // Frame lines → Frames. Walking from the root end, lines equal to the
  // previous record's reuse its frames (a string comparison is cheaper than
  // hashing the line for the cache); the rest go through the cache.
  private resolveCallchain(p: Pending): Frame[] {
    const lines = p.callchain;
    const n = lines.length;
    const frames = new Array<Frame>(n);
    const prevLines = this.prevLines;
    const prevFrames = this.prevFrames;
    let k = n - 1;
    for (let q = prevLines.length - 1; k >= 0 && q >= 0 && lines[k] === prevLines[q]; k--, q--) frames[k] = prevFrames[q] as Frame;
    const src = p.withSrcline;
    for (; k >= 0; k--) {
      const line = lines[k] as string;
      frames[k] = src !== null && src[k] === true ? this.internWithSrcline(line) : this.intern(line);
    }
    this.prevLines = lines;
    this.prevFrames = frames;
    return frames;
  }

  // `frame line\nsrcline` → the frame with its srcline.
  private internWithSrcline(joined: string): Frame {
    const known = this.frames.get(joined);
    if (known !== undefined) return known;
    const key = ownCopy(joined);
    const nl = key.indexOf('\n');
    const base = this.intern(key.slice(0, nl));
    let src = key.slice(nl + 1).trim();
    let dso = base.dso;
    if (dso === '' && src.endsWith(INLINED_SUFFIX)) {
      src = src.slice(0, -INLINED_SUFFIX.length);
      dso = 'inlined';
    }
    const frame: Frame = { addr: base.addr, symbol: base.symbol, offset: base.offset, dso, srcline: src };
    this.frames.set(key, frame);
    return frame;
  }

  // Keys are copied out of their chunk (see ownCopy); frames are parsed from the copy.
  private intern(text: string): Frame {
    const known = this.frames.get(text);
    if (known !== undefined) return known;
    const key = ownCopy(text);
    const frame = parseFrame(key);
    this.frames.set(key, frame);
    return frame;
  }

  private sideBand(text: string, at: number, time: number): void {
    this.flush();
    const prefix = at > 0 ? splitCommTask(text.slice(0, at).replace(/\s\d+\.\d+:\s*$/, '')) : null;
    const body = at >= 0 ? text.slice(at) : text;
    const r = parseSideBand(body, { source: this.source, line: this.lineNo }, prefix?.comm ?? '', time);
    if (typeof r === 'string') this.bad(r);
    else this.onRecord(r);
  }

  private headerFrame(key: string): Frame {
    return key.includes('\n') ? this.internWithSrcline(key) : this.intern(key);
  }

  private headerAddr(key: string): string {
    const nl = key.indexOf('\n');
    const base = nl < 0 ? key : key.slice(0, nl);
    return (this.frames.get(base) ?? parseFrame(base)).addr;
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
      stack = this.resolveCallchain(p);
      addr = hf.length > 0 ? this.headerAddr(hf[0]!) : undefined;
    } else if (hf.length >= 2) {
      addr = this.headerAddr(hf[0]!);
      stack = [this.headerFrame(hf[hf.length - 1]!)];
    } else {
      stack = hf.map((k) => this.headerFrame(k));
    }
    const r: SampleRecord = {
      kind: 'sample',
      source: this.source,
      line: p.line,
      comm: p.comm,
      pid: p.pid,
      tid: p.tid,
      cpu: p.cpu,
      time: p.time,
      period: p.period,
      event: p.event,
      payload: p.payload,
      ...(addr === undefined ? {} : { addr }),
      stack,
    };
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

// A copy of `s` that does not share memory with the chunk it was cut from.
// Lines are slices of a decoded chunk of about 1 MB; a slice kept as a cache
// key (or any string cut from it) would keep its whole chunk alive, and the
// frame cache would then hold most of the trace. Concatenation then slicing
// makes V8 flatten the line into a string of its own.
export function ownCopy(s: string): string {
  return (' ' + s).slice(1);
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

// ------------------------------------------------------------------ sniffing

// A header with a timestamp and an event name, a side-band record, or a
// tab-indented callchain frame:
// guard  2014 [000]  7537.692729:  exceptions:page_fault_user: address=0x7f740dbc6b70 ip=0x7f740dbc6b70 error_code=0x14
//           shapes 10277  8025.566738:          1 page-faults:  ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])
// swapper     0 [000]     0.000000: PERF_RECORD_MMAP -1/0: [0xffffffff81000000(0x1276f48) @ 0xffffffff81000000]: x [kernel.kallsyms]_text
// 	ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])
// and, from perf 3.x with fewer fields (FlameGraph's test/perf-java-stacks-02.txt):
// java 19983 cycles:
// and with no comm (samples/odd/, `perf script -F tid,time,event,ip,sym`):
//  5729 12446.891952:                 page-faults: 
const SCRIPT_HEADER = /^\s*(?:\S.*?\s)?(-?\d+)(?:\/-?\d+)?\s+(?:\[\d+\]\s+)?\d+\.\d+:\s+(?:\d+\s+)?\S+?:(?:\s|$)/;
const SCRIPT_SIDEBAND = /\s\d+\.\d+:\s+PERF_RECORD_[A-Z0-9_]+/;
const SCRIPT_NO_TIME = /^\s*\S.*?\s-?\d+(?:\/-?\d+)?\s+(?:\[\d+\]\s+)?(?:\d+\s+)?[^\s\d:]\S*?:\s*$/;
const SCRIPT_FRAME = /^\t\s*[0-9a-f]+ \S.* \(.*\)\s*$/;

function sniffPerfScript(line: string): LineSniff {
  if (SCRIPT_HEADER.test(line) || SCRIPT_SIDEBAND.test(line) || SCRIPT_FRAME.test(line)) return 'yes';
  // a header without a timestamp looks like too many other things to win over them
  return SCRIPT_NO_TIME.test(line) ? 'weak' : 'no';
}

/** perf script text output, for the registry (parsers/index.ts): read from bytes (perf-script-bytes.ts) into the parser. */
export const perfScriptFormat = defineFormat<TraceRecord, PerfScriptByteReader<PerfScriptParser>>(
  'perf-script',
  { noun: 'perf script', description: 'perf script output', looksLike: 'perf script output', passAs: 'pass it as the trace' },
  sniffPerfScript,
  (options, onRecord) => new PerfScriptByteReader(new PerfScriptParser(options, onRecord), options),
);
