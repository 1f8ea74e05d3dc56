// TLB flushes attributed to the protection calls that caused them.
// A tlb:tlb_flush belongs to the protection call its thread is inside of
// (between the entry and the exit record; without exit records, until the
// thread's next record). Flushes outside any call (copy-on-write faults flush
// in do_wp_page, task switches, exit) are counted as unattributed, per
// reason. TLB_REMOTE_SHOOTDOWN, received from another CPU, belongs to the
// call another thread of the process is inside of.
import type { SampleRecord } from '../model.js';
import type { TlbFlushEvent } from '../events.js';
import { bump, type Change, type Flush, type OpenCall, type Thread } from './state.js';
import type { Tasks } from './tasks.js';

export class TlbFlushes {
  /** Flushes no call took, per reason. */
  readonly unattributed = new Map<string, number>();

  constructor(private readonly tasks: Tasks) {}

  /** Takes one tlb:tlb_flush of `thread`; false when its payload cannot be read. */
  add(e: TlbFlushEvent, thread: Thread): boolean {
    const { flush, record: r } = e;
    if (flush === undefined) return false;
    const f: Flush = { time: r.time, reason: flush.reason, pages: flush.pages };
    if (flush.reason === 'TLB_FLUSH_ON_TASK_SWITCH') {
      bump(this.unattributed, f.reason, 1);
      return true;
    }
    if (flush.reason === 'TLB_REMOTE_SHOOTDOWN') {
      // The IPI comes from another thread of the process that is inside a call.
      const proc = this.tasks.process(r.pid, r.tid);
      let best: OpenCall | undefined;
      for (const [tid, t] of this.tasks.threads) {
        if (t.open?.change === undefined || this.tasks.pidOf(tid) !== proc.key) continue;
        if (best === undefined || t.open.time > best.time) best = t.open;
      }
      this.attribute(f, best?.change);
      return true;
    }
    const open = thread.open;
    if (open !== undefined && !open.complete) this.attribute(f, open.change);
    else if (open !== undefined || e.beforeItsCall) thread.held.push(f);
    else bump(this.unattributed, f.reason, 1);
    return true;
  }

  attribute(f: Flush, change: Change | undefined): void {
    if (change === undefined || change.failed) bump(this.unattributed, f.reason, 1);
    else bump(change.agg.tlb, f.reason, 1);
  }

  // A record of the thread arrived. Its held flushes belong to that record if
  // it is a complete call that began before them (perf trace prints a call
  // after the flushes that came between its entry and its exit): those are
  // returned; the others belong to the call open before it.
  settleHeld(thread: Thread, r: SampleRecord, completeCall: boolean): Flush[] {
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

  /** At the end: flushes still held go to the call open at the time. */
  settle(): void {
    for (const t of this.tasks.threads.values()) {
      for (const f of t.held) this.attribute(f, t.open?.change);
      t.held = [];
    }
  }
}
