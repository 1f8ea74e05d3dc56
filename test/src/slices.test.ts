// The tree's faults by time, thread and region (TreeNode.cells, Report.slices):
// on real captures every cut adds up to what the report's other sections
// count, and in bounded memory every fault stays in the quantum of its time.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { regionGroupName, type Report, type SliceIndex, type TreeNode } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';
import { numberLeaves, SliceBuilder, type SliceOptions } from '../../src/slices.js';
import { forEachPath, invertTree, pruneTree } from '../../src/tree.js';
import { foldStartup } from '../../src/findings/index.js';

const guard = await buildReport({ traces: ['samples/guard/perf-script.txt.gz'], objdump: ['samples/guard/guard.objdump-dl.txt', 'samples/guard/libc.objdump-dl.txt.gz'] });
const regions = await buildReport({ traces: ['samples/regions/regions.perf-script.txt.gz'], objdump: ['samples/regions/regions.objdump-dl.txt'] });

/** Sum of cell values by a key of (q, thread, region). */
function cut(tree: TreeNode, key: (q: number, t: number, r: number) => string | number): Map<string | number, number> {
  const out = new Map<string | number, number>();
  forEachPath(tree, (_p, _self, n) => {
    const c = n.cells ?? [];
    for (let i = 0; i < c.length; i += 4) {
      const k = key(c[i]!, c[i + 1]!, c[i + 2]!);
      out.set(k, (out.get(k) ?? 0) + c[i + 3]!);
    }
  });
  return out;
}

function cellSum(n: TreeNode): number {
  let s = 0;
  const c = n.cells ?? [];
  for (let i = 3; i < c.length; i += 4) s += c[i]!;
  return s;
}

describe.each([
  ['guard', guard],
  ['regions', regions],
] as [string, Report][])('slices of the %s capture', (_name, report) => {
  test('every leaf holds its self value in cells', () => {
    let leaves = 0;
    forEachPath(report.tree, (_p, self, n) => {
      leaves++;
      expect(cellSum(n)).toBe(self);
    });
    expect(leaves).toBeGreaterThan(3);
  });

  test('by thread the cells add up to each process', () => {
    const s = report.slices!;
    const byPid = new Map<number, number>();
    for (const [t, v] of cut(report.tree, (_q, t) => t)) {
      const pid = s.threads[t as number]!.pid;
      byPid.set(pid, (byPid.get(pid) ?? 0) + v);
    }
    for (const p of report.processes ?? []) expect(byPid.get(p.pid)).toBe(p.faults);
    expect([...byPid.values()].reduce((a, b) => a + b, 0)).toBe(report.tree.value);
  });

  test('by region the cells add up to the region table', () => {
    const s = report.slices!;
    const byName = new Map<string, number>();
    for (const [r, v] of cut(report.tree, (_q, _t, r) => r)) byName.set(s.regions[r as number]!, v);
    for (const x of report.regions?.regions ?? []) expect(byName.get(regionGroupName(x))).toBe(x.faults);
  });

  test('by time the cells add up to the timeline', () => {
    const s = report.slices!;
    const times = cut(report.tree, (q) => q);
    const timeline = report.timeline ?? [];
    let total = 0;
    for (const [q, v] of times) {
      expect(q).toBeGreaterThanOrEqual(0);
      const from = s.start + (q as number) * s.quantum;
      // the faults of this quantum are in timeline bins that overlap it
      const near = timeline.filter((b) => b.time <= from + s.quantum && b.time + 1 >= from);
      expect(near.length).toBeGreaterThan(0);
      total += v;
    }
    expect(total).toBe(timeline.reduce((a, b) => a + b.value, 0));
  });
});

test('the protection changes are counted per site, as the protection table counts successful calls', () => {
  const s = guard.slices!;
  const bySite = new Map<string, number>();
  for (const c of s.changes) bySite.set(c.site, (bySite.get(c.site) ?? 0) + c.calls);
  for (const site of guard.protection!.sites) {
    const ok = Object.values(site.prots).reduce((a, b) => a + b, 0);
    expect(bySite.get(site.site) ?? 0).toBe(ok);
  }
  expect(s.changes.length).toBeGreaterThan(1);
});

test('the regions capture has several threads and processes', () => {
  const s = regions.slices!;
  expect(new Set(s.threads.map((t) => t.pid)).size).toBeGreaterThan(1);
});

