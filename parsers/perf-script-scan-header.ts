// A perf script record header read on its bytes by stackcollapse-perf.pl's
// rules (quoted where each is read), with linear scans instead of its
// backtracking regexes, for parsers/perf-script-scan.ts. Its comm, pid and tid
// are decoded only when their bytes differ from the previous header's, its
// event only when it differs from the previous event. Text is latin1: one char
// per byte, so these byte scans read what the reference's regexes read.
import { sameBytes, viewOf } from './line-table.js';
import { atAddrColumn, FLAGS_FIELD } from './perf-script-frames.js';

/** Byte codes the scanner reads by. */
export const TAB = 9, LF = 10, CR = 13, SPACE = 32, HASH = 35, PERIOD = 46, COLON = 58, NBSP = 0xa0;

/** Perl's \s on bytes: space, \t, \n, \v, \f, \r. */
export function isPerlSpace(c: number): boolean {
  return c === SPACE || (c >= TAB && c <= CR);
}

/** JavaScript's \s (and trim) on latin1 text: Perl's \s and U+00A0. */
function isJsSpace(c: number): boolean {
  return isPerlSpace(c) || c === NBSP;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Bytes [start, end) are all blanks (JavaScript's trim leaves nothing). */
export function isBlankBytes(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isJsSpace(buf[i]!)) return false;
  return true;
}

// `PERF_RECORD_` anywhere in a line, by Horspool's skips (perf prints it after
// the time of a side-band record; headers rarely hold its letters).
export const SIDE_BAND = Buffer.from('PERF_RECORD_', 'latin1');
const SIDE_BAND_SKIP = (() => {
  const skip = new Uint8Array(256).fill(SIDE_BAND.length);
  for (let i = 0; i < SIDE_BAND.length - 1; i++) skip[SIDE_BAND[i]!] = SIDE_BAND.length - 1 - i;
  return skip;
})();
export function hasSideBandMark(buf: Buffer, start: number, end: number): boolean {
  const m = SIDE_BAND.length;
  for (let i = start + m - 1; i < end; i += SIDE_BAND_SKIP[buf[i]!]!) {
    let k = 0;
    while (k < m && buf[i - k] === SIDE_BAND[m - 1 - k]) k++;
    if (k === m) return true;
  }
  return false;
}

const EVENTS_BANG = Buffer.from(' events!', 'latin1');

/** `^\s*LOST \d+ events!\s*$` from the line's first non-blank `at`: a lost-records line as perf trace and perf report print it. */
export function isLostLine(buf: Buffer, at: number, end: number): boolean {
  // `LOST `
  if (end - at < 5 || buf[at] !== 76 || buf[at + 1] !== 79 || buf[at + 2] !== 83 || buf[at + 3] !== 84 || buf[at + 4] !== SPACE) return false;
  let i = at + 5;
  const digits = i;
  while (i < end && isDigit(buf[i]!)) i++;
  if (i === digits || end - i < EVENTS_BANG.length) return false;
  for (let k = 0; k < EVENTS_BANG.length; k++) if (buf[i + k] !== EVENTS_BANG[k]) return false;
  return isBlankBytes(buf, i + EVENTS_BANG.length, end);
}

/** The first byte at or after `start` that is not a blank (JavaScript's \s), or `end`. */
export function skipBlanks(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end && isJsSpace(buf[i]!)) i++;
  return i;
}

// Eight spaces read as one double (a normal number: equal doubles, equal bytes).
const EIGHT_SPACES = new DataView(Buffer.from('        ').buffer).getFloat64(0, true);

/** The first byte at or after `start` that is not Perl's \s, or `end`; runs of spaces eight at a time. */
export function skipPerlSpaces(buf: Buffer, view: DataView, start: number, end: number): number {
  let i = start;
  while (i + 8 <= end && view.getFloat64(i, true) === EIGHT_SPACES) i += 8;
  while (i < end && isPerlSpace(buf[i]!)) i++;
  return i;
}

