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
//
// Both may have no user frame (DWARF unwinding found none, e.g. at a new
// thread's first instruction), and then no chain tells one fault from
// another:
//   threads 2182 [000] 11895.892186:  exceptions:page_fault_user: address=0x7f9e30411f78 ip=0x7f9e3053f8ea error_code=0x6
//   ffffffff821f5340 exc_page_fault+0x2f0 ([kernel.kallsyms])
//   ffffffff81000c82 asm_exc_page_fault+0x22 ([kernel.kallsyms])
//   threads 2182 11895.892210:          1                 page-faults:
// (perf script --hide-call-graph: `7f9e3053f8ea clone3+0x2a`). Such a pair
// is taken only where its records cannot be two faults' (do_user_addr_fault
// counts page-faults for every user-mode fault on a user address, and a
// sample's period is the count since the counter's last sample):
// - page-faults only (minor/major are not counted for a fault that ends in
//   a signal, so their sample just after such a fault's tracepoint may be
//   another fault's);
// - the sample stands for one fault (period 1): the thread's fault before it
//   was sampled too, so had the tracepoint been another fault's, that
//   fault's own sample would lie between;
// - the tracepoint's address is a user one (a fault on a kernel address
//   counts no page-faults) and its period is 1 when printed (-F +period);
// - the tracepoint's chain has its kernel frames: kernel chains were
//   recorded, so a fault the kernel took in kernel mode, which has no
//   tracepoint, would print them in its sample too (perf record
//   --user-callchains drops them, and then neither prints any);
// - the sample's data address, when printed (perf record -d, -F +addr), is
//   the tracepoint's.
// What stays unknown: a tracepoint left unrecorded by a filter or a period
// of its own (perf record --filter, -e …/period=N/) while the thread moved
// between CPUs (a counter per CPU: the fault before may have been counted on
// another) — the trace does not print either.
import { isKernelDso } from './dso.js';
import type { SampleEvent } from './events.js';
import type { Frame } from './model.js';

// x86-64's TASK_SIZE_MAX with 4-level page tables: a fault at or past it is on a kernel address
// (do_kern_addr_fault). Past 2^53 perf's addresses read as NaN: never below it.
const USER_END = 2 ** 47 - 4096;

interface Pending {
  readonly stack: readonly Frame[];
  /** Index of the tracepoint's first user frame (the stack's length when it has none). */
  readonly from: number;
  readonly ip: number;
  /** The fault's data address. */
  readonly address: number;
}

/** Fed every sample event in trace order; says which software fault samples have their tracepoint's ip. */
export class FaultPairs {
  // by thread: its last record, when that is a user fault tracepoint with an ip and a user frame,
  // or with none but its kernel frames, on a user address, for one fault
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
        const address = e.access.address;
        if (from < stack.length || (from > 0 && r.period === 1 && address < USER_END)) pending.set(r.tid, { stack, from, ip, address });
      }
      return ip;
    }
    if (before === undefined || !sameChain(before.stack, before.from, r.stack)) return undefined;
    if (r.stack.length === 0) {
      // both frameless: one fault's only where another fault's sample would lie between (above)
      const address = e.access.address;
      if (e.family !== 1 || r.period !== 1 || (!Number.isNaN(address) && address !== before.address)) return undefined;
    }
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
