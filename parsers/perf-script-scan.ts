// perf script text → classified lines, from the bytes themselves: the fast path
// of `collapse`. A callchain frame line is interned by its bytes into an
// integer id (parsers/line-table.ts); a frame line seen before is found that
// way before its end is known, other lines are cut with indexOf. A string is decoded — as latin1, one char per byte, so bytes that
// are not UTF-8 pass through unchanged — only for a new distinct frame.
// A record header is read on its bytes by stackcollapse-perf.pl's rules (quoted
// where each is read), with linear scans instead of its backtracking regexes;
// its comm, pid and tid are decoded only when their bytes differ from the
// previous header's, its event only when it differs from the previous event.
// Lines of an unusual shape (starting with a blank other than a tab, or
// `LOST …`) are read from their latin1 text.
//
// What each line is, with the rules of the reference and where faultpath reads more:
//   blank (or only blanks)           end of record
//   `#…`                             comment, skipped
//   `comm pid/tid … event:`          header: `^(\S.+?)\s+(\d+)\/*(\d+)*\s+` — and, right-aligned
//                                    (leading blanks, `perf script -G` or no callchain) or with no
//                                    comm, a line with a `time:` stamp (the reference reads neither)
//   `… PERF_RECORD_…`, `LOST n events!`  side-band record (the reference takes it for a header)
//   anything else                    frame candidate (`^\s*(\w+)\s*(.+) \((\S*)\)` decides later)
import type { Diagnostic, DiagnosticSink } from './records.js';
import type { ByteParser, Format, ParserOptions } from './format.js';
import { HASHED_BYTES, LineTable, sameBytes, viewOf } from './line-table.js';
import { DEFAULT_MAX_LINE_LENGTH } from './lines.js';

export const LINE_BLANK = 0;
export const LINE_HEADER = 1;
export const LINE_FRAME = 2;
export const LINE_SIDE_BAND = 3;

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
  /** The line as latin1 text. */
  text(): string;
  /** Header: which of two slots keeps its text for headerText (they alternate). */
  readonly headerSlot: number;
  /** The latin1 text of a header line by its slot, valid until the second header after it. */
  headerText(slot: number): string;
  /** Frame: the id of the line's bytes, interned on first use. */
  frameId(): number;
  /** Interns a frame line given as text (a header's ip frame). */
  internText(text: string): number;
  /** The latin1 text of a distinct frame line. */
  frameText(id: number): string;
  /** Distinct frame lines so far. */
  readonly distinctFrames: number;
}

export type ScanOptions = ParserOptions;

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const HASH = 35;
const COLON = 58;
const NBSP = 0xa0;

/** Perl's \s on bytes: space, \t, \n, \v, \f, \r. */
export function isPerlSpace(c: number): boolean {
  return c === SPACE || (c >= TAB && c <= CR);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// `PERF_RECORD_` anywhere in a line, by Horspool's skips (perf prints it after
// the time of a side-band record; headers rarely hold its letters).
const SIDE_BAND = Buffer.from('PERF_RECORD_', 'latin1');
const SIDE_BAND_SKIP = (() => {
  const skip = new Uint8Array(256).fill(SIDE_BAND.length);
  for (let i = 0; i < SIDE_BAND.length - 1; i++) skip[SIDE_BAND[i]!] = SIDE_BAND.length - 1 - i;
  return skip;
})();
function hasSideBandMark(buf: Buffer, start: number, end: number): boolean {
  const m = SIDE_BAND.length;
  for (let i = start + m - 1; i < end; i += SIDE_BAND_SKIP[buf[i]!]!) {
    let k = 0;
    while (k < m && buf[i - k] === SIDE_BAND[m - 1 - k]) k++;
    if (k === m) return true;
  }
  return false;
}

/** A byte range kept across chunks: the previous header's task prefix, the previous event. */
class Kept {
  bytes = Buffer.alloc(64);
  view = viewOf(this.bytes);
  length = -1;
  set(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n > this.bytes.length) {
      this.bytes = Buffer.alloc(Math.max(n, this.bytes.length * 2));
      this.view = viewOf(this.bytes);
    }
    buf.copy(this.bytes, 0, start, end);
    this.length = n;
  }
  /** Bytes [start, start + length) of buf equal the kept ones (the caller checks they are in the line). */
  at(view: DataView, start: number): boolean {
    return this.length >= 0 && sameBytes(view, start, this.view, 0, this.length);
  }
}

