// The header scanner by hand (scanHeader) finds what the TIME and AFTER_TIME
// regexes find, on real header lines and on arbitrary ones.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AFTER_TIME, scanHeader, TIME, type HeaderParts } from '../../parsers/perf-script-header.js';
import { sampleLines } from './perf-script-helpers.js';

function byRegex(text: string): Partial<HeaderParts> {
  const t = TIME.exec(text);
  if (t === null) return { timeAt: -1 };
  const after = text.slice(t.index + t[0].length);
  const e = AFTER_TIME.exec(after);
  const head = { timeAt: t.index, afterTime: t.index + t[0].length, time: Number(t[1]) };
  if (e === null) return { ...head, event: undefined };
  return { ...head, event: e[2], period: e[1], restAt: head.afterTime + e[0].length };
}

function byHand(text: string): Partial<HeaderParts> {
  const h: HeaderParts = { timeAt: -1, afterTime: 0, time: NaN, event: undefined, period: undefined, restAt: 0 };
  scanHeader(text, h);
  if (h.timeAt < 0) return { timeAt: -1 };
  const head = { timeAt: h.timeAt, afterTime: h.afterTime, time: h.time };
  if (h.event === undefined) return { ...head, event: undefined };
  return { ...head, event: h.event, period: h.period, restAt: h.restAt };
}

describe('scanHeader', () => {
  it('agrees with the regexes on every line of real captures', () => {
    for (const rel of ['shapes/dwarf-srcline.txt', 'shapes/flat.txt', 'shapes/callchain.txt.gz', 'shapes/lost.txt', 'guard/perf-script.txt.gz', 'flamegraph:perf-java-stacks-02.txt']) {
      for (const line of sampleLines(rel)) expect(byHand(line), line).toEqual(byRegex(line));
    }
  });

  it('agrees with the regexes on lines made of header pieces', () => {
    const piece = fc.constantFrom(' ', '  ', '\t', '\u00a0', '\u2028', ':', '.', '1', '42', '7537.692729', '7537.692729:', 'a', 'page-faults', 'exceptions:page_fault_user', 'x:', ' 1 ', '[000]', '2014/2014', 'PERF_RECORD_MMAP');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
        const line = pieces.join('');
        expect(byHand(line)).toEqual(byRegex(line));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (line) => {
        expect(byHand(line)).toEqual(byRegex(line));
      }),
      { numRuns: 2000 },
    );
  });
});
