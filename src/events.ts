// The normalize stage: records → typed events, decoded once (normalizeRecord).
// Parsers leave a tracepoint's payload as printed (perf script) or split into
// fields (perf trace); nothing else in src/ reads a payload:
//   fault events    FaultEvent: address, ip, error code; the fault event list
//                   and its families (tracepoints, page-faults, minor+major)
//   syscalls        CallEvent / ReturnEvent: the arguments of mprotect, mmap,
//                   munmap, mremap, brk and clone, and every return value
//   tlb:tlb_flush   TlbFlushEvent: pages and the kernel's reason
// Side-band records (mmap, comm, fork, exit, lost) arrive typed from the
// parsers and pass through as they are.
//
// Fault tracepoints (arch/x86/include/asm/trace/exceptions.h: "address=%ps ip=%ps error_code=0x%lx"):
//   guard  2014 [000]  7537.692729:  exceptions:page_fault_user: address=0x7f740dbc6b70 ip=0x7f740dbc6b70 error_code=0x14
//   3.784 (         ): jit/11231 exceptions:page_fault_user(address: 0x7f3cb6869000, ip: 139898737037312, error_code: 21)
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
import { parseErrorCode } from './fault-class.js';
import type { LostRecord, MmapRecord, SampleRecord, TaskRecord, TraceRecord } from './model.js';

// ------------------------------------------------------------ typed events

/** A fault event (FAULT_EVENTS): what it says about the access. */
export interface FaultEvent {
  readonly kind: 'fault';
  readonly record: SampleRecord;
  /** Index in FAULT_FAMILIES. */
  readonly family: number;
  readonly access: FaultAccess;
}

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

/** A syscall's entry (`syscalls:sys_enter_*`), or a whole call as perf trace prints it. */
export interface CallEvent {
  readonly kind: 'call';
  readonly record: SampleRecord;
  /** The syscall: `mprotect`, `openat`. */
  readonly name: string;
  /** The arguments of the calls CallArgs lists; undefined for other calls. */
  readonly args: CallArgs | undefined;
  /** The return value when the record carries it (perf trace joins entry and exit). */
  readonly ret?: number;
}

/** A syscall's exit (`syscalls:sys_exit_*`). */
export interface ReturnEvent {
  readonly kind: 'return';
  readonly record: SampleRecord;
  readonly name: string;
  /** The return value, negative errno on failure; NaN when unreadable. */
  readonly ret: number;
}

/** A tlb:tlb_flush. */
export interface TlbFlushEvent {
  readonly kind: 'tlb-flush';
  readonly record: SampleRecord;
  /** Pages (-1 = the whole TLB) and the reason's kernel name; undefined when the payload cannot be read. */
  readonly flush: { readonly pages: number; readonly reason: string } | undefined;
  /** perf trace prints a call once, after the flushes inside it: this flush waits for its thread's next record. */
  readonly beforeItsCall: boolean;
}

/** Any other sample: its record is all there is. */
export interface OtherEvent {
  readonly kind: 'other';
  readonly record: SampleRecord;
}

/** An event of a sample record. */
export type SampleEvent = FaultEvent | CallEvent | ReturnEvent | TlbFlushEvent | OtherEvent;

/** What the stages after the parsers read: sample events, and the side-band records as parsed. */
export type TraceEvent = SampleEvent | MmapRecord | TaskRecord | LostRecord;

/** Whether an event is a sample's (and so has its record). */
export function isSampleEvent(e: TraceEvent): e is SampleEvent {
  return 'record' in e;
}

const SYSCALL_EVENT = /^syscalls:sys_(enter|exit)_(\w+)$/;

/** A record → its event: the only place payloads are decoded. */
export function normalizeRecord(r: TraceRecord): TraceEvent {
  if (r.kind !== 'sample') return r;
  const m = SYSCALL_EVENT.exec(r.event);
  if (m !== null) {
    const name = m[2]!;
    if (m[1] === 'exit') return { kind: 'return', record: r, name, ret: retOf(r) };
    const args = readCallArgs(r, name);
    return r.ret !== undefined ? { kind: 'call', record: r, name, args, ret: r.ret } : { kind: 'call', record: r, name, args };
  }
  if (r.event === 'tlb:tlb_flush') return { kind: 'tlb-flush', record: r, flush: readTlbFlush(r), beforeItsCall: r.fields !== undefined };
  const access = readFault(r);
  if (access !== undefined) return { kind: 'fault', record: r, family: faultFamily(r.event), access };
  return { kind: 'other', record: r };
}

