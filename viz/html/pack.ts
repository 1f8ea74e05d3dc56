// The page's data block as it travels: each string once (one table for the
// trees' names and the sites' fields), each faulting instruction once (a site
// table the trees' leaves, the ranked sites and the findings point into), leaf
// classes as shared sets, node numbers in lists as deltas. A capture with 100k
// distinct instructions was a 50 MB page with every site twice and its
// unresolved reason 200k times; packed it is a fraction of that. The tree by
// protection site travels as the call tree's leaves split by site, which the
// page builds it from (site-tree.ts): as a tree, even packed into the same
// tables, it was half of an 18 MB page. A tree by site made elsewhere (the
// call tree shaped for display: site-tree's leaves are in the tree before) is
// packed as a tree.
// `unpackPage` gives the page (and tests) the shapes encode.ts and the report
// have, so the client reads ordinary objects.
//
// The page's script bundles this module (client/main.ts): its whole text but
// comments, unused code and types too, is in the character counts esbuild
// orders its short names by, so any edit renames the script's locals and
// changes every page's bytes. What only the report's side runs is in
// pack-page.ts.
import { instructionId, type FaultClass, type FaultSite, type Finding, type Report, type SiteCount } from '../../src/model.js';
import { partitionX0, type EncodedTree, type IntColumn } from './encode.js';
import { buildSiteTree, siteTreeKinds, type PackedSiteLeaves } from './site-tree.js';

export type PageReport = Omit<Report, 'tree' | 'siteTree' | 'siteLeaves'>;

/** Distinct sites as columns; string fields are indexes into the tree's strings, -1 when absent. */
export interface SiteColumns {
  readonly dso: number[];
  readonly symbol: number[];
  readonly offset: number[];
  /** The address as a number when its hex text reads back the same, else -(string index + 1). */
  readonly address: number[];
  readonly instruction: number[];
  readonly source: number[];
  readonly resolved: number[];
  readonly reason: number[];
}

/** A tree as packed beside the call tree: encode.ts's arrays, with sites, classes and cells by reference into the call tree's tables. */
// The page's JSON has arrays where packPage builds Int32Array columns (half
// the memory of a number[]) and the cells as numbers read while they
// are written, from the trees' own cell lists (a copy was 1.4M numbers):
// I and C are those types on the way out, number[] in the page.
export interface PackedSubtree<I extends IntColumn = number[], C = number[], F extends IntColumn = number[]> extends Omit<EncodedTree<I, F>, 'strings' | 'sites' | 'classes' | 'cells' | 'x0'> {
  /** (node delta, site index) pairs. */
  readonly siteOf: I;
  /** (node delta, class set index) pairs. */
  readonly classOf: I;
  /** encode.ts's cells with the node as a delta from the previous one. */
  readonly cells: C;
}

/** The call tree as packed, with the tables every packed tree points into. */
export interface PackedTree<I extends IntColumn = number[], C = number[], F extends IntColumn = number[]> extends PackedSubtree<I, C, F> {
  /** Every string of the page's trees and sites. */
  readonly strings: string[];
  readonly siteTable: SiteColumns;
  readonly classSets: Partial<Record<FaultClass, number>>[];
}

type PackedFinding = Omit<Finding, 'instructions'> & { readonly instructions: (number | string)[] };

/** Report.sites as (site, event string, count, major or -1) quadruples; findings' instructions as site indexes. */
type PackedReport = Omit<PageReport, 'sites' | 'findings'> & { readonly sites: number[]; readonly findings?: PackedFinding[] };

/** What the page's JSON data block holds. */
export interface PageData<I extends IntColumn = number[], C = number[], F extends IntColumn = number[]> {
  readonly title: string;
  readonly tree: PackedTree<I, C, F>;
  readonly report: PackedReport;
  /** The tree by protection site (Report.siteTree), when the report has one made. */
  readonly sites?: PackedSubtree<I, C, F>;
  /** The tree by protection site as the call tree's leaves split by site (Report.siteLeaves), when the report has them. */
  readonly siteLeaves?: PackedSiteLeaves<I, F>;
}

/** The page's data as encode.ts and the report shape it: every site an object again. */
export function unpackPage(data: PageData): { title: string; tree: EncodedTree; sites?: EncodedTree; report: PageReport } {
  const { title, tree, report, sites: made } = unpackPageLazily(data);
  const sites = made?.();
  return { title, tree, ...(sites !== undefined ? { sites } : {}), report };
}

/** unpackPage with the tree by protection site made only when asked for (a page opens on the call tree). */
export interface LazyPage {
  readonly title: string;
  readonly tree: EncodedTree;
  readonly report: PageReport;
  /** Makes the tree by protection site (anew at each call), when the page has one. */
  readonly sites?: () => EncodedTree;
  /** The node kinds of the tree by protection site, without making it. */
  readonly siteKinds: readonly string[];
  /** The leaves by protection site as the protection table recounts them without the tree, when the page carries them. */
  readonly siteLeafCells?: () => SiteLeafCells;
}