function isStampByte(c: number): boolean {
  return c === PERIOD || isDigit(c);
}

/**
 * `\s\d+\.\d+:(?:\s|$)` in bytes [start, end), ending at the colon at `colon`: a `time:` stamp as
 * perf_sample__fprintf_start prints it (` 8199.041742: `). A match is a whole run of digits and
 * dots (a blank before it, the colon after it) of three bytes at least.
 */
export function stampBefore(buf: Buffer, start: number, colon: number, end: number): boolean {
  if (colon + 1 < end && !isJsSpace(buf[colon + 1]!)) return false;
  let a = colon;
  while (a > start && isStampByte(buf[a - 1]!)) a--;
  if (colon - a < 3 || a === start || !isJsSpace(buf[a - 1]!)) return false;
  let dot = a;
  while (dot < colon && buf[dot] !== PERIOD) dot++;
  let k = dot + 1;
  while (k < colon && isDigit(buf[k]!)) k++;
  return dot > a && dot + 1 < colon && k === colon;
}

/** Whether bytes [start, end) hold a `time:` stamp (stampBefore) at any of their colons. */
export function hasTimestamp(buf: Buffer, start: number, end: number): boolean {
  for (let c = start + 4; c < end; c++) if (buf[c] === COLON && stampBefore(buf, start, c, end)) return true;
  return false;
}

/** A byte range kept across chunks: the previous header's task prefix, the previous event. */
export class Kept {
  bytes = Buffer.alloc(64);
  view = viewOf(this.bytes);
  length = -1;
  set(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n > this.bytes.length) {
      this.bytes = Buffer.alloc(Math.max(n, this.bytes.length * 2));
      this.view = viewOf(this.bytes);
    }
    // a loop: Buffer#copy's argument checks cost more than these few bytes
    const bytes = this.bytes;
    for (let i = 0; i < n; i++) bytes[i] = buf[start + i]!;
    this.length = n;
  }
  /** Bytes [start, start + length) of buf equal the kept ones (the caller checks they are in the line). */
  at(view: DataView, start: number): boolean {
    return this.length >= 0 && sameBytes(view, start, this.view, 0, this.length);
  }
}

const EVENT_SLOTS = 8;
const NO_TASK_SLOTS = 4;

// What the task rule tells bytes apart by: Perl's blanks, digits, `/`, and any other byte.
const KIND = (() => {
  const kind = new Uint8Array(256).fill(3);
  for (let c = 0; c < 256; c++) if (isPerlSpace(c)) kind[c] = 0;
  for (let c = 48; c <= 57; c++) kind[c] = 1;
  kind[47] = 2;
  return kind;
})();

/** Bytes [a, a+n) of x are each of the kind (KIND) of the byte at the same place of y from 0: four at a time where they are equal. */
function sameKinds(x: DataView, a: number, y: DataView, n: number): boolean {
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    if (x.getInt32(a + k, true) === y.getInt32(k, true)) continue;
    for (let i = k; i < k + 4; i++) if (KIND[x.getUint8(a + i)] !== KIND[y.getUint8(i)]) return false;
  }
  for (; k < n; k++) if (KIND[x.getUint8(a + k)] !== KIND[y.getUint8(k)]) return false;
  return true;
}

/**
 * Byte ranges kept from lines that take turns (records of a few shapes, often in a cycle: a fault's,
 * an mprotect entry's, its exit's): the one likely to match is the one that matched after the last
 * match the time before, else the last match; a new one takes the place of the oldest.
 */
