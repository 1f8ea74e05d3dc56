// The CLI's commands (main.ts, the entry, loads this module): the only place
// that reads argv, writes stdout/stderr and picks exit codes (0 ok, 1 input
// error, 2 usage).
import { stat } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { addDiagnosticOptions, addFilterOptions, addListingOptions, addOutputOptions, parseCountArg, parsePercentArg, parseTimeWindow, collect, repeatable, type Filter, type TraceCliOptions } from './options.js';
import type { CollapseOptions } from '../collapse.js';
import type { CollapseResult } from '../collapse-parallel.js';
import { EXIT_OK, InputError, UsageError } from '../errors.js';
import { type Diagnostic, formatDiagnostic } from '../../parsers/records.js';
import type { Report } from '../report-types.js';
import { checkOutputPath, visible, writeOutput } from '../output.js';
import type { ReportOptions } from '../pipeline.js';
import type { Progress } from '../progress.js';
import { describeUnmatched } from '../suggest.js';
import type { Annotation } from '../annotate.js';
import type { Diff } from '../diff.js';
import { checkStdinOnce, handleError, progressFor, say, stdinFor, summarizeSkipped, STDERR_EXAMPLES, type CliIo } from './io.js';
import { addRecordCommand } from './record.js';
import { ANNOTATE_RENDERERS, DIFF_RENDERERS, formatsOf, preloadReportRenderer, REPORT_RENDERERS, reportJson, SITES_RENDERERS, type ReportFormat } from './render.js';
import { version } from '../version.js';

// The report's modules (the pipeline, the renderers) load when a command that
// needs them runs: collapse starts without them, in half the time.
const buildReport = async (options: ReportOptions): Promise<Report> => (await import('../pipeline.js')).buildReport(options);
const annotateReport = async (...a: Parameters<typeof import('../annotate.js').annotateReport>): Promise<Annotation> => (await import('../annotate.js')).annotateReport(...a);
const diffReports = async (...a: Parameters<typeof import('../diff.js').diffReports>): Promise<Diff> => (await import('../diff.js')).diffReports(...a);
const mergeReports = async (...a: Parameters<typeof import('../merge.js').mergeReports>): Promise<Report> => (await import('../merge.js')).mergeReports(...a);
// and collapse's when collapse runs: a report starts without them
const collapseInParallel = async (...a: Parameters<typeof import('../collapse-parallel.js').collapseInParallel>): Promise<CollapseResult | undefined> => (await import('../collapse-parallel.js')).collapseInParallel(...a);
const resolveInputs = async (...a: Parameters<typeof import('../record/inputs.js').resolveInputs>): ReturnType<typeof import('../record/inputs.js').resolveInputs> => (await import('../record/inputs.js')).resolveInputs(...a);

const TRACE_ARGUMENT = 'perf script or perf trace output (file, - for stdin, .gz), or a folder from faultpath record';

