// The JSON report's fields, both ways: toJson writes them (viz/json.ts lays the
// text out), reportFromJson reads them back, so `merge` and `diff` take
// reports from files. Reading a written report and writing it again gives the
// same JSON (test/src/report-json.test.ts). What the JSON leaves out (the
// disassembly, a node site's symbol and offset) is not read back.
import { regionsFromJson } from './memory/regions-merge.js';
import type { Readable } from 'node:stream';
import { openInput } from '../parsers/lines.js';
import { InputError } from './errors.js';
import { bytesOf, JsonBytes } from './json-bytes.js';
import type { ChainHead } from './path-tree.js';
import type { PathStep } from './tree.js';
import type { FaultClass, FaultSite, Finding, InputSummary, NodeKind, ProcessSummary, ProtectionSection, Report, SiteCount, TreeNode } from './model.js';

// ---------------------------------------------------------------- writing

/** The report as the JSON value `faultpath report -f json` writes (without the tree when `tree` is false). */
export function toJson(report: Report, { tree = true } = {}): unknown {
  return {
    version: 1,
    inputs: report.inputs,
    events: report.events,
    lost: report.lost,
    skipped: report.skipped,
    selectedEvents: report.selectedEvents,
    selection: report.selection,
    ...(report.ipNotPrinted !== undefined ? { ipNotPrinted: report.ipNotPrinted } : {}),
    warnings: report.warnings,
    notes: report.notes ?? [],
    findings: report.findings ?? [],
    sites: report.sites.map((s) => ({
      event: s.event,
      ...siteJson(s),
      count: s.count,
      ...(s.major !== undefined ? { major: s.major } : {}),
      resolved: s.resolved,
      ...(s.unresolvedReason !== undefined ? { unresolvedReason: s.unresolvedReason } : {}),
    })),
    ...(report.classes !== undefined ? { classes: report.classes } : {}),
    ...(report.processes !== undefined ? { processes: report.processes } : {}),
    ...(report.signals !== undefined ? { signals: report.signals } : {}),
    ...(report.protection !== undefined ? { protection: report.protection } : {}),
    ...(report.regions !== undefined ? report.regions : {}),
    ...(report.timeline !== undefined ? { timeline: report.timeline } : {}),
    ...(tree ? { tree: nodeJson(report.tree) } : {}),
  };
}

/** One tree node's JSON; `children: false` leaves its children out (renderJsonPieces writes them a node at a time). */
export function nodeJson(n: TreeNode, children = true): unknown {
  return {
    name: n.name,
    kind: n.kind,
    value: n.value,
    self: n.self,
    byEvent: n.byEvent,
    ...(n.dso !== undefined ? { dso: n.dso } : {}),
    ...instructionJson(n),
    ...(n.classes !== undefined ? { classes: n.classes } : {}),
    children: children ? n.children.map((c) => nodeJson(c)) : [],
  };
}

/** Distinct (kind, name) pairs whose opening bytes a node writer keeps. */
const HEADS = 1 << 14;
/** Names longer than this are written each time, not kept. */
const HEAD_NAME = 256;

const SELF = bytesOf(',"self":');
const BY_EVENT = bytesOf(',"byEvent":');
const CLASSES = bytesOf(',"classes":');
const CHILDREN = bytesOf(',"children":[');
// by n, n closings in a row: a chain's nodes end together
const CLOSES = Array.from({ length: 65 }, (_, n) => bytesOf(']}'.repeat(n)));

/** nodeOpenWriter's writer: a node's opening; `below` an unmade chain's nodes below its head, each closed. */
export interface NodeOpenWriter {
  (n: TreeNode): void;
  /** What the head's children would write (`unmadeChain`), each node with its closing `]}`, without making them. */
  below(head: ChainHead): void;
}

/**
 * A writer of `JSON.stringify(nodeJson(n, false))` without its closing `]}`,
 * as bytes into `out`: what renderJsonPieces writes before a node's children,
 * made without the objects or a string per node (a tree has a node per
 * distinct call path and instruction). A tree's names repeat (a function on
 * many paths): a node's opening `{"name":…,"kind":…,"value":` is kept as bytes
 * per kind and name, and so is each dso's `,"dso":…` and a shared counts object's `,"byEvent":…`.
 * A chain's nodes are written from its steps: the bytes before the value and after the counts kept per step.
 */
