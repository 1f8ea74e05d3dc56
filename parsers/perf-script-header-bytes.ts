// perf script's record header (perf-script-header.ts: scanHeader) read on its
// bytes, so that a header line need not be decoded: the time, period and
// where the task, event and rest lie. It answers only where its answer is the
// string scan's: a newline or an ASCII byte never falls inside a UTF-8
// sequence, so byte and character scans agree wherever the bytes they read
// are ASCII. Where a byte they read is not (a blank other than ASCII's could
// be there), it gives up and the caller decodes the line.
import { Kept } from './perf-script-scan-header.js';
import { LineTable, viewOf } from './line-table.js';
import { splitCommTask } from './perf-script-header.js';
import { ownCopy } from './perf-script-stacks.js';

const COLON = 58;
const PERIOD = 46;
/** Digits a double holds exactly (10^15 < 2^53). */
const EXACT_DIGITS = 15;
/** Bytes of a header's task, and of its period and event, kept as the template of the next. */
const MAX_KEPT = 256;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** An ASCII blank: JavaScript's \s below 128. */
function isBlank(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** A header read by the scan: its bytes up to and with the blank before the time, its bytes from after the time's colon through the event's colon, and what they read as (the event relative to the latter). */
class Template {
  readonly task = new Kept();
  readonly after = new Kept();
  period = -1;
  eventAt = 0;
  eventEnd = 0;
  id = 0;
}

/** Templates kept. */
export const TEMPLATES = 4;

/** Moves a[k] to the front, the ones before it one on. */
export function toFront<T>(a: T[], k: number): void {
  const x = a[k]!;
  for (let i = k; i > 0; i--) a[i] = a[i - 1]!;
  a[0] = x;
}

export class HeaderBytes {
  /** Where TIME matched (the blank before the digits), the time's colon + 1, the time. */
  timeAt = -1;
  afterTime = 0;
  time = NaN;
  /** The period printed, or -1 when none was. */
  period = -1;
  /** The event's bytes [eventAt, eventEnd); the rest from restAt. */
  eventAt = 0;
  eventEnd = 0;
  restAt = 0;

  // The last headers read by the scan, as templates (records of a few shapes
  // take turns: a fault's, a syscall entry's, its exit's), the one matched last first.
  private readonly kept = Array.from({ length: TEMPLATES }, () => new Template());
  private templates = 0;
  /** Which template the last header read matched (a new one per header the scan read): headers of one have the same task and event bytes. */
  template = 0;

  /**
   * Bytes [start, end) as scanHeader then AFTER_TIME read the line they
   * decode to: true when both match (the fields set), false when either does
   * not or the bytes cannot tell (then the decoded line decides).
   */
  read(buf: Buffer, view: DataView, start: number, end: number): boolean {
    const kept = this.kept;
    for (let k = 0; k < TEMPLATES; k++) {
      const t = kept[k]!;
      if (t.task.length > 0 && this.likeKept(t, buf, view, start, end)) {
        if (k > 0) toFront(kept, k);
        return true;
      }
    }
    if (!this.scan(buf, start, end)) return false;
    // the new template takes the place of the one matched longest ago
    toFront(kept, TEMPLATES - 1);
    const t = kept[0]!;
    this.template = t.id = ++this.templates;
    if (this.restAt - this.afterTime > MAX_KEPT || this.timeAt + 1 - start > MAX_KEPT) {
      t.task.length = -1;
    } else {
      t.task.set(buf, start, this.timeAt + 1);
      t.after.set(buf, this.afterTime, this.restAt);
      t.period = this.period;
      t.eventAt = this.eventAt - this.afterTime;
      t.eventEnd = this.eventEnd - this.afterTime;
    }
    return true;
  }

  // The line starts with the template's task bytes and the blank before
  // its time, has a time there, and the kept bytes after the time's colon
  // through the event's colon: the scan would read it alike (a colon before
  // the time is followed by the same byte, and looks back at the same bytes,
  // as in the kept line, where none matched), at these places.
  private likeKept(t: Template, buf: Buffer, view: DataView, start: number, end: number): boolean {
    const task = t.task.length;
    const after = t.after.length;
    if (start + task + after + 4 > end || !t.task.at(view, start)) return false;
    const from = start + task;
    let i = from;
    while (i < end && isDigit(buf[i]!)) i++;
    if (i === from || i >= end || buf[i] !== PERIOD) return false;
    const dot = i++;
    while (i < end && isDigit(buf[i]!)) i++;
    if (i === dot + 1 || i >= end || buf[i] !== COLON) return false;
    const c = i;
    const restAt = c + 1 + after;
    if (restAt > end || !t.after.at(view, c + 1) || (restAt < end && !isBlank(buf[restAt]!))) return false;
    this.timeAt = from - 1;
    this.afterTime = c + 1;
    this.time = decimal(buf, from, dot, c);
    this.period = t.period;
    this.eventAt = c + 1 + t.eventAt;
    this.eventEnd = c + 1 + t.eventEnd;
    this.restAt = restAt;
    this.template = t.id;
    return true;
  }

  private scan(buf: Buffer, start: number, end: number): boolean {
    for (let c = start; c < end; c++) {
      if (buf[c] !== COLON) continue;
      if (c + 1 < end) {
        const next = buf[c + 1]!;
        if (next >= 128) return false;
        if (!isBlank(next)) continue;
      }
      let i = c - 1;
      while (i >= start && isDigit(buf[i]!)) i--;
      if (i === c - 1 || i < start || buf[i] !== PERIOD) continue;
      const dot = i--;
      while (i >= start && isDigit(buf[i]!)) i--;
      if (i === dot - 1 || i < start) continue;
      const before = buf[i]!;
      if (before >= 128) return false;
      if (!isBlank(before)) continue;
      this.timeAt = i;
      this.afterTime = c + 1;
      this.time = decimal(buf, i + 1, dot, c);
      return this.afterTimeAt(buf, c + 1, end);
    }
    return false;
  }

  // AFTER_TIME: blanks, optionally `<digits><blanks>` (the period), then the event up to the first `:` before a blank or the end, with no blank in it.
  private afterTimeAt(buf: Buffer, from: number, end: number): boolean {
    let i = from;
    for (; i < end; i++) {
      const c = buf[i]!;
      if (c >= 128) return false;
      if (!isBlank(c)) break;
    }
    let j = i;
    while (j < end && isDigit(buf[j]!)) j++;
    this.period = -1;
    if (j > i && j < end) {
      const c = buf[j]!;
      if (c >= 128) return false;
      if (isBlank(c)) {
        this.period = j - i > EXACT_DIGITS ? Number(buf.toString('latin1', i, j)) : digits(buf, i, j);
        for (i = j; i < end; i++) {
          const b = buf[i]!;
          if (b >= 128) return false;
          if (!isBlank(b)) break;
        }
      }
    }
    if (i >= end || buf[i]! >= 128) return false;
    for (let q = i + 1; q < end; q++) {
      const k = buf[q]!;
      if (k >= 128) return false;
      if (k === COLON) {
        if (q + 1 === end || isBlank(buf[q + 1]!)) {
          this.eventAt = i;
          this.eventEnd = q;
          this.restAt = q + 1;
          return true;
        }
        if (buf[q + 1]! >= 128) return false;
      } else if (isBlank(k)) {
        return false;
      }
    }
    return false;
  }
}

function digits(buf: Buffer, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) v = v * 10 + (buf[i]! - 48);
  return v;
}