/** Runs the CLI; resolves with the exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = EXIT_OK;
  const program = cliProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
  } catch (e) {
    exitCode = handleError(e, io, argv.slice(0, argv.indexOf('--') >>> 0).includes('--debug'));
  }
  return exitCode;
}

/** The commands; `setExit` takes the exit code of a command that picks its own (record). */
export function cliProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('faultpath');
  program
    .description('Which instruction faulted, on which call path, and which mprotect() made the page fault-prone.')
    .version(version(), '-V, --version')
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(visible(s)),
    })
    // -o is checked before the trace is read: a typo in it should not cost a whole run
    // (record's -o is a folder it checks itself, and its arguments are the program's)
    .hook('preAction', async (_program, command) => {
      if (command.name() === 'record') return;
      checkStdinOnce(command);
      await checkOutputPath((command.opts() as { output?: string }).output);
    });

  const report = traceCommand(program, 'report', 'fault-path tree of page faults joined to the faulting instructions', REPORT_RENDERERS, ['event', 'comm', 'pid', 'tid', 'dso', 'symbol', 'time'], {
    event: 'build the tree from these events instead of the page faults (repeatable, comma lists ok)',
  })
    .option('--invert', "leaf first: faulting instruction at the root, callers below (perf's -G, --inverted too)")
    .addOption(new Option('-G, --inverted').hideHelp())
    .addOption(new Option('--group-by <level>', 'outermost level of the tree: the call path, the protection site that made the page fault-prone, the memory region the faulting address is in, or the process and thread').choices(['path', 'site', 'region', 'thread']).default('path'))
    .option('--percent-limit <pct>', 'fold children below this % of the total into one node (text default 1, with program start-up as one node; 0 shows all)', parsePercentArg);
  addDiagnosticOptions(report).action(async (traces: string[], o: ReportCliOptions) => {
    // a tree sized for a terminal: small children and start-up folded, unless asked otherwise
    const defaults = o.format === 'text' && o.percentLimit === undefined ? { percentLimit: 1 } : {};
    preloadReportRenderer(o.format);
    const built = await buildReport(await withInputs(reportOptions(traces, { ...o, ...defaults }, io), o, io));
    summarizeSkipped(built, o.quiet === true, io, o.format === 'text');
    await writeOutput(await REPORT_RENDERERS[o.format](built), o.output, io.stdout);
  });

  const sites = traceCommand(program, 'sites', 'protection sites ranked by the faults they caused, with classes, retry cycles and TLB flushes', SITES_RENDERERS, ['event', 'comm', 'pid', 'tid', 'time'], {
    event: 'fault events to attribute (default: the page-fault events; repeatable, comma lists ok)',
  });
  addDiagnosticOptions(sites).action(async (traces: string[], o: TraceCliOptions & { format: keyof typeof SITES_RENDERERS }) => {
    const built = await buildReport(await withInputs(reportOptions(traces, o, io), o, io));
    summarizeSkipped(built, o.quiet === true, io, o.format === 'text');
    await writeOutput(await SITES_RENDERERS[o.format](built), o.output, io.stdout);
  });

  const collapse = program
    .command('collapse')
    .description("folded stacks, byte-identical to FlameGraph's stackcollapse-perf.pl")
    .argument('<trace>', 'perf script output (file, - for stdin, .gz)')
    .option('--pid', 'include the process id in the root frame (comm-PID), as stackcollapse-perf.pl --pid: a switch here, while report --pid PID filters')
    .option('--tid', 'include process and thread id (comm-PID/TID), as stackcollapse-perf.pl --tid: a switch here, while report --tid TID filters')
    .option('--kernel', 'annotate kernel frames with _[k]')
    .option('--jit', 'annotate JIT frames (perf-PID.map) with _[j]')
    .option('--all', 'all annotations (--kernel --jit)')
    .option('--addrs', 'include raw addresses where symbols cannot be found')
    .option('--event-filter <event>', 'collapse only this event (default: the first event type in the trace)')
    .addOption(new Option('-o, --output <file>', 'write to FILE (atomically) instead of stdout'));
  addDiagnosticOptions(collapse, { strict: false }).action(async (trace: string, o: CollapseCliOptions) => {
    const options: CollapseOptions = {
      pid: o.pid === true,
      tid: o.tid === true,
      kernel: o.kernel === true,
      jit: o.jit === true,
      all: o.all === true,
      addrs: o.addrs === true,
      // the collapse works on latin1 text (the input's bytes)
      ...(o.eventFilter !== undefined ? { eventFilter: Buffer.from(o.eventFilter).toString('latin1') } : {}),
    };
    const progress = progressFor(io, o.quiet === true);
    let result: CollapseResult | undefined;
    let size = 0;
    const read = { bytes: 0, records: 0 };
    progress?.watch(() => ({ path: trace, bytesRead: read.bytes, size, records: read.records }));
    try {
      size = (await stat(trace).catch(() => undefined))?.size ?? 0;
      result = await collapseInParallel(trace, options, {
        maxExamples: STDERR_EXAMPLES,
        onProgress: (bytes, records) => Object.assign(read, { bytes, records }),
      });
    } finally {
      progress?.stop();
    }
    if (result !== undefined && o.quiet !== true) for (const d of result.examples) say(io, formatDiagnostic(d));
    result ??= await collapseSerial(trace, options, io, o.quiet === true, progress);
    const { folded, droppedEvents, skipped } = result;
    if (o.eventFilter !== undefined && folded.length === 0 && Object.keys(droppedEvents).length > 0) {
      const present = new Map(Object.entries(droppedEvents).map(([e, n]) => [Buffer.from(e, 'latin1').toString(), n] as const));
      throw new InputError(describeUnmatched({ option: '--event-filter', value: o.eventFilter, present, what: 'events in the trace' }));
    }
    if (o.quiet !== true) {
      if (skipped > 0) say(io, `skipped ${skipped} line${skipped === 1 ? '' : 's'} that fit no known shape`);
      for (const [event, n] of Object.entries(droppedEvents)) {
        say(io, `${n} ${Buffer.from(event, 'latin1').toString()} records not collapsed (one event type at a time; choose with --event-filter)`);
      }
    }
    // latin1 text: the input's bytes, unchanged
    await writeOutput(folded, o.output, io.stdout, 'latin1');
  });

  const annotate = traceCommand(
    program,
    'annotate',
    'the listing of each faulting function with the faults per instruction, like perf annotate --stdio',
    ANNOTATE_RENDERERS,
    ['symbol', 'event', 'comm', 'pid', 'tid', 'time'],
    { symbol: 'annotate these functions, with or without faults (repeatable, comma lists ok)' },
    'objdump -d listing of a binary in the trace (repeatable, .gz ok; -l adds source lines)',
  );
  annotate.option('--context <n>', 'show only faulting and marked instructions with N around each', parseCountArg);
  addDiagnosticOptions(annotate).action(async (traces: string[], o: TraceCliOptions & { format: keyof typeof ANNOTATE_RENDERERS; context?: number }) => {
    const options = await withInputs(reportOptions(traces, { ...o, symbol: [], symbols: [] }, io), o, io);
    // read once: the report joins the faults with them, annotate lays the faults over them
    const indexed = await (await import('../pipeline.js')).readListings(options);
    const built = await buildReport({ ...options, listings: indexed });
    const listings = indexed.listings.map((l) => l.index);
    summarizeSkipped(built, o.quiet === true, io);
    const annotation = await annotateReport(built, listings, { symbols: [...(o.symbol ?? []), ...(o.symbols ?? [])] });
    if (annotation.missing.length > 0) {
      const faulting = new Map<string, number>();
      for (const site of built.sites) if (site.symbol !== '') faulting.set(site.symbol, (faulting.get(site.symbol) ?? 0) + site.count);
      const listed = listings.flatMap((l) => l.functions().map((f) => f.name));
      const what = 'faulting functions';
      throw new InputError(annotation.missing.map((value) => describeUnmatched({ option: '--symbol', value, present: faulting, what, candidates: [...faulting.keys(), ...listed] }, 'in the trace or the listings')).join('\n'));
    }
    await writeOutput(await ANNOTATE_RENDERERS[o.format](annotation, o), o.output, io.stdout);
  });

  const diff = program
    .command('diff')
    .description('differential fault-path tree of two captures: counts before, after and the delta, by call path and by instruction')
    .argument('<before>', 'a trace (perf script / perf trace, .gz ok) or a JSON report from report -f json')
    .argument('<after>', 'the same for the second capture');
  addListingOptions(diff, 'listing for both traces (repeatable)');
  diff
    .addOption(repeatable('--before-objdump <listing>', "listing for BEFORE's trace only (repeatable)", collect))
    .addOption(repeatable('--after-objdump <listing>', "listing for AFTER's trace only (repeatable)", collect));
  addOutputOptions(diff, formatsOf(DIFF_RENDERERS), 'text', "output format; folded is difffolded.pl's two-column form");
  diff
    .option('-n, --normalize', "scale BEFORE's counts to AFTER's total (difffolded.pl -n)")
    .addOption(new Option('--widths <side>', 'svg/html: whose counts size the frames').choices(['before', 'after']).default('after'));
  addFilterOptions(diff, ['event', 'comm'], { event: 'count these events in traces (default: the page-fault events; repeatable, comma lists ok)' });
  addDiagnosticOptions(diff).action(async (before: string, after: string, o: DiffCliOptions) => {
    const load = async (path: string, extra: string[]): Promise<Report> => {
      if (await (await reportJson()).isJsonFile(path)) return (await reportJson()).readReportFile(path);
      // a command or event in one capture only is what a diff shows, not a typo
      const built = await buildReport({ ...(await withInputs(reportOptions([path], { ...o, objdump: [...(o.objdump ?? []), ...extra] }, io), o, io)), unmatchedFilters: 'ignore' });
      summarizeSkipped(built, o.quiet === true, io);
      return built;
    };
    const d = await diffReports(await load(before, o.beforeObjdump ?? []), await load(after, o.afterObjdump ?? []), { normalize: o.normalize === true });
    await writeOutput(await DIFF_RENDERERS[o.format](d, { widths: o.widths, labels: [before, after] }), o.output, io.stdout);
  });

  const merge = program
    .command('merge')
    .description('sum JSON reports from many hosts or runs into one (counts add up; different binaries stay apart by dso)')
    .argument('<report...>', 'JSON reports from report -f json (.gz ok)');
  addOutputOptions(merge, formatsOf(REPORT_RENDERERS), 'json');
  addDiagnosticOptions(merge, { strict: false, quiet: false }).action(async (paths: string[], o: { output?: string; format: ReportFormat }) => {
    const reports = [];
    for (const path of paths) reports.push(await (await reportJson()).readReportFile(path, stdinFor(io, [path]).stdin));
    await writeOutput(await REPORT_RENDERERS[o.format](await mergeReports(reports)), o.output, io.stdout);
  });

  addRecordCommand(program, io, setExit);
  return program;
}

