// The normalize stage: records → typed events, decoded once (normalizeRecord).
// Parsers leave a tracepoint's payload as printed (perf script) or split into
// fields (perf trace); nothing else in src/ reads a payload:
//   fault events    FaultEvent: address, ip, error code; the fault event list
//                   and its families (tracepoints, page-faults, minor+major)
//   syscalls        CallEvent / ReturnEvent: the arguments of mprotect, mmap,
//                   munmap, mremap, brk and clone, and every return value
//   tlb:tlb_flush   TlbFlushEvent: pages and the kernel's reason
//   signal:*        SignalEvent: the signal raised or delivered
// Side-band records (mmap, comm, fork, exit, lost) arrive typed from the
// parsers and pass through as they are.
//
// Fault tracepoints (arch/x86/include/asm/trace/exceptions.h: "address=%ps ip=%ps error_code=0x%lx"):
//   guard  2014 [000]  7537.692729:  exceptions:page_fault_user: address=0x7f740dbc6b70 ip=0x7f740dbc6b70 error_code=0x14
//   3.784 (         ): jit/11231 exceptions:page_fault_user(address: 0x7f3cb6869000, ip: 139898737037312, error_code: 21)
// Syscall and tlb_flush payloads, as perf script and perf trace print them: src/payloads.ts.
import { parseErrorCode } from './fault-class.js';
import type { Frame, LostRecord, MmapRecord, SampleRecord, TaskRecord, TraceRecord } from './model.js';
import { mprotectArgs, payloadFields, readCallArgs, readSignal, readTlbFlush, retOf, type CallArgs } from './payloads.js';

export { MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_SHARED, MREMAP_DONTUNMAP, MREMAP_FIXED, readTlbFlush, TLB_FLUSH_REASONS, type CallArgs } from './payloads.js';

// ------------------------------------------------------------ typed events

/** A fault event (FAULT_EVENTS): what it says about the access. */
export interface FaultEvent {
  readonly kind: 'fault';
  readonly record: SampleRecord;
  /** Index in FAULT_FAMILIES. */
  readonly family: number;
  readonly access: FaultAccess;
}

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

/** A signal:signal_generate (the kernel raised a signal) or signal:signal_deliver (a handler is about to run). */
export interface SignalEvent {
  readonly kind: 'signal';
  readonly record: SampleRecord;
  /** The signal number (`sig=11`); undefined when the payload has none. */
  readonly signal: number | undefined;
  readonly delivered: boolean;
}

/** Any other sample: its record is all there is. */
export interface OtherEvent {
  readonly kind: 'other';
  readonly record: SampleRecord;
}

/** An event of a sample record. */
export type SampleEvent = FaultEvent | CallEvent | ReturnEvent | TlbFlushEvent | SignalEvent | OtherEvent;

/** What the stages after the parsers read: sample events, and the side-band records as parsed. */
export type TraceEvent = SampleEvent | MmapRecord | TaskRecord | LostRecord;

/** Whether an event is a sample's (and so has its record). */
export function isSampleEvent(e: TraceEvent): e is SampleEvent {
  return 'record' in e;
}

const SYSCALL_EVENT = /^syscalls:sys_(enter|exit)_(\w+)$/;

/** What an event's name says, read once per distinct name (a trace has a handful). */
interface EventName {
  /** The syscall of a `syscalls:sys_enter_*` / `sys_exit_*` event. */
  readonly syscall: { readonly exit: boolean; readonly name: string } | undefined;
  readonly base: string;
  readonly family: number;
  /** How normalizeRecord reads the record. */
  readonly kind: 'call' | 'tlb-flush' | 'signal' | 'fault-tracepoint' | 'fault-sample' | 'other';
}

const eventNames = new Map<string, EventName>();
const MAX_EVENT_NAMES = 4096;
// the last name asked for: records come in runs of one event
let lastEvent = '';
let lastName: EventName | undefined;

function eventName(event: string): EventName {
  if (event === lastEvent && lastName !== undefined) return lastName;
  let known = eventNames.get(event);
  if (known === undefined) {
    const m = SYSCALL_EVENT.exec(event);
    const base = readBaseEventName(event);
    const family = familyOf(event, base);
    const kind =
      m !== null
        ? 'call'
        : event === 'tlb:tlb_flush'
          ? 'tlb-flush'
          : event === 'signal:signal_generate' || event === 'signal:signal_deliver'
            ? 'signal'
            : isFaultTracepoint(event)
              ? 'fault-tracepoint'
              : family === 1 || family === 2
                ? 'fault-sample'
                : 'other';
    known = { syscall: m === null ? undefined : { exit: m[1] === 'exit', name: m[2]! }, base, family, kind };
    if (eventNames.size < MAX_EVENT_NAMES) eventNames.set(event, known);
  }
  lastEvent = event;
  lastName = known;
  return known;
}

