// Program start-up: faults while the dynamic loader maps and relocates the
// program and its libraries and libc initialises, before main runs (a Go
// program: its runtime initialising, before main.main). One
// finding, and one node in the default text tree (foldStartup).
import type { FaultSite, Finding, TreeNode } from '../model.js';
import { instructionId } from '../model.js';
import { TreeBuilder, type PathStep, plainName, selfByEvent } from '../tree.js';
import { type FaultPath, type FindingContext, finding, pathOf } from './context.js';
import { basename, count, instructionLabel, list, share } from './words.js';

/** The node start-up paths fold into. */
export const STARTUP_NODE = '[program start-up: ld.so and libc initialisation]';
/** The node a Go program's start-up paths fold into. */
export const GO_STARTUP_NODE = '[program start-up: Go runtime initialisation]';

// ld-linux-x86-64.so.2, ld-linux-aarch64.so.1, ld.so, ld-2.31.so
const LOADER = /(?:^|\/)ld(?:-linux[^/]*|-[\d.]+)?\.so(?:\.\d+)?$|^\[ld-linux[^\]]*\]$/;
// libc's initialisation before main, and the program's own entry code
const INIT = new Set([
  '_start', '__libc_start_main', '__libc_start_main_impl', '__libc_early_init', '__libc_init_first', '__init_misc', '__libc_setup_tls',
  '__libc_init_secure', '__ctype_init', '_init', '__libc_csu_init', '_dl_non_dynamic_init', '__pthread_initialize_minimal',
  '__tunables_init', '__GI___tunables_init', '_dl_relocate_static_pie', 'init_cacheinfo', 'frame_dummy', 'register_tm_clones', '_IO_init',
]);
// Go: the entry, the runtime's set-up on m0 (rt0_go calls them, through their ABI0 wrappers;
// newproc.abi0 is its making of the main goroutine, Go code calls newproc itself), package init, and
// runtime.main itself, which calls main.main once the runtime is ready
const GO_INIT = new Set([
  '_rt0_amd64_linux', '_rt0_arm64_linux', 'runtime.newproc.abi0', 'runtime.doInit', 'runtime.main',
  ...['check', 'args', 'osinit', 'schedinit'].flatMap((f) => [`runtime.${f}`, `runtime.${f}.abi0`]),
]);
// from here on the program runs: faults under these are its own
const MAIN = new Set(['main', '__libc_start_call_main', 'main.main']);

// What marks a node: its name, kind, dso and site (a path step's too)
type Marked = Pick<TreeNode, 'name' | 'kind' | 'dso' | 'site'>;

function functionName(n: Marked): string {
  if (n.kind === 'instruction') return n.site?.symbol ?? n.name;
  return plainName(n).replace(/ \[inferred\]$| \(inlined\)$/, '');
}

/**
 * Whether a fault path (tree nodes under the root, either orientation) is
 * program start-up: nothing on it is main or runs under main, and it passes
 * through the dynamic loader, libc's initialisation, an ifunc resolver
 * (relocation time) or the entry point.
 */
export function isStartupPath(nodes: readonly TreeNode[]): boolean {
  let startup = false;
  for (const n of nodes) {
    const mark = startupMark(n);
    if (mark === 'main') return false;
    if (mark === 'startup') startup = true;
  }
  return startup;
}

const UNMARKED: ReadonlySet<TreeNode['kind']> = new Set(['comm', 'protection-site', 'region', 'root']);

/** What one node says about its path: it is main (or runs it), it is start-up code, or neither. */
export function startupMark(n: Marked): 'main' | 'startup' | undefined {
  if (UNMARKED.has(n.kind)) return undefined;
  const name = functionName(n);
  if (MAIN.has(name)) return 'main';
  const dso = n.dso ?? n.site?.dso ?? '';
  return LOADER.test(dso) || LOADER.test(n.name) || INIT.has(name) || GO_INIT.has(name) || name.endsWith('_ifunc') ? 'startup' : undefined;
}

/**
 * `startupMark` remembered per function node's name and dso: a tree repeats
 * a few hundred functions over its nodes (the bench capture: 173 over 208k).
 */
export function startupMarks(): (n: Marked) => ReturnType<typeof startupMark> {
  const byDso = new Map<string, Map<string, ReturnType<typeof startupMark>>>();
  // the last node's dso and its names: a path mostly stays in one dso
  let lastDso: string | undefined;
  let lastNames: Map<string, ReturnType<typeof startupMark>> | undefined;
  return (n) => {
    // by name and dso alone: not an instruction (its site's symbol), a node without a dso (its site's), nor the kinds never marked
    const kind = n.kind;
    const dso = n.dso;
    if (kind === 'instruction' || dso === undefined || kind === 'comm' || kind === 'protection-site' || kind === 'region' || kind === 'root') return startupMark(n);
    let byName = dso === lastDso ? lastNames : byDso.get(dso);
    if (byName === undefined) byDso.set(dso, (byName = new Map()));
    lastDso = dso;
    lastNames = byName;
    let mark = byName.get(n.name);
    if (mark === undefined && !byName.has(n.name)) byName.set(n.name, (mark = startupMark(n)));
    return mark;
  };
}

