// The inverted tree, leaf first, as src/tree.ts's invertTree builds it: the
// command stays on the first level, the rest of each path is reversed. A node's
// children are made only when it is wide enough to show them: the inversion of
// a 100k-node call tree holds some 600k nodes, and making them all costs
// seconds. Laid out here by d3's partition.
import { hierarchy, partition, type HierarchyRectangularNode } from 'd3-hierarchy';
import type { TreeNode } from '../../../src/model.js';
import { paletteOf, type CallTree } from './calls.js';
import type { View } from './view.js';

interface Inv extends TreeNode {
  readonly children: Inv[];
  readonly depth: number;
  /** Whether `children` are made. */
  open: boolean;
  /** Per path through this node: the call-tree node it ends at, and the call-tree node this node stands for. */
  origins: number[];
  at: number[];
}

export interface Inverted extends View {
  relayout(): void;
  /** Makes what node `i` shows when it spans `width` px; returns its node number afterwards (numbers change). */
  prepareZoom(i: number, width: number): number;
  /** Recomputes the search flags (after a new search). */
  reflag(): void;
}

const order = (a: TreeNode, b: TreeNode): number => b.value - a.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const addEvents = (into: Record<string, number>, add: Record<string, number>): void => {
  for (const e in add) into[e] = (into[e] ?? 0) + (add[e] ?? 0);
};
const own = (d: TreeNode): number => {
  let c = 0;
  for (const k of d.children) c += k.value;
  return Math.max(0, d.value - c);
};

