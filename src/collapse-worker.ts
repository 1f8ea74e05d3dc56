// Worker thread of collapse-parallel.ts: collapses one byte range of a perf
// script file (starting at a record boundary) and posts back, per event, the
// stack totals and the record count, so the main thread can choose the event
// the serial collapse would have kept and merge the ranges.
import type { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { Collapser, NO_EVENT, collapseInput, type CollapseOptions } from './collapse.js';
import type { Diagnostic } from './model.js';
import { InputError } from './errors.js';

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
      /** Per event (NO_EVENT for headers that name none): records read, and stack totals when the event may be kept. */
      events: [event: string, records: number, totals: Map<string, number> | undefined][];
      skipped: number;
      examples: Diagnostic[];
    }
  | { type: 'error'; message: string; /** an InputError's */ input?: boolean };

const PROGRESS_EVERY = 8 << 20;

async function run(job: RangeJob): Promise<RangeMessage> {
  const filter = job.options.eventFilter;
  let skipped = 0;
  const examples: Diagnostic[] = [];
  const onDiagnostic = (d: Diagnostic): void => {
    if (skipped++ < job.maxExamples) examples.push(d);
  };
  // every event apart: which one the serial collapse keeps is known only when all ranges are read
  const collapser = new Collapser({ ...job.options, everyEvent: true, onDiagnostic });
  let bytes = 0;
  let reported = 0;
  const records = (): number => [...collapser.recordsPerEvent.values()].reduce((a, b) => a + b, 0);
  const progress = {
    track(stream: Readable): void {
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes - reported >= PROGRESS_EVERY) {
          reported = bytes;
          parentPort?.postMessage({ type: 'progress', bytes, records: records() } satisfies RangeMessage);
        }
      });
    },
    stop(): void {},
  };
  const { lines } = await collapseInput(job.path, collapser, { onDiagnostic, range: { start: job.start, end: job.end }, progress });
  parentPort?.postMessage({ type: 'progress', bytes, records: records() } satisfies RangeMessage);
  const firstEvent = collapser.keptEvent;
  return {
    type: 'result',
    lines,
    firstEvent,
    events: [...collapser.recordsPerEvent].map(([event, n]) => [event, n, filter === undefined || event === filter || event === NO_EVENT ? collapser.totals(event) : undefined]),
    skipped,
    examples,
  };
}

run(workerData as RangeJob).then(
  (result) => parentPort?.postMessage(result),
  (e: unknown) => parentPort?.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e), input: e instanceof InputError } satisfies RangeMessage),
);
