// `perf script` text output → TraceRecords (samples, mmaps, task events, lost
// events), one line at a time (a header line from the byte reader is read on
// its bytes: perf-script-header-bytes.ts). Source of truth: tools/perf/builtin-script.c
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
import { NO_IP_PRINTED, type DiagnosticSink, type Frame, type SampleRecord, type TraceRecord } from './records.js';
import { defineFormat, pullRecords } from './format.js';
import { PerfScriptByteReader } from './perf-script-bytes.js';
import { LineTable } from './line-table.js';
import { isPeriodField, isSpace, NO_TIME, scanHeader, splitCommTask, type HeaderParts } from './perf-script-header.js';
import { isLostLine, parseSideBand } from './perf-script-side-band.js';
import { addrHasSymbol, atAddrColumn, frameStarts, headerFrameKey, isFrameShaped, isHex, isTrailingFieldsLine, trailingFieldsAt } from './perf-script-frames.js';
import { FrameCache, STACK_HASH_SEED, stackHashStep } from './perf-script-stacks.js';
import { HeaderBytes, HeaderNames, latin1, RestBytes, TEMPLATES, toFront, trailingFieldsEnd, type Task } from './perf-script-header-bytes.js';
import { hasSideBandMark } from './perf-script-scan-header.js';
import { sniffPerfScript } from './perf-script-sniff.js';
import { recordsReused, ReusedSample } from './perf-script-reused.js';

export { frameStarts } from './perf-script-frames.js';
export { parseTracepointFields } from './tracepoint-fields.js';
export { ownCopy } from './perf-script-stacks.js';
export { handRecordsReused, ReusedSample } from './perf-script-reused.js';

export interface PerfScriptOptions {
  /** Input name used in diagnostics and record origins (a path, or `-`). No default. */
  source: string;
  /** Receives lines that fit no known shape. Default: none (they are still counted in `diagnostics`). */
  onDiagnostic?: DiagnosticSink;
  /** Hand one ReusedSample for every sample, valid only during onRecord (perf-script-reused.ts). Default: as handRecordsReused says (no). */
  reuseRecords?: boolean;
}

// ------------------------------------------------------------------ the parser

const NO_TEXTS: readonly string[] = [];
/** Distinct header frames read from their bytes; past this, by their text. */
const MAX_HEADER_FRAMES = 1 << 16;

/** An ASCII blank (what trim takes off ASCII text). */
function isSpaceByte(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Push parser: feed lines, get TraceRecords (from src/model.ts) in order. The
 * record being read lives in the parser's fields (no object per record until
 * it is emitted); a header line from the byte reader is read on its bytes.
 */
export class PerfScriptParser {
  private readonly source: string;
  private readonly onDiagnostic: DiagnosticSink | undefined;
  private lineNo = 0;
  private readonly frames = new FrameCache();
  private readonly parts: HeaderParts = { timeAt: -1, afterTime: 0, time: NaN, event: undefined, period: undefined, restAt: 0 };
  private readonly bytes = new HeaderBytes();
  private readonly rest = new RestBytes();
  /** Tasks and event names, one object or string each. */
  private readonly names = new HeaderNames();
  /** The header template (HeaderBytes.template) whose task and event these are. */
  private template = -1;
  private templateWho: Task = { comm: '', pid: -1, tid: -1, cpu: -1 };
  private templateEvent = '';
  /** Templates met before and their tasks and events, the last one met first. */
  private readonly templates: { id: number; who: Task; event: string }[] = Array.from({ length: TEMPLATES }, () => ({ id: -1, who: this.templateWho, event: '' }));
  private badLines = 0;
  /** The byte reader's distinct frame lines, by id. */
  private texts: readonly string[] = NO_TEXTS;

