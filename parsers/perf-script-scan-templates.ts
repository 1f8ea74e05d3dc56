// Header lines that repeat but for their digits: the records of one shape in a
// capture differ in their time (and often nothing else: ` 5729 12446.891952:
// page-faults:`, `guard  1  page-faults:`), and every rule the scanner reads a
// header by (perf-script-scan.ts, perf-script-scan-header.ts) tells digits
// apart from other bytes only by their kind — but for the fields it reads out
// of them. So a line of the same length as a header read before, with the same
// bytes but for digits where it had digits, is the same kind of line with its
// fields at the same places: where the bytes of its comm, pid, tid and event
// are the same too, so are their strings; its period is read again where its
// digits changed. Lines are matched against the last few headers read (Turns:
// in the order their shapes took turns). The scanner asks only about lines that
// end with a colon (a header that ends with its event: fields or frames after
// it hold addresses, which differ from record to record); after PATIENCE
// misses in a row, it rests for up to MAX_REST lines between asks.
import { periodOf, Turns, type HeaderReader } from './perf-script-scan-header.js';

const SLOTS = 4;
/** Headers not asked about after a run of misses, at most. */
const MAX_REST = 32;
/** Misses in a row before headers are skipped. */
const PATIENCE = 8;

const DIGIT = (() => {
  const d = new Uint8Array(256);
  for (let c = 48; c <= 57; c++) d[c] = 1;
  return d;
})();

/** Bytes [a, a+n) of x equal the bytes of y from 0, but where both are digits: eight at a time where they are equal. */
function sameButDigits(x: DataView, a: number, y: DataView, n: number): boolean {
  let k = 0;
  for (; k + 8 <= n; k += 8) {
    // (equal doubles have equal bytes but for 0 and -0; NaNs are never equal and go byte by byte)
    const p = x.getFloat64(a + k, true);
    if (p === y.getFloat64(k, true) && p !== 0) continue;
    if (!sameButDigitsAt(x, a + k, y, k, 8)) return false;
  }
  return sameButDigitsAt(x, a + k, y, k, n - k);
}

function sameButDigitsAt(x: DataView, a: number, y: DataView, b: number, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const p = x.getUint8(a + i);
    const q = y.getUint8(b + i);
    if (p !== q && (DIGIT[p]! & DIGIT[q]!) === 0) return false;
  }
  return true;
}

/** Bytes [from, to) of a line at `a` in x equal those of the kept line y (a field: a few bytes). */
function sameRange(x: DataView, a: number, y: DataView, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (x.getUint8(a + i) !== y.getUint8(i)) return false;
  return true;
}

/** A header read by the rules, as the template of the next ones. */
class Template {
  comm = '';
  pid = '';
  tid = '';
  event: string | undefined;
  period = 1;
  // comm, pid, tid, event, period: [from, to) from the line's start; -1 where absent
  readonly at = new Int32Array(10);
  // the fields (bit f/2 for at[f]) that hold digits: only they can differ in a line that matched
  digits = 0;
}

export class HeaderTemplates {
  private readonly turns = new Turns(SLOTS);
  private readonly templates: Template[] = [];
  private misses = 0;
  private rest = 0;

  /** Whether to ask about this line (not while resting after misses); counts the lines rested. */
  ask(): boolean {
    if (this.rest === 0) return true;
    this.rest--;
    return false;
  }

  /**
   * Line [start, end) of buf read as a header like a kept one: its fields' strings and period set
   * in h (as its read would set them) and true; else false (the rules read it, and keep() may keep it).
   */
  match(buf: Buffer, view: DataView, start: number, end: number, h: HeaderReader): boolean {
    const turns = this.turns;
    const lines = turns.kept;
    const n = end - start;
    const first = turns.likely();
    for (let i = 0; i < lines.length; i++) {
      const k = turns.order(i, first);
      const line = lines[k]!;
      if (line.length !== n || !sameButDigits(view, start, line.view, n)) continue;
      const t = this.templates[k]!;
      const at = t.at;
      // the fields read out as strings: the same bytes (the period is read again)
      let same = true;
      for (let f = 0; f < 8 && same; f += 2) if ((t.digits & (1 << (f >> 1))) !== 0) same = sameRange(view, start, line.view, at[f]!, at[f + 1]!);
      if (!same) continue;
      turns.matched(k);
      this.misses = 0;
      h.comm = t.comm;
      h.pid = t.pid;
      h.tid = t.tid;
      h.event = t.event;
      h.period = at[8]! < 0 || sameRange(view, start, line.view, at[8]!, at[9]!) ? t.period : periodOf(buf, start + at[8]!, start + at[9]!);
      // (h's field places are left: only keep() reads them, after h read a line itself)
      return true;
    }
    return false;
  }

  /** Keeps header line [start, end) of buf, as h read it, as a template (it matched none: a miss). */
  keep(buf: Buffer, start: number, end: number, h: HeaderReader): void {
    if (++this.misses >= PATIENCE) this.rest = Math.min(MAX_REST, 1 << Math.min(this.misses - PATIENCE, 5));
    const k = this.turns.keep(buf, start, end);
    const t = (this.templates[k] ??= new Template());
    t.comm = h.comm;
    t.pid = h.pid;
    t.tid = h.tid;
    t.event = h.event;
    t.period = h.period;
    const at = t.at;
    at[0] = h.commFrom < 0 ? -1 : h.commFrom - start;
    at[1] = h.commTo - start;
    at[2] = h.pidFrom < 0 ? -1 : h.pidFrom - start;
    at[3] = h.pidTo - start;
    at[4] = h.tidFrom < 0 ? -1 : h.tidFrom - start;
    at[5] = h.tidTo - start;
    at[6] = h.eventFrom < 0 ? -1 : h.eventFrom - start;
    at[7] = h.eventTo - start;
    at[8] = h.periodFrom < 0 ? -1 : h.periodFrom - start;
    at[9] = h.periodTo - start;
    t.digits = 0;
    for (let f = 0; f < 10; f += 2) {
      if (at[f]! < 0) continue;
      for (let i = start + at[f]!; i < start + at[f + 1]!; i++) if (DIGIT[buf[i]!] === 1) t.digits |= 1 << (f >> 1);
    }
  }
}
