// Filters that match nothing. `--event page_faults` or `--comm nosuch` used
// to give an empty report and exit 0, as if the program never faulted; the
// CLI asks buildReport to make that an input error that lists what the trace
// has and the closest names.
import { basename } from './dso.js';
import { describeUnmatched, type UnmatchedFilter } from './suggest.js';

/** What the records a filter looks at hold: commands, processes, threads and their time span. */
export class FilterWitness {
  readonly comms = new Map<string, number>();
  readonly pids = new Map<string, number>();
  readonly tids = new Map<string, number>();
  first = Infinity;
  last = -Infinity;

  note(comm: string, pid: number, tid: number, time: number): void {
    this.comms.set(comm, (this.comms.get(comm) ?? 0) + 1);
    // -1: printed without one (perf script -F without pid/tid)
    if (pid >= 0) this.pids.set(String(pid), (this.pids.get(String(pid)) ?? 0) + 1);
    if (tid >= 0) this.tids.set(String(tid), (this.tids.get(String(tid)) ?? 0) + 1);
    if (time < this.first) this.first = time;
    if (time > this.last) this.last = time;
  }
}

export interface FilterValues {
  events?: readonly string[] | undefined;
  comms?: readonly string[] | undefined;
  pids?: readonly number[] | undefined;
  tids?: readonly number[] | undefined;
  dsos?: readonly string[] | undefined;
  symbols?: readonly string[] | undefined;
  timeStart?: number | undefined;
  timeEnd?: number | undefined;
}

/**
 * The filter values that match no record: each `--event` against every event
 * in the trace; `--comm`, `--pid`, `--tid`, `--time` against the records of
 * the chosen events; `--dso`, `--symbol` against their faulting instructions.
 * One sentence each; empty when every value matches something.
 */
export function unmatchedFilters(
  o: FilterValues,
  events: Record<string, number>,
  witness: FilterWitness,
  present: { dsos: ReadonlyMap<string, number>; symbols: ReadonlyMap<string, number> },
  recordsOf: string,
): string[] {
  const out: UnmatchedFilter[] = [];
  const check = (option: string, values: readonly (string | number)[] | undefined, have: ReadonlyMap<string, number>, what: string, matches = (v: string) => have.has(v)): void => {
    for (const v of values ?? []) if (!matches(String(v))) out.push({ option, value: String(v), present: have, what, suggest: typeof v === 'string' });
  };
  check('--event', o.events, new Map(Object.entries(events)), 'events in the trace');
  if (out.length > 0) return out.map((u) => describeUnmatched(u)); // the other filters saw no records of it
  check('--comm', o.comms, witness.comms, `commands among the ${recordsOf} records`);
  check('--pid', o.pids, witness.pids, `processes among the ${recordsOf} records`);
  check('--tid', o.tids, witness.tids, `threads among the ${recordsOf} records`);
  const dsoNames = new Set([...present.dsos.keys()].flatMap((d) => [d, basename(d)]));
  check('--dso', o.dsos, present.dsos, `dsos of the faulting instructions`, (v) => dsoNames.has(v));
  check('--symbol', o.symbols, present.symbols, `functions of the faulting instructions`);
  const sentences = out.map((u) => describeUnmatched(u));
  if (o.timeStart !== undefined || o.timeEnd !== undefined) {
    const start = o.timeStart ?? -Infinity;
    const end = o.timeEnd ?? Infinity;
    if (witness.first > witness.last || end < witness.first || start > witness.last || start > end) {
      const window = `${o.timeStart ?? ''},${o.timeEnd ?? ''}`;
      const span = witness.first <= witness.last ? `the ${recordsOf} records span ${witness.first.toFixed(6)} to ${witness.last.toFixed(6)} s` : `the trace has no ${recordsOf} records`;
      sentences.push(`--time ${window} matches nothing in the trace (${span})`);
    }
  }
  return sentences;
}