// ------------------------------------------------------------ fault events

/** The fault events: the exceptions tracepoints and the software events. */
const FAULT_EVENTS = new Set([
  'exceptions:page_fault_user',
  'exceptions:page_fault_kernel',
  'page-faults',
  'faults',
  'minor-faults',
  'major-faults',
]);

/** The event name without perf's modifiers (`page-faults:u` → `page-faults`). */
export function baseEventName(event: string): string {
  if (event.startsWith('exceptions:')) return event;
  const colon = event.indexOf(':');
  const name = colon < 0 ? event : event.slice(0, colon);
  // per-event terms, as perf prints them: `page-faults/period=4/`
  const terms = /^([\w-]+)\/[^/]*\/$/.exec(name);
  return terms === null ? name : (terms[1] as string);
}

export function isFaultEvent(event: string): boolean {
  return FAULT_EVENTS.has(baseEventName(event));
}

export function isFaultTracepoint(event: string): boolean {
  return event === 'exceptions:page_fault_user' || event === 'exceptions:page_fault_kernel';
}

/** Families of fault events that count the same faults: tracepoints, page-faults, minor+major. */
export const FAULT_FAMILIES = ['tracepoints', 'page-faults', 'minor-major'] as const;

/** Index in FAULT_FAMILIES of a fault event's family, -1 for other events. */
export function faultFamily(event: string): number {
  if (event.startsWith('exceptions:page_fault_')) return 0;
  const base = baseEventName(event);
  if (base === 'page-faults' || base === 'faults') return 1;
  if (base === 'minor-faults' || base === 'major-faults') return 2;
  return -1;
}

/**
 * The fault events to show when the user chose none. The tracepoints and the
 * software events count the same faults, so one family is shown: the
 * tracepoints (they carry address, ip and error code), else page-faults,
 * else minor- plus major-faults (disjoint, so they add).
 */
export function defaultFaultEvents(seen: readonly string[]): Set<string> {
  const faults = seen.filter(isFaultEvent);
  const families = [
    (e: string) => e.startsWith('exceptions:page_fault_'),
    (e: string) => baseEventName(e) === 'page-faults' || baseEventName(e) === 'faults',
    (e: string) => baseEventName(e) === 'minor-faults' || baseEventName(e) === 'major-faults',
  ];
  for (const inFamily of families) {
    const hit = faults.filter(inFamily);
    if (hit.length > 0) return new Set(hit.sort());
  }
  return new Set();
}

/** What a fault record says about the access. */
export interface FaultAccess {
  /** The faulting data address (NaN when the record has none). */
  readonly address: number;
  /** The faulting instruction's runtime address, when printed. */
  readonly ip?: number;
  /** The hardware error code, when the event carries one. */
  readonly errorCode?: number;
  /** The exceptions tracepoints' ip as printed (`0x7f740dbc77ad`, perf trace: `139898737037312`). */
  readonly ipText?: string;
}

/**
 * Reads address, ip and error code from a fault record: the exceptions
 * tracepoints' `address=… ip=… error_code=…` payload (or perf trace's decoded
 * `fields`), and for software events the sample's data address (`-d` and
 * `-F +addr`). Undefined when the record is not a fault event.
 */
export function readFault(r: SampleRecord): FaultAccess | undefined {
  if (r.event === 'exceptions:page_fault_user' || r.event === 'exceptions:page_fault_kernel') {
    const fields = payloadFields(r);
    const address = fieldOf(fields, 'address');
    const ip = fieldOf(fields, 'ip');
    const code = parseErrorCode(fieldOf(fields, 'error_code'));
    const a = parseAddress(address);
    const i = parseAddress(ip);
    return {
      address: Number.isNaN(a) && r.addr !== undefined ? parseAddress(r.addr, true) : a,
      ...(Number.isNaN(i) ? {} : { ip: i }),
      ...(code === undefined ? {} : { errorCode: code }),
      ...(ip === undefined ? {} : { ipText: ip }),
    };
  }
  const family = faultFamily(r.event);
  if (family === 1 || family === 2) {
    const leaf = r.stack[0];
    const ip = leaf === undefined ? NaN : parseAddress(leaf.addr, true);
    return {
      address: r.addr === undefined ? NaN : parseAddress(r.addr, true),
      ...(Number.isNaN(ip) ? {} : { ip }),
    };
  }
  return undefined;
}

