// Test inputs for the renderers, built from REAL data while the pipeline is
// being written: FlameGraph's folded results (the conformance corpus) and the
// guard sample (perf script + objdump listing recorded by samples/guard/record.sh).
//
// The readers here are deliberately small and test-only; the real parsers live
// in parsers/ and the real tree builder in src/tree.ts.
import { CONFORMANCE_DIR } from '../shared.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  KERNEL_DSO,
  disassemblyKey,
  isJitDso,
  isKernelDso,
  type FaultClass,
  type FaultSite,
  type NodeKind,
  type ProtectionSiteView,
  type Report,
  type SiteCount,
  type TreeNode,
} from '../../src/model.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** FlameGraph's test corpus (inputs and stackcollapse-perf.pl results); override with FAULTPATH_CONFORMANCE_DIR. */
export { CONFORMANCE_DIR };
export const GUARD_DIR = join(REPO, 'samples/guard');

// ---------------------------------------------------------------- tree building

export interface Step {
  readonly name: string;
  readonly kind: NodeKind;
  readonly dso?: string;
  readonly site?: FaultSite;
}

export function newNode(name: string, kind: NodeKind, dso?: string, site?: FaultSite): TreeNode {
  const node: TreeNode = { name, kind, value: 0, self: 0, byEvent: {}, children: [] };
  if (dso !== undefined) node.dso = dso;
  if (site !== undefined) node.site = site;
  return node;
}

/** Adds `value` of `event` along `path` (outermost first) under `root`. */
export function addPath(root: TreeNode, path: readonly Step[], value: number, event: string): void {
  let node = root;
  bump(node, value, event);
  for (const step of path) {
    let child = node.children.find((c) => c.name === step.name && c.kind === step.kind);
    if (child === undefined) {
      child = newNode(step.name, step.kind, step.dso, step.site);
      node.children.push(child);
    }
    node = child;
    bump(node, value, event);
  }
  node.self += value;
}

function bump(node: TreeNode, value: number, event: string): void {
  node.value += value;
  node.byEvent[event] = (node.byEvent[event] ?? 0) + value;
}

/** Sorts children by value descending, then name, as src/model.ts promises. */
export function sortTree(node: TreeNode): TreeNode {
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    n.children.sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    stack.push(...n.children);
  }
  return node;
}

export function countNodes(node: TreeNode): number {
  let n = 0;
  const stack = [node];
  while (stack.length > 0) {
    const x = stack.pop()!;
    n++;
    for (const c of x.children) stack.push(c);
  }
  return n;
}

export function* walk(node: TreeNode): Generator<TreeNode> {
  const stack = [node];
  while (stack.length > 0) {
    const x = stack.pop()!;
    yield x;
    for (let i = x.children.length - 1; i >= 0; i--) stack.push(x.children[i]!);
  }
}

// ---------------------------------------------------------------- folded stacks

// stackcollapse-perf.pl --all output: frames root-first joined by ';', a space,
// the summed period. The first frame is the comm; `_[k]` marks kernel frames,
// `_[j]` JIT frames (perf-PID.map), `_[i]` inlined ones (FlameGraph's
// stackcollapse-perf.pl is the source of truth):
//   java;start_thread;_ZL10java_startP6Thread;...;page_fault_[k];do_page_fault_[k] 3
//   perf;__libc_start_main;main;run_builtin;cmd_record 40
//   java;Interpreter_[j];Lio/vertx/core/net/impl/VertxHandler:::channelRead_[j] 1
const FOLDED_LINE = /^(.*) (\d+)$/;
const ANNOTATION = /_\[([kjiw])\]$/;

/** Adds the folded `lines` under `root`, below an optional group node (e.g. the file they came from). */
export function addFolded(root: TreeNode, lines: Iterable<string>, event: string, group?: string): void {
  for (const line of lines) {
    const m = FOLDED_LINE.exec(line);
    if (m === null) continue; // blank line at the end of a results file
    const frames = m[1]!.split(';');
    const path: Step[] = [];
    if (group !== undefined) path.push({ name: group, kind: 'comm' });
    frames.forEach((frame, i) => {
      if (i === 0) {
        path.push({ name: frame, kind: 'comm' });
        return;
      }
      const a = ANNOTATION.exec(frame);
      const name = a === null ? frame : frame.slice(0, a.index);
      if (a?.[1] === 'k') path.push({ name, kind: 'kernel', dso: KERNEL_DSO });
      else if (a?.[1] === 'j') path.push({ name, kind: 'jit' });
      else path.push({ name, kind: name === '[unknown]' ? 'unknown' : 'user' });
    });
    addPath(root, path, Number(m[2]), event);
  }
}

