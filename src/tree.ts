// The fault-path tree: build it from paths, then filter, invert, prune, fold.
// The tree is the model; folded stacks are its plain-text dump.
import type { FaultClass, FaultSite, NodeKind, TreeNode } from './model.js';
import { basename, cmp } from './dso.js';

/** One step of a path from the root towards a leaf. */
export interface PathStep {
  readonly name: string;
  readonly kind: NodeKind;
  readonly dso?: string;
  readonly site?: FaultSite;
}

type MutableNode = TreeNode & { children: TreeNode[]; byEvent: Record<string, number> };

// The byEvent of the nodes of a one-event tree while it is built (TreeBuilder).
const PENDING: Record<string, number> = Object.freeze({});

// The children of a node while it has none, in a tree being built: `childOf`
// gives a node its first child in an array of its own, and `finish` each leaf
// an empty array of its own. Most nodes get a child: an array made for each
// node was garbage for all but the leaves (5 MB of 200k).
const NO_CHILDREN: TreeNode[] = Object.freeze([]) as unknown as TreeNode[];

// One literal per shape, so dso and site are in the object, not in a
// properties array added after it (40 bytes a node on a 200k-node tree).
export function newNode(name: string, kind: NodeKind, dso?: string, site?: FaultSite, byEvent: Record<string, number> = {}, children: TreeNode[] = []): TreeNode {
  if (dso === undefined) return site === undefined ? { name, kind, value: 0, self: 0, byEvent, children } : { name, kind, value: 0, self: 0, byEvent, children, site };
  return site === undefined ? { name, kind, value: 0, self: 0, byEvent, children, dso } : { name, kind, value: 0, self: 0, byEvent, children, dso, site };
}

/**
 * Accumulates paths into a tree. Children are keyed by kind, name and dso, so
 * a kernel frame and a user frame of the same name stay apart, and so do
 * `_start` of the program and `_start` of ld.so. Memory follows distinct
 * paths, not events.
 */
export class TreeBuilder {
  readonly root: MutableNode;
  /** name → child of the nodes with many children, while building. */
  private indexes = new Map<TreeNode, Map<string, TreeNode | TreeNode[]>>();
  // While every path is of one event, a node's byEvent is its value: the
  // nodes share a placeholder, and `finish` gives each the counts of its
  // value, one object per distinct value (a record per node was a quarter of
  // the tree's memory). A second event gives every node its own record.
  private only: string | undefined;
  private multi = false;

  constructor(rootName = 'all') {
    this.root = newNode(rootName, 'root') as MutableNode;
  }

  // The previous path's steps and nodes: a step (object) that is the same at the
  // same depth, under the same nodes, leads to the same node with no search.
  private readonly lastSteps: PathStep[] = [];
  private readonly lastNodes: TreeNode[] = [];

  /** Adds `value` of `event` along `path` (outermost first); the last step gets the self value (and `classes`, `cells`), and is returned. */
  add(path: readonly PathStep[], value: number, event: string, classes?: Readonly<Partial<Record<FaultClass, number>>>, cells?: readonly number[] | Float64Array | Int32Array): TreeNode {
    if (!this.multi && event !== this.only) {
      if (this.only === undefined) this.only = event;
      else this.toMulti();
    }
    const multi = this.multi;
    let node = this.root;
    node.value += value;
    if (multi) bump(node, value, event);
    const { lastSteps, lastNodes } = this;
    let same = true;
    for (let d = 0; d < path.length; d++) {
      const step = path[d]!;
      if (same && d < lastSteps.length && lastSteps[d] === step) node = lastNodes[d]!;
      else {
        same = false;
        node = childOf(node, step, this.indexes, multi);
        lastSteps[d] = step;
        lastNodes[d] = node;
      }
      node.value += value;
      if (multi) bump(node, value, event);
    }
    lastSteps.length = path.length;
    lastNodes.length = path.length;
    return settle(node, value, classes, cells);
  }

