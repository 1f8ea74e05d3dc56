#!/usr/bin/env node
// The CLI boundary: the only place that reads argv, writes stdout/stderr and
// picks exit codes (0 ok, 1 input error, 2 usage).
import { realpathSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import { Command, CommanderError, Option } from 'commander';
import { forEachLine, openInput } from '../parsers/lines.js';
import { PerfScriptParser } from '../parsers/perf-script.js';
import { renderFolded } from '../viz/folded.js';
import { renderHtml } from '../viz/html/index.js';
import { renderJson, toJson } from '../viz/json.js';
import { renderSvg } from '../viz/svg.js';
import { renderProtection, renderText } from '../viz/text.js';
import { Collapser, type CollapseOptions } from './collapse.js';
import { collapseInParallel, type CollapseResult } from './collapse-parallel.js';
import { EXIT_INPUT, EXIT_OK, EXIT_USAGE, InputError, UsageError } from './errors.js';
import type { Diagnostic, Report } from './model.js';
import { formatDiagnostic } from './model.js';
import { writeOutput } from './output.js';
import { buildReport, type ReportOptions } from './pipeline.js';
import { Progress } from './progress.js';
import { annotateReport } from './annotate.js';
import type { DisasmIndex } from './disasm-index.js';
import { diffReports } from './diff.js';
import { isJsonFile, mergeReports, readReportFile } from './merge.js';
import { renderAnnotateJson, renderAnnotateText } from '../viz/annotate.js';
import { renderDiffFolded, renderDiffHtml, renderDiffJson, renderDiffSvg, renderDiffText } from '../viz/diff.js';
import { renderSpeedscope } from '../viz/speedscope.js';

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin?: NodeJS.ReadableStream;
}

const REPORT_FORMATS = ['text', 'json', 'folded', 'svg', 'html', 'speedscope'] as const;
const ANNOTATE_FORMATS = ['text', 'json'] as const;
const DIFF_FORMATS = ['text', 'folded', 'json', 'svg', 'html'] as const;
const SITES_FORMATS = ['text', 'json'] as const;
/** Bad lines printed on stderr as they are found; the rest are counted in the summary. */
const STDERR_EXAMPLES = 5;

