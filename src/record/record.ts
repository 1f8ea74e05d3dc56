// `faultpath record`: the checks, `perf record` of the events the analysis
// reads, then everything the analysis needs beside the trace, into one folder
// (see capture.ts for its layout). The program's output and exit status pass
// through; Ctrl-C stops the program (perf record sends it SIGTERM) and the
// capture is still written.
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { arch, release } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { constants } from 'node:os';
import { createGzip } from 'node:zlib';
import { InputError } from '../errors.js';
import { findBinary } from './auto.js';
import { readElf } from './elf.js';
import { MANIFEST, MANIFEST_FORMAT, type CaptureDso, type Manifest } from './capture.js';
import { neededRanges, scanTraces, writeListing } from './listings.js';
import { checkRecording, systemProbe, type Preflight, type Probe } from './preflight.js';

export interface RecordOptions {
  /** The program and its arguments; empty with `pids`. */
  command: readonly string[];
  /** Attach to these processes instead of starting one. */
  pids?: readonly number[];
  /** With `pids`: stop after this many seconds (default: at Ctrl-C). */
  durationSeconds?: number;
  /** The capture folder. */
  output: string;
  /** Frame pointers (default) or DWARF unwinding (sees through code built without frame pointers, bigger capture). */
  callGraph?: 'fp' | 'dwarf';
  /** faultpath's version, for the manifest. */
  version: string;
  /** Progress and results, one line each (the CLI writes them to stderr). */
  say: (line: string) => void;
  probe?: Probe;
}

export interface RecordResult {
  /** The program's exit status (128 + signal number when a signal ended it). */
  exitCode: number;
  manifest: Manifest;
}

/** Files bigger than this are gzipped. */
const GZIP_ABOVE = 256 * 1024;
/** The fields the analysis reads (PERF-NOTES 1: `-F +pid` alone would drop the tracepoints' callchains). */
export const SCRIPT_FIELDS = 'comm,pid,tid,cpu,time,event,trace,ip,sym,symoff,dso,addr';

/**
 * Frame-pointer chains stop inside libc (PERF-NOTES 3): an mmap made by malloc,
 * or called from main (whose caller libc reached by an indirect call), shows
 * as `__mmap+0x13 (libc.so.6)` with no caller, so the mapping calls (few beside
 * the faults) are unwound from a copy of the stack's top. mprotect keeps frame
 * pointers: its wrapper is called directly, and the [inferred] repair names the
 * caller; the report says when it cannot.
 */
const DWARF_EVENTS = /^syscalls:sys_enter_(?:mmap|munmap|mremap|brk)$/;
/** Bytes of stack each of those records carries: the wrapper's caller and the runtime frames above it. */
const DWARF_STACK = 8192;

function withCallGraph(event: string): string {
  return DWARF_EVENTS.test(event) ? `${event}/call-graph=dwarf,stack-size=${DWARF_STACK}/` : event;
}

/**
 * Whether the program recorded is Go's: the command's file (looked up in PATH
 * as the shell would), or the first attached process's executable. Go keeps
 * frame pointers through its runtime and writes no .eh_frame, and perf's DWARF
 * unwinding stops at the first Go frame (samples/go: one frame for every mmap).
 */
async function isGoProgram(options: RecordOptions): Promise<boolean> {
  let path: string | undefined;
  if (options.pids !== undefined && options.pids.length > 0) path = `/proc/${options.pids[0]}/exe`;
  else {
    const cmd = options.command[0];
    if (cmd === undefined) return false;
    if (cmd.includes('/')) path = resolve(cmd);
    else {
      for (const dir of (process.env['PATH'] ?? '').split(':')) {
        const candidate = join(dir || '.', cmd);
        if ((await stat(candidate).catch(() => undefined))?.isFile() === true) {
          path = candidate;
          break;
        }
      }
    }
  }
  return path !== undefined && (await readElf(path))?.go === true;
}

