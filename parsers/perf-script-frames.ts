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

// `-F +flags` prints perf_sample__fprintf_flags' `  %-21s ` (24 columns, blank for a page fault)
// between the event's `: ` and the fields, so the data address may start 24 columns on
// (samples/fields/*.flags-addr, `-F comm,tid,time,event,addr,sym,symoff,dso,flags`):
//           fields 22429 86544.078336:                page-faults:                             5576f6c40020 __TMC_END__+0x0 (/work/wt/audit/samples/fields/fields)
/** Columns of a blank `-F +flags` field. */
export const FLAGS_FIELD = 24;

/** Whether a header frame at `start` of the rest after the event (whose first `lead` characters are blanks) is where the data address goes: at the event's `: `, or after blank flags. */
export function atAddrColumn(start: number, lead: number): boolean {
  return start === 0 || (start === FLAGS_FIELD && lead > FLAGS_FIELD);
}

// What else perf prints where the data address goes, when -F has no addr (process_event prints
// addr, data_src, weight in this order, before the ip): data_src as `%16lx |OP …|`
// (data_src__fprintf), no frame (its field is followed by ` |`), and weight as `%16lu`
// (samples/fields/nog.weight, nog.data_src):
//           fields 22429 [001] 86544.078336:          1                page-faults:                0 ffffffff8177819a elf_load+0x28a ([kernel.kallsyms])
//           fields 22429 [001] 86544.078336:          1                page-faults:       1e05080021 |OP N/A|LVL N/A or N/A|SNP N/A|TLB N/A|LCK N/A|BLK  N/A ffffffff8177819a elf_load+0x28a ([kernel.kallsyms])
// A weight is shaped as a bare address; but the software page-fault events print their data
// address with its symbol and dso wherever the ip has them (perf_sample__fprintf_addr, for
// sample_addr_correlates_sym's events), so a bare field there beside a frame with a symbol or
// dso is no address. (Where neither is printed, nothing tells a weight from an address.)
const ADDR_WITH_SYMBOL = new Set(['page-faults', 'faults', 'minor-faults', 'major-faults']);

/** Whether perf prints the event's data address with its symbol and dso (when -F has sym or dso): the software page-fault events, by name (modifiers and terms after `:` or `/` aside). */
export function addrHasSymbol(event: string): boolean {
  let end = event.length;
  for (let i = 0; i < event.length; i++) {
    const c = event.charCodeAt(i);
    if (c === 58 /* : */ || c === 47 /* / */) {
      end = i;
      break;
    }
  }
  return ADDR_WITH_SYMBOL.has(end === event.length ? event : event.slice(0, end));
}

// After the ip (process_event), -F phys_addr prints `%16lx` and data_page_size and
// code_page_size ` %s` each (get_page_size_name: 4K, 2M, N/A): on the header line after the ip
// frame, or, with a callchain, on a line of their own after the last frame, and then no blank
// line ends the record (samples/fields/nog.all, g.all):
//           fields 22429 [001] 86544.078336:          1                page-faults:                             5576f6c40020 __TMC_END__+0x0 (/work/wt/audit/samples/fields/fields)      1e05080021 |OP N/A|LVL N/A or N/A|SNP N/A|TLB N/A|LCK N/A|BLK  N/A               0 ffffffff8177819a elf_load+0x28a ([kernel.kallsyms])               0 N/A 2M
// 	    7f10f60f2ad7 [unknown] ([unknown])
//                0 N/A 2M
const PAGE_SIZES = 2;

// The blank before a page size name (N/A, or digits and a unit: unit_number__scnprintf's BKMGTPEZY) ending at `end`, or -1.
function pageSizeBefore(text: string, from: number, end: number): number {
  let i = end - 1;
  if (i - 3 >= from && text.charCodeAt(i) === 65 && text.charCodeAt(i - 1) === 47 && text.charCodeAt(i - 2) === 78) {
    i -= 3;
  } else {
    if (i < from || 'BKMGTPEZY'.indexOf(text.charAt(i)) < 0) return -1;
    const unit = i--;
    while (i >= from && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i--;
    if (i === unit - 1) return -1;
  }
  return i >= from && text.charCodeAt(i) === 32 ? i : -1;
}

/**
 * Where the fields perf prints after the ip (phys_addr, the page sizes) start in text [from, to),
 * `from` at a frame's address or at a line's start: `to` when there are none. The phys_addr field
 * is padded (physical addresses have at most 13 hex digits) and follows what is before it with no
 * blank of its own (a frame's field has one).
 */
export function trailingFieldsAt(text: string, from: number, to: number): number {
  let e = to;
  for (let n = 0; n < PAGE_SIZES; n++) {
    const b = pageSizeBefore(text, from, e);
    if (b < 0) break;
    e = b;
  }
  const f = e - ADDR_FIELD;
  if (f >= from && text.charCodeAt(f) === 32 && (f === from || text.charCodeAt(f - 1) !== 32)) {
    let k = f;
    while (k < e && text.charCodeAt(k) === 32) k++;
    const hex = k;
    while (k < e && isHex(text.charCodeAt(k))) k++;
    if (k === e && hex < e) e = f;
  }
  return e;
}

/** A line of the fields perf prints after a callchain's last frame (phys_addr, page sizes), not a frame: it starts with a blank (frames with a tab). */
export function isTrailingFieldsLine(text: string): boolean {
  return text.length > 0 && text.charCodeAt(0) === 32 && trailingFieldsAt(text, 0, text.length) === 0;
}

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

/** Where header frames start in the text after `event:`: a blank followed by a 16-column field of padding then hex, then a blank or the end (not ` |`: data_src). */
export function frameStarts(rest: string): number[] {
  const out: number[] = [];
  for (let p = rest.indexOf(' '); p >= 0 && p + ADDR_FIELD < rest.length; p = rest.indexOf(' ', p + 1)) {
    const after = p + 1 + ADDR_FIELD;
    if (after < rest.length && rest.charCodeAt(after) !== 32) continue;
    let k = p + 1;
    while (k < after && rest.charCodeAt(k) === 32) k++;
    if (k === after) continue;
    while (k < after && isHex(rest.charCodeAt(k))) k++;
    // (data_src's field is followed by ` |`)
    if (k !== after || rest.charCodeAt(after + 1) === 124) continue;
    out.push(p);
    p = after - 1;
  }
  return out;
}

// Header frames are interned by their trimmed text, apart from callchain lines.
export function headerFrameKey(piece: string): string {
  return ' ' + piece.trim();
}