  /** Sorts children (value descending, then name), gives the nodes their counts by event, and drops the build indexes. */
  finish(): TreeNode {
    this.indexes.clear();
    this.lastSteps.length = 0;
    this.lastNodes.length = 0;
    const only = this.multi ? undefined : this.only;
    if (only === undefined) {
      if (!this.multi) this.root.byEvent = {};
      return finish(this.root, undefined);
    }
    const shared = new Map<number, Record<string, number>>();
    // a chain of nodes (one child each, no self value) has one value down its length: no lookup for those
    let lastValue = NaN;
    let last: Record<string, number> = {};
    return finish(this.root, (value) => {
      if (value === lastValue) return last;
      let counts = shared.get(value);
      if (counts === undefined) shared.set(value, (counts = Object.freeze({ [only]: value })));
      lastValue = value;
      return (last = counts);
    });
  }

  // A second event: every node so far gets the first event's counts, its own.
  private toMulti(): void {
    const only = this.only!;
    const walk = (node: MutableNode): void => {
      node.byEvent = { [only]: node.value };
      for (const c of node.children) walk(c);
    };
    walk(this.root);
    this.multi = true;
  }
}

// The self value (and classes, cells) a path leaves at its last node.
function settle(node: TreeNode, value: number, classes?: Readonly<Partial<Record<FaultClass, number>>>, cells?: readonly number[] | Float64Array | Int32Array): TreeNode {
  node.self += value;
  if (classes !== undefined) {
    const into = (node.classes ??= {});
    for (const c in classes) into[c as FaultClass] = (into[c as FaultClass] ?? 0) + classes[c as FaultClass]!;
  }
  if (cells !== undefined && cells.length > 0) {
    // a node of this builder: its cells are an array of its own
    const into = (node.cells ??= []) as number[];
    for (const x of cells) into.push(x);
  }
  return node;
}

function bump(node: TreeNode, value: number, event: string): void {
  node.byEvent[event] = (node.byEvent[event] ?? 0) + value;
}

// Most nodes have one child or a few: those are found by a scan of the
// children; a name index (and its key strings) is built only past INDEX_AT
// children. The index per node held a third of the report's peak memory.
const INDEX_AT = 8;

function childOf(node: MutableNode, step: PathStep, indexes: Map<TreeNode, Map<string, TreeNode | TreeNode[]>>, multi: boolean): MutableNode {
  const dso = step.dso ?? '';
  const children = node.children;
  const index = children.length > INDEX_AT ? indexes.get(node) : undefined;
  if (index === undefined) {
    for (let i = 0; i < children.length; i++) {
      const c = children[i]!;
      if (c.name === step.name && c.kind === step.kind && (c.dso ?? '') === dso) return c;
    }
    const child = childNode(step, multi ? {} : PENDING);
    // most nodes have one child: an array of one, not one grown by push (room for 17)
    if (children.length === 0) node.children = [child];
    else children.push(child);
    if (children.length > INDEX_AT) {
      const made = new Map<string, TreeNode | TreeNode[]>();
      for (const c of children) indexChild(made, c);
      indexes.set(node, made);
    }
    return child;
  }
  const named = index.get(step.name);
  if (named !== undefined) {
    if (!Array.isArray(named)) {
      if (named.kind === step.kind && (named.dso ?? '') === dso) return named;
    } else {
      for (const c of named) if (c.kind === step.kind && (c.dso ?? '') === dso) return c;
    }
  }
  const child = childNode(step, multi ? {} : PENDING);
  indexChild(index, child);
  children.push(child);
  return child;
}

// A step's node, with no children yet (NO_CHILDREN).
function childNode(step: PathStep, byEvent: Record<string, number>): MutableNode {
  return newNode(step.name, step.kind, step.dso, step.site, byEvent, NO_CHILDREN) as MutableNode;
}

// Keyed by name alone (a step's name is mostly the same string each time, its
// hash kept): the few children of one name from other kinds or dsos share a list.
function indexChild(index: Map<string, TreeNode | TreeNode[]>, child: TreeNode): void {
  const named = index.get(child.name);
  if (named === undefined) index.set(child.name, child);
  else if (Array.isArray(named)) named.push(child);
  else index.set(child.name, [named, child]);
}

// Children arrays grown by push hold room for 17 nodes or more: a sorted copy
// holds what it has. `counts` gives a node of a one-event tree its byEvent.
function finish(node: MutableNode, counts: ((value: number) => Record<string, number>) | undefined): TreeNode {
  if (counts !== undefined) node.byEvent = counts(node.value);
  const children = node.children;
  if (children.length === 0) {
    if (children === NO_CHILDREN) node.children = [];
    return node;
  }
  for (const c of children) finish(c, counts);
  if (children.length === 1) return node;
  labelHomonyms(children);
  children.sort(byValueThenName);
  node.children = children.slice();
  return node;
}

