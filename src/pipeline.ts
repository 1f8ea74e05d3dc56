// buildReport: the whole flow, top to bottom.
//   read listings  objdump -d listings → indexes, build-id lists   (src/report-inputs.ts)
//   read traces    sniff → the format's parser (parsers/index.ts) → records
//   normalize      records → typed events, payloads decoded once    (src/events.ts)
//   join           each event through the accumulator's steps: the faulting
//                  frame, its listing instruction, its protection change and
//                  region                                           (src/report-accumulator.ts)
//   aggregate      the fault-path tree, sites, classes, processes, histogram
//   findings       the patterns, read from the finished report      (src/findings/)
//   assemble       the faulting functions' listings for the HTML view, the
//                  tree shaped for display; viz/ renders the Report
import type { Report } from './model.js';
import { ReportAccumulator } from './report-accumulator.js';
import { DiagnosticCounter, readListings, readTrace, type IndexedListings } from './report-inputs.js';
import { TraceWorker } from './report-parallel.js';
import type { ReportOptions, ReportTreeOptions } from './report-options.js';
import { invertTree, pruneTree } from './tree.js';

export type { ReportFilterOptions, ReportInputOptions, ReportOptions, ReportTreeOptions } from './report-options.js';
export { readListings, type IndexedListings } from './report-inputs.js';

/** Builds the report: the join of every fault event with its instruction, aggregated into the fault-path tree. */
export async function buildReport(options: ReportOptions): Promise<Report> {
  // a big trace file is parsed in a worker thread (from now on, or since the CLI started it), while the listings are indexed here
  const first = options.traces[0] !== undefined ? await TraceWorker.start(options.traces[0]) : undefined;
  let listings: IndexedListings;
  let later: ReturnType<typeof loadLater>;
  let built: Awaited<ReturnType<typeof accumulate>>;
  try {
    listings = options.listings ?? (await readListings(options));
    later = loadLater(options);
    built = await accumulate(listings, options, first);
  } finally {
    await first?.close();
  }
  const [{ findFindings, foldStartup }, pages] = await later;
  const { report, basis } = built;
  // the accumulator (its paths, frames, timelines) is garbage from here: findings and the page are built without it
  const findings = findFindings(basis);
  // the HTML view's listings: the faulting functions, annotated (each read whole: a JSON or text report skips them)
  const disassembly = pages?.pageListings(report, listings.listings.map((l) => l.index));
  return shapeTree({ ...report, findings, ...(disassembly !== undefined ? { disassembly } : {}) }, options, foldStartup);
}

// The modules needed after the records (the findings; the page's listings), loading while they are read:
// not before the listings, nor after the records, when this thread is the one all wait for.
function loadLater(options: ReportOptions) {
  const loading = Promise.all([import('./findings/index.js'), options.pageListings === false ? undefined : import('./page-listings.js')]);
  // awaited after the records: a failure there is the report's; before, the records' error is
  loading.catch(() => undefined);
  return loading;
}

// Every trace through the accumulator: the report and what the findings read.
async function accumulate(listings: IndexedListings, options: ReportOptions, first: TraceWorker | undefined): Promise<{ report: Report; basis: Report }> {
  const diagnostics = new DiagnosticCounter(options, listings.skipped);
  const accumulator = new ReportAccumulator(listings, options, diagnostics.sink);
  const inputs = listings.listings.map((l) => l.summary);
  for (const [i, trace] of options.traces.entries()) {
    const worker = i === 0 ? first : await TraceWorker.start(trace);
    accumulator.traceStart();
    inputs.push(await (worker?.read(accumulator.add, diagnostics, options.progress, accumulator.idle) ?? readTrace(trace, accumulator.add, diagnostics, options.stdin, options.progress)));
  }
  const report = accumulator.finish(inputs, diagnostics);
  return { report, basis: accumulator.findingsBasis(report) };
}

// The tree as shown: start-up in one node, inverted, small children folded
// (the findings have read the call-path tree).
function shapeTree(report: Report, options: ReportTreeOptions, foldStartup: typeof import('./findings/index.js').foldStartup): Report {
  let tree = report.tree;
  let startup = 0;
  if (options.foldStartup === true) ({ tree, folded: startup } = foldStartup(tree));
  if (options.invert === true) tree = invertTree(tree);
  const percentLimit = options.percentLimit ?? 0;
  tree = pruneTree(tree, percentLimit / 100);
  const siteTree = report.siteTree !== undefined ? pruneTree(report.siteTree, percentLimit / 100) : undefined;
  return { ...report, tree, ...(siteTree !== undefined ? { siteTree } : {}), ...(percentLimit > 0 || startup > 0 ? { folded: { percentLimit, startup } } : {}) };
}