export async function record(options: RecordOptions): Promise<RecordResult> {
  const probe = options.probe ?? systemProbe;
  const checks = await checkRecording(probe);
  if (checks.errors.length > 0) throw new InputError(`cannot record:\n  - ${checks.errors.join('\n  - ')}`, 'faultpath.record');
  for (const w of checks.warnings) options.say(`warning: ${w}`);
  const dir = resolve(options.output);
  await prepareDir(dir);

  // Ctrl-C reaches perf (from the terminal, or forwarded when only we got it);
  // once perf has ended it does not cut the capture short
  const run: { perf?: ChildProcess } = {};
  let told = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (run.perf !== undefined && run.perf.exitCode === null && run.perf.signalCode === null) run.perf.kill(signal);
    else if (!told) {
      told = true;
      options.say('finishing the capture: the trace is recorded, the listings take a few seconds more');
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await recordInto(dir, checks, options, run);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function recordInto(dir: string, checks: Preflight, options: RecordOptions, run: { perf?: ChildProcess }): Promise<RecordResult> {
  const perfData = join(dir, 'perf.data');
  const dwarf = options.callGraph === 'dwarf';
  const go = await isGoProgram(options);
  if (go && dwarf) options.say('warning: a Go program: perf\'s DWARF unwinding stops at the first Go frame (Go writes no .eh_frame), so the call chains will name no caller; Go keeps frame pointers, which the default (-g) unwinds');
  else if (go) options.say('a Go program: its frame pointers unwind every call, so the mapping calls are recorded with -g like the rest (perf\'s DWARF unwinding stops at Go code)');
  const recordArgs = ['record', '-q', '-o', perfData, ...checks.events.flatMap((e) => ['-e', dwarf || go ? e : withCallGraph(e)]), '-d'];
  // DWARF samples carry 8 KB of stack each: perf's default buffer loses most of them on a burst of faults
  recordArgs.push(...(dwarf ? ['--call-graph', 'dwarf', '-m', '16M'] : ['-g']));
  if (options.pids !== undefined && options.pids.length > 0) {
    recordArgs.push('-p', options.pids.join(','));
    if (options.durationSeconds !== undefined) recordArgs.push('--', 'sleep', String(options.durationSeconds));
  } else {
    recordArgs.push('--', ...options.command);
  }

  const started = new Date();
  run.perf = spawn('perf', recordArgs, { stdio: 'inherit' });
  const exit = await waitFor(run.perf);
  const seconds = (Date.now() - started.getTime()) / 1000;
  if ((await stat(perfData).catch(() => undefined)) === undefined) {
    throw new InputError(`perf record wrote no ${perfData} (exit ${exit.signal ?? exit.status}): see perf's message above`, 'faultpath.record');
  }

  options.say(`writing the capture into ${dir}`);
  // lost-event records tell the report its counts are short
  // --no-inline: a DWARF chain's leaf in libc is otherwise printed `__GI___mmap64+0x13 (inlined)`
  // with no dso (PERF-NOTES 4); perf's ELF symbol in its dso is what the listings name
  const scriptArgs = ['script', '-i', perfData, '-F', SCRIPT_FIELDS, '--show-task-events', '--show-mmap-events', '--show-lost-events', '--no-inline'];
  let trace = join(dir, 'perf-script.txt');
  // -F with `trace` makes perf say it ignores the field for non-tracepoint events: harmless (PERF-NOTES 1)
  const said = await runToFile('perf', scriptArgs, trace, (line) => !/^'trace' not valid for /.test(line));
  if (said) options.say(`perf script: ${said}`);
  trace = await gzipIfLarge(trace);
  const buildIds = join(dir, 'buildid-list.txt');
  await runToFile('perf', ['buildid-list', '-i', perfData], buildIds);

  const dsos = await listDsos(dir, trace, buildIds, checks.objdump, options.say);
  const files = [perfData, trace, buildIds, ...dsos.flatMap((d) => (d.listing !== undefined ? [join(dir, d.listing)] : []))];
  const sizes: Record<string, number> = {};
  for (const f of new Set(files)) sizes[f.slice(dir.length + 1)] = (await stat(f)).size;

  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    faultpath: options.version,
    ...(options.pids !== undefined && options.pids.length > 0 ? { pids: [...options.pids] } : { command: [...options.command] }),
    ...(options.durationSeconds !== undefined ? { durationSeconds: options.durationSeconds } : {}),
    cwd: process.cwd(),
    started: started.toISOString(),
    seconds,
    exit: exit.signal !== undefined ? { signal: exit.signal } : { status: exit.status },
    host: { kernel: release(), machine: arch() },
    versions: { ...checks.versions, node: process.version },
    perfRecord: ['perf', ...recordArgs.map((a) => (a === perfData ? 'perf.data' : a))],
    perfScript: ['perf', ...scriptArgs.map((a) => (a === perfData ? 'perf.data' : a))],
    files: { trace: basename(trace), perfData: 'perf.data', buildIds: 'buildid-list.txt', sizes },
    dsos,
    warnings: checks.warnings,
  };
  await writeFile(join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  const listed = dsos.filter((d) => d.listing !== undefined).length;
  const unlisted = dsos.length - listed;
  options.say(`capture: ${dir} (${formatBytes(total)}; ${listed} listing${listed === 1 ? '' : 's'}${unlisted > 0 ? `, ${unlisted} dso${unlisted === 1 ? '' : 's'} without` : ''})`);
  options.say(`analyse it with: faultpath report ${shellQuote(options.output)}   (also: sites, annotate, report -f html -o report.html)`);
  const signum = exit.signal !== undefined ? ((constants.signals as Record<string, number>)[exit.signal] ?? 0) : 0;
  return { exitCode: exit.signal !== undefined ? 128 + signum : exit.status, manifest };
}

/** A fresh folder: an earlier capture there moves to DIR.old, as perf moves perf.data; any other non-empty folder is refused. */
async function prepareDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw new InputError(`${dir}: cannot use as the capture folder: ${e.message}`);
  });
  if (entries !== undefined && entries.length > 0) {
    if (!entries.includes(MANIFEST)) throw new InputError(`${dir} exists and is not a capture folder: choose another with -o`);
    await rm(`${dir}.old`, { recursive: true, force: true });
    await rename(dir, `${dir}.old`);
  }
  await mkdir(dir, { recursive: true }).catch((e: Error) => {
    throw new InputError(`${dir}: cannot create the capture folder: ${e.message}`);
  });
}

