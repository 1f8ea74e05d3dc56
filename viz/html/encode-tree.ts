// The page's compact form of a tree (encode.ts) made from the tree, and read
// back into nodes (decodeTree: the reference reading). Apart from encode.ts,
// which the page's script bundles: an edit here leaves the script as it is.
import type { FaultClass, FaultSite, NodeKind, TreeNode } from '../../src/model.js';
import { unmadeChain, type ChainHead } from '../../src/path-tree.js';
import type { PathStep } from '../../src/tree.js';
import { partitionX0, type EncodedTree, type IntColumn } from './encode.js';

/** intern(x): x's index in `items`, pushing it there the first time its key is met (what `items` holds already keeps its index). */
export function interner<T>(items: T[], keyOf: (x: T) => string): (x: T) => number {
  const index = new Map<string, number>();
  items.forEach((x, i) => index.set(keyOf(x), i));
  return (x) => {
    const key = keyOf(x);
    let i = index.get(key);
    if (i === undefined) {
      i = items.length;
      items.push(x);
      index.set(key, i);
    }
    return i;
  };
}

/** interner over strings, each its own key. */
export const stringInterner = (strings: string[]): ((s: string) => number) => interner(strings, (s) => s);

/** Where encodeTree hands each node's site and classes instead of keeping them in `sites` and `classes` (pack-page.ts keeps them by reference). */
export interface LeafSink {
  site(node: number, site: FaultSite, tree: TreeNode): void;
  classes(node: number, classes: Partial<Record<FaultClass, number>>): void;
  /** A node with cells (`tree` its TreeNode, `cells` its cells): true when the sink carries them, and `cells` leaves them out. */
  cells?(node: number, tree: TreeNode, cells: NonNullable<TreeNode['cells']>): boolean;
}

/**
 * Flattens `tree` into the page's compact form; with `shared`, its strings go
 * into that table (another tree's), which becomes its `strings`; with `sink`,
 * sites and classes go there. Without `layout`, x0 is left empty (the page
 * computes it from `up` and `value`: pack.ts `layout`).
 */
export function encodeTree(tree: TreeNode, shared?: { strings: string[]; intern: (s: string) => number }, sink?: LeafSink, layout = true): EncodedTree {
  const arrays: IntColumns<number[]> = { make: (n) => new Array<number>(n), trim: (a, n) => ((a.length = n), a) };
  return encodeColumns(tree, arrays, arrays, shared, sink, layout);
}

/** How encodeColumns makes its integer columns, and cuts one to its first n values. */
export interface IntColumns<I extends IntColumn> {
  make(n: number): I;
  trim(column: I, n: number): I;
  /** For value columns made of 32-bit integers: a column of any numbers with `column`'s first n values (a value not such an integer comes next). */
  widen?(column: I, n: number): I;
}