export function conformanceResults(): string[] {
  const dir = join(CONFORMANCE_DIR, 'results');
  if (!existsSync(dir)) throw new Error(`conformance corpus missing: ${dir} (set FAULTPATH_CONFORMANCE_DIR)`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => join(dir, f));
}

// The event each capture counts: the first sample header's event name, which is
// the only one stackcollapse-perf.pl keeps without --event-filter:
//   perf 47118 [011] 51499.088689:          1 page-faults:
//   emulator  4152 75695.008865:          1 cycles:u:
//   java 19983 cycles:
const HEADER_EVENT = /\s([A-Za-z][\w.:-]*?):\s*$/;

export function captureEvent(resultsFile: string): string {
  const capture = join(CONFORMANCE_DIR, basename(resultsFile).replace(/-collapsed-\w+\.txt$/, '.txt'));
  for (const line of readFileSync(capture, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#') || /^\s/.test(line)) continue;
    const m = HEADER_EVENT.exec(line);
    if (m !== null) return m[1]!;
  }
  return 'unknown';
}

/** A Report whose tree is FlameGraph's folded result `file` (e.g. perf-java-faults-01-collapsed-all.txt). */
export function foldedReport(file: string): Report {
  const path = file.includes('/') ? file : join(CONFORMANCE_DIR, 'results', file);
  const text = readFileSync(path, 'utf8');
  const event = captureEvent(path);
  const root = newNode('all', 'root');
  addFolded(root, text.split('\n'), event);
  sortTree(root);
  const lines = text.split('\n').filter((l) => l !== '').length;
  return {
    inputs: [{ name: basename(path), format: 'perf-script', lines, records: lines }],
    events: { [event]: root.value },
    lost: 0,
    skipped: { lines: 0, examples: [] },
    selectedEvents: [event],
    selection: { read: lines, kept: lines, filteredOut: 0 },
    sites: [],
    tree: root,
    warnings: [],
  };
}

// ---------------------------------------------------------------- the guard sample

export interface ListingLine {
  readonly address: number;
  readonly text: string;
  readonly function: string;
  readonly source?: string;
}

// objdump -dl (binutils 2.40): a function header, the `name():` line that -l
// adds, `file:line` lines, and instructions (address, raw bytes, text):
//   00000000000012eb <write_field>:
//   write_field():
//   /work/main/samples/guard/guard.c:58
//       12eb:	48 89 37             	mov    %rsi,(%rdi)
// A long encoding continues on a line with bytes only, which is not an instruction:
//       1344:	48 0f af 3d 2c 2d 00 	imul   0x2d2c(%rip),%rdi        # 4078 <page_size>
//       134b:	00
const FUNCTION_HEADER = /^([0-9a-f]+) <(.+)>:$/;
const SOURCE_LINE = /^(\/.+:\d+)(?: \(discriminator \d+\))?$/;
const INSTRUCTION = /^ +([0-9a-f]+):\t(?:[0-9a-f]{2} )+ *\t(.+)$/;

export function readListing(path: string): ListingLine[] {
  const out: ListingLine[] = [];
  let fn = '';
  let source: string | undefined;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const h = FUNCTION_HEADER.exec(line);
    if (h !== null) {
      fn = h[2]!;
      source = undefined;
      continue;
    }
    const s = SOURCE_LINE.exec(line);
    if (s !== null) {
      source = s[1]!.replace(/^.*\/samples\//, 'samples/');
      continue;
    }
    const i = INSTRUCTION.exec(line);
    if (i !== null) {
      const entry: ListingLine = { address: parseInt(i[1]!, 16), text: i[2]!.replace(/\s+/g, ' ').trim(), function: fn };
      out.push(source === undefined ? entry : { ...entry, source });
    }
  }
  return out;
}

// perf script 6.1 (tools/perf/builtin-script.c) with -g: a header per record,
// then the callchain leaf first, a blank line between records:
//   guard  2014 [000]  7537.695301: syscalls:sys_enter_mprotect: start: 0x7f740d9a6000, len: 0x00001000, prot: 0x00000001
//   guard  2014  7537.695569:          1                 page-faults:
//   	            12eb write_field+0x0 (/work/main/samples/guard/guard)
//   	ffffffff82260400 exc_page_fault+0x2f0 ([kernel.kallsyms])
//   	    7f1611ef2ad7 [unknown] ([unknown])
const HEADER = /^(\S+)\s+(\d+)\s+(?:\[\d+\]\s+)?(\d+\.\d+):\s+(?:\d+\s+)?([\w:-]+):\s?(.*)$/;
const FRAME = /^\s+([0-9a-f]+) (.+?)(?:\+0x([0-9a-f]+))? \((.*)\)$/;

interface GuardRecord {
  readonly comm: string;
  readonly time: number;
  readonly event: string;
  readonly payload: string;
  readonly stack: { addr: string; symbol: string; offset: number; dso: string }[];
}

function readGuardScript(): { records: GuardRecord[]; lines: number } {
  const text = gunzipSync(readFileSync(join(GUARD_DIR, 'perf-script.txt.gz'))).toString('utf8');
  const lines = text.split('\n');
  const records: GuardRecord[] = [];
  let current: GuardRecord | undefined;
  for (const line of lines) {
    const h = HEADER.exec(line);
    if (h !== null) {
      current = { comm: h[1]!, time: Number(h[3]), event: h[4]!, payload: h[5]!.trim(), stack: [] };
      records.push(current);
      continue;
    }
    const f = FRAME.exec(line);
    if (f !== null && current !== undefined) {
      current.stack.push({ addr: f[1]!, symbol: f[2]!, offset: f[3] === undefined ? -1 : parseInt(f[3], 16), dso: f[4]! });
    }
  }
  return { records, lines: lines.length - (text.endsWith('\n') ? 1 : 0) };
}

// x86 page-fault error code bits (arch/x86/include/asm/trap_pf.h): P=1 W=2 U=4 I=16 PK=32.
function classify(errorCode: number): FaultClass {
  if (errorCode & 32) return 'pkey';
  if (errorCode & 16) return 'exec';
  if (!(errorCode & 4)) return 'kernel-mode';
  const present = (errorCode & 1) !== 0;
  const write = (errorCode & 2) !== 0;
  if (!present) return write ? 'first-touch-write' : 'first-touch-read';
  return write ? 'write-to-read-only' : 'unknown';
}

// PROT_* bits as the protection timeline prints them: `r--`, `rw-`, `r-x`.
function protText(prot: number): string {
  return (prot & 1 ? 'r' : '-') + (prot & 2 ? 'w' : '-') + (prot & 4 ? 'x' : '-');
}

type MutableSite = { -readonly [K in keyof ProtectionSiteView]: ProtectionSiteView[K] };

/**
 * A Report built from the guard sample: fault events `exceptions:page_fault_user`
 * and `page-faults`, stacks root-first, the guard binary's faulting frames
 * resolved to instruction leaves through guard.objdump-dl.txt, ±8 instructions
 * of disassembly, fault classes from the error codes, a timeline, and the
 * mprotect() callers as protection sites. Built once per test file: do not mutate it.
 */
export function guardReport(): Report {
  return (guardCache ??= buildGuardReport());
}
let guardCache: Report | undefined;

function buildGuardReport(): Report {
  const { records, lines } = readGuardScript();
  const listingPath = join(GUARD_DIR, 'guard.objdump-dl.txt');
  const listing = readListing(listingPath);
  const byAddress = new Map(listing.map((l, i) => [l.address, i]));
  const functionStart = new Map<string, number>();
  for (const l of listing) if (!functionStart.has(l.function)) functionStart.set(l.function, l.address);
  const guardDso = '/work/main/samples/guard/guard';

  const faultEvents = ['exceptions:page_fault_user', 'page-faults'];
  const root = newNode('all', 'root');
  const events: Record<string, number> = {};
  const siteCounts = new Map<string, SiteCount>();
  const disassembly: Record<string, { address: string; text: string; source?: string; fault: boolean }[]> = {};
  const timeline: { time: number; class: FaultClass; value: number }[] = [];
  const classes: Partial<Record<FaultClass, number>> = {};
  const unlisted = new Map<string, number>();
  // page → the protection site that last set its protection, and when.
  const armedBy = new Map<number, { site: string; time: number; prot: number }>();
  const protection = new Map<string, MutableSite>();
  let uncoveredFaults = 0;

  for (const r of records) {
    events[r.event] = (events[r.event] ?? 0) + 1;
    if (r.event === 'syscalls:sys_enter_mprotect') {
      // start: 0x7f740d9a6000, len: 0x00001000, prot: 0x00000001
      const m = /start: 0x([0-9a-f]+), len: 0x([0-9a-f]+), prot: 0x([0-9a-f]+)/.exec(r.payload);
      const caller = r.stack.find((f) => f.dso === guardDso) ?? r.stack[1] ?? r.stack[0];
      if (m === null || caller === undefined) continue;
      const site = `${caller.symbol}+0x${caller.offset.toString(16)} (${basename(caller.dso)})`;
      // The return address follows the call: the call is the instruction before it.
      const returnIndex = caller.dso === guardDso ? byAddress.get((functionStart.get(caller.symbol) ?? -1) + caller.offset) : undefined;
      const call = returnIndex === undefined ? undefined : listing[returnIndex - 1];
      const prot = parseInt(m[3]!, 16);
      const start = parseInt(m[1]!, 16);
      const len = parseInt(m[2]!, 16);
      const entry: MutableSite = protection.get(site) ?? {
        site,
        calls: {},
        failed: 0,
        prots: {},
        pages: 0,
        firstTime: r.time,
        lastTime: r.time,
        faults: 0,
        classes: {},
        denied: 0,
        instructions: [],
        cycles: 0,
        tlbFlushes: {},
        dso: caller.dso,
        symbol: caller.symbol,
        offset: call === undefined ? caller.offset : call.address - (functionStart.get(caller.symbol) ?? 0),
        address: call === undefined ? null : `0x${call.address.toString(16)}`,
        instruction: call === undefined ? null : call.text,
        source: call?.source ?? null,
        inferred: false,
        prot: protText(prot),
      };
      entry.calls = { mprotect: (entry.calls['mprotect'] ?? 0) + 1 };
      entry.prots = { ...entry.prots, [protText(prot)]: (entry.prots[protText(prot)] ?? 0) + 1 };
      entry.pages += Math.ceil(len / 4096);
      entry.lastTime = r.time;
      protection.set(site, entry);
      for (let p = start; p < start + len; p += 4096) armedBy.set(p, { site, time: r.time, prot });
      continue;
    }
    if (!faultEvents.includes(r.event)) continue;

    // exceptions:page_fault_user stacks start with the exception entry
    // (exc_page_fault, asm_exc_page_fault); the fault path ends at the user frame.
    let stack = r.stack;
    const entry = stack.findIndex((f) => f.symbol === 'asm_exc_page_fault');
    if (entry >= 0 && stack[entry + 1] !== undefined && !isKernelDso(stack[entry + 1]!.dso)) stack = stack.slice(entry + 1);
    const path: Step[] = [{ name: r.comm, kind: 'comm' }];
    for (let i = stack.length - 1; i >= 0; i--) {
      const f = stack[i]!;
      const kind: NodeKind = isKernelDso(f.dso) ? 'kernel' : isJitDso(f.dso) ? 'jit' : f.symbol === '[unknown]' ? 'unknown' : 'user';
      path.push({ name: f.symbol, kind, dso: f.dso });
    }
    const leaf = stack[0];
    if (leaf !== undefined && !isKernelDso(leaf.dso)) {
      const start = leaf.dso === guardDso ? functionStart.get(leaf.symbol) : undefined;
      const index = start === undefined || leaf.offset < 0 ? undefined : byAddress.get(start + leaf.offset);
      const at = index === undefined ? undefined : listing[index];
      const site: FaultSite =
        at === undefined
          ? { dso: leaf.dso, symbol: leaf.symbol, offset: leaf.offset, address: leaf.addr, resolved: false, unresolvedReason: 'no listing for this dso' }
          : { dso: leaf.dso, symbol: leaf.symbol, offset: leaf.offset, address: at.address.toString(16), instruction: at.text, ...(at.source === undefined ? {} : { source: at.source }), resolved: true };
      // Named as src/aggregate.ts names instruction leaves: `0x12eb: mov %rsi,(%rdi) [guard.c:58]`, else `sym+0xoff`.
      const name = at === undefined ? (leaf.offset >= 0 ? `${leaf.symbol}+0x${leaf.offset.toString(16)}` : `0x${leaf.addr}`) : `0x${site.address}: ${at.text}${at.source === undefined ? '' : ` [${basename(at.source)}]`}`;
      path.push({ name, kind: 'instruction', dso: leaf.dso, site });
      if (at !== undefined && index !== undefined) {
        disassembly[disassemblyKey(site.dso, site.address)] ??= listing.slice(Math.max(0, index - 8), index + 9).map((l) => ({
          address: l.address.toString(16),
          text: l.text,
          ...(l.source === undefined ? {} : { source: l.source }),
          fault: l.address === at.address,
        }));
      } else {
        unlisted.set(leaf.dso, (unlisted.get(leaf.dso) ?? 0) + 1);
      }
      const key = `${r.event}\0${site.dso}\0${site.address}`;
      const prev = siteCounts.get(key);
      siteCounts.set(key, { ...site, event: r.event, count: (prev?.count ?? 0) + 1 });
    }
    addPath(root, path, 1, r.event);

    if (r.event === 'exceptions:page_fault_user') {
      // address=0x7f740d9a5000 ip=0x5594b5bdd2eb error_code=0x7
      const m = /address=0x([0-9a-f]+) ip=0x[0-9a-f]+ error_code=0x([0-9a-f]+)/.exec(r.payload);
      if (m === null) continue;
      const cls = classify(parseInt(m[2]!, 16));
      classes[cls] = (classes[cls] ?? 0) + 1;
      timeline.push({ time: r.time, class: cls, value: 1 });
      const armed = armedBy.get(Math.floor(parseInt(m[1]!, 16) / 4096) * 4096); // addresses exceed 32 bits: no bitwise ops
      const p = armed === undefined ? undefined : protection.get(armed.site);
      if (p === undefined || armed === undefined) {
        uncoveredFaults++;
        continue;
      }
      p.faults++;
      p.classes = { ...p.classes, [cls]: (p.classes[cls] ?? 0) + 1 };
      if (cls === 'write-to-read-only' && !(armed.prot & 2)) p.denied++;
      const since = r.time - armed.time;
      p.sinceChange = { min: Math.min(since, p.sinceChange?.min ?? Infinity), max: Math.max(since, p.sinceChange?.max ?? -Infinity) };
      const instruction = path[path.length - 1]!.name;
      const ins = p.instructions.find((x) => x.instruction === instruction);
      if (ins === undefined) p.instructions = [...p.instructions, { instruction, faults: 1, classes: { [cls]: 1 }, cycles: 0, handlers: {} }];
      else p.instructions = p.instructions.map((x) => (x === ins ? { ...x, faults: x.faults + 1, classes: { ...x.classes, [cls]: (x.classes[cls] ?? 0) + 1 } } : x));
    }
  }
  sortTree(root);
  const warnings = [...unlisted].map(([dso, n]) => `${n} faults in ${dso} stay at the frame: no objdump listing was given for it`);
  return {
    inputs: [
      { name: 'samples/guard/perf-script.txt.gz', format: 'perf-script', lines, records: records.length },
      { name: 'samples/guard/guard.objdump-dl.txt', format: 'objdump', lines: readFileSync(listingPath, 'utf8').split('\n').length - 1, records: listing.length },
    ],
    events,
    lost: 0,
    skipped: { lines: 0, examples: [] },
    selectedEvents: faultEvents,
    selection: { read: root.value, kept: root.value, filteredOut: 0 },
    sites: [...siteCounts.values()].sort((a, b) => b.count - a.count || a.symbol.localeCompare(b.symbol)),
    tree: root,
    warnings,
    timeline,
    classes,
    protection: {
      sites: [...protection.values()].sort((a, b) => b.faults - a.faults || (b.calls['mprotect'] ?? 0) - (a.calls['mprotect'] ?? 0) || (a.site < b.site ? -1 : 1)),
      uncoveredFaults,
      unattributedFlushes: {},
      unplaced: 0,
      unresolvedThreads: 0,
      notes: ['no sys_exit_mprotect records: failed mprotect calls cannot be told apart from successful ones'],
    },
    disassembly,
  };
}

// ---------------------------------------------------------------- the big one

/**
 * A Report with at least `minNodes` tree nodes, all from real data: the guard
 * report's tree plus every FlameGraph folded result (13 captures × 6 collapse
 * options), each file under its own group node, repeated under `copy N/`
 * prefixes until the tree is big enough. Built once per size: do not mutate it.
 */
export function scaleReport(minNodes = 100_000): Report {
  let report = scaleCache.get(minNodes);
  if (report === undefined) scaleCache.set(minNodes, (report = buildScaleReport(minNodes)));
  return report;
}
const scaleCache = new Map<number, Report>();

function buildScaleReport(minNodes: number): Report {
  const guard = buildGuardReport();
  const root = newNode('all', 'root');
  for (const c of guard.tree.children) mergeInto(root, c);
  const files = conformanceResults().map((f) => ({ name: basename(f, '.txt'), lines: readFileSync(f, 'utf8').split('\n'), event: captureEvent(f) }));
  const events: Record<string, number> = { ...guard.events };
  for (let copy = 1; countNodes(root) < minNodes; copy++) {
    for (const f of files) {
      const before = root.value;
      addFolded(root, f.lines, f.event, copy === 1 ? f.name : `copy ${copy}/${f.name}`);
      events[f.event] = (events[f.event] ?? 0) + root.value - before;
    }
  }
  sortTree(root);
  const selectedEvents = [...new Set([...guard.selectedEvents, ...files.map((f) => f.event)])];
  return { ...guard, events, selectedEvents, selection: { read: root.value, kept: root.value, filteredOut: 0 }, tree: root };
}

function mergeInto(parent: TreeNode, node: TreeNode): void {
  parent.children.push(node);
  parent.value += node.value;
  for (const [e, v] of Object.entries(node.byEvent)) parent.byEvent[e] = (parent.byEvent[e] ?? 0) + v;
}

// ---------------------------------------------------------------- hostile text

/** A symbol that would run script if a renderer put it into markup unescaped. */
export const EVIL = '</script><img src=x onerror=alert(1)>';

/** The guard report with a hostile string in every place a trace can put text. */
export function hostileReport(): Report {
  const base = guardReport();
  const tree = newNode('all', 'root');
  addPath(tree, [{ name: `evil ${EVIL}`, kind: 'comm' }, { name: EVIL, kind: 'user', dso: `/tmp/${EVIL}.so` }, { name: `0x1: mov ${EVIL}`, kind: 'instruction', site: { dso: `/tmp/${EVIL}.so`, symbol: EVIL, offset: 0, address: '1', instruction: `mov ${EVIL}`, source: `${EVIL}.c:1`, resolved: true } }], 7, `ev${EVIL}`);
  addPath(tree, [{ name: 'line\u2028sep\u2029para', kind: 'comm' }], 3, 'page-faults');
  return {
    ...base,
    inputs: [{ name: `${EVIL}.txt`, format: 'perf-script', lines: 1, records: 1 }],
    events: { [`ev${EVIL}`]: 7, 'page-faults': 3 },
    skipped: { lines: 1, examples: [`${EVIL}.txt:1: ${EVIL}`] },
    selectedEvents: [`ev${EVIL}`, 'page-faults'],
    sites: [{ dso: `/tmp/${EVIL}.so`, symbol: EVIL, offset: 0, address: '1', instruction: `mov ${EVIL}`, source: `${EVIL}.c:1`, resolved: true, event: `ev${EVIL}`, count: 7 }],
    tree: sortTree(tree),
    warnings: [`warning ${EVIL}`],
    protection: {
      ...base.protection!,
      sites: [{ ...base.protection!.sites[0]!, site: `${EVIL}+0x1`, symbol: EVIL, instruction: `call ${EVIL}`, dso: `/tmp/${EVIL}.so`, tlbFlushes: { [EVIL]: 2 }, instructions: [{ instruction: `0x1: mov ${EVIL}`, faults: 7, classes: {}, cycles: 0, handlers: { [EVIL]: 7 } }] }],
      notes: [`note ${EVIL}`],
    },
    disassembly: { [disassemblyKey(`/tmp/${EVIL}.so`, '1')]: [{ address: '1', text: `mov ${EVIL}`, source: `${EVIL}.c:1`, fault: true }] },
  };
}