describe('tree transforms carry the cells', () => {
  const total = (t: TreeNode): number => {
    let s = 0;
    forEachPath(t, (_p, _self, n) => {
      s += cellSum(n);
    });
    return s;
  };
  test('prune, invert and start-up folding keep every cell', () => {
    expect(total(guard.tree)).toBe(guard.tree.value);
    expect(total(pruneTree(guard.tree, 0.2))).toBe(guard.tree.value);
    expect(total(invertTree(guard.tree))).toBe(guard.tree.value);
    expect(total(foldStartup(regions.tree).tree)).toBe(regions.tree.value);
  });
});

test('without slices (every format but html) the tree is the same, without cells', async () => {
  const bare = await buildReport({ traces: ['samples/guard/perf-script.txt.gz'], objdump: ['samples/guard/guard.objdump-dl.txt', 'samples/guard/libc.objdump-dl.txt.gz'], slices: false });
  expect(bare.slices).toBeUndefined();
  const strip = (n: TreeNode): unknown => {
    const { cells: _c, children, ...rest } = n;
    return { ...rest, children: children.map(strip) };
  };
  let cells = 0;
  forEachPath(bare.tree, (_p, _self, n) => {
    cells += n.cells?.length ?? 0;
  });
  expect(cells).toBe(0);
  expect(strip(bare.tree)).toEqual(strip(guard.tree));
});

