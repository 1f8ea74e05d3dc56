// The scanner reads a header like one before but for its digits from that one
// (parsers/perf-script-scan-templates.ts): any run of lines must read as each
// line read alone, by a scanner that has seen nothing before it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PerfScriptScanner, type ScanLine } from '../../parsers/perf-script-scan.js';

function read(lines: readonly string[]): unknown[] {
  const out: unknown[] = [];
  const scanner = new PerfScriptScanner({ source: 'templates' }, (l: ScanLine) => {
    out.push(l.kind === 1 ? [l.line, l.kind, l.comm, l.pid, l.tid, l.event, l.period] : [l.line, l.kind]);
  });
  // each line a record of its own: a blank line after it
  scanner.write(Buffer.from(lines.map((l) => l + '\n\n').join(''), 'latin1'));
  scanner.end();
  return out;
}

describe('header templates', () => {
  it('read any run of header lines, and copies with digits changed, as each line alone', () => {
    const pieces = [' ', '  ', '\t', 'guard', 'g9', '5729', '5730', '/', '12446.891952:', '1.5:', ':', ' 1 ', ' 7 ', ' 0 ', '00', 'page-faults:', 'ev1:', 'exceptions:page_fault_user:', 'a b', '[000]', 'é', 'LOST ', ' events!', 'PERF_RECORD_'];
    const line = fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 10 }).map((p) => p.join(''));
    // copies with digits changed to digits (what a template lets differ) and with other bytes changed
    const digits = fc.array(fc.tuple(fc.nat(), fc.constantFrom('0', '1', '5', '9', ' ', 'x', ':')), { maxLength: 4 });
    const family = fc.tuple(line, fc.array(digits, { maxLength: 4 })).map(([t, copies]) => [
      t,
      ...copies.map((edits) => {
        let c = t;
        for (const [at, ch] of edits) {
          const i = at % c.length;
          // mostly digits for digits
          if (/\d/.test(c[i]!) || !/\d/.test(ch)) c = c.slice(0, i) + ch + c.slice(i + 1);
        }
        return c;
      }),
    ]);
    fc.assert(
      fc.property(fc.array(family, { minLength: 1, maxLength: 5 }).map((f) => f.flat()), fc.array(fc.nat(24), { minLength: 1, maxLength: 60 }), (lines, picks) => {
        const run = picks.map((i) => lines[i % lines.length]!);
        const alone = run.flatMap((l, k) => read([l]).map((r) => [(r as number[])[0]! + 2 * k, ...(r as unknown[]).slice(1)]));
        expect(read(run)).toEqual(alone);
      }),
      { numRuns: 600 },
    );
  });

  it('read the period again where its digits changed, and a task whose digits changed as the new one', () => {
    const lines = [
      ' 5729 12446.891952: page-faults: ',
      ' 5730 12446.891953: page-faults: ',
      // the comm rule reads ` 1 ` as the pid, and the time as part of the comm
      ' 5729 12446.891952:   1 page-faults: ',
      ' 5729 12446.891953:   7 page-faults: ',
      'guard 5729/5729 [000] 12446.891956:   7 page-faults: ',
      'guard 5729/5730 [000] 12446.891957:   7 page-faults: ',
      'guard 5729/5730 [001] 12446.891958:   0 page-faults: ',
      'guard 5729/5730 [001] 12446.891959:   8 page-fault1: ',
      // a digit where the other had a letter: another line (the event rule reads no period here)
      'gg 12 1.5: 7 ev: ',
      'gg 12 1.5: x ev: ',
    ];
    const fields = read(lines).filter((r) => (r as unknown[])[1] === 1).map((r) => (r as unknown[]).slice(2));
    expect(fields).toEqual([
      ['', '5729', '', 'page-faults', 1],
      ['', '5730', '', 'page-faults', 1],
      ['5729 12446.891952:', '1', '', 'page-faults', 1],
      ['5729 12446.891953:', '7', '', 'page-faults', 7],
      ['guard', '5729', '5729', 'page-faults', 7],
      ['guard', '5729', '5730', 'page-faults', 7],
      ['guard', '5729', '5730', 'page-faults', 1],
      ['guard', '5729', '5730', 'page-fault1', 8],
      ['gg', '12', '', 'ev', 7],
      ['gg', '12', '', undefined, 1],
    ]);
  });
});
