// The types at the seams: what parsers produce, what the join and the timeline
// produce, and what renderers consume. Nothing here does work beyond tiny
// predicates; a parser's raw match types stay private to the parser.

// ---------------------------------------------------------------- input records

/**
 * One callchain frame as perf printed it. Parsers intern frames: two equal
 * frame lines yield the same object, so stacks are cheap to hold and compare.
 */
export interface Frame {
  /** Address as printed, lower-case hex without `0x` ('' when the tool printed none, as perf trace does). */
  readonly addr: string;
  /** Symbol without `+off`; `[unknown]` when perf printed that; '' when perf printed no symbol. */
  readonly symbol: string;
  /** The `+0x…` offset from the symbol start, or -1 when none was printed. */
  readonly offset: number;
  /** The dso inside the last balanced `( … )`: `/usr/lib/…/libc.so.6`, `[kernel.kallsyms]`, `//anon`, `[vdso]`, `inlined`, `/tmp/perf-1.map`; '' when none. */
  readonly dso: string;
  /** `file:line` from a `-F +srcline` line under the frame. */
  readonly srcline?: string;
  /** Inserted by faultpath's unwinding repair; not in the trace. */
  readonly inferred?: boolean;
  /**
   * perf printed `(inlined)` in place of the dso (DWARF chains); `dso` is then
   * the dso of the code at the frame's address, '' when nothing told it
   * (src/inlined.ts). Parsers leave this unset and the dso `inlined`.
   */
  readonly inlined?: boolean;
  /** An inlined frame that ends its group: no real frame follows at its address, so it stands for the function perf found there (under its DWARF name). */
  readonly outermost?: boolean;
}

/** Where a record came from: the input's name and the 1-based line of its first line. */
export interface Origin {
  readonly source: string;
  readonly line: number;
}

/** A sample or tracepoint record (perf script), or an equivalent line of perf trace. */
export interface SampleRecord extends Origin {
  readonly kind: 'sample';
  readonly comm: string;
  /** -1 when the tool printed only a tid. */
  readonly pid: number;
  readonly tid: number;
  /** -1 when absent. */
  readonly cpu: number;
  /** Seconds (perf script's clock; perf trace's relative ms / 1000); NaN when absent. */
  readonly time: number;
  /** Sample period; 1 when absent (tracepoints). */
  readonly period: number;
  /** Event name as perf names it, without the trailing colon: `exceptions:page_fault_user`, `page-faults`, `cycles:u`. */
  readonly event: string;
  /** Header text after the event name, trimmed: tracepoint fields or `-F addr,ip,sym` columns. */
  readonly payload: string;
  /** Data address (`-d`, `-F addr`, perf trace's `=> 0x…`), hex without `0x`. */
  readonly addr?: string;
  /** Callchain, leaf first. When there is no callchain, the header's ip/sym/dso frame (if printed). */
  readonly stack: readonly Frame[];
  /** Syscall return value when the tool printed it on the same line (perf trace). */
  readonly ret?: number;
  /** Tracepoint fields decoded by the parser that knows their syntax (perf trace); perf script leaves the payload as printed, for src/events.ts to decode. */
  readonly fields?: Readonly<Record<string, string>>;
}

/** `PERF_RECORD_MMAP`/`MMAP2` from `perf script --show-mmap-events`. */
export interface MmapRecord extends Origin {
  readonly kind: 'mmap';
  readonly comm: string;
  readonly pid: number;
  readonly tid: number;
  readonly time: number;
  readonly start: number;
  readonly len: number;
  readonly pgoff: number;
  /** `r-xp` style protection string, when printed. */
  readonly prot: string;
  readonly filename: string;
  readonly buildId?: string;
}

/** `PERF_RECORD_COMM`/`FORK`/`EXIT` from `perf script --show-task-events`. */
export interface TaskRecord extends Origin {
  readonly kind: 'comm' | 'fork' | 'exit';
  readonly comm: string;
  readonly pid: number;
  readonly tid: number;
  readonly time: number;
  /** comm: `PERF_RECORD_COMM exec`, the process replaced its address space. */
  readonly exec?: boolean;
  /** fork/exit: the parent (`(ppid:ptid)`). */
  readonly ppid?: number;
  readonly ptid?: number;
}

/** Events the recorder lost (`LOST N events!`, `PERF_RECORD_LOST`). */
export interface LostRecord extends Origin {
  readonly kind: 'lost';
  readonly count: number;
}

export type TraceRecord = SampleRecord | MmapRecord | TaskRecord | LostRecord;

// ---------------------------------------------------------------- diagnostics

/** A line that fit no known shape. */
export interface Diagnostic extends Origin {
  readonly reason: string;
}

