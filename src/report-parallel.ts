// report on two cores: a big trace file is read and parsed in a worker thread
// (report-worker.ts) while this thread indexes the listings, then joins and
// aggregates the records as their batches arrive (report-batch.ts). The
// records met here are what readTrace's parser would have handed over, in the
// same order with the bad lines among them: the same frame object for a frame
// each time, the same array for a callchain met again. stdin, traces of less
// than FAULTPATH_REPORT_PARALLEL_MIN bytes of text, one core, and the
// TypeScript runner (the tests: no compiled worker) read in this thread.
// This module loads before the CLI's (src/cli/main.ts starts the first
// trace's worker with it): it imports no parser and no batch code.
// Measured on 2 cores (src/design-notes.md): ~15% less wall time from ~190 MB
// of text up (the bench capture, its .gz, 1 GB), for ~15% more CPU and ~10 MB.
import { closeSync, openSync, readSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { InputError } from './errors.js';
import type { TraceEvent } from './events.js';
import type { Diagnostic, InputSummary } from './model.js';
import type { Progress } from './progress.js';
import { envNumber, keepYoungSmallPast, threadCount, threadedFileSize } from './threads.js';
import type { BatchDecoder, BatchRing } from './report-batch.js';
import type { TraceJob, TraceMessage } from './report-worker.js';

/**
 * Traces of less text than this are read in this thread. Default: FAULTPATH_REPORT_PARALLEL_MIN,
 * else 192 MiB (the bench capture cut: 128 MiB as fast either way, 192 MiB and up faster with the worker).
 */
const DEFAULT_MIN_BYTES = 192 << 20;
/**
 * The worker's young generation: the parser's garbage dies young, and a small nursery is scavenged
 * often and cheaply (1 GB file: 4.6–5.1 s with V8's default, 4.0–4.4 s with 2–4 MB) and holds
 * ~25 MB less memory.
 */
const YOUNG_MB = 4;
/**
 * Batches (4096 records, ~0.6 MB of shared memory each) the worker may be ahead of this thread.
 * The first batches bring most of a trace's distinct stacks, and this thread's code is not
 * compiled yet: it takes ~8× longer per batch there than later, so the worker gets ~25 batches
 * ahead; with fewer slots it waited (~0.3 s on the bench capture), then this thread waited for it.
 */
const MAX_IN_FLIGHT = 32;

type Batch = Extract<TraceMessage, { type: 'batch' }>;
type End = Extract<TraceMessage, { type: 'end' }>;

/** Workers started before anything asked for them (startEarly), by path, until start() takes them. */
const early = new Map<string, Promise<TraceWorker | undefined>>();

/** A trace being read by a worker thread from the moment it is started. */
export class TraceWorker {
  private readonly queue: Batch[] = [];
  private end: End | undefined;
  private failure: Error | undefined;
  private consumer: { onEvent: (e: TraceEvent) => void; sink: (d: Diagnostic) => void; idle: (() => void) | undefined; resolve: (s: InputSummary) => void; reject: (e: unknown) => void } | undefined;
  /** The worker's shared memory, its first message. */
  private ring: BatchRing | undefined;
  /** Made by read() (which loads its module): until the read is done, its frames, callchains and the ring go with it. */
  private decoder: BatchDecoder | undefined;
  private newDecoder: ((ring: BatchRing, source: string) => BatchDecoder) | undefined;
  private records = 0;
  private bytesRead = 0;
  private done = false;

  private constructor(
    readonly path: string,
    private readonly worker: Worker,
    private readonly size: number,
  ) {
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
    const started = early.get(path);
    if (started !== undefined && options.minBytes === undefined) {
      early.delete(path);
      return started;
    }
    const size = threadedFileSize(path, threadCount(), 0);
    if (size === undefined || textSize(path, size) < (options.minBytes ?? envNumber('FAULTPATH_REPORT_PARALLEL_MIN') ?? DEFAULT_MIN_BYTES)) return undefined;
    const { Worker } = await import('node:worker_threads');
    // the worker makes the ring: this thread loads the batch code only when it reads (read())
    const job: TraceJob = { path, slots: MAX_IN_FLIGHT };
    const worker = new Worker(new URL('./report-worker.js', import.meta.url), { workerData: job, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB } });
    keepYoungSmallPast(worker);
    return new TraceWorker(path, worker, size);
  }

  /**
   * Starts `path`'s worker now, for the next start(path) to take: the CLI
   * calls it before its own modules load, so that the worker's start-up
   * (~150 ms) is spent while this thread loads them and reads the listings.
   * An error is kept for the read; closeEarly stops a worker nobody took.
   */
  static startEarly(path: string): void {
    if (early.has(path)) return;
    const started = TraceWorker.start(path);
    // (its error, if any, is the read's: start(path) hands it over)
    started.catch(() => undefined);
    early.set(path, started);
  }

  /** Stops the workers startEarly started that no start() took (the command failed or read other inputs). */
  static async closeEarly(): Promise<void> {
    const left = [...early.values()];
    early.clear();
    await Promise.all(left.map((p) => p.then((w) => w?.close(), () => undefined)));
  }

  /**
   * Every record as an event to `onEvent`, bad lines to `sink`, in trace order; resolves with the input's summary.
   * `idle` is called when this thread has decoded every batch the worker sent, before the read ends.
   * A fault's event is filled in again for the next fault (BatchDecoder.decode): `onEvent` copies what it keeps.
   */
  async read(onEvent: (e: TraceEvent) => void, diagnostics: { sink: (d: Diagnostic) => void }, progress?: Progress, idle?: () => void): Promise<InputSummary> {
    progress?.watch(() => ({ path: this.path, bytesRead: this.bytesRead, size: this.size, records: this.records }));
    try {
      const { BatchDecoder } = await import('./report-batch.js');
      this.newDecoder = (ring, source) => new BatchDecoder(ring, source);
    } catch (e) {
      progress?.stop();
      void this.close();
      throw e;
    }
    return new Promise<InputSummary>((resolve, reject) => {
      this.worker.ref();
      this.consumer = { onEvent, sink: diagnostics.sink, idle, resolve, reject };
      while (this.queue.length > 0 && this.consumer !== undefined) this.consume(this.queue.shift()!);
      this.settle();
    }).finally(() => {
      progress?.stop();
      // its memory is given back while the report is built: this thread does not wait for the
      // worker's isolate to be torn down (~13-15 ms on the loaded machine), which cannot fail
      void this.close();
    });
  }

  /** Stops the worker (when the trace was not read, or is done). */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.decoder = undefined;
    this.ring = undefined;
    this.queue.length = 0;
    await this.worker.terminate();
  }

  private take(m: TraceMessage): void {
    if (this.done) return;
    if (m.type === 'ring') {
      this.ring = m.ring;
      return;
    }
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
    try {
      this.decoder ??= this.newDecoder!(this.ring!, this.path);
      this.decoder.decode(b, c.onEvent, c.sink);
      // caught up (no batch sent and not decoded, the end not come): the worker is the one behind
      if (c.idle !== undefined && this.end === undefined && this.decoder.inFlight() === 0) c.idle();
    } catch (e) {
      this.fail(e instanceof Error ? e : new Error(String(e)));
      this.queue.length = 0;
    }
    this.records += b.count - b.objects.length;
    this.bytesRead = b.bytesRead;
  }
}

/**
 * The bytes of text in a trace file of `size` bytes: a gzip file's uncompressed size as its
 * trailer gives it (modulo 4 GiB, of the last member: at least that much), else its size.
 */
export function textSize(path: string, size: number): number {
  if (size < 18) return size;
  const head = Buffer.alloc(4);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return size;
  }
  try {
    if (readSync(fd, head, 0, 2, 0) !== 2 || head[0] !== 0x1f || head[1] !== 0x8b) return size;
    if (readSync(fd, head, 0, 4, size - 4) !== 4) return size;
    return Math.max(size, head.readUInt32LE(0));
  } catch {
    return size;
  } finally {
    closeSync(fd);
  }
}
