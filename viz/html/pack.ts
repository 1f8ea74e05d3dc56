// The page's data block as it travels: each string once (one table for the
// tree's names and the sites' fields), each faulting instruction once (a site
// table the tree's leaves, the ranked sites and the findings point into), leaf
// classes as shared sets, node numbers in lists as deltas. A capture with 100k
// distinct instructions was a 50 MB page with every site twice and its
// unresolved reason 200k times; packed it is a fraction of that.
// `unpackPage` gives the page (and tests) the shapes encode.ts and the report
// have, so the client reads ordinary objects.
import { instructionId, type FaultClass, type FaultSite, type Finding, type Report, type SiteCount } from '../../src/model.js';
import { interner, type EncodedTree } from './encode.js';

type PageReport = Omit<Report, 'tree'>;

/** Distinct sites as columns; string fields are indexes into the tree's strings, -1 when absent. */
interface SiteColumns {
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

/** The tree as packed: encode.ts's arrays, with sites, classes and cells by reference. */
export interface PackedTree extends Omit<EncodedTree, 'sites' | 'classes' | 'cells'> {
  readonly siteTable: SiteColumns;
  /** (node delta, site index) pairs. */
  readonly siteOf: number[];
  readonly classSets: Partial<Record<FaultClass, number>>[];
  /** (node delta, class set index) pairs. */
  readonly classOf: number[];
  /** encode.ts's cells with the node as a delta from the previous one. */
  readonly cells: number[];
}

type PackedFinding = Omit<Finding, 'instructions'> & { readonly instructions: (number | string)[] };

/** Report.sites as (site, event string, count, major or -1) quadruples; findings' instructions as site indexes. */
type PackedReport = Omit<PageReport, 'sites' | 'findings'> & { readonly sites: number[]; readonly findings?: PackedFinding[] };

/** What the page's JSON data block holds. */
export interface PageData {
  readonly title: string;
  readonly tree: PackedTree;
  /** The tree by protection site (Report.siteTree), when the report has one. */
  readonly sites?: EncodedTree;
  readonly report: PackedReport;
}

/** The page's data block for a tree encoded by encodeTree and the rest of its report. */
export function packPage(title: string, enc: EncodedTree, report: PageReport): PageData {
  const strings = [...enc.strings];
  const internString = interner(strings);
  const intern = (s: string | undefined): number => (s === undefined ? -1 : internString(s));
  const table: SiteColumns = { dso: [], symbol: [], offset: [], address: [], instruction: [], source: [], resolved: [], reason: [] };
  // the tree's leaves share their site objects; the ranked sites are copies, found by where they are
  const byObject = new Map<FaultSite, number>();
  const byPlace = new Map<string, number[]>();
  const byInstruction = new Map<string, number>();
  const str = (i: number): string | undefined => (i < 0 ? undefined : strings[i]);
  const same = (a: FaultSite, i: number): boolean =>
    str(table.symbol[i]!) === a.symbol && table.offset[i] === a.offset && str(table.instruction[i]!) === a.instruction && str(table.source[i]!) === a.source && table.resolved[i] === (a.resolved ? 1 : 0) && str(table.reason[i]!) === a.unresolvedReason;
  const siteIndex = (s: FaultSite): number => {
    let i = byObject.get(s);
    if (i !== undefined) return i;
    const place = instructionId(s);
    const there = byPlace.get(place);
    i = there?.find((j) => same(s, j));
    if (i !== undefined) return i;
    i = table.dso.length;
    byObject.set(s, i);
    if (there === undefined) byPlace.set(place, [i]);
    else there.push(i);
    if (!byInstruction.has(place)) byInstruction.set(place, i);
    table.dso.push(intern(s.dso));
    table.symbol.push(intern(s.symbol));
    table.offset.push(s.offset);
    const n = Number.parseInt(s.address, 16);
    table.address.push(Number.isSafeInteger(n) && n.toString(16) === s.address ? n : -(intern(s.address) + 1));
    table.instruction.push(intern(s.instruction));
    table.source.push(intern(s.source));
    table.resolved.push(s.resolved ? 1 : 0);
    table.reason.push(intern(s.unresolvedReason));
    return i;
  };
  const siteOf: number[] = [];
  let last = 0;
  // integer keys: for…in visits them in ascending order
  for (const k in enc.sites) {
    const key = Number(k);
    siteOf.push(key - last, siteIndex(enc.sites[key]!));
    last = key;
  }
  const classSets: Partial<Record<FaultClass, number>>[] = [];
  const setIds = new Map<string, number>();
  const classOf: number[] = [];
  last = 0;
  for (const k in enc.classes) {
    const key = Number(k);
    const set = enc.classes[key]!;
    const names = Object.keys(set);
    // most leaves have one class: its name and value are the key
    const id = names.length === 1 ? `${names[0]}=${set[names[0] as FaultClass]}` : JSON.stringify(set);
    let i = setIds.get(id);
    if (i === undefined) {
      i = classSets.length;
      classSets.push(set);
      setIds.set(id, i);
    }
    classOf.push(key - last, i);
    last = key;
  }
  const cells = [...enc.cells];
  last = 0;
  for (let j = 0; j < cells.length; j += 2 + 4 * cells[j + 1]!) {
    const node = cells[j]!;
    cells[j] = node - last;
    last = node;
  }
  const { sites: _s, classes: _c, cells: _x, strings: _t, ...arrays } = enc;
  const sites: number[] = [];
  for (const s of report.sites) sites.push(siteIndex(s), intern(s.event), s.count, s.major ?? -1);
  const findings = report.findings?.map((f) => ({ ...f, instructions: f.instructions.map((id) => byInstruction.get(id) ?? id) }));
  return {
    title,
    tree: { ...arrays, strings, siteTable: table, siteOf, classSets, classOf, cells },
    report: { ...report, sites, ...(findings !== undefined ? { findings } : {}) },
  };
}

/** The page's data as encode.ts and the report shape it: every site an object again. */
export function unpackPage(data: PageData): { title: string; tree: EncodedTree; sites?: EncodedTree; report: PageReport } {
  const { siteTable: t, siteOf, classSets, classOf, cells: packedCells, ...arrays } = data.tree;
  const strings = arrays.strings;
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
  const sites: Record<string, FaultSite> = {};
  for (let j = 0, node = 0; j < siteOf.length; j += 2) sites[(node += siteOf[j]!)] = siteList[siteOf[j + 1]!]!;
  const classes: Record<string, Partial<Record<FaultClass, number>>> = {};
  for (let j = 0, node = 0; j < classOf.length; j += 2) classes[(node += classOf[j]!)] = classSets[classOf[j + 1]!]!;
  const cells = [...packedCells];
  for (let j = 0, node = 0; j < cells.length; j += 2 + 4 * cells[j + 1]!) cells[j] = node += cells[j]!;
  const r = data.report;
  const ranked: SiteCount[] = [];
  for (let j = 0; j < r.sites.length; j += 4) {
    const major = r.sites[j + 3]!;
    ranked.push({ event: strings[r.sites[j + 1]!]!, ...siteList[r.sites[j]!]!, count: r.sites[j + 2]!, ...(major >= 0 ? { major } : {}) });
  }
  const findings = r.findings?.map((f) => ({ ...f, instructions: f.instructions.map((x) => (typeof x === 'number' ? instructionId(siteList[x]!) : x)) }));
  return {
    title: data.title,
    tree: { ...arrays, sites, classes, cells },
    ...(data.sites !== undefined ? { sites: data.sites } : {}),
    report: { ...r, sites: ranked, ...(findings !== undefined ? { findings } : {}) } as PageReport,
  };
}
