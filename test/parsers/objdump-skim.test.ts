// The skim (parsers/objdump-skim.ts): a parser reading a listing's bytes without
// texts, as the listing index reads it (runs of GNU instruction lines at a time),
// against the full parser reading the same bytes line by line into records. Both
// must see the same instructions (address, size, where the line starts, source
// line, text), the same other records, the same bad lines and the same counts,
// on the sample listings, on random listings made of every line shape the
// parser knows (and near misses of them), on mutated sample listings, and
// whatever whole lines the bytes are handed over in.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forEachLineIn, overlongLine } from '../../parsers/lines.js';
import { instructionText, ObjdumpParser, type GnuLines, type InstructionSink } from '../../parsers/objdump.js';
import type { Diagnostic, ObjdumpRecord } from '../../src/model.js';

const LISTINGS = [
  'samples/guard/guard.objdump-d.txt',
  'samples/guard/guard.objdump-dl.txt',
  ...[
    'guard-aarch64.llvm-objdump-d.txt',
    'guard-aarch64.objdump-d-noraw.txt',
    'guard-aarch64.objdump-d.txt',
    'guard-aarch64.objdump-dl.txt',
    'guard.llvm-objdump-d-noraw.txt',
    'guard.llvm-objdump-d.txt',
    'guard.llvm-objdump-dS.txt',
    'guard.llvm-objdump-dl.txt',
    'guard.objdump-d-intel.txt',
    'guard.objdump-d-noraw.txt',
    'guard.objdump-dS.txt',
    'kernel.llvm-objdump-d.txt',
    'kernel.objdump-d.txt',
    'shapes.llvm-objdump-dC.txt',
    'shapes.objdump-d.txt',
    'shapes.objdump-dC.txt',
    'shapes.objdump-dlC.txt',
  ].map((f) => `samples/listings/${f}`),
];

type Event = { kind: 'instruction'; address: number; size: number; line: number; srcline: string | undefined; text: string } | ObjdumpRecord;

interface Reading {
  events: Event[];
  diagnostics: Diagnostic[];
  counts: number[];
  tool: string | undefined;
}

const countsOf = (p: ObjdumpParser): number[] => [p.lines, p.bad, p.sourceLines, p.lineInfoLines, p.mappingSymbols];

// Line numbers by where lines start, as the line cutter cuts them.
function lineNumbers(b: Buffer): Map<number, number> {
  const at = new Map<number, number>();
  let n = 0;
  forEachLineIn(
    b,
    0,
    b.length,
    (start) => at.set(start, ++n),
    () => n++,
    Number.MAX_SAFE_INTEGER,
  );
  return at;
}

// The full parser: every line cut as the line cutter cuts it and read into records.
function full(b: Buffer, max: number): Reading {
  const events: Event[] = [];
  const diagnostics: Diagnostic[] = [];
  const p = new ObjdumpParser({ source: 's', onDiagnostic: (d) => diagnostics.push(d) }, (r) =>
    events.push(r.kind === 'instruction' ? { kind: 'instruction', address: r.address, size: r.size, line: r.line, srcline: r.srcline, text: r.text } : r),
  );
  forEachLineIn(
    b,
    0,
    b.length,
    (start, end) => p.lineBytes(b, start, end),
    (length) => diagnostics.push(overlongLine('s', ++p.lines, length)),
    max,
  );
  p.end();
  return { events, diagnostics, counts: countsOf(p), tool: p.tool };
}

// The skim: `read` without texts over pieces of whole lines ending at `cuts` (line ends).
function skimmed(b: Buffer, max: number, cuts: readonly number[]): Reading {
  const events: Event[] = [];
  const diagnostics: Diagnostic[] = [];
  const lines = lineNumbers(b);
  const line = (start: number): number => lines.get(start) ?? -1;
  const sink: InstructionSink = {
    instruction: (address, size, lineStart, srcline, textFrom, textTo, more) =>
      events.push({ kind: 'instruction', address, size, line: line(lineStart), srcline, text: instructionText(b, textFrom, textTo, more) }),
    run: (run: GnuLines, n, base, srcline) => {
      for (let k = 0; k < n; k++) {
        const start = base + (run.start[k] as number);
        events.push({ kind: 'instruction', address: run.addr[k] as number, size: run.size[k] as number, line: line(start), srcline, text: instructionText(b, run.textFrom[k] as number, run.textTo[k] as number, '') });
      }
    },
  };
  const p = new ObjdumpParser({ source: 's', onDiagnostic: (d) => diagnostics.push(d), instructions: sink }, (r) => events.push(r));
  let from = 0;
  for (const cut of [...cuts, b.length]) {
    if (cut <= from) continue;
    p.read(b, from, cut, max);
    from = cut;
  }
  p.end();
  return { events, diagnostics, counts: countsOf(p), tool: p.tool };
}

