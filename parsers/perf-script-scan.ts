// perf script text → classified lines, from the bytes themselves: the fast path
// of `collapse`. A callchain frame line is interned by its bytes into an
// integer id (parsers/line-table.ts); a frame line seen before is found that
// way before its end is known, and a record's whole callchain seen before is
// found as one run (parsers/frame-runs.ts). Other lines are cut with indexOf.
// A string is decoded — as latin1, one char per byte, so bytes that are not
// UTF-8 pass through unchanged — only for a new distinct frame, or a header
// field whose bytes changed (parsers/perf-script-scan-header.ts). A header like
// one read before but for its digits (its time) is read from that one
// (parsers/perf-script-scan-templates.ts).
//
// What each line is, with the rules of the reference and where faultpath reads more:
//   blank (or only blanks)           end of record
//   `#…`                             comment, skipped
//   `comm pid/tid … event:`          header: `^(\S.+?)\s+(\d+)\/*(\d+)*\s+` — and, right-aligned
//                                    (leading blanks, `perf script -G` or no callchain) or with no
//                                    comm, a line with a `time:` stamp (the reference reads neither)
//   `… PERF_RECORD_…`, `LOST n events!`  side-band record (the reference takes it for a header)
//   anything else                    frame candidate (`^\s*(\w+)\s*(.+) \((\S*)\)` decides later)
import type { DiagnosticSink } from './records.js';
import type { ByteParser, Format, ParserOptions } from './format.js';
import { FrameRuns } from './frame-runs.js';
import { HASHED_BYTES, LineTable, viewOf } from './line-table.js';
import { DEFAULT_MAX_LINE_LENGTH } from './lines.js';
import { HeaderTemplates } from './perf-script-scan-templates.js';
import { CR, HASH, HeaderReader, headerIpFrameAt, trimmedEnd, LF, NBSP, COLON, SIDE_BAND, SPACE, TAB, isLostLine, isPerlSpace, skipBlanks, skipPerlSpaces, stampBefore } from './perf-script-scan-header.js';

export const LINE_BLANK = 0;
export const LINE_HEADER = 1;
export const LINE_FRAME = 2;
export const LINE_SIDE_BAND = 3;
/** A record's callchain met before as the same bytes: `run`, `line` is its first line's number; an empty line follows it. */
export const LINE_FRAMES = 4;

/** The scanner positioned at one line: valid only during the callback it is passed to. */
export interface ScanLine {
  readonly kind: number;
  /** 1-based line number. */
  readonly line: number;
  /** Header: comm as the reference reads it (latin1), pid and tid as printed ('' when absent); the same strings while their bytes repeat. */
  readonly comm: string;
  readonly pid: string;
  readonly tid: string;
  /** Header: the event when the line ends with `[period] event:` (the reference's event rule), else undefined; the same string while it repeats. */
  readonly event: string | undefined;
  /** Header: the sample's weight by the reference's rule — the period, 1 when absent or `0`. */
  readonly period: number;
  /** Frame: the line starts with a blank, not a tab (where perf puts a srcline). */
  readonly spaceIndented: boolean;
  /** Frame: the line starts with a tab (where perf puts a callchain frame). */
  readonly tabbed: boolean;
  /** The line as latin1 text. */
  text(): string;
  /** Header: which of two slots keeps its text for headerText (they alternate). */
  readonly headerSlot: number;
  /** The latin1 text of a header line by its slot, valid until the second header after it. */
  headerText(slot: number): string;
  /** Whether a header (by its slot, as headerText) holds ` (` with `)` after it, as any frame the reference names does. */
  headerHasParens(slot: number): boolean;
  /** Frame: the id of the line's bytes, interned on first use. */
  frameId(): number;
  /** Distinct frame lines so far. */
  readonly distinctFrames: number;
  /** Frames: the run's id; its frame ids (one per line, tab-indented frame lines) by runFrameIds. */
  readonly run: number;
  runFrameIds(run: number): Int32Array;
  /** The frame id of a header's ip frame (by its slot, as headerText): what collapse's headerIpFrame reads in its text, interned by its bytes; -1 when it has none. */
  headerIpFrame(slot: number): number;
  /** The latin1 text of a distinct frame line. */
  frameText(id: number): string;
}


