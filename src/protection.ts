// The protection timeline: per process, which protection every page has and
// which syscall set it; every fault joined to the change that covered its
// page; guard-page retry cycles; TLB flushes attributed to the calls that
// caused them.
//
// Records come from the perf script parser (tracepoint payloads, decoded here)
// or the perf trace parser (decoded `fields`, and `ret` on the same record).
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
//
// Rules:
// - A call changes the page map at its entry record and is undone when its
//   exit (or perf trace's `= -1 ERRNO`) says it failed; an unaligned start
//   fails without waiting (the kernel returns EINVAL). Lengths round up to pages.
// - A fault covers the change that set its page last; mremap moves pages with
//   the changes that set them, its growth is the mremap's own.
// - Retry cycle: a fault the page's protection forbids, then the same
//   thread's next protection call covers that page and grants the access (the
//   SIGSEGV handler's mprotect), after which the instruction retries.
// - A tlb:tlb_flush belongs to the protection call its thread is inside of
//   (between the entry and the exit record; without exit records, until the
//   thread's next record). Flushes outside any call (copy-on-write faults flush
//   in do_wp_page, task switches, exit) are counted as unattributed, per
//   reason. TLB_REMOTE_SHOOTDOWN, received from another CPU, belongs to the
//   call another thread of the process is inside of.
//
// What the trace cannot say, the timeline does not guess:
// - Without sys_exit_* records a failed call looks like a successful one, and
//   an mmap/mremap whose address the kernel chose cannot be placed (counted as
//   unplaced).
// - perf script prints only the tid unless `-F +pid`; threads are tied to
//   their process by FORK/COMM records (`--show-task-events`). Without either,
//   a thread is its own process and sees none of its siblings' changes.
// - A failed mprotect that hit a hole (ENOMEM) may have changed the part
//   before the hole; the timeline undoes the whole call.
import { parseTracepointFields } from '../parsers/perf-script.js';
import { accessDenied, classifyFault, decodeErrorCode, PROT_EXEC, PROT_READ, PROT_WRITE } from './fault-class.js';
import type {
  DiagnosticSink,
  FaultClass,
  Frame,
  ProtectionCall,
  ProtectionChange,
  ProtectionInstruction,
  ProtectionReport,
  ProtectionSiteSummary,
  SampleRecord,
  TaskRecord,
  TraceRecord,
} from './model.js';
import { isKernelDso } from './model.js';

export interface ProtectionOptions {
  /** Page size in bytes: lengths round up to it, addresses down. Default 4096. */
  pageSize?: number;
  /** The protection site of a syscall record. Default `defaultSiteOf`: the caller of the libc wrapper as perf printed it. */
  siteOf?: (r: SampleRecord) => string;
  /** Receives protection records whose fields cannot be read. Default: dropped (still counted in `notes`). */
  onDiagnostic?: DiagnosticSink;
  /** Keep every change for `changes()`. Default false: memory then follows live mappings and sites, not calls. */
  keepHistory?: boolean;
}

/** What `noteFault` learned about one fault. */
export interface FaultAttribution {
  /** The change covering the faulting page when the fault happened. */
  readonly change?: ProtectionChange;
  /** The page's protection at that moment (PROT_* bits). */
  readonly prot?: number;
  readonly class: FaultClass;
  /** Seconds from the change to the fault. */
  readonly sinceChange?: number;
  /** Whether the page's protection forbids the access (a guard-page fault). */
  readonly denied: boolean;
}

/** A fault as the pipeline knows it once joined to its instruction. */
export interface NotedFault {
  readonly pid: number;
  readonly tid: number;
  readonly cpu: number;
  readonly time: number;
  /** The faulting data address. */
  readonly address: number;
  /** The x86 error code; absent for software events. */
  readonly errorCode?: number;
  /** The faulting instruction's key (its resolved site). */
  readonly instructionKey: string;
  /** The record's period. */
  readonly value: number;
}

const RUNTIME_DSO = /^(libc[.-]|ld-linux|ld-|libpthread)/;

/**
 * The default protection site: the first user frame whose dso is not libc,
 * ld.so or libpthread (the caller of the `__mprotect` wrapper), else the
 * leaf user frame; keyed `dso:symbol+0xoff`. With frame-pointer callchains
 * perf loses the wrapper's direct caller (the wrapper keeps no frame), so
 * this is the caller's caller unless the pipeline repairs the chain.
 */
