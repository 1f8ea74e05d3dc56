import { CONFORMANCE_DIR } from '../shared.js';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PathTreeBuilder } from '../../src/path-tree.js';
import { type PathStep, TreeBuilder, foldTree, forEachPath, invertTree, pruneTree, totalSelf, treeFromFolded } from '../../src/tree.js';
import { findingContext } from '../../src/findings/context.js';
import type { Report } from '../../src/model.js';
import type { TreeNode } from '../../src/model.js';

const CONFORMANCE = `${CONFORMANCE_DIR}results`;

function realFolded(name: string): string[] {
  return readFileSync(`${CONFORMANCE}/${name}`, 'utf8').split('\n').filter((l) => l !== '');
}

function sumChildren(n: TreeNode): boolean {
  const kids = n.children.reduce((s, c) => s + c.value, 0);
  return kids + n.self === n.value && n.children.every(sumChildren);
}

// folded lines: 1-4 frames from a small alphabet, so paths share prefixes
const foldedLine = fc
  .tuple(fc.array(fc.constantFrom('a', 'b', 'c', 'd e', 'f(x)'), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 1000 }))
  .map(([frames, n]) => `${frames.join(';')} ${n}`);

describe('fault-path tree', () => {
  it('folds a real collapsed file back to the same lines (round trip)', () => {
    const lines = realFolded('perf-java-faults-01-collapsed-all.txt');
    const { tree, bad } = treeFromFolded(lines);
    expect(bad).toEqual([]);
    expect(foldTree(tree)).toEqual([...lines].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const total = lines.reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    expect(tree.value).toBe(total);
    expect(sumChildren(tree)).toBe(true);
  });

  it('keeps every count whatever the order paths arrive in', () => {
    fc.assert(
      fc.property(fc.array(foldedLine, { maxLength: 40 }), (lines) => {
        const a = treeFromFolded(lines).tree;
        const b = treeFromFolded([...lines].reverse()).tree;
        expect(foldTree(a)).toEqual(foldTree(b));
        expect(totalSelf(a)).toBe(a.value);
        expect(sumChildren(a)).toBe(true);
      }),
    );
  });

  it('inverts without losing or moving counts between events', () => {
    fc.assert(
      fc.property(fc.array(foldedLine, { maxLength: 40 }), (lines) => {
        const tree = treeFromFolded(lines).tree;
        const inv = invertTree(tree);
        expect(inv.value).toBe(tree.value);
        expect(inv.byEvent).toEqual(tree.byEvent);
        expect(sumChildren(inv)).toBe(true);
        // inverting twice gives the original paths back
        expect(foldTree(invertTree(inv))).toEqual(foldTree(tree));
      }),
    );
  });

  it('counts each node by event, in the order its events first reached it, with one event or several', () => {
    const record = fc.tuple(fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 5 }), fc.constantFrom('faults', 'faults', 'minor'));
    fc.assert(
      fc.property(fc.array(record, { maxLength: 30 }), (records) => {
        const b = new TreeBuilder();
        // the counts a node must have: keyed by its path, events in first-seen order
        const want = new Map<string, Record<string, number>>();
        const note = (key: string, event: string, v: number): void => {
          const m = want.get(key) ?? {};
          m[event] = (m[event] ?? 0) + v;
          want.set(key, m);
        };
        for (const [names, v, event] of records) {
          b.add(names.map((name) => ({ name, kind: 'user' })), v, event);
          note('', event, v);
          names.forEach((_, i) => note(names.slice(0, i + 1).join(';'), event, v));
        }
        const tree = b.finish();
        const walk = (n: TreeNode, key: string): void => {
          expect(JSON.stringify(n.byEvent), key).toBe(JSON.stringify(want.get(key) ?? {}));
          expect(Object.values(n.byEvent).reduce((s, x) => s + x, 0)).toBe(n.value);
          for (const c of n.children) walk(c, key === '' ? c.name : `${key};${c.name}`);
        };
        walk(tree, '');
      }),
    );
  });

  it('gives the same tree when steps are shared objects, reused from path to path in one array', () => {
    fc.assert(
      fc.property(fc.array(foldedLine, { maxLength: 40 }), (lines) => {
        // one step object per (depth, name), as the aggregator caches them, and one array for every path
        const pool = new Map<string, PathStep>();
        const b = new TreeBuilder();
        const steps: PathStep[] = [];
        for (const line of lines) {
          const sp = line.lastIndexOf(' ');
          steps.length = 0;
          line.slice(0, sp).split(';').forEach((name, i) => {
            const key = `${i}\0${name}`;
            let step = pool.get(key);
            if (step === undefined) pool.set(key, (step = { name, kind: i === 0 ? 'comm' : 'user' }));
            steps.push(step);
          });
          b.add(steps, Number(line.slice(sp + 1)), 'samples');
        }
        expect(foldTree(b.finish())).toEqual(foldTree(treeFromFolded(lines).tree));
      }),
    );
  });

  it('puts the leaf first under the command when inverted', () => {
    const tree = treeFromFolded(['guard;main;mutate;write_field 3', 'guard;main;mutate;write_header 1']).tree;
    expect(foldTree(invertTree(tree))).toEqual(['guard;write_field;mutate;main 3', 'guard;write_header;mutate;main 1']);
  });

  it('prunes small children into one node per parent, keeping sums', () => {
    fc.assert(
      fc.property(fc.array(foldedLine, { maxLength: 40 }), fc.double({ min: 0.001, max: 0.5, noNaN: true }), (lines, frac) => {
        const tree = treeFromFolded(lines).tree;
        const pruned = pruneTree(tree, frac);
        expect(pruned.value).toBe(tree.value);
        expect(sumChildren(pruned)).toBe(true);
      }),
    );
    const tree = treeFromFolded(['p;a 90', 'p;b 6', 'p;c 4']).tree;
    expect(foldTree(pruneTree(tree, 0.05))).toEqual(['p;[1 more below 5%] 4', 'p;a 90', 'p;b 6']);
  });

  it('keeps kernel and user frames of one name apart', () => {
    const b = new TreeBuilder();
    b.add([{ name: 'x', kind: 'comm' }, { name: 'f', kind: 'user' }], 1, 'e');
    b.add([{ name: 'x', kind: 'comm' }, { name: 'f', kind: 'kernel' }], 2, 'e');
    const tree = b.finish();
    expect(tree.children[0]!.children.map((c) => [c.kind, c.value])).toEqual([
      ['kernel', 2],
      ['user', 1],
    ]);
  });

  it('finds a child among many (past the name index) and names homonyms from other dsos, in small and large families', () => {
    for (const others of [1, 30]) {
      const b = new TreeBuilder();
      const add = (name: string, kind: 'user' | 'kernel', dso: string, value: number): void => void b.add([{ name: 'x', kind: 'comm' }, { name, kind, dso }], value, 'e');
      for (let i = 0; i < others; i++) add(`f${i}`, 'user', '/bin/a', 1);
      add('_start', 'user', '/bin/a', 5);
      add('_start', 'user', '/lib/ld-linux-x86-64.so.2', 7);
      add('_start', 'kernel', '[kernel.kallsyms]', 9);
      // the same three again: found, not added
      add('_start', 'user', '/bin/a', 5);
      add('_start', 'user', '/lib/ld-linux-x86-64.so.2', 7);
      add('_start', 'kernel', '[kernel.kallsyms]', 9);
      for (let i = 0; i < others; i++) add(`f${i}`, 'user', '/bin/a', 1);
      const kids = b.finish().children[0]!.children;
      expect(kids.length, String(others)).toBe(others + 3);
      expect(kids.slice(0, 3).map((c) => [c.name, c.value])).toEqual([
        ['_start', 18],
        ['_start (ld-linux-x86-64.so.2)', 14],
        ['_start (a)', 10],
      ]);
      expect(kids.slice(3).every((c) => c.value === 2 && /^f\d+$/.test(c.name))).toBe(true);
    }
  });

  it('reports lines that are not stack and count', () => {
    expect(treeFromFolded(['a;b 1', 'garbage', 'c x']).bad).toEqual([2, 3]);
  });
});

