// What parsers emit: the records of perf script, perf trace, objdump and
// perf buildid-list, and the diagnostics for lines that fit no shape. src/
// reads them (src/model.ts re-exports them beside the report types); a
// parser's raw match types stay private to the parser.

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
  /**
   * The parser's number for `stack` when it keeps one array per distinct
   * stack: records with the same number have the same frames, in the same
   * array as the parser hands them (a cache may be indexed by it, checking the
   * array). Absent when the parser did not number it.
   */
  readonly stackId?: number;
  /** Syscall return value when the tool printed it on the same line (perf trace). */
  readonly ret?: number;
  /** Tracepoint fields decoded by the parser that knows their syntax (perf trace); perf script leaves the payload as printed, for src/events.ts to decode. */
  readonly fields?: Readonly<Record<string, string>>;
}

/**
 * The stack of a perf script record printed without its ip and callchain:
 * perf 6.1 prints them only when ip is in -F (builtin-script.c,
 * process_event), and then ends the record with a line of its own (blank, or
 * phys_addr and the page sizes) even when the callchain came out empty; a
 * record without ip is its header line alone. One shared empty array, told by
 * identity (`stack === NO_IP_PRINTED`).
 */
export const NO_IP_PRINTED: readonly Frame[] = [];

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

// ---------------------------------------------------------------- perf trace summaries

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
