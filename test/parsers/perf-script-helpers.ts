// Shared by the perf script parser tests: read a checked-in capture, prove a
// quoted block of lines really is in it, and run the parser over lines.
import { CONFORMANCE_DIR } from '../shared.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { PerfScriptByteReader } from '../../parsers/perf-script-bytes.js';
import { PerfScriptParser } from '../../parsers/perf-script.js';
import type { Diagnostic, TraceRecord } from '../../src/model.js';

export const SAMPLES = fileURLToPath(new URL('../../samples/', import.meta.url));
export const CONFORMANCE = CONFORMANCE_DIR;

/** A capture's path: `shapes/flat.txt` → samples/shapes/flat.txt; `flamegraph:x.txt` → the conformance corpus. */
export function samplePath(rel: string): string {
  return rel.startsWith('flamegraph:') ? CONFORMANCE + rel.slice('flamegraph:'.length) : SAMPLES + rel;
}

const cache = new Map<string, string[]>();

/** The lines of a capture (gunzipped), without the empty string after the final newline. */
export function sampleLines(rel: string): string[] {
  let lines = cache.get(rel);
  if (lines === undefined) {
    const raw = readFileSync(samplePath(rel));
    const text = (rel.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    cache.set(rel, lines);
  }
  return lines;
}

/** Asserts that `block` occurs, in order, in the capture, and returns it with the line number of its first line. */
export function quote(rel: string, block: string): { lines: string[]; line: number } {
  const lines = block.split('\n');
  const all = sampleLines(rel);
  for (let i = 0; i + lines.length <= all.length; i++) {
    if (all[i] !== lines[0]) continue;
    if (lines.every((l, k) => all[i + k] === l)) return { lines, line: i + 1 };
  }
  throw new Error(`quoted lines are not in ${rel}:\n${block}`);
}

export interface Parsed {
  records: TraceRecord[];
  diagnostics: Diagnostic[];
  parser: PerfScriptParser;
}

/** Runs a fresh parser over the lines, then `end()`. */
export function parseLines(lines: Iterable<string>, source = 'test'): Parsed {
  const records: TraceRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  const parser = new PerfScriptParser({ source, onDiagnostic: (d) => diagnostics.push(d) }, (r) => records.push(r));
  for (const l of lines) parser.line(l);
  parser.end();
  return { records, diagnostics, parser };
}

/** `text` through the byte reader in two chunks cut mid-line, each record to `onRecord` (a reused one when `reuseRecords`: copy what you keep). */
export function readBytesInTwo(text: string, reuseRecords: boolean, onRecord: (r: TraceRecord) => void): void {
  const reader = new PerfScriptByteReader(new PerfScriptParser({ source: 's', reuseRecords }, onRecord), { source: 's' });
  const bytes = Buffer.from(text, 'utf8');
  const cut = bytes.length >> 1;
  reader.write(Buffer.from(bytes.subarray(0, cut)));
  reader.write(Buffer.from(bytes.subarray(cut)));
  reader.end();
}