describe('a finished tree', () => {
  it('gives every leaf an array of children of its own, which takes children', () => {
    const { tree } = treeFromFolded(['a;b 1', 'a;c 2', 'd 3']);
    const leaves: TreeNode[] = [];
    forEachPath(tree, (_p, _self, n) => leaves.push(n));
    expect(leaves.map((n) => n.name).sort()).toEqual(['b', 'c', 'd']);
    for (const n of leaves) expect(Object.isFrozen(n.children)).toBe(false);
    leaves[0]!.children.push({ name: 'x', kind: 'user', value: 0, self: 0, byEvent: {}, children: [] });
    expect(leaves.slice(1).every((n) => n.children.length === 0)).toBe(true);
    // and so does a tree built from another
    const inverted: TreeNode[] = [];
    forEachPath(invertTree(treeFromFolded(['a;b 1', 'a;c 2', 'd 3']).tree), (_p, _self, n) => inverted.push(n));
    expect(inverted.length).toBe(3);
    for (const n of inverted) expect(Object.isFrozen(n.children)).toBe(false);
    expect(new Set(inverted.map((n) => n.children)).size).toBe(3);
  });

  it("reads every fault path's nodes back in the findings, past thousands of nodes", () => {
    // 3000 paths of four frames under one comm: 12k nodes, walked in chunks
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(`prog;f${i % 7};g${i};h${i};leaf${i % 5} ${1 + (i % 3)}`);
    const { tree } = treeFromFolded(lines);
    const expected: string[][] = [];
    forEachPath(tree, (path) => expected.push(path.map((n) => n.name)));
    const ctx = findingContext({ tree, sites: [] } as unknown as Report);
    expect(ctx.paths.map((p) => p.nodes.map((n) => n.name))).toEqual(expected);
    expect(ctx.paths.length).toBe(3000);
  });
});