export function nodeOpenWriter(out: JsonBytes): NodeOpenWriter {
  // per kind: `,"kind":…,"value":` and the heads of the names seen
  const kinds = new Map<string, { tail: Uint8Array; heads: Map<string, Uint8Array> }>();
  // per dso: `,"dso":…`, and with `,"children":[` after it (a node with neither site nor classes: most of a tree's)
  const dsos = new Map<string, { alone: Uint8Array; open: Uint8Array }>();
  let kept = 0;
  // nodes in a row are mostly of one kind and dso
  let lastKind = '';
  let kind: { tail: Uint8Array; heads: Map<string, Uint8Array> } | undefined;
  let lastDso = '';
  let dso: { alone: Uint8Array; open: Uint8Array } | undefined;
  // a tree's counts by event are mostly shared frozen objects (path-tree.ts: one per value): `,"byEvent":…` kept per object
  const counted = new Map<object, Uint8Array>();
  // an instruction site is shared by the nodes of one faulting frame (a report read back from JSON has one per node): its fields' bytes are kept
  const sites = new Map<FaultSite, Uint8Array>();
  const fields = new JsonBytes(1 << 12);
  // by step number: its node's head, and what follows its counts when the node has no classes (null: not kept)
  const stepHeads: (Uint8Array | null | undefined)[] = [];
  const stepTails: (Uint8Array | null | undefined)[] = [];
  // the kept head of a kind and name (undefined: too many or too long to keep)
  const headOf = (k: string, name: string): Uint8Array | undefined => {
    if (k !== lastKind || kind === undefined) {
      lastKind = k;
      kind = kinds.get(k);
      if (kind === undefined) kinds.set(k, (kind = { tail: bytesOf(`,"kind":${JSON.stringify(k)},"value":`), heads: new Map() }));
    }
    const head = kind.heads.get(name);
    if (head !== undefined || kept >= HEADS || name.length > HEAD_NAME) return head;
    const b = bytesOf(`{"name":${JSON.stringify(name)}`);
    const h = new Uint8Array(b.length + kind.tail.length);
    h.set(b);
    h.set(kind.tail, b.length);
    kind.heads.set(name, h);
    kept++;
    return h;
  };
  const head = (k: string, name: string): void => {
    const h = headOf(k, name);
    if (h !== undefined) return out.bytes(h);
    out.raw('{"name":');
    out.string(name);
    out.bytes(kind!.tail);
  };
  const numbers = (value: number, self: number, counts: Record<string, number>): void => {
    out.number(value);
    out.bytes(SELF);
    out.number(self);
    const b = counted.get(counts);
    if (b !== undefined) out.bytes(b);
    else if (counted.size < HEADS && Object.isFrozen(counts)) {
      fields.bytes(BY_EVENT);
      fields.counts(counts);
      const c = keep(fields);
      counted.set(counts, c);
      out.bytes(c);
    } else {
      out.bytes(BY_EVENT);
      out.counts(counts);
    }
  };
  // a dso's bytes (`lastDso`'s, the next most likely)
  const dsoOf = (d: string): { alone: Uint8Array; open: Uint8Array } => {
    if (d !== lastDso || dso === undefined) {
      lastDso = d;
      dso = dsos.get(d);
      if (dso === undefined) {
        const alone = bytesOf(`,"dso":${JSON.stringify(d)}`);
        dsos.set(d, (dso = { alone, open: Buffer.concat([alone, CHILDREN]) }));
      }
    }
    return dso;
  };
  // what follows a node's counts, to its children's `[`
  const rest = (k: string, d: string | undefined, site: FaultSite | undefined, classes: Partial<Record<FaultClass, number>> | undefined): void => {
    if (d !== undefined) {
      const bytes = dsoOf(d);
      if (classes === undefined && (site === undefined || k !== 'instruction')) return out.bytes(bytes.open);
      out.bytes(bytes.alone);
    }
    if (site !== undefined && k === 'instruction') {
      const b = sites.get(site);
      if (b !== undefined) out.bytes(b);
      else if (sites.size < HEADS) {
        siteFields(fields, site);
        const kept = keep(fields);
        sites.set(site, kept);
        out.bytes(kept);
      } else siteFields(out, site);
    }
    if (classes !== undefined) {
      out.bytes(CLASSES);
      out.counts(classes);
    }
    out.bytes(CHILDREN);
  };
  const open = (n: TreeNode): void => {
    head(n.kind, n.name);
    numbers(n.value, n.self, n.byEvent);
    rest(n.kind, n.dso, n.site, n.classes);
  };
  // a step's kept bytes: its head and (`tails`) what follows the counts of a node without classes
  const stepBytes = (no: number, step: PathStep, tails: boolean): Uint8Array | null => {
    if (!tails) return (stepHeads[no] = headOf(step.kind, step.name) ?? null);
    if (step.site !== undefined && step.kind === 'instruction') return (stepTails[no] = null);
    return (stepTails[no] = step.dso !== undefined ? dsoOf(step.dso).open : CHILDREN);
  };
  // by a chain's shared counts (one per value): `value,"self":0,"byEvent":…` of its nodes above the leaf
  const mids = new Map<object, Uint8Array>();
  const below = (chain: ChainHead): void => {
    const { steps, pool, from, to, value, byEvent } = chain;
    let mid = mids.get(byEvent);
    if (mid === undefined && mids.size < HEADS && Object.isFrozen(byEvent)) {
      fields.number(value);
      fields.bytes(SELF);
      fields.number(0);
      fields.bytes(BY_EVENT);
      fields.counts(byEvent);
      mids.set(byEvent, (mid = keep(fields)));
    }
    for (let i = from; i < to; i++) {
      const no = pool[i]!;
      const step = steps[no]!;
      const h = stepHeads[no] ?? (stepHeads[no] === null ? null : stepBytes(no, step, false));
      if (h !== null) out.bytes(h);
      else head(step.kind, step.name);
      if (i < to - 1) {
        if (mid !== undefined) out.bytes(mid);
        else numbers(value, 0, byEvent);
        const t = stepTails[no] ?? (stepTails[no] === null ? null : stepBytes(no, step, true));
        if (t !== null) out.bytes(t);
        else rest(step.kind, step.dso, step.site, undefined);
      } else {
        numbers(value, value, byEvent);
        rest(step.kind, step.dso, step.site, chain.leafClasses);
      }
    }
    for (let n = to - from; n > 0; n -= CLOSES.length - 1) out.bytes(CLOSES[Math.min(n, CLOSES.length - 1)]!);
  };
  return Object.assign(open, { below });
}