/** Pushes bytes, calls back once per line with itself positioned at that line. */
export class PerfScriptScanner implements ByteParser, ScanLine {
  kind = LINE_BLANK;
  line = 0;
  comm = '';
  pid = '';
  tid = '';
  event: string | undefined = undefined;
  period = 1;
  spaceIndented = false;
  headerSlot = 0;

  private readonly source: string;
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
  private readonly headerFrom = [0, 0];
  private readonly headerTo = [0, 0];
  private readonly headerTexts: (string | undefined)[] = ['', ''];
  // the previous header's comm, pid and tid bytes (through the blank after the tid), and its event
  private readonly task = new Kept();
  private readonly lastEvent = new Kept();
  // frame lines by their bytes, and their latin1 texts once asked for
  private readonly frames = new LineTable();
  private readonly texts: (string | undefined)[] = [];
  // the id of the current line when `known` found it, else -1
  private knownId = -1;

  constructor(
    options: ScanOptions,
    private readonly onLine: (l: ScanLine) => void,
  ) {
    this.source = options.source;
    this.sink = options.onDiagnostic;
    this.max = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  }

  get lines(): number {
    return this.line;
  }

  get distinctFrames(): number {
    return this.frames.count;
  }

  write(chunk: Buffer): void {
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
    const max = this.max;
    const view = viewOf(chunk);
    const limit = chunk.length;
    for (;;) {
      // most lines are frames seen before: found without looking for their end
      if (from + HASHED_BYTES <= limit && chunk[from] === TAB) {
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
          this.knownId = id;
          this.onLine(this);
          from = this.frames.knownEnd + 1;
          continue;
        }
      }
      const nl = chunk.indexOf(LF, from);
      if (nl < 0) break;
      if (nl - from > max) this.overlong(nl - from);
      else this.take(chunk, view, from, nl);
      from = nl + 1;
    }
    if (from < chunk.length) this.keep(chunk.subarray(from));
    // the stream may reuse the chunk: the headers still wanted keep their own bytes
    for (let s = 0; s < 2; s++) {
      if (this.headerBuf[s] === chunk && this.headerTexts[s] === undefined) {
        this.headerBuf[s] = Buffer.from(chunk.subarray(this.headerFrom[s]!, this.headerTo[s]!));
        this.headerTo[s] = this.headerTo[s]! - this.headerFrom[s]!;
        this.headerFrom[s] = 0;
      }
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

  headerText(slot: number): string {
    let t = this.headerTexts[slot];
    if (t === undefined) {
      t = this.headerBuf[slot]!.toString('latin1', this.headerFrom[slot], this.headerTo[slot]);
      this.headerTexts[slot] = t;
    }
    return t;
  }

  frameId(): number {
    return this.knownId >= 0 ? this.knownId : this.frames.intern(this.buf, this.view, this.from, this.to);
  }

  internText(text: string): number {
    const b = Buffer.from(text, 'latin1');
    return this.frames.intern(b, viewOf(b), 0, b.length);
  }

  frameText(id: number): string {
    let t = this.texts[id];
    if (t === undefined) {
      t = this.frames.text(id, 'latin1');
      this.texts[id] = t;
    }
    return t;
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
    const d: Diagnostic = { source: this.source, line: this.line, reason: `line of ${length} characters is longer than the maximum line length; skipped` };
    this.sink?.(d);
  }

  private take(buf: Buffer, view: DataView, start: number, end: number): void {
    this.line++;
    this.knownId = -1;
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
      this.onLine(this);
      return;
    }
    if (c0 === HASH) return;
    // a line that starts with a blank (right-aligned headers, srclines, blank lines) or `LOST `: read as text
    if (isPerlSpace(c0) || c0 === NBSP || (c0 === 76 /* L */ && end - start > 4 && buf[start + 1] === 79 && buf[start + 2] === 83 && buf[start + 3] === 84 && buf[start + 4] === SPACE)) {
      this.other(c0 === SPACE);
      return;
    }
    if (hasSideBandMark(buf, start, end)) {
      this.kind = LINE_SIDE_BAND;
      this.onLine(this);
      return;
    }
    if (this.header(buf, view, start, end)) {
      this.kind = LINE_HEADER;
      this.onLine(this);
      return;
    }
    this.kind = LINE_FRAME;
    this.spaceIndented = false;
    this.onLine(this);
  }

