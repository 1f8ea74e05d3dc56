// Reports from many hosts or runs → one report. Each host reduces its own
// trace to a JSON report (`faultpath report -f json`); the reports merge here.
// Everything countable adds up exactly: events, lost, skipped lines, selection,
// sites, classes, the tree (node by node), the timeline bins and the
// protection sites. Nodes and sites are matched by kind, name and dso, so the
// same function name in two different binaries stays two nodes.
//
// Also the reader of the JSON report (viz/json.ts writes it): merge and diff
// take reports from files.
import type { Readable } from 'node:stream';
import { openInput } from '../parsers/lines.js';
import { InputError } from './errors.js';
import type {
  FaultClass,
  FaultSite,
  InputSummary,
  NodeKind,
  ProtectionInstruction,
  ProtectionSection,
  ProtectionSiteView,
  Report,
  SiteCount,
  TreeNode,
} from './model.js';
import { byValueThenName } from './tree.js';

export interface MergeOptions {
  /** Name of the merged tree's root. Default: the first report's root name. */
  rootName?: string;
  /** How many bad-line examples to keep. Default 5. */
  maxExamples?: number;
}

/** Sums reports: counts add up exactly; nodes and sites of different dsos stay apart. Throws on an empty list. */
export function mergeReports(reports: readonly Report[], options: MergeOptions = {}): Report {
  const first = reports[0];
  if (first === undefined) throw new InputError('nothing to merge: no reports given');
  const maxExamples = options.maxExamples ?? 5;
  const inputs: InputSummary[] = [];
  const events: Record<string, number> = {};
  let lost = 0;
  let skippedLines = 0;
  const examples: string[] = [];
  const selected: string[] = [];
  const selection = { read: 0, kept: 0, filteredOut: 0 };
  const warnings: string[] = [];
  const classes: Partial<Record<FaultClass, number>> = {};
  let anyClasses = false;
  const timeline = new Map<string, { time: number; class: FaultClass; value: number }>();
  let anyTimeline = false;
  const disassembly: NonNullable<Report['disassembly']> = {};
  let anyDisassembly = false;
  const sites = new Map<string, SiteCount>();
  for (const r of reports) {
    inputs.push(...r.inputs);
    addAll(events, r.events);
    lost += r.lost;
    skippedLines += r.skipped.lines;
    for (const e of r.skipped.examples) if (examples.length < maxExamples) examples.push(e);
    for (const e of r.selectedEvents) if (!selected.includes(e)) selected.push(e);
    selection.read += r.selection.read;
    selection.kept += r.selection.kept;
    selection.filteredOut += r.selection.filteredOut;
    for (const w of r.warnings) if (!warnings.includes(w)) warnings.push(w);
    if (r.classes !== undefined) {
      anyClasses = true;
      addAll(classes, r.classes);
    }
    if (r.timeline !== undefined) {
      anyTimeline = true;
      for (const b of r.timeline) {
        const key = `${b.time}\0${b.class}`;
        const t = timeline.get(key);
        if (t === undefined) timeline.set(key, { ...b });
        else t.value += b.value;
      }
    }
    if (r.disassembly !== undefined) {
      anyDisassembly = true;
      Object.assign(disassembly, r.disassembly);
    }
    for (const s of r.sites) {
      const key = siteKey(s);
      const m = sites.get(key);
      if (m === undefined) sites.set(key, { ...s });
      else sites.set(key, { ...m, count: m.count + s.count });
    }
  }
  const tree = mergeTrees(
    reports.map((r) => r.tree),
    options.rootName ?? first.tree.name,
  );
  const protection = mergeProtection(reports.map((r) => r.protection).filter((p): p is ProtectionSection => p !== undefined));
  return {
    inputs,
    events,
    lost,
    skipped: { lines: skippedLines, examples },
    selectedEvents: selected,
    selection,
    sites: [...sites.values()].sort((a, b) => b.count - a.count || cmp(a.dso, b.dso) || cmp(a.address, b.address) || cmp(a.event, b.event)),
    tree,
    warnings,
    ...(anyTimeline ? { timeline: [...timeline.values()].sort((a, b) => a.time - b.time || cmp(a.class, b.class)) } : {}),
    ...(protection !== undefined ? { protection } : {}),
    ...(anyClasses ? { classes } : {}),
    ...(anyDisassembly ? { disassembly } : {}),
  };
}

