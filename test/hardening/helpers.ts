// Shared by the hardening tests: run the CLI in-process (runCli, from
// ../shared.ts) with a stdin stream fed in chunks, run the built CLI as a child process, and
// an independent count of a perf script capture's records to check the
// report's counts against.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { expect } from 'vitest';
import type { Report } from '../../src/model.js';

import type { CliResult } from '../shared.js';

export { runCli, type CliResult } from '../shared.js';
export const CLI = 'dist/src/cli/main.js';

/** A stream that hands out `bytes` cut at `cuts`, one piece per tick (as a pipe delivers them). */
export function chunkedStream(bytes: Uint8Array, cuts: readonly number[] = []): Readable {
  const at = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    pieces.push(Buffer.from(bytes.subarray(from, c)));
    from = c;
  }
  let next = 0;
  return new Readable({
    read() {
      if (next >= pieces.length || bytes.length === 0) {
        this.push(null);
        return;
      }
      const piece = pieces[next++]!;
      setImmediate(() => this.push(piece));
    },
  });
}

/** No stack trace reached the user. */
export function expectNoStack(err: string): void {
  expect(err).not.toMatch(/\n\s+at /);
  expect(err).not.toMatch(/internal error/);
}

export interface SpawnOptions {
  /** Bytes for the child's stdin; default none (closed). */
  stdin?: Buffer;
  /** Stop reading stdout after this many bytes and close it (a reader that leaves, like `head`); default read all. */
  readStdout?: number;
  /** Close the child's stderr pipe at once. */
  closeStderr?: boolean;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/** Runs the built CLI (`node dist/src/cli/main.js argv`) and resolves with its exit status and output. */
export function spawnCli(argv: readonly string[], options: SpawnOptions = {}): Promise<CliResult & { signal: NodeJS.Signals | null }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does) before these tests`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    let out = '';
    let err = '';
    let outBytes = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      if (options.readStdout !== undefined && outBytes >= options.readStdout) return;
      out += chunk.toString();
      outBytes += chunk.length;
      if (options.readStdout !== undefined && outBytes >= options.readStdout) child.stdout.destroy();
    });
    if (options.readStdout === 0) child.stdout.destroy();
    if (options.closeStderr === true) child.stderr.destroy();
    else child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdin.on('error', () => undefined); // the child may exit before reading it all
    child.stdin.end(options.stdin ?? Buffer.alloc(0));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, out, err }));
  });
}

/** A checked-in capture's bytes, gunzipped when it is a .gz. */
export function sampleBytes(path: string): Buffer {
  const raw = readFileSync(path);
  return path.endsWith('.gz') ? gunzipSync(raw) : raw;
}

// ---------------------------------------------------------------- an independent count

/** What a plain reading of perf script text finds: per event, the header lines and the periods they print. */
export interface HeaderCount {
  /** 1-based line numbers of the header lines. */
  readonly lines: number[];
  readonly records: Record<string, number>;
  readonly periods: Record<string, number>;
  readonly eventAt: Map<number, string>;
}

// A record header as perf script prints it (builtin-script.c,
// perf_sample__fprintf_start then process_event): anything, a timestamp and
// `:`, an optional period, the event name and `:`. Frame lines start with a
// tab, header-block lines with `#`, side-band records hold PERF_RECORD_:
// guard  2014 [000]  7537.692729:  exceptions:page_fault_user: address=0x7f740dbc6b70 ip=0x7f740dbc6b70 error_code=0x14
// guard  2014  7537.692370:          1                 page-faults:
//  5729 12446.891952:                 page-faults:
const HEADER = /\s(\d+\.\d+):\s+(?:(\d+)\s+)?(\S+?):(?:\s|$)/;

/** Counts header lines the way a reader of the text would, without faultpath's parser. */
export function countHeaders(text: string): HeaderCount {
  const lines: number[] = [];
  const records: Record<string, number> = {};
  const periods: Record<string, number> = {};
  const eventAt = new Map<number, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '' || line.startsWith('\t') || line.startsWith('#') || line.includes('PERF_RECORD_')) return;
    const m = HEADER.exec(line);
    if (m === null) return;
    const event = m[3]!;
    lines.push(i + 1);
    eventAt.set(i + 1, event);
    records[event] = (records[event] ?? 0) + 1;
    periods[event] = (periods[event] ?? 0) + Number(m[2] ?? 1);
  });
  return { lines, records, periods, eventAt };
}

// ---------------------------------------------------------------- the report agrees with itself

interface JsonNode {
  name: string;
  value: number;
  self: number;
  byEvent: Record<string, number>;
  children: JsonNode[];
}

export interface JsonReport {
  inputs: { name: string; format: string; lines: number; records: number; sourceLines?: number }[];
  events: Record<string, number>;
  lost: number;
  skipped: { lines: number; examples: string[] };
  selectedEvents: string[];
  selection: { read: number; kept: number; filteredOut: number };
  warnings: string[];
  findings: { kind: string; share: number; faults: number; text: string; sites: string[]; instructions: string[]; remedy?: string }[];
  sites: { count: number; symbol: string; event: string; resolved: boolean; instruction: string | null }[];
  tree: JsonNode;
}

function selfSum(n: JsonNode): number {
  return n.self + n.children.reduce((s, c) => s + selfSum(c), 0);
}

/**
 * The numbers of one report agree wherever they are shown: the JSON tree's
 * value is the sum of its selves and of its sites, and (when given) the text
 * report's `# events read` and `# tree … total period` lines and the folded
 * stacks' counts say the same.
 */
export function expectConsistent(json: JsonReport, text?: string, folded?: string): void {
  const t = json.tree;
  expect(selfSum(t)).toBe(t.value);
  expect(json.sites.reduce((s, x) => s + x.count, 0)).toBe(t.value);
  expect(json.selection.read).toBe(json.selection.kept + json.selection.filteredOut);
  expect(json.selection.read).toBe(json.selectedEvents.reduce((s, e) => s + (json.events[e] ?? 0), 0));
  for (const e of Object.keys(t.byEvent)) expect(json.selectedEvents).toContain(e);
  expect(Object.values(t.byEvent).reduce((s, v) => s + v, 0)).toBe(t.value);
  if (text !== undefined) {
    const read = /^# events read: (.*)$/m.exec(text)?.[1];
    const fromText: Record<string, number> = {};
    if (read !== undefined && read !== 'none') {
      for (const part of read.split(', ')) {
        const sp = part.lastIndexOf(' ');
        fromText[part.slice(0, sp)] = Number(part.slice(sp + 1));
      }
    }
    expect(fromText).toEqual(json.events);
    expect(Number(/total period (\d+)$/m.exec(text)?.[1])).toBe(t.value);
  }
  if (folded !== undefined) {
    const sum = folded
      .split('\n')
      .filter((l) => l !== '')
      .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    expect(sum).toBe(t.value);
  }
}

/** Report → the JSON a reader gets, for checks shared with CLI output. */
export function asJson(report: Report, render: (r: Report) => string): JsonReport {
  return JSON.parse(render(report)) as JsonReport;
}