  // ---- the pending record (open while a header has been read and not flushed)
  private isOpen = false;
  private pLine = 0;
  private pWho: Task = { comm: '', pid: -1, tid: -1, cpu: -1 };
  private pTime = NaN;
  private pPeriod = 1;
  private pEvent = '';
  /** The header's text after the event name, trimmed (the payload, and the header frames), and how many characters the trim took from its start; null while it is only bytes (pRaw). */
  private pPayload: string | null = '';
  private pLead = 0;
  /** The first header frame's address, when known before the flush. */
  private pAddr: string | undefined = undefined;
  /** With a reused record: the payload as ASCII bytes [0, pRawLength) of rest.bytes, the first header frame's address at [pAddrAt, +pAddrLength) of them. */
  private readonly reused: ReusedSample | null;
  private pRaw = false;
  private pRawLength = 0;
  private pAddrAt = -1;
  private pAddrLength = 0;
  /** Where header frames start in the untrimmed rest (frameStarts), and how many. */
  private starts = new Int32Array(8);
  private startCount = 0;
  /** The last header frame's bytes as an id of headerIds (the record's stack when it has no callchain), or -1. */
  private pHeaderId = -1;
  /** Header frames that were a record's stack, by their trimmed bytes (read from bytes while records come without callchains). */
  private readonly headerIds = new LineTable();
  private readonly headerFrameOf: Frame[] = [];
  private lastWithoutChain = false;
  /** Header frames as cache keys, made only when a srcline changes the last one (else made at flush when they are the stack). */
  private headerKeys: string[] | null = null;
  /** Callchain frame lines (a line with its srcline is `frame line\nsrcline`), the first chainCount, once not byId; reused. */
  private chain: string[] = [];
  private chainCount = 0;
  /** Whether chain[i] carries a srcline. */
  private withSrcline: boolean[] | null = null;
  /** Whether every callchain line came from the byte reader with its line id (in `ids`). */
  private byId = true;
  private ids = new Int32Array(256);
  /** The hash of the ids so far (stackHashStep). */
  private stackHash = STACK_HASH_SEED;
  /** Whether a srcline now belongs to the frame above (a frame or header frame without one yet). */
  private srclineTarget = false;
  /** Whether a callchain line of the record came without perf's tab (simpleperf, older captures). */
  private untabbed = false;
  /** Whether the record's printed end came: the line perf ends a record with the ip in -F (blank, or phys_addr and page sizes). */
  private pEnded = false;

