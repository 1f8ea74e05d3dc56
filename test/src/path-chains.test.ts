// The path tree's chains (src/path-tree.ts): nodes one path alone leads down
// to, made only when a consumer reads a chain head's children. Unmade, the
// JSON writer and the findings read them from the steps; made, every
// consumer sees TreeBuilder's nodes: the same fields in the same order, the
// same values, the same leaf objects.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findingContext, type FaultPath } from '../../src/findings/context.js';
import { findFindings } from '../../src/findings/index.js';
import type { Report, TreeNode } from '../../src/model.js';
import { PathTreeBuilder, unmadeChain } from '../../src/path-tree.js';
import { buildReport } from '../../src/pipeline.js';
import { nodeJson } from '../../src/report-json.js';
import { type PathStep, TreeBuilder, forEachPath } from '../../src/tree.js';
import { encodeTree } from '../../viz/html/encode-tree.js';
import { renderHtml } from '../../viz/html/index.js';
import { renderJson } from '../../viz/json.js';
import { ROOT } from '../shared.js';

// A report around a tree, as renderJson and the findings read it.
function reportOf(tree: TreeNode): Report {
  return { inputs: [], events: {}, lost: 0, skipped: { lines: 0, examples: [] }, selectedEvents: [], selection: { read: 0, kept: 0, filteredOut: 0 }, sites: [], tree, warnings: [], notes: [] };
}

// The tree's part of renderJson's text.
function treeText(json: string): string {
  return json.slice(json.indexOf('"tree": ') + '"tree": '.length, -'\n}\n'.length);
}

// The unmade chains under a node, counted without making any.
function unmade(n: TreeNode): number {
  if (unmadeChain(n) !== undefined) return 1;
  let c = 0;
  for (const child of n.children) c += unmade(child);
  return c;
}

// What a finding reads of a path, its nodes by name.
function pathFacts(p: FaultPath): unknown {
  return { nodes: p.nodes.map((n) => `${n.kind}:${n.name}`), leaf: p.leaf.name, value: p.value, classes: p.classes, startup: p.startup, frames: p.frames };
}

// Each node by its place: the child numbers down to it.
function places(root: TreeNode): Map<TreeNode, string> {
  const at = new Map<TreeNode, string>([[root, '']]);
  const stack = [root];
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    const key = at.get(n)!;
    n.children.forEach((c, i) => at.set(c, `${key}.${i}`));
    stack.push(...n.children);
  }
  return at;
}

// Each node's own keys, in order, depth first: what JSON.stringify, spread and for-in enumerate.
function keyOrder(root: TreeNode): string[] {
  const out: string[] = [];
  const walk = (n: TreeNode): void => {
    out.push(Object.keys(n).join(','), Object.keys({ ...n }).join(','));
    for (const c of n.children) walk(c);
  };
  walk(root);
  return out;
}

