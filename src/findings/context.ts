// What every pattern reads from the finished report, computed once: the
// tree's fault paths with their classes and whether they are program start-up,
// and lookups from the protection section's names to the report's sites.
import type { FaultClass, FaultSite, Finding, ProtectionSiteView, Report, SiteCount, TreeNode } from '../model.js';
import { startupMarks } from './startup.js';
import { protectionInstructionName } from './words.js';

/** One root-to-leaf path of the tree that carries faults. */
export interface FaultPath {
  /** The nodes under the root, outermost first (group and comm nodes included); made when read. */
  readonly nodes: readonly TreeNode[];
  readonly leaf: TreeNode;
  readonly value: number;
  readonly classes: Partial<Record<FaultClass, number>>;
  readonly startup: boolean;
  /** The call frames on it: nodes other than comm, protection site, region, instruction and inlined frames. */
  readonly frames: number;
}

// A node on the walk down the tree with what its path says so far: the paths
// link to their nodes' steps, shared by every path below a node, rather than
// each holding a copy of its nodes (100k paths of ten nodes add up).
interface Step {
  readonly node: TreeNode;
  readonly up: Step | undefined;
  readonly main: boolean;
  readonly startup: boolean;
  readonly frames: number;
}

class LinkedPath implements FaultPath {
  // read by every pattern: kept here, not behind the step (one pointer chase per path and pattern)
  readonly startup: boolean;
  readonly frames: number;
  constructor(
    private readonly step: Step | undefined,
    readonly leaf: TreeNode,
    readonly value: number,
    readonly classes: Partial<Record<FaultClass, number>>,
  ) {
    this.startup = step !== undefined && step.startup && !step.main;
    this.frames = step?.frames ?? 0;
  }
  get nodes(): readonly TreeNode[] {
    const out: TreeNode[] = [];
    for (let s = this.step; s !== undefined; s = s.up) out.push(s.node);
    return out.reverse();
  }
}

function stepOf(node: TreeNode, up: Step | undefined, startupMark: (n: TreeNode) => 'main' | 'startup' | undefined): Step {
  const mark = startupMark(node);
  const frame = node.kind !== 'comm' && node.kind !== 'protection-site' && node.kind !== 'region' && node.kind !== 'instruction' && !node.name.endsWith(' (inlined)');
  return {
    node,
    up,
    main: (up?.main ?? false) || mark === 'main',
    startup: (up?.startup ?? false) || mark === 'startup',
    frames: (up?.frames ?? 0) + (frame ? 1 : 0),
  };
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
  /** Whether a site is one of the report's sites (the one for its dso and address). */
  readonly isReportSite: (site: FaultSite) => boolean;
}

/** Reads the report once for every pattern. The tree must be the call-path tree (not inverted, not grouped by site, not pruned). */
export function findingContext(report: Report): FindingContext {
  const paths: FaultPath[] = [];
  const mark = startupMarks();
  // forEachPath's order: a node's own faults, then its children's
  const walk = (node: TreeNode, step: Step | undefined): void => {
    if (node.self > 0) paths.push(new LinkedPath(step, node, node.self, node.classes ?? { unknown: node.self }));
    for (const c of node.children) walk(c, stepOf(c, step, mark));
  };
  walk(report.tree, undefined);
  const sites = new Map<string, ProtectionSiteView[]>();
  for (const s of report.protection?.sites ?? []) {
    const list = sites.get(s.site);
    if (list === undefined) sites.set(s.site, [s]);
    else list.push(s);
  }
  // by dso, then address: no key string made per site
  const byAddress = new Map<string, Map<string, SiteCount>>();
  for (const s of report.sites) {
    let inDso = byAddress.get(s.dso);
    if (inDso === undefined) byAddress.set(s.dso, (inDso = new Map()));
    if (!inDso.has(s.address)) inDso.set(s.address, s);
  }
  const reportSite = (site: FaultSite): SiteCount | undefined => byAddress.get(site.dso)?.get(site.address);
  // made when a pattern first asks (the guard pattern)
  let instructions: Map<string, SiteCount> | undefined;
  const instructionsByName = (): Map<string, SiteCount> => {
    if (instructions !== undefined) return instructions;
    instructions = new Map();
    for (const s of report.sites) {
      const name = protectionInstructionName(s);
      if (!instructions.has(name)) instructions.set(name, s);
    }
    return instructions;
  };
  return {
    report,
    total: report.tree.value,
    paths,
    protectionSites: (name) => sites.get(name) ?? [],
    instruction: (name) => instructionsByName().get(name),
    isReportSite: (site) => reportSite(site) === site,
    leafSite: (leaf) => (leaf.site === undefined ? undefined : (reportSite(leaf.site) ?? leaf.site)),
  };
}

/** The faulting instructions of the paths with faults of `classes`, by those faults, descending (start-up paths left out unless asked). */
export function instructionsOf(ctx: FindingContext, classes: readonly FaultClass[], startup = false): { site: FaultSite; faults: number }[] {
  const by = new Map<TreeNode, number>();
  for (const p of ctx.paths) {
    if (p.startup && !startup) continue;
    const n = faultsIn(p, classes);
    if (n > 0 && p.leaf.site !== undefined) by.set(p.leaf, (by.get(p.leaf) ?? 0) + n);
  }
  // one instruction reached on several paths is one entry: the report's site
  // by identity (one per dso and address), a site it lacks by its name
  const out: { site: FaultSite; faults: number }[] = [];
  const known = new Map<FaultSite, { site: FaultSite; faults: number }>();
  const named = new Map<string, { site: FaultSite; faults: number }>();
  for (const [leaf, n] of by) {
    const s = ctx.leafSite(leaf)!;
    const inReport = s !== leaf.site || ctx.isReportSite(s);
    const key = inReport ? undefined : `${s.dso}\0${s.address}\0${s.symbol}\0${s.offset}`;
    const m = key === undefined ? known.get(s) : named.get(key);
    if (m !== undefined) m.faults += n;
    else {
      const e = { site: s, faults: n };
      out.push(e);
      if (key === undefined) known.set(s, e);
      else named.set(key, e);
    }
  }
  return out.sort((a, b) => b.faults - a.faults || (a.site.symbol < b.site.symbol ? -1 : a.site.symbol > b.site.symbol ? 1 : 0));
}

function faultsIn(p: FaultPath, classes: readonly FaultClass[]): number {
  let n = 0;
  for (const c of classes) n += p.classes[c] ?? 0;
  return n;
}

/** Faults of `classes` on the paths, start-up paths apart. */
export function faultsOf(ctx: FindingContext, classes: readonly FaultClass[]): { startup: number; other: number } {
  let startup = 0;
  let other = 0;
  for (const p of ctx.paths) {
    const n = faultsIn(p, classes);
    if (p.startup) startup += n;
    else other += n;
  }
  return { startup, other };
}

/** A finding explaining `faults` of the tree's faults (its share of ctx.total). */
export function finding(ctx: FindingContext, kind: Finding['kind'], faults: number, rest: Pick<Finding, 'text' | 'sites' | 'instructions' | 'remedy'>): Finding {
  return { kind, share: faults / ctx.total, faults, ...rest };
}
