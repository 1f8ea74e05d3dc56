// A software fault sample → the ip of the same fault's tracepoint.
//
// perf prints a page-faults sample's callchain with map-relative addresses
// only; its leaf, printed as `(inlined)` frames, names no dso. The kernel
// emits, for one user-mode fault, exceptions:page_fault_user first
// (exc_page_fault → trace_page_fault_entries), then the software events
// (do_user_addr_fault → perf_sw_event(PAGE_FAULTS); minor/major after
// handle_mm_fault), on the same thread with the same user registers, so the
// same user chain; the tracepoint carries the runtime `ip=`:
//   arena 27088 [000] 55722.944359:  exceptions:page_fault_user: address=0x7fde6c51f770 ip=0x7fde6c51f770 error_code=0x14
//   ffffffff8225fe40 exc_page_fault+0x2f0 ([kernel.kallsyms]) …
//              26770 __ieee754_acos_ifunc+0x0 (inlined) …
//   arena 27088 55722.944367:          1                 page-faults:
//              26770 __ieee754_acos_ifunc+0x0 (inlined) …
// A sample takes that ip when the thread's record just before it is such a
// tracepoint with the same (non-empty) user chain; any other record of the
// thread in between (another fault, a syscall), lost records or the end of
// the trace break the pair: traces given together are read as captures of
// their own (runs of one program print the same chains, thread ids recur,
// the ip is the other run's). A fault the kernel takes in kernel mode has no page_fault_user: its
// chain starts in the kernel and matches none.
import { isKernelDso } from './dso.js';
import type { SampleEvent } from './events.js';
import type { Frame } from './model.js';

interface Pending {
  readonly stack: readonly Frame[];
  /** Index of the tracepoint's first user frame. */
  readonly from: number;
  readonly ip: number;
}

/** Fed every sample event in trace order; says which software fault samples have their tracepoint's ip. */
export class FaultPairs {
  // by thread: its last record, when that is a user fault tracepoint with an ip and a user frame
  private readonly pending = new Map<number, Pending>();
  /** Software fault samples given their tracepoint's ip. */
  paired = 0;

  /** The runtime ip of the fault `e` is: a tracepoint's own; a software fault sample's tracepoint's (above); else undefined. */
  ip(e: SampleEvent): number | undefined {
    const r = e.record;
    const pending = this.pending;
    // (traces of software events alone: nothing pends, one comparison per record)
    const before = pending.size === 0 ? undefined : pending.get(r.tid);
    if (before !== undefined) pending.delete(r.tid);
    if (e.kind !== 'fault') return undefined;
    if (e.family === 0) {
      const ip = e.access.ip;
      if (r.event === 'exceptions:page_fault_user' && ip !== undefined) {
        const stack = r.stack;
        let from = 0;
        while (from < stack.length && isKernelDso(stack[from]!.dso)) from++;
        if (from < stack.length) pending.set(r.tid, { stack, from, ip });
      }
      return ip;
    }
    if (before === undefined || !sameChain(before.stack, before.from, r.stack)) return undefined;
    this.paired++;
    return before.ip;
  }

  /** Records were lost, or another trace begins: a thread's record just before another may be missing, or another capture's. */
  forget(): void {
    this.pending.clear();
  }
}

// Whether `a` from `from` on holds the frames of `b`, as printed.
function sameChain(a: readonly Frame[], from: number, b: readonly Frame[]): boolean {
  if (a.length - from !== b.length) return false;
  for (let i = 0; i < b.length; i++) {
    const x = a[from + i]!;
    const y = b[i]!;
    if (x !== y && (x.addr !== y.addr || x.symbol !== y.symbol || x.offset !== y.offset || x.dso !== y.dso)) return false;
  }
  return true;
}
