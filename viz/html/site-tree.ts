// The tree by protection site, built in the page from the call tree and its
// leaves split by site (Report.siteLeaves, packed by pack-page.ts): the tree
// --group-by site builds, node for node. Under a site, each node is a call
// tree node (its name, kind and dso), so a leaf's path is its call tree
// ancestors; values add up the leaves under them, names are labelled and
// children sorted as TreeBuilder.finish does, nodes numbered in pre-order.
import type { FaultClass, FaultSite, NodeKind } from '../../src/model.js';
import { labelHomonyms, plainName } from '../../src/tree.js';
import type { EncodedTree, IntColumn } from './encode.js';

/** Report.siteLeaves as the page carries them: columns, one value per leaf unless said (typed where pack-page.ts makes them: I and F). */
export interface PackedSiteLeaves<I extends IntColumn = number[], F extends IntColumn = number[]> {
  /** The sites' names, as indexes into the call tree's strings (levels joined by NUL, '' for none). */
  readonly groups: number[];
  /** Per leaf: its site (index into `groups`). */
  readonly group: I;
  /** Per leaf: its call tree node, as a delta from the previous leaf's. */
  readonly node: I;
  readonly value: F;
  /** Per leaf: its only event's string index, or -1 when it has several (`multi`). */
  readonly event: I;
  /**
   * Leaves with several events: leaf index, event count, then (string index,
   * value, order) per event, where order is where its first fault's path
   * falls among the leaves' first paths (see `order`).
   */
  readonly multi: number[];
  /** Per leaf: its class set. */
  readonly classes: I;
  /** (leaf delta, site index) for the leaves whose instruction is not their call tree leaf's. */
  readonly siteOf: number[];
  /** Per leaf: a count of runs, then (first, count) per run: its cells in the call tree leaf's. */
  readonly runs: I;
}

/**
 * An event's order at a node is that of the first path that brought it there
 * (TreeBuilder adds byEvent keys as paths come). Leaf j's first path is the
 * j-th leaf's; another event's first path of that leaf comes after `before`
 * leaves' first paths: 2j and 2·before − 1 keep them in that order.
 */
export function eventOrder(leaf: number, before: number, first: boolean): number {
  return first ? 2 * leaf : 2 * before - 1;
}

const SITE_KIND: NodeKind = 'protection-site';

/** The node kinds of the tree by site that buildSiteTree makes from a call tree of these kinds. */
export function siteTreeKinds(callKinds: readonly string[]): string[] {
  return callKinds.includes(SITE_KIND) ? [...callKinds] : [...callKinds, SITE_KIND];
}

