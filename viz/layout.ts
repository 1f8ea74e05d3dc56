// Where each frame of a fault-path tree goes in a flame graph: d3-hierarchy's
// partition layout gives every node a horizontal span proportional to its
// value; rows follow depth, the root at the bottom (flame) or the top (icicle).
//
// A tree of 100k nodes has far more frames than pixels, so sibling frames
// narrower than `minWidth` are merged into one box that says how many frames it
// holds; nothing below a narrow box is laid out. Every unit of value still has
// a box at every depth it reaches, so widths add up.
import { hierarchy, partition, type HierarchyRectangularNode } from 'd3-hierarchy';
import type { TreeNode } from '../src/model.js';

export type Orientation = 'flame' | 'icicle';

export interface LayoutOptions {
  /** Width of the graph in px. Default 1200. */
  width?: number;
  /** Height of one row of frames in px. Default 16. */
  rowHeight?: number;
  /** Sibling frames narrower than this many px are merged into one box. Default 0.1. */
  minWidth?: number;
  /** 'flame': root at the bottom, callees above (FlameGraph); 'icicle': root at the top. Default 'flame'. */
  orientation?: Orientation;
}

/** One rectangle to draw. */
export interface LayoutBox {
  /** Left edge, px from the graph's left. */
  readonly x: number;
  /** Top edge, px from the graph's top. */
  y: number;
  readonly width: number;
  /** 0 for the root. */
  readonly depth: number;
  /** The frame this box draws; undefined for a box of merged narrow frames. */
  readonly node: TreeNode | undefined;
  /** How many sibling frames a merged box holds; 0 for a frame's own box. */
  readonly merged: number;
  /** A merged box's first frame (the others are its next siblings). */
  readonly first?: TreeNode;
  /** Nodes under this box (merged frames' subtrees, or a narrow frame's children) that have no box of their own. */
  readonly hidden: number;
  /** The value the box stands for (a frame's value, or the merged frames' sum). */
  readonly value: number;
  /** Index of the parent box in `Layout.boxes`; -1 for the root. */
  readonly parent: number;
}

export interface Layout {
  /** Every box; a parent always comes before its children, siblings left to right. */
  readonly boxes: LayoutBox[];
  readonly width: number;
  /** Rows × rowHeight. */
  readonly height: number;
  readonly rowHeight: number;
  /** Number of rows (deepest box's depth + 1). */
  readonly rows: number;
  /** The root's value as laid out (its value, or its children's sum when that is larger). */
  readonly total: number;
}

type Laid = HierarchyRectangularNode<TreeNode>;

/** Lays out `tree` as a flame graph (or an icicle), merging frames narrower than `minWidth` px. */
export function layoutTree(tree: TreeNode, options: LayoutOptions = {}): Layout {
  const width = options.width ?? 1200;
  const rowHeight = options.rowHeight ?? 16;
  const minWidth = options.minWidth ?? 0.1;
  const orientation = options.orientation ?? 'flame';

  // d3 sums "own" values up the tree. A node's own value is what its value
  // holds beyond its children's; it equals `self` when the tree is consistent,
  // and keeps the node's full width if `self` was not filled in.
  const root = hierarchy<TreeNode>(tree, (d) => d.children).sum((d) => ownValue(d));
  const laid = partition<TreeNode>().size([width, 1])(root);
  const sizes = subtreeSizes(laid);

  const boxes: LayoutBox[] = [];
  let maxDepth = 0;
  const push = (box: LayoutBox): number => {
    boxes.push(box);
    if (box.depth > maxDepth) maxDepth = box.depth;
    return boxes.length - 1;
  };

  const rootIndex = push(frameBox(laid, -1, 0));
  const stack: { node: Laid; index: number }[] = [{ node: laid, index: rootIndex }];
  while (stack.length > 0) {
    const { node, index } = stack.pop()!;
    const kids = node.children ?? [];
    const wide: { node: Laid; index: number }[] = [];
    for (let i = 0; i < kids.length; ) {
      const kid = kids[i]!;
      if (kid.x1 - kid.x0 >= minWidth) {
        wide.push({ node: kid, index: push(frameBox(kid, index, 0)) });
        i++;
        continue;
      }
      // A run of narrow siblings: one box for all of them.
      let j = i;
      let hidden = 0;
      let value = 0;
      while (j < kids.length && kids[j]!.x1 - kids[j]!.x0 < minWidth) {
        hidden += sizes.get(kids[j]!)! - 1;
        value += kids[j]!.value ?? 0;
        j++;
      }
      const first = kids[i]!;
      const last = kids[j - 1]!;
      if (j - i === 1) {
        push(frameBox(first, index, hidden));
      } else {
        push({ x: first.x0, y: 0, width: last.x1 - first.x0, depth: first.depth, node: undefined, merged: j - i, first: first.data, hidden, value, parent: index });
      }
      i = j;
    }
    // Reverse so the widest child is laid out (and so numbered) first.
    for (let k = wide.length - 1; k >= 0; k--) stack.push(wide[k]!);
  }

  const rows = maxDepth + 1;
  for (const box of boxes) box.y = (orientation === 'flame' ? maxDepth - box.depth : box.depth) * rowHeight;
  return { boxes, width, height: rows * rowHeight, rowHeight, rows, total: laid.value ?? 0 };
}

function frameBox(node: Laid, parent: number, hidden: number): LayoutBox {
  return { x: node.x0, y: 0, width: node.x1 - node.x0, depth: node.depth, node: node.data, merged: 0, hidden, value: node.value ?? 0, parent };
}

function ownValue(node: TreeNode): number {
  let children = 0;
  for (const c of node.children) children += c.value;
  return Math.max(0, node.value - children);
}

function subtreeSizes(root: Laid): Map<Laid, number> {
  const sizes = new Map<Laid, number>();
  root.eachAfter((n) => {
    let size = 1;
    for (const c of n.children ?? []) size += sizes.get(c)!;
    sizes.set(n, size);
  });
  return sizes;
}
