// Tracepoint payloads → values: syscall arguments and return values, and
// tlb:tlb_flush's pages and reason. Only src/events.ts calls these (the
// normalize stage); everything after it reads typed events.
//
// Payloads as perf 6.1 prints them (print fmt of the syscall tracepoints,
// kernel/trace/trace_syscalls.c; tlb_flush: include/trace/events/tlb.h):
//   guard  2014 [000]  7537.694305: syscalls:sys_enter_mprotect: start: 0x7f740d9a4000, len: 0x00001000, prot: 0x00000001
//   mapping  9308 [000]  7962.598733:  syscalls:sys_exit_mprotect: 0xffffffffffffffea
//   guard  4975 [000]  7790.128628:     syscalls:sys_enter_mmap: addr: 0x00000000, len: 0x00002000, prot: 0x00000003, flags: 0x00000022, fd: 0xffffffff, off: 0x00000000
//   guard  4975 [000]  7790.128643:      syscalls:sys_exit_mmap: 0x7f065b3aa000
//   mapping  9308 [000]  7962.598976: syscalls:sys_enter_mremap: addr: 0x7f6f1865e000, old_len: 0x00004000, new_len: 0x00008000, flags: 0x00000001, new_addr: 0x00000000
//   jit  9272 [000]  7960.554148: syscalls:sys_enter_pkey_mprotect: start: 0x7f486c1f2000, len: 0x00001000, prot: 0x00000005, pkey: 0xffffffff
//   threads  9231 [000]  7958.650558:  tlb:tlb_flush: pages:8 reason:remote IPI send (4)
// With `-F +addr` perf appends the (zero) sample address to tracepoint lines:
//   guard  4975/4975  [000]  7790.127574:  tlb:tlb_flush: pages:-1 reason:local MM shootdown (3)               0
// perf trace (builtin-trace.c) prints the same calls with beautified
// arguments, omits zero ones (mmap's addr), and joins entry and exit:
//   3.571 ( 0.011 ms): jit/11231 mmap(len: 8192, prot: READ|WRITE, flags: PRIVATE|ANONYMOUS)           = 0x7f3cb6868000
//   3.853 ( 0.009 ms): jit/11231 pkey_mprotect(start: 0x7f3cb6868000, len: 4096, prot: READ|EXEC, pkey: -1) = 0
//   3.430 (         ): jit/11231 tlb:tlb_flush(reason: 3, pages: 10)
import { parseTracepointFields } from '../parsers/index.js';
import type { SampleRecord } from './model.js';

/**
 * The arguments of the calls faultpath follows, as numbers: NaN where the
 * record lacks one or it cannot be read. perf trace's omitted zero arguments
 * are 0; `prot` is NaN when it holds a name PROT_* lacks; flags keep the bits
 * they name.
 */
export type CallArgs =
  | { readonly call: 'mprotect' | 'pkey_mprotect'; readonly start: number; readonly len: number; readonly prot: number; /** -1: none. */ readonly pkey: number }
  | { readonly call: 'munmap'; readonly addr: number; readonly len: number }
  | { readonly call: 'mmap'; readonly addr: number; readonly len: number; readonly prot: number; readonly flags: number; readonly fd: number }
  | { readonly call: 'mremap'; readonly addr: number; readonly oldLen: number; readonly newLen: number; readonly flags: number; readonly newAddr: number }
  | { readonly call: 'brk' }
  /** clone's flags; NaN for clone3 (its flags are behind a pointer). */
  | { readonly call: 'clone' | 'clone3'; readonly flags: number };

// ------------------------------------------------------------ payloads

/** A tracepoint record's fields as printed: perf trace's, or perf script's payload split (values may hold spaces). */
export function payloadFields(r: SampleRecord): Readonly<Record<string, string>> {
  return r.fields ?? parseTracepointFields(r.payload);
}

// perf trace omits zero arguments (`mmap(len: 8192, …)` has no addr, a PROT_NONE mprotect no prot).
const ZERO_WHEN_OMITTED = ['start', 'addr', 'len', 'prot', 'flags', 'pkey', 'old_len', 'new_len', 'new_addr'];

/** perf script payloads read by fieldsOf, kept by their text: a trace's syscall payloads repeat (`0x0`, the same mprotect calls). */
const keptFields = new Map<string, Readonly<Record<string, string>>>();
const MAX_KEPT_FIELDS = 4096;

