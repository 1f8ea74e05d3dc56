// Reports for the renderer tests, all built by the real pipeline (buildReport) from
// checked-in captures: the guard sample (samples/guard, recorded by its record.sh) and
// FlameGraph's test captures (test/conformance/flamegraph). Built once per test file:
// do not mutate them.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mergeReports } from '../../src/merge.js';
import type { Report, TreeNode } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';
import { forEachPath } from '../../src/tree.js';
import { CONFORMANCE_DIR, ROOT } from '../shared.js';

export const GUARD_DIR = join(ROOT, 'samples/guard');

const GUARD = {
  traces: [join(GUARD_DIR, 'perf-script.txt.gz')],
  objdump: [join(GUARD_DIR, 'guard.objdump-dl.txt')],
  // Both fault events the sample recorded, so tooltips and panels show two counts per frame.
  events: ['exceptions:page_fault_user', 'page-faults'],
};

/** The guard sample's report: fault events `exceptions:page_fault_user` and `page-faults`, joined with guard's listing. */
export function guardReport(): Promise<Report> {
  return (guardCache ??= buildReport(GUARD));
}
let guardCache: Promise<Report> | undefined;

/** FlameGraph's test captures, by name (`perf-vertx-stacks-01`). */
export const CAPTURES = readdirSync(CONFORMANCE_DIR)
  .filter((f) => f.endsWith('.txt'))
  .map((f) => f.slice(0, -'.txt'.length))
  .sort();

/** The report of one FlameGraph capture, its tree built from the first event the capture records (as stackcollapse-perf.pl keeps). */
export function captureReport(name: string): Promise<Report> {
  let report = captureCache.get(name);
  if (report === undefined) {
    const traces = [join(CONFORMANCE_DIR, `${name}.txt`)];
    report = buildReport({ traces }).then((all) => buildReport({ traces, events: Object.keys(all.events).slice(0, 1) }));
    captureCache.set(name, report);
  }
  return report;
}
const captureCache = new Map<string, Promise<Report>>();

/**
 * A report with at least `minNodes` tree nodes: the guard report merged with every
 * FlameGraph capture's report, each capture under a node of its own name, repeated
 * under `copy N/` names until the tree is big enough.
 */
export async function scaleReport(minNodes = 100_000): Promise<Report> {
  let report = scaleCache.get(minNodes);
  if (report === undefined) scaleCache.set(minNodes, (report = buildScaleReport(minNodes)));
  return report;
}
const scaleCache = new Map<number, Promise<Report>>();

async function buildScaleReport(minNodes: number): Promise<Report> {
  const guard = await guardReport();
  const captures = await Promise.all(CAPTURES.map(async (name) => ({ name, report: await captureReport(name) })));
  const reports = [guard];
  let nodes = countNodes(guard.tree);
  for (let copy = 1; nodes < minNodes; copy++) {
    for (const { name, report } of captures) {
      reports.push(under(report, copy === 1 ? name : `copy ${copy}/${name}`));
      nodes += countNodes(report.tree);
    }
  }
  return mergeReports(reports);
}

/** The report with its tree's root children moved under one node named `group`. */
function under(report: Report, group: string): Report {
  const root = report.tree;
  const node: TreeNode = { ...root, name: group, kind: 'comm', self: 0 };
  return { ...report, tree: { ...root, children: [node] } };
}

export function countNodes(node: TreeNode): number {
  let n = 0;
  for (const _ of walk(node)) n++;
  return n;
}

/** Every node, depth first, parents before children. */
export function* walk(node: TreeNode): Generator<TreeNode> {
  const stack = [node];
  while (stack.length > 0) {
    const x = stack.pop()!;
    yield x;
    for (let i = x.children.length - 1; i >= 0; i--) stack.push(x.children[i]!);
  }
}

// ---------------------------------------------------------------- hostile text

/** A symbol that would run script if a renderer put it into markup unescaped. */
export const EVIL = '</script><img src=x onerror=alert(1)>';

/**
 * The guard report as if guard's `write_field` were called EVIL, `unprotect_page` quoted
 * it, guard itself were `/tmp/EVIL.so`, `write_header` held line and paragraph separators, and the trace
 * had a warning and a bad line quoting EVIL: every place a trace puts text.
 */
export async function hostileReport(): Promise<Report> {
  const guard = await guardReport();
  const quoted = (s: string): string => JSON.stringify(s).slice(1, -1);
  // a report's cells are views of one typed array: written as the arrays they stand for
  const json = JSON.stringify(guard, (_key, v: unknown) => (v instanceof Float64Array || v instanceof Int32Array ? [...v] : v))
    .replaceAll('write_field', quoted(EVIL))
    .replaceAll('write_header', quoted('line\u2028sep\u2029para'))
    .replaceAll('unprotect_page', quoted(`unprotect ${EVIL}`))
    .replaceAll(/(["\s])\/work\/main\/samples\/guard\/guard"/g, (_, before: string) => `${before}${quoted(`/tmp/${EVIL}.so`)}"`);
  const report = JSON.parse(json) as Report;
  return {
    ...report,
    inputs: [...report.inputs, { name: `${EVIL}.txt`, format: 'perf-script', lines: 1, records: 0 }],
    skipped: { lines: report.skipped.lines + 1, examples: [...report.skipped.examples, `${EVIL}.txt:1: ${EVIL}`] },
    warnings: [`warning ${EVIL}`],
  };
}

/** Whether a time quantum of `slices` has its middle in the window [a, b) (quantum -1: no time). */
export function quantumIn(slices: { start: number; quantum: number }, a: number, b: number): (q: number) => boolean {
  return (q) => q >= 0 && slices.start + (q + 0.5) * slices.quantum >= a && slices.start + (q + 0.5) * slices.quantum < b;
}

/** Sum of the cells `keep` takes, over the tree. */
export function cellSum(tree: TreeNode, keep: (q: number, thread: number, region: number) => boolean): number {
  let s = 0;
  forEachPath(tree, (_p, _self, n) => {
    const c = n.cells ?? [];
    for (let i = 0; i < c.length; i += 4) if (keep(c[i]!, c[i + 1]!, c[i + 2]!)) s += c[i + 3]!;
  });
  return s;
}
