// When a file is worth worker threads: shared by collapse's and report's parallel paths.
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';

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