/** The tree by site from the call tree (unpacked: cells by absolute node number) and its packed leaves. */
export function buildSiteTree(call: EncodedTree, packed: PackedSiteLeaves, siteList: readonly FaultSite[], classSets: readonly Partial<Record<FaultClass, number>>[], layout: (up: readonly number[], value: readonly number[]) => number[]): EncodedTree {
  const { strings } = call;
  const t = new Nodes();
  const kinds = siteTreeKinds(call.kinds);
  const siteKind = kinds.indexOf(SITE_KIND);
  const root = t.add(-1, -1, strings[call.name[0]!]!, call.kind[0]!, call.dso[0]!);
  const leaves = packed.group.length;
  // the sites' top nodes, made as their first leaf comes (the order TreeBuilder makes them in)
  const levelNodes = new Map<string, number>();
  const groupNode: number[] = [];
  const callLeaf = new Int32Array(leaves);
  const inGroup = new Int32Array(packed.groups.length + 1);
  for (let j = 0, c = 0; j < leaves; j++) {
    callLeaf[j] = c += packed.node[j]!;
    const g = packed.group[j]!;
    inGroup[g + 1]!++;
    if (groupNode[g] !== undefined) continue;
    let at = root;
    const name = strings[packed.groups[g]!]!;
    for (const level of name === '' ? [] : name.split('\0')) {
      const key = `${at}\0${level}`;
      let n = levelNodes.get(key);
      if (n === undefined) levelNodes.set(key, (n = t.add(at, -1, level, siteKind, 0)));
      at = n;
    }
    groupNode[g] = at;
  }
  // the leaves site by site, each site's in their order: its nodes are the call tree's that lead to them
  for (let g = 0; g < packed.groups.length; g++) inGroup[g + 1]! += inGroup[g]!;
  const byGroup = new Int32Array(leaves);
  const fill = inGroup.slice(0, packed.groups.length);
  for (let j = 0; j < leaves; j++) byGroup[fill[packed.group[j]!]!++] = j;
  const multiAt = new Map<number, number>();
  for (let j = 0; j < packed.multi.length; j += 2 + 3 * packed.multi[j + 1]!) multiAt.set(packed.multi[j]!, j);
  const raw = rawNames(call);
  // the site's node of a call tree node, while its site's leaves are read
  const at = new Int32Array(call.up.length).fill(-1);
  for (let g = 0; g < packed.groups.length; g++) {
    const firstMade = t.n;
    const top = groupNode[g]!;
    for (let x = inGroup[g]!; x < inGroup[g + 1]!; x++) {
      const j = byGroup[x]!;
      // up from the leaf to the first node an earlier leaf made: a child is added as its first leaf comes, as TreeBuilder adds it
      let leaf = -1;
      let child = -1;
      for (let c = callLeaf[j]!; ; c -= call.up[c]!) {
        let n = c === 0 ? top : at[c]!;
        const made = n < 0;
        if (made) at[c] = n = t.add(-2, c, raw(c), call.kind[c]!, call.dso[c]!);
        if (leaf < 0) leaf = n;
        if (child >= 0) t.attach(n, child);
        if (!made) break;
        child = n;
      }
      const v = packed.value[j]!;
      t.self[leaf]! += v;
      t.value[leaf]! += v;
      t.leafOf[leaf] = j;
      const ev = packed.event[j]!;
      if (ev >= 0) t.addEvent(leaf, ev, v, eventOrder(j, j, true));
      else {
        const m = multiAt.get(j)!;
        for (let e = 0, y = m + 2; e < packed.multi[m + 1]!; e++, y += 3) t.addEvent(leaf, packed.multi[y]!, packed.multi[y + 1]!, packed.multi[y + 2]!);
      }
    }
    for (let n = firstMade; n < t.n; n++) if (t.from[n]! > 0) at[t.from[n]!] = -1;
  }
  // values and events up the tree, children before parents
  const order = new Int32Array(t.n);
  let k = 0;
  const stack: number[] = [root];
  while (stack.length > 0) {
    const i = stack.pop()!;
    order[k++] = i;
    for (let c = t.firstChild[i]!; c >= 0; c = t.next[c]!) stack.push(c);
  }
  for (let o = k - 1; o > 0; o--) {
    const i = order[o]!;
    const p = t.parent[i]!;
    t.value[p]! += t.value[i]!;
    const m = t.events.get(i);
    if (m === undefined) t.addEvent(p, t.onlyEvent[i]!, t.onlyValue[i]!, t.onlyOrder[i]!);
    else for (const [e, [v, ord]] of m) t.addEvent(p, e, v, ord);
  }

  // per leaf: its site, when not its call tree leaf's
  const siteOverride = new Map<number, FaultSite>();
  for (let y = 0, j = 0; y < packed.siteOf.length; y += 2) siteOverride.set((j += packed.siteOf[y]!), siteList[packed.siteOf[y + 1]!]!);
  // the call tree's cells by node
  const cellsAt = new Map<number, number>();
  for (let y = 0; y < call.cells.length; y += 2 + 4 * call.cells[y + 1]!) cellsAt.set(call.cells[y]!, y + 2);
  const runsAt = new Int32Array(leaves);
  for (let y = 0, j = 0; j < leaves; j++) {
    runsAt[j] = y;
    y += 1 + 2 * packed.runs[y]!;
  }
  const dsoName = (d: number): string | undefined => (d > 0 ? strings[d - 1] : undefined);
  // children labelled and sorted as TreeBuilder.finish does
  const kidsOf = (i: number, into: number[]): void => {
    into.length = 0;
    for (let c = t.firstChild[i]!; c >= 0; c = t.next[c]!) into.push(c);
    if (into.length < 2) return;
    if (homonyms(into, t, dsoName)) {
      const named = into.map((c) => ({ name: t.name[c]!, kind: kinds[t.kind[c]!]! as NodeKind, c, ...(t.dso[c]! > 0 ? { dso: dsoName(t.dso[c]!)! } : {}) }));
      labelHomonyms(named);
      for (const x of named) t.name[x.c] = x.name;
    }
    into.sort((a, b) => t.value[b]! - t.value[a]! || (t.name[a]! < t.name[b]! ? -1 : t.name[a]! > t.name[b]! ? 1 : 0));
  };
  // numbered in pre-order, as encodeTree numbers a tree
  const up: number[] = [];
  const name: number[] = [];
  const kind: number[] = [];
  const dso: number[] = [];
  const value: number[] = [];
  const self: number[] = [];
  const event: number[] = [];
  const multi: number[] = [];
  const sites: Record<string, FaultSite> = {};
  const classes: Record<string, Partial<Record<FaultClass, number>>> = {};
  const cells: number[] = [];
  let index: Map<string, number> | undefined;
  const intern = (s: string): number => {
    if (index === undefined) {
      index = new Map();
      strings.forEach((x, i) => index!.has(x) || index!.set(x, i));
    }
    let i = index.get(s);
    if (i === undefined) index.set(s, (i = strings.push(s) - 1));
    return i;
  };
  const kids: number[] = [];
  const parentAt: number[] = [-1];
  stack.push(root);
  for (let o = 0; stack.length > 0; o++) {
    const i = stack.pop()!;
    const p = parentAt.pop()!;
    up.push(p < 0 ? 0 : o - p);
    const c = t.from[i]!;
    name.push(c >= 0 && t.name[i] === strings[call.name[c]!] ? call.name[c]! : intern(t.name[i]!));
    kind.push(t.kind[i]!);
    dso.push(t.dso[i]!);
    value.push(t.value[i]!);
    self.push(t.self[i]!);
    // encodeTree's rule: one event that is all of the node's value, else the list
    const m = t.events.get(i);
    if (m === undefined && (t.onlyEvent[i] === -2 || t.onlyValue[i] === t.value[i])) event.push(t.onlyEvent[i]!);
    else {
      event.push(-1);
      const list = m !== undefined ? [...m].sort((a, b) => a[1][1] - b[1][1]) : [[t.onlyEvent[i]!, [t.onlyValue[i]!, 0]] as const];
      multi.push(o, list.length);
      for (const [e, [v]] of list) multi.push(e, v);
    }
    const j = t.leafOf[i]!;
    if (j >= 0) {
      const site = siteOverride.get(j) ?? call.sites[c];
      if (site !== undefined) sites[o] = site;
      classes[o] = classSets[packed.classes[j]!]!;
      const r = runsAt[j]!;
      const count = packed.runs[r]!;
      let total = 0;
      for (let x = 0; x < count; x++) total += packed.runs[r + 2 + 2 * x]!;
      if (total > 0) {
        const base = cellsAt.get(c)!;
        cells.push(o, total);
        for (let x = 0; x < count; x++) {
          const first = base + 4 * packed.runs[r + 1 + 2 * x]!;
          const end = first + 4 * packed.runs[r + 2 + 2 * x]!;
          for (let y = first; y < end; y++) cells.push(call.cells[y]!);
        }
      }
    }
    kidsOf(i, kids);
    for (let x = kids.length - 1; x >= 0; x--) {
      stack.push(kids[x]!);
      parentAt.push(o);
    }
  }
  return { strings, kinds, up, name, kind, value, self, x0: layout(up, value), dso, event, multi, sites, classes, cells };
}