describe('SliceBuilder', () => {
  test('a fault just before the first one read (several inputs) keeps its time', () => {
    const b = new SliceBuilder();
    b.add(0, 100.5, 1, 1, 'p', 'a', 1);
    b.add(0, 100.49995, 1, 1, 'p', 'a', 2);
    const leaf: TreeNode = { name: 'l', kind: 'instruction', value: 3, self: 3, byEvent: {}, children: [] };
    const s = b.finish(numberLeaves([leaf]), { processOf: (pid) => pid, regionName: (k) => k, siteName: (k) => k });
    expect([...leaf.cells!]).toEqual([1, 0, 0, 1, 0, 0, 0, 2]);
    expect(s.start).toBeCloseTo(100.4999, 9);
  });

  test('cells are 32-bit integers when every value and quantum is one, else doubles, with the same numbers', () => {
    const naming = { processOf: (pid: number) => pid, regionName: (k: string) => k, siteName: (k: string) => k };
    const cellsOf = (values: number[], times: number[]): TreeNode => {
      const b = new SliceBuilder({ quantum: 1 });
      values.forEach((v, i) => b.add(0, times[i]!, 1, 1, 'p', 'a', v));
      const leaf: TreeNode = { name: 'l', kind: 'instruction', value: 0, self: 0, byEvent: {}, children: [] };
      b.finish(numberLeaves([leaf]), naming);
      return leaf;
    };
    const ints = cellsOf([3, 4], [100, 101]);
    expect(ints.cells).toBeInstanceOf(Int32Array);
    expect([...ints.cells!]).toEqual([0, 0, 0, 3, 1, 0, 0, 4]);
    const halves = cellsOf([3, 0.5], [100, 101]);
    expect(halves.cells).toBeInstanceOf(Float64Array);
    expect([...halves.cells!]).toEqual([0, 0, 0, 3, 1, 0, 0, 0.5]);
    // a quantum past 2^31 (times far apart)
    const far = cellsOf([1, 1], [0, 2 ** 32]);
    expect(far.cells).toBeInstanceOf(Float64Array);
    expect([...far.cells!]).toEqual([0, 0, 0, 1, 2 ** 32, 0, 0, 1]);
  });

  test('a path lists its cells as they came while few, then grouped by quantum (the order pages have always had)', () => {
    const b = new SliceBuilder({ quantum: 1 });
    const naming = { processOf: (pid: number) => pid, regionName: (k: string) => k, siteName: (k: string) => k };
    // path 0: quanta 0, 1, 0, 1 … over two threads; path 1: three cells only
    for (let i = 0; i < 10; i++) b.add(0, 100 + (i % 2), 1, 1 + Math.floor(i / 2), 'p', 'a', 1);
    for (const t of [1, 2, 1]) b.add(1, 100 + t, 1, t, 'p', 'a', 1);
    const leaves: TreeNode[] = [0, 1].map((i) => ({ name: `l${i}`, kind: 'instruction', value: 0, self: 0, byEvent: {}, children: [] }));
    b.finish(numberLeaves(leaves), naming);
    const quanta = (n: TreeNode): number[] => [...(n.cells ?? [])].filter((_, i) => i % 4 === 0);
    expect(quanta(leaves[0]!)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(quanta(leaves[1]!)).toEqual([1, 2]);
    expect([...leaves[1]!.cells!]).toEqual([1, 0, 0, 2, 2, 1, 0, 1]);
  });

  // Cells as the builder has always listed them, with no bound on their number: a path's distinct
  // (quantum, thread, region) as they came, summed; more than 8 grouped by quantum (first come first)
  const expectedCells = (faults: readonly { path: number; time: number; tid: number; region: string; value: number }[], paths: number): number[][] => {
    const t0 = faults.find((f) => !Number.isNaN(f.time))?.time ?? NaN;
    const threads: number[] = [];
    const regionNames: string[] = [];
    const byPath: { q: number; t: number; r: number; v: number }[][] = [...Array(paths)].map(() => []);
    for (const f of faults) {
      const q = Number.isNaN(f.time) ? NaN : Math.floor(f.time - t0);
      if (!threads.includes(f.tid)) threads.push(f.tid);
      if (!regionNames.includes(f.region)) regionNames.push(f.region);
      const [t, r] = [threads.indexOf(f.tid), regionNames.indexOf(f.region)];
      const list = byPath[f.path]!;
      const had = list.find((c) => Object.is(c.q, q) && c.t === t && c.r === r);
      if (had !== undefined) had.v += f.value;
      else list.push({ q, t, r, v: f.value });
    }
    const min = Math.min(...byPath.flat().map((c) => c.q).filter((q) => !Number.isNaN(q)));
    return byPath.map((list) => {
      const groups = [...new Set(list.map((c) => String(c.q)))];
      const ordered = list.length <= 8 ? list : groups.flatMap((g) => list.filter((c) => String(c.q) === g));
      return ordered.flatMap((c) => [Number.isNaN(c.q) ? -1 : c.q - min, c.t, c.r, c.v]);
    });
  };

  test('property: the cells are the same whether times come in order, out of order or missing, however many share a quantum', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ path: fc.nat(24), time: fc.oneof(fc.integer({ min: 100, max: 104 }), fc.constant(NaN)), tid: fc.nat(3), region: fc.constantFrom('a', 'b'), value: fc.integer({ min: 1, max: 9 }) }), { minLength: 1, maxLength: 400 }),
        fc.boolean(),
        fc.boolean(),
        (raw, sorted, timed) => {
          // in time order (the common case: no index over every cell), or as generated
          const faults = raw.map((f) => ({ ...f, time: timed && Number.isNaN(f.time) ? 100 : f.time + 0.25 }));
          if (sorted) faults.sort((a, b) => (Number.isNaN(a.time) ? -1 : Number.isNaN(b.time) ? 1 : a.time - b.time));
          const b = new SliceBuilder({ quantum: 1 });
          for (const f of faults) b.add(f.path, f.time, 1, f.tid, 'p', f.region, f.value);
          const leaves: TreeNode[] = [...Array(25).keys()].map((i) => ({ name: `l${i}`, kind: 'instruction', value: 0, self: 0, byEvent: {}, children: [] }));
          b.finish(numberLeaves(leaves), { processOf: (pid) => pid, regionName: (k) => k, siteName: (k) => k });
          expect(leaves.map((l) => [...(l.cells ?? [])])).toEqual(expectedCells(faults, 25));
        },
      ),
      { numRuns: 150 },
    );
  });

  test('property: paths that share a leaf put their cells on it one path after another, each where `placed` says', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ path: fc.nat(24), time: fc.oneof(fc.integer({ min: 100, max: 104 }), fc.constant(NaN)), tid: fc.nat(3), region: fc.constantFrom('a', 'b'), value: fc.integer({ min: 1, max: 9 }) }), { minLength: 1, maxLength: 400 }),
        fc.boolean(),
        (raw, sorted) => {
          const faults = raw.map((f) => ({ ...f, time: f.time + 0.25 }));
          if (sorted) faults.sort((a, b) => (Number.isNaN(a.time) ? -1 : Number.isNaN(b.time) ? 1 : a.time - b.time));
          const b = new SliceBuilder({ quantum: 1 });
          for (const f of faults) b.add(f.path, f.time, 1, f.tid, 'p', f.region, f.value);
          // five leaves, path p on leaf p % 5; paths 20 and up on none
          const leaves: TreeNode[] = [...Array(5).keys()].map((i) => ({ name: `l${i}`, kind: 'instruction', value: 0, self: 0, byEvent: {}, children: [] }));
          const placed: [number, number, number][] = [];
          b.finish(numberLeaves([...Array(25).keys()].map((p) => (p < 20 ? leaves[p % 5] : undefined))), { processOf: (pid) => pid, regionName: (k) => k, siteName: (k) => k }, undefined, (p, first, count) => placed.push([p, first, count]));
          const expected = expectedCells(faults, 25);
          const want = leaves.map((_, l) => expected.filter((_c, p) => p < 20 && p % 5 === l).flat());
          expect(leaves.map((l) => [...(l.cells ?? [])])).toEqual(want);
          const at = [0, 0, 0, 0, 0];
          const wantPlaced: [number, number, number][] = [];
          expected.forEach((c, p) => {
            if (p >= 20 || c.length === 0) return;
            wantPlaced.push([p, at[p % 5]!, c.length / 4]);
            at[p % 5]! += c.length / 4;
          });
          expect(placed).toEqual(wantPlaced);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('property: cells stored in chunks of any size give the same cells, also across coarsening and out-of-order times', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ path: fc.nat(12), time: fc.oneof(fc.double({ min: 100, max: 104, noNaN: true }), fc.constant(NaN)), tid: fc.nat(3), region: fc.constantFrom('a', 'b'), value: fc.integer({ min: 1, max: 9 }) }), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(1, 2, 4, 8, 32),
        fc.integer({ min: 4, max: 400 }),
        fc.boolean(),
        (raw, chunkCells, maxCells, sorted) => {
          const faults = sorted ? [...raw].sort((a, b) => (Number.isNaN(a.time) ? -1 : Number.isNaN(b.time) ? 1 : a.time - b.time)) : raw;
          const run = (options: SliceOptions): { leaves: TreeNode[]; index: SliceIndex } => {
            const b = new SliceBuilder(options);
            for (const f of faults) b.add(f.path, f.time, 1, f.tid, 'p', f.region, f.value);
            const leaves: TreeNode[] = [...Array(13).keys()].map((i) => ({ name: `l${i}`, kind: 'instruction', value: 0, self: 0, byEvent: {}, children: [] }));
            return { leaves, index: b.finish(numberLeaves(leaves), { processOf: (pid) => pid, regionName: (k) => k, siteName: (k) => k }) };
          };
          const chunked = run({ quantum: 0.01, maxCells, chunkCells });
          const whole = run({ quantum: 0.01, maxCells });
          expect(chunked.leaves.map((l) => [...(l.cells ?? [])])).toEqual(whole.leaves.map((l) => [...(l.cells ?? [])]));
          expect(chunked.index).toEqual(whole.index);
          expect(chunked.leaves.reduce((a, l) => a + cellSum(l), 0)).toBe(faults.reduce((a, f) => a + f.value, 0));
        },
      ),
      { numRuns: 150 },
    );
  });

  test('property: with few cells allowed, every fault stays in the quantum of its time and values add up', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ path: fc.nat(5), time: fc.double({ min: 100, max: 110, noNaN: true }), tid: fc.nat(3), region: fc.constantFrom('a', 'b'), value: fc.integer({ min: 1, max: 9 }) }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 4, max: 64 }),
        (faults, maxCells) => {
          const b = new SliceBuilder({ maxCells });
          for (const f of faults) b.add(f.path, f.time, 1, f.tid, 'p', f.region, f.value);
          const leaves: TreeNode[] = [...Array(6).keys()].map((i) => ({ name: `l${i}`, kind: 'instruction', value: 0, self: 0, byEvent: {}, children: [] }));
          const s = b.finish(numberLeaves(leaves), { processOf: (pid) => pid, regionName: (k) => k, siteName: (k) => k });
          for (let p = 0; p < 6; p++) {
            const mine = faults.filter((f) => f.path === p);
            expect(cellSum(leaves[p]!)).toBe(mine.reduce((a, f) => a + f.value, 0));
            const c = leaves[p]!.cells ?? [];
            // each fault's own (thread, region) has a cell whose quantum holds its time
            for (const f of mine) {
              let found = false;
              for (let i = 0; i < c.length; i += 4) {
                const from = s.start + c[i]! * s.quantum;
                if (s.threads[c[i + 1]!]!.tid === f.tid && s.regions[c[i + 2]!] === f.region && from <= f.time + 1e-9 && f.time < from + s.quantum + 1e-9) found = true;
              }
              expect(found).toBe(true);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
