// The types at the seams: what the join and the timeline produce, and what
// renderers consume. Nothing here does work beyond tiny predicates. What the
// parsers produce is in parsers/records.ts, re-exported here.

export * from '../parsers/records.js';
import type { TraceSummaryThread } from '../parsers/records.js';

// ---------------------------------------------------------------- join results

/** Classification of an x86 page fault from its error code (see protection timeline). */
export type FaultClass =
  | 'first-touch-read'
  | 'first-touch-write'
  | 'write-to-read-only'
  | 'copy-on-write'
  | 'code-page-in'
  | 'nx-violation'
  | 'pkey'
  | 'kernel-mode'
  | 'unknown';

/** The user-space instruction a fault is attributed to. */
export interface FaultSite {
  /** Dso path as perf names it, or '' when unknown. */
  readonly dso: string;
  /** Function symbol (from the listing when resolved, else perf's). */
  readonly symbol: string;
  /** Offset within the symbol, or -1 when unknown. */
  readonly offset: number;
  /** Address in the listing's terms when resolved, else perf's frame address; hex without 0x. */
  readonly address: string;
  /** Instruction text when the listing resolved it. */
  readonly instruction?: string;
  /** `file:line` when known. */
  readonly source?: string;
  /** Whether an objdump listing resolved this site to an instruction. */
  readonly resolved: boolean;
  /** Why it is unresolved (no listing for the dso, outside every function, not an instruction boundary…). */
  readonly unresolvedReason?: string;
}

/**
 * Key of a faulting instruction's listing context in `Report.disassembly`: its
 * listing address (hex, no 0x) and its dso — two binaries have code at the
 * same addresses.
 */
export function disassemblyKey(dso: string, address: string): string {
  return `${address} ${dso}`;
}

// ---------------------------------------------------------------- tree

export type NodeKind =
  | 'root'
  | 'comm'
  | 'user'
  | 'kernel'
  | 'jit'
  | 'inferred'
  | 'function'
  | 'instruction'
  | 'protection-site'
  | 'region'
  | 'unknown';

/** The fault-path tree: the model every renderer draws. Children are sorted by value, descending, then name. */
export interface TreeNode {
  readonly name: string;
  readonly kind: NodeKind;
  /** Sum of period over every event under this node. */
  value: number;
  /** Value of events that end exactly at this node. */
  self: number;
  /** Value per event name. */
  readonly byEvent: Record<string, number>;
  readonly children: TreeNode[];
  /** Dso of the frame, when it has one. */
  dso?: string;
  /** For instruction leaves: the site they stand for. */
  site?: FaultSite;
  /** The self value per fault class (leaves of fault trees; absent where classes are not known). */
  classes?: Partial<Record<FaultClass, number>>;
  /** The self value split by time, thread and region (see `SliceIndex`): flat quadruples (quantum, thread, region, value). Not in the JSON output. */
  cells?: number[];
}

// ---------------------------------------------------------------- report

/** One input file as read. */
export interface InputSummary {
  readonly name: string;
  readonly format: 'perf-script' | 'perf-trace' | 'objdump';
  readonly lines: number;
  readonly records: number;
  /** objdump: lines inside functions read as `-S` source text and skipped; in a listing made without -S they are lines nothing could read. */
  readonly sourceLines?: number;
  /** perf trace: the `-s`/`-S` summary tables, per thread (counts and times only: no addresses, paths or instructions). */
  readonly traceSummary?: readonly TraceSummaryThread[];
}

/** A ranked faulting instruction (JSON `sites`). */
export interface SiteCount extends FaultSite {
  readonly event: string;
  readonly count: number;
  /** Of `count`, the faults that were major (needed I/O): joined from `major-faults` samples, or the event itself. */
  major?: number;
}