/** Runs the CLI; resolves with the exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const program = new Command('faultpath');
  let exitCode = EXIT_OK;
  program
    .description('Which instruction faulted, on which call path, and which mprotect() made the page fault-prone.')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  program
    .command('report')
    .description('fault-path tree of page faults joined to the faulting instructions')
    .argument('<trace...>', 'perf script or perf trace output (file, - for stdin, .gz)')
    .option('--objdump <listing>', 'objdump -d listing of a binary in the trace (repeatable, .gz ok)', collect, [])
    .option('--buildid-list <file>', 'perf buildid-list output for the trace: a listing of another build is not used (repeatable)', collect, [])
    .addOption(new Option('-f, --format <format>', 'output format').choices(REPORT_FORMATS).default('text'))
    .option('-o, --output <file>', 'write to FILE (atomically) instead of stdout')
    .option('--event <name>', 'build the tree from these events instead of the page faults (repeatable, comma lists ok)', collectList, [])
    .option('--comm <comm>', 'only these commands (repeatable, comma lists ok)', collectList, [])
    .option('--pid <pid>', 'only these processes (repeatable, comma lists ok)', collectInts, [])
    .option('--tid <tid>', 'only these threads (repeatable, comma lists ok)', collectInts, [])
    .option('--dso <dso>', 'only faults in these dsos, by path or basename (repeatable)', collectList, [])
    .option('--symbol <name>', 'only faults in these functions (repeatable)', collectList, [])
    .option('--time <start,end>', 'only records in this time window, seconds as perf script prints them; either side may be empty')
    .option('--invert', 'leaf first: faulting instruction at the root, callers below')
    .addOption(new Option('--group-by <level>', 'outermost level of the tree: the call path, or the protection site that made the page fault-prone').choices(['path', 'site']).default('path'))
    .option('--percent-limit <pct>', 'fold children below this % of the total into one node', parseFloatArg)
    .option('--strict', 'a line that fits no known shape is an error')
    .option('-q, --quiet', 'print no diagnostics on stderr')
    .action(async (traces: string[], o: ReportCliOptions) => {
      const options = reportOptions(traces, o, io);
      const report = await buildReport(options);
      summarizeSkipped(report, o.quiet === true, io);
      await writeOutput(renderReport(report, o.format), o.output, io.stdout);
    });

  program
    .command('sites')
    .description('protection sites ranked by the faults they caused, with classes, retry cycles and TLB flushes')
    .argument('<trace...>', 'perf script or perf trace output (file, - for stdin, .gz)')
    .option('--objdump <listing>', 'objdump -d listing of a binary in the trace (repeatable, .gz ok)', collect, [])
    .option('--buildid-list <file>', 'perf buildid-list output for the trace: a listing of another build is not used (repeatable)', collect, [])
    .addOption(new Option('-f, --format <format>', 'output format').choices(SITES_FORMATS).default('text'))
    .option('-o, --output <file>', 'write to FILE (atomically) instead of stdout')
    .option('--event <name>', 'fault events to attribute (default: the page-fault events)', collectList, [])
    .option('--comm <comm>', 'only these commands', collectList, [])
    .option('--pid <pid>', 'only these processes', collectInts, [])
    .option('--tid <tid>', 'only these threads', collectInts, [])
    .option('--time <start,end>', 'only records in this time window (seconds)')
    .option('--strict', 'a line that fits no known shape is an error')
    .option('-q, --quiet', 'print no diagnostics on stderr')
    .action(async (traces: string[], o: ReportCliOptions) => {
      const report = await buildReport(reportOptions(traces, { ...o, dso: [], symbol: [] }, io));
      summarizeSkipped(report, o.quiet === true, io);
      await writeOutput(renderSites(report, o.format === 'json' ? 'json' : 'text'), o.output, io.stdout);
    });

  program
    .command('collapse')
    .description("folded stacks, byte-identical to FlameGraph's stackcollapse-perf.pl")
    .argument('<trace>', 'perf script output (file, - for stdin, .gz)')
    .option('--pid', 'include the process id in the root frame (comm-PID)')
    .option('--tid', 'include process and thread id (comm-PID/TID)')
    .option('--kernel', 'annotate kernel frames with _[k]')
    .option('--jit', 'annotate JIT frames (perf-PID.map) with _[j]')
    .option('--all', 'all annotations (--kernel --jit)')
    .option('--addrs', 'include raw addresses where symbols cannot be found')
    .option('--event-filter <event>', 'collapse only this event (default: the first event type in the trace)')
    .option('-o, --output <file>', 'write to FILE (atomically) instead of stdout')
    .option('-q, --quiet', 'print no diagnostics on stderr')
    .action(async (trace: string, o: CollapseCliOptions) => {
      const options: CollapseOptions = {
        pid: o.pid === true,
        tid: o.tid === true,
        kernel: o.kernel === true,
        jit: o.jit === true,
        all: o.all === true,
        addrs: o.addrs === true,
        ...(o.eventFilter !== undefined ? { eventFilter: o.eventFilter } : {}),
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
      if (result !== undefined && o.quiet !== true) for (const d of result.examples) io.stderr.write(`faultpath: ${formatDiagnostic(d)}\n`);
      result ??= await collapseSerial(trace, options, io, o.quiet === true, progress);
      const { lines, droppedEvents, skipped } = result;
      if (o.quiet !== true) {
        if (skipped > 0) io.stderr.write(`faultpath: skipped ${skipped} line${skipped === 1 ? '' : 's'} that fit no known shape\n`);
        for (const [event, n] of Object.entries(droppedEvents)) {
          io.stderr.write(`faultpath: ${n} ${event} records not collapsed (one event type at a time; choose with --event-filter)\n`);
        }
      }
      await writeOutput(lines.length === 0 ? '' : lines.join('\n') + '\n', o.output, io.stdout);
    });

  program
    .command('annotate')
    .description('the listing of each faulting function with the faults per instruction, like perf annotate --stdio')
    .argument('<trace...>', 'perf script or perf trace output (file, - for stdin, .gz)')
    .option('--objdump <listing>', 'objdump -d listing of a binary in the trace (repeatable, .gz ok; -l adds source lines)', collect, [])
    .option('--buildid-list <file>', 'perf buildid-list output for the trace: a listing of another build is not used (repeatable)', collect, [])
    .option('--symbol <name>', 'annotate these functions, with or without faults (repeatable, comma lists ok)', collectList, [])
    .addOption(new Option('-f, --format <format>', 'output format').choices(ANNOTATE_FORMATS).default('text'))
    .option('-o, --output <file>', 'write to FILE (atomically) instead of stdout')
    .option('--event <name>', 'count these events (default: the page-fault events)', collectList, [])
    .option('--comm <comm>', 'only these commands', collectList, [])
    .option('--pid <pid>', 'only these processes', collectInts, [])
    .option('--tid <tid>', 'only these threads', collectInts, [])
    .option('--time <start,end>', 'only records in this time window (seconds)')
    .option('--context <n>', 'show only faulting and marked instructions with N around each', parseCountArg)
    .option('--strict', 'a line that fits no known shape is an error')
    .option('-q, --quiet', 'print no diagnostics on stderr')
    .action(async (traces: string[], o: ReportCliOptions & { context?: number }) => {
      let listings: readonly DisasmIndex[] = [];
      const report = await buildReport({ ...reportOptions(traces, { ...o, dso: [], symbol: [] }, io), onListings: (l) => (listings = l) });
      summarizeSkipped(report, o.quiet === true, io);
      const annotation = annotateReport(report, listings, { symbols: o.symbol });
      const text = o.format === 'json' ? renderAnnotateJson(annotation) : renderAnnotateText(annotation, o.context !== undefined ? { context: o.context } : {});
      await writeOutput(text, o.output, io.stdout);
    });

  program
    .command('diff')
    .description('differential fault-path tree of two captures: counts before, after and the delta, by call path and by instruction')
    .argument('<before>', 'a trace (perf script / perf trace, .gz ok) or a JSON report from report -f json')
    .argument('<after>', 'the same for the second capture')
    .option('--objdump <listing>', 'listing for both traces (repeatable)', collect, [])
    .option('--before-objdump <listing>', "listing for BEFORE's trace only (repeatable)", collect, [])
    .option('--after-objdump <listing>', "listing for AFTER's trace only (repeatable)", collect, [])
    .addOption(new Option('-f, --format <format>', 'output format; folded is difffolded.pl\'s two-column form').choices(DIFF_FORMATS).default('text'))
    .option('-o, --output <file>', 'write to FILE (atomically) instead of stdout')
    .option('-n, --normalize', "scale BEFORE's counts to AFTER's total (difffolded.pl -n)")
    .addOption(new Option('--widths <side>', 'svg/html: whose counts size the frames').choices(['before', 'after']).default('after'))
    .option('--event <name>', 'count these events in traces (default: the page-fault events)', collectList, [])
    .option('--comm <comm>', 'only these commands', collectList, [])
    .option('--strict', 'a line that fits no known shape is an error')
    .option('-q, --quiet', 'print no diagnostics on stderr')
    .action(async (before: string, after: string, o: ReportCliOptions & { beforeObjdump: string[]; afterObjdump: string[]; normalize?: boolean; widths: 'before' | 'after' }) => {
      const load = async (path: string, extra: string[]): Promise<Report> => {
        if (await isJsonFile(path)) return readReportFile(path);
        const report = await buildReport(reportOptions([path], { ...o, objdump: [...o.objdump, ...extra], pid: [], tid: [], dso: [], symbol: [] }, io));
        summarizeSkipped(report, o.quiet === true, io);
        return report;
      };
      const diff = diffReports(await load(before, o.beforeObjdump), await load(after, o.afterObjdump), { normalize: o.normalize === true });
      const labels = [before, after] as const;
      const text =
        o.format === 'folded' ? renderDiffFolded(diff)
        : o.format === 'json' ? renderDiffJson(diff)
        : o.format === 'svg' ? renderDiffSvg(diff, { widths: o.widths })
        : o.format === 'html' ? renderDiffHtml(diff, { widths: o.widths, labels })
        : renderDiffText(diff, { labels });
      await writeOutput(text, o.output, io.stdout);
    });

  program
    .command('merge')
    .description('sum JSON reports from many hosts or runs into one (counts add up; different binaries stay apart by dso)')
    .argument('<report...>', 'JSON reports from report -f json (.gz ok)')
    .option('-o, --output <file>', 'write to FILE (atomically) instead of stdout')
    .addOption(new Option('-f, --format <format>', 'output format').choices(REPORT_FORMATS).default('json'))
    .action(async (paths: string[], o: { output?: string; format: (typeof REPORT_FORMATS)[number] }) => {
      const reports = [];
      for (const path of paths) reports.push(await readReportFile(path));
      await writeOutput(renderReport(mergeReports(reports), o.format), o.output, io.stdout);
    });

  try {
    await program.parseAsync(argv as string[], { from: 'user' });
  } catch (e) {
    exitCode = handleError(e, io);
  }
  return exitCode;
}

interface ReportCliOptions {
  objdump: string[];
  buildidList?: string[];
  format: (typeof REPORT_FORMATS)[number];
  groupBy?: 'path' | 'site';
  output?: string;
  event: string[];
  comm: string[];
  pid: number[];
  tid: number[];
  dso: string[];
  symbol: string[];
  time?: string;
  invert?: boolean;
  percentLimit?: number;
  strict?: boolean;
  quiet?: boolean;
}

interface CollapseCliOptions extends CollapseOptions {
  output?: string;
  quiet?: boolean;
}

function reportOptions(traces: string[], o: ReportCliOptions, io: CliIo): ReportOptions {
  let printed = 0;
  const progress = progressFor(io, o.quiet === true);
  const options: ReportOptions = {
    traces,
    objdump: o.objdump,
    buildIdLists: o.buildidList ?? [],
    events: o.event,
    comms: o.comm,
    pids: o.pid,
    tids: o.tid,
    dsos: o.dso,
    symbols: o.symbol,
    invert: o.invert === true,
    groupBy: o.groupBy ?? 'path',
    percentLimit: o.percentLimit ?? 0,
    strict: o.strict === true,
    onDiagnostic: (d) => {
      if (o.quiet === true || printed++ >= STDERR_EXAMPLES) return;
      progress?.clear();
      io.stderr.write(`faultpath: ${formatDiagnostic(d)}\n`);
    },
    ...(io.stdin !== undefined ? { stdin: io.stdin as never } : {}),
    ...(progress !== undefined ? { progress } : {}),
  };
  if (o.time !== undefined) {
    const m = /^\s*([0-9.]*)\s*,\s*([0-9.]*)\s*$/.exec(o.time);
    if (m === null) throw new UsageError(`--time ${o.time}: expected START,END in seconds (either may be empty)`);
    if (m[1] !== '') options.timeStart = Number(m[1]);
    if (m[2] !== '') options.timeEnd = Number(m[2]);
  }
  return options;
}

/** collapse in one thread: stdin, .gz and files too small to share out. */
async function collapseSerial(trace: string, options: CollapseOptions, io: CliIo, quiet: boolean, progress: Progress | undefined): Promise<CollapseResult> {
  const collapser = new Collapser(options);
  let skipped = 0;
  let records = 0;
  const onDiagnostic = (d: Diagnostic): void => {
    skipped++;
    if (quiet || skipped > STDERR_EXAMPLES) return;
    progress?.clear();
    io.stderr.write(`faultpath: ${formatDiagnostic(d)}\n`);
  };
  const parser = new PerfScriptParser({ source: trace, onDiagnostic }, (r) => {
    records++;
    collapser.add(r);
  });
  const stream = await openInput(trace, io.stdin as never);
  progress?.track(stream, () => records);
  try {
    await forEachLine(stream, (l) => parser.line(l), {
      onOverlong: (line, length) => {
        onDiagnostic({ source: trace, line, reason: `line of ${length} characters is longer than the maximum line length; skipped` });
        parser.skip();
      },
    });
  } finally {
    progress?.stop();
  }
  parser.end();
  return { ...collapser.result(), skipped, examples: [] };
}

