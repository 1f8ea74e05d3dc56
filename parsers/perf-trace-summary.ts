// perf trace -s / -S summary tables (trace__fprintf_thread_summary): the
// lines that tell them from event lines, and what they say.
import type { TraceSummaryThread } from './records.js';

// The tables, quoted with their blank lines:
//
//  Summary of events:
//
//  prot (14311), 68 events, 68.0%
//
//    syscall            calls  errors  total       min       avg       max       stddev
//                                      (msec)    (msec)    (msec)    (msec)        (%)
//    --------------- --------  ------ -------- --------- --------- ---------     ------
//    mprotect              13      3     0.578     0.008     0.044     0.148     24.03%
// 				EACCES: 1
// Older perf printed no errors column; --sched adds `, N msec`; -F adds fault counts.
const SUMMARY_UNITS = /^ +\(msec\)/;
const SUMMARY: readonly RegExp[] = [
  /^ Summary of events:$/,
  /^ .* \(\d+\), \d+ events, \d+(?:\.\d+)?%(?:, \d+ majfaults)?(?:, \d+ minfaults)?(?:, \d+(?:\.\d+)? msec)?$/s,
  /^ +syscall +calls +/,
  SUMMARY_UNITS,
  /^ +-{3,}[ -]*$/,
  /^ +[A-Za-z_][A-Za-z0-9_]*(?: +\d+(?:\.\d+)?){5,6} +\d+(?:\.\d+)?%$/,
  /^\t+[A-Z0-9_]+: \d+$/,
  // --tool_stats
  /^Stats:$/,
  /^ +(?:vfs_getname|proc_getname) *: \d+$/,
  // `perf trace record` run with its messages in the same file
  /^\[ perf record: .*\]$/s,
];

/** A line of a summary table (or another non-event line perf trace prints: --tool_stats, perf record's messages). */
export function isSummaryLine(t: string): boolean {
  return SUMMARY.some((re) => re.test(t));
}

/** The table's `(msec)` units line, indented and parenthesised like a callchain frame. */
export function isSummaryUnits(t: string): boolean {
  return SUMMARY_UNITS.test(t);
}

const SUMMARY_THREAD = /^ (.*) \((\d+)\), (\d+) events, (\d+(?:\.\d+)?)%(?:, (\d+) majfaults)?(?:, (\d+) minfaults)?(?:, (\d+(?:\.\d+)?) msec)?$/s;
const SUMMARY_ROW = /^ +([A-Za-z_][A-Za-z0-9_]*) +(\d+)(?: +(\d+))? +(\d+(?:\.\d+)?) +(\d+(?:\.\d+)?) +(\d+(?:\.\d+)?) +(\d+(?:\.\d+)?) +(\d+(?:\.\d+)?)%$/;
const SUMMARY_ERRNO = /^\t+([A-Z0-9_]+): (\d+)$/;

// Keeps what a summary line says: a thread's counts, a syscall row, an errno under it.
export function readSummaryLine(t: string, threads: TraceSummaryThread[]): void {
  const th = SUMMARY_THREAD.exec(t);
  if (th !== null) {
    threads.push({
      comm: th[1]!,
      tid: Number(th[2]),
      events: Number(th[3]),
      percent: Number(th[4]),
      ...(th[5] !== undefined ? { majfaults: Number(th[5]) } : {}),
      ...(th[6] !== undefined ? { minfaults: Number(th[6]) } : {}),
      ...(th[7] !== undefined ? { schedMsec: Number(th[7]) } : {}),
      syscalls: [],
    });
    return;
  }
  const thread = threads.at(-1);
  if (thread === undefined) return;
  const row = SUMMARY_ROW.exec(t);
  if (row !== null) {
    thread.syscalls.push({
      name: row[1]!,
      calls: Number(row[2]),
      ...(row[3] !== undefined ? { errors: Number(row[3]) } : {}),
      totalMsec: Number(row[4]),
      minMsec: Number(row[5]),
      avgMsec: Number(row[6]),
      maxMsec: Number(row[7]),
      stddevPercent: Number(row[8]),
    });
    return;
  }
  const errno = SUMMARY_ERRNO.exec(t);
  const call = thread.syscalls.at(-1);
  if (errno !== null && call !== undefined) (call.errnos ??= {})[errno[1]!] = Number(errno[2]);
}
