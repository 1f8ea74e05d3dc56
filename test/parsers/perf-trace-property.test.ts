// Properties: no input makes the parser throw, every line is accounted for
// exactly once, and how the bytes or lines of a real capture are chunked never
// changes the records.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { LineSplitter } from '../../parsers/lines.js';
import { PerfTraceParser, parsePerfTrace } from '../../parsers/perf-trace.js';
import type { Diagnostic, TraceRecord } from '../../src/model.js';

const DIR = join(import.meta.dirname, '../../samples/perf-trace');
function captureText(name: string): string {
  const bytes = readFileSync(join(DIR, name));
  return (name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

// Interleaved syscalls, [continued], faults with callchains, LOST and a summary.
const CAPTURES = ['prot-F-all-syscalls.txt', 'prot-callchain-fp.txt', 'lost-m1.txt', 'prot-with-summary-errno.txt', 'guard-replay-with-summary.txt'];
const REAL_LINES = [...new Set(CAPTURES.flatMap((c) => captureText(c).split('\n')))];

function parseLines(lines: Iterable<string>): { records: TraceRecord[]; diagnostics: Diagnostic[]; parser: PerfTraceParser } {
  const records: TraceRecord[] = [];
  const diagnostics: Diagnostic[] = [];
  const parser = new PerfTraceParser({ source: 'p', onDiagnostic: (d) => diagnostics.push(d) }, (r) => records.push(r));
  for (const l of lines) parser.line(l);
  parser.end();
  return { records, diagnostics, parser };
}

function parseBytes(bytes: Buffer, cuts: number[]): TraceRecord[] {
  const records: TraceRecord[] = [];
  const parser = new PerfTraceParser({ source: 'p' }, (r) => records.push(r));
  const splitter = new LineSplitter((l) => parser.line(l));
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    splitter.write(bytes.subarray(start, cut));
    start = cut;
  }
  splitter.write(bytes.subarray(start));
  splitter.end();
  parser.end();
  return records;
}

// Lines that look like perf trace: real lines, cut, spliced and sprinkled with
// the characters the patterns care about.
const lineArb = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom(...REAL_LINES),
  fc.tuple(fc.constantFrom(...REAL_LINES), fc.nat(), fc.nat()).map(([l, a, b]) => l.slice(Math.min(a, b) % (l.length + 1), Math.max(a, b) % (l.length + 1))),
  fc.tuple(fc.constantFrom(...REAL_LINES), fc.constantFrom(...REAL_LINES), fc.nat()).map(([a, b, n]) => a.slice(0, n % (a.length + 1)) + b.slice(n % (b.length + 1))),
  fc.tuple(fc.constantFrom(...REAL_LINES), fc.nat(), fc.constantFrom('(', ')', '[', ']', '@', '/', ' ', '...', ' = ', '|', '\x1b[m', '\r', '0x', ':', '?')).map(
    ([l, n, s]) => l.slice(0, n % (l.length + 1)) + s + l.slice(n % (l.length + 1)),
  ),
);

describe('robustness', () => {
  test('no sequence of lines makes the parser throw; each bad line is one diagnostic with its line number', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 40 }), (lines) => {
        const { diagnostics, parser } = parseLines(lines);
        expect(parser.lines).toBe(lines.length);
        expect(new Set(diagnostics.map((d) => d.line)).size).toBe(diagnostics.length);
        for (const d of diagnostics) {
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.line).toBeLessThanOrEqual(lines.length);
          expect(d.reason.length).toBeGreaterThan(0);
        }
        expect(parser.diagnostics).toBe(diagnostics.length);
      }),
      { numRuns: 400, seed: 20240601 },
    );
  });

  test('no line is both a record and a diagnostic, and no line outside callchains and [continued] ends goes uncounted', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 40 }), (lines) => {
        const { records, diagnostics, parser } = parseLines(lines);
        const recordLines = new Set(records.map((r) => r.line));
        expect(recordLines.size).toBe(records.length);
        const diagnosed = new Set(diagnostics.map((d) => d.line));
        for (const l of recordLines) expect(diagnosed.has(l)).toBe(false);
        // the rest are callchain frames and [continued] ends merged into a record
        expect(records.length + diagnostics.length + parser.ignoredLines).toBeLessThanOrEqual(lines.length);
        // as the parser sees it: colour codes and a final CR removed
        const frameLike = (l: string): boolean => /^ {30,}\S.* \(.*\)\r?$/s.test(l.replace(/\x1b\[[0-9;]*m/g, ''));
        const mustCount = lines.filter((l) => !frameLike(l) && !l.includes('[continued]')).length;
        expect(records.length + diagnostics.length + parser.ignoredLines).toBeGreaterThanOrEqual(mustCount);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe.each(CAPTURES)('%s in any chunking', (name) => {
  const text = captureText(name);
  const bytes = Buffer.from(text, 'utf8');
  const whole = parseLines(text.split('\n').filter((l, i, a) => i < a.length - 1 || l !== '')).records;

  test('the capture gives records at all', () => {
    expect(whole.length).toBeGreaterThan(10);
  });

  test('byte chunks cut anywhere give the same records', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 64 }), (cuts) => {
        expect(parseBytes(bytes, cuts)).toEqual(whole);
      }),
      { numRuns: 25, seed: 42 },
    );
  });

  test('one byte at a time gives the same records', () => {
    const cuts = Array.from({ length: Math.min(bytes.length, 4096) }, (_, i) => i);
    expect(parseBytes(bytes, cuts)).toEqual(whole);
  });

  test('parsePerfTrace over an async source yielding batches of any size gives the same records', async () => {
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }), async (sizes) => {
        async function* source(): AsyncGenerator<string> {
          let i = 0;
          let k = 0;
          while (i < lines.length) {
            const n = sizes[k++ % sizes.length]!;
            await Promise.resolve();
            for (const l of lines.slice(i, i + n)) yield l;
            i += n;
          }
        }
        const out: TraceRecord[] = [];
        for await (const r of parsePerfTrace(source(), { source: 'p' })) out.push(r);
        expect(out).toEqual(whole);
      }),
      { numRuns: 10, seed: 3 },
    );
  });
});

test('a megabyte line of `] => ` and `(` is parsed in linear time (bounded by this test\'s timeout)', () => {
  const { records, diagnostics } = parseLines([
    `     0.000 ( 0.000 ms): a/1 minfault [${'] => '.repeat(200_000)}x`,
    `     0.000 ( 0.000 ms): a/1 mprotect(${') = '.repeat(250_000)}`,
    `${' '.repeat(39)}${'('.repeat(1_000_000)})`,
  ]);
  expect(records).toHaveLength(1); // the mprotect: `= ` then text that is not a number
  expect(diagnostics.map((d) => d.line)).toEqual([1, 3]);
}, 10_000);