export class Turns {
  readonly kept: Kept[] = [];
  private last = -1;
  private oldest = 0;
  // per slot, the slot matched right after it last time (-1: none yet)
  private readonly after: Int8Array;
  constructor(private readonly size: number) {
    this.after = new Int8Array(size).fill(-1);
  }
  /** The slot to try first, -1 when none is kept. */
  likely(): number {
    if (this.last < 0) return -1;
    const a = this.after[this.last]!;
    return a >= 0 && a < this.kept.length ? a : this.last;
  }
  /** The i-th slot to try (i < kept.length), `first` (likely()'s) first, then the others in order. */
  order(i: number, first: number): number {
    return i === 0 ? first : i <= first ? i - 1 : i;
  }
  /** Slot k matched; returns k. */
  matched(k: number): number {
    if (this.last >= 0) this.after[this.last] = k;
    this.last = k;
    return k;
  }
  /** Keeps bytes [from, end) of buf in the oldest slot, as a match; returns the slot. */
  keep(buf: Buffer, from: number, end: number): number {
    const k = this.oldest;
    this.oldest = (k + 1) % this.size;
    if (k === this.kept.length) this.kept.push(new Kept());
    this.kept[k]!.set(buf, from, end);
    return this.matched(k);
  }
}

/** A header's task bytes as last read, and the strings they read as. */
class KeptTask extends Kept {
  comm = '';
  pid = '';
  tid = '';
  // where the comm ends, the pid and the tid lie, from the kept bytes' start
  commTo = 0;
  pidFrom = 0;
  pidTo = 0;
  tidFrom = 0;
  tidTo = 0;
}

/** The fields of the last header read: the same strings while their bytes repeat. */
export class HeaderReader {
  comm = '';
  pid = '';
  tid = '';
  event: string | undefined = undefined;
  period = 1;
  /**
   * Where the fields of the last header read lie in its buffer: comm [commFrom, commTo), pid, tid,
   * event and the period's digits alike; -1 for a field the header does not have.
   */
  commFrom = -1;
  commTo = -1;
  pidFrom = -1;
  pidTo = -1;
  tidFrom = -1;
  tidTo = -1;
  eventFrom = -1;
  eventTo = -1;
  periodFrom = -1;
  periodTo = -1;
  // the comm, pid and tid bytes (through the blank after the tid) of the previous header read
  // from its start, of the previous one read past its blanks, and the previous comm-less pid
  private readonly task = new KeptTask();
  private readonly fromTask = new KeptTask();
  private readonly commless = new KeptTask();
  // the last distinct events (a capture's events take turns: page faults, mprotect entry and exit,
  // TLB flushes) and their strings
  private readonly events = new Turns(EVENT_SLOTS);
  private readonly eventTexts: string[] = [];
  // the endings the event rule last read to the byte its scans stopped at, with what they read as:
  // a line that ends with the same bytes reads the same (read back, the rule stops at the same byte)
  private readonly endings = new Turns(EVENT_SLOTS);
  private readonly endingEvents: (string | undefined)[] = [];
  private readonly endingPeriods: number[] = [];
  // where the event and the period's digits lie in each ending, back from the line's end (0: none)
  private readonly endingFields: number[] = [];
  // the last lines the task rule did not match (` 5729 12446.891952:  page-faults:`, read without a
  // comm): it reads only which bytes are blanks, digits or `/`, so a line of the same length
  // whose bytes are each of the same kind does not match either
  private readonly noTask = new Turns(NO_TASK_SLOTS);

  /** A line that starts with neither a blank nor `#`: `^(\S.+?)\s+(\d+)\/*(\d+)*\s+`, then the event rule. */
  read(buf: Buffer, view: DataView, start: number, end: number): boolean {
    if (!this.taskAt(this.task, buf, view, start, end)) return false;
    this.readEvent(buf, view, start, end);
    return true;
  }

