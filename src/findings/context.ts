// What every pattern reads from the finished report, computed once: the
// tree's fault paths with their classes and whether they are program start-up,
// and lookups from the protection section's names to the report's sites.
import type { FaultClass, FaultSite, Finding, ProtectionSiteView, Report, SiteCount, TreeNode } from '../model.js';
import { startupMarks } from './startup.js';
import { type ChainHead, unmadeChain } from '../path-tree.js';
import type { PathStep } from '../tree.js';
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

// The tree's nodes in walk order, each with its parent's index (-1: under the
// root): the paths read their nodes back from here rather than each holding
// a copy of them (100k paths of ten nodes add up), and no object is made per
// node. In chunks of fixed size: arrays grown by push to 208k nodes allocated
// (and faulted in) three times their size.
class WalkOrder {
  private readonly nodes: TreeNode[][] = [];
  private readonly ups: Int32Array[] = [];
  private size = 0;

  /** Adds a node under the node at `up`: its index. */
  push(node: TreeNode, up: number): number {
    const i = this.size++;
    const at = i & CHUNK_MASK;
    if (at === 0) {
      this.nodes.push(new Array<TreeNode>(CHUNK));
      this.ups.push(new Int32Array(CHUNK));
    }
    const c = i >>> CHUNK_BITS;
    this.nodes[c]![at] = node;
    this.ups[c]![at] = up;
    return i;
  }

