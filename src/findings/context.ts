// What every pattern reads from the finished report, computed once: the
// tree's fault paths with their classes and whether they are program start-up,
// and lookups from the protection section's names to the report's sites.
import type { FaultClass, FaultSite, Finding, ProtectionSiteView, Report, SiteCount, TreeNode } from '../model.js';
import { forEachPath } from '../tree.js';
import { isStartupPath } from './startup.js';
import { protectionInstructionName } from './words.js';

/** One root-to-leaf path of the tree that carries faults. */
export interface FaultPath {
  /** The nodes under the root, outermost first (group and comm nodes included). */
  readonly nodes: readonly TreeNode[];
  readonly leaf: TreeNode;
  readonly value: number;
  readonly classes: Partial<Record<FaultClass, number>>;
  readonly startup: boolean;
}

export interface FindingContext {
  readonly report: Report;
  /** The tree's total: the faults every share is a part of. */
  readonly total: number;
  readonly paths: readonly FaultPath[];
  /** Protection sites by name (merged reports can hold one name in several dsos: all of them). */
  readonly protectionSites: (name: string) => readonly ProtectionSiteView[];
  /** The report's faulting instruction for a protection section instruction name. */
  readonly instruction: (name: string) => SiteCount | undefined;
  /** The report's faulting instruction a tree leaf stands for (a leaf read back from JSON knows no symbol). */
  readonly leafSite: (leaf: TreeNode) => FaultSite | undefined;
}

/** Reads the report once for every pattern. The tree must be the call-path tree (not inverted, not grouped by site, not pruned). */
export function findingContext(report: Report): FindingContext {
  const paths: FaultPath[] = [];
  forEachPath(report.tree, (nodes, self, leaf) => {
    paths.push({ nodes: [...nodes], leaf, value: self, classes: leaf.classes ?? { unknown: self }, startup: isStartupPath(nodes) });
  });
  const sites = new Map<string, ProtectionSiteView[]>();
  for (const s of report.protection?.sites ?? []) {
    const list = sites.get(s.site);
    if (list === undefined) sites.set(s.site, [s]);
    else list.push(s);
  }
  const instructions = new Map<string, SiteCount>();
  const byAddress = new Map<string, SiteCount>();
  for (const s of report.sites) {
    if (!instructions.has(protectionInstructionName(s))) instructions.set(protectionInstructionName(s), s);
    if (!byAddress.has(`${s.dso}\0${s.address}`)) byAddress.set(`${s.dso}\0${s.address}`, s);
  }
  return {
    report,
    total: report.tree.value,
    paths,
    protectionSites: (name) => sites.get(name) ?? [],
    instruction: (name) => instructions.get(name),
    leafSite: (leaf) => (leaf.site === undefined ? undefined : (byAddress.get(`${leaf.site.dso}\0${leaf.site.address}`) ?? leaf.site)),
  };
}

/** The faulting instructions of the paths with faults of `classes`, by those faults, descending (start-up paths left out unless asked). */
export function instructionsOf(ctx: FindingContext, classes: readonly FaultClass[], startup = false): { site: FaultSite; faults: number }[] {
  const by = new Map<TreeNode, number>();
  for (const p of ctx.paths) {
    if (p.startup && !startup) continue;
    const n = classes.reduce((a, c) => a + (p.classes[c] ?? 0), 0);
    if (n > 0 && p.leaf.site !== undefined) by.set(p.leaf, (by.get(p.leaf) ?? 0) + n);
  }
  // one instruction reached on several paths is one entry
  const merged = new Map<string, { site: FaultSite; faults: number }>();
  for (const [leaf, n] of by) {
    const s = ctx.leafSite(leaf)!;
    const key = `${s.dso}\0${s.address}\0${s.symbol}\0${s.offset}`;
    const m = merged.get(key);
    if (m === undefined) merged.set(key, { site: s, faults: n });
    else m.faults += n;
  }
  return [...merged.values()].sort((a, b) => b.faults - a.faults || (a.site.symbol < b.site.symbol ? -1 : a.site.symbol > b.site.symbol ? 1 : 0));
}

/** Faults of `classes` on the paths, start-up paths apart. */
export function faultsOf(ctx: FindingContext, classes: readonly FaultClass[]): { startup: number; other: number } {
  let startup = 0;
  let other = 0;
  for (const p of ctx.paths) {
    const n = classes.reduce((a, c) => a + (p.classes[c] ?? 0), 0);
    if (p.startup) startup += n;
    else other += n;
  }
  return { startup, other };
}

/** A finding explaining `faults` of the tree's faults (its share of ctx.total). */
export function finding(ctx: FindingContext, kind: Finding['kind'], faults: number, rest: Pick<Finding, 'text' | 'sites' | 'instructions' | 'remedy'>): Finding {
  return { kind, share: faults / ctx.total, faults, ...rest };
}