/** Pushes bytes, calls back once per line (or run of frame lines) with itself positioned there. */
export class PerfScriptScanner implements ByteParser, ScanLine {
  /** What it keeps of a chunk it copies (a cut line, the headers still wanted, new frames and runs). */
  readonly copiesChunks = true;
  kind = LINE_BLANK;
  line = 0;
  spaceIndented = false;
  tabbed = false;
  headerSlot = 0;
  run = -1;

  private readonly h = new HeaderReader();
  // headers like ones read before but for their digits; whether the line was asked about
  private readonly templates = new HeaderTemplates();
  private asked = false;
  private readonly sink: DiagnosticSink | undefined;
  private readonly max: number;
  // the current line: bytes [from, to) of buf, seen through view
  private buf: Buffer = Buffer.alloc(0);
  private view: DataView = viewOf(this.buf);
  private from = 0;
  private to = 0;
  private decoded: string | undefined;
  // a line cut by a chunk edge
  private rest: Buffer | undefined;
  private overflow = -1;
  // the last two header lines (slot = headerSlot), as bytes until decoded
  private readonly headerBuf: Buffer[] = [this.buf, this.buf];
  private readonly headerView: DataView[] = [this.view, this.view];
  private readonly headerFrom = [0, 0];
  private readonly headerTo = [0, 0];
  // where the line's first `time:` stamp ends (its colon), from its start, when asked (-1: not asked)
  private readonly headerStamp = [-1, -1];
  private stampAt = -1;
  private readonly headerTexts: (string | undefined)[] = ['', ''];
  // frame lines by their bytes, and their latin1 texts once asked for
  private readonly frames = new LineTable();
  private readonly texts: (string | undefined)[] = [];
  // the id of the current line when known, else -1
  private knownId = -1;
  // callchains by their bytes; set by a header line, for the line after it
  private readonly runs = new FrameRuns(this.frames);
  private afterHeader = false;
  // where `PERF_RECORD_` is next in markBuf at or after the line last asked about (-1: not in it):
  // one native search per chunk when it holds none, instead of a scan of each header
  private markBuf: Buffer | undefined;
  private markAt = -1;
  // the same for the next colon (where a header's `time:` stamp may end)
  private colonBuf: Buffer | undefined;
  private colonAt = -1;
  // the same for the next `)` (where a header without callchain may hold a frame), searched from parenFrom
  private parenBuf: Buffer | undefined;
  private parenFrom = 0;
  private parenAt = -1;

  constructor(
    private readonly options: ParserOptions,
    private readonly onLine: (l: ScanLine) => void,
  ) {
    this.sink = options.onDiagnostic;
    this.max = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  }

  get lines(): number {
    return this.line;
  }
  get distinctFrames(): number {
    return this.frames.count;
  }
  get comm(): string {
    return this.h.comm;
  }
  get pid(): string {
    return this.h.pid;
  }
  get tid(): string {
    return this.h.tid;
  }
  get event(): string | undefined {
    return this.h.event;
  }
  get period(): number {
    return this.h.period;
  }

