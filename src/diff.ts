// Two reports → the differential fault-path tree and the differential list of
// faulting instructions: counts before, after and the delta, per call path and
// per instruction.
//
// Paths are matched by their frames' kind and name, as FlameGraph's
// difffolded.pl matches folded stacks by their text, so captures from two
// checkouts (different dso paths) still line up. With `normalize`, each path's
// BEFORE count is scaled to AFTER's total and truncated, exactly as
// `difffolded.pl -n` does (int(count1 * total2 / total1)); inner nodes are the
// sums of their paths, so the tree and the folded output agree.
import type { FaultSite, NodeKind, Report, SiteCount, TreeNode } from './model.js';
import { forEachPath, labelHomonyms, plainName } from './tree.js';
import { basename, cmp } from './dso.js';

export interface DiffOptions {
  /** Scale BEFORE's counts to AFTER's total (difffolded.pl -n). Default false. */
  normalize?: boolean;
}

/** One node of the differential tree. */
export interface DiffNode {
  readonly name: string;
  readonly kind: NodeKind;
  readonly dso?: string;
  readonly site?: FaultSite;
  /** Faults under this node before (scaled when normalized) and after. */
  before: number;
  after: number;
  /** Faults ending exactly at this node. */
  beforeSelf: number;
  afterSelf: number;
  /** A path of either capture ends here (its self count may have scaled down to 0). */
  end: boolean;
  /** Sorted by |after − before| descending, then name. */
  readonly children: DiffNode[];
}

/** A faulting instruction in either capture (its address from AFTER when it has the instruction), with its faults in each. */
export interface DiffSite extends Omit<FaultSite, 'unresolvedReason'> {
  before: number;
  after: number;
}

/** `faultpath diff`'s result. */
export interface Diff {
  /** Totals as read, before any scaling. */
  readonly totals: { readonly before: number; readonly after: number };
  /** Factor applied to BEFORE's counts (1 unless normalized). */
  readonly scale: number;
  readonly normalized: boolean;
  readonly tree: DiffNode;
  /** Sorted by |after − before| descending, then dso, symbol, offset. */
  readonly sites: DiffSite[];
  /** Event names counted in each capture. */
  readonly events: { readonly before: string[]; readonly after: string[] };
}

/** The differential of two reports, by call path and by faulting instruction. */
export function diffReports(before: Report, after: Report, options: DiffOptions = {}): Diff {
  const totals = { before: before.tree.value, after: after.tree.value };
  const normalized = options.normalize === true && totals.before > 0 && totals.before !== totals.after;
  const scale = normalized ? totals.after / totals.before : 1;
  const scaled = (n: number): number => (normalized ? Math.trunc((n * totals.after) / totals.before) : n);

  const root: DiffNode = { name: after.tree.name, kind: 'root', before: 0, after: 0, beforeSelf: 0, afterSelf: 0, end: false, children: [] };
  const index = new Map<DiffNode, Map<string, DiffNode>>();
  const addPath = (path: readonly TreeNode[], value: number, side: 'before' | 'after'): void => {
    let node = root;
    node[side] += value;
    for (const step of path) {
      let kids = index.get(node);
      if (kids === undefined) {
        kids = new Map();
        index.set(node, kids);
      }
      // one function from two dsos stays two nodes; a dso's directory may differ between captures
      const key = step.kind + '\0' + plainName(step) + '\0' + (step.dso === undefined ? '' : basename(step.dso));
      let child = kids.get(key);
      if (child === undefined) {
        child = { name: plainName(step), kind: step.kind, before: 0, after: 0, beforeSelf: 0, afterSelf: 0, end: false, children: [] };
        if (step.dso !== undefined) (child as { dso?: string }).dso = step.dso;
        if (step.site !== undefined) (child as { site?: FaultSite }).site = step.site;
        kids.set(key, child);
        node.children.push(child);
      } else if (side === 'after') {
        // AFTER describes the node when both have it
        if (step.dso !== undefined) (child as { dso?: string }).dso = step.dso;
        if (step.site !== undefined) (child as { site?: FaultSite }).site = step.site;
      }
      child[side] += value;
      node = child;
    }
    if (side === 'before') node.beforeSelf += value;
    else node.afterSelf += value;
    node.end = true;
  };
  forEachPath(before.tree, (path, self) => addPath(path, scaled(self), 'before'));
  forEachPath(after.tree, (path, self) => addPath(path, self, 'after'));
  sortDiff(root);

  const sites = new Map<string, DiffSite>();
  const addSite = (s: SiteCount, side: 'before' | 'after', value: number): void => {
    const key = `${basename(s.dso)}\0${s.symbol}\0${s.offset}\0${s.instruction ?? s.address}`;
    let d = sites.get(key);
    if (d === undefined || (side === 'after' && d.after === 0)) {
      const fresh: DiffSite = {
        dso: s.dso,
        symbol: s.symbol,
        offset: s.offset,
        address: s.address,
        resolved: s.resolved,
        ...(s.instruction !== undefined ? { instruction: s.instruction } : {}),
        ...(s.source !== undefined ? { source: s.source } : {}),
        before: d?.before ?? 0,
        after: d?.after ?? 0,
      };
      sites.set(key, fresh);
      d = fresh;
    }
    d[side] += value;
  };
  // sites are scaled like paths: per site, truncated
  const beforeSites = new Map<string, { site: SiteCount; count: number }>();
  for (const s of before.sites) {
    const key = `${basename(s.dso)}\0${s.symbol}\0${s.offset}\0${s.instruction ?? s.address}`;
    const m = beforeSites.get(key);
    if (m === undefined) beforeSites.set(key, { site: s, count: s.count });
    else m.count += s.count;
  }
  for (const { site, count } of beforeSites.values()) addSite(site, 'before', scaled(count));
  for (const s of after.sites) addSite(s, 'after', s.count);
  const ranked = [...sites.values()].sort(
    (a, b) => Math.abs(b.after - b.before) - Math.abs(a.after - a.before) || cmp(a.dso, b.dso) || cmp(a.symbol, b.symbol) || a.offset - b.offset || cmp(a.address, b.address),
  );
  return {
    totals,
    scale,
    normalized,
    tree: root,
    sites: ranked,
    events: { before: [...before.selectedEvents], after: [...after.selectedEvents] },
  };
}

function sortDiff(node: DiffNode): void {
  labelHomonyms(node.children);
  node.children.sort((a, b) => Math.abs(b.after - b.before) - Math.abs(a.after - a.before) || b.after - a.after || cmp(a.name, b.name));
  for (const c of node.children) sortDiff(c);
}

/** Calls `fn` for every root-to-node path that a path of either capture ends at (path without the root). */
export function forEachDiffPath(root: DiffNode, fn: (path: readonly DiffNode[], node: DiffNode) => void): void {
  const stack: DiffNode[] = [];
  const walk = (node: DiffNode): void => {
    if (node.end) fn(stack, node);
    for (const c of node.children) {
      stack.push(c);
      walk(c);
      stack.pop();
    }
  };
  walk(root);
}

/**
 * Two-column folded stacks (`a;b;c before after`), what FlameGraph's
 * difffolded.pl prints and flamegraph.pl draws as a differential; sorted by
 * stack. Frame names lose `;` to `:` as in `foldTree`.
 */
export function foldDiff(root: DiffNode): string[] {
  const lines: string[] = [];
  forEachDiffPath(root, (path, node) => {
    if (path.length === 0) return;
    lines.push(`${path.map((n) => n.name.replaceAll(';', ':')).join(';')} ${node.beforeSelf} ${node.afterSelf}`);
  });
  lines.sort(cmp);
  return lines;
}
