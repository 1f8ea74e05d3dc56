// The tree by protection site as the call tree's leaves split by site
// (Report.siteLeaves): what a second pass of the aggregator over the same
// paths, grouped, would add. The page builds the tree from them
// (viz/html/site-tree.ts); a 282 MB capture's tree by site was 490k nodes,
// ~215 MB of heap and half the page.
import type { AggregatedPath } from './aggregate.js';
import { GROUP_LEVELS } from './aggregate.js';
import type { FaultClass, FaultSite, Frame, SiteLeaf, SiteLeaves, TreeNode } from './model.js';

/**
 * The leaves of `tree` (finish's `leaves`, by path number) split by each
 * path's group, named by `groupName` (groups named alike are one site).
 * `byPath` gets each path's site leaf, for its cells (SliceBuilder.finish).
 */
export function splitLeaves(
  tree: TreeNode,
  paths: readonly AggregatedPath[],
  leaves: readonly (TreeNode | undefined)[],
  groupName: (group: string) => string,
  resolve: (f: Frame) => FaultSite,
): { siteLeaves: SiteLeaves; byPath: (SiteLeaf | undefined)[] } {
  const groups: string[] = [];
  const groupIds = new Map<string, number>();
  // by provisional key: its site's number
  const named = new Map<string, number>();
  const ofGroup: Map<TreeNode, SiteLeaf>[] = [];
  const out: SiteLeaf[] = [];
  const byPath = new Array<SiteLeaf | undefined>(paths.length);
  for (const p of paths) {
    const leaf = leaves[p.id];
    if (leaf === undefined) continue;
    let g = named.get(p.group);
    if (g === undefined) {
      const name = p.group === '' ? '' : groupName(p.group);
      g = groupIds.get(name);
      if (g === undefined) {
        g = groups.length;
        groups.push(name);
        groupIds.set(name, g);
        ofGroup.push(new Map());
      }
      named.set(p.group, g);
    }
    const at = ofGroup[g]!;
    let s = at.get(leaf) as { -readonly [K in keyof SiteLeaf]: SiteLeaf[K] } | undefined;
    if (s === undefined) {
      s = { group: g, leaf, value: 0, byEvent: {}, firstPaths: [], classes: {}, site: resolve(p.path.site), runs: [] };
      at.set(leaf, s);
      out.push(s);
    }
    s.value += p.value;
    const had = s.byEvent[p.event];
    if (had === undefined) s.firstPaths.push(p.id);
    s.byEvent[p.event] = (had ?? 0) + p.value;
    for (const c in p.classes) s.classes[c as FaultClass] = (s.classes[c as FaultClass] ?? 0) + p.classes[c as FaultClass]!;
    byPath[p.id] = s;
  }
  return { siteLeaves: { tree, groups, leaves: out }, byPath };
}

/** A site's levels: the nodes above its paths. */
export function groupLevels(group: string): string[] {
  return group === '' ? [] : group.split(GROUP_LEVELS);
}