  /**
   * The same rule from `from` on (past an indented line's blanks), or, with `commless`, a tid
   * and no comm (` 5729 12446.891952:  page-faults:`, `-F tid,time,event,…`); the event rule
   * reads the whole line [start, end).
   */
  readFrom(buf: Buffer, view: DataView, start: number, from: number, end: number, commless: boolean): boolean {
    if (commless) {
      // the same digits and blank as the last comm-less pid's are the same match
      const kept = this.commless;
      if (!(kept.length >= 0 && from + kept.length <= end && kept.at(view, from))) {
        let e = from;
        while (e < end && isDigit(buf[e]!)) e++;
        if (e === from || e >= end || !isPerlSpace(buf[e]!)) return false;
        kept.pid = buf.toString('latin1', from, e);
        kept.set(buf, from, e + 1);
      }
      this.comm = '';
      this.pid = kept.pid;
      this.tid = '';
      this.commFrom = this.commTo = this.tidFrom = this.tidTo = -1;
      this.pidFrom = from;
      this.pidTo = from + kept.length - 1;
    } else if (from >= end || isPerlSpace(buf[from]!) || !this.taskAt(this.fromTask, buf, view, from, end)) {
      return false;
    }
    this.readEvent(buf, view, start, end);
    return true;
  }

  // The task rule at `start`: the same bytes as `kept`'s give the same match (the rule reads no
  // byte past the blank after the tid to find it), else the bytes are read and kept.
  private taskAt(kept: KeptTask, buf: Buffer, view: DataView, start: number, end: number): boolean {
    if (!(kept.length >= 0 && start + kept.length < end && kept.at(view, start))) {
      if (this.noTaskAt(view, start, end)) return false;
      if (!this.readTask(buf, start, end)) {
        this.noTask.keep(buf, start, end);
        return false;
      }
      // (readTask set where the fields lie)
      kept.comm = buf.toString('latin1', start, this.commTo);
      kept.pid = buf.toString('latin1', this.pidFrom, this.pidTo);
      kept.tid = buf.toString('latin1', this.tidFrom, this.tidTo);
      kept.set(buf, start, this.tidTo + 1);
      kept.commTo = this.commTo - start;
      kept.pidFrom = this.pidFrom - start;
      kept.pidTo = this.pidTo - start;
      kept.tidFrom = this.tidFrom - start;
      kept.tidTo = this.tidTo - start;
    }
    this.comm = kept.comm;
    this.pid = kept.pid;
    this.tid = kept.tid;
    this.commFrom = start;
    this.commTo = start + kept.commTo;
    this.pidFrom = start + kept.pidFrom;
    this.pidTo = start + kept.pidTo;
    this.tidFrom = start + kept.tidFrom;
    this.tidTo = start + kept.tidTo;
    return true;
  }

