// TLB flushes charged to what caused them, each with where it ran (its cause).
//
// With a callchain (tlb:tlb_flush recorded with -g) the chain says where it
// ran (tlb-place.ts): inside a protection call → that call; in the fault path
// (do_wp_page…) → the fault of the same thread, charged to the site that set
// the faulting page and named by its class; inside another call (munmap not
// followed, execve, clone, exit) → that call, never an open mprotect.
// Without one, time decides: a flush between a call's entry and its exit is
// the call's; without exit records the call ends at the thread's next record
// (a fault proves it returned), and its flushes read `after mprotect, end unknown`.
//
// Which fault a fault-path flush belongs to: the tracepoints and page-faults
// fire when the fault is taken, before its flushes; minor-faults and
// major-faults (and perf trace's minfault/majfault) when it is handled, after
// them. perf trace prints a call when it ends, after the flushes inside it.
// TLB_REMOTE_SHOOTDOWN, received from another CPU, belongs to the call another
// thread of the process is inside of; TLB_FLUSH_ON_TASK_SWITCH to no call.
import type { FaultClass } from '../fault-class.js';
import type { SampleRecord } from '../../parsers/records.js';
import type { TlbFlushEvent } from '../events.js';
import { bump, type Change, type FaultAgg, type FaultState, type FamilyThread, type Flush, type OpenCall, type Thread } from './state.js';
import type { Tasks } from './tasks.js';
import { flushPlace } from './tlb-place.js';

export const NO_CALLCHAIN = 'unknown (no callchain)';
// no flushes (most records of most threads): shared, never pushed to
const NONE: readonly Flush[] = [];

export class TlbFlushes {
  /** Flushes no site took, per kernel reason. */
  readonly unattributed = new Map<string, number>();
  /** Every flush read, by where it ran. */
  readonly causes = new Map<string, number>();

  /** `fam`: the fault family (index in FAULT_FAMILIES) whose faults own the fault-path flushes; `faultsAfter`: its events count a fault once handled, after its flushes. */
  constructor(
    private readonly tasks: Tasks,
    private readonly fam = 0,
    private readonly faultsAfter = false,
  ) {}

  /** Takes one tlb:tlb_flush of `thread`; false when its payload cannot be read. */
  add(e: TlbFlushEvent, thread: Thread): boolean {
    const { flush, record: r } = e;
    if (flush === undefined) {
      bump(this.causes, 'unreadable', 1);
      return false;
    }
    const place = flushPlace(r.stack);
    const f: Flush = { time: r.time, reason: flush.reason, pages: flush.pages, ...(place !== undefined ? { place } : {}) };
    if (flush.reason === 'TLB_FLUSH_ON_TASK_SWITCH') return this.outside(f, 'task switch');
    if (flush.reason === 'TLB_REMOTE_SHOOTDOWN') {
      // The IPI comes from another thread of the process that is inside a call; its chain is the interrupted code's.
      const proc = this.tasks.process(r.pid, r.tid);
      let best: OpenCall | undefined;
      for (const [tid, t] of this.tasks.threads) {
        if (t.open?.change === undefined || this.tasks.pidOf(tid) !== proc.key) continue;
        if (best === undefined || t.open.time > best.time) best = t.open;
      }
      if (best === undefined) return this.outside(f, 'remote shootdown');
      return this.toCall(f, best.change, `inside ${best.call} (another CPU's)`);
    }
    const ft = thread.fam[this.fam]!;
    if (place?.kind === 'fault') return this.inFault(f, ft);
    if (place?.kind === 'other') return this.outside(f, place.what);
    const open = thread.open;
    if (place?.kind === 'syscall') {
      if (open !== undefined && !open.complete && sameCall(open.call, place.call)) return this.toCall(f, open.change, `inside ${place.call}`);
      // perf trace: the call it ran in prints after it
      if (e.beforeItsCall) ft.held.push(f);
      else this.outside(f, `inside ${place.call}`);
      return true;
    }
    if (open !== undefined && !open.complete) {
      this.charge(f, open.change);
      const timed = (open.timed ??= []);
      (timed[this.fam] ??= []).push({ agg: this.chargeable(open.change) });
    } else if (e.beforeItsCall) ft.held.push(f);
    else this.outside(f, NO_CALLCHAIN);
    return true;
  }

  // ------------------------------------------------------------ faults

  /** A fault record of the thread (its attribution follows in `noted`). */
  faultRecord(thread: Thread): void {
    const ft = thread.fam[this.fam]!;
    const waiting = ft.faultFlushes ?? NONE;
    ft.faultFlushes = undefined;
    this.endFault(ft);
    // the thread's last fault state, reused: one per fault record otherwise
    const s = ft.spare;
    if (s === undefined) ft.fault = { noted: false, agg: undefined, cls: undefined, kernelMode: undefined, waiting };
    else {
      ft.spare = undefined;
      s.noted = false;
      s.agg = undefined;
      s.cls = undefined;
      s.kernelMode = undefined;
      s.waiting = waiting;
      ft.fault = s;
    }
  }