/** What `faultpath report` computes; every renderer (text, json, folded, svg, html) draws this. */
export interface Report {
  readonly inputs: InputSummary[];
  /** Every record read, by event name (equals what perf wrote). */
  readonly events: Record<string, number>;
  /** Records lost by the recorder (`LOST` lines). */
  readonly lost: number;
  readonly skipped: { readonly lines: number; readonly examples: string[] };
  /** Event names the tree counts (fault events unless `--event` chose others). */
  readonly selectedEvents: string[];
  /** Records of the selected events: read, kept by the filters (the tree holds their periods), and removed by filters. */
  readonly selection: { readonly read: number; readonly kept: number; readonly filteredOut: number };
  /** Faulting instructions by count, descending; their counts add up to tree.value. */
  readonly sites: SiteCount[];
  readonly tree: TreeNode;
  /** Warnings a reader must see: the answer is weaker and the reader can do something (a listing that does not match, perf trace blind spots, threads not tied to their process). Words in src/warnings.ts. */
  readonly warnings: string[];
  /** Notes: repairs the tool made and limits that change no answer shown (frames marked [inferred]). Absent in reports written before notes existed. */
  readonly notes?: string[];
  /** Fault times (seconds) and classes, for the timeline chart; optional. */
  readonly timeline?: { readonly time: number; readonly class: FaultClass; readonly value: number }[];
  /** The protection timeline: which protection changes made pages fault-prone; present when the trace has protection syscalls. */
  readonly protection?: ProtectionSection;
  readonly classes?: Partial<Record<FaultClass, number>>;
  /** The memory regions the faults' data addresses fall in; present when any fault carries one. */
  readonly regions?: RegionsSection;
  /** Faults per process (the selected events, after the filters); forked processes name their parent. */
  readonly processes?: ProcessSummary[];
  /** Signals the trace recorded (signal:signal_generate/deliver), after the filters; present when it has such events. */
  readonly signals?: SignalsSection;
  /** What the report shows, answer first: patterns, their sites, instructions and cost (src/findings). */
  readonly findings?: Finding[];
  /** How the tree was folded for display: children under `percentLimit`% in counted nodes, `startup` faults of program start-up in one node. */
  readonly folded?: { readonly percentLimit: number; readonly startup: number };
  /** What the tree's `cells` refer to, so a viewer can filter the tree by time window, thread or region; absent when the tree has no cells. */
  readonly slices?: SliceIndex;
  /** The faulting functions' listings for the HTML view, annotated as `faultpath annotate` does (src/page-listings.ts). */
  readonly disassembly?: PageListings;
  /** The tree grouped by protection site, as --group-by site builds it, for the HTML page's view switch; present when asked (ReportOptions.siteTree) and the trace has protection syscalls. */
  readonly siteTree?: TreeNode;
}

/** Report.disassembly: each faulting function's listing once, and which function holds each faulting instruction. */
export interface PageListings {
  readonly functions: PageListing[];
  /** `disassemblyKey(dso, address)` of a faulting instruction → index into `functions`. */
  readonly at: Record<string, number>;
}

/** One function's listing from its first instruction, with the faults per instruction. */
export interface PageListing {
  readonly dso: string;
  readonly symbol: string;
  /** Function start, listing address, hex without `0x`. */
  readonly address: string;
  /** Faults in the function (the largest of its events' counts). */
  readonly count: number;
  /** Instructions left out before the first line and after the last (a long function is cut around its faults). */
  readonly before: number;
  readonly after: number;
  readonly lines: PageListingLine[];
}

export interface PageListingLine {
  /** Listing address, hex without `0x`. */
  readonly address: string;
  readonly text: string;
  /** `file:line`, on the lines where it changes. */
  readonly source?: string;
  /** Faults at this instruction (the largest of its events' counts); absent when none. */
  readonly count?: number;
  /** The report's protection site at this call (`protection.sites[].site`). */
  readonly protection?: string;
  /** A call of an mprotect wrapper, whether or not a trace record names it. */
  readonly protectionCall?: true;
}

/** The keys of TreeNode.cells (Report.slices). */
export interface SliceIndex {
  /** Time quantum q covers [start + q·quantum, start + (q+1)·quantum) seconds; q = -1: the record had no time. */
  readonly start: number;
  readonly quantum: number;
  /** Threads by index: the process the trace tied each to (the tid when none), and its command. */
  readonly threads: { readonly tid: number; readonly pid: number; readonly comm: string }[];
  /** Regions by index, as `regionGroupName` names them (or `[no data address]`, `[outside every known region: …]`). */
  readonly regions: string[];
  /** Protection changes per quantum: site (as protection.sites names them), call, protection set (`rw-`), calls. */
  readonly changes: { readonly q: number; readonly site: string; readonly call: string; readonly prot: string; readonly calls: number }[];
}

