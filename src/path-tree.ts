// Paths given as step numbers → the fault-path tree, built all at once at the end:
// the same nodes, values, counts and order as src/tree.ts's TreeBuilder makes one path at a time.
import type { FaultClass, FaultSite, NodeKind, TreeNode } from './model.js';
import { grown } from './grown.js';
import { type PathStep, byValueThenName, hasHomonyms, labelHomonyms, newNode } from './tree.js';

/**
 * TreeBuilder's tree (the same nodes, values, counts and order) from paths
 * given as step numbers, built at `finish` all at once: the paths are grouped
 * step by step, their order kept, and each node is made once, children first,
 * with its final value, counts and sorted children. No child is searched for
 * and no node is visited again to finish it (the bench capture's tree: 208k
 * nodes, most on chains that one path alone leads down).
 */
export class PathTreeBuilder {
  // steps of one kind, name and dso (a node's key, as TreeBuilder tells children apart) are told apart by
  // compare where they meet under one node: a map of every step's name (100k instructions on a wide capture)
  // was ~11 MB of the report's end, kept to its peak
  private readonly steps: PathStep[] = [];
  // the paths' steps, one after another; per path: where they start, how many, value, event (by number) and classes
  private pool: Int32Array;
  private used = 0;
  private opened = 0;
  private count = 0;
  private starts: Int32Array;
  private lengths: Int32Array;
  private values: Float64Array;
  private events: Int32Array;
  private readonly classes: (Readonly<Partial<Record<FaultClass, number>>> | undefined)[];
  private readonly eventNames: string[] = [];
  private lastEvent = '';
  private lastEventId = -1;

  /** `paths` and `steps`: how many paths and steps in all to make room for at first (more only cost copies). */
  constructor(
    private readonly rootName = 'all',
    paths = 64,
    steps = 16 * paths,
  ) {
    this.pool = new Int32Array(Math.max(steps, 16));
    const n = Math.max(paths, 1);
    this.starts = new Int32Array(n);
    this.lengths = new Int32Array(n);
    this.values = new Float64Array(n);
    this.events = new Int32Array(n);
    this.classes = new Array<Readonly<Partial<Record<FaultClass, number>>> | undefined>(n).fill(undefined);
  }

  /** A step's number, for `push`. Register each step object once. */
  step(step: PathStep): number {
    return this.steps.push(step) - 1;
  }

  /** All registered steps, by number. */
  registered(): readonly PathStep[] {
    return this.steps;
  }

  /** Appends a step (its number) to the path being given. */
  push(step: number): void {
    if (this.used === this.pool.length) this.pool = grown(this.pool, this.used + 1);
    this.pool[this.used++] = step;
  }

  /** Ends the path pushed since the last `end`: `value` of `event` along it, the last step gets the self value (and `classes`: a leaf no other path ends at holds that object itself, so leave it be from `finish` on). Its number, for `finish`'s leaves. */
  end(value: number, event: string, classes?: Readonly<Partial<Record<FaultClass, number>>>): number {
    const i = this.add(this.opened, this.used - this.opened, value, event, classes);
    this.opened = this.used;
    return i;
  }

  private add(start: number, length: number, value: number, event: string, classes: Readonly<Partial<Record<FaultClass, number>>> | undefined): number {
    const i = this.count++;
    if (i === this.starts.length) {
      this.starts = grown(this.starts, i + 1);
      this.lengths = grown(this.lengths, i + 1);
      this.values = grown(this.values, i + 1);
      this.events = grown(this.events, i + 1);
    }
    if (event !== this.lastEvent || this.lastEventId < 0) {
      this.lastEvent = event;
      this.lastEventId = this.eventNames.indexOf(event);
      if (this.lastEventId < 0) this.lastEventId = this.eventNames.push(event) - 1;
    }
    this.starts[i] = start;
    this.lengths[i] = length;
    this.values[i] = value;
    this.events[i] = this.lastEventId;
    this.classes[i] = classes;
    return i;
  }

