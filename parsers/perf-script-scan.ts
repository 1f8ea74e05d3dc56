// perf script text → classified lines, from the bytes themselves: the fast path
// of `collapse`. Lines are cut with indexOf over Buffers; a callchain frame line
// is interned by its bytes (an FNV-1a hash, then a byte compare) into an integer
// id, and a string is decoded — as latin1, one char per byte, so bytes that are
// not UTF-8 pass through unchanged — only for a new distinct frame or for the
// other lines (headers, about one in ten). Header fields are read by
// stackcollapse-perf.pl's rules (quoted where each is read), with linear scans
// instead of its backtracking regexes.
//
// What each line is, with the rules of the reference and where faultpath reads more:
//   blank (or only blanks)           end of record
//   `#…`                             comment, skipped
//   `comm pid/tid … event:`          header: `^(\S.+?)\s+(\d+)\/*(\d+)*\s+` — and, right-aligned
//                                    (leading blanks, `perf script -G` or no callchain) or with no
//                                    comm, a line with a `time:` stamp (the reference reads neither)
//   `… PERF_RECORD_…`, `LOST n events!`  side-band record (the reference takes it for a header)
//   anything else                    frame candidate (`^\s*(\w+)\s*(.+) \((\S*)\)` decides later)
import type { Diagnostic, DiagnosticSink } from '../src/model.js';
import type { ByteParser, Format, ParserOptions } from './format.js';
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
  /** Header: comm as the reference reads it (latin1), pid and tid as printed ('' when absent). */
  readonly comm: string;
  readonly pid: string;
  readonly tid: string;
  /** Header: the event and period when the line ends with `[period] event:` (the reference's event rule), else undefined. */
  readonly event: string | undefined;
  readonly period: string | undefined;
  /** Frame: the line starts with a blank, not a tab (where perf puts a srcline). */
  readonly spaceIndented: boolean;
  /** The line as latin1 text. */
  text(): string;
  /** Frame: the id of the line's bytes, interned on first use. */
  frameId(): number;
  /** Interns a frame line given as text (a header's ip frame). */
  internText(text: string): number;
  /** The latin1 text of a distinct frame line. */
  frameText(id: number): string;
  /** Distinct frame lines so far. */
  readonly distinctFrames: number;
}

export interface ScanOptions extends ParserOptions {
  /** Lines longer than this many bytes are skipped and reported. Default 1 MiB. */
  maxLineLength?: number;
}

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const HASH = 35;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const HASHED_BYTES = 32;

