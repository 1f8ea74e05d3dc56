// The compact form of a fault-path tree inside the HTML page: a string table
// and flat arrays in pre-order, so a 100k-node tree is a few MB of JSON rather
// than a nested object per node with every key and name repeated.
//
// The layout travels with the tree: d3-hierarchy's partition, run here, puts
// each node at an offset in value units (an integer when the values are), so
// the page only scales offsets to pixels and never builds a hierarchy object
// per node. The inverted view, built lazily in the page, is laid out there by
// the same partition.
import { hierarchy, partition } from 'd3-hierarchy';
import type { FaultClass, FaultSite, NodeKind, TreeNode } from '../../src/model.js';

export interface EncodedTree {
  /** Names, dsos and event names, each once. */
  readonly strings: string[];
  /** Node kinds, each once. */
  readonly kinds: string[];
  /** Per node, in pre-order: distance back to the parent (0 for the root). */
  readonly up: number[];
  /** Per node: index into `strings`. */
  readonly name: number[];
  /** Per node: index into `kinds`. */
  readonly kind: number[];
  readonly value: number[];
  readonly self: number[];
  /** Per node: d3 partition's left edge in value units (the root spans [0, its laid-out value)). */
  readonly x0: number[];
  /** Per node: index into `strings` + 1, or 0 when the node has no dso. */
  readonly dso: number[];
  /** Per node: the index into `strings` of its only event (its value is all that event's), or -1 (see `multi`), or -2 (no events). */
  readonly event: number[];
  /** Nodes with more than one event: node index, event count, then (string index, value) pairs. */
  readonly multi: number[];
  /** Instruction sites by node index. */
  readonly sites: Record<string, FaultSite>;
  /** Leaves' faults by class, by node index. */
  readonly classes: Record<string, Partial<Record<FaultClass, number>>>;
  /** The leaves' cells (TreeNode.cells, keyed by Report.slices): node index, then its quadruples' count, then the quadruples. */
  readonly cells: number[];
}

/** intern(s): s's index in `strings`, pushing it there the first time (what `strings` holds already keeps its index). */
export function interner(strings: string[]): (s: string) => number {
  const index = new Map<string, number>();
  strings.forEach((s, i) => index.set(s, i));
  return (s) => {
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
}

/** Flattens `tree` into the page's compact form; with `shared`, its strings go into that table (another tree's), which becomes its `strings`. */
export function encodeTree(tree: TreeNode, shared?: { strings: string[]; intern: (s: string) => number }): EncodedTree {
  const strings: string[] = shared?.strings ?? [];
  const intern = shared?.intern ?? interner(strings);
  const kinds: string[] = [];
  const internKind = interner(kinds);
  const enc: EncodedTree = { strings, kinds, up: [], name: [], kind: [], value: [], self: [], x0: [], dso: [], event: [], multi: [], sites: {}, classes: {}, cells: [] };

  // d3's own value of a node is what it holds beyond its children (its self
  // value when the tree is consistent); the partition sums them back up.
  const laid = hierarchy<TreeNode>(tree, (d) => d.children).sum((d) => {
    let children = 0;
    for (const c of d.children) children += c.value;
    return Math.max(0, d.value - children);
  });
  partition<TreeNode>().size([laid.value ?? 0, 1])(laid).eachBefore((n) => {
    enc.x0.push(n.x0);
  });

  const stack: { node: TreeNode; parent: number }[] = [{ node: tree, parent: -1 }];
  while (stack.length > 0) {
    const { node, parent } = stack.pop()!;
    const i = enc.name.length;
    enc.up.push(parent < 0 ? 0 : i - parent);
    enc.name.push(intern(node.name));
    enc.kind.push(internKind(node.kind));
    enc.value.push(node.value);
    enc.self.push(node.self);
    enc.dso.push(node.dso === undefined ? 0 : intern(node.dso) + 1);
    const events = Object.entries(node.byEvent);
    if (events.length === 0) {
      enc.event.push(-2);
    } else if (events.length === 1 && events[0]![1] === node.value) {
      enc.event.push(intern(events[0]![0]));
    } else {
      enc.event.push(-1);
      enc.multi.push(i, events.length);
      for (const [e, v] of events) enc.multi.push(intern(e), v);
    }
    if (node.site !== undefined) enc.sites[i] = node.site;
    if (node.classes !== undefined) enc.classes[i] = node.classes;
    if (node.cells !== undefined && node.cells.length > 0) {
      enc.cells.push(i, node.cells.length / 4);
      for (const x of node.cells) enc.cells.push(x);
    }
    for (let c = node.children.length - 1; c >= 0; c--) stack.push({ node: node.children[c]!, parent: i });
  }
  return enc;
}

/** Rebuilds the tree from `encodeTree`'s output (the page reads the arrays directly; this is the reference reading); `id` is the node's pre-order index. */
export function decodeTree(enc: EncodedTree): TreeNode & { id: number } {
  type Node = TreeNode & { id: number };
  const n = enc.name.length;
  const nodes: Node[] = new Array<Node>(n);
  const multi = new Map<number, Record<string, number>>();
  for (let j = 0; j < enc.multi.length; ) {
    const node = enc.multi[j]!;
    const count = enc.multi[j + 1]!;
    const byEvent: Record<string, number> = {};
    for (let e = 0; e < count; e++) byEvent[enc.strings[enc.multi[j + 2 + 2 * e]!]!] = enc.multi[j + 3 + 2 * e]!;
    multi.set(node, byEvent);
    j += 2 + 2 * count;
  }
  const cellsByNode = new Map<number, number[]>();
  for (let j = 0; j < (enc.cells ?? []).length; ) {
    const count = enc.cells[j + 1]!;
    cellsByNode.set(enc.cells[j]!, enc.cells.slice(j + 2, j + 2 + 4 * count));
    j += 2 + 4 * count;
  }
  for (let i = 0; i < n; i++) {
    const ev = enc.event[i]!;
    const byEvent: Record<string, number> = ev >= 0 ? { [enc.strings[ev]!]: enc.value[i]! } : ev === -1 ? (multi.get(i) ?? {}) : {};
    const node: Node = { id: i, name: enc.strings[enc.name[i]!]!, kind: enc.kinds[enc.kind[i]!]! as NodeKind, value: enc.value[i]!, self: enc.self[i]!, byEvent, children: [] };
    const dso = enc.dso[i]!;
    if (dso > 0) node.dso = enc.strings[dso - 1]!;
    const site = enc.sites[i];
    if (site !== undefined) node.site = site;
    const classes = enc.classes[i];
    if (classes !== undefined) node.classes = classes;
    const cells = cellsByNode.get(i);
    if (cells !== undefined) node.cells = cells;
    nodes[i] = node;
    const up = enc.up[i]!;
    if (up > 0) nodes[i - up]!.children.push(node);
  }
  return nodes[0] ?? { id: 0, name: 'all', kind: 'root', value: 0, self: 0, byEvent: {}, children: [] };
}
