// The byte scans of perf-script-scan-header.ts against the regexes they stand
// in for (the rules of stackcollapse-perf.pl and of the text path they
// replaced), on random lines over the bytes that matter to them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasTimestamp, headerIpFrameAt, HeaderReader, isLostLine, skipBlanks, skipPerlSpaces, trimmedEnd } from '../../parsers/perf-script-scan-header.js';
import { headerIpFrame } from '../../src/collapse-frame.js';
import { viewOf } from '../../parsers/line-table.js';

const TIMESTAMP = /\s\d+\.\d+:(?:\s|$)/;
const FIRST_STAMP = /\s\d+\.\d+:(?=\s|$)/;
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

  it("headerIpFrameAt, trimmed, is collapse's headerIpFrame on the text, anywhere in a buffer", () => {
    const ipPieces = [' ', '   ', '\t', '\xa0', '\r', '1', '12', '261.747218', '.', ':', ': ', '1.5:', 'page-faults:', 'syscalls:sys_enter_mprotect:', 'x', 'é\xff', '(', ')', ' ([kernel.kallsyms])', ' elf_load+0x28a', '    5623dd329060', ' ffffffff81775b9a', ' 7f1611ef2ad7', ' 0000000000000000', ' 00000000000000000', 'abcdef'];
    const some = fc.array(fc.constantFrom(...ipPieces), { maxLength: 8 }).map((p) => p.join(''));
    // mostly the shape of a header (task, time, period, event, fields and frames), each piece sometimes broken
    const header = fc
      .tuple(
        some,
        fc.constantFrom(' 261.747218:', '\t1.5:', ' 261.:', ' .5:', ' 1.5', ' 1.5:x', ''),
        fc.constantFrom(' ', '\t ', '', '  1  ', ' 1', ' 12\t'),
        fc.constantFrom('page-faults:', 'a:b:', 'x', ':', 'é:', '1:', 'p: '),
        some,
        fc.array(fc.constantFrom(' ffffffff81775b9a', '     5623dd329060', ' 7f1611ef2ad7', ' 0000000000000000 ', ' fffffffff81775b9a', ' ffffffff81775b9A', ' elf_load+0x28a ([kernel.kallsyms])', '  (x) '), { maxLength: 4 }),
        some,
      )
      .map((p) => p.flat().join(''));
    fc.assert(
      fc.property(header, fc.nat(5), fc.nat(5), (text, before, after) => {
        const b = Buffer.concat([Buffer.from(' 1.5: x '.slice(0, before)), bytes(text), Buffer.from(' 12345678901234567 '.repeat(after))]);
        const from = before;
        const to = from + text.length;
        const p = headerIpFrameAt(b, from, to);
        // the same from the line's first `time:` stamp on, where the scanner found one
        const stamp = FIRST_STAMP.exec(text);
        if (stamp !== null) expect(headerIpFrameAt(b, from, to, from + stamp.index + stamp[0].length - 1)).toBe(p);
        const want = headerIpFrame(text);
        if (p < 0) {
          expect(want).toBeUndefined();
          return;
        }
        const start = skipBlanks(b, p, to);
        expect(b.toString('latin1', start, trimmedEnd(b, start, to))).toBe(want);
      }),
      { numRuns: 5000 },
    );
  });

  it('reads headers whose comm-less pid, task and event take turns as when each is read alone', () => {
    const lines = [
      ' 5729 12446.891952:                 page-faults: ',
      ' 5730 12446.891952:  exceptions:page_fault_user: ',
      'guard 5729/5729 [000]  12446.891952:          1 page-faults: ',
      'guard 5729/5730 [000]  12446.891952:          1 syscalls:sys_enter_mprotect: start: 0x1',
      'a b 12 5729 12446.891952: page-faults/period=4/: ',
      'guard 5729/5729 [000]  12446.891952:          7 page-faults: ',
      'guard 5729/5729 [000]  12446.891952: 7 page-faults:',
      'guard 5729/5729 [000]  12446.891952: page-faults:  ',
      'guard 5729/5729 [000]  12446.891952: 0 page-faults: ffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])',
      'guard 1 2: 7 page-faults:',
      'g 1 : 7 page-faults:',
      'g 1 7 page-faults:',
      '  7 page-faults:',
      ' 5729 12446.891952: 7 page-faults: ',
      'guard 5729/5729 x: page-faults: ',
      // the event rule read this one to its start, so what it read tells nothing about the next one's end
      '  12  ev:',
      'a 1 2.5:  12  ev:',
      // of the same length and kinds of bytes but for a `/`, a letter or a blank: the task rule matches only where it reads `/`, digits and blanks
      'gg 5729/5730 1.5: ev:',
      'gg 5729x5730 1.5: ev:',
      'gg 5729 5730 1.5: ev:',
      ' 5729x5730 1.5:  ev:',
      ' 5729/5730 1.5:  ev:',
    ];
    const readAlone = (i: number): unknown[] => {
      const r = new HeaderReader();
      return readOne(r, lines[i]!);
    };
    // every line after every other, then longer runs
    for (let i = 0; i < lines.length; i++) {
      for (let j = 0; j < lines.length; j++) {
        const r = new HeaderReader();
        readOne(r, lines[i]!);
        expect(readOne(r, lines[j]!)).toEqual(readAlone(j));
      }
    }
    fc.assert(
      fc.property(fc.array(fc.nat(lines.length - 1), { maxLength: 60 }), (picks) => {
        const r = new HeaderReader();
        for (const i of picks) expect(readOne(r, lines[i]!)).toEqual(readAlone(i));
      }),
    );
  });

  it('reads any run of lines as when each is read alone: the kept endings and the lines no task matched answer as the rules do', () => {
    // lines that share their kinds of bytes or their endings with others, some shorter than an ending kept before
    const headerPieces = [' ', '  ', '\t', 'guard', 'g', '5729', '5730', '/', '12446.891952:', '12446.891953:', '1.5:', ':', ' 1 ', ' 7 ', '0', 'page-faults:', 'ev:', 'exceptions:page_fault_user:', 'a b', 'é'];
    const headerLine = fc.array(fc.constantFrom(...headerPieces), { minLength: 1, maxLength: 10 }).map((p) => p.join(''));
    // and copies with one byte changed, to a byte of the same kind or another (`/` for a letter, a blank for a digit)
    const changed = fc.tuple(headerLine, fc.array(fc.tuple(fc.nat(), fc.constantFrom(' ', '\t', '/', 'x', '7', '3', ':', '.')), { maxLength: 3 })).map(([t, edits]) => [
      t,
      ...edits.map(([at, c]) => t.slice(0, at % t.length) + c + t.slice((at % t.length) + 1)),
    ]);
    fc.assert(
      fc.property(fc.array(changed, { minLength: 1, maxLength: 6 }).map((g) => g.flat()), fc.array(fc.nat(23), { maxLength: 80 }), (lines, picks) => {
        const r = new HeaderReader();
        for (const i of picks) {
          const text = lines[i % lines.length]!;
          expect(readOne(r, text)).toEqual(readOne(new HeaderReader(), text));
        }
      }),
      { numRuns: 3000 },
    );
  });
});

// A line as the scanner reads a header: from its start, else past its blanks, else comm-less.
function readOne(r: HeaderReader, text: string): unknown[] {
  const b = bytes(text);
  const v = viewOf(b);
  const from = skipPerlSpaces(b, v, 0, b.length);
  const ok = from === 0 ? r.read(b, v, 0, b.length) : r.readFrom(b, v, 0, from, b.length, false) || r.readFrom(b, v, 0, from, b.length, true);
  return ok ? [r.comm, r.pid, r.tid, r.event, r.period] : [false];
}