/** A progress line on stderr, only when it is a terminal and --quiet is not given. */
function progressFor(io: CliIo, quiet: boolean): Progress | undefined {
  if (quiet || (io.stderr as Writable & { isTTY?: boolean }).isTTY !== true) return undefined;
  return new Progress(io.stderr);
}

function renderReport(report: Report, format: ReportCliOptions['format']): string {
  switch (format) {
    case 'json':
      return renderJson(report);
    case 'folded':
      return renderFolded(report);
    case 'svg':
      return renderSvg(report);
    case 'html':
      return renderHtml(report);
    case 'speedscope':
      return renderSpeedscope(report);
    default:
      return renderText(report);
  }
}

function renderSites(report: Report, format: 'text' | 'json'): string {
  if (format === 'json') {
    const j = toJson(report) as Record<string, unknown>;
    return JSON.stringify({ events: j['events'], skipped: j['skipped'], warnings: j['warnings'], classes: j['classes'] ?? {}, protection: j['protection'] ?? null }, null, 2) + '\n';
  }
  if (report.protection === undefined) {
    return 'No protection syscalls in the trace: record them with -e syscalls:sys_enter_mprotect -e syscalls:sys_exit_mprotect (and mmap/munmap) to attribute faults to the calls that set up their pages.\n';
  }
  const out: string[] = [];
  renderProtection(report.protection, out, Infinity);
  return out.join('\n') + '\n';
}