/** A record → its event: the only place payloads are decoded. */
export function normalizeRecord(r: TraceRecord): TraceEvent {
  if (r.kind !== 'sample') return r;
  const n = eventName(r.event);
  switch (n.kind) {
    case 'fault-sample':
      return faultEvent(r, n.family, sampleFault(r));
    case 'fault-tracepoint':
      return { kind: 'fault', record: r, family: n.family, access: tracepointFault(r) };
    case 'call': {
      const name = n.syscall!.name;
      if (n.syscall!.exit) return returnEvent(r, name, retOf(r));
      const args = readCallArgs(r, name);
      return r.ret !== undefined ? { kind: 'call', record: r, name, args, ret: r.ret } : callEvent(r, name, args);
    }
    case 'tlb-flush':
      return { kind: 'tlb-flush', record: r, flush: readTlbFlush(r), beforeItsCall: r.fields !== undefined };
    case 'signal':
      return { kind: 'signal', record: r, signal: readSignal(r), delivered: r.event === 'signal:signal_deliver' };
    default:
      return { kind: 'other', record: r };
  }
}

// The events of the records a trace holds most of, made by normalizeRecord and hotEvent alike.
function faultEvent(r: SampleRecord, family: number, access: FaultAccess): FaultEvent {
  return { kind: 'fault', record: r, family, access };
}

function callEvent(r: SampleRecord, name: string, args: CallArgs | undefined): CallEvent {
  return { kind: 'call', record: r, name, args };
}

function returnEvent(r: SampleRecord, name: string, ret: number): ReturnEvent {
  return { kind: 'return', record: r, name, ret };
}

// ------------------------------------------------------------ decoded in report's worker

/** What decodeHotRecord read: nothing, a software fault's address and ip, mprotect's arguments, a syscall's return value. */
export const HOT_NONE = 0;
export const HOT_FAULT = 1;
export const HOT_MPROTECT = 2;
export const HOT_RETURN = 3;
/** The numbers decodeHotRecord writes at most. */
export const HOT_VALUES = 4;

/**
 * What normalizeRecord reads from the payload (and data address) of the records
 * a trace holds most of, as numbers in out[at…]: a software fault's address and
 * ip, mprotect's start, len, prot and pkey, a syscall exit's return value; what
 * it read (HOT_NONE: nothing, normalizeRecord reads the record). Report's worker
 * thread reads them so the main thread need not (hotEvent). `address`: the data
 * address's value when the caller read it (as parseAddress reads r.addr, NaN
 * without one), so r.addr is not asked for; `ip`: its leaf frame's address
 * read so (the caller may keep it per stack).
 */
export function decodeHotRecord(r: SampleRecord, out: Float64Array, at: number, address?: number, ip?: number): number {
  const n = eventName(r.event);
  if (n.kind === 'fault-sample') {
    // (numbers, no FaultAccess: this is most of what the worker allocated)
    out[at] = address ?? sampleAddress(r);
    out[at + 1] = ip ?? leafIp(r);
    return HOT_FAULT;
  }
  if (n.kind !== 'call' || r.fields !== undefined || r.ret !== undefined) return HOT_NONE;
  const { exit, name } = n.syscall!;
  if (exit) {
    out[at] = retOf(r);
    return HOT_RETURN;
  }
  if (name !== 'mprotect' && name !== 'pkey_mprotect') return HOT_NONE;
  const args = readCallArgs(r, name) as Extract<CallArgs, { call: 'mprotect' | 'pkey_mprotect' }>;
  out[at] = args.start;
  out[at + 1] = args.len;
  out[at + 2] = args.prot;
  out[at + 3] = args.pkey;
  return HOT_MPROTECT;
}

/** The event normalizeRecord makes of `r`, from the numbers decodeHotRecord read (`hot`, not HOT_NONE). */
export function hotEvent(r: SampleRecord, hot: number, v: Float64Array, at: number): SampleEvent {
  const n = eventName(r.event);
  if (hot === HOT_FAULT) return faultEvent(r, n.family, faultSampleAccess(v[at]!, v[at + 1]!));
  const name = n.syscall!.name;
  if (hot === HOT_RETURN) return returnEvent(r, name, v[at]!);
  return callEvent(r, name, mprotectArgs(name as 'mprotect' | 'pkey_mprotect', v[at]!, v[at + 1]!, v[at + 2]!, v[at + 3]!));
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
  return eventName(event).base;
}

function readBaseEventName(event: string): string {
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
  return eventName(event).family;
}

function familyOf(event: string, base: string): number {
  if (event.startsWith('exceptions:page_fault_')) return 0;
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
  const kind = eventName(r.event).kind;
  if (kind === 'fault-tracepoint') return tracepointFault(r);
  if (kind === 'fault-sample') return sampleFault(r);
  return undefined;
}

