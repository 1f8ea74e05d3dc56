// Runs of frame lines found again by their bytes: only the same bytes find a
// run, its frame ids come back in order, and a full store adds nothing more.
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
    expect(runs.find(a.bytes, viewOf(a.bytes), 0, a.bytes.length)).toBe(-1);
    const ra = runs.add(a.bytes, 0, a.bytes.length - 1, a.ids, 3);
    expect(ra).toBe(0);
    expect(runs.find(b.bytes, viewOf(b.bytes), 0, b.bytes.length)).toBe(-1);
    const rb = runs.add(b.bytes, 0, b.bytes.length - 1, b.ids, 3);
    expect(rb).toBe(1);
    const again = Buffer.concat([Buffer.from('header line\n'), a.bytes, Buffer.from('next\n')]);
    expect(runs.find(again, viewOf(again), 12, again.length)).toBe(ra);
    expect(runs.end).toBe(12 + a.bytes.length - 1);
    expect([...runs.frameIds(ra)]).toEqual([...a.ids]);
    expect(runs.lineCount(rb)).toBe(3);
    // a run the chunk cuts before its empty line is not found
    expect(runs.find(again, viewOf(again), 12, 12 + a.bytes.length - 1)).toBe(-1);
  });

  it('adds nothing once its bytes are full, and still finds what it has', () => {
    const table = new LineTable();
    const a = runOf(table, [0, 1]);
    const b = runOf(table, [2, 3]);
    const runs = new FrameRuns(table, a.bytes.length);
    expect(runs.add(a.bytes, 0, a.bytes.length - 1, a.ids, 2)).toBe(0);
    expect(runs.add(b.bytes, 0, b.bytes.length - 1, b.ids, 2)).toBe(-1);
    expect(runs.full).toBe(true);
    expect(runs.find(a.bytes, viewOf(a.bytes), 0, a.bytes.length)).toBe(0);
    expect(runs.find(b.bytes, viewOf(b.bytes), 0, b.bytes.length)).toBe(-1);
  });
});