interface ReportCliOptions extends TraceCliOptions {
  format: ReportFormat;
  groupBy?: 'path' | 'site' | 'region' | 'thread';
  invert?: boolean;
  /** perf report's spelling of --invert */
  inverted?: boolean;
  percentLimit?: number;
}

interface DiffCliOptions extends TraceCliOptions {
  format: keyof typeof DIFF_RENDERERS;
  beforeObjdump?: string[];
  afterObjdump?: string[];
  normalize?: boolean;
  widths: 'before' | 'after';
}

interface CollapseCliOptions extends CollapseOptions {
  output?: string;
  quiet?: boolean;
}

function reportOptions(traces: string[], o: TraceCliOptions & Partial<ReportCliOptions>, io: CliIo): ReportOptions {
  let printed = 0;
  const progress = progressFor(io, o.quiet === true);
  const options: ReportOptions = {
    traces,
    objdump: o.objdump ?? [],
    buildIdLists: o.buildidList ?? [],
    events: o.event ?? [],
    comms: [...(o.comm ?? []), ...(o.comms ?? [])],
    pids: o.pid ?? [],
    tids: o.tid ?? [],
    dsos: [...(o.dso ?? []), ...(o.dsos ?? [])],
    symbols: [...(o.symbol ?? []), ...(o.symbols ?? [])],
    invert: o.invert === true || o.inverted === true,
    groupBy: o.groupBy ?? 'path',
    // the page switches between the call paths and the protection sites
    siteTree: o.format === 'html',
    slices: o.format === 'html',
    pageListings: o.format === 'html',
    percentLimit: o.percentLimit ?? 0,
    foldStartup: o.format === 'text' && (o.percentLimit ?? 0) > 0,
    strict: o.strict === true,
    unmatchedFilters: 'error',
    onDiagnostic: (d) => {
      if (o.quiet === true || printed++ >= STDERR_EXAMPLES) return;
      progress?.clear();
      say(io, formatDiagnostic(d));
    },
    ...stdinFor(io, [...traces, ...(o.objdump ?? []), ...(o.buildidList ?? [])]),
    ...(progress !== undefined ? { progress } : {}),
  };
  if (o.time !== undefined) {
    const { start, end } = parseTimeWindow(o.time);
    if (start !== undefined) options.timeStart = start;
    if (end !== undefined) options.timeEnd = end;
  }
  return options;
}