// Where whole-line pieces may end: after a newline.
function lineEnds(b: Buffer): number[] {
  const ends: number[] = [];
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) ends.push(i + 1);
  return ends;
}

function expectSame(b: Buffer, max: number, cuts: readonly number[] = []): void {
  const want = full(b, max);
  const got = skimmed(b, max, cuts);
  expect(got.diagnostics).toEqual(want.diagnostics);
  expect(got.events).toEqual(want.events);
  expect(got.counts).toEqual(want.counts);
  expect(got.tool).toEqual(want.tool);
}

const hex = (n: number, width = 0): string => n.toString(16).padStart(width, '0');

// GNU instruction lines with raw bytes (and their continuation lines), the skim's shape, and lines near it.
const gnuLine = fc
  .record({
    pad: fc.constantFrom('', ' ', '   ', '    '),
    addr: fc.oneof(fc.integer({ min: 0, max: 0xfffff }), fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.constantFrom(0x1000, 0x1001, 0x1003, 0x1007)),
    bytes: fc.integer({ min: 1, max: 15 }),
    text: fc.constantFrom('mov    %rsi,(%rdi)', 'ret', 'nopw   0x0(%rax,%rax,1)', 'jmp    26000 <x@plt+0x1>', '', ' ', 'x', 'imul   0x2d2c(%rip),%rdi        # 4078 <page_size>'),
    wide: fc.constantFrom(7, 4, 10),
    next: fc.constantFrom('right', 'right', 'wrong', 'none'),
  })
  .map(({ pad, addr, bytes, text, wide, next }) => {
    const first = Math.min(bytes, wide);
    const cells = Array.from({ length: first }, (_, k) => `${hex((k * 37) & 255, 2)} `).join('');
    const lines = [`${pad}${hex(addr)}:\t${cells.padEnd(wide * 3)}\t${text}`];
    if (bytes > first && next !== 'none') {
      const at = next === 'right' ? addr + first : addr + first + 1;
      lines.push(`${pad}${hex(at)}:\t${Array.from({ length: bytes - first }, () => '00 ').join('')}`);
    }
    return lines;
  });

const otherLine = fc.constantFrom(
  '',
  'guard:     file format elf64-x86-64',
  '../guard/guard:\tfile format elf64-x86-64',
  'other:     file format elf64-x86-64',
  'Disassembly of section .text:',
  'Disassembly of section .plt.sec:',
  '0000000000001139 <write_field>:',
  '0000000000001000 <.plt>:',
  '0000000000000808 <$x>:',
  'ffffffff81000000 <startup_64>:',
  'ffffffff81000042:\t48 83 07 01          \taddq   $0x1,(%rdi)',
  '   1234567890abc:\t00 \tnop',
  '\t...',
  '\t\t...',
  '/work/main/samples/guard/guard.c:58',
  './stdlib/./stdlib/abort.c:53 (discriminator 5)',
  'write_field():',
  '  *slot = value;',
  '}',
  '; write_field():',
  '; /work/main/samples/guard/guard.c:58',
  ';   *slot = value;',
  '    12eb: 48 89 37                     \tmovq\t%rsi, (%rdi)',
  '    12eb:      \tmovq\t%rsi, (%rdi)',
  '                                                                        # 0x2070 <typeinfo name for geo::Square+0x18>',
  '    12eb:\tmov    %rsi,(%rdi)',
  '     ba0:\tf9000001 \tstr\tx1, [x0]',
  '    12eb:\t48 89 37 ',
  '    12eb:\t48 89 37 \t',
  '    12eb:\t48 89 37',
  '    12eb:\t48 89 37\tx',
  '    12eb:\t 48\tx',
  '    12eb:\t4g 89 \tx',
  '    12eb:  48 \tx',
  '    12eb:\t48  89  \t x',
  '    12eb:\t48 89 \t\tx',
  'Contents of section .note.gnu.build-id:',
  ' 0318 04000000 14000000 03000000 474e5500  ............GNU.',
  ' 0328 1c9a1ec5 cb8e2a8b 0b5f2f1e 63e2f83b  ..........*.._/.c',
  ' 0338 1b6a9ffc                             .j..',
  'not a listing line',
);