// `<digits>.<digits>` [from, to) with the dot at `dot`, as Number() reads it:
// with at most 15 digits the digits are an exact integer and the power of ten
// is exact, so one division rounds once, correctly.
function decimal(buf: Buffer, from: number, dot: number, to: number): number {
  const frac = to - dot - 1;
  if (dot - from + frac > EXACT_DIGITS) return Number(buf.toString('latin1', from, to));
  return (digits(buf, from, dot) * POW10[frac]! + digits(buf, dot + 1, to)) / POW10[frac]!;
}

/**
 * Bytes [start, end) as latin1 text, one char per byte (ASCII here). Node's
 * own slice under Buffer#toString: toString's argument checks cost more than
 * the copy for the short strings a header holds.
 */
export function latin1(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice(start, end);
}

/** A header's comm, pid, tid and cpu (-1 when not printed). */
export type Task = ReturnType<typeof splitCommTask>;

/** Distinct comm/task prefixes and event names kept for reuse (one string each, its hash computed once). */
const MAX_INTERNED = 4096;

/** Headers' tasks and event names, read once per distinct text; from bytes, decoded only when they differ from the previous header's. */
export class HeaderNames {
  /** The text before a header's timestamp → its comm, pid, tid and cpu; event names → one string each. */
  private readonly tasks = new Map<string, Task>();
  private readonly eventNames = new Map<string, string>();
  /** The previous byte-read header's task and event bytes, and what they read as. */
  private readonly keptTask = new Kept();
  private keptWho: Task | undefined;
  private readonly keptEvent = new Kept();
  private keptEventName = '';
  /** Task and event bytes met before, by id, and what they read as. */
  private readonly taskIds = new LineTable();
  private readonly taskById: Task[] = [];
  private readonly eventIds = new LineTable();
  private readonly eventById: string[] = [];

