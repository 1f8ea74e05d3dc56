import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { TreeNode } from '../../src/model.js';
import { layoutTree, type Layout } from '../../viz/layout.js';
import { newNode, TreeBuilder } from '../../src/tree.js';
import { captureReport, countNodes, guardReport, scaleReport } from './fixtures.js';

const guard = await guardReport();

// Every node is either drawn, one of a merged box's frames, or hidden under a box.
function accountedNodes(layout: Layout): number {
  let n = 0;
  for (const b of layout.boxes) n += (b.node === undefined ? b.merged : 1) + b.hidden;
  return n;
}

// For every drawn frame whose children were laid out, the children's boxes
// fill exactly the part of its width that is not its own self value.
function checkWidthsAddUp(layout: Layout, width: number): void {
  const scale = width / layout.total;
  const childWidth = new Map<number, number>();
  layout.boxes.forEach((b) => {
    if (b.parent >= 0) childWidth.set(b.parent, (childWidth.get(b.parent) ?? 0) + b.width);
  });
  layout.boxes.forEach((b, i) => {
    if (b.node === undefined || b.hidden > 0) return;
    const childrenValue = b.node.children.reduce((s, c) => s + c.value, 0);
    expect(childWidth.get(i) ?? 0).toBeCloseTo(childrenValue * scale, 6);
  });
}

describe('layoutTree', () => {
  test('lays out every frame of the guard tree when nothing is narrow, root spanning the width', () => {
    const report = guard;
    const layout = layoutTree(report.tree, { width: 1000, minWidth: 0 });
    expect(layout.boxes.length).toBe(countNodes(report.tree));
    expect(layout.boxes[0]).toMatchObject({ x: 0, width: 1000, depth: 0, node: report.tree, parent: -1 });
    expect(layout.total).toBe(report.tree.value);
    checkWidthsAddUp(layout, 1000);
  });

  test('flame puts the root at the bottom row, icicle at the top, same spans', async () => {
    const tree = (await captureReport('perf-java-faults-01')).tree;
    const flame = layoutTree(tree, { orientation: 'flame', rowHeight: 10 });
    const icicle = layoutTree(tree, { orientation: 'icicle', rowHeight: 10 });
    expect(flame.boxes[0]!.y).toBe(flame.height - 10);
    expect(icicle.boxes[0]!.y).toBe(0);
    expect(flame.boxes.map((b) => [b.x, b.width, b.depth])).toEqual(icicle.boxes.map((b) => [b.x, b.width, b.depth]));
    flame.boxes.forEach((b, i) => expect(b.y + icicle.boxes[i]!.y).toBe(flame.height - 10));
  });

  test('a child box lies inside its parent, and parents come first', () => {
    const layout = layoutTree(guard.tree, { width: 1200 });
    layout.boxes.forEach((b, i) => {
      if (b.parent < 0) return;
      const p = layout.boxes[b.parent]!;
      expect(b.parent).toBeLessThan(i);
      expect(b.depth).toBe(p.depth + 1);
      expect(b.x).toBeGreaterThanOrEqual(p.x - 1e-9);
      expect(b.x + b.width).toBeLessThanOrEqual(p.x + p.width + 1e-9);
    });
  });

  test('merges narrow frames of a 100k-node tree into boxes that say how many they hold', async () => {
    const report = await scaleReport();
    const nodes = countNodes(report.tree);
    expect(nodes).toBeGreaterThanOrEqual(100_000);
    const layout = layoutTree(report.tree, { width: 1200, minWidth: 0.1 });
    const merged = layout.boxes.filter((b) => b.node === undefined);
    expect(merged.length).toBeGreaterThan(0);
    expect(merged.every((b) => b.merged >= 2 && b.width > 0)).toBe(true);
    expect(layout.boxes.length).toBeLessThan(nodes / 5);
    expect(accountedNodes(layout)).toBe(nodes);
    // Nothing is laid out under a narrow box.
    const parents = new Set(layout.boxes.map((b) => b.parent));
    layout.boxes.forEach((b, i) => {
      if (b.width < 0.1) expect(parents.has(i)).toBe(false);
    });
    checkWidthsAddUp(layout, 1200);
  });

  test('keeps a node whose self value was not filled in at its full value', () => {
    const tree = newNode('all', 'root');
    tree.value = 10;
    const child = newNode('main', 'user');
    child.value = 4;
    child.self = 4;
    tree.children.push(child);
    const layout = layoutTree(tree, { width: 100 });
    expect(layout.total).toBe(10);
    expect(layout.boxes[1]!.width).toBeCloseTo(40);
  });

  test('an empty tree is one root box', () => {
    const layout = layoutTree(newNode('all', 'root'), { width: 300 });
    expect(layout.boxes).toHaveLength(1);
    expect(layout.rows).toBe(1);
  });

  // Random trees from random stacks: the arithmetic holds whatever the shape.
  test('property: widths add up and every node is accounted for', () => {
    const frame = fc.constantFrom('main', 'a', 'b', 'c', 'write_field', 'memset', 'do_page_fault');
    const stack = fc.array(frame, { minLength: 1, maxLength: 8 });
    const sample = fc.tuple(stack, fc.integer({ min: 1, max: 1000 }));
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 60 }), fc.double({ min: 0, max: 30, noNaN: true }), (samples, minWidth) => {
        const builder = new TreeBuilder();
        for (const [s, v] of samples) builder.add(s.map((name) => ({ name, kind: 'user' as const })), v, 'page-faults');
        const tree: TreeNode = builder.finish();
        const layout = layoutTree(tree, { width: 500, minWidth });
        expect(accountedNodes(layout)).toBe(countNodes(tree));
        expect(layout.total).toBe(tree.value);
        checkWidthsAddUp(layout, 500);
        for (const b of layout.boxes) if (b.node === undefined) expect(b.merged).toBeGreaterThanOrEqual(2);
      }),
      { numRuns: 200 },
    );
  });
});
