// The bulk of a GNU objdump listing, its instruction lines with raw bytes,
// read in one loop over the bytes for a pass that needs no instruction text
// (ObjdumpParser with `instructions`; the listing index's first pass,
// src/listing-table.ts). One call reads a run of such lines into arrays and
// stops at the first other line, which the parser reads (and reports, when it
// is bad). Small on purpose: it runs for most of a listing's lines while it is
// still being optimized (in a background thread, slow on a loaded machine:
// the parser's line code inlined into one loop took ~90 ms to compile there,
// --trace-opt, and ran unoptimized meanwhile).
//     12eb:	48 89 37             	mov    %rsi,(%rdi)
//     1344:	48 0f af 3d 2c 2d 00 	imul   0x2d2c(%rip),%rdi        # 4078 <page_size>
//     134b:	00 
import { COLON, CR, HEX, NL, SPACE, TAB } from './objdump-text.js';

/** Instructions read by skimGnuLines, in arrays kept from call to call. */
export class GnuLines {
  /** Instructions read. */
  n = 0;
  /** Lines read: instruction lines and continuation lines. */
  lines = 0;
  /** The line number (counted from the first line read) of the last instruction. */
  lastLine = 0;
  readonly addr = new Float64Array(RUN);
  /** Bytes: the instruction line's and its continuation lines'. */
  readonly size = new Int32Array(RUN);
  /** Where its line starts in the buffer read, and where its text is there. */
  readonly start = new Float64Array(RUN);
  readonly textFrom = new Float64Array(RUN);
  readonly textTo = new Float64Array(RUN);
}

/** Instructions read at most by one call. */
const RUN = 512;

/**
 * Reads lines of bytes [from, to) of `b` from `from` while each is a GNU
 * instruction line with raw bytes and an address below 13 digits, or after
 * one of these a line of its continuation bytes at the address that follows
 * it, and is at most `max` bytes long: as ObjdumpParser.lineBytes reads them
 * inside a function of a GNU listing. Returns where the first line it does
 * not read starts (`from` when it read none).
 */
export function skimGnuLines(b: Buffer, from: number, to: number, max: number, out: GnuLines): number {
  let n = 0;
  let lines = 0;
  let start = from;
  while (start < to && n < RUN) {
    let i = start;
    while (i < to && b[i] === SPACE) i++;
    const a = i;
    let value = 0;
    for (; i < to && i - a < 13; i++) {
      const d = HEX[b[i] as number] as number;
      if (d < 0) break;
      value = value * 16 + d;
    }
    if (i === a || i - a === 13 || i + 1 >= to || b[i] !== COLON || b[i + 1] !== TAB) break;
    i += 2;
    const bytes = i;
    let digits = 0;
    let c = 0;
    // objdump prints a byte as `xx `: three at a time, then the loop below (padding, any other spacing)
    while (i + 3 <= to && ((HEX[b[i] as number] as number) | (HEX[b[i + 1] as number] as number)) >= 0 && b[i + 2] === SPACE) {
      i += 3;
      digits += 2;
    }
    for (; i < to; i++) {
      c = b[i] as number;
      if (c === SPACE) continue;
      if ((HEX[c] as number) < 0) break;
      digits++;
    }
    if (digits === 0 || i === bytes || b[i - 1] !== SPACE) break;
    if (i === to || c === NL) {
      // continuation bytes: of the instruction just read, at the address after it
      const k = n - 1;
      if (k < 0 || i - start > max || value !== (out.addr[k] as number) + (out.size[k] as number)) break;
      out.size[k] = (out.size[k] as number) + (digits >> 1);
      lines++;
      start = i + 1;
      continue;
    }
    if (c !== TAB) break;
    // (the text is not read: Buffer's indexOf finds its end, the fastest way here from the first line on)
    let nl = b.indexOf(NL, i + 1);
    if (nl < 0 || nl > to) nl = to;
    const end = b[nl - 1] === CR ? nl - 1 : nl;
    if (i + 1 >= end || nl - start > max) break;
    out.addr[n] = value;
    out.size[n] = digits >> 1;
    out.start[n] = start;
    out.textFrom[n] = i + 1;
    out.textTo[n] = end;
    n++;
    lines++;
    out.lastLine = lines;
    start = nl + 1;
  }
  out.n = n;
  out.lines = lines;
  return start;
}
