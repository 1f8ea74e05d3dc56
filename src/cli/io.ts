// The CLI's side of the terminal: where output and messages go, the stderr
// lines (`faultpath: …`), progress, and how an error becomes an exit code.
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { CommanderError } from 'commander';
import { EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, InputError, UsageError } from '../errors.js';
import type { Report } from '../report-types.js';
import { Progress } from '../progress.js';
import { reportBug, say, type CliIo } from './messages.js';

export { reportBug, say, type CliIo } from './messages.js';

/** Bad lines printed on stderr as they are found; the rest are counted in the summary. */
export const STDERR_EXAMPLES = 5;

/** io.stdin, only when one of `paths` is `-`: reading process.stdin's getter alone makes a shared pipe non-blocking. */
export function stdinFor(io: CliIo, paths: readonly string[]): { stdin?: Readable } {
  return paths.includes('-') && io.stdin !== undefined ? { stdin: io.stdin as Readable } : {};
}

/** A progress line on stderr, only when it is a terminal and --quiet is not given. */
export function progressFor(io: CliIo, quiet: boolean): Progress | undefined {
  if (quiet || (io.stderr as Writable & { isTTY?: boolean }).isTTY !== true) return undefined;
  return new Progress(io.stderr);
}

/**
 * On stderr: the skipped lines and the warnings (the notes stay in the
 * report). What the capture lacks is the capture-quality finding: where the
 * output shows the findings (`findingsShown`, the text of report and sites)
 * it is not repeated; elsewhere one line points at it.
 */
export function summarizeSkipped(report: Report, quiet: boolean, io: CliIo, findingsShown = false): void {
  if (quiet) return;
  const n = report.skipped.lines;
  if (n > 0) say(io, `skipped ${n} line${n === 1 ? '' : 's'} that fit no known shape${n > STDERR_EXAMPLES ? ` (first ${STDERR_EXAMPLES} shown)` : ''}`);
  for (const w of report.warnings) say(io, `warning: ${w}`);
  const capture = (report.findings ?? []).find((f) => f.kind === 'capture-quality');
  if (capture !== undefined && !findingsShown) {
    say(io, `capture: ${capture.remedy !== undefined ? `${capture.remedy} for a fuller answer (the report's capture finding says why)` : "the report's capture finding says what this trace lacks"}`);
  }
}

/** stdin can be read once: a second `-` among the inputs would read nothing. */
export function checkStdinOnce(command: Command): void {
  const o = command.opts() as Record<string, unknown>;
  const inputs: [string, unknown][] = [
    ...command.args.map((a): [string, unknown] => ['an argument', a]),
    ...(['objdump', 'buildidList', 'beforeObjdump', 'afterObjdump'] as const).flatMap((k): [string, unknown][] =>
      Array.isArray(o[k]) ? (o[k] as unknown[]).map((v): [string, unknown] => [`--${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`, v]) : [],
    ),
  ];
  const readers = new Map<string, number>();
  for (const [where, v] of inputs) if (v === '-') readers.set(where, (readers.get(where) ?? 0) + 1);
  const times = [...readers.values()].reduce((a, b) => a + b, 0);
  if (times > 1) {
    const places = [...readers].map(([where, n]) => (n === 1 ? where : where === 'an argument' ? `${n} arguments` : `${where} ${n} times`)).join(', ');
    throw new UsageError(`- (stdin) is given ${times} times (${places}): stdin can be read once; save all but one input to a file`);
  }
}

export function handleError(e: unknown, io: CliIo, debug: boolean): number {
  if (e instanceof CommanderError) {
    // help and version exit 0; commander has already printed its message
    return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (e instanceof UsageError) {
    say(io, e.message);
    return EXIT_USAGE;
  }
  if (e instanceof InputError) {
    say(io, e.message);
    return EXIT_INPUT;
  }
  if ((e as { code?: string }).code === 'EPIPE') return EXIT_OK;
  reportBug(e, io, debug);
  return EXIT_INTERNAL;
}
