// collapse on every core: a big plain perf script file is cut at record
// boundaries (blank lines) into one byte range per worker thread; each worker
// collapses its range per event, and the ranges are merged here into what the
// serial collapse prints. Inputs that cannot be cut this way (stdin, .gz, small
// files, output without blank lines between records) return undefined: the
// caller collapses them in one thread.
import { closeSync, openSync, readSync } from 'node:fs';
import type { CollapseOptions } from './collapse.js';
import { NO_EVENT, foldedLines } from './collapse.js';
import { piecesOf } from './collapse-fold.js';
import { envNumber, threadCount, threadedFileSize } from './threads.js';
import type { RangeJob, RangeMessage } from './collapse-worker.js';
import type { Diagnostic } from './model.js';
import { InputError } from './errors.js';

export interface ParallelOptions {
  /** Worker threads. Default: FAULTPATH_THREADS, else the cores available, at most 4. 1 turns this off. */
  threads?: number;
  /**
   * Files smaller than this are collapsed in one thread. Default: FAULTPATH_PARALLEL_MIN, else 512 MiB
   * (below it the threads gain nothing measurable: src/design-notes.md).
   */
  minBytes?: number;
  /** Diagnostics to keep in full. Default 5. */
  maxExamples?: number;
  /** Called as the workers read: bytes read and records parsed so far, over all ranges. */
  onProgress?: (bytes: number, records: number) => void;
}

export interface CollapseResult {
  /** The folded lines, sorted, each ended by a newline: latin1 text in pieces of whole lines. */
  folded: string[];
  droppedEvents: Record<string, number>;
  /** Lines that fit no known shape, and the first few of them with their line numbers in the whole file. */
  skipped: number;
  examples: Diagnostic[];
}

const MAX_THREADS = 4;
/** How far past a cut point to look for the blank line that ends a record. */
const BOUNDARY_WINDOW = 1 << 20;
const GZIP_MAGIC = [0x1f, 0x8b];

/** Collapses `path` in worker threads, or returns undefined when it should be done in one thread. */
export async function collapseInParallel(path: string, options: CollapseOptions, parallel: ParallelOptions = {}): Promise<CollapseResult | undefined> {
  const threads = Math.min(MAX_THREADS, threadCount(parallel.threads));
  const size = threadedFileSize(path, threads, parallel.minBytes ?? envNumber('FAULTPATH_PARALLEL_MIN') ?? 512 << 20);
  if (size === undefined) return undefined;
  const cuts = recordBoundaries(path, size, threads);
  if (cuts === undefined) return undefined;

  const { Worker } = await import('node:worker_threads'); // loaded only when threads run (start-up)
  const maxExamples = parallel.maxExamples ?? 5;
  const bytes = new Array<number>(cuts.length - 1).fill(0);
  const records = new Array<number>(cuts.length - 1).fill(0);
  const results = await Promise.all(
    cuts.slice(0, -1).map((start, i) =>
      runRange(Worker, { path, start, end: cuts[i + 1] as number, options, maxExamples }, (b, r) => {
        bytes[i] = b;
        records[i] = r;
        parallel.onProgress?.(sum(bytes), sum(records));
      }),
    ),
  );

  // The serial collapse keeps the filter's event, else the first sample's.
  const kept = options.eventFilter ?? results.find((r) => r.firstEvent !== undefined)?.firstEvent;
  const totals = new Map<string, number>();
  const droppedEvents: Record<string, number> = {};
  const examples: Diagnostic[] = [];
  let skipped = 0;
  let lineBase = 0;
  for (const r of results) {
    for (const [event, n, t] of r.events) {
      if (event === kept || event === NO_EVENT) {
        for (const [stack, v] of t ?? []) totals.set(stack, (totals.get(stack) ?? 0) + v);
      } else {
        droppedEvents[event] = (droppedEvents[event] ?? 0) + n;
      }
    }
    for (const d of r.examples) if (examples.length < maxExamples) examples.push({ ...d, line: d.line + lineBase });
    skipped += r.skipped;
    lineBase += r.lines;
  }
  return { folded: piecesOf(foldedLines(totals)), droppedEvents, skipped, examples };
}

type RangeResult = Extract<RangeMessage, { type: 'result' }>;

function runRange(Worker: typeof import('node:worker_threads').Worker, job: RangeJob, onProgress: (bytes: number, records: number) => void): Promise<RangeResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./collapse-worker.js', import.meta.url), { workerData: job });
    let done = false;
    worker.on('message', (m: RangeMessage) => {
      if (m.type === 'progress') onProgress(m.bytes, m.records);
      else if (m.type === 'error') {
        done = true;
        reject(m.input === true ? new InputError(m.message) : new Error(m.message));
      } else {
        done = true;
        resolve(m);
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (!done) reject(new Error(`collapse worker for bytes ${job.start}-${job.end} exited with code ${code}`));
    });
  });
}

/**
 * Byte offsets [0, c1, …, size] cutting the file into `parts` ranges, each cut
 * just after a blank line (where perf script ends a record). Undefined for
 * gzip data or when a window holds no blank line.
 */
export function recordBoundaries(path: string, size: number, parts: number): number[] | undefined {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    readSync(fd, head, 0, 2, 0);
    if (head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) return undefined;
    const cuts = [0];
    const window = Buffer.alloc(BOUNDARY_WINDOW);
    for (let i = 1; i < parts; i++) {
      const from = Math.max(Math.floor((size * i) / parts), cuts[cuts.length - 1] as number);
      const n = readSync(fd, window, 0, BOUNDARY_WINDOW, from);
      const at = blankLineEnd(window.subarray(0, n));
      if (at < 0) return undefined;
      if (from + at < size) cuts.push(from + at);
    }
    cuts.push(size);
    return cuts;
  } finally {
    closeSync(fd);
  }
}

// Offset just past the first `\n\n` or `\n\r\n`, -1 when there is none.
function blankLineEnd(buf: Buffer): number {
  for (let i = buf.indexOf(10); i >= 0 && i + 1 < buf.length; i = buf.indexOf(10, i + 1)) {
    if (buf[i + 1] === 10) return i + 2;
    if (buf[i + 1] === 13 && buf[i + 2] === 10) return i + 3;
  }
  return -1;
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
