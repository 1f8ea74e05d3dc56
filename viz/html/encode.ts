// The compact form of a fault-path tree inside the HTML page: a string table
// and flat arrays in pre-order, so a 100k-node tree is a few MB of JSON rather
// than a nested object per node with every key and name repeated.
//
// The layout travels with the tree: d3-hierarchy's partition (its arithmetic,
// here without a d3 node per tree node: see partitionX0) puts each node at an
// offset in value units (an integer when the values are), so the page only
// scales offsets to pixels and never builds a hierarchy object per node. The
// inverted view, built lazily in the page, is laid out there by d3's partition.
//
// The page's script bundles this module (client/main.ts): its whole text but
// comments, unused code and types too, is in the character counts esbuild
// orders its short names by, so any edit renames the script's locals and
// changes every page's bytes. What only the report's side runs is in
// encode-tree.ts.
import type { FaultClass, FaultSite } from '../../src/model.js';

/** A column of integers: a number[] in the page; pack-page.ts builds them as Int32Array (half the memory). */
export interface IntColumn {
  [i: number]: number;
  readonly length: number;
}

export interface EncodedTree<I extends IntColumn = number[], F extends IntColumn = number[]> {
  /** Names, dsos and event names, each once. */
  readonly strings: string[];
  /** Node kinds, each once. */
  readonly kinds: string[];
  /** Per node, in pre-order: distance back to the parent (0 for the root). */
  readonly up: I;
  /** Per node: index into `strings`. */
  readonly name: I;
  /** Per node: index into `kinds`. */
  readonly kind: I;
  readonly value: F;
  readonly self: F;
  /** Per node: d3 partition's left edge in value units (the root spans [0, its laid-out value)). */
  readonly x0: number[];
  /** Per node: index into `strings` + 1, or 0 when the node has no dso. */
  readonly dso: I;
  /** Per node: the index into `strings` of its only event (its value is all that event's), or -1 (see `multi`), or -2 (no events). */
  readonly event: I;
  /** Nodes with more than one event: node index, event count, then (string index, value) pairs. */
  readonly multi: number[];
  /** Instruction sites by node index. */
  readonly sites: Record<string, FaultSite>;
  /** Leaves' faults by class, by node index. */
  readonly classes: Record<string, Partial<Record<FaultClass, number>>>;
  /** The leaves' cells (TreeNode.cells, keyed by Report.slices): node index, then its quadruples' count, then the quadruples. */
  readonly cells: number[];
}

/**
 * d3-hierarchy's partition of the tree, its x0 only, from the pre-order
 * parent distances and each node's own value: what `partition().size([root
 * value, 1])` on `hierarchy(tree).sum(own)` gives (test/viz/html.test.ts holds
 * them equal), without a d3 node per tree node (~200 bytes each: 100 MB for a
 * 500k-node tree). Same sums in the same order, so the same floating point.
 */
export function partitionX0(up: ArrayLike<number>, own: Float64Array, x0: number[]): void {
  const n = up.length;
  if (n === 0) return;
  // node.sum: its own value, then its children's sums from the last child to the first
  const sum = Float64Array.from(own);
  for (let i = n - 1; i > 0; i--) sum[i - up[i]!]! += sum[i]!;
  // treemapDice: children side by side, each sum × k wide, k = (x1 − x0) / sum (0 for an empty node)
  const k = new Float64Array(n);
  const next = new Float64Array(n);
  x0[0] = 0;
  k[0] = sum[0]! && sum[0]! / sum[0]!;
  for (let i = 1; i < n; i++) {
    const p = i - up[i]!;
    const left = next[p]!;
    const right = left + sum[i]! * k[p]!;
    next[p] = right;
    x0[i] = left;
    next[i] = left;
    k[i] = sum[i]! && (right - left) / sum[i]!;
  }
}
