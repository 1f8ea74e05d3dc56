// The tree by protection site as the call tree's leaves split by site
// (Report.siteLeaves): what a second pass of the aggregator over the same
// paths, grouped, would add. The page builds the tree from them
// (viz/html/site-tree.ts); a 282 MB capture's tree by site was 490k nodes,
// ~215 MB of heap and half the page.
import type { AggregatedPath } from './aggregate.js';
import { GROUP_LEVELS } from './aggregate.js';
import { grown } from './grown.js';
import type { NumberedLeaves } from './slices.js';
import type { FaultClass, FaultSite, Frame, SiteLeaves, TreeNode } from './model.js';

// a path's sites (or a call tree leaf's leaves by site) are found by a scan of its list up to this many, then by a map of their own
const SCAN = 16;
// pairs per chunk of SitePaths' columns
const SHIFT = 13;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

/**
 * The aggregator's paths split by protection site as the records come: a
 * (path, site) pair is numbered in the order first seen, as an aggregator
 * given the site as each path's group numbers its paths (but for the paths
 * the --dso/--symbol filters removed, which have none). The aggregator's
 * paths per site were 70k objects where its paths are 30k on the bench
 * capture; these are columns.
 */
export class SitePaths {
  /** Pairs so far. */
  n = 0;
  // by pair: its aggregator path, its site (a number for the key), value and class (-1: several, in `several`),
  // the path's pair before it + 1; in chunks of CHUNK pairs: columns grown by doubling copies wrote
  // each pair ~2 times over into fresh pages (~450 page faults on the bench capture's 70k pairs)
  private readonly paths: Int32Array[] = [];
  private readonly groups: Int32Array[] = [];
  private readonly values: Float64Array[] = [];
  private readonly classes: Int32Array[] = [];
  private readonly next: Int32Array[] = [];
  private readonly several = new Map<number, Partial<Record<FaultClass, number>>>();
  private readonly classNames: FaultClass[] = [];
  // by aggregator path: its newest pair + 1 (0: none), and how many it has
  private head = new Int32Array(1024);
  private count = new Int32Array(1024);
  // by aggregator path, once it has more than SCAN sites: pair by site
  private readonly wide = new Map<number, Map<number, number>>();
  private readonly keys: string[] = [];
  private readonly keyIds = new Map<string, number>();
  // consecutive records are mostly of one site and class
  private lastKey: string | undefined;
  private lastId = -1;
  private lastClass: FaultClass | undefined;
  private lastClassId = -1;

  /** Adds a record of aggregator path `path` to its pair with site key `site`; returns the pair's number. */
  add(path: number, site: string, cls: FaultClass, value: number): number {
    let g = this.lastId;
    if (site !== this.lastKey) {
      const known = this.keyIds.get(site);
      if (known !== undefined) g = known;
      else {
        g = this.keys.length;
        this.keys.push(site);
        this.keyIds.set(site, g);
      }
      this.lastKey = site;
      this.lastId = g;
    }
    let c = this.lastClassId;
    if (cls !== this.lastClass) {
      c = this.classNames.indexOf(cls);
      if (c < 0) c = this.classNames.push(cls) - 1;
      this.lastClass = cls;
      this.lastClassId = c;
    }
    if (path >= this.head.length) {
      this.head = grown(this.head, path + 1);
      this.count = grown(this.count, path + 1);
    }
    let j = -1;
    if (this.count[path]! > SCAN) j = this.wide.get(path)!.get(g) ?? -1;
    else for (let k = this.head[path]! - 1; k >= 0; k = this.next[k >>> SHIFT]![k & MASK]! - 1) if (this.groups[k >>> SHIFT]![k & MASK] === g) {
      j = k;
      break;
    }
    if (j < 0) return this.push(path, g, c, value);
    const values = this.values[j >>> SHIFT]!;
    const classes = this.classes[j >>> SHIFT]!;
    const at = j & MASK;
    values[at]! += value;
    const had = classes[at]!;
    if (had === c) return j;
    let cs = this.several.get(j);
    if (cs === undefined) {
      // its value so far was all of one class
      this.several.set(j, (cs = { [this.classNames[had]!]: values[at]! - value }));
      classes[at] = -1;
    }
    cs[cls] = (cs[cls] ?? 0) + value;
    return j;
  }

  private push(path: number, g: number, c: number, value: number): number {
    const j = this.n++;
    const chunk = j >>> SHIFT;
    if (chunk === this.paths.length) {
      this.paths.push(new Int32Array(CHUNK));
      this.groups.push(new Int32Array(CHUNK));
      this.values.push(new Float64Array(CHUNK));
      this.classes.push(new Int32Array(CHUNK));
      this.next.push(new Int32Array(CHUNK));
    }
    const at = j & MASK;
    this.paths[chunk]![at] = path;
    this.groups[chunk]![at] = g;
    this.values[chunk]![at] = value;
    this.classes[chunk]![at] = c;
    this.next[chunk]![at] = this.head[path]!;
    this.head[path] = j + 1;
    const count = ++this.count[path]!;
    if (count > SCAN) {
      let m = this.wide.get(path);
      if (m === undefined) {
        this.wide.set(path, (m = new Map()));
        for (let k = j; k >= 0; k = this.next[k >>> SHIFT]![k & MASK]! - 1) m.set(this.groups[k >>> SHIFT]![k & MASK]!, k);
      } else m.set(g, j);
    }
    return j;
  }