// A copy of what `out` holds, which it then writes over.
function keep(out: JsonBytes): Uint8Array {
  const b = Buffer.concat(out.end());
  out.reuse();
  return b;
}

// An instruction node's `,"address":…,"resolved":…` (instructionJson's fields).
function siteFields(out: JsonBytes, s: FaultSite): void {
  out.raw(',"address":');
  if (s.address === '') out.raw('null');
  else out.string('0x' + s.address);
  out.raw(',"instruction":');
  const { instruction = null, source = null } = s;
  if (instruction === null) out.raw('null');
  else out.string(instruction);
  out.raw(',"source":');
  if (source === null) out.raw('null');
  else out.string(source);
  out.raw(s.resolved ? ',"resolved":true' : ',"resolved":false');
}

/** nodeOpenWriter's text for one node. */
export function nodeJsonOpen(n: TreeNode): string {
  const out = new JsonBytes();
  nodeOpenWriter(out)(n);
  return Buffer.concat(out.end()).toString('utf8');
}

/** A site's fields as the JSON outputs (report and diff) spell them: 0x addresses, null for what is unknown. */
export function siteJson(s: FaultSite): { dso: string; symbol: string; offset: number | null; address: string | null; instruction: string | null; source: string | null } {
  return {
    dso: s.dso,
    symbol: s.symbol,
    offset: s.offset >= 0 ? s.offset : null,
    address: s.address === '' ? null : `0x${s.address}`,
    instruction: s.instruction ?? null,
    source: s.source ?? null,
  };
}

/** An instruction node's site fields (report and diff trees); none for other nodes. */
export function instructionJson(n: { readonly kind: string; readonly site?: FaultSite }): object {
  if (n.site === undefined || n.kind !== 'instruction') return {};
  const { address, instruction, source } = siteJson(n.site);
  return { address, instruction, source, resolved: n.site.resolved };
}