/** The inverted view of `t`, its nodes made for a graph `width` px wide; `searchRe` is the search in force. */
export function invertedTree(t: CallTree, width: number, minPx: number, searchRe: () => RegExp | null): Inverted {
  const { enc, strings, parentOf, depthOf } = t;
  const N = t.size;
  const commOf = new Int32Array(N).fill(-1);
  const selfEvents = new Map<number, Record<string, number>>();
  const selfEventsOf = (o: number): Record<string, number> => {
    let ev = selfEvents.get(o);
    if (ev === undefined) {
      const e = enc.event[o]!;
      if (e >= 0) {
        ev = { [strings[e]!]: enc.self[o]! };
      } else {
        // What the node holds beyond its children, per event.
        ev = t.eventsOf(o);
        const kids = t.view.kids(o);
        for (let k = 0; k < kids.length; k++) {
          const ce = t.eventsOf(kids[k]!);
          for (const name in ce) ev[name] = (ev[name] ?? 0) - (ce[name] ?? 0);
        }
        for (const name in ev) if (!((ev[name] ?? 0) > 0)) delete ev[name];
      }
      selfEvents.set(o, ev);
    }
    return ev;
  };
  // The call-tree node a path emits after `last`, one level below inverted depth `depth`.
  const nextStep = (depth: number, o: number, last: number): number => {
    const comm = commOf[o]!;
    if (depth === 0) return comm >= 0 ? comm : o > 0 ? o : -1;
    if (depth === 1 && comm >= 0) return o === comm ? -1 : o;
    const p = last < 0 ? -1 : parentOf[last]!;
    if (p <= 0 || p === comm) return -1;
    return p;
  };
  const expand = (inv: Inv): boolean => {
    if (inv.open) return false;
    inv.open = true;
    const kids: Inv[] = [];
    const byName = new Map<number, Inv[]>();
    for (let i = 0; i < inv.origins.length; i++) {
      const o = inv.origins[i]!;
      const nx = nextStep(inv.depth, o, inv.at[i]!);
      if (nx < 0) continue;
      const nameId = enc.name[nx]!;
      const kind = t.kindOf(nx);
      const same = byName.get(nameId);
      let c = same?.find((k) => k.kind === kind);
      if (c === undefined) {
        const src = t.node(nx);
        c = { name: src.name, kind: src.kind, value: 0, self: 0, byEvent: {}, children: [], depth: inv.depth + 1, open: false, origins: [], at: [] };
        if (src.dso !== undefined) c.dso = src.dso;
        if (src.site !== undefined) c.site = src.site;
        if (same === undefined) byName.set(nameId, [c]);
        else same.push(c);
        kids.push(c);
      }
      c.origins.push(o);
      c.at.push(nx);
      c.value += enc.self[o]!;
      addEvents(c.byEvent, selfEventsOf(o));
      if (nextStep(c.depth, o, nx) < 0) c.self += enc.self[o]!;
    }
    kids.sort(order);
    for (const k of kids) inv.children.push(k);
    inv.origins = [];
    inv.at = [];
    return true;
  };
  // Makes the children of every node under `from` worth at least `min`.
  const materialize = (from: Inv, min: number): boolean => {
    let changed = false;
    const stack: Inv[] = [from];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n.value < min) continue;
      if (expand(n)) changed = true;
      for (const c of n.children) if (c.value >= min) stack.push(c);
    }
    return changed;
  };

  const origins: number[] = [];
  for (let i = 0; i < N; i++) {
    if (depthOf[i] === 1) commOf[i] = t.kindOf(i) === 'comm' ? i : -1;
    else if (i > 0) commOf[i] = commOf[parentOf[i]!]!;
    if (enc.self[i]! > 0) origins.push(i);
  }
  const root: Inv = { name: strings[enc.name[0]!] ?? 'all', kind: 'root', value: 0, self: 0, byEvent: {}, children: [], depth: 0, open: false, origins, at: origins.map(() => -1) };
  for (const o of origins) {
    root.value += enc.self[o]!;
    addEvents(root.byEvent, selfEventsOf(o));
    if (nextStep(0, o, -1) < 0) root.self += enc.self[o]!;
  }
  let hs: HierarchyRectangularNode<TreeNode>[] = [];
  let ids = new Map<TreeNode, number>();
  let kidsOf: number[][] = [];
  const hitI: boolean[] = [];
  const belowI: boolean[] = [];
  // Search flags: a match, or one further along the paths of a node whose children are not made yet.
  const reflag = (): void => {
    const re = searchRe();
    hitI.length = 0;
    belowI.length = 0;
    for (let i = hs.length - 1; i >= 0; i--) {
      const inv = hs[i]!.data as Inv;
      const hit = re !== null && re.test(inv.name);
      let below = hit || kidsOf[i]!.some((k) => belowI[k] === true);
      if (!below && re !== null && !inv.open) {
        below = inv.origins.some((o, j) => {
          const nx = nextStep(inv.depth, o, inv.at[j]!);
          return nx >= 0 && t.up[nx] === 1;
        });
      }
      hitI[i] = hit;
      belowI[i] = below;
    }
  };
  const view: Inverted = {
    inverted: true,
    x0: (i) => hs[i]!.x0,
    x1: (i) => hs[i]!.x1,
    depth: (i) => hs[i]!.depth,
    height: (i) => hs[i]!.height,
    parent: (i) => {
      const p = hs[i]!.parent;
      return p === null ? -1 : ids.get(p.data)!;
    },
    kids: (i) => kidsOf[i]!,
    name: (i) => hs[i]!.data.name,
    value: (i) => hs[i]!.value ?? 0,
    node: (i) => hs[i]!.data,
    palette: (i) => paletteOf(hs[i]!.data.kind, hs[i]!.data.site),
    hit: (i) => hitI[i] === true,
    below: (i) => belowI[i] === true,
    relayout() {
      const laid = partition<TreeNode>().size([1, 1])(hierarchy<TreeNode>(root, (d) => ((d as Inv).open ? d.children : null)).sum(own));
      hs = laid.descendants();
      ids = new Map(hs.map((h, i) => [h.data, i]));
      kidsOf = hs.map((h) => (h.children ?? []).map((c) => ids.get(c.data)!));
      reflag();
    },
    prepareZoom(i, px) {
      const target = hs[i]!.data as Inv;
      if (!materialize(target, (target.value * minPx) / px / 2)) return i;
      view.relayout();
      return ids.get(target) ?? 0;
    },
    reflag,
  };
  materialize(root, (root.value * minPx) / width / 2);
  view.relayout();
  return view;
}