  /** The tree, and by path number the node that holds its self value. */
  finish(): { tree: TreeNode; leaves: TreeNode[] } {
    const n = this.count;
    if (n === 0) return { tree: newNode(this.rootName, 'root'), leaves: [] };
    const source = new ChainSource(this.steps, this.pool, this.starts, this.lengths, this.values, this.events, this.eventNames, this.classes, n);
    const tree = new PathGrouping(source, n).build(this.rootName);
    return {
      tree,
      // a chain's leaf is made when asked for here or when its head's children are read, the one node either way
      get leaves(): TreeNode[] {
        return source.allLeaves();
      },
    };
  }
}

// What a chain's nodes are made from, when they are: the paths' steps, values, events and classes, and each path's leaf once made.
class ChainSource {
  readonly leaves: TreeNode[];
  // several events: a node's counts are its own, by event in the order its paths met them
  readonly multi: boolean;
  // one event: a node's counts are its value's, one object per distinct value
  private readonly shared = new Map<number, Record<string, number>>();
  private lastValue = NaN;
  private last: Record<string, number> = {};
  private complete = false;

  constructor(
    readonly steps: readonly PathStep[],
    readonly pool: Int32Array,
    readonly starts: Int32Array,
    readonly lengths: Int32Array,
    readonly values: Float64Array,
    readonly events: Int32Array,
    readonly eventNames: readonly string[],
    readonly classes: readonly (Readonly<Partial<Record<FaultClass, number>>> | undefined)[],
    n: number,
  ) {
    this.multi = eventNames.length > 1;
    this.leaves = new Array<TreeNode>(n);
  }

  counts(value: number): Record<string, number> {
    if (value === this.lastValue) return this.last;
    let c = this.shared.get(value);
    if (c === undefined) this.shared.set(value, (c = Object.freeze({ [this.eventNames[0]!]: value })));
    this.lastValue = value;
    return (this.last = c);
  }

  // The counts of a node of path p's chain (`value`: its value): one event's shared, several events' an object of each node's own.
  chainCounts(p: number, value: number): Record<string, number> {
    return this.multi ? { [this.eventNames[this.events[p]!]!]: value } : this.counts(value);
  }

  // Path p's leaf: the node its last step makes in its chain (named `name` when it is the chain's first).
  leaf(p: number, name?: string): TreeNode {
    const had = this.leaves[p];
    if (had !== undefined) return had;
    const step = this.steps[this.pool[this.starts[p]! + this.lengths[p]! - 1]!]!;
    const value = tagged(this.values[p]!);
    return (this.leaves[p] = literal(name ?? step.name, step.kind, step.dso, step.site, value, value, this.chainCounts(p, value), [], this.classes[p] as Partial<Record<FaultClass, number>> | undefined));
  }

  allLeaves(): TreeNode[] {
    if (!this.complete) for (let p = 0; p < this.leaves.length; p++) if (this.leaves[p] === undefined) this.leaf(p);
    this.complete = true;
    return this.leaves;
  }

  // Path p's nodes below its chain's head at `depth` (the head's step is its step depth - 1), made leaf first: the first of them.
  below(p: number, depth: number): TreeNode {
    const { pool, steps } = this;
    const top = this.starts[p]! + depth - 1;
    const value = tagged(this.values[p]!);
    let node = this.leaf(p);
    for (let at = this.starts[p]! + this.lengths[p]! - 2; at > top; at--) {
      const step = steps[pool[at]!]!;
      node = literal(step.name, step.kind, step.dso, step.site, value, 0, this.chainCounts(p, value), [node], undefined);
    }
    return node;
  }
}

// The head's children, made when first read (ChainHead).
let chainChildren: PropertyDescriptor;

/**
 * The head of a chain: a node one path alone leads down to, with nodes below
 * it (the bench capture: 30k chains hold 203k of the tree's 209k nodes). Its
 * nodes below are made when `children` is first read, each once; until then a
 * writer can read them from the steps (`unmadeChain`). `children` is an own
 * enumerable accessor where a literal node has it (after byEvent, before dso
 * and site), so JSON.stringify, spread, for-in and toEqual see a literal's
 * fields in its order with its values; the state is private, seen by none.
 */
export class ChainHead implements TreeNode {
  declare readonly name: string;
  declare readonly kind: NodeKind;
  declare value: number;
  declare self: number;
  declare readonly byEvent: Record<string, number>;
  declare readonly children: TreeNode[];
  declare dso?: string;
  declare site?: FaultSite;
  readonly #source: ChainSource;
  readonly #p: number;
  readonly #depth: number;
  #below: TreeNode[] | undefined;