/** Receives bad lines; parsers never throw on bad input. */
export type DiagnosticSink = (d: Diagnostic) => void;

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.source}:${d.line}: ${d.reason}`;
}

// ---------------------------------------------------------------- disassembly

/** One instruction of an objdump listing. */
export interface Instruction {
  /** Address as the listing shows it (link-time VA). */
  readonly address: number;
  /** Encoded length in bytes when the listing shows raw bytes, else 0. */
  readonly size: number;
  /** Mnemonic and operands, e.g. `mov %rdx,(%rdi)` or `call 1030 <mprotect@plt>`. */
  readonly text: string;
  /** Enclosing function symbol as the listing names it (`write_field`, `mprotect@plt`). */
  readonly function: string;
  /** Address of the enclosing function's first byte. */
  readonly functionAddress: number;
  /** `file:line` when the listing has it (`-l`). */
  readonly source?: string;
}

// ---------------------------------------------------------------- objdump records
// What parsers/objdump.ts reads from an `objdump -d` / `llvm-objdump -d` listing
// and src/disasm-index.ts indexes. Addresses are numbers: user-space addresses
// as they are; addresses at or above 2^63 (a kernel image's ffffffff81000000)
// as their signed 64-bit value (-0x7f000000), which a double holds exactly.

/** Which objdump wrote the listing (told apart by the file header's spacing). */
export type ObjdumpTool = 'gnu' | 'llvm';

/** `guard:     file format elf64-x86-64`: the binary as it was named to objdump. */
export interface ObjdumpFileRecord extends Origin {
  readonly kind: 'file';
  /** Path as given to objdump: `/lib/x86_64-linux-gnu/libc.so.6`, `../guard/guard`. */
  readonly path: string;
  /** BFD target name: `elf64-x86-64`, `elf64-littleaarch64`. */
  readonly format: string;
  readonly tool: ObjdumpTool;
}

/** `Disassembly of section .plt.sec:` */
export interface ObjdumpSectionRecord extends Origin {
  readonly kind: 'section';
  readonly name: string;
}

/** `00000000000012eb <write_field>:` — a symbol; the instructions that follow belong to it. */
export interface ObjdumpFunctionRecord extends Origin {
  readonly kind: 'function';
  readonly address: number;
  /** As the listing prints it: `write_field`, `mprotect@plt`, `abort@@GLIBC_2.2.5`, `geo::Circle::stamp(char*) const`. */
  readonly name: string;
}

/** One instruction (its continuation lines already folded in). */
export interface ObjdumpInstructionRecord extends Origin {
  readonly kind: 'instruction';
  readonly address: number;
  /** Encoded length from the raw bytes; 0 with `--no-show-raw-insn`. */
  readonly size: number;
  /** Mnemonic and operands with runs of blanks collapsed: `mov %rsi,(%rdi)`, `movq %rsi, (%rdi)`. */
  readonly text: string;
  /** `file:line` from the last `-l` line of this function (discriminator dropped). */
  readonly srcline?: string;
}

/** `\t...`: objdump skipped a run of zero bytes up to the next address it prints. */
export interface ObjdumpSkipRecord extends Origin {
  readonly kind: 'skip';
}

export type ObjdumpRecord = ObjdumpFileRecord | ObjdumpSectionRecord | ObjdumpFunctionRecord | ObjdumpInstructionRecord | ObjdumpSkipRecord | BuildIdRecord;

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

/** One thread of a `perf trace -s` summary (trace__fprintf_thread_summary). */
export interface TraceSummaryThread {
  readonly comm: string;
  readonly tid: number;
  readonly events: number;
  /** Share of all events, as perf printed it. */
  readonly percent: number;
  /** Present when the capture counted faults (-F). */
  readonly majfaults?: number;
  readonly minfaults?: number;
  /** --sched: time on CPU. */
  readonly schedMsec?: number;
  readonly syscalls: TraceSummarySyscall[];
}

/** One syscall row of a summary; times in milliseconds, stddev in % of the average. */
export interface TraceSummarySyscall {
  readonly name: string;
  readonly calls: number;
  /** Absent in older perf's table. */
  readonly errors?: number;
  readonly totalMsec: number;
  readonly minMsec: number;
  readonly avgMsec: number;
  readonly maxMsec: number;
  readonly stddevPercent: number;
  /** --errno-summary: failures by errno. */
  errnos?: Record<string, number>;
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
  | 'mangled-names'
  | 'symbol-decided-early'
  | 'events'
  | 'protection'
  | 'stopped-sites'
  | 'threads'
  | 'perf-trace';

/** The patterns findings name (src/findings/, one file each). */
export type FindingKind = 'guard-retries' | 'nx-violation' | 'copy-on-write' | 'first-touch' | 'code-page-in' | 'start-up' | 'capture-quality';

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

// ---------------------------------------------------------------- build ids
// (this section belongs to the listing mismatch checks: parsers/buildid-list.ts,
// the note dump in parsers/objdump.ts, and ListingSet in src/join.ts)

/** A binary's GNU build id: a `perf buildid-list` line, or the `.note.gnu.build-id` dump in front of an objdump listing. */
export interface BuildIdRecord extends Origin {
  readonly kind: 'build-id';
  /** Lower-case hex, as perf prints it: `90c00d71d970b9cc31e9a04d89adf13d0af44146`. */
  readonly buildId: string;
  /** perf's dso path (`/usr/lib/x86_64-linux-gnu/libc.so.6`, `[kernel.kallsyms]`), or the listing's binary as given to objdump. */
  readonly path: string;
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