/** encodeTree with its integer columns made by `ints`, its value columns by `floats`; each sized once by a first walk of the tree (grown, a 200k-node tree's columns left as much again in garbage). An unmade chain's nodes (src/path-tree.ts) are read from its steps, not made (the bench capture: 203k of the tree's 209k nodes). */
export function encodeColumns<I extends IntColumn, F extends IntColumn>(tree: TreeNode, ints: IntColumns<I>, floats: IntColumns<F>, shared?: { strings: string[]; intern: (s: string) => number }, sink?: LeafSink, layout = true): EncodedTree<I, F> {
  const strings: string[] = shared?.strings ?? [];
  const intern = shared?.intern ?? stringInterner(strings);
  const kinds: string[] = [];
  const internKind = stringInterner(kinds);
  // the chains' steps, by number: what they say once worked out
  const known = new ChainSteps();
  const counted = countNodes(tree, known, sink?.cells === undefined);
  const cap = counted.nodes;
  const up = ints.make(cap);
  const name = ints.make(cap);
  const kind = ints.make(cap);
  const dsoOf = ints.make(cap);
  const event = ints.make(cap);
  let value = floats.make(cap);
  let self = floats.make(cap);
  // the value columns are of 32-bit integers until a value is not one
  let narrow = floats.widen !== undefined;
  const multi: number[] = [];
  const sites: Record<string, FaultSite> = {};
  const classes: Record<string, Partial<Record<FaultClass, number>>> = {};
  // a sink that takes cells mostly leaves none here
  const cellList: number[] = sink?.cells === undefined ? new Array<number>(counted.cells) : [];
  // d3's own value of a node is what it holds beyond its children (its self value when the tree is consistent)
  const own = new Float64Array(layout ? cap : 0);
  let at = 0;
  let lastKind = '';
  let lastKindIndex = -1;
  let lastDso = '';
  let lastDsoIndex = -1;
  let lastEvent = '';
  let lastEventIndex = -1;
  // node i's columns but its site, classes and cells
  const fields = (i: number, parent: number, nodeName: string, nodeKind: string, dso: string | undefined, nodeValue: number, nodeSelf: number, byEvent: Record<string, number>): void => {
    up[i] = parent < 0 ? 0 : i - parent;
    name[i] = intern(nodeName);
    // kinds and dsos run alike down a path: the last one's index again without a lookup
    kind[i] = nodeKind === lastKind ? lastKindIndex : (lastKindIndex = internKind((lastKind = nodeKind)));
    if (narrow && ((nodeValue | 0) !== nodeValue || (nodeSelf | 0) !== nodeSelf)) {
      value = floats.widen!(value, i);
      self = floats.widen!(self, i);
      narrow = false;
    }
    value[i] = nodeValue;
    self[i] = nodeSelf;
    dsoOf[i] = dso === undefined ? 0 : dso === lastDso ? lastDsoIndex : (lastDsoIndex = intern((lastDso = dso)) + 1);
    let events = 0;
    let only = '';
    for (const e in byEvent) {
      if (events++ > 0) break;
      only = e;
    }
    if (events === 0) {
      event[i] = -2;
    } else if (events === 1 && byEvent[only] === nodeValue) {
      event[i] = only === lastEvent ? lastEventIndex : (lastEventIndex = intern((lastEvent = only)));
    } else {
      events = 0;
      for (const _ in byEvent) events++;
      event[i] = -1;
      multi.push(i, events);
      for (const e in byEvent) multi.push(intern(e), byEvent[e]!);
    }
  };
  const nodes: TreeNode[] = [tree];
  const parents: number[] = [-1];
  let i = 0;
  for (; nodes.length > 0; i++) {
    const node = nodes.pop()!;
    const parent = parents.pop()!;
    const chain = readableChain(node, known);
    if (chain !== undefined) {
      // a chain's head: its fields read where only heads are (a few shapes), not where every node is (a dozen shapes:
      // a field most lack, `classes` or `cells`, is looked up there the slow way)
      const h: TreeNode = chain;
      fields(i, parent, h.name, h.kind, h.dso, h.value, h.self, h.byEvent);
      if (h.site !== undefined) {
        if (sink !== undefined) sink.site(i, h.site, h);
        else sites[i] = h.site;
      }
      if (h.classes !== undefined) {
        if (sink !== undefined) sink.classes(i, h.classes);
        else classes[i] = h.classes;
      }
      const cells = h.cells;
      if (cells !== undefined && cells.length > 0 && sink?.cells?.(i, h, cells) !== true) {
        cellList[at++] = i;
        cellList[at++] = cells.length / 4;
        for (let j = 0; j < cells.length; j++) cellList[at++] = cells[j]!;
      }
      // its nodes next in pre-order, each the one child of the one before: those above the leaf with the chain's
      // value and counts (src/report-json.ts writes them so), the leaf itself as a node (its cells, its classes)
      const { pool, from, to } = chain;
      const head = i;
      if (from < to - 1) {
        // the first as any node; the others with its value, kind of counts and event, their names by step
        const first = pool[from]!;
        const step = known.steps[first]!;
        i++;
        fields(i, i - 1, step.name, step.kind, step.dso, chain.value, 0, chain.byEvent);
        known.name[first] = name[i]!;
        known.kind[first] = kind[i]!;
        known.dso[first] = dsoOf[i]!;
        const oneEvent = event[i]! !== -1;
        for (let k = from + 1; k < to - 1; k++) {
          const s = pool[k]!;
          i++;
          if (!oneEvent || known.name[s]! < 0) {
            const step = known.steps[s]!;
            fields(i, i - 1, step.name, step.kind, step.dso, chain.value, 0, chain.byEvent);
            known.name[s] = name[i]!;
            known.kind[s] = kind[i]!;
            known.dso[s] = dsoOf[i]!;
            continue;
          }
          up[i] = 1;
          name[i] = known.name[s]!;
          kind[i] = known.kind[s]!;
          value[i] = value[i - 1]!;
          self[i] = 0;
          dsoOf[i] = known.dso[s]!;
          event[i] = event[i - 1]!;
        }
      }
      const leaf = chain.leaf();
      nodes.push(leaf);
      parents.push(i);
      // own values: each node's beyond its one child's
      if (layout) for (let j = head; j <= i; j++) own[j] = Math.max(0, value[j]! - (j < i ? value[j + 1]! : leaf.value));
      continue;
    }
    fields(i, parent, node.name, node.kind, node.dso, node.value, node.self, node.byEvent);
    if (node.site !== undefined) {
      if (sink !== undefined) sink.site(i, node.site, node);
      else sites[i] = node.site;
    }
    if (node.classes !== undefined) {
      if (sink !== undefined) sink.classes(i, node.classes);
      else classes[i] = node.classes;
    }
    const cells = node.cells;
    if (cells !== undefined && cells.length > 0 && sink?.cells?.(i, node, cells) !== true) {
      cellList[at++] = i;
      cellList[at++] = cells.length / 4;
      for (let j = 0; j < cells.length; j++) cellList[at++] = cells[j]!;
    }
    const kids = node.children;
    if (layout) {
      let children = 0;
      for (let c = 0; c < kids.length; c++) children += kids[c]!.value;
      own[i] = Math.max(0, node.value - children);
    }
    for (let c = kids.length - 1; c >= 0; c--) {
      nodes.push(kids[c]!);
      parents.push(i);
    }
  }
  const n = i;
  cellList.length = at;
  const enc: EncodedTree<I, F> = { strings, kinds, up: ints.trim(up, n), name: ints.trim(name, n), kind: ints.trim(kind, n), value: floats.trim(value, n), self: floats.trim(self, n), x0: layout ? new Array<number>(n) : [], dso: ints.trim(dsoOf, n), event: ints.trim(event, n), multi, sites, classes, cells: cellList };
  if (layout) partitionX0(enc.up, own, enc.x0);
  return enc;
}