  /** A pair's aggregator path. */
  path(j: number): number {
    return this.paths[j >>> SHIFT]![j & MASK]!;
  }

  /** A pair's site key. */
  site(j: number): string {
    return this.keys[this.groups[j >>> SHIFT]![j & MASK]!]!;
  }

  value(j: number): number {
    return this.values[j >>> SHIFT]![j & MASK]!;
  }

  /** A pair's class when its value is all of one, else undefined (`classesOf`). */
  onlyClass(j: number): FaultClass | undefined {
    const c = this.classes[j >>> SHIFT]![j & MASK]!;
    return c < 0 ? undefined : this.classNames[c];
  }

  /** A pair's value by class, in the order its records brought them. */
  classesOf(j: number): Readonly<Partial<Record<FaultClass, number>>> {
    const c = this.classes[j >>> SHIFT]![j & MASK]!;
    return c < 0 ? this.several.get(j)! : { [this.classNames[c]!]: this.value(j) };
  }

  /** By pair, the leaf of its aggregator path (`leaves` by path number). */
  leavesOf(leaves: NumberedLeaves): NumberedLeaves {
    const of = new Int32Array(this.n);
    for (let j = 0; j < this.n; j++) of[j] = leaves.of[this.path(j)] ?? -1;
    return { ...leaves, of };
  }

  /**
   * Gives the leaves (`leaves` by path number) the classes a tree of the pairs
   * would: each pair's added in pair order, so their names come in the order
   * the grouped aggregator's tree has them (the JSON text keeps it).
   */
  settleClasses(leaves: NumberedLeaves): void {
    const fresh = new Uint8Array(leaves.nodes.length);
    for (let j = 0; j < this.n; j++) {
      const l = leaves.of[this.path(j)] ?? -1;
      if (l < 0) continue;
      const leaf = leaves.nodes[l]!;
      if (fresh[l] === 0) {
        fresh[l] = 1;
        leaf.classes = {};
      }
      const into = leaf.classes!;
      const c = this.classes[j >>> SHIFT]![j & MASK]!;
      if (c >= 0) {
        const name = this.classNames[c]!;
        into[name] = (into[name] ?? 0) + this.value(j);
      } else {
        const cs = this.several.get(j)!;
        for (const k in cs) into[k as FaultClass] = (into[k as FaultClass] ?? 0) + cs[k as FaultClass]!;
      }
    }
  }
}

/** SiteLeaves as they are made; `placed` adds a path's cells to its leaf (SliceBuilder.finish's callback). */
export interface SplitLeaves {
  readonly siteLeaves: SiteLeaves;
  placed(path: number, first: number, count: number): void;
}

/**
 * The leaves of `tree` (finish's, numbered: `leaves.of` by path number of `paths`) split
 * by the sites of `pairs`, named by `groupName` (sites named alike are one).
 * The cells' paths (`placed`) are the pairs' numbers.
 */