/** Perl's \s on bytes: space, \t, \n, \v, \f, \r. */
export function isPerlSpace(c: number): boolean {
  return c === SPACE || (c >= TAB && c <= CR);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Pushes bytes, calls back once per line with itself positioned at that line. */
export class PerfScriptScanner implements ByteParser, ScanLine {
  kind = LINE_BLANK;
  line = 0;
  comm = '';
  pid = '';
  tid = '';
  event: string | undefined = undefined;
  period: string | undefined = undefined;
  spaceIndented = false;

  private readonly source: string;
  private readonly sink: DiagnosticSink | undefined;
  private readonly max: number;
  // the current line: bytes [start, end) of buf
  private buf: Buffer = Buffer.alloc(0);
  private from = 0;
  private to = 0;
  private decoded: string | undefined;
  // a line cut by a chunk edge
  private rest: Buffer | undefined;
  private overflow = -1;
  // frame interning: open addressing over (hash, offset, length) into an arena of line bytes
  private arena = Buffer.alloc(1 << 16);
  private arenaUsed = 0;
  private offsets = new Int32Array(1024);
  private lengths = new Int32Array(1024);
  private texts: (string | undefined)[] = [];
  private count = 0;
  private table = new Int32Array(2048).fill(-1);
  private hashes = new Int32Array(2048);
  private mask = 2047;

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
    return this.count;
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
        else this.take(joined, 0, joined.length);
      }
      from = nl + 1;
    }
    const max = this.max;
    let nl = chunk.indexOf(LF, from);
    while (nl >= 0) {
      if (nl - from > max) this.overlong(nl - from);
      else this.take(chunk, from, nl);
      from = nl + 1;
      nl = chunk.indexOf(LF, from);
    }
    if (from < chunk.length) this.keep(chunk.subarray(from));
  }

  end(): void {
    if (this.overflow >= 0) this.overlong(this.overflow);
    else if (this.rest !== undefined) {
      const last = this.rest;
      this.rest = undefined;
      this.take(last, 0, last.length);
    }
  }

  text(): string {
    return (this.decoded ??= this.buf.toString('latin1', this.from, this.to));
  }

  frameId(): number {
    return this.intern(this.buf, this.from, this.to);
  }

  internText(text: string): number {
    const b = Buffer.from(text, 'latin1');
    return this.intern(b, 0, b.length);
  }

  frameText(id: number): string {
    let t = this.texts[id];
    if (t === undefined) {
      const at = this.offsets[id]!;
      const text = this.arena.toString('latin1', at, at + this.lengths[id]!);
      this.texts[id] = text;
      return text;
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

  private take(buf: Buffer, start: number, end: number): void {
    this.line++;
    if (end > start && buf[end - 1] === CR) end--;
    this.buf = buf;
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
    this.other(c0 === SPACE);
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
          this.comm = t.slice(from, commEnd);
          this.pid = t.slice(b, c);
          this.tid = t.slice(d, e);
          this.readEvent(t);
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
    this.comm = '';
    this.pid = t.slice(from, e);
    this.tid = '';
    this.readEvent(t);
    return true;
  }

  // `:\s*(\d+)*\s+(\S+):\s*$` on the whole line: the event and its period.
  private readEvent(t: string): void {
    this.event = undefined;
    this.period = undefined;
    let colon = t.length;
    while (colon > 0 && isPerlSpace(t.charCodeAt(colon - 1))) colon--;
    colon--;
    if (colon < 0 || t.charCodeAt(colon) !== 58 /* : */) return;
    let s = colon;
    while (s > 0 && !isPerlSpace(t.charCodeAt(s - 1))) s--;
    if (s === colon || s === 0) return;
    let w = s;
    while (w > 0 && isPerlSpace(t.charCodeAt(w - 1))) w--;
    let d = w;
    while (d > 0 && isDigit(t.charCodeAt(d - 1))) d--;
    let x = d;
    while (x > 0 && isPerlSpace(t.charCodeAt(x - 1))) x--;
    if (x === 0 || t.charCodeAt(x - 1) !== 58) return;
    this.event = t.slice(s, colon);
    this.period = d < w ? t.slice(d, w) : undefined;
  }

  private intern(buf: Buffer, start: number, end: number): number {
    // The hash reads the line's length and its first bytes after the indent
    // (the address, then the symbol): distinct frames almost always differ
    // there, and a line that shares them with another is told apart by the
    // full compare.
    let i = start;
    while (i < end && (buf[i] === TAB || buf[i] === SPACE)) i++;
    const stop = Math.min(end, i + HASHED_BYTES);
    const len = end - start;
    let h = FNV_OFFSET ^ len;
    for (; i < stop; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
    let slot = h & this.mask;
    for (;;) {
      const id = this.table[slot]!;
      if (id < 0) break;
      if (this.hashes[slot] === h && this.lengths[id] === len) {
        const at = this.offsets[id]!;
        if (this.arena.compare(buf, start, end, at, at + len) === 0) return id;
      }
      slot = (slot + 1) & this.mask;
    }
    const id = this.count++;
    if (id >= this.offsets.length) {
      this.offsets = grow(this.offsets);
      this.lengths = grow(this.lengths);
    }
    if (this.arenaUsed + len > this.arena.length) {
      const bigger = Buffer.alloc(Math.max(this.arena.length * 2, this.arenaUsed + len));
      this.arena.copy(bigger, 0, 0, this.arenaUsed);
      this.arena = bigger;
    }
    buf.copy(this.arena, this.arenaUsed, start, end);
    this.offsets[id] = this.arenaUsed;
    this.lengths[id] = len;
    this.arenaUsed += len;
    this.table[slot] = id;
    this.hashes[slot] = h;
    if (this.count * 2 > this.mask) this.rehash();
    return id;
  }

  private rehash(): void {
    const size = (this.mask + 1) * 2;
    const table = new Int32Array(size).fill(-1);
    const hashes = new Int32Array(size);
    const mask = size - 1;
    for (let s = 0; s <= this.mask; s++) {
      const id = this.table[s]!;
      if (id < 0) continue;
      let slot = this.hashes[s]! & mask;
      while (table[slot]! >= 0) slot = (slot + 1) & mask;
      table[slot] = id;
      hashes[slot] = this.hashes[s]!;
    }
    this.table = table;
    this.hashes = hashes;
    this.mask = mask;
  }
}

function grow(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
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
