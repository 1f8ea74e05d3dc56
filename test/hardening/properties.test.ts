// Properties of the whole pipeline and the CLI on real captures and on
// arbitrary bytes: nothing throws, no stack trace reaches the user, how stdin's
// bytes arrive never changes the report, and nothing is lost — every record
// header in the input is either counted in the report's `events` or reported
// as a skipped line, and the report's numbers agree in every format.
//
// "Nothing is lost", precisely. For perf script input, let H(e) be the header
// lines of event e as countHeaders finds them (a plain reading, not faultpath's
// parser) and D the lines a diagnostic named. Then, for every event e:
//   H(e) − |H(e) ∩ D|  ≤  events[e]  ≤  H(e)
// (a header is a record, or a diagnostic names its line; no record is made
// up), and the tree's value for e lies between the periods of those two sets
// of headers. skipped.lines is the number of diagnostics, and the JSON, text
// and folded outputs show the same totals (expectConsistent).
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { Diagnostic, Report } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';
import { renderFolded } from '../../viz/folded.js';
import { renderJson } from '../../viz/json.js';
import { renderText } from '../../viz/text.js';
import { asJson, chunkedStream, countHeaders, expectConsistent, expectNoStack, runCli, sampleBytes, type JsonReport } from './helpers.js';

// Small real captures of different shapes: tracepoints with callchains and a
// header block, a sample period of 4, software events without callchains,
// PERF_RECORD_LOST lines, non-UTF-8 names.
const SCRIPT_SAMPLES = [
  'samples/odd/guard-run1.perf-script.txt.gz',
  'samples/odd/guard-c4.perf-script.txt',
  'samples/join/flat.perf-script.txt',
  'samples/shapes/lost.txt',
  'samples/odd/latin1.perf-script.txt',
];
const TRACE_SAMPLES = ['samples/perf-trace/guard-tracepoint.txt', 'samples/perf-trace/lost-m1.txt'];

async function reportOf(bytes: Buffer, diagnostics: Diagnostic[] = []): Promise<Report | InputError> {
  try {
    return await buildReport({ traces: ['-'], stdin: chunkedStream(bytes), onDiagnostic: (d) => diagnostics.push(d) });
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
}

/** Every header is a record or has a diagnostic; no record is made up; the tree holds the periods of the records. */
function expectNothingLost(text: string, report: Report, diagnostics: readonly Diagnostic[]): void {
  const h = countHeaders(text);
  const flagged = new Set(diagnostics.map((d) => d.line));
  expect(report.skipped.lines).toBe(diagnostics.length);
  const events = new Set([...Object.keys(h.records), ...Object.keys(report.events)]);
  for (const e of events) {
    const headers = h.lines.filter((l) => h.eventAt.get(l) === e);
    const clean = headers.filter((l) => !flagged.has(l));
    const got = report.events[e] ?? 0;
    expect(got, e).toBeLessThanOrEqual(headers.length);
    expect(got, e).toBeGreaterThanOrEqual(clean.length);
  }
  for (const e of report.selectedEvents) {
    const value = report.tree.byEvent[e] ?? 0;
    expect(value, e).toBeLessThanOrEqual(h.periods[e] ?? 0);
    if (diagnostics.length === 0) expect(value, e).toBe(h.periods[e] ?? 0);
  }
  expectConsistent(asJson(report, renderJson), renderText(report), renderFolded(report));
}

describe('real perf script captures, whole', () => {
  it.each(SCRIPT_SAMPLES)('%s: every header is counted, and the formats agree', async (path) => {
    const bytes = sampleBytes(path);
    const diagnostics: Diagnostic[] = [];
    const report = await reportOf(bytes, diagnostics);
    if (report instanceof InputError) throw report;
    expect(diagnostics).toEqual([]);
    expectNothingLost(bytes.toString('utf8'), report, diagnostics);
  });
});

describe('real captures with lines deleted and the end cut off', () => {
  // which lines to drop (as indexes into the file's lines) and where to cut the last byte
  const mutation = fc.record({
    drop: fc.array(fc.nat(), { maxLength: 30 }),
    dropRun: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 40 })), { nil: undefined }),
    keep: fc.double({ min: 0, max: 1, noNaN: true }),
  });

  function mutate(bytes: Buffer, m: { drop: number[]; dropRun: [number, number] | undefined; keep: number }): Buffer {
    const lines = bytes.toString('latin1').split('\n');
    const gone = new Set(m.drop.map((i) => i % lines.length));
    if (m.dropRun !== undefined) for (let k = 0; k < m.dropRun[1]; k++) gone.add((m.dropRun[0] + k) % lines.length);
    const kept = Buffer.from(lines.filter((_, i) => !gone.has(i)).join('\n'), 'latin1');
    return kept.subarray(0, Math.round(kept.length * (0.5 + m.keep / 2)));
  }

  it.each(SCRIPT_SAMPLES)('%s: nothing is lost', async (path) => {
    const bytes = sampleBytes(path);
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const input = mutate(bytes, m);
        const diagnostics: Diagnostic[] = [];
        const report = await reportOf(input, diagnostics);
        if (report instanceof InputError) {
          // only when no line is left that reads as perf script
          expect(countHeaders(input.toString('utf8')).lines).toEqual([]);
          return;
        }
        expectNothingLost(input.toString('utf8'), report, diagnostics);
      }),
      { numRuns: 20 },
    );
  });

  it.each(TRACE_SAMPLES)('%s (perf trace): never throws, and the formats agree', async (path) => {
    const bytes = sampleBytes(path);
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const diagnostics: Diagnostic[] = [];
        const report = await reportOf(mutate(bytes, m), diagnostics);
        if (report instanceof InputError) return;
        expect(report.skipped.lines).toBe(diagnostics.length);
        expect(report.lost).toBeGreaterThanOrEqual(0);
        expectConsistent(asJson(report, renderJson), renderText(report), renderFolded(report));
      }),
      { numRuns: 20 },
    );
  });
});

