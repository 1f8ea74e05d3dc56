// Reading the inputs: listings and build-id lists into indexes, traces into
// events (src/events.ts), and the bad lines of all of them counted once.
import type { Readable } from 'node:stream';
import { TRACE_FORMATS, buildIdListFormat, objdumpFormat } from '../parsers/index.js';
import { readInput } from '../parsers/input.js';
import { PerfTraceParser } from '../parsers/perf-trace.js';
import { looksLikeOther } from '../parsers/sniff.js';
import { readListing, type DisasmIndex } from './disasm-index.js';
import { InputError } from './errors.js';
import { normalizeRecord, type TraceEvent } from './events.js';
import type { Diagnostic, InputSummary, TraceRecord } from './model.js';
import { formatDiagnostic } from './model.js';
import type { Progress } from './progress.js';
import type { ReportInputOptions } from './report-options.js';

/** Listings indexed and build-id lists read: what buildReport joins the faults with (and annotate lays them over). */
export interface IndexedListings {
  /** In `objdump` order. */
  readonly listings: readonly { readonly index: DisasmIndex; readonly summary: InputSummary }[];
  /** The trace's build id of each dso, from the build-id lists (the last list wins). */
  readonly buildIds: ReadonlyMap<string, string>;
  /** The bad lines read in them. */
  readonly skipped: SkippedLines;
}

/** Bad lines: how many, and the first few. */
export interface SkippedLines {
  readonly count: number;
  readonly examples: readonly Diagnostic[];
}

/** Counts bad lines, keeps the first few, and makes them fatal under --strict. */
export class DiagnosticCounter {
  count = 0;
  readonly examples: Diagnostic[] = [];

  /** `before`: bad lines counted already (the listings', read earlier). */
  constructor(
    private readonly options: Pick<ReportInputOptions, 'strict' | 'maxExamples' | 'onDiagnostic'>,
    before?: SkippedLines,
  ) {
    if (before === undefined) return;
    this.count = before.count;
    this.examples.push(...before.examples.slice(0, options.maxExamples ?? 5));
  }

  readonly sink = (d: Diagnostic): void => {
    if (this.options.strict === true) throw new InputError(`${formatDiagnostic(d)} (--strict)`);
    this.count++;
    if (this.examples.length < (this.options.maxExamples ?? 5)) this.examples.push(d);
    this.options.onDiagnostic?.(d);
  };
}

/** Reads and indexes the `objdump` listings and reads the `buildIdLists`. */
export async function readListings(options: Omit<ReportInputOptions, 'traces'>): Promise<IndexedListings> {
  const diagnostics = new DiagnosticCounter(options);
  const listings = await Promise.all((options.objdump ?? []).map((path) => indexListing(path, diagnostics, options.stdin)));
  const buildIds = await readBuildIdLists(options.buildIdLists ?? [], diagnostics, options.stdin);
  return { listings, buildIds, skipped: { count: diagnostics.count, examples: diagnostics.examples } };
}

async function indexListing(path: string, diagnostics: DiagnosticCounter, stdin?: Readable) {
  const read = await readListing(path, { onDiagnostic: diagnostics.sink, ...(stdin !== undefined ? { stdin } : {}) });
  const index = read.index;
  if (index.instructionCount === 0) throw new InputError(`${path}: no instructions found; expected an objdump -d listing${looksLikeOther(read.head(), objdumpFormat)}`);
  const summary: InputSummary = {
    name: path,
    format: 'objdump',
    lines: read.lines,
    records: index.instructionCount,
    ...(read.sourceLines > 0 ? { sourceLines: read.sourceLines } : {}),
  };
  return { index, summary };
}

// perf buildid-list outputs → the trace's build id of each dso (the last list wins).
async function readBuildIdLists(paths: readonly string[], diagnostics: DiagnosticCounter, stdin?: Readable): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const path of paths) {
    await readInput(path, { formats: [buildIdListFormat], onRecord: (r) => ids.set(r.path, r.buildId), onDiagnostic: diagnostics.sink, ...(stdin !== undefined ? { stdin } : {}) });
  }
  return ids;
}

/** Reads one trace, choosing the parser from its first lines; its records become events (src/events.ts). */
export async function readTrace(
  path: string,
  onEvent: (e: TraceEvent) => void,
  diagnostics: { sink: (d: Diagnostic) => void },
  stdin?: Readable,
  progress?: Progress,
): Promise<InputSummary> {
  const read = await readInput(path, {
    formats: TRACE_FORMATS,
    onRecord: (r: TraceRecord) => onEvent(normalizeRecord(r)),
    onDiagnostic: diagnostics.sink,
    ...(stdin !== undefined ? { stdin } : {}),
    ...(progress !== undefined ? { progress } : {}),
  });
  const summary = read.parser instanceof PerfTraceParser ? read.parser.summary : [];
  return {
    name: path,
    format: read.format,
    lines: read.lines,
    records: read.records,
    ...(summary.length > 0 ? { traceSummary: summary } : {}),
  };
}