/** The tree's nodes, and the length of its `cells` list. */
function countNodes(tree: TreeNode, known: ChainSteps, withCells: boolean): { nodes: number; cells: number } {
  let nodes = 0;
  let cells = 0;
  const stack = [tree];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    nodes++;
    if (!withCells) {
      // an unmade chain's nodes below, its leaf's cells not needed: counted without its steps or its leaf read
      // (encodeColumns reads them: read here too, the bench capture's 30k chains and leaves were ~14 ms of cache misses)
      const unmade = unmadeChain(node);
      if (unmade !== undefined) {
        nodes += unmade.to - unmade.from;
        continue;
      }
    }
    const chain = readableChain(node, known);
    if (chain !== undefined) {
      // the nodes above its leaf (none has cells), then the leaf
      nodes += chain.to - chain.from - 1;
      stack.push(chain.leaf());
      continue;
    }
    // (a field most nodes lack, read on nodes of a dozen shapes: 400 of countNodes' 460 samples in a profile of the
    // bench capture's page made 9 times, when a sink takes the cells and the count is not needed)
    if (withCells && node.cells !== undefined && node.cells.length > 0) cells += 2 + node.cells.length;
    const kids = node.children;
    for (let c = 0; c < kids.length; c++) stack.push(kids[c]!);
  }
  return { nodes, cells };
}

// What encodeColumns knows of the steps of a tree's chains, by step number: whether it has a site, and its node's
// name, kind and dso as written (-1: not yet; each is the same for every node of the step: 203k chain nodes of the
// bench capture's tree, a few thousand steps)
class ChainSteps {
  steps: readonly PathStep[] = [];
  // 1: no site, 2: a site, 0: not yet looked at
  sited = new Uint8Array(0);
  name = new Int32Array(0);
  kind = new Int32Array(0);
  dso = new Int32Array(0);

  // `steps` (a chain's) as the ones known
  of(steps: readonly PathStep[]): void {
    if (steps === this.steps) return;
    this.steps = steps;
    this.sited = new Uint8Array(steps.length);
    this.name = new Int32Array(steps.length).fill(-1);
    this.kind = new Int32Array(steps.length);
    this.dso = new Int32Array(steps.length);
  }
}

// A node's chain when its nodes below are unmade and read from its steps: those above the leaf without a site (a sink is handed a site's node).
function readableChain(n: TreeNode, known: ChainSteps): ChainHead | undefined {
  const chain = unmadeChain(n);
  if (chain === undefined) return undefined;
  known.of(chain.steps);
  const { pool, to } = chain;
  const { sited, steps } = known;
  for (let k = chain.from; k < to - 1; k++) {
    const s = pool[k]!;
    if (sited[s] === 0) sited[s] = steps[s]!.site !== undefined ? 2 : 1;
    if (sited[s] === 2) return undefined;
  }
  return chain;
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
