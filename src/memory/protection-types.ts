// What the protection timeline produces (src/memory/timeline.ts), and the
// same with its sites located in the listings (src/protection-sites.ts):
// Report.protection. Types only.
import type { FaultClass } from '../fault-class.js';

/** The syscalls the protection timeline follows. */
export type ProtectionCall = 'mprotect' | 'pkey_mprotect' | 'mmap' | 'munmap' | 'mremap';

/** One protection syscall as the timeline applied it. */
export interface ProtectionChange {
  readonly call: ProtectionCall;
  /** The process (its pid, or the tid when the trace never tied the thread to a process). */
  readonly pid: number;
  readonly tid: number;
  /** -1 when absent. */
  readonly cpu: number;
  /** Seconds, the record's time (the syscall's entry). */
  readonly time: number;
  /** The page range [start, end) it set (munmap: cleared); page-aligned. */
  readonly start: number;
  readonly end: number;
  /** PROT_* bits: 1 read, 2 write, 4 exec; 0 for munmap. */
  readonly prot: number;
  /** The protection key of pkey_mprotect, else -1. */
  readonly pkey: number;
  /** The protection site (the caller of the libc wrapper, as the pipeline resolved it). */
  readonly site: string;
  /** The record's input and 1-based line. */
  readonly source: string;
  readonly line: number;
}

/** A faulting instruction under a protection site. */
export interface ProtectionInstruction {
  /** The instruction key the pipeline gave (its resolved site). */
  readonly instruction: string;
  /** Sum of the faults' values. */
  readonly faults: number;
  readonly classes: Partial<Record<FaultClass, number>>;
  /** Fault → handler mprotect that grants the access → retry, counted once per fault. */
  readonly cycles: number;
  /** Handler site → cycles it closed. */
  readonly handlers: Record<string, number>;
}

/** Everything the timeline knows about one protection site. */
export interface ProtectionSiteSummary {
  readonly site: string;
  /** Calls per syscall name (failed ones included). */
  readonly calls: Record<string, number>;
  /** Calls that failed (exit or perf trace ret < 0, or an unaligned start) and so changed nothing. */
  readonly failed: number;
  /** Successful calls per protection, as `rwx` text (`r--`, `rw-`, `r-x`, `---`). */
  readonly prots: Record<string, number>;
  /** Pages the successful calls covered, summed. */
  readonly pages: number;
  readonly firstTime: number;
  readonly lastTime: number;
  /** Sum of the values of the faults on pages this site's changes covered; 0 when none. */
  readonly faults: number;
  readonly classes: Partial<Record<FaultClass, number>>;
  /** Faults whose access this site's protection forbids (the guard-page faults). */
  readonly denied: number;
  /** Seconds from the covering change to the fault: smallest, largest. */
  readonly sinceChange?: { readonly min: number; readonly max: number };
  readonly instructions: ProtectionInstruction[];
  /** Retry cycles over all instructions. */
  readonly cycles: number;
  /** Time inside its calls, from each entry to its exit record (seconds): calls timed, their sum, the longest. Absent without exit records. */
  readonly callTime?: { readonly calls: number; readonly total: number; readonly max: number };
  /** Retry cycles on this site's pages timed from the fault to the handler's call that allowed the access (seconds): cycles, their sum, the longest. */
  readonly handlerTime?: { readonly cycles: number; readonly total: number; readonly max: number };
  /** tlb:tlb_flush events attributed to this site's calls, per reason (`TLB_LOCAL_MM_SHOOTDOWN`…). */
  readonly tlbFlushes: Record<string, number>;
  /** The same flushes by where they ran: `inside mprotect` (its calls), `copy-on-write fault` (faults on its pages), `after mprotect, end unknown` (no exit record, no callchain). Absent in reports made before it. */
  readonly tlbFlushCauses?: Record<string, number>;
}

/** The protection timeline's result (Report.protection). */
export interface ProtectionReport {
  /** Sorted by faults, then calls, descending, then site. */
  readonly sites: ProtectionSiteSummary[];
  /** Faults noted with no covering change (page never seen in a followed syscall), their values summed. */
  readonly uncoveredFaults: number;
  /** Of uncoveredFaults, those of events that carry no data address (page-faults recorded without -d); absent when none. */
  readonly noAddressFaults?: number;
  /** tlb:tlb_flush events not attributed to a protection call, per reason. */
  readonly unattributedFlushes: Record<string, number>;
  /**
   * Every tlb:tlb_flush read, by where it ran (its callchain, else the calls around it in time):
   * `inside mprotect`, `copy-on-write fault`, `inside execve`, `process exit`, `task switch`,
   * `unknown (no callchain)`…; sums to the flush records read. Absent in reports made before it.
   */
  readonly tlbFlushCauses?: Record<string, number>;
  /** mmap/mremap calls whose address never became known (no sys_exit record). */
  readonly unplaced: number;
  /** Threads whose process stayed unknown (no pid in the header, no FORK record). */
  readonly unresolvedThreads: number;
  /** What a reader must know about the result (missing exit records, lost events…). */
  readonly notes: string[];
}

/** A protection site as reports show it: the timeline's summary plus where the call is. */
export interface ProtectionSiteView extends ProtectionSiteSummary {
  readonly dso: string;
  readonly symbol: string;
  /** Offset of the call instruction in `symbol`; null when unknown. */
  readonly offset: number | null;
  /** Listing address of the call instruction (`0x…`); null when unknown. */
  readonly address: string | null;
  readonly instruction: string | null;
  readonly source: string | null;
  /** The function was inferred by the unwinding repair (frame-pointer chains skip it). */
  readonly inferred: boolean;
  /** The protections its successful calls set, most frequent first, comma-separated (`r--`). */
  readonly prot: string;
}

/** Report.protection: the timeline's report with its sites located. */
export interface ProtectionSection extends Omit<ProtectionReport, 'sites'> {
  readonly sites: ProtectionSiteView[];
}