/** A syscall record's arguments (and `ret`) as single tokens; perf trace's omitted zero arguments filled in. */
function fieldsOf(r: SampleRecord): Readonly<Record<string, string>> {
  if (r.fields !== undefined) {
    const out: Record<string, string> = { ...r.fields };
    for (const name of ZERO_WHEN_OMITTED) out[name] ??= '0';
    return out;
  }
  const kept = keptFields.get(r.payload);
  if (kept !== undefined) return kept;
  // The values are single tokens; the first drops what `-F +addr` appends to
  // the last one (`prot: 0x00000001               0`).
  const out = parseTracepointFields(r.payload);
  for (const [k, v] of Object.entries(out)) out[k] = firstToken(v);
  if (keptFields.size >= MAX_KEPT_FIELDS) keptFields.clear();
  keptFields.set(r.payload, out);
  return out;
}

function firstToken(v: string): string {
  const i = v.search(/\s/);
  return i < 0 ? v : v.slice(0, i);
}

// A number as perf script (`0x00001000`) or perf trace (`4096`, `-1`) prints it.
// 64-bit values beyond 2^53 (error returns, -1 as unsigned) come back as the
// signed value when they are negative in two's complement, else NaN.
export function parseNum(text: string | undefined): number {
  if (text === undefined) return NaN;
  const quick = smallNum(text);
  if (quick !== undefined) return quick;
  const t = text.trim();
  let v: bigint;
  try {
    if (/^0[xX][0-9a-fA-F]+$/.test(t) || /^-?\d+$/.test(t)) v = BigInt(t);
    else return NaN;
  } catch {
    return NaN;
  }
  if (v >= 1n << 63n) v -= 1n << 64n; // a negative 64-bit value printed unsigned
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) return NaN;
  return Number(v);
}

// parseNum's value of `0x` and up to 13 hex digits, or an optional `-` and up
// to 15 decimal digits (both below 2^53, so exact and in range), without a
// BigInt; undefined for any other text (blanks around it too).
function smallNum(t: string): number | undefined {
  const n = t.length;
  if (n > 2 && t.charCodeAt(0) === 48 && (t.charCodeAt(1) | 0x20) === 120 /* 0x, 0X */) {
    if (n - 2 > 13) return undefined;
    let v = 0;
    for (let i = 2; i < n; i++) {
      const c = t.charCodeAt(i);
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (d < 0) return undefined;
      v = v * 16 + d;
    }
    return v;
  }
  const neg = n > 0 && t.charCodeAt(0) === 45;
  const from = neg ? 1 : 0;
  if (n === from || n - from > 15) return undefined;
  let v = 0;
  for (let i = from; i < n; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
  }
  // BigInt reads -0 as 0
  return neg ? 0 - v : v;
}

// `0x0`, `0x7f065b3aa000`, `0xffffffffffffffea` (perf script), or a perf trace record's ret.
export function retOf(r: SampleRecord): number {
  if (r.ret !== undefined) return r.ret;
  if (r.fields === undefined) {
    // a payload of one short hex number, most exits: what the fields give, without them
    const p = r.payload;
    const v = p.length > 2 && p.charCodeAt(0) === 48 && p.charCodeAt(1) === 120 ? hexAt(p, 2, p.length) : NaN;
    if (!Number.isNaN(v)) return v;
  }
  return parseNum(fieldsOf(r).ret);
}

// The value of hex digits [from, to) of t when there are 1 to 13 of them (below 2^53: exact), else NaN.
function hexAt(t: string, from: number, to: number): number {
  if (to <= from || to - from > 13) return NaN;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = t.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) return NaN;
    v = v * 16 + d;
  }
  return v;
}

// `start: 0x…, len: 0x…, prot: 0x…` (and `, pkey: 0x…` for pkey_mprotect) and nothing else, each value
// of 1 to 13 hex digits: its numbers in `out` (start, len, prot, pkey as printed) and true; false for any
// other text, which the fields read. The numbers are what the fields give.
const MPROTECT_KEYS = ['start: 0x', ', len: 0x', ', prot: 0x', ', pkey: 0x'];
function quickMprotect(p: string, pkey: boolean, out: number[]): boolean {
  const keys = pkey ? 4 : 3;
  let at = 0;
  for (let k = 0; k < keys; k++) {
    const key = MPROTECT_KEYS[k]!;
    if (!p.startsWith(key, at)) return false;
    const from = at + key.length;
    let end = from;
    while (end < p.length && p.charCodeAt(end) !== 44 /* , */) end++;
    const v = hexAt(p, from, end);
    if (Number.isNaN(v)) return false;
    out[k] = v;
    at = end;
  }
  return at === p.length;
}
const quick = [0, 0, 0, 0];