  // Whether bytes [start, end) are, byte for byte, of the kinds of a line the task rule did not match.
  private noTaskAt(view: DataView, start: number, end: number): boolean {
    const turns = this.noTask;
    const lines = turns.kept;
    const n = end - start;
    const first = turns.likely();
    for (let i = 0; i < lines.length; i++) {
      const k = turns.order(i, first);
      if (lines[k]!.length === n && sameKinds(view, start, lines[k]!.view, n)) {
        turns.matched(k);
        return true;
      }
    }
    return false;
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
          // where the fields lie: comm [start, commTo), pid, tid; a blank at tidTo
          this.commTo = commEnd;
          this.pidFrom = b;
          this.pidTo = c;
          this.tidFrom = d;
          this.tidTo = e;
          return true;
        }
      }
      a = b;
    }
    return false;
  }

  // `:\s*(\d+)*\s+(\S+):\s*$` on the whole line: the event and its period.
  private readEvent(buf: Buffer, view: DataView, start: number, end: number): void {
    this.event = undefined;
    this.period = 1;
    this.eventFrom = this.eventTo = this.periodFrom = this.periodTo = -1;
    let colon = end;
    while (colon > start && isPerlSpace(buf[colon - 1]!)) colon--;
    colon--;
    if (colon < start || buf[colon] !== COLON) return;
    const k = this.endingAt(view, start, end);
    if (k >= 0) {
      this.event = this.endingEvents[k];
      this.period = this.endingPeriods[k]!;
      const f = this.endingFields;
      if (this.event !== undefined) {
        this.eventFrom = end - f[4 * k]!;
        this.eventTo = end - f[4 * k + 1]!;
      }
      if (f[4 * k + 2]! > 0) {
        this.periodFrom = end - f[4 * k + 2]!;
        this.periodTo = end - f[4 * k + 3]!;
      }
      return;
    }
    let s = colon;
    while (s > start && !isPerlSpace(buf[s - 1]!)) s--;
    if (s === colon || s === start) return;
    let w = s;
    while (w > start && isPerlSpace(buf[w - 1]!)) w--;
    let d = w;
    while (d > start && isDigit(buf[d - 1]!)) d--;
    let x = d;
    while (x > start && isPerlSpace(buf[x - 1]!)) x--;
    // (stopped by the line's start: the answer depends on where the line starts; not kept)
    if (x === start) return;
    if (buf[x - 1] === COLON) {
      this.event = this.eventAt(buf, view, s, colon);
      this.eventFrom = s;
      this.eventTo = colon;
      if (d < w) {
        this.period = periodOf(buf, d, w);
        this.periodFrom = d;
        this.periodTo = w;
      }
    }
    this.keepEnding(buf, x - 1, end);
  }

  // The slot of a kept ending that bytes [start, end) of the line end with, else -1.
  private endingAt(view: DataView, start: number, end: number): number {
    const turns = this.endings;
    const endings = turns.kept;
    const first = turns.likely();
    for (let i = 0; i < endings.length; i++) {
      const k = turns.order(i, first);
      const e = endings[k]!;
      if (end - e.length >= start && e.at(view, end - e.length)) return turns.matched(k);
    }
    return -1;
  }

  private keepEnding(buf: Buffer, from: number, end: number): void {
    const k = this.endings.keep(buf, from, end);
    this.endingEvents[k] = this.event;
    this.endingPeriods[k] = this.period;
    const f = this.endingFields;
    f[4 * k] = end - this.eventFrom;
    f[4 * k + 1] = end - this.eventTo;
    f[4 * k + 2] = this.periodFrom >= 0 ? end - this.periodFrom : 0;
    f[4 * k + 3] = this.periodFrom >= 0 ? end - this.periodTo : 0;
  }

  // The event of bytes [s, colon): the string of a slot whose bytes are the same, else decoded into one.
  private eventAt(buf: Buffer, view: DataView, s: number, colon: number): string {
    const turns = this.events;
    const events = turns.kept;
    const n = colon - s;
    const first = turns.likely();
    for (let i = 0; i < events.length; i++) {
      const k = turns.order(i, first);
      if (events[k]!.length === n && events[k]!.at(view, s)) return this.eventTexts[turns.matched(k)]!;
    }
    const text = buf.toString('latin1', s, colon);
    this.eventTexts[turns.keep(buf, s, colon)] = text;
    return text;
  }
}

/** The reference's `$period = $1 || 1` on the digits [d, w): `0` is false in Perl, `00` is not. */
export function periodOf(buf: Buffer, d: number, w: number): number {
  if (w - d > 15) return Number(buf.toString('latin1', d, w));
  let v = 0;
  for (let i = d; i < w; i++) v = v * 10 + (buf[i]! - 48);
  return v === 0 && w - d === 1 ? 1 : v;
}

function isTabOrSpace(c: number): boolean {
  return c === SPACE || c === TAB;
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
}

/** Header frames' address field: a blank, then 16 columns of padding and hex (perf's ` %16lx`). */
const ADDR_FIELD = 16;

/**
 * Where the ip frame of a header without callchain starts in bytes [from, to) of buf, read as
 * latin1 text (one char per byte): collapse's headerIpFrame on that text, whose answer is the
 * text from here to the end, trimmed. After the first `[ \t]\d+\.\d+:[ \t]+(?:\d+[ \t]+)?[^ \t]+?:`
 * followed by a blank or the end (the time, the period and the event), the last header frame
 * (frameStarts' field); -1 when there is none, or when the only one is the data address.
 * `firstStamp`: where the line's first `time:` stamp ends (stampBefore's colon), when known.
 */