function siteKey(s: SiteCount): string {
  return `${s.event}\0${s.dso}\0${s.address}\0${s.symbol}\0${s.offset}\0${s.resolved ? 1 : 0}`;
}

/** Node identity across reports: kind, name and dso. */
function nodeKey(n: TreeNode): string {
  return `${n.kind}\0${n.name}\0${n.dso ?? ''}`;
}

/** The sum of trees: nodes with the same kind, name and dso under the same parent add up. */
export function mergeTrees(trees: readonly TreeNode[], rootName = 'all'): TreeNode {
  const root: TreeNode = { name: rootName, kind: 'root', value: 0, self: 0, byEvent: {}, children: [] };
  const into = (target: TreeNode, source: TreeNode, index: Map<TreeNode, Map<string, TreeNode>>): void => {
    target.value += source.value;
    target.self += source.self;
    addAll(target.byEvent, source.byEvent);
    let children = index.get(target);
    if (children === undefined) {
      children = new Map(target.children.map((c) => [nodeKey(c), c]));
      index.set(target, children);
    }
    for (const c of source.children) {
      const key = nodeKey(c);
      let t = children.get(key);
      if (t === undefined) {
        t = { name: c.name, kind: c.kind, value: 0, self: 0, byEvent: {}, children: [] };
        if (c.dso !== undefined) t.dso = c.dso;
        if (c.site !== undefined) t.site = c.site;
        children.set(key, t);
        target.children.push(t);
      }
      into(t, c, index);
    }
  };
  const index = new Map<TreeNode, Map<string, TreeNode>>();
  for (const t of trees) into(root, t, index);
  const sort = (n: TreeNode): void => {
    // the same name from two dsos: the dso decides, so the order of the reports does not
    n.children.sort((a, b) => byValueThenName(a, b) || cmp(a.dso ?? '', b.dso ?? ''));
    for (const c of n.children) sort(c);
  };
  sort(root);
  return root;
}

// Protection sites add up by site name and dso; per-instruction rows by instruction.
function mergeProtection(sections: readonly ProtectionSection[]): ProtectionSection | undefined {
  const first = sections[0];
  if (first === undefined) return undefined;
  const sites = new Map<string, ProtectionSiteView>();
  let uncoveredFaults = 0;
  let unplaced = 0;
  let unresolvedThreads = 0;
  const unattributedFlushes: Record<string, number> = {};
  const notes: string[] = [];
  for (const p of sections) {
    uncoveredFaults += p.uncoveredFaults;
    unplaced += p.unplaced;
    unresolvedThreads += p.unresolvedThreads;
    addAll(unattributedFlushes, p.unattributedFlushes);
    for (const n of p.notes) if (!notes.includes(n)) notes.push(n);
    for (const s of p.sites) {
      const key = `${s.site}\0${s.dso}`;
      const m = sites.get(key);
      sites.set(key, m === undefined ? copySite(s) : addSite(m, s));
    }
  }
  const calls = (s: ProtectionSiteView): number => Object.values(s.calls).reduce((x, y) => x + y, 0);
  const merged = [...sites.values()].sort((x, y) => y.faults - x.faults || calls(y) - calls(x) || cmp(x.site, y.site) || cmp(x.dso, y.dso));
  return { ...first, sites: merged, uncoveredFaults, unattributedFlushes, unplaced, unresolvedThreads, notes };
}

function copySite(s: ProtectionSiteView): ProtectionSiteView {
  return addSite({ ...s, calls: {}, failed: 0, prots: {}, pages: 0, faults: 0, classes: {}, denied: 0, instructions: [], cycles: 0, tlbFlushes: {}, firstTime: Infinity, lastTime: -Infinity }, s, true);
}