/** A region's name in --group-by region trees and in SliceIndex.regions. */
export function regionGroupName(r: { readonly name: string; readonly start: string; readonly end: string; readonly pid: number }): string {
  return `${r.name} ${r.start}-${r.end} (pid ${r.pid})`;
}

/** One process's faults (Report.processes). */
export interface ProcessSummary {
  /** The pid, or the tid when the trace never tied the thread to a process. */
  readonly pid: number;
  readonly comm: string;
  /** The process that forked it, when the trace has its FORK record. */
  readonly parent?: number;
  /** The call that forked it (the parent's clone/fork syscall), named as protection sites are; when the trace has the call's record. */
  readonly forkSite?: CallSite;
  readonly faults: number;
  readonly classes: Partial<Record<FaultClass, number>>;
}

/** Report.signals: records of each signal tracepoint the filters kept, by signal name (`SIGSEGV`). */
export interface SignalsSection {
  readonly generated: Record<string, number>;
  readonly delivered: Record<string, number>;
}

/** What a report says beside its answer (src/warnings.ts): a warning when the answer is weaker and the reader can act, a note otherwise. */
export interface Notice {
  readonly level: 'warning' | 'note';
  readonly kind: NoticeKind;
  readonly text: string;
}

export type NoticeKind =
  | 'listing'
  | 'unnamed-frame'
  | 'inlined-without-dso'
  | 'assumed-layout'
  | 'inferred-frames'
  | 'frameless-faults'
  | 'mangled-names'
  | 'symbol-decided-early'
  | 'events'
  | 'protection'
  | 'stopped-sites'
  | 'threads'
  | 'perf-trace';

/** A call instruction named as protection sites are: `spawn_worker+0xc (cow)`, with its parts (null when unknown). */
export interface CallSite {
  readonly site: string;
  readonly dso: string;
  readonly symbol: string;
  readonly offset: number | null;
  readonly source: string | null;
  readonly inferred: boolean;
}

/** The patterns findings name (src/findings/, one file each). */
export type FindingKind = 'major-faults' | 'guard-retries' | 'nx-violation' | 'copy-on-write' | 'first-touch' | 'code-page-in' | 'start-up' | 'capture-quality';

/** A statement of what the report shows, with its numbers and the ids renderers link. */
export interface Finding {
  readonly kind: FindingKind;
  /** Fraction of the tree's faults it explains, 0–1 (0 for capture quality). */
  readonly share: number;
  /** Faults it explains (period sum). */
  readonly faults: number;
  /** Plain sentences with the numbers. */
  readonly text: string;
  /** Protection sites involved, as `protection.sites[].site` names them. */
  readonly sites: string[];
  /** Faulting instructions involved, as `instructionId` of `sites[]` (the HTML disassembly keys them alike). */
  readonly instructions: string[];
  /** The usual remedy, where there is one; for capture quality, the perf options to add. */
  readonly remedy?: string;
}

/** The id findings give a faulting instruction: `disassemblyKey` of its dso and address. */
export function instructionId(site: FaultSite): string {
  return disassemblyKey(site.dso, site.address);
}

// ---------------------------------------------------------------- protection timeline
// (this section belongs to src/memory/; renderers read these from Report.protection)

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

// ---------------------------------------------------------------- memory regions
// (this section belongs to src/memory/: address spaces over time, and the faults placed in them)

/** What backs a region: a file, anonymous memory, the brk heap, a stack, shared anonymous memory, or the kernel's [vdso]/[vvar]. */
export type RegionKind = 'file' | 'anon' | 'heap' | 'stack' | 'shared' | 'vdso';

/** How a region came to be: a syscall, execve's own mappings, inherited at fork, already there when the trace began, or unknown (no syscall records). */
export type RegionCall = 'mmap' | 'mremap' | 'brk' | 'exec' | 'fork' | 'before-trace' | 'unknown';

/** One mapping of one process, with the faults whose data address fell in it. */
export interface RegionView {
  readonly pid: number;
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