  // The header of a line that starts with neither a blank nor `#`: `^(\S.+?)\s+(\d+)\/*(\d+)*\s+`, then the event rule.
  private header(buf: Buffer, view: DataView, start: number, end: number): boolean {
    // the same comm, pid and tid bytes as the previous header's give the same match
    const task = this.task;
    if (!(task.length >= 0 && start + task.length < end && task.at(view, start)) && !this.readTask(buf, start, end)) return false;
    this.readEventBytes(buf, view, start, end);
    this.noteHeader(buf, start, end);
    return true;
  }

  private readTask(buf: Buffer, start: number, n: number): boolean {
    for (let a = start + 1; a < n; ) {
      while (a < n && !isPerlSpace(buf[a]!)) a++;
      let b = a;
      while (b < n && isPerlSpace(buf[b]!)) b++;
      if (b >= n) return false;
      const commEnd = Math.max(a, start + 2);
      if (commEnd < b && isDigit(buf[b]!)) {
        let c = b;
        while (c < n && isDigit(buf[c]!)) c++;
        let d = c;
        while (d < n && buf[d] === 47 /* / */) d++;
        let e = d;
        while (e < n && isDigit(buf[e]!)) e++;
        if (e < n && isPerlSpace(buf[e]!)) {
          this.comm = buf.toString('latin1', start, commEnd);
          this.pid = buf.toString('latin1', b, c);
          this.tid = buf.toString('latin1', d, e);
          this.task.set(buf, start, e + 1);
          return true;
        }
      }
      a = b;
    }
    return false;
  }

  // `:\s*(\d+)*\s+(\S+):\s*$` on the whole line: the event and its period.
  private readEventBytes(buf: Buffer, view: DataView, start: number, end: number): void {
    this.event = undefined;
    this.period = 1;
    let colon = end;
    while (colon > start && isPerlSpace(buf[colon - 1]!)) colon--;
    colon--;
    if (colon < start || buf[colon] !== COLON) return;
    let s = colon;
    while (s > start && !isPerlSpace(buf[s - 1]!)) s--;
    if (s === colon || s === start) return;
    let w = s;
    while (w > start && isPerlSpace(buf[w - 1]!)) w--;
    let d = w;
    while (d > start && isDigit(buf[d - 1]!)) d--;
    let x = d;
    while (x > start && isPerlSpace(buf[x - 1]!)) x--;
    if (x === start || buf[x - 1] !== COLON) return;
    const last = this.lastEvent;
    if (last.length === colon - s && last.at(view, s)) {
      this.event = this.lastEventText;
    } else {
      this.event = this.lastEventText = buf.toString('latin1', s, colon);
      last.set(buf, s, colon);
    }
    if (d < w) this.period = periodOf(buf, d, w);
  }

  private lastEventText: string | undefined;

  private noteHeader(buf: Buffer, start: number, end: number): void {
    const slot = (this.headerSlot ^= 1);
    this.headerBuf[slot] = buf;
    this.headerFrom[slot] = start;
    this.headerTo[slot] = end;
    this.headerTexts[slot] = this.decoded;
  }

  private other(indented: boolean): void {
    const t = this.text();
    if (t.trim() === '') {
      this.kind = LINE_BLANK;
      this.onLine(this);
      return;
    }
    if (t.includes('PERF_RECORD_') || LOST_BANG.test(t)) {
      this.kind = LINE_SIDE_BAND;
      this.onLine(this);
      return;
    }
    let from = 0;
    if (indented) {
      while (from < t.length && isPerlSpace(t.charCodeAt(from))) from++;
    }
    // `-G`, no callchain: right-aligned; the reference reads no header that starts with a blank
    if ((!indented || hasTimestamp(t)) && this.readHeader(t, from)) {
      this.kind = LINE_HEADER;
      this.onLine(this);
      return;
    }
    // ` 5729 12446.891952:  page-faults:` (`-F tid,time,event,…`, samples/odd/): no comm
    if (indented && hasTimestamp(t) && this.readCommless(t, from)) {
      this.kind = LINE_HEADER;
      this.onLine(this);
      return;
    }
    this.kind = LINE_FRAME;
    this.spaceIndented = indented;
    this.onLine(this);
  }