function addSite(a: ProtectionSiteView, b: ProtectionSiteView, fresh = false): ProtectionSiteView {
  const instructions = new Map<string, ProtectionInstruction>(a.instructions.map((i) => [i.instruction, i]));
  for (const i of b.instructions) {
    const m = instructions.get(i.instruction);
    if (m === undefined) {
      instructions.set(i.instruction, { ...i, classes: { ...i.classes }, handlers: { ...i.handlers } });
    } else {
      instructions.set(i.instruction, {
        instruction: i.instruction,
        faults: m.faults + i.faults,
        classes: addAll({ ...m.classes }, i.classes),
        cycles: m.cycles + i.cycles,
        handlers: addAll({ ...m.handlers }, i.handlers),
      });
    }
  }
  const since =
    a.sinceChange !== undefined && b.sinceChange !== undefined
      ? { min: Math.min(a.sinceChange.min, b.sinceChange.min), max: Math.max(a.sinceChange.max, b.sinceChange.max) }
      : (b.sinceChange ?? (fresh ? undefined : a.sinceChange));
  const out: ProtectionSiteView = {
    ...a,
    calls: addAll({ ...a.calls }, b.calls),
    failed: a.failed + b.failed,
    prots: addAll({ ...a.prots }, b.prots),
    pages: a.pages + b.pages,
    firstTime: Math.min(a.firstTime, b.firstTime),
    lastTime: Math.max(a.lastTime, b.lastTime),
    faults: a.faults + b.faults,
    classes: addAll({ ...a.classes }, b.classes),
    denied: a.denied + b.denied,
    // stable: rows with equal counts keep the order the reports gave them
    instructions: [...instructions.values()].sort((x, y) => y.faults - x.faults || y.cycles - x.cycles),
    cycles: a.cycles + b.cycles,
    tlbFlushes: addAll({ ...a.tlbFlushes }, b.tlbFlushes),
    prot: Object.entries(addAll({ ...a.prots }, b.prots))
      .sort((x, y) => y[1] - x[1] || cmp(x[0], y[0]))
      .map(([p]) => p)
      .join(','),
  };
  if (since !== undefined) return { ...out, sinceChange: since };
  const { sinceChange: _drop, ...rest } = out;
  return rest;
}