  /** The fault just recorded (or, when the caller feeds no fault records, a fault) joined to its site. */
  noted(thread: Thread, agg: FaultAgg | undefined, cls: FaultClass, kernelMode: boolean | undefined): void {
    const ft = thread.fam[this.fam]!;
    let s = ft.fault;
    if (s === undefined || s.noted) {
      this.faultRecord(thread);
      s = ft.fault!;
    }
    s.noted = true;
    if (agg !== undefined) s.agg = agg;
    s.cls = cls;
    if (kernelMode !== undefined) s.kernelMode = kernelMode;
    const waiting = s.waiting;
    s.waiting = NONE;
    for (const f of waiting) this.toFault(f, s);
  }

  /** Any other record of the thread: its fault is over. */
  otherRecord(thread: Thread): void {
    this.endFault(thread.fam[this.fam]!);
  }

  private inFault(f: Flush, thread: FamilyThread): true {
    if (this.faultsAfter) (thread.faultFlushes ??= []).push(f);
    else if (thread.fault?.noted === true) this.toFault(f, thread.fault);
    else this.outside(f, faultCause(f, undefined));
    return true;
  }

  private toFault(f: Flush, s: FaultState): void {
    const mode = f.place?.kind === 'fault' ? f.place.kernelMode : undefined;
    // a kernel access to user memory (put_user) is not the user fault recorded next to it
    if (s.kernelMode !== undefined && mode !== undefined && s.kernelMode !== mode) return void this.outside(f, faultCause(f, undefined));
    const cause = faultCause(f, s.cls);
    if (s.agg === undefined) return void this.outside(f, cause);
    bump(s.agg.tlb, f.reason, 1);
    bump(s.agg.tlbCauses, cause, 1);
    bump(this.causes, cause, 1);
  }

  private endFault(thread: FamilyThread): void {
    const s = thread.fault;
    thread.fault = undefined;
    if (s !== undefined) {
      for (const f of s.waiting) this.outside(f, faultCause(f, undefined));
      s.waiting = NONE;
      thread.spare = s;
    }
    const early = thread.faultFlushes;
    thread.faultFlushes = undefined;
    if (early !== undefined) for (const f of early) this.outside(f, faultCause(f, undefined));
  }

  // ------------------------------------------------------------ calls

  /** A call's end: its exit record (`exited`), or the thread's next record without one. */
  ended(open: OpenCall, exited: boolean): void {
    const timed = open.timed?.[this.fam];
    if (timed === undefined) return;
    open.timed![this.fam] = undefined;
    const cause = exited ? `inside ${open.call}` : `after ${open.call}, end unknown`;
    for (const t of timed) {
      bump(this.causes, cause, 1);
      if (t.agg !== undefined) bump(t.agg.tlbCauses, cause, 1);
    }
  }

  // A record of the thread arrived (perf trace). Its held flushes belong to that record if
  // it is a complete call that began before them (perf trace prints a call
  // after the flushes that came between its entry and its exit) and, when their
  // callchain names a call, is that call: those are returned. The others ran
  // outside the calls the trace holds.
  settleHeld(thread: Thread, r: SampleRecord, completeCall: string | undefined): readonly Flush[] {
    const ft = thread.fam[this.fam]!;
    if (ft.held.length === 0) return NONE;
    const held = ft.held;
    ft.held = [];
    const mine: Flush[] = [];
    for (const f of held) {
      const named = f.place?.kind === 'syscall' ? f.place.call : undefined;
      if (completeCall !== undefined && f.time >= r.time && (named === undefined || sameCall(named, completeCall))) mine.push(f);
      else this.outside(f, named !== undefined ? `inside ${named}` : NO_CALLCHAIN);
    }
    return mine;
  }

  /** `settleHeld`'s flushes, once their call's change is made. */
  toCall(f: Flush, change: Change | undefined, cause: string): true {
    const agg = this.chargeable(change);
    this.charge(f, change);
    bump(this.causes, cause, 1);
    if (agg !== undefined) bump(agg.tlbCauses, cause, 1);
    return true;
  }

  /** At the end: flushes still held ran outside the calls the trace holds; faults are over. */
  settle(): void {
    for (const t of this.tasks.threads.values()) {
      const ft = t.fam[this.fam]!;
      for (const f of ft.held) this.outside(f, f.place?.kind === 'syscall' ? `inside ${f.place.call}` : NO_CALLCHAIN);
      ft.held = [];
      this.endFault(ft);
      if (t.open !== undefined) this.ended(t.open, false);
    }
  }

  private charge(f: Flush, change: Change | undefined): void {
    const agg = this.chargeable(change);
    if (agg === undefined) bump(this.unattributed, f.reason, 1);
    else bump(agg.tlb, f.reason, 1);
  }

  // The family's share of the change's site, unless the call failed.
  private chargeable(change: Change | undefined): FaultAgg | undefined {
    return change === undefined || change.failed ? undefined : change.agg.fam[this.fam];
  }

  private outside(f: Flush, cause: string): true {
    bump(this.unattributed, f.reason, 1);
    bump(this.causes, cause, 1);
    return true;
  }
}


function sameCall(open: string, named: string): boolean {
  return open === named || (open === 'pkey_mprotect' && named === 'mprotect');
}

// A fault-path flush by the fault's kind: the chain tells copy-on-write, else the fault's class.
function faultCause(f: Flush, cls: FaultClass | undefined): string {
  if (f.place?.kind === 'fault' && f.place.cow) return 'copy-on-write fault';
  if (cls !== undefined && cls !== 'unknown' && cls !== 'kernel-mode') return `${cls} fault`;
  return 'page fault';
}