/** Capture folders and `--objdump auto` expanded into traces, listings and buildid lists. */
async function withInputs(options: ReportOptions, o: { quiet?: boolean }, io: CliIo): Promise<ReportOptions> {
  const resolved = await resolveInputs({ traces: options.traces, objdump: options.objdump ?? [], buildIdLists: options.buildIdLists ?? [] }, (line) => {
    if (o.quiet !== true) io.stderr.write(`faultpath: ${line}\n`);
  });
  return { ...options, ...resolved };
}

/** collapse in one thread: stdin, .gz and files too small to share out. */
async function collapseSerial(trace: string, options: CollapseOptions, io: CliIo, quiet: boolean, progress: Progress | undefined): Promise<CollapseResult> {
  let skipped = 0;
  const onDiagnostic = (d: Diagnostic): void => {
    skipped++;
    if (quiet || skipped > STDERR_EXAMPLES) return;
    progress?.clear();
    say(io, formatDiagnostic(d));
  };
  const { Collapser, collapseInput } = await import('../collapse.js');
  const collapser = new Collapser({ ...options, onDiagnostic });
  await collapseInput(trace, collapser, {
    onDiagnostic,
    ...stdinFor(io, [trace]),
    ...(progress !== undefined ? { progress } : {}),
  });
  return { ...collapser.folded(), skipped, examples: [] };
}


// A command that reads traces: its listing, output (the renderers' formats, text first) and filter options, in that order.
function traceCommand(program: Command, name: string, description: string, renderers: object, filters: readonly Filter[], filterHelp: Partial<Record<Filter, string>>, objdumpHelp?: string): Command {
  const cmd = program.command(name).description(description).argument('<trace...>', TRACE_ARGUMENT);
  addListingOptions(cmd, objdumpHelp);
  addOutputOptions(cmd, formatsOf(renderers), 'text');
  return addFilterOptions(cmd, filters, filterHelp);
}