// ------------------------------------------------------------ syscall arguments

// Protection bits and flags as perf script (`0x00000003`) or perf trace (`READ|WRITE`) prints them.
const PROT_NAMES: Record<string, number> = { NONE: 0, READ: 1, WRITE: 2, EXEC: 4, SEM: 8, GROWSDOWN: 0x01000000, GROWSUP: 0x02000000 };
export const MAP_SHARED = 0x01;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_FIXED_NOREPLACE = 0x100000;
export const MREMAP_FIXED = 2;
export const MREMAP_DONTUNMAP = 4;
const MMAP_FLAG_NAMES: Record<string, number> = { SHARED: MAP_SHARED, FIXED: MAP_FIXED, ANONYMOUS: MAP_ANONYMOUS, FIXED_NOREPLACE: MAP_FIXED_NOREPLACE };
const MREMAP_FLAG_NAMES: Record<string, number> = { MAYMOVE: 1, FIXED: MREMAP_FIXED, DONTUNMAP: MREMAP_DONTUNMAP };
const CLONE_FLAG_NAMES: Record<string, number> = { VM: 0x100, THREAD: 0x10000, VFORK: 0x4000, SIGHAND: 0x800 };

// Numeric, or perf trace's `READ|WRITE` names; names outside `table` are ignored
// for flags (PRIVATE, ANONYMOUS) and make prot unreadable.
function parseBits(text: string | undefined, table: Record<string, number>, strict: boolean): number {
  if (text === undefined) return NaN;
  const n = parseNum(text);
  if (!Number.isNaN(n)) return n;
  let bits = 0;
  for (const name of text.split('|')) {
    const v = table[name.trim()];
    if (v !== undefined) bits |= v;
    else if (strict) return NaN;
  }
  return bits;
}

export function readCallArgs(r: SampleRecord, name: string): CallArgs | undefined {
  switch (name) {
    case 'mprotect':
    case 'pkey_mprotect': {
      if (r.fields === undefined && quickMprotect(r.payload, name === 'pkey_mprotect', quick)) {
        const pkey = name === 'pkey_mprotect' && quick[3] !== 0xffffffff ? quick[3]! : -1;
        return mprotectArgs(name, quick[0]!, quick[1]!, quick[2]!, pkey);
      }
      const f = fieldsOf(r);
      let pkey = name === 'pkey_mprotect' ? parseNum(f.pkey) : -1;
      if (pkey === 0xffffffff || Number.isNaN(pkey)) pkey = -1;
      return mprotectArgs(name, parseNum(f.start), parseNum(f.len), parseBits(f.prot, PROT_NAMES, true), pkey);
    }
    case 'munmap': {
      const [addr, len] = nums(fieldsOf(r), 'addr', 'len');
      return { call: name, addr, len };
    }
    case 'mmap': {
      const f = fieldsOf(r);
      const [addr, len, fd] = nums(f, 'addr', 'len', 'fd');
      return { call: name, addr, len, prot: parseBits(f.prot, PROT_NAMES, true), flags: parseBits(f.flags, MMAP_FLAG_NAMES, false), fd };
    }
    case 'mremap': {
      const f = fieldsOf(r);
      const [addr, oldLen, newLen, newAddr] = nums(f, 'addr', 'old_len', 'new_len', 'new_addr');
      return { call: name, addr, oldLen, newLen, flags: parseBits(f.flags, MREMAP_FLAG_NAMES, false), newAddr };
    }
    case 'brk':
      return { call: name };
    case 'clone':
      return { call: name, flags: cloneFlags(fieldsOf(r)) };
    case 'clone3':
      return { call: name, flags: NaN };
    default:
      return undefined;
  }
}

/** mprotect's arguments as readCallArgs gives them (report's main thread makes them of the numbers its worker read). */
export function mprotectArgs(call: 'mprotect' | 'pkey_mprotect', start: number, len: number, prot: number, pkey: number): CallArgs {
  return { call, start, len, prot, pkey };
}