interface Named {
  name: string;
  readonly kind: NodeKind;
  readonly dso?: string | undefined;
}

/**
 * Siblings of one kind and name from different dsos (`_start` of the program
 * and of ld.so) say their dso in the name, `_start (ld-linux-x86-64.so.2)`, so
 * every output (text, folded, SVG, HTML) keeps them apart. Idempotent.
 */
export function labelHomonyms(siblings: readonly Named[]): void {
  if (siblings.length < 2 || !hasHomonyms(siblings)) return;
  const groups = new Map<string, Named[]>();
  for (const n of siblings) {
    if (n.dso === undefined || n.dso === '') continue;
    const key = n.kind + '\0' + plainName(n);
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [n]);
    else g.push(n);
  }
  for (const g of groups.values()) {
    if (new Set(g.map((n) => n.dso)).size < 2) continue;
    const bases = g.map((n) => basename(n.dso!));
    const clash = new Set(bases).size < new Set(g.map((n) => n.dso)).size;
    for (const n of g) n.name = `${plainName(n)} (${clash ? n.dso! : basename(n.dso!)})`;
  }
}

// Whether two siblings of one kind and name have different dsos: without a
// string or map per sibling for the many small families.
export function hasHomonyms(siblings: readonly Named[]): boolean {
  if (siblings.length <= 16) {
    for (let i = 0; i < siblings.length; i++) {
      const a = siblings[i]!;
      if (a.dso === undefined || a.dso === '') continue;
      let name: string | undefined;
      for (let j = i + 1; j < siblings.length; j++) {
        const b = siblings[j]!;
        if (b.kind === a.kind && b.dso !== undefined && b.dso !== '' && b.dso !== a.dso && plainName(b) === (name ??= plainName(a))) return true;
      }
    }
    return false;
  }
  const dsoOf = new Map<string, string>();
  for (const n of siblings) {
    if (n.dso === undefined || n.dso === '') continue;
    const key = n.kind + '\0' + plainName(n);
    const d = dsoOf.get(key);
    if (d === undefined) dsoOf.set(key, n.dso);
    else if (d !== n.dso) return true;
  }
  return false;
}

/** A node's name without the dso `labelHomonyms` added. */
export function plainName(n: { readonly name: string; readonly dso?: string | undefined }): string {
  // both labels end in ')'
  if (n.dso === undefined || n.dso === '' || !n.name.endsWith(')')) return n.name;
  for (const label of [` (${basename(n.dso)})`, ` (${n.dso})`]) if (n.name.endsWith(label)) return n.name.slice(0, -label.length);
  return n.name;
}

