// The protection timeline: per process, which protection every page has and
// which syscall set it; every fault joined to the change that covered its
// page; guard-page retry cycles; TLB flushes attributed to the calls that
// caused them.
//
// Records come from the perf script parser or the perf trace parser; their
// payloads are decoded in src/events.ts. The rules (when a call changes the page
// map, which change a fault belongs to, what a retry cycle is) and what the
// timeline will not guess: src/design-notes.md, "The protection timeline".
import { accessDenied, classifyFault, decodeErrorCode, type FaultClass, userAccess } from '../fault-class.js';
import type { DiagnosticSink, Frame, SampleRecord } from '../../parsers/records.js';
import type { ProtectionCall, ProtectionChange, ProtectionReport, ProtectionSiteSummary } from './protection-types.js';
import { pageFloor, type Segment } from './page-map.js';
import { Changes } from './changes.js';
import { failedRet, PROT_EXEC, PROT_READ, PROT_WRITE } from './bits.js';
import { FAULT_FAMILIES, type CallArgs, type ReturnEvent, type SampleEvent, type TraceEvent } from '../events.js';
import { CallEffects, isMapCall } from './call-effects.js';
import { defaultSiteOf } from './site-of.js';
import { bump, type Change, type FaultAgg, type Flush, type OpenCall, type Process, type Thread } from './state.js';
import { fromMap, summarizeSites, timelineNotes, type TimelineNote } from './summary.js';
import { Tasks } from './tasks.js';
import type { ThreadOwners } from './threads.js';
import { TlbFlushes } from './tlb.js';

export interface ProtectionOptions {
  /** Page size in bytes: lengths round up to it, addresses down. Default 4096. */
  pageSize?: number;
  /** The protection site of a syscall record. Default `defaultSiteOf`: the caller of the libc wrapper as perf printed it. */
  siteOf?: (r: SampleRecord) => string;
  /** Receives protection records whose fields cannot be read. Default: dropped (still counted in `notes`). */
  onDiagnostic?: DiagnosticSink;
  /** Which process each thread belongs to, shared with the caller, who feeds it every record before `add`. Default: the timeline's own. */
  owners?: ThreadOwners;
  /** Keep every change for `changes()`. Default false: memory then follows live mappings and sites, not calls. */
  keepHistory?: boolean;
  /** The family (index in FAULT_FAMILIES) of the faults given to `noteFault` without one, and of `report` and `summary` asked for none. Default 0, the tracepoints. */
  faultFamily?: number;
  /** The key a faulting instruction is counted under, asked only for faults a change covers. Default: its frame as perf printed it. */
  instructionKey?: (site: Frame) => string;
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
  readonly errorCode?: number | undefined;
  /** The faulting instruction (the tree's leaf), keyed by the `instructionKey` option. */
  readonly site: Frame;
  /** The record's period. */
  readonly value: number;
  /** Its event's family (index in FAULT_FAMILIES). Default: the timeline's `faultFamily`. */
  readonly family?: number;
  /** Its event says the fault came from kernel mode (exceptions:page_fault_kernel), also without an error code. */
  readonly kernel?: boolean;
}

const PROTECTION_CALLS: ReadonlySet<string> = new Set<ProtectionCall>(['mprotect', 'pkey_mprotect', 'mmap', 'munmap', 'mremap']);

/**
 * The per-process protection timeline. Feed it every record in trace order
 * with `add`; call `noteFault` for each fault (right after adding its record)
 * once the pipeline knows the faulting instruction; read `report()` at the end.
 *
 * The fault families (tracepoints, page-faults, minor/major-faults) count the
 * same faults, and which one a report shows is known only at the end: each
 * keeps its own fault counts, retry cycles and TLB flush attribution, over
 * one set of page maps and changes.
 */
export class ProtectionTimeline {
  private readonly pageSize: number;
  private readonly onDiagnostic: DiagnosticSink | undefined;
  private readonly tasks: Tasks;
  // per fault family
  private readonly flushes: TlbFlushes[];
  private readonly uncovered: number[];
  private readonly faultFamily: number;
  private readonly instructionKey: (site: Frame) => string;
  private readonly changeSet: Changes;
  private readonly effects: CallEffects;
  private readonly exitsSeen = new Set<string>();
  private readonly entersSeen = new Set<string>();
  private unplaced = 0;
  // any tlb:tlb_flush record read yet
  private flushesRead = false;
  private unreadable = 0;
  private lost = 0;