  write(chunk: Buffer): void {
    this.markBuf = this.colonBuf = this.parenBuf = undefined; // the stream may refill the same buffer
    let from = 0;
    if (this.rest !== undefined || this.overflow >= 0) {
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        this.keep(chunk);
        return;
      }
      if (this.overflow >= 0) {
        this.overlong(this.overflow + nl);
      } else {
        const joined = Buffer.concat([this.rest!, chunk.subarray(0, nl)]);
        this.rest = undefined;
        if (joined.length > this.max) this.overlong(joined.length);
        else this.take(joined, viewOf(joined), 0, joined.length);
      }
      from = nl + 1;
    }
    from = this.scanLines(chunk, from);
    if (from < chunk.length) this.keep(chunk.subarray(from));
    // the stream may reuse the chunk: the headers still wanted keep their own bytes
    for (let s = 0; s < 2; s++) {
      if (this.headerBuf[s] === chunk && this.headerTexts[s] === undefined) {
        this.headerBuf[s] = Buffer.from(chunk.subarray(this.headerFrom[s]!, this.headerTo[s]!));
        this.headerView[s] = viewOf(this.headerBuf[s]!);
        this.headerTo[s] = this.headerTo[s]! - this.headerFrom[s]!;
        this.headerFrom[s] = 0;
      }
    }
  }

  // The lines of a chunk from `from` on, to the last newline; returns where the rest starts.
  // (Apart from write: its loop is what gets optimized, not write's tail, which ran once per chunk.)
  private scanLines(chunk: Buffer, from: number): number {
    const max = this.max;
    const view = viewOf(chunk);
    const limit = chunk.length;
    for (;;) {
      if (from + HASHED_BYTES <= limit && chunk[from] === TAB) {
        if (this.afterHeader) {
          // a callchain seen before, or made of frame lines seen before: one run
          this.afterHeader = false;
          let run = this.runs.find(view, from, limit);
          if (run < 0 && !this.runs.full) run = this.runs.add();
          if (run >= 0) {
            this.frameRun(chunk, run);
            from = this.runs.end;
            continue;
          }
        }
        // most lines are frames seen before: found without looking for their end
        const id = this.frames.known(view, from, limit);
        if (id >= 0) {
          this.line++;
          this.buf = chunk;
          this.view = view;
          this.from = from;
          this.to = this.frames.knownEnd;
          this.decoded = undefined;
          this.kind = LINE_FRAME;
          this.spaceIndented = false;
          this.tabbed = true;
          this.knownId = id;
          this.onLine(this);
          from = this.frames.knownEnd + 1;
          continue;
        }
      }
      // the empty line after each record: no call to indexOf for it
      const nl = from < limit && chunk[from] === LF ? from : chunk.indexOf(LF, from);
      if (nl < 0) return from;
      if (nl - from > max) this.overlong(nl - from);
      else this.take(chunk, view, from, nl);
      from = nl + 1;
    }
  }

  end(): void {
    if (this.overflow >= 0) this.overlong(this.overflow);
    else if (this.rest !== undefined) {
      const last = this.rest;
      this.rest = undefined;
      this.take(last, viewOf(last), 0, last.length);
    }
  }

  text(): string {
    return (this.decoded ??= this.buf.toString('latin1', this.from, this.to));
  }

  headerHasParens(slot: number): boolean {
    const t = this.headerTexts[slot];
    if (t !== undefined) {
      // decoded: its bytes may be gone with the chunk
      const close = t.lastIndexOf(')');
      return close > 0 && t.lastIndexOf(' (', close - 1) >= 0;
    }
    const b = this.headerBuf[slot]!;
    const from = this.headerFrom[slot]!;
    const to = this.headerTo[slot]!;
    // most headers of a tracepoint without callchain hold no `)`: known without reading them
    const close = this.parenAfter(b, from);
    if (close < 0 || close >= to) return false;
    let i = to - 1;
    while (i > from && b[i] !== 41 /* ) */) i--;
    for (i--; i > from; i--) if (b[i] === 40 /* ( */ && b[i - 1] === SPACE) return true;
    return false;
  }

  headerText(slot: number): string {
    let t = this.headerTexts[slot];
    if (t === undefined) {
      t = this.headerBuf[slot]!.toString('latin1', this.headerFrom[slot], this.headerTo[slot]);
      this.headerTexts[slot] = t;
    }
    return t;
  }

  frameId(): number {
    return this.knownId >= 0 ? this.knownId : (this.knownId = this.frames.intern(this.buf, this.view, this.from, this.to));
  }

  runFrameIds(run: number): Int32Array {
    return this.runs.frameIds(run);
  }

  headerIpFrame(slot: number): number {
    const t = this.headerTexts[slot];
    // decoded: its bytes may be gone with the chunk
    const b = t !== undefined ? Buffer.from(t, 'latin1') : this.headerBuf[slot]!;
    const from = t !== undefined ? 0 : this.headerFrom[slot]!;
    const to = t !== undefined ? b.length : this.headerTo[slot]!;
    const stamp = this.headerStamp[slot]!;
    const p = headerIpFrameAt(b, from, to, stamp < 0 ? from : from + stamp);
    if (p < 0) return -1;
    const start = skipBlanks(b, p, to);
    return this.frames.intern(b, t !== undefined ? viewOf(b) : this.headerView[slot]!, start, trimmedEnd(b, start, to));
  }

  frameText(id: number): string {
    let t = this.texts[id];
    if (t === undefined) {
      t = this.frames.text(id, 'latin1');
      this.texts[id] = t;
    }
    return t;
  }

  private frameRun(chunk: Buffer, run: number): void {
    this.kind = LINE_FRAMES;
    this.run = run;
    this.line++;
    this.buf = chunk;
    this.decoded = undefined;
    this.knownId = -1;
    this.onLine(this);
    this.line += this.runs.lineCount(run) - 1;
  }

  private keep(piece: Buffer): void {
    if (this.overflow >= 0) {
      this.overflow += piece.length;
      return;
    }
    const length = (this.rest?.length ?? 0) + piece.length;
    if (length > this.max) {
      this.overflow = length;
      this.rest = undefined;
      return;
    }
    // copied: the chunk it is cut from is reused by the stream
    this.rest = this.rest === undefined ? Buffer.from(piece) : Buffer.concat([this.rest, piece]);
  }

  private overlong(length: number): void {
    this.line++;
    this.overflow = -1;
    this.rest = undefined;
    this.afterHeader = false;
    this.sink?.({ source: this.options.source, line: this.line, reason: `line of ${length} characters is longer than the maximum line length; skipped` });
  }

  private take(buf: Buffer, view: DataView, start: number, end: number): void {
    this.line++;
    this.knownId = -1;
    this.stampAt = -1;
    this.afterHeader = false;
    if (end > start && buf[end - 1] === CR) end--;
    this.buf = buf;
    this.view = view;
    this.from = start;
    this.to = end;
    this.decoded = undefined;
    if (end === start) {
      this.kind = LINE_BLANK;
      this.onLine(this);
      return;
    }
    const c0 = buf[start]!;
    if (c0 === TAB) {
      // a callchain frame, or a line of blanks
      let i = start + 1;
      while (i < end && isPerlSpace(buf[i]!)) i++;
      this.kind = i === end ? LINE_BLANK : LINE_FRAME;
      this.spaceIndented = false;
      this.tabbed = true;
      this.onLine(this);
      return;
    }
    if (c0 === HASH) return;
    // (a header that ends with its event: one with fields or frames after it has addresses that differ)
    this.asked = endsWithColon(buf, start, end) && this.templates.ask();
    if (this.asked && this.templates.match(buf, view, start, end, this.h)) {
      this.header();
      return;
    }
    // a line that starts with a blank (right-aligned headers, srclines, blank lines) or `LOST `
    if (isPerlSpace(c0) || c0 === NBSP || (c0 === 76 /* L */ && end - start > 4 && buf[start + 1] === 79 && buf[start + 2] === 83 && buf[start + 3] === 84 && buf[start + 4] === SPACE)) {
      this.other(c0 === SPACE);
      return;
    }
    if (this.sideBand(buf, start, end)) {
      this.kind = LINE_SIDE_BAND;
      this.onLine(this);
      return;
    }
    if (this.h.read(buf, view, start, end)) {
      this.readHeader();
      return;
    }
    this.kind = LINE_FRAME;
    this.spaceIndented = false;
    this.tabbed = false;
    this.onLine(this);
  }

  // A header the rules read: kept as a template when it was asked about.
  private readHeader(): void {
    if (this.asked) this.templates.keep(this.buf, this.from, this.to, this.h);
    this.header();
  }

  private header(): void {
    const slot = (this.headerSlot ^= 1);
    this.headerBuf[slot] = this.buf;
    this.headerView[slot] = this.view;
    this.headerFrom[slot] = this.from;
    this.headerTo[slot] = this.to;
    this.headerStamp[slot] = this.stampAt < 0 ? -1 : this.stampAt - this.from;
    this.headerTexts[slot] = this.decoded;
    this.kind = LINE_HEADER;
    this.onLine(this);
    this.afterHeader = true;
  }

  /** `PERF_RECORD_` in bytes [start, end) of buf (lines are asked about in order). */
  private sideBand(buf: Buffer, start: number, end: number): boolean {
    if (buf !== this.markBuf || (this.markAt >= 0 && this.markAt < start)) {
      this.markBuf = buf;
      this.markAt = buf.indexOf(SIDE_BAND, start);
    }
    return this.markAt >= 0 && this.markAt + SIDE_BAND.length <= end;
  }

  /** A `time:` stamp in bytes [start, end) of buf (stampBefore at each colon; lines are asked about in order). */
  private stamped(buf: Buffer, start: number, end: number): boolean {
    for (let c = this.colonAfter(buf, start + 4); c >= 0 && c < end; c = this.colonAfter(buf, c + 1)) {
      if (stampBefore(buf, start, c, end)) {
        this.stampAt = c;
        return true;
      }
    }
    return false;
  }

  /** Where the first `:` at or after `from` is in buf (-1: none), kept until a later position is asked about. */
  private colonAfter(buf: Buffer, from: number): number {
    if (buf !== this.colonBuf || (this.colonAt >= 0 && this.colonAt < from)) {
      this.colonBuf = buf;
      this.colonAt = buf.indexOf(COLON, from);
    }
    return this.colonAt;
  }

  /** Where the first `)` at or after `from` is in buf (-1: none), kept while later positions are asked about. */
  private parenAfter(buf: Buffer, from: number): number {
    if (buf !== this.parenBuf || from < this.parenFrom || (this.parenAt >= 0 && this.parenAt < from)) {
      this.parenBuf = buf;
      this.parenFrom = from;
      this.parenAt = buf.indexOf(41, from);
    }
    return this.parenAt;
  }

  // A line that starts with a blank or `LOST `.
  private other(indented: boolean): void {
    const { buf, view, from: start, to: end } = this;
    const from = indented ? skipPerlSpaces(buf, view, start, end) : start;
    const at = skipBlanks(buf, from, end);
    if (at === end) {
      this.kind = LINE_BLANK;
      this.onLine(this);
      return;
    }
    if (isLostLine(buf, at, end) || this.sideBand(buf, at, end)) {
      this.kind = LINE_SIDE_BAND;
      this.onLine(this);
      return;
    }
    // `-G`, no callchain: right-aligned; the reference reads no header that starts with a blank.
    // ` 5729 12446.891952:  page-faults:` (`-F tid,time,event,…`, samples/odd/): no comm
    const stamped = indented && this.stamped(buf, from - 1, end);
    if (((!indented || stamped) && this.h.readFrom(buf, view, start, from, end, false)) || (stamped && this.h.readFrom(buf, view, start, from, end, true))) {
      this.readHeader();
      return;
    }
    this.kind = LINE_FRAME;
    this.spaceIndented = indented;
    this.tabbed = false;
    this.onLine(this);
  }
}

/** The last byte of [start, end) that is no blank (Perl's \s) is a colon. */
function endsWithColon(buf: Buffer, start: number, end: number): boolean {
  let i = end - 1;
  while (i >= start && isPerlSpace(buf[i]!)) i--;
  return i >= start && buf[i] === COLON;
}

/** perf script read as classified lines for collapse (see the top of this file). Sniffed as perf script. */
export const perfScriptScanFormat: Format<ScanLine, PerfScriptScanner> = {
  name: 'perf-script',
  noun: 'perf script',
  description: 'perf script output',
  looksLike: 'perf script output',
  passAs: 'pass it as the trace',
  sniff: () => 'no',
  createParser: (options, onLine) => new PerfScriptScanner(options, onLine),
};
