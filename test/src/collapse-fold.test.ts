// The folded text through ids (src/collapse-fold.ts) against the plain way:
// join each stack's names with ';', sum the counts of equal texts, sort the
// texts as strings. Names hold ';' (inline chains), bytes below and above it,
// blanks and empty names, so the rank order and the merge are tried where
// they could differ from the strings'.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Folder, piecesOf } from '../../src/collapse-fold.js';
import { StackTable } from '../../src/collapse-stacks.js';

type Stack = { root: string; frames: number[]; value: number; java?: boolean };

/** The stacks through a StackTable (roots by text, frames leaf first) into a Folder. */
function fill(folder: Folder, stacks: Stack[]): Folder {
  const roots = [...new Set(stacks.map((s) => s.root))];
  const table = new StackTable();
  for (const s of stacks) table.add(roots.indexOf(s.root), Int32Array.from(s.frames), s.frames.length, s.value);
  const java = roots.map((r) => stacks.some((s) => s.root === r && s.java === true));
  folder.addAll(
    table,
    roots.map((r) => folder.rootSegments(r)),
    java,
  );
  return folder;
}

function plain(stacks: Stack[], names: string[]): string {
  const totals = new Map<string, number>();
  for (const s of stacks) {
    const text = [s.root, ...s.frames.map((id) => names[id]!).reverse()].join(';');
    totals.set(text, (totals.get(text) ?? 0) + s.value);
  }
  return [...totals.keys()]
    .sort()
    .map((k) => `${k} ${totals.get(k)}\n`)
    .join('');
}

function folded(stacks: Stack[], names: string[]): string {
  return fill(new Folder((id) => names[id]!), stacks).pieces().join('');
}

describe('Folder', () => {
  const piece = fc.constantFrom('a', 'ab', 'b', ';', '+', ' ', '', '_[i]', 'a;b', '\xe9', '~', ':');
  const name = fc.array(piece, { maxLength: 3 }).map((p) => p.join(''));

  it('prints what joining, summing and sorting the texts prints', () => {
    fc.assert(
      fc.property(
        fc.array(name, { minLength: 1, maxLength: 8 }),
        fc.array(fc.record({ root: name, frames: fc.array(fc.nat(7), { maxLength: 6 }), value: fc.integer({ min: 1, max: 9 }) }), { maxLength: 40 }),
        (names, raw) => {
          const stacks = raw.map((s) => ({ ...s, frames: s.frames.map((f) => f % names.length) }));
          expect(folded(stacks, names)).toBe(plain(stacks, names));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keeps a Java root’s names apart from the same frame ids under other roots', () => {
    const folder = fill(new Folder((id, java) => (java ? `j${id}` : `n${id}`)), [
      { root: 'java', frames: [1, 0], value: 2, java: true },
      { root: 'cc', frames: [1, 0], value: 3 },
    ]);
    expect(folder.pieces()).toEqual(['cc;n0;n1 3\njava;j0;j1 2\n']);
    expect(folder.lines()).toEqual(['cc;n0;n1 3', 'java;j0;j1 2']);
  });

  it('cuts its text into the pieces piecesOf cuts the lines into (the output of the worker threads)', () => {
    const names = Array.from({ length: 50 }, (_, i) => `function_number_${i}`);
    const stacks = Array.from({ length: 3000 }, (_, i) => ({ root: `task${i % 3}`, frames: [i % 50, (i * 7) % 50, (i * 13) % 50, i % 11], value: 1 + (i % 5) }));
    const pieces = fill(new Folder((id) => names[id]!), stacks).pieces();
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces).toEqual(piecesOf(plain(stacks, names).slice(0, -1).split('\n')));
  });

  it('prints nothing for no stacks', () => {
    const folder = new Folder(() => 'x');
    expect(folder.pieces()).toEqual([]);
    expect(folder.lines()).toEqual([]);
  });
});