export function byValueThenName(a: TreeNode, b: TreeNode): number {
  return b.value - a.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Calls `fn` for every root-to-leaf path that carries self value: (path without the root, self value, node). */
export function forEachPath(root: TreeNode, fn: (path: readonly TreeNode[], self: number, node: TreeNode) => void): void {
  const stack: TreeNode[] = [];
  const walk = (node: TreeNode): void => {
    if (node.self > 0) fn(stack, node.self, node);
    for (const c of node.children) {
      stack.push(c);
      walk(c);
      stack.pop();
    }
  };
  walk(root);
}

/**
 * The inverted tree: leaf first, like `perf report --no-children` with the
 * caller graph, or a FlameGraph `--reverse`. The first level under the root
 * keeps the command (comm) so processes stay apart.
 */
export function invertTree(root: TreeNode): TreeNode {
  const b = new TreeBuilder(root.name);
  forEachPath(root, (path, self, leaf) => {
    const [comm, ...rest] = path;
    const steps: PathStep[] = [];
    if (comm !== undefined && comm.kind === 'comm') {
      steps.push(stepOf(comm));
      for (let i = rest.length - 1; i >= 0; i--) steps.push(stepOf(rest[i]!));
    } else {
      for (let i = path.length - 1; i >= 0; i--) steps.push(stepOf(path[i]!));
    }
    selfByEvent(leaf, self).forEach(([event, v], i) => b.add(steps, v, event, i === 0 ? leaf.classes : undefined, i === 0 ? leaf.cells : undefined));
  });
  return b.finish();
}

function stepOf(n: TreeNode): PathStep {
  const s: { name: string; kind: NodeKind; dso?: string; site?: FaultSite } = { name: n.name, kind: n.kind };
  if (n.dso !== undefined) s.dso = n.dso;
  if (n.site !== undefined) s.site = n.site;
  return s;
}

/**
 * A node's self value split by event. Leaves carry only self value, so their
 * byEvent is exact; for inner nodes with self value, the events of the self
 * part are what byEvent holds beyond the children.
 */
export function selfByEvent(node: TreeNode, self: number): [string, number][] {
  const out: [string, number][] = [];
  const rest: Record<string, number> = { ...node.byEvent };
  for (const c of node.children) for (const [e, v] of Object.entries(c.byEvent)) rest[e] = (rest[e] ?? 0) - v;
  let total = 0;
  for (const [e, v] of Object.entries(rest)) {
    if (v > 0) {
      out.push([e, v]);
      total += v;
    }
  }
  if (total !== self) return [['?', self]]; // cannot happen for trees built by TreeBuilder
  return out;
}

/**
 * Replaces children below `minFraction` of the root by one `[N more below X%]`
 * node per parent, so every level still adds up to its parent.
 */
export function pruneTree(root: TreeNode, minFraction: number): TreeNode {
  if (!(minFraction > 0)) return root;
  const limit = root.value * minFraction;
  const label = formatPercent(minFraction * 100);
  const prune = (node: TreeNode): TreeNode => {
    const kept: TreeNode[] = [];
    const other = newNode('', 'unknown');
    let hidden = 0;
    for (const c of node.children) {
      if (c.value >= limit) {
        kept.push(prune(c));
      } else {
        hidden++;
        other.value += c.value;
        other.self += c.value;
        for (const [e, v] of Object.entries(c.byEvent)) other.byEvent[e] = (other.byEvent[e] ?? 0) + v;
        forEachPath(c, (_p, _self, n) => {
          // `other` is made here: its cells are an array
          if (n.cells !== undefined) for (const x of n.cells) ((other.cells ??= []) as number[]).push(x);
        });
      }
    }
    const copy: TreeNode = { ...node, children: kept };
    if (hidden > 0) {
      copy.children.push({ ...other, name: `[${hidden} more below ${label}%]` });
    }
    return copy;
  };
  return prune(root);
}

function formatPercent(p: number): string {
  return p >= 1 ? p.toFixed(0) : p.toPrecision(1);
}

/**
 * Folded stacks (`a;b;c value`), FlameGraph's plain-text form of the tree,
 * sorted like stackcollapse output. Frame names lose `;` (the separator) to `:`.
 */
export function foldTree(root: TreeNode): string[] {
  const lines: string[] = [];
  forEachPath(root, (path, self) => {
    if (path.length === 0) return;
    lines.push(path.map((n) => n.name.replaceAll(';', ':')).join(';') + ' ' + String(self));
  });
  lines.sort(cmp);
  return lines;
}

/** Sum of self values: must equal root.value for any consistent tree. */
export function totalSelf(root: TreeNode): number {
  let sum = 0;
  forEachPath(root, (_p, self) => {
    sum += self;
  });
  return sum;
}

/**
 * A tree from folded stacks (`a;b;c 12`), the inverse of `foldTree`. Every
 * frame is of `kind` (default 'user'); the first frame is taken as the command.
 * Lines that are not `stack count` are returned as bad line numbers (1-based).
 */
export function treeFromFolded(lines: Iterable<string>, event = 'samples'): { tree: TreeNode; bad: number[] } {
  const b = new TreeBuilder();
  const bad: number[] = [];
  let n = 0;
  for (const raw of lines) {
    n++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    const sp = line.lastIndexOf(' ');
    const count = sp > 0 ? Number(line.slice(sp + 1)) : NaN;
    if (!(count >= 0) || !Number.isFinite(count)) {
      bad.push(n);
      continue;
    }
    const names = line.slice(0, sp).split(';');
    b.add(names.map((name, i) => ({ name, kind: i === 0 ? 'comm' : 'user' })), count, event);
  }
  return { tree: b.finish(), bad };
}
