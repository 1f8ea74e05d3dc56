// The page's data block (pack.ts) packed from the report: its trees, sites,
// classes and leaves by site, each string and site once.
import { instructionId, type FaultClass, type FaultSite, type SiteLeaves, type TreeNode } from '../../src/model.js';
import { encodeColumns, interner, stringInterner, type IntColumns } from './encode-tree.js';
import { JsonNumbers } from './json-pieces.js';
import type { PackedSubtree, PageData, PageReport, SiteColumns } from './pack.js';
import { eventOrder, type PackedSiteLeaves } from './site-tree.js';

// a tree's values and self values: mostly counts, in half the memory of doubles (fresh pages cost: ~400 of them on
// the bench capture's tree) and written without a copy (json-bytes.ts `numbers`); doubles from the first that is not one
const VALUES: IntColumns<Int32Array | Float64Array> = {
  make: (n) => new Int32Array(n),
  trim: (a, n) => a.subarray(0, n),
  widen: (a, n) => {
    const wide = new Float64Array(a.length);
    for (let i = 0; i < n; i++) wide[i] = a[i]!;
    return wide;
  },
};

// numbers of the cells written per chunk
const CELL_CHUNK = 16384;
// packTree's typed lists' first length
const LIST = 4096;

/** What packPage builds: written by page.ts's jsonForScriptPieces, it is PageData's JSON. */
export type PageOut = PageData<Int32Array, JsonNumbers, Int32Array | Float64Array>;