  /** The text before a header's timestamp → its task. */
  task(before: string): Task {
    let who = this.tasks.get(before);
    if (who === undefined) {
      const own = ownCopy(before);
      who = splitCommTask(own);
      if (this.tasks.size < MAX_INTERNED) this.tasks.set(own, who);
    }
    return who;
  }

  eventName(name: string): string {
    const known = this.eventNames.get(name);
    if (known !== undefined) return known;
    if (this.eventNames.size >= MAX_INTERNED) return name;
    const own = ownCopy(name);
    this.eventNames.set(own, own);
    return own;
  }

  /** The task of bytes [start, end) (UTF-8). */
  taskBytes(buf: Buffer, view: DataView, start: number, end: number): Task {
    if (this.keptWho !== undefined && this.keptTask.length === end - start && this.keptTask.at(view, start)) return this.keptWho;
    this.keptTask.set(buf, start, end);
    // tasks that take turns (threads, or records with and without a cpu) are found by their bytes, not decoded again
    const id = this.taskIds.intern(buf, view, start, end, this.taskIds.count < MAX_INTERNED);
    let who = id >= 0 ? this.taskById[id] : undefined;
    if (who === undefined) {
      who = this.task(buf.toString('utf8', start, end));
      if (id >= 0) this.taskById[id] = who;
    }
    return (this.keptWho = who);
  }

  /** The event name of bytes [start, end) (ASCII). */
  eventBytes(buf: Buffer, view: DataView, start: number, end: number): string {
    if (this.keptEvent.length === end - start && this.keptEvent.at(view, start)) return this.keptEventName;
    this.keptEvent.set(buf, start, end);
    const id = this.eventIds.intern(buf, view, start, end, this.eventIds.count < MAX_INTERNED);
    let name = id >= 0 ? this.eventById[id] : undefined;
    if (name === undefined) {
      name = this.eventName(latin1(buf, start, end));
      if (id >= 0) this.eventById[id] = name;
    }
    return (this.keptEventName = name);
  }
}

/**
 * The rest of a header, bytes [from, end), when they are all ASCII (else
 * false: positions in bytes and characters may differ, and the text decides):
 * where header frames start in it (frameStarts on its text) into `out`, their
 * number, the bounds of its trimmed text, and the first frame's address.
 */
export class RestBytes {
  frames = 0;
  /** The rest trimmed is bytes [trimAt, trimEnd). */
  trimAt = 0;
  trimEnd = 0;
  /** The first header frame's address: its hex digits [addrAt, addrEnd). */
  addrAt = 0;
  addrEnd = 0;
  /** When set, the trimmed rest is copied to its start as it is checked for ASCII (grown as needed; the bytes past a non-ASCII one are left as they were). */
  bytes: Buffer | null = null;
  private bytesView: DataView | null = null;