export function defaultSiteOf(r: SampleRecord): string {
  let leaf: Frame | undefined;
  for (const f of r.stack) {
    if (isKernelDso(f.dso)) continue;
    leaf ??= f;
    if (!RUNTIME_DSO.test(basename(f.dso))) return frameKey(f);
  }
  return leaf === undefined ? '[unknown]' : frameKey(leaf);
}

function frameKey(f: Frame): string {
  const dso = f.dso === '' ? '[unknown]' : f.dso;
  if (f.symbol === '' || f.symbol === '[unknown]') return `${dso}:0x${f.addr === '' ? '?' : f.addr}`;
  return f.offset >= 0 ? `${dso}:${f.symbol}+0x${f.offset.toString(16)}` : `${dso}:${f.symbol}`;
}

function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** `rwx` text of PROT_* bits: `r--`, `rw-`, `r-x`, `---`. */
export function protText(prot: number): string {
  return `${prot & PROT_READ ? 'r' : '-'}${prot & PROT_WRITE ? 'w' : '-'}${prot & PROT_EXEC ? 'x' : '-'}`;
}

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
  if (r.fields !== undefined && r.fields.reason !== undefined) {
    pagesText = r.fields.pages;
    const t = r.fields.reason.trim();
    if (/^-?\d+$/.test(t)) reasonValue = Number(t);
    else reasonText = t;
  } else {
    // pages:1 reason:local MM shootdown (3)
    const f = parseTracepointFields(r.payload);
    if (f.pages === undefined || f.reason === undefined) return undefined;
    pagesText = firstToken(f.pages);
    const m = /^(.*?)\s*(?:\((-?\d+)\))?(?:\s+\d+)?$/.exec(f.reason.trim())!;
    if (m[2] !== undefined) reasonValue = Number(m[2]);
    else if (/^-?\d+$/.test(m[1]!)) reasonValue = Number(m[1]);
    else reasonText = m[1];
  }
  const pages = pagesText === undefined ? NaN : Number(pagesText);
  if (reasonValue === undefined && reasonText !== undefined) reasonValue = TLB_REASON_TEXT[reasonText];
  let reason: string;
  if (reasonValue !== undefined) reason = TLB_FLUSH_REASONS[reasonValue] ?? `reason ${reasonValue}`;
  else if (reasonText !== undefined && reasonText !== '') reason = reasonText;
  else return undefined;
  return { pages, reason };
}

// ---------------------------------------------------------------- field decoding