export function headerIpFrameAt(buf: Buffer, from: number, to: number, firstStamp = from): number {
  const rest = afterTime(buf, from, to, firstStamp);
  if (rest < 0) return -1;
  // two fields cannot overlap (a blank inside one's padding is followed by its digits, then a blank
  // where the other's would need digits): the first is the leftmost, the last the rightmost
  let first = rest;
  while (first + ADDR_FIELD < to && !isAddrField(buf, first, to)) first++;
  if (first + ADDR_FIELD >= to) return -1;
  let last = to - ADDR_FIELD - 1;
  while (last > first && !isAddrField(buf, last, to)) last--;
  // a lone frame at the event's `: ` (or after blank flags) is the data address (an ip starts a column on): no ip frame
  if (last === first && (last === rest || (last === rest + FLAGS_FIELD && atAddrColumn(FLAGS_FIELD, skipBlanks(buf, rest, to) - rest)))) return -1;
  return last;
}

// A header frame's address field at p (p + ADDR_FIELD < to): a blank, then 16 columns of padding and
// hex digits, then a blank or the end, and not data_src's field (followed by ` |`: frameStarts).
function isAddrField(buf: Buffer, p: number, to: number): boolean {
  if (buf[p] !== SPACE) return false;
  const after = p + 1 + ADDR_FIELD;
  if (after < to && buf[after] !== SPACE) return false;
  let k = p + 1;
  while (k < after && buf[k] === SPACE) k++;
  if (k === after) return false;
  while (k < after && isHexDigit(buf[k]!)) k++;
  return k === after && !(after + 1 < to && buf[after + 1] === 124);
}

// The end of the first match of `[ \t]\d+\.\d+:[ \t]+(?:\d+[ \t]+)?[^ \t]+?:(?=[ \t]|$)` in bytes
// [from, to), or -1. No backtracking tries more than this: each run of digits or blanks is taken
// whole (what follows it is neither), and the optional period, when it matches, is one the match
// cannot do without (the event cannot start with digits followed by a blank).
function afterTime(buf: Buffer, from: number, to: number, firstStamp: number): number {
  // by the colons, in order (a line has few): `[ \t]\d+\.\d+` ends at one, and the matches that
  // end at later colons start later (digits and a dot hold no colon); none ends before the line's
  // first stamp (stampBefore matches where this does)
  for (let c = firstStamp; c < to; c++) {
    if (buf[c] !== COLON) continue;
    let b = c;
    while (b > from && isDigit(buf[b - 1]!)) b--;
    if (b === c || b - 1 <= from || buf[b - 1] !== PERIOD) continue;
    let a = b - 1;
    while (a > from && isDigit(buf[a - 1]!)) a--;
    if (a === b - 1 || a === from || !isTabOrSpace(buf[a - 1]!)) continue;
    let k = c + 1;
    const after = k;
    while (k < to && isTabOrSpace(buf[k]!)) k++;
    if (k === after) continue;
    // the period: digits and blanks
    let d = k;
    while (d < to && isDigit(buf[d]!)) d++;
    if (d > k && d < to && isTabOrSpace(buf[d]!)) {
      while (d < to && isTabOrSpace(buf[d]!)) d++;
      k = d;
    }
    // the event: at least one byte that is no blank, then the first colon followed by a blank or the end
    if (k >= to || isTabOrSpace(buf[k]!)) continue;
    for (let q = k + 1; q < to; q++) {
      const x = buf[q]!;
      if (isTabOrSpace(x)) break;
      if (x === COLON && (q + 1 === to || isTabOrSpace(buf[q + 1]!))) return q + 1;
    }
  }
  return -1;
}

/** JavaScript's trim on latin1 text: its last byte that is no blank, plus one (`from` when all are). */
export function trimmedEnd(buf: Buffer, from: number, to: number): number {
  let e = to;
  while (e > from && isJsSpace(buf[e - 1]!)) e--;
  return e;
}
