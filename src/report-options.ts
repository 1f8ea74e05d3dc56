// buildReport's options, in three groups: what to read, which events and
// faults to keep, and how to shape the tree. ReportOptions is all three (the
// public API takes one flat object); each stage takes its group.
import type { Readable } from 'node:stream';
import type { Diagnostic } from './model.js';
import type { Progress } from './progress.js';
import type { IndexedListings } from './report-inputs.js';

/** What to read, and how bad lines are handled. */
export interface ReportInputOptions {
  /** perf script / perf trace outputs: paths, `-` for stdin, .gz allowed. */
  traces: readonly string[];
  /** objdump -d listings of the binaries in the traces. Default none. */
  objdump?: readonly string[];
  /** `perf buildid-list` outputs for the traces: a listing whose build id differs is not used for that dso. Default none (MMAP2 build ids still count). */
  buildIdLists?: readonly string[];
  /** The listings and build-id lists already read (`readListings`); `objdump` and `buildIdLists` are then not read again. Default: read them. */
  listings?: IndexedListings;
  /** A bad line is fatal. Default false: bad lines are counted and reported. */
  strict?: boolean;
  /** How many bad lines to keep as examples. Default 5. */
  maxExamples?: number;
  /** Every bad line, as it is found (the CLI prints the first few). Default: none. */
  onDiagnostic?: (d: Diagnostic) => void;
  /** stdin for `-`. Default process.stdin. */
  stdin?: Readable;
  /** Shows how far each trace has been read (the CLI passes one when stderr is a terminal). Default: none. */
  progress?: Progress;
}

/** Which records and faults count. */
export interface ReportFilterOptions {
  /** Events to build the tree from. Default: every page-fault event in the trace. */
  events?: readonly string[];
  /** Keep only these commands / processes / threads. Default: all. */
  comms?: readonly string[];
  pids?: readonly number[];
  tids?: readonly number[];
  /** Keep only faults whose faulting frame is in these dsos / functions. Default: all. */
  dsos?: readonly string[];
  symbols?: readonly string[];
  /** Keep records with start ≤ time ≤ end (seconds, perf script's clock). Default: all. */
  timeStart?: number;
  timeEnd?: number;
  /** `error`: a filter value that matches nothing in the trace (an event it lacks, a command no record of the chosen events has, …) throws an InputError that lists what is there and the closest names. Default `ignore`: the report is built, empty where the filter left nothing. */
  unmatchedFilters?: 'error' | 'ignore';
}

/** How the tree is grouped and shown. */
export interface ReportTreeOptions {
  /** `site`: the protection site that made the page fault-prone is the outermost level of the tree; `region`: the memory region the faulting address is in; `thread`: the process, then the thread. Default `path`. */
  groupBy?: 'path' | 'site' | 'region' | 'thread';
  /** With groupBy `path`: also the tree grouped by protection site, as the call tree's leaves split by site (Report.siteLeaves), for the HTML page's view switch. Default false. */
  siteTree?: boolean;
  /** With `siteTree`: that tree built here too, as --group-by site builds it (Report.siteTree): what tests hold the page's against. Default false. */
  siteTreeNodes?: boolean;
  /** Split the tree's faults by time, thread and region (TreeNode.cells, Report.slices) for the HTML page's filters; only the HTML page reads them. Default true. */
  slices?: boolean;
  /** The faulting functions' listings, annotated (Report.disassembly); only the HTML page reads them. Default true. */
  pageListings?: boolean;
  /** Leaf-first tree. Default false. */
  invert?: boolean;
  /** Fold children below this percentage of the total into one node. Default 0 (keep all). */
  percentLimit?: number;
  /** Fold each command's program start-up (ld.so, libc initialisation) into one node. Default false. */
  foldStartup?: boolean;
}

/** Everything buildReport takes. */
export interface ReportOptions extends ReportInputOptions, ReportFilterOptions, ReportTreeOptions {}