  constructor(options: ProtectionOptions = {}) {
    this.pageSize = options.pageSize ?? 4096;
    this.tasks = new Tasks(options.owners);
    this.faultFamily = options.faultFamily ?? 0;
    this.instructionKey = options.instructionKey ?? frameText;
    // minor-faults and major-faults count a fault once handled, after the flushes in it
    this.flushes = FAULT_FAMILIES.map((_, i) => new TlbFlushes(this.tasks, i, i === 2));
    this.uncovered = FAULT_FAMILIES.map(() => 0);
    this.onDiagnostic = options.onDiagnostic;
    this.changeSet = new Changes(this.tasks, {
      pageSize: this.pageSize,
      siteOf: options.siteOf ?? defaultSiteOf,
      keepHistory: options.keepHistory ?? false,
    });
    this.effects = new CallEffects(this.changeSet, this.pageSize, (r, what) => this.unread(r, what), () => this.unplaced++);
  }

  /**
   * Takes one event in trace order (all inputs merged by time by the caller).
   * Returns the change it applied, if any.
   */
  add(e: TraceEvent): ProtectionChange | undefined {
    this.tasks.note(e);
    switch (e.kind) {
      case 'lost':
        this.lost += e.count;
        return undefined;
      case 'comm':
        // exec replaces the address space: no change made before it covers the new program's pages
        if (e.exec === true && e.pid >= 0) this.tasks.exec(e.pid);
        return undefined;
      case 'mmap':
      case 'fork':
      case 'exit':
        return undefined;
      default:
        return this.addSample(e);
    }
  }

  /** The change covering `address` in the process of (pid, tid) now: call in trace order, when the fault record is read. */
  covering(pid: number, tid: number, address: number): ProtectionChange | undefined {
    return this.segmentAt(pid, tid, address)?.change.view;
  }

  /** Joins a fault to its covering change: class, time since the change, retry-cycle bookkeeping. */
  noteFault(f: NotedFault): FaultAttribution {
    const cls = this.noteFaultClass(f);
    const change = this.notedChange;
    if (change === undefined) return { class: cls, denied: false };
    const prot = this.notedProt;
    const since = f.time - change.time;
    const denied = f.errorCode !== undefined && accessDenied(f.errorCode, prot);
    // one literal per shape, no spread: one object per fault
    return Number.isFinite(since) ? { change, prot, class: cls, sinceChange: since, denied } : { change, prot, class: cls, denied };
  }

  /** The covering change of the fault `noteFaultClass` noted last, and its page's protection then. */
  notedChange: ProtectionChange | undefined;
  notedProt = 0;

  /** `noteFault`, answering with the fault's class only (no object per fault): the change is `notedChange`. */
  noteFaultClass(f: NotedFault): FaultClass {
    const fam = f.family ?? this.faultFamily;
    const seg = this.segmentAt(f.pid, f.tid, f.address);
    const cls = classifyFault(f.errorCode, seg);
    if (seg === undefined) {
      this.notedChange = undefined;
      this.uncovered[fam]! += f.value;
      this.faultNoted(this.thread(f.tid), undefined, cls, f, fam);
      return cls;
    }
    const change = seg.change;
    const denied = f.errorCode !== undefined && accessDenied(f.errorCode, seg.prot);
    const since = f.time - change.view.time;
    change.faults[fam]! += f.value;
    const agg = change.agg.fam[fam]!;
    agg.faults += f.value;
    bump(agg.classes, cls, f.value);
    if (denied) agg.denied += f.value;
    if (Number.isFinite(since)) {
      agg.sinceMin = Math.min(agg.sinceMin, since);
      agg.sinceMax = Math.max(agg.sinceMax, since);
    }
    // keyed here, not by the caller: most faults of a wide capture are covered by no change
    let instr = agg.instructionsByFrame.get(f.site);
    if (instr === undefined) {
      const key = this.instructionKey(f.site);
      instr = agg.instructions.get(key);
      if (instr === undefined) {
        instr = { instruction: key, faults: 0, classes: new Map(), cycles: 0, handlers: new Map() };
        agg.instructions.set(key, instr);
      }
      agg.instructionsByFrame.set(f.site, instr);
    }
    instr.faults += f.value;
    bump(instr.classes, cls, f.value);
    const thread = this.thread(f.tid);
    this.faultNoted(thread, agg, cls, f, fam);
    if (denied && f.errorCode !== undefined) {
      const b = decodeErrorCode(f.errorCode);
      const need = b.fetch ? PROT_EXEC : b.write ? PROT_WRITE : PROT_READ;
      thread.fam[fam]!.pendingFault = { page: this.pageFloor(f.address), need, instr, agg, expires: false, time: f.time };
    }
    this.notedChange = change.view;
    this.notedProt = seg.prot;
    return cls;
  }

