// When a file is worth worker threads: shared by collapse's and report's parallel paths.
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { Worker } from 'node:worker_threads';

/** A number from the environment, or undefined when unset, blank or not a number. */
export function envNumber(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Threads to use: `wanted`, else FAULTPATH_THREADS, else the machine's. */
export function threadCount(wanted?: number): number {
  return wanted ?? envNumber('FAULTPATH_THREADS') ?? availableParallelism();
}

/**
 * The size of `path` when threads should read it: a regular file of at least
 * `minBytes`, read by compiled code (under a TypeScript runner, the tests, there is
 * no compiled worker to start), with two threads or more. Undefined otherwise,
 * a missing file included: the one-thread path reports it.
 */
export function threadedFileSize(path: string, threads: number, minBytes: number): number | undefined {
  if (import.meta.url.endsWith('.ts') || path === '-' || threads < 2) return undefined;
  let size: number;
  try {
    const s = statSync(path);
    if (!s.isFile()) return undefined;
    size = s.size;
  } catch {
    return undefined;
  }
  return size < minBytes ? undefined : size;
}

const SMALL_YOUNG = '--semi-space-growth-factor=1';
let youngSmall = false;

/**
 * V8's young generation stays at its first size (1 MiB semi-spaces) instead of growing to 16: what
 * outlives a scavenge here is mostly the report's own data, promoted sooner. Set by the CLI (a
 * process-wide flag, not a library's to set).
 */
export function keepYoungSmall(): void {
  youngSmall = true;
  setFlagsFromString(SMALL_YOUNG);
}

/**
 * Keeps the young generation small (keepYoungSmall) past `worker`'s start: V8 puts the growth factor
 * back to its least, 2, when it sizes a new isolate's heap, and the main thread's nursery then grew
 * to 16 MiB semi-spaces while it joined a trace's batches (bench capture html: ~6k of ~51k page faults).
 */
export function keepYoungSmallPast(worker: Worker): void {
  if (youngSmall) worker.once('online', () => setFlagsFromString(SMALL_YOUNG));
}
