// Properties of the perf script parser on real captures: how the bytes are cut
// into chunks, where a file is split between two fresh parsers, and CRLF never
// change the records; arbitrary input never throws.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../parsers/lines.js';
import { PerfScriptParser, parseTracepointFields } from '../../parsers/perf-script.js';
import type { TraceRecord } from '../../src/model.js';
import { parseLines, sampleLines, samplePath } from './perf-script-helpers.js';

const FILES = ['shapes/dwarf-srcline.txt', 'shapes/flat.txt', 'shapes/callchain.txt.gz', 'shapes/lost.txt', 'flamegraph:perf-java-stacks-02.txt'];

function bytesOf(rel: string): Buffer {
  const raw = readFileSync(samplePath(rel));
  return rel.endsWith('.gz') ? gunzipSync(raw) : raw;
}

function parseChunks(bytes: Buffer, cuts: number[]): TraceRecord[] {
  const records: TraceRecord[] = [];
  const parser = new PerfScriptParser({ source: 'p' }, (r) => records.push(r));
  const splitter = new LineSplitter((l) => parser.line(l));
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    splitter.write(bytes.subarray(at, c));
    at = c;
  }
  splitter.write(bytes.subarray(at));
  splitter.end();
  parser.end();
  return records;
}

describe.each(FILES)('%s', (rel) => {
  const bytes = bytesOf(rel);
  const lines = sampleLines(rel);
  const baseline = parseLines(lines, 'p').records;

  it('gives the same records however the bytes are cut into chunks', () => {
    expect(parseChunks(bytes, [])).toEqual(baseline);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 40 }), (cuts) => {
        expect(parseChunks(bytes, cuts)).toEqual(baseline);
      }),
      { numRuns: 15 },
    );
  });

  it('gives the same records when a fresh parser takes over at any blank line', () => {
    const blanks = lines.flatMap((l, i) => (l === '' ? [i] : []));
    fc.assert(
      fc.property(fc.constantFrom(...(blanks.length > 0 ? blanks : [0])), (at) => {
        const head = parseLines(lines.slice(0, at + 1), 'p').records;
        const tail = parseLines(lines.slice(at + 1), 'p').records.map((r) => ({ ...r, line: r.line + at + 1 }));
        expect([...head, ...tail]).toEqual(baseline);
      }),
      { numRuns: 15 },
    );
  });

  it('gives the same records with CRLF line ends', () => {
    expect(parseLines(lines.map((l) => l + '\r'), 'p').records).toEqual(baseline);
  });
});

describe('arbitrary input', () => {
  const real = sampleLines('shapes/callchain.txt.gz').slice(0, 400);

  it('never throws, and every record points at a line it was fed', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.constantFrom(...real),
      // a real line with a few characters replaced
      fc.tuple(fc.constantFrom(...real), fc.array(fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 3 })), { maxLength: 4 })).map(([l, edits]) => {
        let s = l;
        for (const [at, text] of edits) {
          const i = s.length === 0 ? 0 : at % s.length;
          s = s.slice(0, i) + text + s.slice(i + 1);
        }
        return s;
      }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 60 }), (input) => {
        const { records, diagnostics, parser } = parseLines(input);
        expect(parser.lines).toBe(input.length);
        for (const r of records) {
          expect(r.line).toBeGreaterThanOrEqual(1);
          expect(r.line).toBeLessThanOrEqual(input.length);
        }
        for (const d of diagnostics) expect(d.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('parseTracepointFields never throws and returns string values', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (payload) => {
        for (const v of Object.values(parseTracepointFields(payload))) expect(typeof v).toBe('string');
      }),
      { numRuns: 500 },
    );
  });
});
