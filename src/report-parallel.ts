// report on two cores: a big trace file is read and parsed in a worker thread
// (report-worker.ts) while this thread indexes the listings, then joins and
// aggregates the records as their batches arrive. The records met here are
// what readTrace's parser would have handed over, in the same order with the
// bad lines among them: the same frame object for a frame each time, the same
// array for a callchain met again. stdin, files under FAULTPATH_REPORT_PARALLEL_MIN,
// one core, and the TypeScript runner (the tests: no compiled worker) read in
// this thread. Measured on 2 cores (src/design-notes.md): the bench capture
// repeated to 1 GB as a file, ~25% less wall time for ~12% more CPU at the same
// peak RSS; on the 270 MB capture itself, no gain beyond the noise.
import type { Worker } from 'node:worker_threads';
import { InputError } from './errors.js';
import { normalizeRecord, type TraceEvent } from './events.js';
import type { Diagnostic, Frame, InputSummary, SampleRecord, TraceRecord } from './model.js';
import type { Progress } from './progress.js';
import { envNumber, threadCount, threadedFileSize } from './threads.js';
import { FRESH_STACK, ITEM_DOUBLES, ITEM_INTS, NEW_STACK, OBJECT, SAMPLE, type TraceJob, type TraceMessage } from './report-worker.js';

/** Traces smaller than this are read in this thread. Default: FAULTPATH_REPORT_PARALLEL_MIN, else 512 MiB (as collapse's threads). */
const DEFAULT_MIN_BYTES = 512 << 20;
/**
 * The worker's young generation: the parser's garbage dies young, and a small nursery is scavenged
 * often and cheaply (1 GB file: 4.6–5.1 s with V8's default, 4.0–4.4 s with 2–4 MB) and holds
 * ~25 MB less memory.
 */
const YOUNG_MB = 4;
/** Batches (4096 records, ~0.7 MB each) the worker may be ahead of this thread. */
const MAX_IN_FLIGHT = 8;

type Batch = Extract<TraceMessage, { type: 'batch' }>;
type End = Extract<TraceMessage, { type: 'end' }>;

/** A trace being read by a worker thread from the moment it is started. */
export class TraceWorker {
  private readonly queue: Batch[] = [];
  private end: End | undefined;
  private failure: Error | undefined;
  private consumer: { onEvent: (e: TraceEvent) => void; sink: (d: Diagnostic) => void; resolve: (s: InputSummary) => void; reject: (e: unknown) => void } | undefined;
  private readonly flight: Int32Array;
  private readonly frames: Frame[] = [];
  private readonly stacks: (readonly Frame[])[] = [];
  private readonly names: string[] = [];
  private records = 0;
  private bytesRead = 0;
  private done = false;

