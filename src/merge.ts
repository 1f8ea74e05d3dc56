// Reports from many hosts or runs → one report. Each host reduces its own
// trace to a JSON report (`faultpath report -f json`); the reports merge here.
// Everything countable adds up exactly: events, lost, skipped lines, selection,
// sites, classes, the tree (node by node), the timeline bins and the
// protection sites. Nodes and sites are matched by kind, name and dso, so the
// same function name in two different binaries stays two nodes.
import { mergeRegions } from './memory/regions-merge.js';
import { addCallTime, addHandlerTime } from './memory/site-sums.js';
import { InputError } from './errors.js';
import type {
  ProcessSummary,
  FaultClass,
  InputSummary,
  PageListing,
  PageListings,
  ProtectionInstruction,
  ProtectionSection,
  ProtectionSiteView,
  Report,
  SiteCount,
  TreeNode,
} from './model.js';
import { byValueThenName, labelHomonyms, plainName } from './tree.js';
import { findFindings } from './findings/index.js';
import { cmp } from './dso.js';

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
  let ipNotPrinted = 0;
  const warnings: string[] = [];
  const notes: string[] = [];
  const classes: Partial<Record<FaultClass, number>> = {};
  let anyClasses = false;
  const timeline = new Map<string, { time: number; class: FaultClass; value: number }>();
  let anyTimeline = false;
  const disassembly = { functions: [] as PageListing[], at: {} as Record<string, number> };
  const functionIndex = new Map<string, number>();
  let anyDisassembly = false;
  const sites = new Map<string, SiteCount>();
  const processes = new Map<string, ProcessSummary>();
  let anyProcesses = false;
  for (const r of reports) {
    if (r.processes !== undefined) {
      anyProcesses = true;
      for (const p of r.processes) {
        // pids of two hosts or runs are different processes only when their commands differ too; alike, they add up
        // (a pid's processes within one trace stay apart by their life)
        const key = `${p.pid}\0${p.life ?? 0}\0${p.comm}`;
        const m = processes.get(key);
        processes.set(key, m === undefined ? { ...p, classes: { ...p.classes } } : { ...m, faults: m.faults + p.faults, classes: addAll({ ...m.classes }, p.classes) });
      }
    }
    inputs.push(...r.inputs);
    addAll(events, r.events);
    lost += r.lost;
    skippedLines += r.skipped.lines;
    for (const e of r.skipped.examples) if (examples.length < maxExamples) examples.push(e);
    for (const e of r.selectedEvents) if (!selected.includes(e)) selected.push(e);
    selection.read += r.selection.read;
    selection.kept += r.selection.kept;
    selection.filteredOut += r.selection.filteredOut;
    ipNotPrinted += r.ipNotPrinted ?? 0;
    for (const w of r.warnings) if (!warnings.includes(w)) warnings.push(w);
    for (const n of r.notes ?? []) if (!notes.includes(n)) notes.push(n);
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
      mergeListings(disassembly, functionIndex, r.disassembly);
    }
    for (const s of r.sites) {
      const key = siteKey(s);
      const m = sites.get(key);
      if (m === undefined) sites.set(key, { ...s });
      else sites.set(key, { ...m, count: m.count + s.count, ...(m.major !== undefined || s.major !== undefined ? { major: (m.major ?? 0) + (s.major ?? 0) } : {}) });
    }
  }
  const tree = mergeTrees(
    reports.map((r) => r.tree),
    options.rootName ?? first.tree.name,
  );
  const protection = mergeProtection(reports.map((r) => r.protection).filter((p): p is ProtectionSection => p !== undefined));
  const regions = mergeRegions(reports.map((r) => r.regions).filter((x) => x !== undefined));
  const merged: Report = {
    inputs,
    events,
    lost,
    skipped: { lines: skippedLines, examples },
    selectedEvents: selected,
    selection,
    ...(ipNotPrinted > 0 ? { ipNotPrinted } : {}),
    sites: [...sites.values()].sort((a, b) => b.count - a.count || cmp(a.dso, b.dso) || cmp(a.address, b.address) || cmp(a.event, b.event)),
    tree,
    warnings,
    notes,
    ...(anyTimeline ? { timeline: [...timeline.values()].sort((a, b) => a.time - b.time || cmp(a.class, b.class)) } : {}),
    ...(protection !== undefined ? { protection } : {}),
    ...(regions !== undefined ? { regions } : {}),
    ...(anyClasses ? { classes } : {}),
    ...(anyDisassembly ? { disassembly } : {}),
    ...(anyProcesses ? { processes: [...processes.values()].sort((a, b) => b.faults - a.faults || a.pid - b.pid || (a.life ?? 0) - (b.life ?? 0) || cmp(a.comm, b.comm)) } : {}),
  };
  // what the sum shows, from the sum
  return { ...merged, findings: findFindings(merged) };
}

