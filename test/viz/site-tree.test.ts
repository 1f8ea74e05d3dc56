// The page builds the tree by protection site from the call tree's leaves split
// by site (viz/html/site-tree.ts): it must be the tree the aggregator builds
// grouped by site (ReportOptions.siteTreeNodes, the reference), node for node —
// names, kinds, dsos, values, events in their order, sites, classes, cells and
// the layout — on every capture with protection calls.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Report, TreeNode } from '../../src/model.js';
import { buildReport, type ReportOptions } from '../../src/pipeline.js';
import { decodeTree, encodeTree } from '../../viz/html/encode-tree.js';
import { renderHtml } from '../../viz/html/index.js';
import { unpackPage, type PageData } from '../../viz/html/pack.js';

// the first difference with some context (a whole tree's text is too long to read)
function same(a: string, b: string, what = ''): void {
  if (a === b) return;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  expect(a.slice(Math.max(0, i - 300), i + 200), what).toBe(b.slice(Math.max(0, i - 300), i + 200));
}

function dataBlock(html: string): PageData {
  const open = '<script type="application/json" id="faultpath-data">';
  const start = html.indexOf(open) + open.length;
  return JSON.parse(html.slice(start, html.indexOf('</script>', start))) as PageData;
}

// JSON text keeps key order: byEvent's and classes' order are the reference's too
// (a site's fields come in the page's site table's order, in either page)
function text(node: TreeNode & { id?: number }): string {
  const strip = (n: TreeNode & { id?: number }): unknown => {
    const { id: _id, children, site, ...rest } = n;
    // a report's cells are views of one array; the page's, arrays
    if (rest.cells !== undefined) rest.cells = [...rest.cells];
    const fields = site !== undefined ? { site: Object.fromEntries(Object.entries(site).sort(([a], [b]) => (a < b ? -1 : 1))) } : {};
    return { ...rest, ...fields, children: children.map(strip) };
  };
  return JSON.stringify(strip(node));
}

// captures with protection calls, each with its listings
const CAPTURES: { name: string; traces: string[]; objdump: string[] }[] = [
  { name: 'guard', traces: ['samples/guard/perf-script.txt.gz'], objdump: ['samples/guard/guard.objdump-dl.txt', 'samples/guard/libc.objdump-dl.txt.gz'] },
  { name: 'guard, mmap events', traces: ['samples/guard/perf-script-mmap.txt'], objdump: ['samples/guard/guard.objdump-dl.txt'] },
  { name: 'go guard', traces: ['samples/go/guard.perf-script.txt.gz'], objdump: [] },
  { name: 'odd: two runs', traces: ['samples/odd/guard-run1.perf-script.txt.gz', 'samples/odd/guard-run2.perf-script.txt.gz'], objdump: ['samples/odd/guard.objdump-dl.txt'] },
  { name: 'tlb forkcow', traces: ['samples/tlb/forkcow.perf-script.txt'], objdump: ['samples/tlb/forkcow.objdump-dl.txt'] },
  { name: 'regions', traces: ['samples/regions/regions.perf-script.txt.gz'], objdump: ['samples/regions/regions.objdump-dl.txt'] },
  { name: 'mismatch', traces: ['samples/mismatch/perf-script.txt.gz'], objdump: ['samples/mismatch/o2-guard.objdump-dl.txt'] },
  ...readdirSync('samples/protection')
    .filter((f) => /\.perf-script(-pid)?\.txt(\.gz)?$/.test(f))
    .map((f) => {
      const objdump = join('samples/protection', f.replace(/\.perf-script.*$/, '.objdump-dl.txt'));
      return { name: `protection ${f}`, traces: [join('samples/protection', f)], objdump: existsSync(objdump) ? [objdump] : [] };
    }),
];

async function both(c: (typeof CAPTURES)[number], more: Partial<ReportOptions> = {}): Promise<Report> {
  return buildReport({ traces: c.traces, objdump: c.objdump, siteTree: true, siteTreeNodes: true, ...more });
}

describe('the tree by protection site, built in the page from the leaves by site', () => {
  test.each(CAPTURES)('$name: the page builds the aggregator\'s tree', async (c) => {
    const report = await both(c);
    if (report.siteTree === undefined) {
      expect(report.siteLeaves).toBeUndefined();
      return;
    }
    expect(report.siteLeaves).toBeDefined();
    const data = dataBlock(renderHtml(report));
    // carried as leaves, not as a tree
    expect(data.sites).toBeUndefined();
    expect(data.siteLeaves!.group.length).toBe(report.siteLeaves!.leaf.length);
    const sites = unpackPage(data).sites!;
    same(text(decodeTree(sites)), text(report.siteTree));
    expect(sites.x0).toEqual(encodeTree(report.siteTree).x0);
  });

  test('a page made with the tree by site as a tree reads the same', async () => {
    const report = await both(CAPTURES[0]!);
    const { siteLeaves: _l, ...made } = report;
    const sites = unpackPage(dataBlock(renderHtml(made))).sites!;
    same(text(decodeTree(sites)), text(report.siteTree!));
  });

  test('with the call tree inverted or pruned for display, the tree by site is still the aggregator\'s, pruned as the call tree is', async () => {
    for (const more of [{ invert: true }, { percentLimit: 2 }] as const) {
      const report = await both(CAPTURES[0]!, more);
      const sites = unpackPage(dataBlock(renderHtml(report))).sites!;
      same(text(decodeTree(sites)), text(report.siteTree!), JSON.stringify(more));
    }
  });

  test('a call tree leaf\'s faults are its leaves\' by site, all of them', async () => {
    const report = await both(CAPTURES[0]!);
    const bySiteLeaf = new Map<TreeNode, number>();
    const s = report.siteLeaves!;
    s.leaf.forEach((l, j) => bySiteLeaf.set(s.leaves[l]!, (bySiteLeaf.get(s.leaves[l]!) ?? 0) + s.value[j]!));
    for (const [leaf, v] of bySiteLeaf) expect(v).toBe(leaf.self);
  });
});