/** Report.siteLeaves as the page's filters read them: per leaf by site, its site, call tree leaf, instruction and cells. */
export interface SiteLeafCells {
  /** The name of the leaf's site (its top node in the tree by site), '' when it has none. */
  readonly site: string[];
  /** The leaf's call tree leaf (node number). */
  readonly node: Int32Array;
  /** The leaf's faulting instruction. */
  readonly instruction: (FaultSite | undefined)[];
  /** PackedSiteLeaves.runs, and where each leaf's are in it. */
  readonly runs: readonly number[];
  readonly runsAt: Int32Array;
}

export function unpackPageLazily(data: PageData): LazyPage {
  const { siteTable: t, classSets, strings } = data.tree;
  const str = (i: number): string | undefined => (i < 0 ? undefined : strings[i]);
  const siteList: FaultSite[] = t.dso.map((_, i) => {
    const a = t.address[i]!;
    const site: { -readonly [K in keyof FaultSite]: FaultSite[K] } = {
      dso: str(t.dso[i]!)!,
      symbol: str(t.symbol[i]!)!,
      offset: t.offset[i]!,
      address: a >= 0 ? a.toString(16) : strings[-a - 1]!,
      resolved: t.resolved[i] === 1,
    };
    const instruction = str(t.instruction[i]!);
    if (instruction !== undefined) site.instruction = instruction;
    const source = str(t.source[i]!);
    if (source !== undefined) site.source = source;
    const reason = str(t.reason[i]!);
    if (reason !== undefined) site.unresolvedReason = reason;
    return site;
  });
  const unpackTree = (p: PackedSubtree): EncodedTree => {
    const { siteOf, classOf, cells: packedCells, ...arrays } = p;
    const { strings: _t, siteTable: _s, classSets: _c, ...own } = arrays as PackedSubtree & Partial<PackedTree>;
    const sites: Record<string, FaultSite> = {};
    for (let j = 0, node = 0; j < siteOf.length; j += 2) sites[(node += siteOf[j]!)] = siteList[siteOf[j + 1]!]!;
    const classes: Record<string, Partial<Record<FaultClass, number>>> = {};
    for (let j = 0, node = 0; j < classOf.length; j += 2) classes[(node += classOf[j]!)] = classSets[classOf[j + 1]!]!;
    const cells = [...packedCells];
    for (let j = 0, node = 0; j < cells.length; j += 2 + 4 * cells[j + 1]!) cells[j] = node += cells[j]!;
    return { ...own, x0: layout(own.up, own.value), strings, sites, classes, cells };
  };
  const r = data.report;
  const ranked: SiteCount[] = [];
  for (let j = 0; j < r.sites.length; j += 4) {
    const major = r.sites[j + 3]!;
    ranked.push({ event: strings[r.sites[j + 1]!]!, ...siteList[r.sites[j]!]!, count: r.sites[j + 2]!, ...(major >= 0 ? { major } : {}) });
  }
  const findings = r.findings?.map((f) => ({ ...f, instructions: f.instructions.map((x) => (typeof x === 'number' ? instructionId(siteList[x]!) : x)) }));
  const tree = unpackTree(data.tree);
  const { siteLeaves, sites: packedSites } = data;
  const sites = siteLeaves !== undefined ? () => buildSiteTree(tree, siteLeaves, siteList, classSets, layout) : packedSites !== undefined ? () => unpackTree(packedSites) : undefined;
  const siteKinds = siteLeaves !== undefined ? siteTreeKinds(tree.kinds) : (packedSites?.kinds ?? []);
  const siteLeafCells =
    siteLeaves === undefined
      ? undefined
      : (): SiteLeafCells => {
          const n = siteLeaves.group.length;
          const top = siteLeaves.groups.map((g) => strings[g]!.split('\0')[0]!);
          const override = new Map<number, FaultSite>();
          for (let y = 0, j = 0; y < siteLeaves.siteOf.length; y += 2) override.set((j += siteLeaves.siteOf[y]!), siteList[siteLeaves.siteOf[y + 1]!]!);
          const node = new Int32Array(n);
          const runsAt = new Int32Array(n);
          const site: string[] = [];
          const instruction: (FaultSite | undefined)[] = [];
          for (let j = 0, c = 0, y = 0; j < n; j++) {
            node[j] = c += siteLeaves.node[j]!;
            runsAt[j] = y;
            y += 1 + 2 * siteLeaves.runs[y]!;
            site.push(top[siteLeaves.group[j]!]!);
            instruction.push(override.get(j) ?? tree.sites[c]);
          }
          return { site, node, instruction, runs: siteLeaves.runs, runsAt };
        };
  return {
    title: data.title,
    tree,
    report: { ...r, sites: ranked, ...(findings !== undefined ? { findings } : {}) } as PageReport,
    ...(sites !== undefined ? { sites } : {}),
    siteKinds,
    ...(siteLeafCells !== undefined ? { siteLeafCells } : {}),
  };
}

// encodeTree's x0 again from the tree's shape and values: a node's own value is what it holds beyond its children, summed in the same order
function layout(up: readonly number[], value: readonly number[]): number[] {
  const n = up.length;
  const children = new Float64Array(n);
  for (let i = 1; i < n; i++) children[i - up[i]!]! += value[i]!;
  const own = new Float64Array(n);
  for (let i = 0; i < n; i++) own[i] = Math.max(0, value[i]! - children[i]!);
  const x0 = new Array<number>(n);
  partitionX0(up, own, x0);
  return x0;
}