/** The fault's ip as perf's bare hex (`7fc2fa336b70`), also when perf trace printed it in decimal; undefined without one. */
export function faultIpHex(fault: FaultAccess | undefined): string | undefined {
  if (fault?.ip !== undefined) return fault.ip.toString(16);
  const t = fault?.ipText;
  if (t === undefined) return undefined;
  // kernel addresses (past 2^53) keep their text: decimal converted exactly, hex as printed
  return /^\d+$/.test(t) ? BigInt(t).toString(16) : t.replace(/^0[xX]/, '').toLowerCase();
}

// `address=0x7f740dbc6b70` in perf script, `address: 0x7f3cb6869000` or
// `ip: 139898737037312` in perf trace's fields. The first token drops what
// `-F +addr` appends to the last field (`error_code=0x14               0`).
function fieldOf(fields: Readonly<Record<string, string>>, name: string): string | undefined {
  const v = fields[name];
  return v === undefined ? undefined : v.trim().split(/\s/)[0];
}

// Hex with 0x, decimal without; `bareHex` for perf's 0x-less hex (`r.addr`, frame addresses).
// Kernel addresses (above 2^53) come back as NaN rather than rounded.
function parseAddress(text: string | undefined, bareHex = false): number {
  if (text === undefined || text === '') return NaN;
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) n = parseInt(text.slice(2), 16);
  else if (bareHex && /^[0-9a-fA-F]+$/.test(text)) n = parseInt(text, 16);
  else if (/^\d+$/.test(text)) n = Number(text);
  else return NaN;
  return Number.isSafeInteger(n) ? n : NaN;
}

// ------------------------------------------------------------ payloads

/** A tracepoint record's fields as printed: perf trace's, or perf script's payload split (values may hold spaces). */
function payloadFields(r: SampleRecord): Readonly<Record<string, string>> {
  return r.fields ?? parseTracepointFields(r.payload);
}

// perf trace omits zero arguments (`mmap(len: 8192, …)` has no addr, a PROT_NONE mprotect no prot).
const ZERO_WHEN_OMITTED = ['start', 'addr', 'len', 'prot', 'flags', 'pkey', 'old_len', 'new_len', 'new_addr'];

/** A syscall record's arguments (and `ret`) as single tokens; perf trace's omitted zero arguments filled in. */
function fieldsOf(r: SampleRecord): Record<string, string> {
  if (r.fields !== undefined) {
    const out: Record<string, string> = { ...r.fields };
    for (const name of ZERO_WHEN_OMITTED) out[name] ??= '0';
    return out;
  }
  // The values are single tokens; the first drops what `-F +addr` appends to
  // the last one (`prot: 0x00000001               0`).
  const out = parseTracepointFields(r.payload);
  for (const [k, v] of Object.entries(out)) out[k] = firstToken(v);
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

// `0x0`, `0x7f065b3aa000`, `0xffffffffffffffea` (perf script), or a perf trace record's ret.
function retOf(r: SampleRecord): number {
  if (r.ret !== undefined) return r.ret;
  return parseNum(fieldsOf(r).ret);
}

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

function readCallArgs(r: SampleRecord, name: string): CallArgs | undefined {
  switch (name) {
    case 'mprotect':
    case 'pkey_mprotect': {
      const f = fieldsOf(r);
      let pkey = name === 'pkey_mprotect' ? parseNum(f.pkey) : -1;
      if (pkey === 0xffffffff || Number.isNaN(pkey)) pkey = -1;
      return { call: name, start: parseNum(f.start), len: parseNum(f.len), prot: parseBits(f.prot, PROT_NAMES, true), pkey };
    }
    case 'munmap': {
      const f = fieldsOf(r);
      return { call: name, addr: parseNum(f.addr), len: parseNum(f.len) };
    }
    case 'mmap': {
      const f = fieldsOf(r);
      return {
        call: name,
        addr: parseNum(f.addr),
        len: parseNum(f.len),
        prot: parseBits(f.prot, PROT_NAMES, true),
        flags: parseBits(f.flags, MMAP_FLAG_NAMES, false),
        fd: parseNum(f.fd),
      };
    }
    case 'mremap': {
      const f = fieldsOf(r);
      return {
        call: name,
        addr: parseNum(f.addr),
        oldLen: parseNum(f.old_len),
        newLen: parseNum(f.new_len),
        flags: parseBits(f.flags, MREMAP_FLAG_NAMES, false),
        newAddr: parseNum(f.new_addr),
      };
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

// `clone_flags: 0x01200011` (perf script) or `flags: CHILD_CLEARTID|CHILD_SETTID|0x11` (perf trace).
function cloneFlags(f: Record<string, string>): number {
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