  // The fault's flushes go to its site; a fault in user mode ends the thread's call (without exit records, nothing else does).
  private faultNoted(thread: Thread, agg: FaultAgg | undefined, cls: FaultClass, f: NotedFault, fam: number): void {
    const errorCode = f.errorCode;
    const kernelMode = errorCode !== undefined ? !userAccess(errorCode) : f.kernel === true ? true : undefined;
    this.flushes[fam]!.noted(thread, agg, cls, kernelMode);
    if (kernelMode !== true) this.closeOpen(thread, false);
  }

  /** Every change applied or attempted, in trace order, with the faults of `family` it covered (only with `keepHistory`). */
  changes(family = this.faultFamily): { readonly change: ProtectionChange; readonly faults: number; readonly failed: boolean }[] {
    return this.changeSet.all.map((c) => ({ change: c.view, faults: c.faults[family]!, failed: c.failed }));
  }

  /** Per-site summaries with the faults of `family`, sorted by faults, then calls, descending, then site. Call after the last record, once per family. */
  summary(family = this.faultFamily): ProtectionSiteSummary[] {
    this.flushes[family]!.settle();
    return summarizeSites(this.changeSet.sites.values(), family);
  }

  /** The whole result with the faults of `family`, for Report.protection. Call after the last record, once per family. */
  report(family = this.faultFamily): ProtectionReport {
    const sites = this.summary(family);
    const unresolved = this.tasks.unresolved();
    const notes = this.notes().map((n) => n.text);
    const flushes = this.flushes[family]!;
    return {
      sites,
      uncoveredFaults: this.uncovered[family]!,
      unattributedFlushes: fromMap(flushes.unattributed),
      tlbFlushCauses: fromMap(flushes.causes),
      unplaced: this.unplaced,
      unresolvedThreads: unresolved,
      notes,
    };
  }

  /** What the trace could not tell the timeline (Report.protection.notes), each with what it is about. Call after the last record. */
  notes(): TimelineNote[] {
    return timelineNotes({
      entersSeen: this.entersSeen,
      exitsSeen: this.exitsSeen,
      unplaced: this.unplaced,
      threadNotes: this.tasks.owners.notes(),
      unreadable: this.unreadable,
      lost: this.lost,
    });
  }

  // ---------------------------------------------------------------- records

  private addSample(e: SampleEvent): ProtectionChange | undefined {
    const r = e.record;
    const thread = this.thread(r.tid);
    const flushes = this.flushes;
    if (e.kind === 'tlb-flush') {
      this.flushesRead = true;
      let read = true;
      for (const fl of flushes) read = fl.add(e, thread) && read;
      if (!read) this.unread(r, 'pages and reason');
      return undefined;
    }
    const call = (e.kind === 'call' || e.kind === 'return') && PROTECTION_CALLS.has(e.name) ? (e.name as ProtectionCall) : undefined;
    const complete = call !== undefined && e.kind === 'call' && e.ret !== undefined ? call : undefined;
    // per family, the held flushes this record's call takes (perf trace); mostly none
    let mine: (readonly Flush[])[] | undefined;
    // only a flush record is held: none read, none to settle (most traces, every record)
    if (this.flushesRead) {
      for (let k = 0; k < flushes.length; k++) {
        const m = flushes[k]!.settleHeld(thread, r, complete);
        if (m.length > 0) (mine ??= [])[k] = m;
      }
    }
    if (call === undefined) {
      if (e.kind === 'fault') flushes[e.family]?.faultRecord(thread);
      else for (const fl of flushes) fl.otherRecord(thread);
      // a fault in user mode: the thread is out of its call
      if (r.event !== 'exceptions:page_fault_kernel') this.closeOpen(thread, false);
      return undefined;
    }
    for (const fl of flushes) fl.otherRecord(thread);
    if (e.kind === 'return') {
      this.exitsSeen.add(call);
      this.addExit(e, call, thread);
      return undefined;
    }
    if (e.kind !== 'call' || e.args === undefined) return undefined;
    this.entersSeen.add(call);
    if (e.ret !== undefined) this.exitsSeen.add(call);
    this.closeOpen(thread, true);
    for (const ft of thread.fam) if (ft.pendingFault !== undefined && ft.pendingFault.expires) ft.pendingFault = undefined;
    const applied = this.addEnter(r, e.args, e.ret, thread);
    if (mine !== undefined) mine.forEach((m, k) => m.forEach((f) => flushes[k]!.toCall(f, thread.open?.change, `inside ${call}`)));
    return applied;
  }