describe('PathTreeBuilder', () => {
  // steps of a few names, kinds and dsos (homonyms from two dsos, a kernel and a user frame of one name), some with a site, shared and not
  const site = { dso: '/bin/a', symbol: 'f', offset: 1, address: '1', resolved: true };
  const stepArb = fc.record({
    name: fc.constantFrom('a', 'b', '_start', 'f(x)'),
    kind: fc.constantFrom<'user' | 'kernel' | 'instruction'>('user', 'user', 'kernel', 'instruction'),
    dso: fc.constantFrom(undefined, '', '/bin/a', '/lib/ld.so'),
    site: fc.constantFrom(undefined, site),
  });
  const pathArb = fc.record({
    steps: fc.array(fc.nat({ max: 11 }), { maxLength: 5 }),
    value: fc.integer({ min: 0, max: 9 }),
    event: fc.constantFrom('page-faults', 'page-faults', 'page-faults', 'minor-faults'),
    cls: fc.constantFrom(undefined, 'first-touch-write', 'guard-hit'),
  });

  it('builds the tree TreeBuilder builds, with one event or several: values, counts (their key order too), names, order, sites, classes and each path\'s leaf', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 12, maxLength: 12 }), fc.array(pathArb, { maxLength: 40 }), fc.boolean(), (pool, paths, oneEvent) => {
        const step = (i: number): PathStep => {
          const s = pool[i]!;
          return { name: s.name, kind: s.kind, ...(s.dso !== undefined ? { dso: s.dso } : {}), ...(s.site !== undefined ? { site: s.site } : {}) };
        };
        // each step object registered once; step 11 a fresh object each time (as an inlined step of another dso is)
        const objects = pool.map((_, i) => step(i));
        const plain = new TreeBuilder('root name');
        const bulk = new PathTreeBuilder('root name', 2, 3);
        const ids = objects.slice(0, 11).map((o) => bulk.step(o));
        const plainLeaves: TreeNode[] = [];
        const numbers: number[] = [];
        paths.forEach((p) => {
          const event = oneEvent ? 'page-faults' : p.event;
          const classes = p.cls === undefined ? undefined : { [p.cls]: p.value };
          plainLeaves.push(plain.add(p.steps.map((s) => (s === 11 ? step(11) : objects[s]!)), p.value, event, classes));
          for (const s of p.steps) bulk.push(s === 11 ? bulk.step(step(11)) : ids[s]!);
          numbers.push(bulk.end(p.value, event, classes));
        });
        const want = plain.finish();
        const got = bulk.finish();
        expect(JSON.stringify(got.tree)).toBe(JSON.stringify(want));
        // the same node per path, by its place in the tree
        const place = (root: TreeNode): Map<TreeNode, string> => {
          const at = new Map<TreeNode, string>();
          const walk = (n: TreeNode, key: string): void => {
            at.set(n, key);
            n.children.forEach((c, i) => walk(c, `${key}/${i}`));
          };
          walk(root, '');
          return at;
        };
        const wantAt = place(want);
        const gotAt = place(got.tree);
        expect(numbers.map((n) => gotAt.get(got.leaves[n]!))).toEqual(plainLeaves.map((n) => wantAt.get(n)));
        // every node's children an array of its own
        const arrays = new Set<TreeNode[]>();
        for (const n of gotAt.keys()) arrays.add(n.children);
        expect(arrays.size).toBe(gotAt.size);
      }),
      { numRuns: 500 },
    );
  });

  it('makes one node of the steps of one kind, name and dso met under a node, each a step of its own, when more than a few meet there', () => {
    // 60 paths under one step, each through a step object of its own: 6 keys (3 names, 2 dsos, one name also a kernel frame), interleaved
    const plain = new TreeBuilder('all');
    const bulk = new PathTreeBuilder('all');
    const top: PathStep = { name: 'main', kind: 'user', dso: '/bin/a' };
    const topId = bulk.step(top);
    const plainLeaves: TreeNode[] = [];
    const numbers: number[] = [];
    for (let i = 0; i < 60; i++) {
      const step: PathStep = { name: ['f', 'g', 'h'][i % 3]!, kind: i % 7 === 0 ? 'kernel' : 'user', dso: i % 2 === 0 ? '/bin/a' : '/lib/b.so' };
      const leaf: PathStep = { name: `insn ${i % 4}`, kind: 'instruction', dso: step.dso! };
      plainLeaves.push(plain.add([top, step, leaf], i + 1, 'page-faults'));
      bulk.push(topId);
      bulk.push(bulk.step({ ...step }));
      bulk.push(bulk.step({ ...leaf }));
      numbers.push(bulk.end(i + 1, 'page-faults'));
    }
    const want = plain.finish();
    const got = bulk.finish();
    expect(JSON.stringify(got.tree)).toBe(JSON.stringify(want));
    expect(got.tree.children[0]!.children.length).toBe(want.children[0]!.children.length);
    expect(numbers.map((n) => got.leaves[n]!.name + got.leaves[n]!.value)).toEqual(plainLeaves.map((n) => n.name + n.value));
  });

  it('makes a root of its own with no path', () => {
    const { tree, leaves } = new PathTreeBuilder('all').finish();
    expect(tree).toEqual({ name: 'all', kind: 'root', value: 0, self: 0, byEvent: {}, children: [] });
    expect(leaves).toEqual([]);
  });
});
