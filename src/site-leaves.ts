// The tree by protection site as the call tree's leaves split by site
// (Report.siteLeaves): what a second pass of the aggregator over the same
// paths, grouped, would add. The page builds the tree from them
// (viz/html/site-tree.ts); a 282 MB capture's tree by site was 490k nodes,
// ~215 MB of heap and half the page.
import type { AggregatedPath } from './aggregate.js';
import { GROUP_LEVELS } from './aggregate.js';
import type { FaultClass, FaultSite, Frame, SiteLeaves, TreeNode } from './model.js';

/** SiteLeaves as they are made; `placed` adds a path's cells to its leaf (SliceBuilder.finish's callback). */
export interface SplitLeaves {
  readonly siteLeaves: SiteLeaves;
  placed(path: number, first: number, count: number): void;
}

// a call tree leaf's leaves by site are found by a scan of its list up to this many, then by a map of their own
const SCAN = 16;

/**
 * The leaves of `tree` (finish's `leaves`, by path number) split by each
 * path's group, named by `groupName` (groups named alike are one site).
 */
export function splitLeaves(
  tree: TreeNode,
  paths: readonly AggregatedPath[],
  leaves: readonly (TreeNode | undefined)[],
  groupName: (group: string) => string,
  resolve: (f: Frame) => FaultSite,
): SplitLeaves {
  const groups: string[] = [];
  const groupIds = new Map<string, number>();
  // by provisional key: its site's number
  const named = new Map<string, number>();
  // a leaf per path at most: columns of that size, never grown (their pages past the last leaf are never touched)
  const most = paths.length;
  const callLeaves: TreeNode[] = [];
  const leafNumber = new Map<TreeNode, number>();
  const eventNames: string[] = [];
  const eventIds = new Map<string, number>();
  const classNames: FaultClass[] = [];
  const s = {
    tree,
    groups,
    leaves: callLeaves,
    leafNumber,
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
  const head = new Int32Array(most);
  const next = new Int32Array(most);
  const chain = new Int32Array(most);
  // by call tree leaf, once its list is longer than SCAN: leaf by site by group
  const wide = new Map<number, Map<number, number>>();
  // each path's leaf, for its cells
  const byPath = new Int32Array(most).fill(-1);
  let n = 0;
  let lastGroup: string | undefined;
  let g = -1;
  let lastEvent: string | undefined;
  let e = -1;
  for (const p of paths) {
    const leaf = leaves[p.id];
    if (leaf === undefined) continue;
    // consecutive paths are mostly of one site
    if (p.group !== lastGroup) {
      lastGroup = p.group;
      let known = named.get(p.group);
      if (known === undefined) {
        const name = p.group === '' ? '' : groupName(p.group);
        known = groupIds.get(name);
        if (known === undefined) {
          known = groups.length;
          groups.push(name);
          groupIds.set(name, known);
        }
        named.set(p.group, known);
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
    let l = leafNumber.get(leaf);
    if (l === undefined) {
      l = callLeaves.length;
      callLeaves.push(leaf);
      leafNumber.set(leaf, l);
    }
    const only = oneKey(p.classes);
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
      s.value[j] = p.value;
      s.firstPath[j] = p.id;
      s.event[j] = e;
      s.cls[j] = only === undefined ? -1 : classNumber(classNames, only);
      if (only === undefined) s.classes.set(j, { ...p.classes });
      const site = resolve(p.path.site);
      if (site !== leaf.site) s.sites.set(j, site);
    } else {
      const before = s.value[j]!;
      s.value[j] = before + p.value;
      // one event (class) all of a leaf's value until a path brings another
      let ev = s.events.get(j);
      if (ev === undefined && s.event[j] !== e) {
        s.events.set(j, (ev = { byEvent: { [eventNames[s.event[j]!]!]: before }, firstPaths: [s.firstPath[j]!] }));
        s.event[j] = -1;
      }
      if (ev !== undefined) {
        const had = ev.byEvent[p.event];
        if (had === undefined) ev.firstPaths.push(p.id);
        ev.byEvent[p.event] = (had ?? 0) + p.value;
      }
      let cs = s.classes.get(j);
      if (cs === undefined && classNames[s.cls[j]!] !== only) {
        s.classes.set(j, (cs = { [classNames[s.cls[j]!]!]: before }));
        s.cls[j] = -1;
      }
      if (cs !== undefined) for (const c in p.classes) cs[c as FaultClass] = (cs[c as FaultClass] ?? 0) + p.classes[c as FaultClass]!;
    }
    byPath[p.id] = j;
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

// The only key of a path's classes, or undefined when it has several.
function oneKey(classes: Readonly<Partial<Record<FaultClass, number>>>): FaultClass | undefined {
  let key: FaultClass | undefined;
  for (const c in classes) {
    if (key !== undefined) return undefined;
    key = c as FaultClass;
  }
  return key;
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
