// The byte scans of perf-script-scan-header.ts against the regexes they stand
// in for (the rules of stackcollapse-perf.pl and of the text path they
// replaced), on random lines over the bytes that matter to them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasTimestamp, isLostLine, skipBlanks, skipPerlSpaces } from '../../parsers/perf-script-scan-header.js';
import { viewOf } from '../../parsers/line-table.js';

const TIMESTAMP = /\s\d+\.\d+:(?:\s|$)/;
const LOST_BANG = /^\s*LOST \d+ events!\s*$/;

// latin1 text: one char per byte, NBSP (0xa0) included
const pieces = [' ', '  ', '\t', '\xa0', '\v', '0', '12', '9', '.', ':', 'LOST ', ' events!', 'a', 'page-faults', '(', ')', '\r'];
const line = fc.array(fc.constantFrom(...pieces), { maxLength: 24 }).map((p) => p.join(''));
const bytes = (t: string): Buffer => Buffer.from(t, 'latin1');

describe('header byte scans', () => {
  it('hasTimestamp is the `time:` regex, from any blank start on', () => {
    fc.assert(
      fc.property(line, line, (pre, rest) => {
        const t = ' ' + pre + rest;
        const b = bytes(t);
        expect(hasTimestamp(b, 0, b.length)).toBe(TIMESTAMP.test(t));
      }),
      { numRuns: 3000 },
    );
    expect(hasTimestamp(bytes(' 8199.041742: x'), 0, 15)).toBe(true);
    expect(hasTimestamp(bytes(' 1.2.3: x'), 0, 9)).toBe(false);
    expect(hasTimestamp(bytes(' 12.5:'), 0, 6)).toBe(true);
  });

  it('isLostLine (from the first non-blank) is the LOST regex', () => {
    fc.assert(
      fc.property(line, (t) => {
        const b = bytes(t);
        expect(isLostLine(b, skipBlanks(b, 0, b.length), b.length)).toBe(LOST_BANG.test(t));
      }),
      { numRuns: 3000 },
    );
    const lost = bytes('  LOST 15 events!  ');
    expect(isLostLine(lost, 2, lost.length)).toBe(true);
  });

  it('skipBlanks stops where trim() would, skipPerlSpaces where \\s of Perl would', () => {
    fc.assert(
      fc.property(line, (t) => {
        const b = bytes(t);
        expect(skipBlanks(b, 0, b.length)).toBe(t.length - t.trimStart().length);
        expect(skipPerlSpaces(b, viewOf(b), 0, b.length)).toBe(/^[ \t\n\v\f\r]*/.exec(t)![0].length);
      }),
      { numRuns: 3000 },
    );
  });
});