function addAll<T extends Record<string, number | undefined>>(into: T, from: Readonly<Record<string, number | undefined>>): T {
  const m = into as Record<string, number | undefined>;
  for (const [k, v] of Object.entries(from)) if (v !== undefined) m[k] = (m[k] ?? 0) + v;
  return into;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------- reading JSON reports

/**
 * A report from the JSON that `faultpath report -f json` writes (viz/json.ts),
 * so that rendering it again gives the same JSON. Throws InputError naming
 * `source` when the text is not such a report.
 */
export function reportFromJson(text: string, source: string): Report {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${source}: not JSON (${(e as Error).message}); expected a report from faultpath report -f json`);
  }
  const bad = (what: string): InputError => new InputError(`${source}: not a faultpath JSON report (${what})`);
  if (!isObject(data)) throw bad('not an object');
  if (data['version'] !== 1) throw bad(`version ${JSON.stringify(data['version'])}; this faultpath reads version 1`);
  const tree = data['tree'];
  if (!isObject(tree)) throw bad('no tree');
  const sites = data['sites'];
  if (!Array.isArray(sites)) throw bad('no sites');
  const selection = data['selection'];
  const skipped = data['skipped'];
  const report: Report = {
    inputs: arrayOf(data['inputs'], bad('inputs')) as InputSummary[],
    events: numbers(data['events'], bad('events')),
    lost: num(data['lost'], bad('lost')),
    skipped: isObject(skipped)
      ? { lines: num(skipped['lines'], bad('skipped.lines')), examples: arrayOf(skipped['examples'], bad('skipped.examples')).map(String) }
      : { lines: 0, examples: [] },
    selectedEvents: arrayOf(data['selectedEvents'], bad('selectedEvents')).map(String),
    selection: isObject(selection)
      ? { read: num(selection['read'], bad('selection')), kept: num(selection['kept'], bad('selection')), filteredOut: num(selection['filteredOut'], bad('selection')) }
      : { read: 0, kept: 0, filteredOut: 0 },
    sites: sites.map((s) => siteFromJson(s, bad)),
    tree: nodeFromJson(tree, bad),
    warnings: arrayOf(data['warnings'] ?? [], bad('warnings')).map(String),
    ...(data['timeline'] !== undefined ? { timeline: arrayOf(data['timeline'], bad('timeline')) as Report['timeline'] & object } : {}),
    ...(data['protection'] !== undefined ? { protection: data['protection'] as ProtectionSection } : {}),
    ...(data['classes'] !== undefined ? { classes: numbers(data['classes'], bad('classes')) as Partial<Record<FaultClass, number>> } : {}),
  };
  return report;
}

function siteFromJson(s: unknown, bad: (what: string) => InputError): SiteCount {
  if (!isObject(s)) throw bad('a site is not an object');
  const address = s['address'];
  const site: { -readonly [K in keyof SiteCount]: SiteCount[K] } = {
    event: String(s['event']),
    dso: String(s['dso'] ?? ''),
    symbol: String(s['symbol'] ?? ''),
    offset: typeof s['offset'] === 'number' ? s['offset'] : -1,
    address: typeof address === 'string' ? address.replace(/^0x/, '') : '',
    resolved: s['resolved'] === true,
    count: num(s['count'], bad('site count')),
  };
  if (typeof s['instruction'] === 'string') site.instruction = s['instruction'];
  if (typeof s['source'] === 'string') site.source = s['source'];
  if (typeof s['unresolvedReason'] === 'string') site.unresolvedReason = s['unresolvedReason'];
  return site;
}

function nodeFromJson(n: unknown, bad: (what: string) => InputError): TreeNode {
  if (!isObject(n)) throw bad('a tree node is not an object');
  const node: TreeNode = {
    name: String(n['name']),
    kind: String(n['kind']) as NodeKind,
    value: num(n['value'], bad('node value')),
    self: num(n['self'], bad('node self')),
    byEvent: numbers(n['byEvent'] ?? {}, bad('node byEvent')),
    children: arrayOf(n['children'] ?? [], bad('node children')).map((c) => nodeFromJson(c, bad)),
  };
  if (typeof n['dso'] === 'string') node.dso = n['dso'];
  if (node.kind === 'instruction' && 'resolved' in n) {
    const address = n['address'];
    const site: { -readonly [K in keyof FaultSite]: FaultSite[K] } = {
      dso: node.dso ?? '',
      symbol: '',
      offset: -1,
      address: typeof address === 'string' ? address.replace(/^0x/, '') : '',
      resolved: n['resolved'] === true,
    };
    if (typeof n['instruction'] === 'string') site.instruction = n['instruction'];
    if (typeof n['source'] === 'string') site.source = n['source'];
    node.site = site;
  }
  return node;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function arrayOf(v: unknown, error: InputError): unknown[] {
  if (!Array.isArray(v)) throw error;
  return v;
}

function num(v: unknown, error: InputError): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw error;
  return v;
}

function numbers(v: unknown, error: InputError): Record<string, number> {
  if (!isObject(v)) throw error;
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) out[k] = num(x, error);
  return out;
}

/** Reads a JSON report file (plain or .gz, `-` for stdin). */
export async function readReportFile(path: string, stdin?: Readable): Promise<Report> {
  const stream = await openInput(path, stdin);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return reportFromJson(Buffer.concat(chunks).toString('utf8'), path);
}

/** Whether a file (plain or .gz) holds JSON rather than a trace: its first non-blank character is `{`. Stdin (`-`) cannot be read twice, so it is taken for a trace. */
export async function isJsonFile(path: string): Promise<boolean> {
  if (path === '-') return false;
  const stream = await openInput(path);
  try {
    for await (const c of stream) {
      const text = (typeof c === 'string' ? c : (c as Buffer).toString('utf8')).trimStart();
      if (text.length > 0) return text.startsWith('{');
    }
    return false;
  } finally {
    stream.destroy();
  }
}
