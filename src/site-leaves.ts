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
  const ofGroup: Map<TreeNode, number>[] = [];
  const s = {
    tree,
    groups,
    group: [] as number[],
    leaf: [] as TreeNode[],
    value: [] as number[],
    firstPath: [] as number[],
    event: [] as string[],
    events: new Map<number, { byEvent: Record<string, number>; firstPaths: number[] }>(),
    cls: [] as (FaultClass | '')[],
    classes: new Map<number, Partial<Record<FaultClass, number>>>(),
    sites: new Map<number, FaultSite>(),
    runFirst: [] as number[],
    runCount: [] as number[],
    moreRuns: new Map<number, number[]>(),
  };
  // each path's leaf, for its cells
  const byPath = new Int32Array(paths.length).fill(-1);
  let lastGroup: string | undefined;
  let g = -1;
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
          ofGroup.push(new Map());
        }
        named.set(p.group, known);
      }
      g = known;
    }
    const at = ofGroup[g]!;
    const only = oneKey(p.classes);
    let j = at.get(leaf);
    if (j === undefined) {
      j = s.leaf.length;
      at.set(leaf, j);
      s.group.push(g);
      s.leaf.push(leaf);
      s.value.push(p.value);
      s.firstPath.push(p.id);
      s.event.push(p.event);
      s.cls.push(only ?? '');
      if (only === undefined) s.classes.set(j, { ...p.classes });
      const site = resolve(p.path.site);
      if (site !== leaf.site) s.sites.set(j, site);
      s.runFirst.push(0);
      s.runCount.push(0);
    } else {
      const before = s.value[j]!;
      s.value[j] = before + p.value;
      // one event (class) all of a leaf's value until a path brings another
      let ev = s.events.get(j);
      if (ev === undefined && s.event[j] !== p.event) {
        s.events.set(j, (ev = { byEvent: { [s.event[j]!]: before }, firstPaths: [s.firstPath[j]!] }));
        s.event[j] = '';
      }
      if (ev !== undefined) {
        const had = ev.byEvent[p.event];
        if (had === undefined) ev.firstPaths.push(p.id);
        ev.byEvent[p.event] = (had ?? 0) + p.value;
      }
      let cs = s.classes.get(j);
      if (cs === undefined && s.cls[j] !== only) {
        s.classes.set(j, (cs = { [s.cls[j]!]: before }));
        s.cls[j] = '';
      }
      if (cs !== undefined) for (const c in p.classes) cs[c as FaultClass] = (cs[c as FaultClass] ?? 0) + p.classes[c as FaultClass]!;
    }
    byPath[p.id] = j;
  }
  return {
    siteLeaves: s,
    placed: (path, first, count) => {
      const j = byPath[path]!;
      if (j < 0) return;
      const n = s.runCount[j]!;
      if (n === 0) {
        s.runFirst[j] = first;
        s.runCount[j] = count;
        return;
      }
      // runs that meet are one
      const more = s.moreRuns.get(j);
      if (more === undefined) {
        if (s.runFirst[j]! + n === first) s.runCount[j] = n + count;
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

/** A site's levels: the nodes above its paths. */
export function groupLevels(group: string): string[] {
  return group === '' ? [] : group.split(GROUP_LEVELS);
}