  constructor(
    options: PerfScriptOptions,
    private readonly onRecord: (r: TraceRecord) => void,
  ) {
    this.source = options.source;
    this.onDiagnostic = options.onDiagnostic;
    this.reused = (options.reuseRecords ?? recordsReused()) ? new ReusedSample(options.source) : null;
    if (this.reused !== null) this.rest.bytes = Buffer.allocUnsafeSlow(256);
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

  /** The byte reader's texts of its distinct frame lines, by id (frameLine hands ids). */
  useFrameTexts(texts: readonly string[]): void {
    this.texts = texts;
  }

  /** One line without its newline (a trailing CR is tolerated). */
  line(text: string): void {
    this.lineNo++;
    if (text.length > 0 && text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    if (text.length === 0) {
      this.flush(true);
      return;
    }
    const c0 = text.charCodeAt(0);
    // hot path: a tab-indented callchain frame
    if (c0 === 9 /* \t */) {
      if (isFrameShaped(text)) this.addFrame(text);
      else if (isBlank(text)) this.flush(true);
      else this.bad('expected a callchain frame: <tab><hex address> <symbol>[+0xoffset] (<dso>)');
      return;
    }
    if (c0 === 35 /* # */) return; // `perf script --header` block and comments
    this.other(text, c0 === 32 /* space */);
  }

  /** A tab-indented line without a CR that isFrameShaped (the byte reader knows it is one): the id of its text in useFrameTexts'. */
  frameLine(id: number): void {
    this.lineNo++;
    if (!this.isOpen || !this.byId) {
      this.addFrame(this.texts[id]!);
      return;
    }
    const n = this.chainCount;
    if (n === this.ids.length) {
      const more = new Int32Array(n * 2);
      more.set(this.ids);
      this.ids = more;
    }
    this.ids[n] = id;
    this.stackHash = stackHashStep(this.stackHash, id);
    this.chainCount = n + 1;
    this.srclineTarget = true;
  }

  /**
   * A frame line's text that holds no chunk (the byte reader decodes each line
   * on its own) becomes its own cache key: the same string looked up again
   * finds it without comparing characters.
   */
  adoptFrameLine(text: string, id: number): void {
    this.frames.adopt(text, id);
  }

  /**
   * Bytes [start, end) of a line that starts with neither a tab nor `#` and
   * ends in no CR: read as a record header on its bytes when it is one they
   * can tell (true); else false, and the caller hands the decoded line to `line`.
   */
  headerBytes(buf: Buffer, view: DataView, start: number, end: number): boolean {
    const h = this.bytes;
    if (!h.read(buf, view, start, end) || hasSideBandMark(buf, h.afterTime, end)) return false;
    // a header like one read before has its task and event
    if (h.template !== this.template) {
      const t = this.keptTemplate(h.template);
      if (t.id !== h.template) {
        // (read here, not in a method of its own: called only at a capture's first few headers, that method had
        // no type feedback yet, and a new template later, met in optimized code, threw this function's away)
        t.id = h.template;
        t.who = this.names.taskBytes(buf, view, start, h.timeAt);
        t.event = this.names.eventBytes(buf, view, h.eventAt, h.eventEnd);
      }
      this.template = t.id;
      this.templateWho = t.who;
      this.templateEvent = t.event;
    }
    const who = this.templateWho;
    const event = this.templateEvent;
    this.lineNo++;
    this.flush();
    const period = h.period < 0 ? 1 : h.period;
    const r = this.rest;
    if (!r.read(buf, view, h.restAt, end, this.starts)) {
      this.start(who, h.time, period, event, buf.toString('utf8', h.restAt, end));
      return true;
    }
    if (this.reused !== null) {
      // the rest is ASCII: its trimmed bytes copied to rest.bytes by its read (the chunk may be refilled before the flush), decoded only if asked for
      this.open(who, h.time, period, event, null, r.trimAt - h.restAt, r.frames);
      this.pRaw = true;
      this.pRawLength = r.trimEnd - r.trimAt;
      if (r.frames > 0) {
        this.pAddrAt = r.addrAt - r.trimAt;
        this.pAddrLength = r.addrEnd - r.addrAt;
      }
    } else {
      // the rest is ASCII: its trimmed text and the data address decoded, no more
      const payload = latin1(buf, r.trimAt, r.trimEnd);
      this.open(who, h.time, period, event, payload, r.trimAt - h.restAt, r.frames);
      // (a slice of the payload: no call into the runtime)
      this.pAddr = r.frames > 0 ? payload.slice(r.addrAt - r.trimAt, r.addrEnd - r.trimAt) : undefined;
    }
    // the last header frame by its bytes, while records come without callchains (its stack then)
    if (r.frames > 0 && this.lastWithoutChain) {
      let a = h.restAt + this.starts[r.frames - 1]!;
      while (a < r.trimEnd && isSpaceByte(buf[a]!)) a++;
      // (without the fields perf prints after the ip)
      if (a < r.trimEnd) this.pHeaderId = this.headerIds.intern(buf, view, a, trailingFieldsEnd(buf, a, r.trimEnd), this.headerIds.count < MAX_HEADER_FRAMES);
    }
    return true;
  }

  // Template `id` (HeaderBytes.template) with its task and event, moved to the front; else the one used longest ago (its id not `id`).
  private keptTemplate(id: number): { id: number; who: Task; event: string } {
    const kept = this.templates;
    let k = 0;
    while (k < kept.length - 1 && kept[k]!.id !== id) k++;
    toFront(kept, k);
    return kept[0]!;
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
      this.flush(true);
      return;
    }
    const inRecord = this.isOpen;
    if (inRecord && !this.untabbed && isTrailingFieldsLine(text)) {
      // phys_addr and page sizes after the last frame, or after a header whose callchain came out empty (perf's frames start with a tab)
      this.srclineTarget = false;
      this.pEnded = true;
      return;
    }
    if (inRecord && isFrameShaped(text)) {
      this.untabbed = true;
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
      const rest = text.slice(whole.length);
      if (b === undefined && cpu === undefined && period === undefined && isPeriodField(whole, comm, a)) {
        this.start({ comm: comm.trim(), pid: -1, tid: -1, cpu: -1 }, NaN, Number(a), event, rest);
        return;
      }
      const who = { comm: comm.trim(), pid: b === undefined ? -1 : Number(a), tid: Number(b ?? a), cpu: cpu === undefined ? -1 : Number(cpu) };
      this.start(who, NaN, period === undefined ? 1 : Number(period), event, rest);
      return;
    }
    if (indented && inRecord && this.srclineTarget) {
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
    const who = this.names.task(text.slice(0, h.timeAt));
    this.flush();
    this.start(who, h.time, h.period === undefined ? 1 : Number(h.period), this.names.eventName(h.event), text.slice(h.restAt));
  }

  // Opens the record of a header with the text after its event name.
  private start(who: Task, time: number, period: number, event: string, rest: string): void {
    // Header frames: the data address frame and/or the ip frame after the fields.
    const at = frameStarts(rest);
    if (at.length > this.starts.length) this.starts = new Int32Array(at.length * 2);
    for (let i = 0; i < at.length; i++) this.starts[i] = at[i]!;
    const payload = rest.trim();
    this.open(who, time, period, event, payload, payload.length === 0 ? rest.length : rest.length - rest.trimStart().length, at.length);
  }

  // Opens the record: the rest after the event trimmed (`payload`), less `lead` characters trimmed from its start; `frames` header frames in `starts`.
  private open(who: Task, time: number, period: number, event: string, payload: string | null, lead: number, frames: number): void {
    this.isOpen = true;
    this.pLine = this.lineNo;
    this.pWho = who;
    this.pTime = time;
    this.pPeriod = period;
    this.pEvent = event;
    this.pPayload = payload;
    this.pLead = lead;
    this.pAddr = undefined;
    this.pRaw = false;
    this.pAddrAt = -1;
    this.pHeaderId = -1;
    const n = frames;
    this.startCount = n;
    this.headerKeys = null;
    this.chainCount = 0;
    this.withSrcline = null;
    this.byId = true;
    this.stackHash = STACK_HASH_SEED;
    this.srclineTarget = n > 0;
    this.untabbed = false;
    this.pEnded = false;
  }

  // The header frames' keys (`headerFrameKey`), `key\nsrcline` where a srcline changed the last.
  private keys(): string[] {
    if (this.headerKeys !== null) return this.headerKeys;
    // a key is its piece trimmed: pieces cut from the trimmed text (a start inside the trimmed blanks at 0) trim alike
    const text = this.payloadText();
    const lead = this.pLead;
    const keys: string[] = [];
    for (let i = 0; i < this.startCount; i++) {
      const from = Math.max(0, this.starts[i]! - lead);
      let to = text.length;
      if (i + 1 < this.startCount) {
        to = this.starts[i + 1]! - lead;
      } else {
        // the last (the ip) without the fields perf prints after it
        let a = from;
        while (a < to && text.charCodeAt(a) === 32) a++;
        to = trailingFieldsAt(text, a, to);
      }
      keys.push(headerFrameKey(text.slice(from, to)));
    }
    return (this.headerKeys = keys);
  }

  private addFrame(text: string): void {
    if (!this.isOpen) {
      this.bad('callchain frame outside a record (no header line above it)');
      return;
    }
    this.lineTexts();
    this.chain[this.chainCount++] = text;
    this.srclineTarget = true;
  }

  // Leaves the ids: the callchain so far as texts in `chain` (for lines that came without an id, or a srcline).
  private lineTexts(): void {
    if (!this.byId) return;
    this.byId = false;
    for (let i = 0; i < this.chainCount; i++) this.chain[i] = this.texts[this.ids[i]!]!;
  }

  // A srcline belongs to the frame above.
  private addSrcline(text: string): void {
    const last = this.chainCount - 1;
    if (last >= 0) {
      this.lineTexts();
      this.chain[last] = this.chain[last] + '\n' + text;
      (this.withSrcline ??= [])[last] = true;
    } else if (this.startCount > 0) {
      const keys = this.keys();
      keys[keys.length - 1] = keys[keys.length - 1] + '\n' + text;
    }
    this.srclineTarget = false;
  }

  private sideBand(text: string, at: number, time: number): void {
    this.flush();
    const prefix = at > 0 ? splitCommTask(text.slice(0, at).replace(/\s\d+\.\d+:\s*$/, '')) : null;
    const body = at >= 0 ? text.slice(at) : text;
    const r = parseSideBand(body, { source: this.source, line: this.lineNo }, prefix?.comm ?? '', time);
    if (typeof r === 'string') this.bad(r);
    else this.onRecord(r);
  }

  // `ended`: a blank line closes the record (perf's end of a record whose ip it printed).
  private flush(ended = false): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.srclineTarget = false;
    let stack: readonly Frame[];
    let hasAddr = false;
    let stackId: number | undefined;
    const n = this.startCount;
    const frames = this.frames;
    if (this.chainCount > 0) {
      // the ip went into the callchain: a header frame is the data address
      // (only its address is wanted: data addresses are many, and need no cache entry)
      if (this.byId && this.withSrcline === null) {
        stack = frames.callchainOfIds(this.ids, this.chainCount, this.stackHash);
        if (frames.stackNumber >= 0) stackId = frames.stackNumber;
      } else {
        stack = frames.callchain(this.chain.slice(0, this.chainCount), this.withSrcline);
      }
      hasAddr = n > 0;
    } else if (n === 1 && atAddrColumn(this.starts[0]!, this.pLead)) {
      // a lone header frame at the event's `: ` (or after blank flags) is the data address
      // (`%16lx`; an ip has a blank of its own before its field, ` %16lx`, one column on): a record
      // with addr whose callchain came out empty (perf prints it, then no frame line) has no frame
      hasAddr = true;
      stack = ended || this.pEnded ? [] : NO_IP_PRINTED;
    } else if (n >= 1) {
      hasAddr = n >= 2;
      const id = this.pHeaderId;
      let frame: Frame;
      if (id >= 0 && this.headerKeys === null) {
        // its key is the trimmed piece after a blank (headerFrameKey): the same Frame as the text gives
        frame = this.headerFrameOf[id] ??= frames.headerFrame(' ' + this.headerIds.text(id, 'latin1'));
      } else {
        const keys = this.keys();
        frame = frames.headerFrame(keys[keys.length - 1]!);
      }
      stack = frames.headerStack(frame);
      if (frames.stackNumber >= 0) stackId = frames.stackNumber;
    } else {
      stack = ended || this.pEnded ? [] : NO_IP_PRINTED;
    }
    // a weight where the address goes (-F weight, no addr): bare, beside frames with a symbol or dso (perf-script-frames.ts)
    if (hasAddr && this.bareFirstField() && stack.length > 0 && (stack[0]!.symbol !== '' || stack[0]!.dso !== '') && addrHasSymbol(this.pEvent)) hasAddr = false;
    this.lastWithoutChain = this.chainCount === 0 && stack.length > 0;
    const who = this.pWho;
    const reused = this.reused;
    if (reused !== null) {
      reused.line = this.pLine;
      reused.comm = who.comm;
      reused.pid = who.pid;
      reused.tid = who.tid;
      reused.cpu = who.cpu;
      reused.time = this.pTime;
      reused.period = this.pPeriod;
      reused.event = this.pEvent;
      reused.stack = stack;
      reused.stackId = stackId;
      if (this.pRaw && (!hasAddr || this.pAddrAt >= 0)) {
        reused.bytes = this.rest.bytes;
        reused.payloadLength = this.pRawLength;
        reused.addrAt = hasAddr ? this.pAddrAt : -1;
        reused.addrLength = this.pAddrLength;
      } else {
        reused.bytes = null;
        reused.text = this.payloadText();
        reused.addrText = hasAddr ? this.headerAddr() : undefined;
      }
      this.onRecord(reused);
      return;
    }
    const addr = hasAddr ? this.headerAddr() : undefined;
    const payload = this.payloadText();
    // one shape with an address, one without (a spread per record costs)
    const r: SampleRecord =
      addr === undefined
        ? { kind: 'sample', source: this.source, line: this.pLine, comm: who.comm, pid: who.pid, tid: who.tid, cpu: who.cpu, time: this.pTime, period: this.pPeriod, event: this.pEvent, payload, stack, stackId }
        : { kind: 'sample', source: this.source, line: this.pLine, comm: who.comm, pid: who.pid, tid: who.tid, cpu: who.cpu, time: this.pTime, period: this.pPeriod, event: this.pEvent, payload, addr, stack, stackId };
    this.onRecord(r);
  }

  // Whether the first header frame is at the address's column with nothing after its field: the next frame, or the end.
  private bareFirstField(): boolean {
    const first = this.starts[0]!;
    if (!atAddrColumn(first, this.pLead)) return false;
    const end = first + 17;
    if (this.startCount > 1) return this.starts[1] === end;
    return end - this.pLead === (this.pPayload !== null ? this.pPayload.length : this.pRawLength);
  }

  // The payload's text (decoded from its bytes the first time it is asked for).
  private payloadText(): string {
    return (this.pPayload ??= latin1(this.rest.bytes!, 0, this.pRawLength));
  }

  // The first header frame's address: its hex after the field's padding (what headerAddr reads of its key).
  private headerAddr(): string {
    if (this.pAddr !== undefined) return this.pAddr;
    if (this.pAddrAt >= 0) return this.payloadText().slice(this.pAddrAt, this.pAddrAt + this.pAddrLength);
    const rest = this.payloadText();
    let i = Math.max(0, this.starts[0]! + 1 - this.pLead);
    while (rest.charCodeAt(i) === 32) i++;
    const from = i;
    while (i < rest.length && isHex(rest.charCodeAt(i))) i++;
    return rest.slice(from, i);
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