// The named fields as numbers (parseNum).
function nums<N extends string[]>(f: Readonly<Record<string, string>>, ...names: N): { [K in keyof N]: number } {
  return names.map((n) => parseNum(f[n])) as { [K in keyof N]: number };
}

// `clone_flags: 0x01200011` (perf script) or `flags: CHILD_CLEARTID|CHILD_SETTID|0x11` (perf trace).
function cloneFlags(f: Readonly<Record<string, string>>): number {
  const text = f.clone_flags ?? f.flags;
  if (text === undefined) return NaN;
  const n = parseNum(text);
  if (!Number.isNaN(n)) return n;
  let bits = 0;
  for (const part of text.split('|')) {
    const v = parseBits(part, CLONE_FLAG_NAMES, false);
    if (!Number.isNaN(v)) bits |= v;
  }
  return bits;
}

// ------------------------------------------------------------ tlb:tlb_flush

/** Kernel names of tlb_flush reasons (enum tlb_flush_reason, include/linux/mm_types.h), by value. */
export const TLB_FLUSH_REASONS = [
  'TLB_FLUSH_ON_TASK_SWITCH',
  'TLB_REMOTE_SHOOTDOWN',
  'TLB_LOCAL_SHOOTDOWN',
  'TLB_LOCAL_MM_SHOOTDOWN',
  'TLB_REMOTE_SEND_IPI',
  'TLB_REMOTE_WRONG_CPU',
] as const;

// The texts of the tracepoint's __print_symbolic table.
const TLB_REASON_TEXT: Record<string, number> = {
  'flush on task switch': 0,
  'remote shootdown': 1,
  'local shootdown': 2,
  'local MM shootdown': 3,
  'remote IPI send': 4,
  'remote wrong CPU': 5,
};

/**
 * Reads a tlb:tlb_flush record: its pages (-1 = the whole TLB) and its reason
 * as the kernel enum name (`TLB_LOCAL_MM_SHOOTDOWN`), or `reason N` for a value
 * the table lacks. Undefined when the payload is not a tlb_flush one.
 */
export function readTlbFlush(r: SampleRecord): { pages: number; reason: string } | undefined {
  let pagesText: string | undefined;
  let reasonValue: number | undefined;
  let reasonText: string | undefined;
  if (r.fields !== undefined && (r.fields.reason !== undefined || r.fields.pages !== undefined)) {
    // perf trace leaves out fields whose value is 0 (trace__fprintf_tp_fields without --show-zeros):
    // `tlb:tlb_flush(pages: -1)` is reason 0, TLB_FLUSH_ON_TASK_SWITCH; `tlb:tlb_flush(reason: 3)` flushed 0 pages
    pagesText = r.fields.pages ?? '0';
    const t = (r.fields.reason ?? '0').trim();
    if (/^-?\d+$/.test(t)) reasonValue = Number(t);
    else reasonText = t;
  } else {
    // pages:1 reason:local MM shootdown (3)
    const f = payloadFields(r);
    if (f.pages === undefined || f.reason === undefined) return undefined;
    pagesText = firstToken(f.pages);
    // `s`: a CR or U+2028 in the payload is text like any other, not the end of the match
    const m = /^(.*?)\s*(?:\((-?\d+)\))?(?:\s+\d+)?$/s.exec(f.reason.trim());
    const text = m?.[1] ?? f.reason.trim();
    if (m?.[2] !== undefined) reasonValue = Number(m[2]);
    else if (/^-?\d+$/.test(text)) reasonValue = Number(text);
    else reasonText = text;
  }
  const pages = pagesText === undefined ? NaN : Number(pagesText);
  if (reasonValue === undefined && reasonText !== undefined) reasonValue = TLB_REASON_TEXT[reasonText];
  let reason: string;
  if (reasonValue !== undefined) reason = TLB_FLUSH_REASONS[reasonValue] ?? `reason ${reasonValue}`;
  else if (reasonText !== undefined && reasonText !== '') reason = reasonText;
  else return undefined;
  return { pages, reason };
}

/**
 * Reads a signal:signal_generate or signal:signal_deliver record's signal
 * number (`sig=11 errno=0 code=2 …`); undefined when the payload has none.
 */
export function readSignal(r: SampleRecord): number | undefined {
  const sig = parseNum(fieldsOf(r)['sig']);
  return Number.isNaN(sig) ? undefined : sig;
}