  // A header read from its text: the task's bytes are not kept, so the next header reads its own.
  private textHeader(t: string, comm: string, pid: string, tid: string): void {
    this.comm = comm;
    this.pid = pid;
    this.tid = tid;
    this.task.length = -1;
    this.readEvent(t);
    this.noteHeader(this.buf, this.from, this.to);
  }

  // `^(\S.+?)\s+(\d+)\/*(\d+)*\s+` at `from`, then the event rule.
  private readHeader(t: string, from: number): boolean {
    const n = t.length;
    if (from >= n || isPerlSpace(t.charCodeAt(from))) return false;
    for (let a = from + 1; a < n; ) {
      while (a < n && !isPerlSpace(t.charCodeAt(a))) a++;
      let b = a;
      while (b < n && isPerlSpace(t.charCodeAt(b))) b++;
      if (b >= n) return false;
      const commEnd = Math.max(a, from + 2);
      if (commEnd < b && isDigit(t.charCodeAt(b))) {
        let c = b;
        while (c < n && isDigit(t.charCodeAt(c))) c++;
        let d = c;
        while (d < n && t.charCodeAt(d) === 47 /* / */) d++;
        let e = d;
        while (e < n && isDigit(t.charCodeAt(e))) e++;
        if (e < n && isPerlSpace(t.charCodeAt(e))) {
          this.textHeader(t, t.slice(from, commEnd), t.slice(b, c), t.slice(d, e));
          return true;
        }
      }
      a = b;
    }
    return false;
  }

  private readCommless(t: string, from: number): boolean {
    let e = from;
    while (e < t.length && isDigit(t.charCodeAt(e))) e++;
    if (e === from || !isPerlSpace(t.charCodeAt(e))) return false;
    this.textHeader(t, '', t.slice(from, e), '');
    return true;
  }

  // `:\s*(\d+)*\s+(\S+):\s*$` on the whole line: the event and its period.
  private readEvent(t: string): void {
    this.event = undefined;
    this.period = 1;
    let colon = t.length;
    while (colon > 0 && isPerlSpace(t.charCodeAt(colon - 1))) colon--;
    colon--;
    if (colon < 0 || t.charCodeAt(colon) !== COLON) return;
    let s = colon;
    while (s > 0 && !isPerlSpace(t.charCodeAt(s - 1))) s--;
    if (s === colon || s === 0) return;
    let w = s;
    while (w > 0 && isPerlSpace(t.charCodeAt(w - 1))) w--;
    let d = w;
    while (d > 0 && isDigit(t.charCodeAt(d - 1))) d--;
    let x = d;
    while (x > 0 && isPerlSpace(t.charCodeAt(x - 1))) x--;
    if (x === 0 || t.charCodeAt(x - 1) !== COLON) return;
    const event = t.slice(s, colon);
    this.event = event === this.lastEventText ? this.lastEventText : event;
    if (d < w) this.period = periodOf(this.buf, this.from + d, this.from + w);
  }
}

// The reference's `$period = $1 || 1` on the digits [d, w): `0` is false in Perl, `00` is not.
function periodOf(buf: Buffer, d: number, w: number): number {
  if (w - d > 15) return Number(buf.toString('latin1', d, w));
  let v = 0;
  for (let i = d; i < w; i++) v = v * 10 + (buf[i]! - 48);
  return v === 0 && w - d === 1 ? 1 : v;
}

// `time:` as perf_sample__fprintf_start prints it: ` 8199.041742: `
const TIMESTAMP = /\s\d+\.\d+:(?:\s|$)/;
function hasTimestamp(t: string): boolean {
  return TIMESTAMP.test(t);
}

// `LOST 15 events!`, as perf trace and perf report print lost records
const LOST_BANG = /^\s*LOST \d+ events!\s*$/;

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