// The site tree's nodes as columns while it is built. `from`: the call tree
// node (-1 for the root and the sites' levels); a node's events: its only one
// (string index, -2 for none) with its value and order, or past one, in `events`.
class Nodes {
  n = 0;
  private cap = 1024;
  from = new Int32Array(this.cap);
  parent = new Int32Array(this.cap);
  kind = new Int32Array(this.cap);
  dso = new Int32Array(this.cap);
  firstChild = new Int32Array(this.cap);
  lastChild = new Int32Array(this.cap);
  next = new Int32Array(this.cap);
  leafOf = new Int32Array(this.cap);
  onlyEvent = new Int32Array(this.cap);
  value = new Float64Array(this.cap);
  self = new Float64Array(this.cap);
  onlyValue = new Float64Array(this.cap);
  onlyOrder = new Float64Array(this.cap);
  readonly name: string[] = [];
  readonly events = new Map<number, Map<number, [number, number]>>();

  /** A node under `parent` (-2: attached later), its last child so far. */
  add(parent: number, from: number, name: string, kind: number, dso: number): number {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.from[i] = from;
    this.name.push(name);
    this.kind[i] = kind;
    this.dso[i] = dso;
    this.firstChild[i] = -1;
    this.lastChild[i] = -1;
    this.next[i] = -1;
    this.leafOf[i] = -1;
    this.onlyEvent[i] = -2;
    this.parent[i] = -1;
    if (parent >= 0) this.attach(parent, i);
    return i;
  }