export function splitLeaves(
  tree: TreeNode,
  pairs: SitePaths,
  paths: readonly AggregatedPath[],
  leaves: NumberedLeaves,
  groupName: (group: string) => string,
  resolve: (f: Frame) => FaultSite,
): SplitLeaves {
  const groups: string[] = [];
  const groupIds = new Map<string, number>();
  // by provisional key: its site's number
  const named = new Map<string, number>();
  // a leaf per pair at most: columns of that size, never grown (their pages past the last leaf are never touched)
  const most = pairs.n;
  const eventNames: string[] = [];
  const eventIds = new Map<string, number>();
  const classNames: FaultClass[] = [];
  const s = {
    tree,
    groups,
    // the leaves' numbers as made for the cells (SliceBuilder.finish): a map of its own was ~20 ms on the bench capture
    leaves: leaves.nodes,
    leafNumber: leaves.numbers,
    group: new Int32Array(most),
    leaf: new Int32Array(most),
    value: new Float64Array(most),
    firstPath: new Int32Array(most),
    eventNames,
    event: new Int32Array(most),
    events: new Map<number, { byEvent: Record<string, number>; firstPaths: number[] }>(),
    classNames,
    cls: new Int32Array(most),
    classes: new Map<number, Partial<Record<FaultClass, number>>>(),
    sites: new Map<number, FaultSite>(),
    runFirst: new Int32Array(most),
    runCount: new Int32Array(most),
    moreRuns: new Map<number, number[]>(),
  };
  // a call tree leaf's leaves by site, newest first: the first + 1 by call tree leaf, the next + 1 by leaf by site
  const head = new Int32Array(leaves.nodes.length);
  const next = new Int32Array(most);
  const chain = new Int32Array(leaves.nodes.length);
  // by call tree leaf, once its list is longer than SCAN: leaf by site by group
  const wide = new Map<number, Map<number, number>>();
  // each pair's leaf, for its cells
  const byPath = new Int32Array(most).fill(-1);
  let n = 0;
  let lastGroup: string | undefined;
  let g = -1;
  let lastEvent: string | undefined;
  let e = -1;
  for (let q = 0; q < pairs.n; q++) {
    const p = paths[pairs.path(q)]!;
    const l = leaves.of[p.id] ?? -1;
    if (l < 0) continue;
    const leaf = leaves.nodes[l]!;
    const group = pairs.site(q);
    const value = pairs.value(q);
    // consecutive pairs are mostly of one site
    if (group !== lastGroup) {
      lastGroup = group;
      let known = named.get(group);
      if (known === undefined) {
        const name = group === '' ? '' : groupName(group);
        known = groupIds.get(name);
        if (known === undefined) {
          known = groups.length;
          groups.push(name);
          groupIds.set(name, known);
        }
        named.set(group, known);
      }
      g = known;
    }
    if (p.event !== lastEvent) {
      lastEvent = p.event;
      let known = eventIds.get(p.event);
      if (known === undefined) {
        known = eventNames.length;
        eventNames.push(p.event);
        eventIds.set(p.event, known);
      }
      e = known;
    }
    const only = pairs.onlyClass(q);
    const many = wide.get(l);
    let j = -1;
    if (many !== undefined) j = many.get(g) ?? -1;
    else for (let k = head[l]! - 1; k >= 0; k = next[k]! - 1) if (s.group[k] === g) {
      j = k;
      break;
    }
    if (j < 0) {
      j = n++;
      if (many !== undefined) many.set(g, j);
      else {
        next[j] = head[l]!;
        head[l] = j + 1;
        chain[l]!++;
        if (chain[l]! > SCAN) {
          const m = new Map<number, number>();
          for (let k = j; k >= 0; k = next[k]! - 1) m.set(s.group[k]!, k);
          wide.set(l, m);
        }
      }
      s.group[j] = g;
      s.leaf[j] = l;
      s.value[j] = value;
      s.firstPath[j] = q;
      s.event[j] = e;
      s.cls[j] = only === undefined ? -1 : classNumber(classNames, only);
      if (only === undefined) s.classes.set(j, { ...pairs.classesOf(q) });
      const site = resolve(p.path.site);
      if (site !== leaf.site) s.sites.set(j, site);
    } else {
      const before = s.value[j]!;
      s.value[j] = before + value;
      // one event (class) all of a leaf's value until a path brings another
      let ev = s.events.get(j);
      if (ev === undefined && s.event[j] !== e) {
        s.events.set(j, (ev = { byEvent: { [eventNames[s.event[j]!]!]: before }, firstPaths: [s.firstPath[j]!] }));
        s.event[j] = -1;
      }
      if (ev !== undefined) {
        const had = ev.byEvent[p.event];
        if (had === undefined) ev.firstPaths.push(q);
        ev.byEvent[p.event] = (had ?? 0) + value;
      }
      let cs = s.classes.get(j);
      if (cs === undefined && classNames[s.cls[j]!] !== only) {
        s.classes.set(j, (cs = { [classNames[s.cls[j]!]!]: before }));
        s.cls[j] = -1;
      }
      if (cs !== undefined) {
        const classes = pairs.classesOf(q);
        for (const c in classes) cs[c as FaultClass] = (cs[c as FaultClass] ?? 0) + classes[c as FaultClass]!;
      }
    }
    byPath[q] = j;
  }
  const siteLeaves: SiteLeaves = {
    ...s,
    group: s.group.subarray(0, n),
    leaf: s.leaf.subarray(0, n),
    value: s.value.subarray(0, n),
    firstPath: s.firstPath.subarray(0, n),
    event: s.event.subarray(0, n),
    cls: s.cls.subarray(0, n),
    runFirst: s.runFirst.subarray(0, n),
    runCount: s.runCount.subarray(0, n),
  };
  return {
    siteLeaves,
    placed: (path, first, count) => {
      const j = byPath[path]!;
      if (j < 0) return;
      const c = s.runCount[j]!;
      if (c === 0) {
        s.runFirst[j] = first;
        s.runCount[j] = count;
        return;
      }
      // runs that meet are one
      const more = s.moreRuns.get(j);
      if (more === undefined) {
        if (s.runFirst[j]! + c === first) s.runCount[j] = c + count;
        else s.moreRuns.set(j, [first, count]);
      } else if (more[more.length - 2]! + more[more.length - 1]! === first) more[more.length - 1]! += count;
      else more.push(first, count);
    },
  };
}

// A class's number in `names`, added there the first time.
function classNumber(names: FaultClass[], c: FaultClass): number {
  let i = names.indexOf(c);
  if (i < 0) {
    i = names.length;
    names.push(c);
  }
  return i;
}

/** A site's levels: the nodes above its paths. */
export function groupLevels(group: string): string[] {
  return group === '' ? [] : group.split(GROUP_LEVELS);
}