// ---------------------------------------------------------------- reading

/**
 * A report from the JSON that `faultpath report -f json` writes (toJson above),
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
    inputs: arrayOf(data['inputs'], bad, 'inputs') as InputSummary[],
    events: numbers(data['events'], bad, 'events'),
    lost: num(data['lost'], bad, 'lost'),
    skipped: isObject(skipped)
      ? { lines: num(skipped['lines'], bad, 'skipped.lines'), examples: arrayOf(skipped['examples'], bad, 'skipped.examples').map(String) }
      : { lines: 0, examples: [] },
    selectedEvents: arrayOf(data['selectedEvents'], bad, 'selectedEvents').map(String),
    selection: isObject(selection)
      ? { read: num(selection['read'], bad, 'selection'), kept: num(selection['kept'], bad, 'selection'), filteredOut: num(selection['filteredOut'], bad, 'selection') }
      : { read: 0, kept: 0, filteredOut: 0 },
    ...(data['ipNotPrinted'] !== undefined ? { ipNotPrinted: num(data['ipNotPrinted'], bad, 'ipNotPrinted') } : {}),
    sites: sites.map((s) => siteFromJson(s, bad)),
    tree: nodeFromJson(tree, bad),
    warnings: arrayOf(data['warnings'] ?? [], bad, 'warnings').map(String),
    notes: arrayOf(data['notes'] ?? [], bad, 'notes').map(String),
    ...(data['timeline'] !== undefined ? { timeline: arrayOf(data['timeline'], bad, 'timeline') as Report['timeline'] & object } : {}),
    ...(data['protection'] !== undefined ? { protection: data['protection'] as ProtectionSection } : {}),
    ...(data['classes'] !== undefined ? { classes: numbers(data['classes'], bad, 'classes') as Partial<Record<FaultClass, number>> } : {}),
    ...(data['processes'] !== undefined ? { processes: arrayOf(data['processes'], bad, 'processes') as ProcessSummary[] } : {}),
    ...(data['findings'] !== undefined ? { findings: arrayOf(data['findings'], bad, 'findings') as Finding[] } : {}),
    ...(isObject(data['signals']) ? { signals: { generated: numbers(data['signals']['generated'], bad, 'signals'), delivered: numbers(data['signals']['delivered'], bad, 'signals') } } : {}),
  };
  const regions = regionsFromJson(data);
  return regions !== undefined ? { ...report, regions } : report;
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
    count: num(s['count'], bad, 'site count'),
  };
  if (typeof s['instruction'] === 'string') site.instruction = s['instruction'];
  if (typeof s['source'] === 'string') site.source = s['source'];
  if (typeof s['unresolvedReason'] === 'string') site.unresolvedReason = s['unresolvedReason'];
  if (typeof s['major'] === 'number') site.major = s['major'];
  return site;
}

function nodeFromJson(n: unknown, bad: (what: string) => InputError): TreeNode {
  if (!isObject(n)) throw bad('a tree node is not an object');
  const node: TreeNode = {
    name: String(n['name']),
    kind: String(n['kind']) as NodeKind,
    value: num(n['value'], bad, 'node value'),
    self: num(n['self'], bad, 'node self'),
    byEvent: numbers(n['byEvent'] ?? {}, bad, 'node byEvent'),
    children: arrayOf(n['children'] ?? [], bad, 'node children').map((c) => nodeFromJson(c, bad)),
  };
  if (typeof n['dso'] === 'string') node.dso = n['dso'];
  if (n['classes'] !== undefined) node.classes = numbers(n['classes'], bad, 'node classes') as Partial<Record<FaultClass, number>>;
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

// `bad(what)` makes the error only when there is one: a report has a value per tree node
type Bad = (what: string) => InputError;

function arrayOf(v: unknown, bad: Bad, what: string): unknown[] {
  if (!Array.isArray(v)) throw bad(what);
  return v;
}

function num(v: unknown, bad: Bad, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(what);
  return v;
}

function numbers(v: unknown, bad: Bad, what: string): Record<string, number> {
  if (!isObject(v)) throw bad(what);
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) out[k] = num(x, bad, what);
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