  private constructor(
    readonly path: string,
    private readonly worker: Worker,
    flight: SharedArrayBuffer,
    private readonly size: number,
  ) {
    this.flight = new Int32Array(flight);
    worker.on('message', (m: TraceMessage) => this.take(m));
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => {
      if (this.end === undefined && this.failure === undefined && !this.done) this.fail(new Error(`report worker for ${path} exited with code ${code}`));
    });
    // nothing waits on it until read(): an error elsewhere must not leave the process running
    worker.unref();
  }

  /** Starts reading `path` in a worker thread, or returns undefined where one thread does better (see the top). */
  static async start(path: string, options: { minBytes?: number } = {}): Promise<TraceWorker | undefined> {
    const size = threadedFileSize(path, threadCount(), options.minBytes ?? envNumber('FAULTPATH_REPORT_PARALLEL_MIN') ?? DEFAULT_MIN_BYTES);
    if (size === undefined) return undefined;
    const { Worker } = await import('node:worker_threads');
    const flight = new SharedArrayBuffer(4);
    const job: TraceJob = { path, inFlight: flight, maxInFlight: MAX_IN_FLIGHT };
    return new TraceWorker(path, new Worker(new URL('./report-worker.js', import.meta.url), { workerData: job, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB } }), flight, size);
  }

  /** Every record as an event to `onEvent`, bad lines to `sink`, in trace order; resolves with the input's summary. */
  read(onEvent: (e: TraceEvent) => void, diagnostics: { sink: (d: Diagnostic) => void }, progress?: Progress): Promise<InputSummary> {
    progress?.watch(() => ({ path: this.path, bytesRead: this.bytesRead, size: this.size, records: this.records }));
    return new Promise<InputSummary>((resolve, reject) => {
      this.worker.ref();
      this.consumer = { onEvent, sink: diagnostics.sink, resolve, reject };
      while (this.queue.length > 0 && this.consumer !== undefined) this.consume(this.queue.shift()!);
      this.settle();
    }).finally(async () => {
      progress?.stop();
      // its memory is given back before the report is built
      await this.close();
    });
  }

  /** Stops the worker (when the trace was not read, or is done). */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.worker.terminate();
  }

  private take(m: TraceMessage): void {
    if (m.type === 'batch') {
      if (this.consumer !== undefined && this.queue.length === 0) this.consume(m);
      else this.queue.push(m);
    } else if (m.type === 'end') {
      this.end = m;
    } else {
      this.fail(m.input ? new InputError(m.message) : new Error(m.message));
      return;
    }
    this.settle();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.settle();
  }

  // Resolves once every batch is consumed and the end has come; rejects on the first failure.
  private settle(): void {
    const c = this.consumer;
    if (c === undefined) return;
    if (this.failure !== undefined) {
      this.consumer = undefined;
      c.reject(this.failure);
    } else if (this.end !== undefined && this.queue.length === 0) {
      this.consumer = undefined;
      const e = this.end;
      c.resolve({ name: this.path, format: e.format as InputSummary['format'], lines: e.lines, records: e.records, ...(e.traceSummary.length > 0 ? { traceSummary: e.traceSummary as InputSummary['traceSummary'] } : {}) });
    }
  }

  private consume(b: Batch): void {
    const c = this.consumer!;
    for (const f of b.newFrames) this.frames.push(f);
    for (const n of b.newNames) this.names.push(n);
    const { ints, doubles, objects } = b;
    const text = Buffer.from(b.text.buffer, b.text.byteOffset, b.text.byteLength) as unknown as { utf8Slice(start: number, end: number): string };
    const frameIds = b.frames;
    const names = this.names;
    const source = this.path;
    let fi = 0;
    let ti = 0;
    let oi = 0;
    try {
      for (let i = 0; i < b.count; i++) {
        const at = i * ITEM_INTS;
        const tag = ints[at]!;
        const ref = ints[at + 7]!;
        let stack: readonly Frame[] | undefined;
        if (ref >= 0) stack = this.stacks[ref];
        else if (ref === NEW_STACK || ref === FRESH_STACK) {
          const n = frameIds[fi++]!;
          const s = new Array<Frame>(n);
          for (let k = 0; k < n; k++) s[k] = this.frames[frameIds[fi++]!]!;
          if (ref === NEW_STACK) this.stacks.push(s);
          stack = s;
        }
        if (tag === OBJECT) {
          const o = objects[oi++]!;
          if ('diagnostic' in o) {
            c.sink(o.diagnostic);
            continue;
          }
          const r = o.record as { -readonly [K in keyof TraceRecord]: TraceRecord[K] } & { stack?: readonly Frame[] };
          if (r.kind === 'sample') r.stack = stack!;
          c.onEvent(normalizeRecord(r as TraceRecord));
          continue;
        }
        const comm = names[ints[at + 5]!]!;
        const event = names[ints[at + 6]!]!;
        const payload = text.utf8Slice(ti, (ti += ints[at + 1]!));
        const d = i * ITEM_DOUBLES;
        const stackId = ints[at + 9]! >= 0 ? ints[at + 9]! : undefined;
        // the parser's two shapes, keys in its order
        const r: SampleRecord =
          tag === SAMPLE
            ? { kind: 'sample', source, line: doubles[d]!, comm, pid: ints[at + 2]!, tid: ints[at + 3]!, cpu: ints[at + 4]!, time: doubles[d + 1]!, period: doubles[d + 2]!, event, payload, stack: stack!, stackId }
            : { kind: 'sample', source, line: doubles[d]!, comm, pid: ints[at + 2]!, tid: ints[at + 3]!, cpu: ints[at + 4]!, time: doubles[d + 1]!, period: doubles[d + 2]!, event, payload, addr: text.utf8Slice(ti, (ti += ints[at + 8]!)), stack: stack!, stackId };
        c.onEvent(normalizeRecord(r));
      }
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
      this.queue.length = 0;
    }
    this.records += b.count - b.objects.length;
    this.bytesRead = b.bytesRead;
    Atomics.sub(this.flight, 0, 1);
    Atomics.notify(this.flight, 0);
  }
}
