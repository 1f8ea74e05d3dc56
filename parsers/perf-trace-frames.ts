// perf trace's page-fault lines and callchain frames → fields and frames.
// Source of truth: tools/perf/builtin-trace.c (trace__pgfault,
// print_location) and util/evsel_fprintf.c (sample__fprintf_callchain), perf 6.1.
import type { Frame } from './records.js';
import { lastGroupStart } from './perf-script-frames.js';
import { HEX } from './perf-trace-args.js';

// Page faults (trace__pgfault): `minfault`/`majfault`, the faulting ip as
// print_location(print_sym) prints it, `=> `, the data address as
// print_location(print_dso) prints it, and two letters:
//      0.000 ( 0.000 ms): guard/14268 minfault [elf_load+0x28a] => 0x55b4ffe74068 (?k)
//      2.629 ( 0.000 ms): guard/14268 minfault [__memset_avx512_unaligned_erms+0x7a] => //anon@0x7f68f4561000 (d.)
//      6.104 ( 0.000 ms): prot/14296 majfault [read_pages+0x15] => /work/main/samples/perf-trace/prot-major.tmp@0x0 (d.)
//      1.176 ( 0.000 ms): guard/14268 minfault [open_verify.constprop.0+0x1ca] => [stack]@0x7ffefa4c6dc8 (d.)
//      0.189 ( 0.000 ms): guard/14287 minfault [_start+0x0] => 0x0 (?.)
// The ip is `sym+0xoff` (-v: `dso@sym+0xoff`); a bare `[0x…]` may be the DATA
// address, so it gives no frame. The target is `0x…` (absolute) or `dso@0x…`
// (map-relative, except identity-mapped dsos). The letters: map type (`d`,
// `x`, `?` none) and al->level (`.` user, `k` kernel, `g`/`u` guest, `H`
// hypervisor). `=> 0x0 (?.)` means the address was not recorded (perf trace
// record passes no -d). Why, with the captures that show it:
// src/design-notes.md, "perf trace page-fault lines". Matched by hand, not one
// regex: two greedy groups backtrack quadratically on `] => `-filled lines.
const FAULT_START = /^(min|maj)fault \[/;
const FAULT_END = / \(([dx?])([k.guH])\)$/;
const MAP_TYPE: Readonly<Record<string, string>> = { d: 'data', x: 'exec', '?': 'none' };
const LEVEL: Readonly<Record<string, string>> = { '.': 'user', k: 'kernel', g: 'guest-kernel', u: 'guest-user', H: 'hypervisor' };
const IDENTITY_DSO = /^(?:\/\/anon$|\/dev\/zero|\/anon_hugepage|\[stack|\[heap\]$|\/SYSV|\/tmp\/perf-\d+\.map$)/;

// Callchain frames under an event (sample__fprintf_callchain with left
// alignment 38, EVSEL__PRINT_SYM | EVSEL__PRINT_DSO | EVSEL__PRINT_UNKNOWN_AS_ADDR):
// no address column; an unresolved frame prints `[%#x]` of its map-relative
// address (`[0]` for 0), the dso in parentheses, `inlined` for inline frames:
//                                        __mprotect (/usr/lib/x86_64-linux-gnu/libc.so.6)
//                                        [0x348a8] (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
//                                        [0] ([unknown])
//                                        __GI_mprotect (inlined)
// The indent is 39 blanks and ` (dso)` is always printed; anything less
// indented or without it is not taken for a frame.
const FRAME_INDENT = /^ {30,}\S/;
const UNKNOWN_AS_ADDR = /^\[(0x[0-9a-fA-F]+|0)\]$/;
const SYM_OFFSET = /^(.*)\+0x([0-9a-fA-F]+)$/s;

// `sym (dso)`: the text inside the last balanced `( … )`, which must follow a
// blank, and the non-empty text before it.
function splitFrame(text: string): { before: string; inside: string } | undefined {
  if (!text.endsWith(')')) return undefined;
  const i = lastGroupStart(text);
  if (i < 2 || text.charCodeAt(i - 1) !== 32) return undefined;
  const before = text.slice(0, i - 1);
  return before.trim() === '' ? undefined : { before, inside: text.slice(i + 1, -1) };
}

export function frameText(line: string): string | undefined {
  if (!FRAME_INDENT.test(line)) return undefined;
  const text = line.trimStart();
  return splitFrame(text) === undefined ? undefined : text;
}

export interface FaultMatch {
  readonly major: boolean;
  readonly ipText: string;
  readonly target: string;
  readonly map: string;
  readonly level: string;
}

export function matchFault(rest: string): FaultMatch | undefined {
  const start = FAULT_START.exec(rest);
  if (start === null) return undefined;
  const end = FAULT_END.exec(rest.slice(-5));
  if (end === null) return undefined;
  const middle = rest.slice(start[0].length, -5);
  const arrow = middle.lastIndexOf('] => ');
  if (arrow < 0) return undefined;
  return { major: start[1] === 'maj', ipText: middle.slice(0, arrow), target: middle.slice(arrow + 5), map: end[1]!, level: end[2]! };
}

/** A fault line's fields (map type, level, the target's dso, offset or symbol, the ip as printed) and its absolute data address (hex without 0x). */
export function faultFields(m: FaultMatch): { fields: Record<string, string>; addr?: string } {
  const { ipText, target } = m;
  const fields: Record<string, string> = { map: MAP_TYPE[m.map]!, level: LEVEL[m.level]! };
  let addr: string | undefined;
  const at = target.lastIndexOf('@');
  if (HEX.test(target)) {
    // no map: sample->addr as recorded; 0 means the address was not recorded
    const value = target.slice(2).toLowerCase().replace(/^0+(?=.)/, '');
    if (value !== '0') addr = value;
  } else if (at > 0 && HEX.test(target.slice(at + 1))) {
    const dso = target.slice(0, at);
    const value = target.slice(at + 3).toLowerCase().replace(/^0+(?=.)/, '');
    fields.target_dso = dso;
    if (IDENTITY_DSO.test(dso)) addr = value;
    else fields.target_offset = `0x${value}`;
  } else {
    // -v: `dso@sym+0xoff`; or a bare symbol or [unknown]
    const first = target.startsWith('/') || target.startsWith('[') ? target.indexOf('@') : -1;
    if (first > 0) fields.target_dso = target.slice(0, first);
    fields.target_symbol = first > 0 ? target.slice(first + 1) : target;
  }
  fields.ip = ipText;
  return addr === undefined ? { fields } : { fields, addr };
}

/** `[sym+0xoff]` of a fault line (print_location with print_sym); undefined for a bare `0x…`, which may be the data address. */
export function parseHeaderFrame(text: string): Frame | undefined {
  let rest = text;
  let dso = '';
  if (rest.startsWith('/') || rest.startsWith('[')) {
    const at = rest.indexOf('@');
    if (at > 0) {
      dso = rest.slice(0, at);
      rest = rest.slice(at + 1);
    }
  }
  if (HEX.test(rest)) {
    if (dso === '') return undefined; // maybe the data address (see the page fault comment)
    return { addr: rest.slice(2).toLowerCase(), symbol: '', offset: -1, dso };
  }
  const so = SYM_OFFSET.exec(rest);
  return so !== null ? { addr: '', symbol: so[1]!, offset: parseInt(so[2]!, 16), dso } : { addr: '', symbol: rest, offset: -1, dso };
}

/** A `sym (dso)` callchain line, as frameText accepted it. */
export function parseChainFrame(text: string): Frame {
  const split = splitFrame(text)!;
  const symText = split.before;
  const dso = split.inside;
  const unknown = UNKNOWN_AS_ADDR.exec(symText);
  if (unknown !== null) {
    const hex = unknown[1] === '0' ? '0' : unknown[1]!.slice(2).toLowerCase();
    return { addr: hex, symbol: '', offset: -1, dso };
  }
  const so = SYM_OFFSET.exec(symText);
  return so !== null ? { addr: '', symbol: so[1]!, offset: parseInt(so[2]!, 16), dso } : { addr: '', symbol: symText, offset: -1, dso };
}
