// A capture folder, as `faultpath record` writes it:
//   manifest.json        what ran, versions, the files below, each dso with its build id and listing
//   perf.data            perf's own recording (perf report -i works on it)
//   perf-script.txt[.gz] perf script with task and mmap events
//   buildid-list.txt     perf buildid-list
//   listings/NAME-BUILDID.objdump-dl.txt[.gz]  build-id note + objdump -dl, one per build
// `report DIR` (and sites, annotate, html) read it through readCapture.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.js';

export const MANIFEST = 'manifest.json';
export const MANIFEST_FORMAT = 'faultpath-capture/1';

export interface CaptureDso {
  /** The path perf printed for it. */
  path: string;
  buildId?: string;
  /** Size of the binary when recorded. */
  size?: number;
  /** The listing, relative to the folder. */
  listing?: string;
  /** The whole binary, or how many address ranges (functions, merged where adjacent) the listing holds. */
  ranges?: 'all' | number;
  /** Why it has no listing. */
  missing?: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  faultpath: string;
  /** The command that ran, or the processes attached to. */
  command?: string[];
  pids?: number[];
  durationSeconds?: number;
  cwd: string;
  started: string;
  seconds: number;
  /** The program's exit status, or the signal that ended it. */
  exit: { status?: number; signal?: string };
  host: { kernel: string; machine: string };
  versions: Record<string, string>;
  perfRecord: string[];
  perfScript: string[];
  files: { trace: string; perfData?: string; buildIds?: string; sizes: Record<string, number> };
  dsos: CaptureDso[];
  /** What the recording lacks, as the checks said it. */
  warnings: string[];
}

export interface Capture {
  dir: string;
  manifest: Manifest;
  trace: string;
  buildIdLists: string[];
  listings: string[];
  /** dsos with no listing in the folder: an `--objdump auto` may find them here. */
  unlisted: CaptureDso[];
}

/** Whether a path is a capture folder (a directory with a manifest). */
export async function isCaptureDir(path: string): Promise<boolean> {
  const s = await stat(path).catch(() => undefined);
  if (s?.isDirectory() !== true) return false;
  return (await stat(join(path, MANIFEST)).catch(() => undefined))?.isFile() === true;
}

export async function readCapture(dir: string): Promise<Capture> {
  const at = join(dir, MANIFEST);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(at, 'utf8')) as Manifest;
  } catch (e) {
    throw new InputError(`${at}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no manifest: expected a folder written by faultpath record' : `not a capture manifest (${(e as Error).message})`}`);
  }
  if (manifest.format !== MANIFEST_FORMAT || typeof manifest.files?.trace !== 'string' || !Array.isArray(manifest.dsos)) {
    throw new InputError(`${at}: not a capture manifest (expected format ${MANIFEST_FORMAT} with files.trace and dsos)`);
  }
  const listings = [...new Set(manifest.dsos.flatMap((d) => (d.listing !== undefined ? [join(dir, d.listing)] : [])))];
  return {
    dir,
    manifest,
    trace: join(dir, manifest.files.trace),
    buildIdLists: manifest.files.buildIds !== undefined ? [join(dir, manifest.files.buildIds)] : [],
    listings,
    unlisted: manifest.dsos.filter((d) => d.listing === undefined),
  };
}
