// The memory regions faults fall in (src/memory/region-faults.ts):
// Report.regions. Types only, and the name a region is grouped under.
import type { FaultClass } from '../fault-class.js';
import { ordinal } from '../process-life.js';

/** What backs a region: a file, anonymous memory, the brk heap, a stack, shared anonymous memory, or the kernel's [vdso]/[vvar]. */
export type RegionKind = 'file' | 'anon' | 'heap' | 'stack' | 'shared' | 'vdso';

/** How a region came to be: a syscall, execve's own mappings, inherited at fork, already there when the trace began, or unknown (no syscall records). */
export type RegionCall = 'mmap' | 'mremap' | 'brk' | 'exec' | 'fork' | 'before-trace' | 'unknown';

/** One mapping of one process, with the faults whose data address fell in it. */
export interface RegionView {
  readonly pid: number;
  /** Which of the processes that had this pid it is mapped in (1, 2…, as ProcessSummary.life); present when the trace has more than one. */
  readonly life?: number;
  /** As perf names the mapping: a path, `//anon`, `[heap]`, `[stack]`, `[anon:name]`. */
  readonly name: string;
  readonly kind: RegionKind;
  /** [start, end) as last known (hex with 0x); a stack's start moves down as it grows. */
  readonly start: string;
  readonly end: string;
  /** `rw-p` as mapped ('' when only a syscall told). */
  readonly prot: string;
  readonly call: RegionCall;
  /** The call instruction that created it, named as protection sites are; null when the trace cannot tell (`siteNote` says why). */
  readonly site: string | null;
  readonly siteNote?: string;
  /** When the mapping was made (seconds; for a copy inherited at fork, the parent's); null when before the trace began. */
  readonly time: number | null;
  /** Sum of the faults' values, by class, and the major ones among them. */
  readonly faults: number;
  readonly classes: Partial<Record<FaultClass, number>>;
  readonly major: number;
  /** Distinct pages that faulted, and those that faulted more than once (a guard-page or copy-on-write pattern). */
  readonly pages: number;
  readonly repeatPages: number;
  readonly firstFault: number;
  readonly lastFault: number;
  /** The pages with the most faults (hex page address), at most 8. */
  readonly hotPages: { readonly page: string; readonly faults: number }[];
}

/** Why a fault's address is in no known region. */
export interface OutsideReason {
  readonly reason: 'no-mmap-records' | 'no-data-mmaps' | 'before-trace' | 'unmapped';
  readonly faults: number;
  /** What the trace lacks, in words, with the perf option that adds it. */
  readonly text: string;
}

/** Report.regions: `regions` faults + `outsideRegions` + `unaddressed` = the tree's total. */
export interface RegionsSection {
  /** Regions with faults, by faults descending. */
  readonly regions: RegionView[];
  readonly outsideRegions: { readonly faults: number; readonly reasons: OutsideReason[] };
  /** Faults whose event carries no data address (software events without perf record -d). */
  readonly unaddressed: number;
  /** Regions the trace mapped, faulted or not. */
  readonly mapped: number;
  /** major-faults/minor-faults samples joined to the tracepoint faults they count (same thread, same instruction, right after it). */
  readonly majorJoin?: { readonly matched: number; readonly unmatched: number };
}

/** A region's name in --group-by region trees and in SliceIndex.regions. */
export function regionGroupName(r: { readonly name: string; readonly start: string; readonly end: string; readonly pid: number; readonly life?: number }): string {
  return `${r.name} ${r.start}-${r.end} (pid ${r.pid}${r.life !== undefined ? `, ${ordinal(r.life)} process` : ''})`;
}