function siteKey(s: SiteCount): string {
  return `${s.event}\0${s.dso}\0${s.address}\0${s.symbol}\0${s.offset}\0${s.resolved ? 1 : 0}`;
}

/** Node identity across reports: kind, name and dso. */
function nodeKey(n: TreeNode): string {
  return `${n.kind}\0${plainName(n)}\0${n.dso ?? ''}`;
}

/** The sum of trees: nodes with the same kind, name and dso under the same parent add up. */
export function mergeTrees(trees: readonly TreeNode[], rootName = 'all'): TreeNode {
  const root: TreeNode = { name: rootName, kind: 'root', value: 0, self: 0, byEvent: {}, children: [] };
  const into = (target: TreeNode, source: TreeNode, index: Map<TreeNode, Map<string, TreeNode>>): void => {
    target.value += source.value;
    target.self += source.self;
    addAll(target.byEvent, source.byEvent);
    if (source.classes !== undefined) target.classes = addAll({ ...(target.classes ?? {}) }, source.classes);
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
    labelHomonyms(n.children);
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
  let noAddressFaults = 0;
  let noAddressTracepoint = 0;
  let unplaced = 0;
  let unresolvedThreads = 0;
  const unattributedFlushes: Record<string, number> = {};
  // only when every report has them: otherwise they would not add up to the flushes read
  const causes = sections.every((p) => p.tlbFlushCauses !== undefined) ? ({} as Record<string, number>) : undefined;
  const notes: string[] = [];
  for (const p of sections) {
    uncoveredFaults += p.uncoveredFaults;
    noAddressFaults += p.noAddressFaults ?? 0;
    noAddressTracepoint += p.noAddressTracepoint ?? 0;
    unplaced += p.unplaced;
    unresolvedThreads += p.unresolvedThreads;
    addAll(unattributedFlushes, p.unattributedFlushes);
    if (causes !== undefined) addAll(causes, p.tlbFlushCauses ?? {});
    for (const n of p.notes) if (!notes.includes(n)) notes.push(n);
    for (const s of p.sites) {
      const key = `${s.site}\0${s.dso}`;
      const m = sites.get(key);
      sites.set(key, m === undefined ? copySite(s) : addSite(m, s));
    }
  }
  const calls = (s: ProtectionSiteView): number => Object.values(s.calls).reduce((x, y) => x + y, 0);
  const merged = [...sites.values()].sort((x, y) => y.faults - x.faults || calls(y) - calls(x) || cmp(x.site, y.site) || cmp(x.dso, y.dso));
  const { noAddressFaults: _, noAddressTracepoint: _tracepoint, ...rest } = first;
  const out: ProtectionSection = {
    ...rest,
    sites: merged,
    uncoveredFaults,
    ...(noAddressFaults > 0 ? { noAddressFaults } : {}),
    ...(noAddressTracepoint > 0 ? { noAddressTracepoint } : {}),
    unattributedFlushes,
    ...(causes !== undefined ? { tlbFlushCauses: causes } : {}),
    unplaced,
    unresolvedThreads,
    notes,
  };
  if (causes !== undefined) return out;
  const { tlbFlushCauses: _causes, ...without } = out;
  return without;
}

function copySite(s: ProtectionSiteView): ProtectionSiteView {
  const noTime = {
    ...(s.callTime !== undefined ? { callTime: { calls: 0, total: 0, max: 0 } } : {}),
    ...(s.handlerTime !== undefined ? { handlerTime: { cycles: 0, total: 0, max: 0 } } : {}),
  };
  return addSite({ ...s, ...noTime, calls: {}, failed: 0, prots: {}, pages: 0, faults: 0, classes: {}, denied: 0, instructions: [], cycles: 0, tlbFlushes: {}, tlbFlushCauses: {}, firstTime: Infinity, lastTime: -Infinity }, s, true);
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
    tlbFlushCauses: addAll({ ...a.tlbFlushCauses }, b.tlbFlushCauses ?? {}),
    ...addCallTime(a.callTime, b.callTime),
    ...addHandlerTime(a.handlerTime, b.handlerTime),
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

// A function listed by two reports is one listing with their counts added.
function mergeListings(into: { functions: PageListing[]; at: Record<string, number> }, index: Map<string, number>, from: PageListings): void {
  const moved = from.functions.map((fn) => {
    const key = `${fn.dso}\0${fn.address}`;
    const i = index.get(key);
    if (i === undefined) {
      index.set(key, into.functions.length);
      into.functions.push(fn);
      return into.functions.length - 1;
    }
    const had = into.functions[i]!;
    if (had.lines.length === fn.lines.length && had.before === fn.before) {
      const lines = had.lines.map((l, j) => {
        const c = (l.count ?? 0) + (fn.lines[j]!.count ?? 0);
        return c > 0 ? { ...l, count: c } : l;
      });
      into.functions[i] = { ...had, count: had.count + fn.count, lines };
    }
    return i;
  });
  for (const [key, i] of Object.entries(from.at)) into.at[key] = moved[i]!;
}