// Bytes a mutation puts into a line: the ones the shapes are made of.
const shapeByte = fc.constantFrom(...' \t:\r\n0123456789abcdefg<>.;#x'.split('').map((c) => c.charCodeAt(0)));

function joinLines(lines: readonly string[], crlf: boolean): Buffer {
  return Buffer.from(lines.join(crlf ? '\r\n' : '\n') + (lines.length > 0 ? '\n' : ''), 'utf8');
}

const cutsOf = (b: Buffer): fc.Arbitrary<number[]> => {
  const ends = lineEnds(b);
  return ends.length === 0 ? fc.constant([]) : fc.uniqueArray(fc.constantFrom(...ends), { maxLength: 8 }).map((c) => c.sort((x, y) => x - y));
};

describe('the skim reads a listing as the full parser reads it', () => {
  it('every sample listing, read whole and in pieces of whole lines', () => {
    for (const path of LISTINGS) {
      const b = readFileSync(path);
      expectSame(b, 1 << 20);
      expectSame(b, 1 << 20, lineEnds(b).filter((_, k) => k % 7 === 3));
      expectSame(b, 60);
    }
  });

  it('libc, stripped (the bench shape) and with -l', async () => {
    const { gunzipSync } = await import('node:zlib');
    for (const path of ['samples/guard/libc.objdump-d.txt.gz', 'samples/guard/libc.objdump-dl.txt.gz']) {
      const b = gunzipSync(readFileSync(path));
      expectSame(b, 1 << 20, lineEnds(b).filter((_, k) => k % 1500 === 0));
    }
  });

  it('random listings of every line shape, near misses included, in any pieces', () => {
    const listing = fc
      .tuple(
        fc.array(fc.oneof({ weight: 3, arbitrary: gnuLine }, { weight: 2, arbitrary: otherLine.map((l) => [l]) }), { maxLength: 60 }),
        fc.boolean(),
        fc.constantFrom(1 << 20, 30, 45),
      )
      .chain(([groups, crlf, max]) => {
        const b = joinLines(groups.flat(), crlf);
        return fc.tuple(fc.constant(b), fc.constant(max), cutsOf(b));
      });
    fc.assert(
      fc.property(listing, ([b, max, cuts]) => expectSame(b, max, cuts)),
      { numRuns: 600 },
    );
  });

  it('sample listings with lines dropped, repeated and bytes changed', () => {
    const samples = LISTINGS.filter((p) => !p.includes('kernel')).map((p) => readFileSync(p, 'utf8').split('\n'));
    const mutated = fc
      .tuple(
        fc.constantFrom(...samples.keys()),
        fc.nat(),
        fc.integer({ min: 10, max: 80 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('drop', 'twice', 'byte')), { maxLength: 12 }),
        fc.array(shapeByte, { minLength: 12, maxLength: 12 }),
        fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
      )
      .chain(([which, at, length, edits, bytes, places]) => {
        const all = samples[which] as string[];
        const lines = all.slice(at % all.length, (at % all.length) + length);
        edits.forEach(([where, how], k) => {
          const i = where % Math.max(1, lines.length);
          const l = lines[i];
          if (l === undefined) return;
          if (how === 'drop') lines.splice(i, 1);
          else if (how === 'twice') lines.splice(i, 0, l);
          else {
            const p = (places[k] as number) % (l.length + 1);
            lines[i] = l.slice(0, p) + String.fromCharCode(bytes[k] as number) + l.slice(p + 1);
          }
        });
        const b = joinLines(lines, false);
        return fc.tuple(fc.constant(b), cutsOf(b));
      });
    fc.assert(
      fc.property(mutated, ([b, cuts]) => expectSame(b, 1 << 20, cuts)),
      { numRuns: 600 },
    );
  });
});
