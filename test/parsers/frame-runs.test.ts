// Runs of frame lines found again by their lines' bytes: only the same bytes
// find a run, its frame ids come back in order, a run is added only when the
// line table holds each of its lines, and a full store adds nothing more.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameRuns } from '../../parsers/frame-runs.js';
import { LineTable, viewOf } from '../../parsers/line-table.js';

const lines = [
  '\tffffffff81775b9a elf_load+0x28a ([kernel.kallsyms])',
  '\tffffffff8177622a load_elf_binary+0x65a ([kernel.kallsyms])',
  '\t            1398 step_10+0x53 (/work/bench/data/fanout)',
  '\t            137f step_10+0x3a (/work/bench/data/fanout)',
];

/** Interns the lines, then returns the bytes of the run (its lines, then the empty line) and their ids. */
function runOf(table: LineTable, picks: number[]): { bytes: Buffer; ids: Int32Array } {
  const bytes = Buffer.from(picks.map((i) => lines[i] + '\n').join('') + '\n');
  const view = viewOf(bytes);
  const ids = new Int32Array(picks.length);
  let at = 0;
  picks.forEach((_, k) => {
    const end = bytes.indexOf(10, at);
    ids[k] = table.intern(bytes, view, at, end);
    at = end + 1;
  });
  return { bytes, ids };
}

describe('FrameRuns', () => {
  it('finds a run again by the same bytes only, with its frame ids and where it ends', () => {
    const table = new LineTable();
    const runs = new FrameRuns(table);
    const a = runOf(table, [0, 1, 2]);
    const b = runOf(table, [0, 1, 3]);
    expect(runs.find(viewOf(a.bytes), 0, a.bytes.length)).toBe(-1);
    const ra = runs.add();
    expect(ra).toBe(0);
    expect(runs.find(viewOf(b.bytes), 0, b.bytes.length)).toBe(-1);
    const rb = runs.add();
    expect(rb).toBe(1);
    const again = Buffer.concat([Buffer.from('header line\n'), a.bytes, Buffer.from('next\n')]);
    expect(runs.find(viewOf(again), 12, again.length)).toBe(ra);
    expect(runs.end).toBe(12 + a.bytes.length - 1);
    expect([...runs.frameIds(ra)]).toEqual([...a.ids]);
    expect([...runs.frameIds(rb)]).toEqual([...b.ids]);
    expect(runs.lineCount(rb)).toBe(3);
    // found: nothing to add
    expect(runs.add()).toBe(-1);
    // a run the chunk cuts before its empty line is not found, nor added
    expect(runs.find(viewOf(again), 12, 12 + a.bytes.length - 1)).toBe(-1);
    expect(runs.add()).toBe(-1);
    expect(runs.count).toBe(2);
  });

  it('adds no run with a line the table does not hold, nor one whose line differs from the one it holds past the first 32 bytes', () => {
    const table = new LineTable();
    const runs = new FrameRuns(table);
    const a = runOf(table, [0, 1]);
    const unknown = Buffer.from(lines[0] + '\n' + lines[1]!.replace('load_elf_binary', 'load_elf_binarz') + '\n\n');
    expect(runs.find(viewOf(unknown), 0, unknown.length)).toBe(-1);
    expect(runs.add()).toBe(-1);
    expect(runs.find(viewOf(a.bytes), 0, a.bytes.length)).toBe(-1);
    expect(runs.add()).toBe(0);
    expect(runs.find(viewOf(unknown), 0, unknown.length)).toBe(-1);
    expect(runs.add()).toBe(-1);
  });

  it('adds nothing once its ids are full, and still finds what it has', () => {
    const table = new LineTable();
    const a = runOf(table, [0, 1]);
    const b = runOf(table, [2, 3, 0]);
    const runs = new FrameRuns(table, 4);
    expect(runs.find(viewOf(a.bytes), 0, a.bytes.length)).toBe(-1);
    expect(runs.add()).toBe(0);
    expect(runs.find(viewOf(b.bytes), 0, b.bytes.length)).toBe(-1);
    expect(runs.add()).toBe(-1);
    expect(runs.full).toBe(true);
    expect(runs.find(viewOf(a.bytes), 0, a.bytes.length)).toBe(0);
    expect(runs.find(viewOf(b.bytes), 0, b.bytes.length)).toBe(-1);
  });
});

describe('FrameRuns, the run that followed last time asked first', () => {
  it('tells the guessed run from one that starts with its lines, from its own first lines, and from one that differs later', () => {
    const table = new LineTable();
    const runs = new FrameRuns(table);
    const find = (picks: number[]): number => {
      const { bytes } = runOf(table, picks);
      const r = runs.find(viewOf(bytes), 0, bytes.length);
      return r >= 0 ? r : runs.add();
    };
    const a = find([0, 1]);
    const b = find([0, 1, 2]);
    const c = find([0, 1, 3]);
    expect([a, b, c]).toEqual([0, 1, 2]);
    // each is asked after one it followed before, so the guess is another run that shares its first lines
    expect(find([0, 1])).toBe(a);
    expect(find([0, 1, 2])).toBe(b);
    expect(find([0, 1])).toBe(a);
    expect(find([0, 1, 3])).toBe(c);
    expect(find([0, 1])).toBe(a);
    expect(find([0, 1, 3])).toBe(c);
    expect(find([0, 1, 2])).toBe(b);
    expect(find([0])).toBe(3);
    expect(runs.count).toBe(4);
  });

  it('gives each run the id of its first meeting, whatever came before it', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }), { maxLength: 40 }), (records) => {
        const table = new LineTable();
        const runs = new FrameRuns(table);
        const first = new Map<string, number>();
        for (const picks of records) {
          const { bytes, ids } = runOf(table, picks);
          let r = runs.find(viewOf(bytes), 0, bytes.length);
          if (r < 0) r = runs.add();
          const key = picks.join(',');
          if (!first.has(key)) first.set(key, first.size);
          expect(r).toBe(first.get(key));
          expect([...runs.frameIds(r)]).toEqual([...ids]);
          expect(runs.end).toBe(bytes.length - 1);
        }
      }),
    );
  });
});