/** The page's data block for a report's tree, the rest of the report and, when it has one, its tree by protection site (as leaves of `tree` split by site, or made). */
export function packPage(title: string, tree: TreeNode, report: PageReport, siteTree?: TreeNode, siteLeaves?: SiteLeaves): PageOut {
  if (siteLeaves !== undefined && siteLeaves.tree !== tree) throw new Error('the leaves by site are of another tree');
  const strings: string[] = [];
  const internString = stringInterner(strings);
  const intern = (s: string | undefined): number => (s === undefined ? -1 : internString(s));
  const table: SiteColumns = { dso: [], symbol: [], offset: [], address: [], instruction: [], source: [], resolved: [], reason: [] };
  // the trees' leaves share their site objects; the ranked sites are copies, found by where they are
  const byObject = new Map<FaultSite, number>();
  // by instructionId: the site there, or all of them when sites there differ (the first is the instruction's)
  const byPlace = new Map<string, number | number[]>();
  const str = (i: number): string | undefined => (i < 0 ? undefined : strings[i]);
  const same = (a: FaultSite, i: number): boolean =>
    str(table.symbol[i]!) === a.symbol && table.offset[i] === a.offset && str(table.instruction[i]!) === a.instruction && str(table.source[i]!) === a.source && table.resolved[i] === (a.resolved ? 1 : 0) && str(table.reason[i]!) === a.unresolvedReason;
  const siteIndex = (s: FaultSite): number => {
    let i = byObject.get(s);
    if (i !== undefined) return i;
    const place = instructionId(s);
    const there = byPlace.get(place);
    i = typeof there === 'number' ? (same(s, there) ? there : undefined) : there?.find((j) => same(s, j));
    if (i !== undefined) return i;
    i = table.dso.length;
    byObject.set(s, i);
    if (there === undefined) byPlace.set(place, i);
    else if (typeof there === 'number') byPlace.set(place, [there, i]);
    else there.push(i);
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
  const classSets: Partial<Record<FaultClass, number>>[] = [];
  // most leaves have one class: found by its name, then its value (a key string made per leaf was ~5 MB of garbage)
  const oneClass = new Map<string, Map<number | undefined, number>>();
  const otherSet = interner(classSets, (set) => JSON.stringify(set));
  const classSet = (set: Partial<Record<FaultClass, number>>): number => {
    let keys = 0;
    let only = '';
    for (const k in set) {
      if (keys++ > 0) break;
      only = k;
    }
    if (keys !== 1) return otherSet(set);
    let byValue = oneClass.get(only);
    if (byValue === undefined) oneClass.set(only, (byValue = new Map()));
    const value = set[only as FaultClass];
    let i = byValue.get(value);
    if (i === undefined) {
      i = classSets.push(set) - 1;
      byValue.set(value, i);
    }
    return i;
  };
  // a tree's sites and classes as (node delta, index) pairs, as encodeTree meets them (in node order)
  // the node numbers of the call tree leaves the leaves by site are in (SiteLeaves.leaves)
  const nodeOf = new Int32Array(siteLeaves?.leaves.length ?? 0).fill(-1);
  const packTree = (tree: TreeNode, shared: { strings: string[]; intern: (s: string) => number }, call: boolean): PackedSubtree<Int32Array, JsonNumbers, Int32Array | Float64Array> => {
    // the nodes whose cells the page carries, and their numbers; the number lists typed, doubled as they fill (grown by
    // push, as arrays of numbers, they left ~4 MB of copies on the bench capture)
    // (their cells as the sink is handed them: read again from the nodes, of a dozen shapes, the field was looked up the slow way)
    const cellLists: NonNullable<TreeNode['cells']>[] = [];
    let cellAt = new Int32Array(LIST);
    let siteOf = new Int32Array(LIST);
    const leafSites: FaultSite[] = [];
    // (the call tree's) the node of each site, for its leaf number
    const leafNodes: TreeNode[] = [];
    let classOf = new Int32Array(LIST);
    let sites = 0;
    let classes = 0;
    let celled = 0;
    let lastSite = 0;
    let lastClass = 0;
    const e = encodeColumns(tree, { make: (n) => new Int32Array(n), trim: (a, n) => a.subarray(0, n) }, VALUES, shared, {
      // indexed once the tree's names are in the table: their strings come first
      site: (node, site, t) => {
        if (2 * sites === siteOf.length) siteOf = doubled(siteOf);
        siteOf[2 * sites++] = node - lastSite;
        leafSites.push(site);
        lastSite = node;
        if (call && siteLeaves !== undefined) leafNodes.push(t);
      },
      classes: (node, set) => {
        if (2 * classes === classOf.length) classOf = doubled(classOf);
        classOf[2 * classes] = node - lastClass;
        classOf[2 * classes++ + 1] = classSet(set);
        lastClass = node;
      },
      cells: (node, _t, cells) => {
        if (celled === cellAt.length) cellAt = doubled(cellAt);
        cellLists.push(cells);
        cellAt[celled++] = node;
        return true;
      },
    }, false);
    for (let j = 0; j < sites; j++) siteOf[2 * j + 1] = siteIndex(leafSites[j]!);
    if (call && siteLeaves !== undefined) {
      // the leaves' numbers looked up after the walk, in a loop of their own: in the walk, between its reads of the
      // nodes, each lookup in the map of 30k leaves missed the caches (bench capture: 22-30 -> 7-16 ms)
      const numbers = siteLeaves.leafNumber;
      for (let j = 0, node = 0; j < sites; j++) {
        node += siteOf[2 * j]!;
        const l = numbers.get(leafNodes[j]!);
        if (l !== undefined) nodeOf[l] = node;
      }
    }
    // node numbers as deltas, then the count of quadruples and the quadruples: read from the tree as they are written
    const cells = new JsonNumbers(function* () {
      // copied into one chunk, handed on as it fills and refilled (a chunk is written before the next is asked for):
      // two small lists handed on per node were 140k steps of this generator and of the writer's loop
      // of integers while the cells are (the writer's own kind: not copied again, a subarray made per node), else of doubles
      let ints: Int32Array | undefined = cellLists.length > 0 && cellLists[0] instanceof Int32Array ? new Int32Array(CELL_CHUNK) : undefined;
      let chunk: Int32Array | Float64Array = ints ?? new Float64Array(CELL_CHUNK);
      let n = 0;
      for (let k = 0, last = 0; k < cellLists.length; k++) {
        const c = cellLists[k]!;
        if (n + 2 > CELL_CHUNK || (ints !== undefined && !(c instanceof Int32Array))) {
          if (n > 0) yield chunk.subarray(0, n);
          n = 0;
          if (ints !== undefined && !(c instanceof Int32Array)) chunk = new Float64Array(CELL_CHUNK);
          ints = chunk === ints ? ints : undefined;
        }
        chunk[n++] = cellAt[k]! - last;
        chunk[n++] = c.length / 4;
        last = cellAt[k]!;
        for (let j = 0; j < c.length; ) {
          if (n === CELL_CHUNK) {
            yield chunk;
            n = 0;
          }
          const to = Math.min(c.length, j + CELL_CHUNK - n);
          if (ints !== undefined) n = copyInts(c as Int32Array, j, to, ints, n);
          else if (!Array.isArray(c)) {
            chunk.set(c.subarray(j, to), n);
            n += to - j;
          } else for (let i = j; i < to; ) chunk[n++] = c[i++]!;
          j = to;
        }
      }
      if (n > 0) yield chunk.subarray(0, n);
    });
    // x0 is the partition of `up` and `value`: the page lays it out again (a third of a tree's bytes)
    const { sites: _s, classes: _c, strings: _t, x0: _x, ...arrays } = e;
    return { ...arrays, siteOf: siteOf.subarray(0, 2 * sites), classOf: classOf.subarray(0, 2 * classes), cells };
  };
  const shared = { strings, intern: internString };
  const { siteOf, classOf, cells, ...arrays } = packTree(tree, shared, true);
  const sites: number[] = [];
  for (const s of report.sites) sites.push(siteIndex(s), intern(s.event), s.count, s.major ?? -1);
  const findings = report.findings?.map((f) => ({ ...f, instructions: f.instructions.map((id) => {
        const there = byPlace.get(id);
        return (typeof there === 'number' ? there : there?.[0]) ?? id;
      }) }));
  // after everything the call tree's page has, so a page without it is as it was
  const bySite = siteLeaves === undefined && siteTree !== undefined ? packTree(siteTree, shared, false) : undefined;
  const leaves = siteLeaves !== undefined ? packLeaves(siteLeaves, nodeOf, intern, siteIndex, classSet) : undefined;
  return {
    title,
    tree: { ...arrays, strings, siteTable: table, siteOf, classSets, classOf, cells },
    report: { ...report, sites, ...(findings !== undefined ? { findings } : {}) },
    ...(bySite !== undefined ? { sites: bySite } : {}),
    ...(leaves !== undefined ? { siteLeaves: leaves } : {}),
  };
}

// from[j] … from[to - 1] into `into` at n: the end.
function copyInts(from: Int32Array, j: number, to: number, into: Int32Array, n: number): number {
  while (j < to) into[n++] = from[j++]!;
  return n;
}

// A list twice as long with the same values first.
function doubled(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(2 * a.length);
  b.set(a);
  return b;
}

// Report.siteLeaves as PackedSiteLeaves: the call tree's leaves by their numbers (`nodeOf` by SiteLeaves.leaves), strings, sites and classes by the call tree's tables.
function packLeaves(s: SiteLeaves, nodeOf: Int32Array, intern: (s: string) => number, siteIndex: (s: FaultSite) => number, classSet: (set: Partial<Record<FaultClass, number>>) => number): PackedSiteLeaves<Int32Array, Float64Array> {
  const n = s.leaf.length;
  // columns of the leaves' count, made once (pushed, each left its size again in garbage)
  const out = { groups: s.groups.map(intern), group: s.group, node: new Int32Array(n), value: s.value, event: new Int32Array(n), multi: [] as number[], classes: new Int32Array(n), siteOf: [] as number[], runs: new Int32Array(n + 2 * runsOf(s)) };
  // the leaves' first paths, ascending: where another event's first path falls among them
  const firsts = s.firstPath;
  const before = (path: number): number => {
    let lo = 0;
    let hi = firsts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (firsts[mid]! < path) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // by event number, its string's index (interned as the leaves meet them)
  const eventString = new Int32Array(s.eventNames.length).fill(-1);
  // by class number, by value: the one-class set's index
  const oneClass: (Map<number, number> | undefined)[] = [];
  let lastNode = 0;
  let lastSite = 0;
  let r = 0;
  for (let j = 0; j < n; j++) {
    const node = nodeOf[s.leaf[j]!]!;
    if (node < 0) throw new Error('a leaf by site is not a leaf of the call tree');
    out.node[j] = node - lastNode;
    lastNode = node;
    const value = s.value[j]!;
    const e = s.event[j]!;
    if (e >= 0) out.event[j] = eventString[e]! >= 0 ? eventString[e]! : (eventString[e] = intern(s.eventNames[e]!));
    else {
      const several = s.events.get(j)!;
      const events = Object.keys(several.byEvent);
      out.event[j] = -1;
      out.multi.push(j, events.length);
      events.forEach((name, k) => out.multi.push(intern(name), several.byEvent[name]!, eventOrder(j, before(several.firstPaths[k]!), k === 0)));
    }
    const c = s.cls[j]!;
    if (c >= 0) {
      // most leaves have one class: found by its name and value without a set made for each
      const byValue = (oneClass[c] ??= new Map());
      let i = byValue.get(value);
      if (i === undefined) byValue.set(value, (i = classSet({ [s.classNames[c]!]: value })));
      out.classes[j] = i;
    } else out.classes[j] = classSet(s.classes.get(j)!);
    const site = s.sites.get(j);
    if (site !== undefined) {
      const i = siteIndex(site);
      const leafSite = s.leaves[s.leaf[j]!]!.site;
      if (leafSite === undefined || i !== siteIndex(leafSite)) {
        out.siteOf.push(j - lastSite, i);
        lastSite = j;
      }
    }
    const more = s.moreRuns.get(j);
    if (s.runCount[j] === 0) out.runs[r++] = 0;
    else {
      out.runs[r++] = 1 + (more === undefined ? 0 : more.length / 2);
      out.runs[r++] = s.runFirst[j]!;
      out.runs[r++] = s.runCount[j]!;
      if (more !== undefined) for (const x of more) out.runs[r++] = x;
    }
  }
  return out;
}

// The (first, count) runs of all the leaves by site.
function runsOf(s: SiteLeaves): number {
  let runs = 0;
  for (let j = 0; j < s.runCount.length; j++) if (s.runCount[j] !== 0) runs++;
  for (const more of s.moreRuns.values()) runs += more.length / 2;
  return runs;
}