  attach(parent: number, child: number): void {
    this.parent[child] = parent;
    const last = this.lastChild[parent]!;
    if (last < 0) this.firstChild[parent] = child;
    else this.next[last] = child;
    this.lastChild[parent] = child;
  }

  /** `v` of `event` into node i's events; `order` keeps the least (see eventOrder). */
  addEvent(i: number, event: number, v: number, order: number): void {
    let m = this.events.get(i);
    if (m === undefined) {
      const only = this.onlyEvent[i]!;
      if (only === -2 || only === event) {
        if (only === -2 || order < this.onlyOrder[i]!) this.onlyOrder[i] = order;
        this.onlyEvent[i] = event;
        this.onlyValue[i]! += v;
        return;
      }
      this.events.set(i, (m = new Map([[only, [this.onlyValue[i]!, this.onlyOrder[i]!]]])));
    }
    const had = m.get(event);
    if (had === undefined) m.set(event, [v, order]);
    else {
      had[0] += v;
      if (order < had[1]) had[1] = order;
    }
  }

  private grow(): void {
    this.cap *= 2;
    const more = <T extends Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(this.cap);
      b.set(a);
      return b;
    };
    this.from = more(this.from);
    this.parent = more(this.parent);
    this.kind = more(this.kind);
    this.dso = more(this.dso);
    this.firstChild = more(this.firstChild);
    this.lastChild = more(this.lastChild);
    this.next = more(this.next);
    this.leafOf = more(this.leafOf);
    this.onlyEvent = more(this.onlyEvent);
    this.value = more(this.value);
    this.self = more(this.self);
    this.onlyValue = more(this.onlyValue);
    this.onlyOrder = more(this.onlyOrder);
  }
}

// Whether two of the siblings share a kind and a name (without a dso label) but not their dso: labelHomonyms' question, without an object per sibling.
function homonyms(kids: readonly number[], t: Nodes, dsoName: (d: number) => string | undefined): boolean {
  for (let a = 0; a < kids.length; a++) {
    const x = kids[a]!;
    if (t.dso[x] === 0 || dsoName(t.dso[x]!) === '') continue;
    let plain: string | undefined;
    for (let b = a + 1; b < kids.length; b++) {
      const y = kids[b]!;
      if (t.kind[y] !== t.kind[x] || t.dso[y] === 0 || t.dso[y] === t.dso[x] || dsoName(t.dso[y]!) === '') continue;
      // a name without a label is its plain name: two of them differ or are the same
      const nx = t.name[x]!;
      const ny = t.name[y]!;
      if (!nx.endsWith(')') && !ny.endsWith(')')) {
        if (nx === ny) return true;
        continue;
      }
      plain ??= plainName({ name: nx, dso: dsoName(t.dso[x]!)! });
      if (plainName({ name: t.name[y]!, dso: dsoName(t.dso[y]!)! }) === plain) return true;
    }
  }
  return false;
}

// A call tree node's name as its path step had it: without the dso TreeBuilder
// added when a sibling of the same name came from another dso (its siblings
// under a site may not have one).
function rawNames(call: EncodedTree): (c: number) => string {
  const n = call.up.length;
  const raw = new Array<string | undefined>(n);
  let firstChild: Int32Array | undefined;
  let next: Int32Array | undefined;
  return (c) => {
    const known = raw[c];
    if (known !== undefined) return known;
    const name = call.strings[call.name[c]!]!;
    raw[c] = name;
    const d = call.dso[c]!;
    if (d === 0 || !name.endsWith(')')) return name;
    const plain = plainName({ name, dso: call.strings[d - 1]! });
    if (plain === name) return name;
    if (firstChild === undefined || next === undefined) {
      // each node's children as a list, once
      firstChild = new Int32Array(n).fill(-1);
      next = new Int32Array(n).fill(-1);
      for (let i = n - 1; i > 0; i--) {
        const p = i - call.up[i]!;
        next[i] = firstChild[p]!;
        firstChild[p] = i;
      }
    }
    // labelled: a sibling of its kind and plain name has another dso
    for (let s = firstChild[c - call.up[c]!]!; s >= 0; s = next[s]!) {
      if (s === c || call.kind[s] !== call.kind[c] || call.dso[s] === 0 || call.dso[s] === d) continue;
      if (plainName({ name: call.strings[call.name[s]!]!, dso: call.strings[call.dso[s]! - 1]! }) === plain) return (raw[c] = plain);
    }
    return name;
  };
}