// The exceptions tracepoints: `address=… ip=… error_code=…`.
function tracepointFault(r: SampleRecord): FaultAccess {
  if (r.fields === undefined) {
    const quick = quickTracepointFault(r);
    if (quick !== undefined) return quick;
  }
  const fields = payloadFields(r);
  const address = fieldOf(fields, 'address');
  const ip = fieldOf(fields, 'ip');
  const code = parseErrorCode(fieldOf(fields, 'error_code'));
  const a = parseAddress(address);
  const i = parseAddress(ip);
  // (not the sample's addr: a tracepoint's is 0, printed where -F has addr and no trace)
  return {
    address: a,
    ...(Number.isNaN(i) ? {} : { ip: i }),
    ...(code === undefined ? {} : { errorCode: code }),
    ...(ip === undefined ? {} : { ipText: ip }),
  };
}

// The payload as perf script prints the tracepoint, `address=0x7f740dbc6b70
// ip=0x7f740dbc6b70 error_code=0x14` (the ip may be a kernel symbol, columns
// that -F appended may follow), read in one pass: the fields' regexes cost
// ~3 µs a fault. Undefined for any other text, which the fields read. The
// values are what the fields' path gives.
function quickTracepointFault(r: SampleRecord): FaultAccess | undefined {
  const p = r.payload;
  if (!p.startsWith('address=0x')) return undefined;
  let end = hexEnd(p, 10);
  if (end === 10) return undefined;
  const address = hexValue(p, 10, end);
  if (!p.startsWith(' ip=', end)) return undefined;
  const ipAt = end + 4;
  const ipEnd = p.indexOf(' ', ipAt);
  if (ipEnd <= ipAt || !p.startsWith(' error_code=0x', ipEnd)) return undefined;
  let ip: number;
  if (p.startsWith('0x', ipAt) && hexEnd(p, ipAt + 2) === ipEnd && ipEnd > ipAt + 2) ip = hexValue(p, ipAt + 2, ipEnd);
  else if (plain(p, ipAt, ipEnd)) ip = parseAddress(p.slice(ipAt, ipEnd));
  else return undefined;
  const codeAt = ipEnd + 14;
  end = hexEnd(p, codeAt);
  if (end === codeAt) return undefined;
  // what follows is no field: -F's appended columns
  if (end !== p.length && (p.charCodeAt(end) !== 32 || !plain(p, end, p.length))) return undefined;
  const code = hexValue(p, codeAt, end);
  const ipText = p.slice(ipAt, ipEnd);
  if (Number.isNaN(code)) return Number.isNaN(ip) ? { address, ipText } : { address, ip, ipText };
  return Number.isNaN(ip) ? { address, errorCode: code, ipText } : { address, ip, errorCode: code, ipText };
}

// Whether p[from, to) holds nothing the fields' reader would take for a key or a separator.
function plain(p: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = p.charCodeAt(i);
    if (c === 61 || c === 58 || c === 44) return false; // = : ,
  }
  return true;
}

function hexEnd(p: string, at: number): number {
  let i = at;
  for (; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) break;
  }
  return i;
}

// The hex digits in [from, to); NaN past 2^53 (a kernel address).
function hexValue(p: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = p.charCodeAt(i);
    v = v * 16 + (c <= 57 ? c - 48 : c >= 97 ? c - 87 : c - 55);
  }
  return Number.isSafeInteger(v) ? v : NaN;
}

// The software events (page-faults, minor-faults, major-faults): the sample's ip and data address.
function sampleFault(r: SampleRecord): FaultAccess {
  return faultSampleAccess(sampleAddress(r), leafIp(r));
}

function sampleAddress(r: SampleRecord): number {
  return r.addr === undefined ? NaN : parseAddress(r.addr, true);
}

function leafIp(r: SampleRecord): number {
  return leafAddress(r.stack);
}

/** The address of a callchain's leaf frame (a software fault's ip), NaN without one. */
export function leafAddress(stack: readonly Frame[]): number {
  const leaf = stack[0];
  return leaf === undefined ? NaN : frameAddress(leaf);
}

/** A frame's address, as leafAddress reads a leaf's. */
export function frameAddress(frame: Frame): number {
  return parseAddress(frame.addr, true);
}

function faultSampleAccess(address: number, ip: number): FaultAccess {
  return Number.isNaN(ip) ? { address } : { address, ip };
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
  // perf's bare hex, as callchains and -F addr print it (a frame's or data address per fault)
  if (bareHex && text.length <= 13) {
    let v = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (d < 0) return parseAddressText(text, bareHex);
      v = v * 16 + d;
    }
    return v;
  }
  return parseAddressText(text, bareHex);
}

function parseAddressText(text: string, bareHex: boolean): number {
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) n = parseInt(text.slice(2), 16);
  else if (bareHex && /^[0-9a-fA-F]+$/.test(text)) n = parseInt(text, 16);
  else if (/^\d+$/.test(text)) n = Number(text);
  else return NaN;
  return Number.isSafeInteger(n) ? n : NaN;
}