  /** `view` is buf's (viewOf). */
  read(buf: Buffer, view: DataView, from: number, end: number, out: Int32Array): boolean {
    let a = from;
    while (a < end && isBlank(buf[a]!)) a++;
    let b = end;
    while (b > a && isBlank(buf[b - 1]!)) b--;
    // checked (and copied) eight bytes at a time, the last few one by one
    let i = a;
    const copy = this.bytes;
    if (copy === null) {
      for (; i + 8 <= b; i += 8) if (((view.getInt32(i, true) | view.getInt32(i + 4, true)) & 0x80808080) !== 0) return false;
      for (; i < b; i++) if (buf[i]! >= 128) return false;
    } else {
      let into = this.bytesView;
      if (into === null || b - a > copy.length) {
        if (b - a > copy.length) this.bytes = Buffer.allocUnsafeSlow(Math.max(256, 2 * (b - a)));
        into = this.bytesView = viewOf(this.bytes!);
      }
      let k = 0;
      for (; i + 8 <= b; i += 8, k += 8) {
        const x = view.getInt32(i, true);
        const y = view.getInt32(i + 4, true);
        if (((x | y) & 0x80808080) !== 0) return false;
        into.setInt32(k, x, true);
        into.setInt32(k + 4, y, true);
      }
      for (; i < b; i++, k++) {
        const c = buf[i]!;
        if (c >= 128) return false;
        into.setUint8(k, c);
      }
    }
    this.trimAt = a;
    this.trimEnd = b;
    let n = 0;
    for (let p = from; p + 16 < end; p++) {
      // a frame's field ends in a hex digit, and its bytes are blanks or hex: any other byte 16 on rules out a frame at p and at the 16 bytes after p
      const last = buf[p + 16]!;
      if (last !== 32 && !isHexByte(last)) {
        p += 16;
        continue;
      }
      if (buf[p] !== 32) continue;
      const after = p + 17;
      if (after < end && buf[after] !== 32) continue;
      let k = p + 1;
      while (k < after && buf[k] === 32) k++;
      if (k === after) continue;
      const hex = k;
      while (k < after && isHexByte(buf[k]!)) k++;
      // (data_src's field is followed by ` |`: frameStarts)
      if (k !== after || (after + 1 < end && buf[after + 1] === 124)) continue;
      if (n === out.length) return false;
      if (n === 0) {
        this.addrAt = hex;
        this.addrEnd = after;
      }
      out[n++] = p - from;
      p = after - 1;
    }
    this.frames = n;
    return true;
  }
}

/** trailingFieldsAt (perf-script-frames.ts) on bytes [from, to), ASCII: where the fields perf prints after the ip start, `to` when there are none. */
export function trailingFieldsEnd(buf: Buffer, from: number, to: number): number {
  let e = to;
  for (let n = 0; n < 2; n++) {
    const b = pageSizeByteBefore(buf, from, e);
    if (b < 0) break;
    e = b;
  }
  const f = e - 16;
  if (f >= from && buf[f] === 32 && (f === from || buf[f - 1] !== 32)) {
    let k = f;
    while (k < e && buf[k] === 32) k++;
    const hex = k;
    while (k < e && isHexByte(buf[k]!)) k++;
    if (k === e && hex < e) e = f;
  }
  return e;
}

// The blank before a page size name ending at `end` (trailingFieldsAt's), or -1.
function pageSizeByteBefore(buf: Buffer, from: number, end: number): number {
  let i = end - 1;
  if (i - 3 >= from && buf[i] === 65 && buf[i - 1] === 47 && buf[i - 2] === 78) {
    i -= 3;
  } else {
    if (i < from || !isUnitByte(buf[i]!)) return -1;
    const unit = i--;
    while (i >= from && buf[i]! >= 48 && buf[i]! <= 57) i--;
    if (i === unit - 1) return -1;
  }
  return i >= from && buf[i] === 32 ? i : -1;
}

// unit_number__scnprintf's units: B K M G T P E Z Y.
function isUnitByte(c: number): boolean {
  return c === 66 || c === 75 || c === 77 || c === 71 || c === 84 || c === 80 || c === 69 || c === 90 || c === 89;
}

function isHexByte(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
}