  private addEnter(r: SampleRecord, a: CallArgs, retValue: number | undefined, thread: Thread): ProtectionChange | undefined {
    if (!isMapCall(a)) return undefined;
    const proc = this.process(r.pid, r.tid);
    const open: OpenCall = { call: a.call, complete: retValue !== undefined, time: r.time };
    thread.open = open;
    return this.effects.enter(r, a, retValue, open, proc);
  }

  private addExit(e: ReturnEvent, call: ProtectionCall, thread: Thread): void {
    const r = e.record;
    const open = thread.open;
    if (open === undefined || open.call !== call || open.complete) return;
    const ret = e.ret;
    if (open.placement !== undefined) {
      const p = open.placement;
      open.placement = undefined;
      this.effects.place(p, open, Number.isNaN(ret) ? NaN : ret);
    } else if (open.change !== undefined && failedRet(ret) && !open.change.failed) {
      this.changeSet.undo(open.change);
    }
    const agg = open.change?.agg;
    const took = r.time - open.time;
    if (agg !== undefined && Number.isFinite(took) && took >= 0) {
      agg.timedCalls++;
      agg.timedTotal += took;
      agg.timedMax = Math.max(agg.timedMax, took);
    }
    for (const fl of this.flushes) fl.ended(open, true);
    this.closeOpen(thread, true);
  }

  private closeOpen(thread: Thread, exited: boolean): void {
    const open = thread.open;
    if (open === undefined) return;
    if (!exited && !open.complete && this.exitsSeen.has(open.call)) return; // its exit will close it
    if (open.placement !== undefined) this.unplaced++;
    for (const fl of this.flushes) fl.ended(open, false);
    thread.open = undefined;
    // Its outcome is settled: drop what undoing it would need. The ranges it
    // replaced hold older changes, so keeping them would keep every call ever made.
    if (open.change !== undefined) {
      open.change.undo = [];
      open.change.closed = [];
    }
  }

  // ---------------------------------------------------------------- changes

  private unread(r: SampleRecord, what: string): undefined {
    this.unreadable++;
    this.onDiagnostic?.({ source: r.source, line: r.line, reason: `${r.event}: cannot read ${what} from "${r.payload}"` });
    return undefined;
  }

  // ---------------------------------------------------------------- processes

  private process(pid: number, tid: number): Process {
    return this.tasks.process(pid, tid);
  }

  private segmentAt(pid: number, tid: number, address: number): Segment<Change> | undefined {
    if (!Number.isFinite(address)) return undefined;
    return this.tasks.processes.get(this.tasks.processKey(pid, tid))?.map.get(address);
  }

  private thread(tid: number): Thread {
    return this.tasks.thread(tid);
  }

  private pageFloor(addr: number): number {
    return pageFloor(addr, this.pageSize);
  }
}

// `write_field+0x0 (guard)`
function frameText(f: Frame): string {
  const where = f.offset >= 0 ? `${f.symbol}+0x${f.offset.toString(16)}` : f.symbol || `0x${f.addr}`;
  return `${where} (${f.dso.slice(f.dso.lastIndexOf('/') + 1)})`;
}