// perf trace omits zero arguments (`mmap(len: 8192, …)` has no addr, a PROT_NONE mprotect no prot).
const ZERO_WHEN_OMITTED = ['start', 'addr', 'len', 'prot', 'flags', 'pkey', 'old_len', 'new_len', 'new_addr'];

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
function parseNum(text: string | undefined): number {
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

const PROT_NAMES: Record<string, number> = { NONE: 0, READ: 1, WRITE: 2, EXEC: 4, SEM: 8, GROWSDOWN: 0x01000000, GROWSUP: 0x02000000 };
const MMAP_FLAG_NAMES: Record<string, number> = { FIXED: 0x10, FIXED_NOREPLACE: 0x100000 };
const MREMAP_FLAG_NAMES: Record<string, number> = { MAYMOVE: 1, FIXED: 2, DONTUNMAP: 4 };
const MAP_FIXED = 0x10;
const MAP_FIXED_NOREPLACE = 0x100000;
const MREMAP_FIXED = 2;
const MREMAP_DONTUNMAP = 4;

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

// `0x0`, `0x7f065b3aa000`, `0xffffffffffffffea` (perf script), or a perf trace record's ret.
function retOf(r: SampleRecord): number {
  if (r.ret !== undefined) return r.ret;
  return parseNum(fieldsOf(r).ret);
}

function failedRet(ret: number): boolean {
  return ret < 0 && ret >= -4095;
}

// ---------------------------------------------------------------- the page map

interface Segment {
  start: number;
  end: number;
  prot: number;
  change: Change;
}

// Sorted, non-overlapping page ranges.
class PageMap {
  segs: Segment[] = [];

  // Index of the first segment that ends after `addr`.
  private after(addr: number): number {
    let lo = 0;
    let hi = this.segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segs[mid]!.end <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(addr: number): Segment | undefined {
    const s = this.segs[this.after(addr)];
    return s !== undefined && s.start <= addr ? s : undefined;
  }

  // Copies of the parts of segments inside [start, end).
  slice(start: number, end: number): Segment[] {
    const out: Segment[] = [];
    for (let i = this.after(start); i < this.segs.length; i++) {
      const s = this.segs[i]!;
      if (s.start >= end) break;
      out.push({ start: Math.max(s.start, start), end: Math.min(s.end, end), prot: s.prot, change: s.change });
    }
    return out;
  }

  clear(start: number, end: number): void {
    if (end <= start) return;
    const i = this.after(start);
    let j = i;
    const keep: Segment[] = [];
    while (j < this.segs.length && this.segs[j]!.start < end) {
      const s = this.segs[j]!;
      if (s.start < start) keep.push({ start: s.start, end: start, prot: s.prot, change: s.change });
      if (s.end > end) keep.push({ start: end, end: s.end, prot: s.prot, change: s.change });
      j++;
    }
    if (j > i) this.segs.splice(i, j - i, ...keep);
  }

  // Inserts segments into a range already cleared; they must be sorted and disjoint.
  insert(segs: readonly Segment[]): void {
    if (segs.length === 0) return;
    this.segs.splice(this.after(segs[0]!.start), 0, ...segs);
  }

  set(start: number, end: number, prot: number, change: Change): void {
    if (end <= start) return;
    this.clear(start, end);
    this.insert([{ start, end, prot, change }]);
  }

  copy(): PageMap {
    const m = new PageMap();
    m.segs = this.segs.map((s) => ({ ...s }));
    return m;
  }
}

// ---------------------------------------------------------------- state

interface Change {
  readonly view: ProtectionChange;
  readonly agg: SiteAgg;
  faults: number;
  failed: boolean;
  applied: boolean;
  // Ranges as they were before the change, to undo it when its exit says it failed.
  undo: { start: number; end: number; prev: Segment[] }[];
  // Retry cycles this change closed (undone with it).
  closed: { instr: InstrAgg; agg: SiteAgg }[];
}

interface InstrAgg {
  instruction: string;
  faults: number;
  classes: Map<FaultClass, number>;
  cycles: number;
  handlers: Map<string, number>;
}

interface SiteAgg {
  site: string;
  calls: Map<string, number>;
  failed: number;
  prots: Map<string, number>;
  pages: number;
  firstTime: number;
  lastTime: number;
  faults: number;
  classes: Map<FaultClass, number>;
  denied: number;
  sinceMin: number;
  sinceMax: number;
  instructions: Map<string, InstrAgg>;
  cycles: number;
  tlb: Map<string, number>;
}

// An mmap/mremap entered whose address only its exit will tell.
interface Placement {
  call: 'mmap' | 'mremap';
  record: SampleRecord;
  proc: Process;
  len: number;
  prot: number;
  oldAddr: number;
  oldLen: number;
  flags: number;
}

interface OpenCall {
  call: ProtectionCall;
  change?: Change;
  placement?: Placement;
  // The record carried its own ret (perf trace): no exit will follow.
  complete: boolean;
  time: number;
}

interface Flush {
  time: number;
  reason: string;
  pages: number;
}

interface Thread {
  tid: number;
  open?: OpenCall;
  // Flushes waiting for the thread's next record to tell which call they belong to.
  held: Flush[];
  // A denied fault waiting for a handler's change that grants the access.
  // It expires at the thread's second protection call after the fault: the handler's call is the first.
  pendingFault?: { page: number; need: number; instr: InstrAgg; agg: SiteAgg; expires: boolean };
}

interface Process {
  key: number;
  map: PageMap;
}

const SYSCALL_EVENT = /^syscalls:sys_(enter|exit)_(mprotect|pkey_mprotect|mmap|munmap|mremap)$/;

/**
 * The per-process protection timeline. Feed it every record in trace order
 * with `add`; call `noteFault` for each fault (right after adding its record)
 * once the pipeline knows the faulting instruction; read `report()` at the end.
 */
export class ProtectionTimeline {
  private readonly pageSize: number;
  private readonly siteOf: (r: SampleRecord) => string;
  private readonly onDiagnostic: DiagnosticSink | undefined;
  private readonly processes = new Map<number, Process>();
  private readonly threads = new Map<number, Thread>();
  private readonly tidToPid = new Map<number, number>();
  private readonly mainTids = new Set<number>();
  private readonly unmappedTids = new Set<number>();
  private readonly sites = new Map<string, SiteAgg>();
  private readonly allChanges: Change[] = [];
  private readonly keepHistory: boolean;
  private readonly exitsSeen = new Set<string>();
  private readonly entersSeen = new Set<string>();
  private readonly unattributed = new Map<string, number>();
  private uncovered = 0;
  private unplaced = 0;
  private unreadable = 0;
  private lost = 0;

  constructor(options: ProtectionOptions = {}) {
    this.pageSize = options.pageSize ?? 4096;
    this.siteOf = options.siteOf ?? defaultSiteOf;
    this.onDiagnostic = options.onDiagnostic;
    this.keepHistory = options.keepHistory ?? false;
  }

  /**
   * Takes one record in trace order (all inputs merged by time by the caller).
   * Returns the change it applied, if any.
   */
  add(r: TraceRecord): ProtectionChange | undefined {
    switch (r.kind) {
      case 'lost':
        this.lost += r.count;
        return undefined;
      case 'mmap':
        return undefined;
      case 'comm':
      case 'fork':
      case 'exit':
        this.addTask(r);
        return undefined;
      case 'sample':
        return this.addSample(r);
    }
  }

  /** The change covering `address` in the process of (pid, tid) now: call in trace order, when the fault record is read. */
  covering(pid: number, tid: number, address: number): ProtectionChange | undefined {
    return this.segmentAt(pid, tid, address)?.change.view;
  }

  /** Joins a fault to its covering change: class, time since the change, retry-cycle bookkeeping. */
  noteFault(f: NotedFault): FaultAttribution {
    const seg = this.segmentAt(f.pid, f.tid, f.address);
    const cls = classifyFault(f.errorCode, seg);
    if (seg === undefined) {
      this.uncovered += f.value;
      return { class: cls, denied: false };
    }
    const change = seg.change;
    const denied = f.errorCode !== undefined && accessDenied(f.errorCode, seg.prot);
    const since = f.time - change.view.time;
    change.faults += f.value;
    const agg = change.agg;
    agg.faults += f.value;
    bump(agg.classes, cls, f.value);
    if (denied) agg.denied += f.value;
    if (Number.isFinite(since)) {
      agg.sinceMin = Math.min(agg.sinceMin, since);
      agg.sinceMax = Math.max(agg.sinceMax, since);
    }
    let instr = agg.instructions.get(f.instructionKey);
    if (instr === undefined) {
      instr = { instruction: f.instructionKey, faults: 0, classes: new Map(), cycles: 0, handlers: new Map() };
      agg.instructions.set(f.instructionKey, instr);
    }
    instr.faults += f.value;
    bump(instr.classes, cls, f.value);
    const thread = this.thread(f.tid);
    if (denied && f.errorCode !== undefined) {
      const b = decodeErrorCode(f.errorCode);
      const need = b.fetch ? PROT_EXEC : b.write ? PROT_WRITE : PROT_READ;
      thread.pendingFault = { page: this.pageFloor(f.address), need, instr, agg, expires: false };
    }
    return {
      change: change.view,
      prot: seg.prot,
      class: cls,
      ...(Number.isFinite(since) ? { sinceChange: since } : {}),
      denied,
    };
  }

  /** Every change applied or attempted, in trace order, with the faults it covered (only with `keepHistory`). */
  changes(): { readonly change: ProtectionChange; readonly faults: number; readonly failed: boolean }[] {
    return this.allChanges.map((c) => ({ change: c.view, faults: c.faults, failed: c.failed }));
  }

  /** Per-site summaries, sorted by faults, then calls, descending, then site. Call after the last record. */
  summary(): ProtectionSiteSummary[] {
    this.settle();
    const out: ProtectionSiteSummary[] = [];
    for (const a of this.sites.values()) {
      const instructions: ProtectionInstruction[] = [...a.instructions.values()]
        .map((i) => ({
          instruction: i.instruction,
          faults: i.faults,
          classes: fromMap(i.classes),
          cycles: i.cycles,
          handlers: fromMap(i.handlers),
        }))
        .sort((x, y) => y.faults - x.faults || y.cycles - x.cycles || cmp(x.instruction, y.instruction));
      out.push({
        site: a.site,
        calls: fromMap(a.calls),
        failed: a.failed,
        prots: fromMap(a.prots),
        pages: a.pages,
        firstTime: a.firstTime,
        lastTime: a.lastTime,
        faults: a.faults,
        classes: fromMap(a.classes),
        denied: a.denied,
        ...(a.sinceMin <= a.sinceMax ? { sinceChange: { min: a.sinceMin, max: a.sinceMax } } : {}),
        instructions,
        cycles: a.cycles,
        tlbFlushes: fromMap(a.tlb),
      });
    }
    const calls = (s: ProtectionSiteSummary): number => Object.values(s.calls).reduce((x, y) => x + y, 0);
    return out.sort((x, y) => y.faults - x.faults || calls(y) - calls(x) || cmp(x.site, y.site));
  }

  /** The whole result, for Report.protection. Call after the last record. */
  report(): ProtectionReport {
    const sites = this.summary();
    const notes: string[] = [];
    for (const call of [...this.entersSeen].sort()) {
      if (!this.exitsSeen.has(call)) notes.push(`no sys_exit_${call} records: failed ${call} calls cannot be told apart from successful ones`);
    }
    if (this.unplaced > 0) notes.push(`${this.unplaced} mmap/mremap calls could not be placed (the address is in the sys_exit record, which the trace lacks)`);
    const unresolved = this.unresolvedThreads();
    if (unresolved > 0) {
      notes.push(
        `${unresolved} threads could not be tied to their process (no pid in the header: perf script -F +pid; no FORK records: --show-task-events); each was followed as its own process`,
      );
    }
    if (this.unreadable > 0) notes.push(`${this.unreadable} protection records could not be read`);
    if (this.lost > 0) notes.push(`${this.lost} events were lost: the timeline may miss changes`);
    return {
      sites,
      uncoveredFaults: this.uncovered,
      unattributedFlushes: fromMap(this.unattributed),
      unplaced: this.unplaced,
      unresolvedThreads: unresolved,
      notes,
    };
  }

  // ---------------------------------------------------------------- records

  private addTask(r: TaskRecord): void {
    if (r.pid < 0) return;
    this.tidToPid.set(r.tid, r.pid);
    if (r.pid === r.tid) this.mainTids.add(r.tid);
    // PERF_RECORD_FORK(9211:9211):(9209:9209) is a new process; FORK(9231:9233):(9231:9231) a new thread.
    if (r.kind === 'fork' && r.ppid !== undefined && r.ppid !== r.pid) {
      const parent = this.processes.get(r.ppid);
      this.processes.set(r.pid, { key: r.pid, map: parent === undefined ? new PageMap() : parent.map.copy() });
    }
  }

  private addSample(r: SampleRecord): ProtectionChange | undefined {
    const thread = this.thread(r.tid);
    if (r.event === 'tlb:tlb_flush') {
      this.addFlush(r, thread);
      return undefined;
    }
    const m = SYSCALL_EVENT.exec(r.event);
    const mine = this.settleHeld(thread, r, m !== null && m[1] === 'enter' && r.ret !== undefined);
    if (m === null) {
      this.closeOpen(thread, false);
      return undefined;
    }
    const call = m[2] as ProtectionCall;
    if (m[1] === 'exit') {
      this.exitsSeen.add(call);
      this.addExit(r, call, thread);
      return undefined;
    }
    this.entersSeen.add(call);
    if (r.ret !== undefined) this.exitsSeen.add(call);
    this.closeOpen(thread, true);
    const t = this.threads.get(r.tid);
    if (t?.pendingFault !== undefined && t.pendingFault.expires) t.pendingFault = undefined;
    const applied = this.addEnter(r, call, thread);
    for (const f of mine) this.attribute(f, thread.open?.change);
    return applied;
  }

  private addEnter(r: SampleRecord, call: ProtectionCall, thread: Thread): ProtectionChange | undefined {
    const f = fieldsOf(r);
    const proc = this.process(r.pid, r.tid);
    const complete = r.ret !== undefined;
    const ret = complete ? r.ret! : NaN;
    const failed = complete && failedRet(ret);
    const open: OpenCall = { call, complete, time: r.time };
    thread.open = open;
    switch (call) {
      case 'mprotect':
      case 'pkey_mprotect': {
        const start = parseNum(f.start);
        const len = parseNum(f.len);
        // perf trace prints unknown prot bits as a bare `0x` (`prot: READ|0x`); such a call failed anyway
        const prot = failed ? 0 : parseBits(f.prot, PROT_NAMES, true);
        if (![start, len, prot].every(Number.isFinite)) return this.unread(r, 'start, len and prot');
        let pkey = call === 'pkey_mprotect' ? parseNum(f.pkey) : -1;
        if (pkey === 0xffffffff || Number.isNaN(pkey)) pkey = -1;
        const aligned = start % this.pageSize === 0;
        const change = this.newChange(r, call, proc, start, this.pageCeil(start + len), prot, pkey);
        open.change = change;
        if (!aligned || failed) return this.fail(change);
        this.applySet(change, proc, prot);
        return change.view;
      }
      case 'munmap': {
        const start = parseNum(f.addr);
        const len = parseNum(f.len);
        if (![start, len].every(Number.isFinite)) return this.unread(r, 'addr and len');
        const change = this.newChange(r, call, proc, start, this.pageCeil(start + len), 0, -1);
        open.change = change;
        if (start % this.pageSize !== 0 || failed) return this.fail(change);
        this.applyClear(change, proc);
        return change.view;
      }
      case 'mmap': {
        const addr = parseNum(f.addr);
        const len = parseNum(f.len);
        const prot = parseBits(f.prot, PROT_NAMES, true);
        const flags = parseBits(f.flags, MMAP_FLAG_NAMES, false);
        if (![addr, len, prot, flags].every(Number.isFinite)) return this.unread(r, 'addr, len, prot and flags');
        const placement: Placement = { call, record: r, proc, len, prot, oldAddr: addr, oldLen: 0, flags };
        if (complete) return this.place(placement, open, ret);
        if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) !== 0) return this.place(placement, open, addr);
        open.placement = placement;
        return undefined;
      }
      case 'mremap': {
        const addr = parseNum(f.addr);
        const oldLen = parseNum(f.old_len);
        const newLen = parseNum(f.new_len);
        const flags = parseBits(f.flags, MREMAP_FLAG_NAMES, false);
        const newAddr = parseNum(f.new_addr);
        if (![addr, oldLen, newLen, flags, newAddr].every(Number.isFinite)) return this.unread(r, 'addr, old_len, new_len, flags and new_addr');
        const placement: Placement = { call, record: r, proc, len: newLen, prot: 0, oldAddr: addr, oldLen, flags };
        if (complete) return this.place(placement, open, ret);
        if ((flags & MREMAP_FIXED) !== 0) return this.place(placement, open, newAddr);
        if (newLen <= oldLen) return this.place(placement, open, addr);
        open.placement = placement;
        return undefined;
      }
    }
  }

  private addExit(r: SampleRecord, call: ProtectionCall, thread: Thread): void {
    const open = thread.open;
    if (open === undefined || open.call !== call || open.complete) return;
    const ret = retOf(r);
    if (open.placement !== undefined) {
      const p = open.placement;
      open.placement = undefined;
      this.place(p, open, Number.isNaN(ret) ? NaN : ret);
    } else if (open.change !== undefined && failedRet(ret) && !open.change.failed) {
      this.undo(open.change);
    }
    this.closeOpen(thread, true);
  }

  // Places an mmap/mremap at `addr` (its exit's ret, or the fixed address); a failed ret records a failed call.
  private place(p: Placement, open: OpenCall, addr: number): ProtectionChange | undefined {
    if (Number.isNaN(addr)) {
      this.unplaced++;
      return undefined;
    }
    const failed = failedRet(addr);
    const start = failed ? p.oldAddr : addr;
    const end = this.pageCeil(start + p.len);
    if (p.call === 'mmap') {
      const change = this.newChange(p.record, 'mmap', p.proc, start, end, p.prot, -1);
      open.change = change;
      if (failed || start % this.pageSize !== 0) return this.fail(change);
      this.applySet(change, p.proc, p.prot);
      return change.view;
    }
    // mremap: the pages move with their protection and the changes that set
    // them; growth takes the protection of the last old page (the vma's).
    const oldEnd = this.pageCeil(p.oldAddr + p.oldLen);
    const grown = this.pageCeil(p.len) > this.pageCeil(p.oldLen);
    const last = p.proc.map.get(oldEnd - this.pageSize);
    const prot = grown ? (last?.prot ?? 0) : (p.proc.map.get(p.oldAddr)?.prot ?? 0);
    const change = this.newChange(p.record, 'mremap', p.proc, start, end, prot, -1);
    open.change = change;
    if (failed || p.oldAddr % this.pageSize !== 0) return this.fail(change);
    const map = p.proc.map;
    const keepLen = Math.min(this.pageCeil(p.oldLen), this.pageCeil(p.len));
    const moved = map.slice(p.oldAddr, p.oldAddr + keepLen).map((s) => ({ ...s, start: s.start - p.oldAddr + start, end: s.end - p.oldAddr + start }));
    change.undo.push({ start: p.oldAddr, end: oldEnd, prev: map.slice(p.oldAddr, oldEnd) });
    change.undo.push({ start, end, prev: map.slice(start, end) });
    if ((p.flags & MREMAP_DONTUNMAP) === 0 || start === p.oldAddr) map.clear(p.oldAddr, oldEnd);
    map.clear(start, end);
    map.insert(moved);
    if (grown && last !== undefined) map.set(start + keepLen, end, prot, change);
    this.commit(change, (end - start) / this.pageSize, prot);
    return change.view;
  }

  private addFlush(r: SampleRecord, thread: Thread): void {
    const flush = readTlbFlush(r);
    if (flush === undefined) {
      this.unread(r, 'pages and reason');
      return;
    }
    const f: Flush = { time: r.time, reason: flush.reason, pages: flush.pages };
    if (flush.reason === 'TLB_FLUSH_ON_TASK_SWITCH') {
      bump(this.unattributed, f.reason, 1);
      return;
    }
    if (flush.reason === 'TLB_REMOTE_SHOOTDOWN') {
      // The IPI comes from another thread of the process that is inside a call.
      const proc = this.process(r.pid, r.tid);
      let best: OpenCall | undefined;
      for (const [tid, t] of this.threads) {
        if (t.open?.change === undefined || (this.tidToPid.get(tid) ?? tid) !== proc.key) continue;
        if (best === undefined || t.open.time > best.time) best = t.open;
      }
      this.attribute(f, best?.change);
      return;
    }
    const open = thread.open;
    if (open !== undefined && !open.complete) this.attribute(f, open.change);
    else if (open !== undefined || r.fields !== undefined) thread.held.push(f);
    else bump(this.unattributed, f.reason, 1);
  }

  private attribute(f: Flush, change: Change | undefined): void {
    if (change === undefined || change.failed) bump(this.unattributed, f.reason, 1);
    else bump(change.agg.tlb, f.reason, 1);
  }

  // A record of the thread arrived. Its held flushes belong to that record if
  // it is a complete call that began before them (perf trace prints a call
  // after the flushes that came between its entry and its exit): those are
  // returned; the others belong to the call open before it.
  private settleHeld(thread: Thread, r: SampleRecord, completeCall: boolean): Flush[] {
    if (thread.held.length === 0) return [];
    const held = thread.held;
    thread.held = [];
    const mine: Flush[] = [];
    for (const f of held) {
      if (completeCall && f.time >= r.time) mine.push(f);
      else this.attribute(f, thread.open?.change);
    }
    return mine;
  }

  private closeOpen(thread: Thread, exited: boolean): void {
    const open = thread.open;
    if (open === undefined) return;
    if (!exited && !open.complete && this.exitsSeen.has(open.call)) return; // its exit will close it
    if (open.placement !== undefined) this.unplaced++;
    thread.open = undefined;
    // Its outcome is settled: drop what undoing it would need. The ranges it
    // replaced hold older changes, so keeping them would keep every call ever made.
    if (open.change !== undefined) {
      open.change.undo = [];
      open.change.closed = [];
    }
  }

  private settle(): void {
    for (const t of this.threads.values()) {
      for (const f of t.held) this.attribute(f, t.open?.change);
      t.held = [];
    }
  }

  // ---------------------------------------------------------------- changes

  private newChange(r: SampleRecord, call: ProtectionCall, proc: Process, start: number, end: number, prot: number, pkey: number): Change {
    const site = this.siteOf(r);
    let agg = this.sites.get(site);
    if (agg === undefined) {
      agg = {
        site,
        calls: new Map(),
        failed: 0,
        prots: new Map(),
        pages: 0,
        firstTime: r.time,
        lastTime: r.time,
        faults: 0,
        classes: new Map(),
        denied: 0,
        sinceMin: Infinity,
        sinceMax: -Infinity,
        instructions: new Map(),
        cycles: 0,
        tlb: new Map(),
      };
      this.sites.set(site, agg);
    }
    bump(agg.calls, call, 1);
    if (r.time < agg.firstTime) agg.firstTime = r.time;
    if (r.time > agg.lastTime) agg.lastTime = r.time;
    const view: ProtectionChange = {
      call,
      pid: proc.key,
      tid: r.tid,
      cpu: r.cpu,
      time: r.time,
      start: this.pageFloor(start),
      end,
      prot,
      pkey,
      site,
      source: r.source,
      line: r.line,
    };
    const change: Change = { view, agg, faults: 0, failed: false, applied: false, undo: [], closed: [] };
    if (this.keepHistory) this.allChanges.push(change);
    return change;
  }

  private applySet(change: Change, proc: Process, prot: number): void {
    const { start, end } = change.view;
    change.undo.push({ start, end, prev: proc.map.slice(start, end) });
    proc.map.set(start, end, prot, change);
    this.commit(change, (end - start) / this.pageSize, prot);
  }

  private applyClear(change: Change, proc: Process): void {
    const { start, end } = change.view;
    change.undo.push({ start, end, prev: proc.map.slice(start, end) });
    proc.map.clear(start, end);
    this.commit(change, (end - start) / this.pageSize, 0);
  }

  private commit(change: Change, pages: number, prot: number): void {
    change.applied = true;
    change.agg.pages += pages;
    if (change.view.call !== 'munmap') bump(change.agg.prots, protText(prot), 1);
    this.closeCycle(change);
  }

  // A change by the thread with a pending denied fault, covering its page and granting the access: a retry cycle.
  private closeCycle(change: Change): void {
    if (change.view.call === 'munmap') return;
    const t = this.threads.get(change.view.tid);
    const p = t?.pendingFault;
    if (t === undefined || p === undefined) return;
    const seg = this.processes.get(change.view.pid)?.map.get(p.page);
    p.expires = true;
    if (seg === undefined || (seg.prot & p.need) === 0 || p.page < change.view.start || p.page >= change.view.end) return;
    p.instr.cycles++;
    bump(p.instr.handlers, change.view.site, 1);
    p.agg.cycles++;
    change.closed.push({ instr: p.instr, agg: p.agg });
    t.pendingFault = undefined;
  }

  private fail(change: Change): undefined {
    change.failed = true;
    change.agg.failed++;
    return undefined;
  }

  private undo(change: Change): void {
    const proc = this.processes.get(change.view.pid);
    if (proc !== undefined) {
      for (const u of [...change.undo].reverse()) {
        proc.map.clear(u.start, u.end);
        proc.map.insert(u.prev);
      }
    }
    if (change.applied) {
      change.agg.pages -= (change.view.end - change.view.start) / this.pageSize;
      if (change.view.call !== 'munmap') bump(change.agg.prots, protText(change.view.prot), -1);
      change.applied = false;
    }
    for (const c of change.closed) {
      c.instr.cycles--;
      bump(c.instr.handlers, change.view.site, -1);
      c.agg.cycles--;
    }
    change.closed = [];
    this.fail(change);
  }

  private unread(r: SampleRecord, what: string): undefined {
    this.unreadable++;
    this.onDiagnostic?.({ source: r.source, line: r.line, reason: `${r.event}: cannot read ${what} from "${r.payload}"` });
    return undefined;
  }

  // ---------------------------------------------------------------- processes

  private processKey(pid: number, tid: number): number {
    if (pid >= 0) {
      if (!this.tidToPid.has(tid)) this.tidToPid.set(tid, pid);
      return pid;
    }
    const known = this.tidToPid.get(tid);
    if (known !== undefined) return known;
    this.unmappedTids.add(tid);
    return tid;
  }

  private process(pid: number, tid: number): Process {
    const key = this.processKey(pid, tid);
    let p = this.processes.get(key);
    if (p === undefined) {
      p = { key, map: new PageMap() };
      this.processes.set(key, p);
    }
    return p;
  }

  private segmentAt(pid: number, tid: number, address: number): Segment | undefined {
    if (!Number.isFinite(address)) return undefined;
    return this.processes.get(this.processKey(pid, tid))?.map.get(address);
  }

  private thread(tid: number): Thread {
    let t = this.threads.get(tid);
    if (t === undefined) {
      t = { tid, held: [] };
      this.threads.set(tid, t);
    }
    return t;
  }

  // Threads followed as their own process that were not (a later EXIT record
  // may name the process; a main thread's tid is its pid and does no harm).
  private unresolvedThreads(): number {
    let n = 0;
    for (const tid of this.unmappedTids) {
      const pid = this.tidToPid.get(tid);
      if (pid === undefined ? !this.mainTids.has(tid) : pid !== tid) n++;
    }
    return n;
  }

  private pageFloor(addr: number): number {
    return addr - (addr % this.pageSize);
  }

  private pageCeil(addr: number): number {
    const r = addr % this.pageSize;
    return r === 0 ? addr : addr + this.pageSize - r;
  }
}

function bump<K>(m: Map<K, number>, k: K, by: number): void {
  const v = (m.get(k) ?? 0) + by;
  if (v === 0) m.delete(k);
  else m.set(k, v);
}

function fromMap<K extends string>(m: Map<K, number>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of [...m.keys()].sort()) out[k] = m.get(k)!;
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
