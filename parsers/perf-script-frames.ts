// perf script callchain frame lines: their shape, their parts, and where frames
// start in a header that `-F …,ip,sym,dso` extended.
import type { Frame } from './records.js';

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

// Fields printed after the event name on the header line. Each address is
// printed as ` %16lx` (print_sample_addr for the data address, then
// sample__fprintf_sym for the ip), so a frame starts at a blank followed by a
// 16-column field of padding and hex, which tracepoint payloads do not have:
// page-faults:     563107c610c8 __TMC_END__ (/tmp/h1/shapes) ffffffff81775b9a elf_load ([kernel.kallsyms])
// tlb:tlb_flush: pages:1 reason:local MM shootdown (3) ffffffff8134b0a5 flush_tlb_func ([kernel.kallsyms])
// The data address follows the event's `: ` directly, an ip a blank later
// (` %16lx`): a lone frame at 0 is the address, printed with no ip when a -g
// record's callchain came out empty (samples/findings/cow):
// page-faults:     7ffeed070f60 [unknown] ([stack])
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
