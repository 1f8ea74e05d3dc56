// Worker thread of collapse-parallel.ts: collapses one byte range of a perf
// script file (starting at a record boundary) and posts back, per event, the
// stack totals and the record count, so the main thread can choose the event
// the serial collapse would have kept and merge the ranges.
import type { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { perfScriptFormat } from '../parsers/index.js';
import { readInput } from '../parsers/input.js';
import { Collapser, type CollapseOptions } from './collapse.js';
import type { Diagnostic, TraceRecord } from './model.js';

/** What the main thread sends. */
export interface RangeJob {
  path: string;
  /** Byte range [start, end). */
  start: number;
  end: number;
  options: CollapseOptions;
  /** Diagnostics to send back in full; the rest are counted. */
  maxExamples: number;
}

/** What the worker posts: progress messages while reading, then one result. */
export type RangeMessage =
  | { type: 'progress'; bytes: number; records: number }
  | {
      type: 'result';
      lines: number;
      firstEvent: string | undefined;
      /** Per sample event: records read, and stack totals when the event was collapsed. */
      events: [event: string, records: number, totals: Map<string, number> | undefined][];
      skipped: number;
      examples: Diagnostic[];
    }
  | { type: 'error'; message: string };

const PROGRESS_EVERY = 8 << 20;

async function run(job: RangeJob): Promise<RangeMessage> {
  const filter = job.options.eventFilter;
  const collapsers = new Map<string, Collapser>();
  const records = new Map<string, number>();
  let firstEvent: string | undefined;
  let count = 0;
  let skipped = 0;
  const examples: Diagnostic[] = [];
  const onDiagnostic = (d: Diagnostic): void => {
    if (skipped++ < job.maxExamples) examples.push(d);
  };
  const onRecord = (r: TraceRecord): void => {
    count++;
    if (r.kind !== 'sample') return;
    const n = records.get(r.event);
    if (n === undefined) {
      const event = (' ' + r.event).slice(1); // own copy, not a slice of the chunk
      firstEvent ??= event;
      records.set(event, 1);
      if (filter === undefined || event === filter) collapsers.set(event, new Collapser({ ...job.options, eventFilter: event }));
    } else {
      records.set(r.event, n + 1);
    }
    collapsers.get(r.event)?.add(r);
  };
  let bytes = 0;
  let reported = 0;
  const progress = {
    track(stream: Readable): void {
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes - reported >= PROGRESS_EVERY) {
          reported = bytes;
          parentPort?.postMessage({ type: 'progress', bytes, records: count } satisfies RangeMessage);
        }
      });
    },
    stop(): void {},
  };
  const { lines } = await readInput(job.path, { formats: [perfScriptFormat], onRecord, onDiagnostic, range: { start: job.start, end: job.end }, progress });
  parentPort?.postMessage({ type: 'progress', bytes, records: count } satisfies RangeMessage);
  return {
    type: 'result',
    lines,
    firstEvent,
    events: [...records].map(([event, n]) => [event, n, collapsers.get(event)?.totals()]),
    skipped,
    examples,
  };
}

run(workerData as RangeJob).then(
  (result) => parentPort?.postMessage(result),
  (e: unknown) => parentPort?.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) } satisfies RangeMessage),
);