/** `isStartupPath` for a path of perf's frames (any order): no main, and the loader, libc's initialisation or the entry point on it. */
export function isStartupFrames(frames: readonly { readonly symbol: string; readonly dso: string }[]): boolean {
  let startup = false;
  for (const f of frames) {
    const name = f.symbol.replace(/ \[inferred\]$| \(inlined\)$/, '');
    if (MAIN.has(name)) return false;
    if (LOADER.test(f.dso) || INIT.has(name) || GO_INIT.has(name) || name.endsWith('_ifunc')) startup = true;
  }
  return startup;
}

export function startupFinding(ctx: FindingContext): Finding | undefined {
  // the start-up paths as FaultPath objects (the patterns' columns: ctx.faultPaths)
  const all = ctx.faultPaths;
  const paths: FaultPath[] = [];
  for (let i = 0; i < all.count; i++) if (all.startup(i)) paths.push(pathOf(all, i));
  const faults = paths.reduce((a, p) => a + p.value, 0);
  if (faults === 0) return undefined;
  const classes: Record<string, number> = {};
  for (const p of paths) for (const [c, v] of Object.entries(p.classes)) classes[c] = (classes[c] ?? 0) + v;
  const kinds = Object.entries(classes)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([c, v]) => `${v} ${c}`);
  const files = new Map<string, number>();
  // by file name: two builds of one program are one name in the sentence
  for (const p of paths) if (p.leaf.site !== undefined) files.set(basename(p.leaf.site.dso) || '[unknown]', (files.get(basename(p.leaf.site.dso) || '[unknown]') ?? 0) + p.value);
  const byFile = [...files].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name, n]) => `${name} ${n}`);
  // the start-up paths' faulting instructions, one entry for an instruction reached on several paths
  const byInstruction = new Map<string, { site: FaultSite; faults: number }>();
  for (const p of paths) {
    const site = p.leaf.site !== undefined ? ctx.leafSite(p.leaf) : undefined;
    if (site === undefined) continue;
    const id = instructionId(site);
    const e = byInstruction.get(id) ?? { site, faults: 0 };
    byInstruction.set(id, e);
    e.faults += p.value;
  }
  const top = [...byInstruction.values()].sort((a, b) => b.faults - a.faults || (instructionId(a.site) < instructionId(b.site) ? -1 : 1)).slice(0, 3);
  const go = paths.every((p) => isGoStartup(p.nodes));
  return finding(ctx, 'start-up', faults, {
    text:
      `${share(faults, ctx.total)} program start-up: ` +
      (go ? 'the Go runtime initialising (scheduler, heap, package init) before main.main' : 'the dynamic loader mapping and relocating the program and its libraries, and libc initialising, before main') +
      ` (${kinds.join(', ')}). ` +
      `By file: ${list(byFile)}${top.length > 0 ? `; the most at ${list(top.map((i) => instructionLabel(i.site, count(i.faults, 'fault'))))}` : ''}. ` +
      'They are one node in the tree below.',
    sites: [],
    instructions: top.map((i) => instructionId(i.site)),
    remedy: go
      ? 'a fixed cost per exec: the runtime maps and touches its heap, stacks and data before main.main; fewer package-level initialisers lower it'
      : 'a fixed cost per exec; fewer or prelinked libraries (static linking, -Wl,-z,now moves lazy binding here) change it',
  });
}

/** The tree with each command's start-up paths in one node (`STARTUP_NODE`); every level still adds up. */
export function foldStartup(root: TreeNode): { tree: TreeNode; folded: number } {
  const b = new TreeBuilder(root.name);
  let folded = 0;
  const walk = (node: TreeNode, path: TreeNode[]): void => {
    if (node.self > 0) {
      const startup = isStartupPath(path);
      const steps: PathStep[] = [];
      for (const n of path) {
        if (startup && n.kind !== 'comm' && n.kind !== 'protection-site' && n.kind !== 'region') break;
        steps.push(stepOf(n));
      }
      if (startup) {
        steps.push({ name: isGoStartup(path) ? GO_STARTUP_NODE : STARTUP_NODE, kind: 'user' });
        folded += node.self;
      }
      selfByEvent(node, node.self).forEach(([event, v], i) => b.add(steps, v, event, i === 0 ? node.classes : undefined, i === 0 ? node.cells : undefined));
    }
    for (const c of node.children) {
      path.push(c);
      walk(c, path);
      path.pop();
    }
  };
  walk(root, []);
  return { tree: folded > 0 ? b.finish() : root, folded };
}

// A start-up path of Go's runtime (no ld.so or libc on it: a static Go binary).
function isGoStartup(nodes: readonly TreeNode[]): boolean {
  return nodes.some((n) => GO_INIT.has(functionName(n))) && !nodes.some((n) => LOADER.test(n.dso ?? n.site?.dso ?? '') || INIT.has(functionName(n)));
}

function stepOf(n: TreeNode): PathStep {
  return { name: n.name, kind: n.kind, ...(n.dso !== undefined ? { dso: n.dso } : {}), ...(n.site !== undefined ? { site: n.site } : {}) };
}