/** perf record's end: perf passes the program's exit status on, and ends by the signal that ended the program. */
async function waitFor(child: ChildProcess): Promise<{ status: number; signal?: string }> {
  const [code, signal] = (await Promise.race([once(child, 'exit'), once(child, 'error').then(([e]) => {
    throw new InputError(`cannot start perf: ${(e as Error).message}`, 'faultpath.record');
  })])) as [number | null, NodeJS.Signals | null];
  return signal !== null ? { status: 128, signal } : { status: code ?? 0 };
}

/** Runs a command with stdout into a file; resolves with its stderr lines that `keep` accepts. Rejects on failure. */
async function runToFile(cmd: string, args: readonly string[], path: string, keep: (line: string) => boolean = () => true): Promise<string> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const closed = once(child, 'close') as Promise<[number | null]>;
  await pipeline(child.stdout, createWriteStream(path));
  const [code] = await closed;
  const message = stderr.split('\n').filter((l) => l.trim() !== '' && keep(l)).join('\n');
  if (code !== 0) throw new InputError(`${cmd} ${args.join(' ')} failed (exit ${code})${message ? `: ${message}` : ''}`, 'faultpath.record');
  return message;
}

async function gzipIfLarge(path: string): Promise<string> {
  if ((await stat(path)).size <= GZIP_ABOVE) return path;
  await pipeline(createReadStream(path), createGzip({ level: 6 }), createWriteStream(`${path}.gz`));
  await rm(path);
  return `${path}.gz`;
}

/** Every user dso with a fault site, a protection call or a frame above one, with a listing of it when its binary is here. */
async function listDsos(dir: string, trace: string, buildIdList: string, objdump: boolean, say: (line: string) => void): Promise<CaptureDso[]> {
  const needs = await scanTraces([trace]);
  const listedIds = await readBuildIdList(buildIdList);
  const byKey = new Map<string, string>();
  const out: CaptureDso[] = [];
  for (const need of [...needs.values()].sort((a, b) => a.dso.localeCompare(b.dso))) {
    need.buildId ??= listedIds.get(need.dso);
    const found = await findBinary(need);
    if ('why' in found) {
      say(`no listing for ${need.dso}: ${found.why}`);
      out.push({ path: need.dso, ...(need.buildId !== undefined ? { buildId: need.buildId } : {}), missing: found.why });
      continue;
    }
    const size = (await stat(found.path)).size;
    const entry: CaptureDso = { path: need.dso, ...(found.elf.buildId !== undefined ? { buildId: found.elf.buildId } : {}), size };
    out.push(entry);
    if (!objdump) {
      entry.missing = 'objdump is not installed';
      continue;
    }
    const ranges = neededRanges(need, found.elf);
    const key = found.elf.buildId ?? `${need.dso}\0${size}`;
    const done = byKey.get(key);
    if (done !== undefined) {
      entry.listing = done;
      continue;
    }
    const name = `listings/${basename(need.dso)}-${(found.elf.buildId ?? 'nobuildid').slice(0, 12)}.objdump-dl.txt`;
    await mkdir(join(dir, 'listings'), { recursive: true });
    try {
      await writeListing(found.path, found.elf, ranges, join(dir, name), { name: need.dso });
    } catch (e) {
      entry.missing = `objdump failed: ${(e as Error).message}`;
      say(`no listing for ${need.dso}: ${entry.missing}`);
      continue;
    }
    entry.listing = (await gzipIfLarge(join(dir, name))).slice(dir.length + 1);
    entry.ranges = ranges === 'all' ? 'all' : ranges.length;
    byKey.set(key, entry.listing);
  }
  return out;
}

async function readBuildIdList(path: string): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const text = await readFile(path, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{8,})\s+(\/.*)$/.exec(line.trim());
    if (m !== null) ids.set(m[2]!, m[1]!);
  }
  return ids;
}

function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