function summarizeSkipped(report: Report, quiet: boolean, io: CliIo): void {
  if (quiet) return;
  const n = report.skipped.lines;
  if (n > 0) io.stderr.write(`faultpath: skipped ${n} line${n === 1 ? '' : 's'} that fit no known shape${n > STDERR_EXAMPLES ? ` (first ${STDERR_EXAMPLES} shown)` : ''}\n`);
  for (const w of report.warnings) io.stderr.write(`faultpath: warning: ${w}\n`);
}

function handleError(e: unknown, io: CliIo): number {
  if (e instanceof CommanderError) {
    // help and version exit 0; commander has already printed its message
    return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (e instanceof UsageError) {
    io.stderr.write(`faultpath: ${e.message}\n`);
    return EXIT_USAGE;
  }
  if (e instanceof InputError) {
    io.stderr.write(`faultpath: ${e.message}\n`);
    return EXIT_INPUT;
  }
  if ((e as { code?: string }).code === 'EPIPE') return EXIT_OK;
  const message = e instanceof Error ? e.message : String(e);
  io.stderr.write(`faultpath: internal error: ${message}\n`);
  return EXIT_INPUT;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function collectList(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter((s) => s !== '')];
}

function collectInts(value: string, previous: number[]): number[] {
  const out = [...previous];
  for (const part of value.split(',')) {
    const n = Number(part.trim());
    if (!Number.isInteger(n)) throw new UsageError(`expected whole numbers, got '${part}'`);
    out.push(n);
  }
  return out;
}

function parseCountArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`expected a whole number, got '${value}'`);
  return n;
}

function parseFloatArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new UsageError(`expected a percentage from 0 to 100, got '${value}'`);
  return n;
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT_OK);
  });
  // With `2>&1 | head` the reader of stderr leaves too: a warning written
  // after that must not become an uncaught error (a stack trace and exit 1).
  process.stderr.on('error', () => undefined);
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = EXIT_INPUT;
    },
  );
}