describe('stdin fed in arbitrary chunks', () => {
  // the report of `-` is the report of the file, whatever pieces the bytes come in
  const normalize = (out: string, trace: string): JsonReport => {
    const j = JSON.parse(out) as JsonReport;
    j.inputs = j.inputs.map((i) => ({ ...i, name: i.name === trace ? '-' : i.name }));
    j.skipped.examples = j.skipped.examples.map((e) => (e.startsWith(`${trace}:`) ? `-${e.slice(trace.length)}` : e));
    return j;
  };
  const cases = [
    { path: 'samples/guard/perf-script.txt.gz', gzip: true, objdump: ['samples/guard/guard.objdump-dl.txt'] },
    { path: 'samples/odd/guard-c4.perf-script.txt', gzip: false, objdump: ['samples/odd/guard.objdump-dl.txt'] },
    { path: 'samples/odd/latin1.perf-script.txt', gzip: false, objdump: ['samples/odd/latin1.objdump-d.txt'] },
    { path: 'samples/perf-trace/guard-tracepoint.txt', gzip: false, objdump: [] },
  ];

  it.each(cases)('$path (gzip: $gzip)', async ({ path, gzip, objdump }) => {
    const args = ['-f', 'json', ...objdump.flatMap((o) => ['--objdump', o])];
    const file = await runCli(['report', path, ...args]);
    expect(file.code).toBe(0);
    const baseline = normalize(file.out, path);
    const bytes = (await import('node:fs')).readFileSync(path);
    expect(bytes[0] === 0x1f && bytes[1] === 0x8b).toBe(gzip);
    const cuts = fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 30 });
    await fc.assert(
      fc.asyncProperty(cuts, async (at) => {
        const r = await runCli(['report', '-', ...args], chunkedStream(bytes, at));
        expectNoStack(r.err);
        expect(r.code).toBe(0);
        expect(normalize(r.out, '-')).toEqual(baseline);
      }),
      // a first piece of one byte: half of gzip's two-byte magic
      { numRuns: 15, examples: [[[1]], [[1, 2, 3]]] },
    );
  });
});

describe('arbitrary bytes as a trace', () => {
  const real = sampleBytes('samples/odd/guard-c4.perf-script.txt').toString('utf8').split('\n');
  // random bytes; real lines with bytes spliced in; either of those gzipped
  const junk = fc.oneof(
    fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
    fc
      .array(fc.oneof(fc.constantFrom(...real), fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('latin1'))), { maxLength: 60 })
      .map((lines) => Buffer.from(lines.join('\n'), 'latin1')),
  );
  const input = fc.tuple(junk, fc.boolean()).map(([b, gz]) => (gz ? gzipSync(b) : b));

  it('ends with 0 or 1, says why in one line when 1, never prints a stack; a report it prints adds up', async () => {
    await fc.assert(
      fc.asyncProperty(input, fc.constantFrom('json', 'text', 'folded'), async (bytes, format) => {
        const r = await runCli(['report', '-', '-f', format], chunkedStream(bytes, [7, 300]));
        expectNoStack(r.err);
        expect([0, 1]).toContain(r.code);
        if (r.code === 1) {
          expect(r.out).toBe('');
          expect(r.err.trim().split('\n').at(-1)).toMatch(/^faultpath: -/);
          return;
        }
        if (format === 'json') expectConsistent(JSON.parse(r.out) as JsonReport);
      }),
      { numRuns: 40 },
    );
  });

  it('as --objdump: a listing that is not one is an input error, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(input, async (bytes) => {
        const r = await runCli(['report', 'samples/odd/guard-c4.perf-script.txt', '--objdump', '-', '-q'], chunkedStream(bytes));
        expectNoStack(r.err);
        expect([0, 1]).toContain(r.code);
      }),
      { numRuns: 20 },
    );
  });
});