  static {
    chainChildren = {
      get(this: ChainHead): TreeNode[] {
        return (this.#below ??= [this.#source.below(this.#p, this.#depth)]);
      },
      set(this: ChainHead, children: TreeNode[]): void {
        this.#below = children;
      },
      enumerable: true,
      configurable: true,
    };
  }

  constructor(source: ChainSource, p: number, depth: number, name: string, step: PathStep, value: number, byEvent: Record<string, number>) {
    this.#source = source;
    this.#p = p;
    this.#depth = depth;
    this.name = name;
    this.kind = step.kind;
    this.value = value;
    this.self = 0;
    this.byEvent = byEvent;
    Object.defineProperty(this, 'children', chainChildren);
    if (step.dso !== undefined) this.dso = step.dso;
    if (step.site !== undefined) this.site = step.site;
  }

  /** Whether the nodes below are still unmade. */
  get unmade(): boolean {
    return this.#below === undefined;
  }

  /** The steps of the nodes below, by number: `pool[from]` (the head's child) to `pool[to - 1]` (the leaf). */
  get steps(): readonly PathStep[] {
    return this.#source.steps;
  }

  get pool(): Int32Array {
    return this.#source.pool;
  }

  get from(): number {
    return this.#source.starts[this.#p]! + this.#depth;
  }

  get to(): number {
    return this.#source.starts[this.#p]! + this.#source.lengths[this.#p]!;
  }

  /** The leaf's classes (its own once made: the report may have settled them). */
  get leafClasses(): Partial<Record<FaultClass, number>> | undefined {
    const leaf = this.#source.leaves[this.#p];
    return (leaf === undefined ? this.#source.classes[this.#p] : leaf.classes) as Partial<Record<FaultClass, number>> | undefined;
  }

  /** The leaf node, made alone if the chain is not. */
  leaf(): TreeNode {
    return this.#source.leaf(this.#p);
  }
}

/** `n` when it is a chain's head whose nodes below are not made, else undefined. */
export function unmadeChain(n: TreeNode): ChainHead | undefined {
  return n instanceof ChainHead && n.unmade ? n : undefined;
}

interface Scan {
  value: number;
  selfCount: number;
  one: boolean;
}

// PathTreeBuilder.finish: a node's paths are a range of `order`, in the order
// they were added; grouped by their next step, each group is a child's range.
class PathGrouping {
  private readonly order: Int32Array;
  // while a range is grouped: each path's group, the paths in their new order, each step's group (-1: none)
  private readonly groupOf: Int32Array;
  private readonly moved: Int32Array;
  private readonly slot: Int32Array;
  private readonly steps: readonly PathStep[];
  private readonly pool: Int32Array;
  private readonly starts: Int32Array;
  private readonly lengths: Int32Array;
  private readonly values: Float64Array;
  // homonymNames' steps of a node's groups
  private readonly groupSteps: PathStep[] = [];
  // scan's result, read before the next scan
  private readonly scanned: Scan = { value: 0, selfCount: 0, one: true };

  constructor(
    private readonly source: ChainSource,
    n: number,
  ) {
    this.steps = source.steps;
    this.pool = source.pool;
    this.starts = source.starts;
    this.lengths = source.lengths;
    this.values = source.values;
    this.order = new Int32Array(n);
    for (let i = 0; i < n; i++) this.order[i] = i;
    this.groupOf = new Int32Array(n);
    this.moved = new Int32Array(n);
    this.slot = new Int32Array(this.steps.length).fill(-1);
  }

  build(rootName: string): TreeNode {
    return this.node(0, this.order.length, 0, rootName, 'root', undefined, undefined);
  }

  // The node at `depth` (its step is its paths' step depth - 1) of the paths order[lo, hi).
  // (Its loops are methods of their own, as `group`'s are: optimized on stack in the root's loop over every path,
  // this had met nothing that follows it, and bailed out when the root's children were made, 4 times a run.)
  private node(lo: number, hi: number, depth: number, name: string, kind: NodeKind, dso: string | undefined, site: FaultSite | undefined): TreeNode {
    const { order, source } = this;
    if (hi - lo === 1 && depth > 0) return this.chain(order[lo]!, depth, name);
    const byEvent: Record<string, number> | undefined = source.multi ? {} : undefined;
    // (read before the children are made: they scan too)
    const scan = this.scan(lo, hi, depth, byEvent);
    const selfCount = scan.selfCount;
    const total = scan.value;
    let children: TreeNode[];
    if (selfCount === 0 && scan.one) children = [this.child(lo, hi, depth)];
    else if (selfCount === hi - lo) children = [];
    else {
      // the paths that end here first, then the children's ranges
      const groups = this.group(lo, hi, depth, selfCount);
      // homonyms' labels from the groups' steps, the children made with them: a name written
      // into a node made the field mutable and threw away the code that had read it as constant
      const names = groups.length > 2 ? this.homonymNames(groups, depth) : undefined;
      children = [];
      for (let g = 0; g < groups.length; g += 2) children.push(this.child(groups[g]!, groups[g + 1]!, depth, names?.[g >> 1]));
      if (children.length > 1) {
        sortChildren(children);
        // a copy holds what it has; an array grown by push holds room for more
        children = children.slice();
      }
    }
    const value = tagged(total);
    const self = tagged(selfCount > 0 ? this.selfValue(lo, lo + selfCount) : 0);
    const classes = selfCount > 0 ? this.selfClasses(lo, lo + selfCount) : undefined;
    const node = literal(name, kind, dso, site, value, self, byEvent ?? source.counts(value), children, classes);
    for (let i = lo; i < lo + selfCount; i++) source.leaves[order[i]!] = node;
    return node;
  }

  // The range's value, how many of its paths end at `depth`, whether those that go on all have one key next
  // (into `byEvent`, when given: the value by event).
  private scan(lo: number, hi: number, depth: number, byEvent: Record<string, number> | undefined): Scan {
    const { order, lengths, values, pool, starts, source } = this;
    let value = 0;
    let selfCount = 0;
    // the next step, while every path that goes on has one of its key
    let next = -1;
    let one = true;
    for (let i = lo; i < hi; i++) {
      const p = order[i]!;
      const v = values[p]!;
      value += v;
      if (lengths[p] === depth) selfCount++;
      else if (one) {
        const k = pool[starts[p]! + depth]!;
        if (next < 0) next = k;
        else if (k !== next && !this.sameKey(k, next)) one = false;
      }
      if (byEvent !== undefined) {
        const e = source.eventNames[source.events[p]!]!;
        byEvent[e] = tagged((byEvent[e] ?? 0) + v);
      }
    }
    const scan = this.scanned;
    scan.value = value;
    scan.selfCount = selfCount;
    scan.one = one;
    return scan;
  }

  // The value of the paths order[lo, to) (those that end at a node).
  private selfValue(lo: number, to: number): number {
    const { order, values } = this;
    let self = 0;
    for (let i = lo; i < to; i++) self += values[order[i]!]!;
    return self;
  }

  // The classes of the paths order[lo, to): the one path's own object, or their sums.
  private selfClasses(lo: number, to: number): Partial<Record<FaultClass, number>> | undefined {
    const { order, source } = this;
    let classes: Partial<Record<FaultClass, number>> | undefined;
    for (let i = lo; i < to; i++) {
      const c = source.classes[order[i]!];
      if (c === undefined) continue;
      if (to - lo === 1) classes = c as Partial<Record<FaultClass, number>>;
      else {
        classes ??= {};
        for (const k in c) classes[k as FaultClass] = (classes[k as FaultClass] ?? 0) + c[k as FaultClass]!;
      }
    }
    return classes;
  }

  // Whether two steps are one node's: of one kind, name and dso.
  private sameKey(a: number, b: number): boolean {
    const s = this.steps[a]!;
    const t = this.steps[b]!;
    return s.name === t.name && s.kind === t.kind && (s.dso ?? '') === (t.dso ?? '');
  }

  // `label`: its name when labelled as a homonym.
  private child(lo: number, hi: number, depth: number, label?: string): TreeNode {
    const p = this.order[lo]!;
    const step = this.steps[this.pool[this.starts[p]! + depth]!]!;
    return this.node(lo, hi, depth + 1, label ?? step.name, step.kind, step.dso, step.site);
  }

  // By group (of `groups`, as group returns them), the name labelHomonyms gives its node, or undefined
  // when it keeps its step's; undefined when none is labelled. (Labelled on copies of the steps: the
  // client script has labelHomonyms too, and the page embeds it.)
  private homonymNames(groups: readonly number[], depth: number): (string | undefined)[] | undefined {
    const steps = this.groupSteps;
    steps.length = 0;
    for (let g = 0; g < groups.length; g += 2) steps.push(this.steps[this.pool[this.starts[this.order[groups[g]!]!]! + depth]!]!);
    if (!hasHomonyms(steps)) return undefined;
    const named = steps.map((s) => ({ name: s.name, kind: s.kind, dso: s.dso }));
    labelHomonyms(named);
    return named.map((n, i) => (n.name !== steps[i]!.name ? n.name : undefined));
  }

  // The nodes of one path from `depth` down, its first named `name`: a leaf, or a chain's head (its nodes below made when asked for).
  private chain(p: number, depth: number, name: string): TreeNode {
    const source = this.source;
    if (this.lengths[p] === depth) return source.leaf(p, name);
    const value = tagged(this.values[p]!);
    return new ChainHead(source, p, depth, name, this.steps[this.pool[this.starts[p]! + depth - 1]!]!, value, source.chainCounts(p, value));
  }

  // Puts the range's paths that end at `depth` first, then the others grouped
  // by their step's key at `depth`, each group in its order, the groups in the
  // order of their first path. Returns the groups as [lo, hi, lo, hi, …].
  // (Its loops over the range are methods of their own: code optimized on stack in the root's long range had
  // not met what follows its loop, and each later call entered it there and bailed out, hundreds of times.)
  private group(lo: number, hi: number, depth: number, selfCount: number): number[] {
    const slot = this.slot;
    // grouped by step (a step of the last group's key joins it), then the groups of steps of one key merged
    let keys: number[] = [];
    let sizes: number[] = [];
    const joined: number[] = [];
    this.assign(lo, hi, depth, keys, sizes, joined);
    for (const k of keys) slot[k] = -1;
    for (const k of joined) slot[k] = -1;
    const into = keys.length > 1 ? this.merged(keys) : undefined;
    if (into !== undefined) {
      const merged: number[] = [];
      const mergedSizes: number[] = [];
      for (let g = 0; g < keys.length; g++) {
        const to = into[g]!;
        if (to === g) {
          into[g] = merged.length;
          merged.push(keys[g]!);
          mergedSizes.push(sizes[g]!);
        } else {
          into[g] = into[to]!;
          mergedSizes[into[g]!]! += sizes[g]!;
        }
      }
      this.regroup(lo, hi, into);
      keys = merged;
      sizes = mergedSizes;
    }
    const out: number[] = new Array<number>(2 * keys.length);
    if (keys.length === 1 && selfCount === 0) {
      out[0] = lo;
      out[1] = hi;
      return out;
    }
    // where each group starts, after the paths that end here; `sizes` becomes each group's next place
    // (an array from `filter` here had another map in optimized code than in the interpreter: a deopt per call)
    let at = lo + selfCount;
    for (let g = 0; g < keys.length; g++) {
      out[2 * g] = at;
      const size = sizes[g]!;
      sizes[g] = at;
      at += size;
      out[2 * g + 1] = at;
    }
    this.move(lo, hi, sizes);
    this.order.set(this.moved.subarray(lo, hi), lo);
    return out;
  }

  // Each path's group in groupOf (-1: ends at `depth`), the groups' steps and sizes pushed to `keys` and `sizes`.
  private assign(lo: number, hi: number, depth: number, keys: number[], sizes: number[], joined: number[]): void {
    const { order, groupOf, slot, pool, starts, lengths } = this;
    for (let i = lo; i < hi; i++) {
      const p = order[i]!;
      if (lengths[p] === depth) {
        groupOf[i] = -1;
        continue;
      }
      const k = pool[starts[p]! + depth]!;
      let g = slot[k]!;
      if (g < 0) {
        const last = keys.length - 1;
        if (last >= 0 && this.sameKey(keys[last]!, k)) {
          slot[k] = g = last;
          joined.push(k);
        } else {
          slot[k] = g = keys.length;
          keys.push(k);
          sizes.push(0);
        }
      }
      groupOf[i] = g;
      sizes[g]!++;
    }
  }

  // Each path's group by `into` (groups of one key merged).
  private regroup(lo: number, hi: number, into: readonly number[]): void {
    const groupOf = this.groupOf;
    for (let i = lo; i < hi; i++) if (groupOf[i]! >= 0) groupOf[i] = into[groupOf[i]!]!;
  }

  // The range's paths in their new order into `moved`: those that end here from `lo`, each group's from its place in `next`.
  private move(lo: number, hi: number, next: number[]): void {
    const { order, groupOf, moved } = this;
    let s = lo;
    for (let i = lo; i < hi; i++) {
      const g = groupOf[i]!;
      moved[g < 0 ? s++ : next[g]!++] = order[i]!;
    }
  }

  // By group (of `keys`: steps, in the order met), the first group of its step's key; undefined when no two are of one key.
  private merged(keys: readonly number[]): number[] | undefined {
    const n = keys.length;
    let into: number[] | undefined;
    const same = (g: number, f: number): void => {
      if (into === undefined) {
        into = new Array<number>(n);
        for (let i = 0; i < n; i++) into[i] = i;
      }
      into[g] = f;
    };
    if (n <= 16) {
      for (let g = 1; g < n; g++) {
        for (let f = 0; f < g; f++) {
          if (this.sameKey(keys[f]!, keys[g]!)) {
            same(g, f);
            break;
          }
        }
      }
      return into;
    }
    const byName = new Map<string, number | number[]>();
    for (let g = 0; g < n; g++) {
      const name = this.steps[keys[g]!]!.name;
      const had = byName.get(name);
      if (had === undefined) {
        byName.set(name, g);
        continue;
      }
      const f = typeof had === 'number' ? (this.sameKey(keys[had]!, keys[g]!) ? had : undefined) : had.find((f) => this.sameKey(keys[f]!, keys[g]!));
      if (f !== undefined) same(g, f);
      else if (typeof had === 'number') byName.set(name, [had, g]);
      else had.push(g);
    }
    return into;
  }
}

// Children sorted by byValueThenName: a few by insertion (what Array#sort does with as few, stable alike,
// without the copy and state it allocates per call: ~4 MB of the bench capture's tree), more by sort.
function sortChildren(children: TreeNode[]): void {
  const n = children.length;
  if (n > 16) {
    children.sort(byValueThenName);
    return;
  }
  for (let i = 1; i < n; i++) {
    const c = children[i]!;
    let j = i;
    while (j > 0 && byValueThenName(children[j - 1]!, c) > 0) {
      children[j] = children[j - 1]!;
      j--;
    }
    children[j] = c;
  }
}

// A whole number as a small integer, not the heap number a Float64Array hands out: the first node made with
// one gives every node's field a boxed double (the bench capture's tree: ~270k heap numbers, 4.3 MB)
function tagged(x: number): number {
  return (x | 0) === x ? x | 0 : x;
}

// A node with its final fields, in TreeNode's order (classes last, as a leaf gets them).
function literal(name: string, kind: NodeKind, dso: string | undefined, site: FaultSite | undefined, value: number, self: number, byEvent: Record<string, number>, children: TreeNode[], classes: Partial<Record<FaultClass, number>> | undefined): TreeNode {
  if (classes === undefined) {
    if (dso === undefined) return site === undefined ? { name, kind, value, self, byEvent, children } : { name, kind, value, self, byEvent, children, site };
    return site === undefined ? { name, kind, value, self, byEvent, children, dso } : { name, kind, value, self, byEvent, children, dso, site };
  }
  if (dso === undefined) return site === undefined ? { name, kind, value, self, byEvent, children, classes } : { name, kind, value, self, byEvent, children, site, classes };
  return site === undefined ? { name, kind, value, self, byEvent, children, dso, classes } : { name, kind, value, self, byEvent, children, dso, site, classes };
}