describe('PathTreeBuilder chains', () => {
  // steps of a few names and kinds; start-up and main names so the findings' marks differ along a path
  const stepArb = fc.record({
    name: fc.constantFrom('a', 'b', '_start', 'main', 'f (inlined)'),
    kind: fc.constantFrom<'user' | 'kernel' | 'instruction' | 'comm'>('user', 'user', 'kernel', 'instruction', 'comm'),
    dso: fc.constantFrom(undefined, '/bin/a', '/lib/ld-linux-x86-64.so.2'),
    site: fc.constantFrom(undefined, { dso: '/bin/a', symbol: 'f', offset: 1, address: '1', resolved: true }),
  });
  const pathArb = fc.record({
    steps: fc.array(fc.nat({ max: 9 }), { minLength: 1, maxLength: 8 }),
    value: fc.integer({ min: 0, max: 9 }),
    event: fc.constantFrom('page-faults', 'page-faults', 'minor-faults'),
    cls: fc.constantFrom(undefined, 'first-touch-write', 'guard-hit'),
  });
  type Paths = { steps: number[]; value: number; event: string; cls: string | undefined }[];
  // TreeBuilder's tree and leaves, and a fresh PathTreeBuilder's for each call of `bulk` (with each path's number)
  const build = (pool: PathStep[], paths: Paths, oneEvent: boolean) => {
    const steps = pool.map((s) => ({ name: s.name, kind: s.kind, ...(s.dso !== undefined ? { dso: s.dso } : {}), ...(s.site !== undefined ? { site: s.site } : {}) }));
    const event = (p: Paths[number]): string => (oneEvent ? 'page-faults' : p.event);
    const classes = (p: Paths[number]) => (p.cls === undefined ? undefined : { [p.cls]: p.value });
    const plain = new TreeBuilder('all');
    const plainLeaves = paths.map((p) => plain.add(p.steps.map((s) => steps[s]!), p.value, event(p), classes(p)));
    const bulk = (): { tree: TreeNode; leaves: TreeNode[]; numbers: number[] } => {
      const b = new PathTreeBuilder('all');
      const ids = steps.map((s) => b.step(s));
      const numbers = paths.map((p) => {
        for (const s of p.steps) b.push(ids[s]!);
        return b.end(p.value, event(p), classes(p));
      });
      const made = b.finish();
      // leaves read when asked for, as the builder's result gives them
      return { tree: made.tree, get leaves() { return made.leaves; }, numbers };
    };
    return { plain: plain.finish(), plainLeaves, bulk };
  };
  const args = [fc.array(stepArb, { minLength: 10, maxLength: 10 }), fc.array(pathArb, { maxLength: 30 }), fc.boolean()] as const;

  it('writes JSON from unmade chains as JSON.stringify writes the made tree, and makes the tree TreeBuilder makes: fields, their order, values', () => {
    fc.assert(
      fc.property(...args, (pool, paths, oneEvent) => {
        const { plain, bulk } = build(pool, paths, oneEvent);
        const { tree } = bulk();
        const chains = unmade(tree);
        const json = treeText(renderJson(reportOf(tree)));
        // writing made none
        expect(unmade(tree)).toBe(chains);
        expect(json).toBe(JSON.stringify(nodeJson(plain)));
        expect(JSON.stringify(tree)).toBe(JSON.stringify(plain));
        expect(unmade(tree)).toBe(0);
        expect(tree).toEqual(plain);
        expect(keyOrder(tree)).toEqual(keyOrder(plain));
      }),
      { numRuns: 300 },
    );
  });

  it('encodes the page\'s tree from unmade chains as from the made tree, making none without a site above its leaf', () => {
    // the unmade chains with no instruction site above the leaf (the encoder makes the others: its sink is handed a site's node)
    const siteless = (n: TreeNode): number => {
      const c = unmadeChain(n);
      if (c !== undefined) return c.pool.subarray(c.from, c.to - 1).every((k) => c.steps[k]!.site === undefined) ? 1 : 0;
      return n.children.reduce((sum, child) => sum + siteless(child), 0);
    };
    fc.assert(
      fc.property(...args, (pool, paths, oneEvent) => {
        const { plain, bulk } = build(pool, paths, oneEvent);
        const { tree } = bulk();
        const chains = siteless(tree);
        const enc = encodeTree(tree);
        expect(siteless(tree)).toBe(chains);
        expect(enc).toEqual(encodeTree(plain));
      }),
      { numRuns: 300 },
    );
  });

  it('reads the findings\' paths from unmade chains as from the made tree, their nodes and leaves the tree\'s own once made', () => {
    fc.assert(
      fc.property(...args, (pool, paths, oneEvent) => {
        const { plain, bulk } = build(pool, paths, oneEvent);
        const { tree } = bulk();
        const ctx = findingContext(reportOf(tree));
        const want = findingContext(reportOf(plain));
        expect(ctx.paths.map(pathFacts)).toEqual(want.paths.map(pathFacts));
        // the nodes a path gave are the tree's: the same objects a walk of it meets
        const walked: TreeNode[][] = [];
        forEachPath(tree, (path) => walked.push([...path]));
        ctx.paths.forEach((p, i) => {
          expect(p.nodes.length).toBe(walked[i]!.length);
          p.nodes.forEach((n, j) => expect(n).toBe(walked[i]![j]));
          expect(p.leaf).toBe(walked[i]!.at(-1) ?? tree);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('gives each path its leaf, the node the made tree holds, whether the leaves are read before the chains are made or after', () => {
    fc.assert(
      fc.property(...args, fc.boolean(), (pool, paths, oneEvent, leavesFirst) => {
        const { plain, plainLeaves, bulk } = build(pool, paths, oneEvent);
        const got = bulk();
        const numbers = got.numbers;
        const leaves = leavesFirst ? got.leaves : [];
        // a leaf read first is the one the chain is made with: a field written on it shows in the tree
        if (leavesFirst) for (const l of leaves) l.cells = [1, 2, 3, 4];
        expect(JSON.stringify(got.tree, (k, v: unknown) => (k === 'cells' ? undefined : v))).toBe(JSON.stringify(plain));
        const all = leavesFirst ? leaves : got.leaves;
        const gotAt = places(got.tree);
        const wantAt = places(plain);
        expect(numbers.map((n) => gotAt.get(all[n]!))).toEqual(plainLeaves.map((n) => wantAt.get(n)));
        if (leavesFirst) for (const n of numbers) expect(all[n]!.cells).toEqual([1, 2, 3, 4]);
      }),
      { numRuns: 200 },
    );
  });
});

// Every perf script capture under samples/ with the listings beside it, as `report -f json` reads them.
function captures(): { trace: string; objdump: string[] }[] {
  const out: { trace: string; objdump: string[] }[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(ROOT + dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (/perf-script/.test(e.name)) {
        const listings = readdirSync(ROOT + dirname(path)).filter((f) => f.includes('objdump')).sort();
        out.push({ trace: ROOT + path, objdump: listings.map((f) => ROOT + join(dirname(path), f)) });
      }
    }
  };
  walk('samples');
  return out;
}

describe('chains in real captures', () => {
  it('writes each sample\'s JSON tree and page, and reads its findings, from unmade chains as from the made tree', async () => {
    let chains = 0;
    const list = captures();
    expect(list.length).toBeGreaterThan(20);
    for (const [i, { trace, objdump }] of list.entries()) {
      // by turns what `report -f json` asks for (no slices, no leaves by site, no listings for the page) and what `-f html` does
      const html = i % 2 === 1;
      const options = html ? { traces: [trace], objdump, siteTree: true } : { traces: [trace], objdump, slices: false, siteTree: false, pageListings: false };
      let report: Report;
      try {
        report = await buildReport(options);
      } catch {
        continue; // a capture the report refuses (tests of their own say why)
      }
      const unmadeHere = unmade(report.tree);
      chains += unmadeHere;
      const findings = findFindings(report);
      const ctx = findingContext(report);
      const json = treeText(renderJson(report));
      // neither the findings nor the writer made a chain
      expect(unmade(report.tree), trace).toBe(unmadeHere);
      const facts = JSON.stringify(ctx.paths.map(pathFacts));
      // the page makes them as it reads them
      const page = html ? renderHtml(report) : '';
      // the same report, its chains made before anything reads them
      const again = await buildReport(options);
      JSON.stringify(again.tree);
      expect(unmade(again.tree), trace).toBe(0);
      expect(findFindings(again), trace).toEqual(findings);
      expect(JSON.stringify(findingContext(again).paths.map(pathFacts)), trace).toBe(facts);
      expect(json, trace).toBe(JSON.stringify(nodeJson(report.tree)));
      expect(json, trace).toBe(treeText(renderJson(again)));
      if (html) expect(page, trace).toBe(renderHtml(again));
    }
    expect(chains).toBeGreaterThan(100);
  }, 180_000);
});
