// perf script callchain frame lines: their shape, their parts, and where frames
// start in a header that `-F …,ip,sym,dso` extended.
import type { Frame } from './records.js';

// Fields printed after the event name on the header line. Each address is
// printed as ` %16lx` (print_sample_addr for the data address, then
// sample__fprintf_sym for the ip), so a frame starts at a blank followed by a
// 16-column field of padding and hex, which tracepoint payloads do not have:
// page-faults:     563107c610c8 __TMC_END__ (/tmp/h1/shapes) ffffffff81775b9a elf_load ([kernel.kallsyms])
// tlb:tlb_flush: pages:1 reason:local MM shootdown (3) ffffffff8134b0a5 flush_tlb_func ([kernel.kallsyms])
const ADDR_FIELD = 16;

export function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
}

// `<ws><hex>` then a blank, a tab or the end of the line. simpleperf's text
// form indents with blanks and puts a tab after the address
// (test/conformance/shapes/simpleperf-tab-frames.txt):
//         b3cea6c4	Lock::unlock() (/system/lib/libc.so)
export function isFrameShaped(text: string): boolean {
  let i = 0;
  while (i < text.length && (text.charCodeAt(i) === 9 || text.charCodeAt(i) === 32)) i++;
  const start = i;
  while (i < text.length && isHex(text.charCodeAt(i))) i++;
  return i > start && (i === text.length || text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9);
}

/** Parses one frame's text (`<ws><hex> <symbol>[+0xoff] (<dso>)`); the caller checked its shape. */
export function parseFrame(text: string): Frame {
  let i = 0;
  while (i < text.length && (text.charCodeAt(i) === 9 || text.charCodeAt(i) === 32)) i++;
  const a = i;
  while (i < text.length && isHex(text.charCodeAt(i))) i++;
  const addr = text.slice(a, i);
  let rest = i < text.length ? text.slice(i + 1) : '';
  let end = rest.length;
  while (end > 0 && (rest.charCodeAt(end - 1) === 32 || rest.charCodeAt(end - 1) === 9)) end--;
  rest = rest.slice(0, end);
  let dso = '';
  let symOff = rest;
  if (rest.endsWith(')')) {
    const open = lastGroupStart(rest);
    if (open === 0) {
      dso = rest.slice(1, -1);
      symOff = '';
    } else if (open > 0 && rest.charCodeAt(open - 1) === 32) {
      dso = rest.slice(open + 1, -1);
      symOff = rest.slice(0, open - 1);
    }
  }
  let symbol = symOff;
  let offset = -1;
  const plus = symOff.lastIndexOf('+0x');
  if (plus >= 0 && plus + 3 < symOff.length) {
    let ok = true;
    for (let k = plus + 3; k < symOff.length; k++) {
      if (!isHex(symOff.charCodeAt(k))) {
        ok = false;
        break;
      }
    }
    if (ok) {
      symbol = symOff.slice(0, plus);
      offset = parseInt(symOff.slice(plus + 3), 16);
    }
  }
  return { addr, symbol, offset, dso };
}

// Index of the `(` that balances the final `)`, or -1.
export function lastGroupStart(s: string): number {
  let depth = 0;
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (c === 41 /* ) */) depth++;
    else if (c === 40 /* ( */) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Where header frames start in the text after `event:`: a blank followed by a 16-column field of padding then hex, then a blank or the end. */
export function frameStarts(rest: string): number[] {
  const out: number[] = [];
  for (let p = rest.indexOf(' '); p >= 0 && p + ADDR_FIELD < rest.length; p = rest.indexOf(' ', p + 1)) {
    const after = p + 1 + ADDR_FIELD;
    if (after < rest.length && rest.charCodeAt(after) !== 32) continue;
    let k = p + 1;
    while (k < after && rest.charCodeAt(k) === 32) k++;
    if (k === after) continue;
    while (k < after && isHex(rest.charCodeAt(k))) k++;
    if (k !== after) continue;
    out.push(p);
    p = after - 1;
  }
  return out;
}

// Header frames are interned by their trimmed text, apart from callchain lines.
export function headerFrameKey(piece: string): string {
  return ' ' + piece.trim();
}
