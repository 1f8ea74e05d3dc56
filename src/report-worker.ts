// Worker thread of report-parallel.ts: reads one trace file with the parser of
// its format (parsers/input.ts, as readTrace does) and sends its records to the
// main thread in batches (report-batch.ts), in order, while the main thread
// joins and aggregates the ones before.
import type { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { TRACE_FORMATS } from '../parsers/index.js';
import { readInput } from '../parsers/input.js';
import { PerfTraceParser } from '../parsers/perf-trace.js';
import { handRecordsReused } from '../parsers/perf-script.js';
// loaded before readInput asks for it: a gzip error while readInput waited for this import went unseen (the read never ended)
import '../parsers/sniff.js';
import { BatchEncoder, newBatchRing, type Batch, type BatchRing } from './report-batch.js';
import { InputError } from './errors.js';

/** What the main thread sends. */
export interface TraceJob {
  path: string;
  /** The batches this worker may be ahead of the main thread. */
  slots: number;
}

// The ring comes first: the worker makes it (the main thread loads the batch code only when it reads).
export type TraceMessage =
  | { type: 'ring'; ring: BatchRing }
  | ({ type: 'batch' } & Batch)
  | { type: 'end'; format: string; lines: number; records: number; traceSummary: readonly unknown[] }
  | { type: 'error'; message: string; input: boolean };

async function run(job: TraceJob): Promise<TraceMessage> {
  const port = parentPort!;
  // the encoder copies each record as it comes: the parser need not make one object per record
  handRecordsReused();
  const ring = newBatchRing(job.slots);
  port.postMessage({ type: 'ring', ring } satisfies TraceMessage);
  const encoder = new BatchEncoder(ring, (b) => port.postMessage({ type: 'batch', ...b } satisfies TraceMessage));
  const progress = {
    track(stream: Readable): void {
      stream.on('data', (chunk: Buffer) => (encoder.bytesRead += chunk.length));
    },
    stop(): void {},
  };
  const read = await readInput(job.path, { formats: TRACE_FORMATS, onRecord: encoder.record, onDiagnostic: encoder.diagnostic, progress });
  encoder.post();
  const traceSummary = read.parser instanceof PerfTraceParser ? read.parser.summary : [];
  return { type: 'end', format: read.format, lines: read.lines, records: read.records, traceSummary };
}

// (report-parallel.ts imports the protocol above in the main thread)
if (parentPort !== null && (workerData as TraceJob | undefined)?.slots !== undefined) {
  const port = parentPort;
  run(workerData as TraceJob).then(
    (end) => port.postMessage(end),
    (e: unknown) => port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e), input: e instanceof InputError } satisfies TraceMessage),
  );
}