  node(i: number): TreeNode {
    return this.nodes[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
  }

  up(i: number): number {
    return this.ups[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
  }
}

// what a chain's step says of its paths (findingContext)
const STEP_SEEN = 1;
const STEP_MAIN = 2;
const STEP_STARTUP = 4;
const STEP_FRAME = 8;

const CHUNK_BITS = 13;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/** The tree's fault paths by number (0 … count - 1, forEachPath's order) as columns: what the patterns read. */
export interface FaultPaths {
  readonly count: number;
  value(i: number): number;
  classes(i: number): Partial<Record<FaultClass, number>>;
  startup(i: number): boolean;
  frames(i: number): number;
  /** Made when read, as FaultPath's. */
  leaf(i: number): TreeNode;
  nodes(i: number): readonly TreeNode[];
}

// Path i ends at node `end` at `at` in the walk order; a path down an unmade chain (path-tree.ts) ends at the
// chain's head, `below` nodes above its leaf: those nodes are made when the path's nodes or leaf are read (most
// never are), the tree's own. In chunks of columns, not an object per path: 30k objects of ~90 bytes on the
// bench capture, kept through every pattern (past scavenges: copied, promoted) and dropped right after.
class PathColumns implements FaultPaths {
  count = 0;
  private readonly ats: Int32Array[] = [];
  private readonly belows: Int32Array[] = [];
  // frames * 2, + 1 when start-up
  private readonly marks: Int32Array[] = [];
  private readonly values: Float64Array[] = [];
  private readonly ends: TreeNode[][] = [];
  private readonly classesOf: Partial<Record<FaultClass, number>>[][] = [];

  constructor(private readonly order: WalkOrder) {}

  push(at: number, end: TreeNode, below: number, value: number, classes: Partial<Record<FaultClass, number>>, startup: boolean, frames: number): void {
    const i = this.count++;
    const k = i & CHUNK_MASK;
    if (k === 0) {
      this.ats.push(new Int32Array(CHUNK));
      this.belows.push(new Int32Array(CHUNK));
      this.marks.push(new Int32Array(CHUNK));
      this.values.push(new Float64Array(CHUNK));
      this.ends.push(new Array<TreeNode>(CHUNK));
      this.classesOf.push(new Array<Partial<Record<FaultClass, number>>>(CHUNK));
    }
    const c = i >>> CHUNK_BITS;
    this.ats[c]![k] = at;
    this.belows[c]![k] = below;
    this.marks[c]![k] = 2 * frames + (startup ? 1 : 0);
    this.values[c]![k] = value;
    this.ends[c]![k] = end;
    this.classesOf[c]![k] = classes;
  }

  value(i: number): number {
    return this.values[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
  }

  classes(i: number): Partial<Record<FaultClass, number>> {
    return this.classesOf[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
  }

  startup(i: number): boolean {
    return (this.marks[i >>> CHUNK_BITS]![i & CHUNK_MASK]! & 1) !== 0;
  }

  frames(i: number): number {
    return this.marks[i >>> CHUNK_BITS]![i & CHUNK_MASK]! >> 1;
  }

  leaf(i: number): TreeNode {
    const end = this.ends[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
    return this.belows[i >>> CHUNK_BITS]![i & CHUNK_MASK] === 0 ? end : (end as ChainHead).leaf();
  }

  nodes(i: number): readonly TreeNode[] {
    const out: TreeNode[] = [];
    const order = this.order;
    for (let j = this.ats[i >>> CHUNK_BITS]![i & CHUNK_MASK]!; j >= 0; j = order.up(j)) out.push(order.node(j));
    out.reverse();
    let n = this.ends[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
    const below = this.belows[i >>> CHUNK_BITS]![i & CHUNK_MASK]!;
    for (let k = 0; k < below; k++) out.push((n = n.children[0]!));
    return out;
  }
}

/** Path i of the columns as a FaultPath (its fields read from them). */
export function pathOf(paths: FaultPaths, i: number): FaultPath {
  return new PathView(paths, i);
}

class PathView implements FaultPath {
  constructor(
    private readonly of: FaultPaths,
    private readonly i: number,
  ) {}
  get nodes(): readonly TreeNode[] {
    return this.of.nodes(this.i);
  }
  get leaf(): TreeNode {
    return this.of.leaf(this.i);
  }
  get value(): number {
    return this.of.value(this.i);
  }
  get classes(): Partial<Record<FaultClass, number>> {
    return this.of.classes(this.i);
  }
  get startup(): boolean {
    return this.of.startup(this.i);
  }
  get frames(): number {
    return this.of.frames(this.i);
  }
}

// A call frame: not a comm, protection site, region, instruction or inlined frame.
function isFrame(node: PathStep): boolean {
  return node.kind !== 'comm' && node.kind !== 'protection-site' && node.kind !== 'region' && node.kind !== 'instruction' && !node.name.endsWith(' (inlined)');
}

export interface FindingContext {
  readonly report: Report;
  /** The tree's total: the faults every share is a part of. */
  readonly total: number;
  /** The paths as columns (what the patterns read). */
  readonly faultPaths: FaultPaths;
  /** The same paths, an object each, made when first read. */
  readonly paths: readonly FaultPath[];
  /** Per fault class, the faults of the paths, start-up paths apart (what `faultsOf` adds up). */
  readonly byClass: ReadonlyMap<FaultClass, { readonly startup: number; readonly other: number }>;
  /** Protection sites by name (merged reports can hold one name in several dsos: all of them). */
  readonly protectionSites: (name: string) => readonly ProtectionSiteView[];
  /** The report's faulting instruction for a protection section instruction name. */
  readonly instruction: (name: string) => SiteCount | undefined;
  /** The report's faulting instruction a tree leaf stands for (a leaf read back from JSON knows no symbol). */
  readonly leafSite: (leaf: TreeNode) => FaultSite | undefined;
  /** Whether a site is one of the report's sites (the one for its dso and address). */
  readonly isReportSite: (site: FaultSite) => boolean;
  /** The number in report.sites of the report's site for a site's dso and address (-1: none). */
  readonly siteNumber: (site: FaultSite) => number;
}

/** Reads the report once for every pattern. The tree must be the call-path tree (not inverted, not grouped by site, not pruned). */
export function findingContext(report: Report): FindingContext {
  const mark = startupMarks();
  const order = new WalkOrder();
  const paths = new PathColumns(order);
  // forEachPath's order: a node's own faults, then its children's; what the path says so far passed down
  const walk = (node: TreeNode, at: number, main: boolean, startup: boolean, frames: number): void => {
    if (node.self > 0) paths.push(at, node, 0, node.self, node.classes ?? { unknown: node.self }, startup && !main, frames);
    const children = node.children;
    for (let i = 0; i < children.length; i++) {
      const c = children[i]!;
      // under main nothing is start-up: no mark to read
      const m = main ? undefined : mark(c);
      const j = order.push(c, at);
      const chain = unmadeChain(c);
      if (chain !== undefined) walkChain(chain, j, main || m === 'main', startup || m === 'startup', isFrame(c) ? frames + 1 : frames);
      else walk(c, j, main || m === 'main', startup || m === 'startup', isFrame(c) ? frames + 1 : frames);
    }
  };
  // walk's way down an unmade chain, by its steps (one path: no self value above its leaf); by step number, what
  // it says (STEP_*), worked out once (the bench capture: 203k chain nodes of a few thousand steps)
  let said: Int8Array | undefined;
  let saidOf: readonly PathStep[] | undefined;
  const walkChain = (head: ChainHead, at: number, main: boolean, startup: boolean, frames: number): void => {
    const { steps, pool, from, to } = head;
    if (steps !== saidOf) {
      saidOf = steps;
      said = new Int8Array(steps.length);
    }
    for (let i = from; i < to; i++) {
      const k = pool[i]!;
      let s = said![k]!;
      if (s === 0) {
        const step = steps[k]!;
        const m = mark(step);
        said![k] = s = STEP_SEEN | (m === 'main' ? STEP_MAIN : m === 'startup' ? STEP_STARTUP : 0) | (isFrame(step) ? STEP_FRAME : 0);
      }
      if (!main) {
        main = (s & STEP_MAIN) !== 0;
        startup ||= (s & STEP_STARTUP) !== 0;
      }
      if ((s & STEP_FRAME) !== 0) frames++;
    }
    const value = head.value;
    if (value > 0) paths.push(at, head, to - from, value, head.leafClasses ?? { unknown: value }, startup && !main, frames);
  };
  walk(report.tree, -1, false, false, 0);
  // each pattern asks for a few classes: the paths are read once for all of them
  const byClass = new Map<FaultClass, { startup: number; other: number }>();
  for (let i = 0; i < paths.count; i++) {
    const classes = paths.classes(i);
    const startup = paths.startup(i);
    for (const c in classes) {
      let t = byClass.get(c as FaultClass);
      if (t === undefined) byClass.set(c as FaultClass, (t = { startup: 0, other: 0 }));
      if (startup) t.startup += classes[c as FaultClass]!;
      else t.other += classes[c as FaultClass]!;
    }
  }
  const sites = new Map<string, ProtectionSiteView[]>();
  for (const s of report.protection?.sites ?? []) {
    const list = sites.get(s.site);
    if (list === undefined) sites.set(s.site, [s]);
    else list.push(s);
  }
  // by dso, then address, the site's number in report.sites: no key string made per site
  const byAddress = new Map<string, Map<string, number>>();
  const sitesOf = report.sites;
  for (let i = 0; i < sitesOf.length; i++) {
    const s = sitesOf[i]!;
    let inDso = byAddress.get(s.dso);
    if (inDso === undefined) byAddress.set(s.dso, (inDso = new Map()));
    if (!inDso.has(s.address)) inDso.set(s.address, i);
  }
  const siteNumber = (site: FaultSite): number => byAddress.get(site.dso)?.get(site.address) ?? -1;
  const reportSite = (site: FaultSite): SiteCount | undefined => sitesOf[siteNumber(site)];
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
  let views: FaultPath[] | undefined;
  return {
    report,
    total: report.tree.value,
    faultPaths: paths,
    get paths(): readonly FaultPath[] {
      if (views === undefined) {
        views = [];
        for (let i = 0; i < paths.count; i++) views.push(pathOf(paths, i));
      }
      return views;
    },
    byClass,
    protectionSites: (name) => sites.get(name) ?? [],
    instruction: (name) => instructionsByName().get(name),
    isReportSite: (site) => reportSite(site) === site,
    leafSite: (leaf) => (leaf.site === undefined ? undefined : (reportSite(leaf.site) ?? leaf.site)),
    siteNumber,
  };
}

/** The faulting instructions of the paths with faults of `classes`, by those faults, descending (start-up paths left out unless asked). */
export function instructionsOf(ctx: FindingContext, classes: readonly FaultClass[], startup = false): { site: FaultSite; faults: number }[] {
  // one instruction reached on several paths is one entry: the report's site
  // (one per dso and address, by its number), a site it lacks by its name.
  // Each path ends at a leaf of its own (findingContext): no map by leaf, and
  // none by report site (a wide capture's 100k sites: ~15 MB of maps grown)
  const out: { site: FaultSite; faults: number }[] = [];
  let known: Int32Array | undefined;
  const named = new Map<string, { site: FaultSite; faults: number }>();
  const paths = ctx.faultPaths;
  for (let i = 0; i < paths.count; i++) {
    if (paths.startup(i) && !startup) continue;
    const n = faultsIn(paths.classes(i), classes);
    if (n <= 0) continue;
    const leafSite = paths.leaf(i).site;
    if (n <= 0 || leafSite === undefined) continue;
    const at = ctx.siteNumber(leafSite);
    const s = at >= 0 ? ctx.report.sites[at]! : leafSite;
    const inReport = at >= 0;
    const key = inReport ? undefined : `${s.dso}\0${s.address}\0${s.symbol}\0${s.offset}`;
    let m: { site: FaultSite; faults: number } | undefined;
    if (key === undefined) {
      known ??= new Int32Array(ctx.report.sites.length);
      const e = known[at]!;
      m = e > 0 ? out[e - 1] : undefined;
    } else m = named.get(key);
    if (m !== undefined) m.faults += n;
    else {
      const e = { site: s, faults: n };
      out.push(e);
      if (key === undefined) known![at] = out.length;
      else named.set(key, e);
    }
  }
  return out.sort((a, b) => b.faults - a.faults || (a.site.symbol < b.site.symbol ? -1 : a.site.symbol > b.site.symbol ? 1 : 0));
}

function faultsIn(of: Partial<Record<FaultClass, number>>, classes: readonly FaultClass[]): number {
  let n = 0;
  for (let i = 0; i < classes.length; i++) n += of[classes[i]!] ?? 0;
  return n;
}

/** Faults of `classes` on the paths, start-up paths apart. */
export function faultsOf(ctx: FindingContext, classes: readonly FaultClass[]): { startup: number; other: number } {
  let startup = 0;
  let other = 0;
  for (const c of classes) {
    const t = ctx.byClass.get(c);
    if (t === undefined) continue;
    startup += t.startup;
    other += t.other;
  }
  return { startup, other };
}

/** A finding explaining `faults` of the tree's faults (its share of ctx.total). */
export function finding(ctx: FindingContext, kind: Finding['kind'], faults: number, rest: Pick<Finding, 'text' | 'sites' | 'instructions' | 'remedy'>): Finding {
  return { kind, share: faults / ctx.total, faults, ...rest };
}
