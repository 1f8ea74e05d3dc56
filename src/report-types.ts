// What `faultpath report` computes and every renderer draws: the fault-path
// tree and the report around it. Types only; the stages' own results are in
// src/fault-site.ts (the join), src/memory/protection-types.ts and
// src/memory/region-types.ts (the timeline and the regions).
import type { FormatName } from '../parsers/format.js';
import type { TraceSummaryThread } from '../parsers/records.js';
import type { FaultClass } from './fault-class.js';
import type { CallSite, FaultSite } from './fault-site.js';
import type { ProtectionSection } from './memory/protection-types.js';
import type { RegionsSection } from './memory/region-types.js';

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
  /** The self value split by time, thread and region (see `SliceIndex`): flat quadruples (quantum, thread, region, value); a leaf's part of one array of every leaf's cells as the report makes them (32-bit integers when they all are). Not in the JSON output. */
  cells?: number[] | Float64Array | Int32Array;
}

// ---------------------------------------------------------------- report

/** One input file as read. */
export interface InputSummary {
  readonly name: string;
  /** The registry's name for it (parsers/index.ts). */
  readonly format: FormatName;
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
  /** Faults of the selected events perf script printed without ip (-F without it): no instruction, no callchain. Absent when none. */
  readonly ipNotPrinted?: number;
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
  /** The same tree as the call tree's leaves split by protection site, for the HTML page to build it (viz/html/site-tree.ts); present when asked (ReportOptions.siteTree) and the trace has protection syscalls. */
  readonly siteLeaves?: SiteLeaves;
}

/**
 * The tree by protection site, as what it adds to the call tree: its leaves
 * are the call tree's leaves, each split by the site its faults were
 * attributed to; every inner node is a call tree node under a site. Its nodes
 * come from these in order (a tree by site of a large capture has twice the
 * call tree's nodes: built where it is drawn, not carried).
 */
export interface SiteLeaves {
  /** The call tree the leaves are in (Report.tree before it was shaped for display). */
  readonly tree: TreeNode;
  /** The sites' names, in the order their first fault's path was counted ('' for none; levels joined by NUL). */
  readonly groups: readonly string[];
  /** The call tree's leaves (the leaves by site are in these), each once, and their numbers there. */
  readonly leaves: readonly TreeNode[];
  readonly leafNumber: ReadonlyMap<TreeNode, number>;
  // One leaf per site and call tree leaf, in the order the tree by site meets
  // them (its first path's), as columns (an object per leaf and per field was
  // ~300 bytes a leaf: 20 MB on the bench capture); typed, sized once.
  /** Per leaf: its site (index into `groups`). */
  readonly group: Int32Array;
  /** Per leaf: its call tree leaf (index into `leaves`). */
  readonly leaf: Int32Array;
  readonly value: Float64Array;
  /** Per leaf: the number of its first path (FaultAggregator's). */
  readonly firstPath: Int32Array;
  /** The leaves' events' names. */
  readonly eventNames: readonly string[];
  /** Per leaf: its event (index into `eventNames`), all of its value; -1 when it has several (`events`). */
  readonly event: Int32Array;
  /** By leaf, those of several events: the value of each and the number of its first path. */
  readonly events: ReadonlyMap<number, { readonly byEvent: Readonly<Record<string, number>>; readonly firstPaths: readonly number[] }>;
  /** The leaves' fault classes' names. */
  readonly classNames: readonly FaultClass[];
  /** Per leaf: its faults' class (index into `classNames`), all of its value; -1 when they are of several (`classes`). */
  readonly cls: Int32Array;
  readonly classes: ReadonlyMap<number, Readonly<Partial<Record<FaultClass, number>>>>;
  /** By leaf, where its first path's instruction is not the call tree leaf's (another of the same name reached that leaf first). */
  readonly sites: ReadonlyMap<number, FaultSite>;
  /** Per leaf: its cells, as (first, count) runs of the call tree leaf's quadruples, in order: the first run here (count 0: none), more in `moreRuns`. */
  readonly runFirst: Int32Array;
  readonly runCount: Int32Array;
  readonly moreRuns: ReadonlyMap<number, readonly number[]>;
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
  /** Threads by index: the process the trace tied each to (the tid when none), its `life` as ProcessSummary.life has it (where the pid had more than one process), and its command. */
  readonly threads: { readonly tid: number; readonly pid: number; readonly life?: number; readonly comm: string }[];
  /** Regions by index, as `regionGroupName` names them (or `[no data address]`, `[outside every known region: …]`). */
  readonly regions: string[];
  /** Protection changes per quantum: site (as protection.sites names them), call, protection set (`rw-`), calls. */
  readonly changes: { readonly q: number; readonly site: string; readonly call: string; readonly prot: string; readonly calls: number }[];
}

/** One process's faults (Report.processes). */
export interface ProcessSummary {
  /** The pid, or the tid when the trace never tied the thread to a process. */
  readonly pid: number;
  readonly comm: string;
  /** Which of the processes that had this pid it is (1, 2…, in trace order: a FORK of the pid after its EXIT is another process); present when the trace has more than one. */
  readonly life?: number;
  /** The process that forked it, when the trace has its FORK record. */
  readonly parent?: number;
  /** The parent's `life`, when the parent's pid had more than one process. */
  readonly parentLife?: number;
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
  | 'inlined-dso-inferred'
  | 'assumed-layout'
  | 'inferred-frames'
  | 'frameless-faults'
  | 'ip-not-printed'
  | 'mangled-names'
  | 'symbol-decided-early'
  | 'events'
  | 'protection'
  | 'stopped-sites'
  | 'threads'
  | 'perf-trace';

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
