// The script of the HTML report. It runs in the browser only: renderHtml
// inlines `runReport` as source text (Function.prototype.toString), so the
// function must stay self-contained — no imports at run time, only the `lib`
// it is handed (d3-hierarchy's UMD bundle and the colour helpers).
//
// The call tree stays in the flat arrays it arrives in (see encode.ts), laid
// out by d3's partition on the server; node objects are made only for the
// frame a reader hovers or clicks. The inverted tree is built here, lazily,
// and laid out by d3's partition in the page.
//
// Every string from the trace reaches the DOM through textContent or an
// attribute value, never through innerHTML.
import type * as D3 from 'd3-hierarchy';
import type { FaultSite, ProtectionSiteView, Report, TreeNode } from '../../src/model.js';
import type { colorFor, inkFor, paletteKind } from '../colors.js';
import type { EncodedTree } from './encode.js';

/** What the page's JSON block holds. */
export interface PageData {
  readonly title: string;
  readonly tree: EncodedTree;
  readonly report: Omit<Report, 'tree'>;
}

/** What the page hands `runReport`. */
export interface ClientLib {
  readonly d3: typeof D3;
  readonly colorFor: typeof colorFor;
  readonly inkFor: typeof inkFor;
  readonly paletteKind: typeof paletteKind;
  readonly matchColor: string;
  readonly legend: readonly { readonly kind: string; readonly label: string }[];
}

/** Draws the report into the page's skeleton. Browser only. */
export function runReport(win: Window, lib: ClientLib): void {
  /** A tree the flame graph can draw: nodes are numbers, 0 is the root. */
  interface View {
    readonly inverted: boolean;
    /** Edges as fractions of the root's width. */
    x0(i: number): number;
    x1(i: number): number;
    depth(i: number): number;
    /** Rows below the node (0 for a leaf). */
    height(i: number): number;
    parent(i: number): number;
    kids(i: number): ArrayLike<number>;
    name(i: number): string;
    /** The laid-out value (the node's value, or its children's sum when that is larger). */
    value(i: number): number;
    /** The node as the model has it (made on demand). */
    node(i: number): TreeNode;
    palette(i: number): string;
    hit(i: number): boolean;
    /** A match here or anywhere below. */
    below(i: number): boolean;
  }
  interface Box {
    readonly x: number;
    readonly y: number;
    readonly w: number;
    /** The node drawn, or -1 for a box of merged narrow frames. */
    readonly node: number;
    readonly merged: number[];
    readonly parent: number;
    readonly ancestor: boolean;
  }

  const started = win.performance.now();
  const doc = win.document;
  const byId = <T extends HTMLElement>(id: string): T => doc.getElementById(id) as T;
  const data = JSON.parse(byId('faultpath-data').textContent ?? '{}') as PageData;
  const report = data.report;

  // ------------------------------------------------------------ small helpers
  const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] => {
    const e = doc.createElement(tag);
    if (className !== undefined && className !== '') e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const fmt = (n: number): string => {
    const [int, frac] = String(n).split('.');
    const grouped = (int ?? '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return frac === undefined ? grouped : `${grouped}.${frac.slice(0, 3)}`;
  };
  const pct = (part: number, whole: number): string => {
    if (!(whole > 0)) return '0%';
    const p = (100 * part) / whole;
    return `${p >= 10 || p === 0 ? p.toFixed(1) : p.toPrecision(2)}%`;
  };
  const seconds = (s: number): string => (s >= 1 ? `${s.toFixed(2)} s` : s >= 1e-3 ? `${(s * 1e3).toFixed(1)} ms` : `${(s * 1e6).toFixed(0)} µs`);
  const basename = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
  const hex = (s: string): string => (s.startsWith('0x') ? s : `0x${s}`);
  const kindLabel = (kind: string): string => lib.legend.find((l) => l.kind === kind)?.label ?? kind;
  const siteWhere = (s: { symbol: string; offset: number | null }): string => `${s.symbol === '' ? '?' : s.symbol}${s.offset !== null && s.offset >= 0 ? `+0x${s.offset.toString(16)}` : ''}`;
  const kv = (pairs: [string, string][]): HTMLElement => {
    const dl = el('dl', 'kv');
    for (const [k, v] of pairs) dl.append(el('dt', '', k), el('dd', '', v));
    return dl;
  };
  const table = (head: string[], numeric: boolean[], rows: (string | HTMLElement)[][], rowClass?: string): HTMLTableElement => {
    const t = el('table');
    const tr = el('tr');
    head.forEach((h, i) => tr.append(el('th', numeric[i] === true ? 'num' : '', h)));
    t.append(el('thead'), el('tbody'));
    t.tHead!.append(tr);
    for (const r of rows) {
      const row = el('tr', rowClass);
      r.forEach((c, i) => {
        const td = el('td', numeric[i] === true ? 'num' : '');
        if (typeof c === 'string') td.textContent = c;
        else td.append(c);
        row.append(td);
      });
      t.tBodies[0]!.append(row);
    }
    return t;
  };

  // ------------------------------------------------------------ the call tree, flat
  const enc = data.tree;
  const strings = enc.strings;
  const N = enc.name.length;
  const parentOf = new Int32Array(N);
  const depthOf = new Int32Array(N);
  const heightOf = new Int32Array(N);
  const laidValue = new Float64Array(N);
  const childStart = new Int32Array(N + 1);
  const childList = new Int32Array(Math.max(0, N - 1));
  parentOf[0] = -1;
  for (let i = 1; i < N; i++) {
    const p = i - enc.up[i]!;
    parentOf[i] = p;
    depthOf[i] = depthOf[p]! + 1;
    childStart[p + 1]!++;
  }
  for (let i = 0; i < N; i++) childStart[i + 1]! += childStart[i]!;
  const fill = childStart.slice(0, N);
  for (let i = 1; i < N; i++) childList[fill[parentOf[i]!]!++] = i;
  for (let i = N - 1; i >= 0; i--) {
    // Children come after their parent in pre-order: walking backwards sees them first.
    laidValue[i] = Math.max(laidValue[i]!, enc.value[i]!);
    const p = parentOf[i]!;
    if (p >= 0) {
      laidValue[p]! += laidValue[i]!;
      if (heightOf[i]! + 1 > heightOf[p]!) heightOf[p] = heightOf[i]! + 1;
    }
  }
  const total = N > 0 ? laidValue[0]! : 0;
  const scale = total > 0 ? 1 / total : 0;
  const eventsOf = (i: number): Record<string, number> => {
    const e = enc.event[i]!;
    if (e >= 0) return { [strings[e]!]: enc.value[i]! };
    const out: Record<string, number> = {};
    if (e === -2) return out;
    for (let j = 0; j < enc.multi.length; ) {
      const count = enc.multi[j + 1]!;
      if (enc.multi[j] === i) {
        for (let k = 0; k < count; k++) out[strings[enc.multi[j + 2 + 2 * k]!]!] = enc.multi[j + 3 + 2 * k]!;
        return out;
      }
      j += 2 + 2 * count;
    }
    return out;
  };
  const callNode = (i: number): TreeNode => {
    const n: TreeNode = { name: strings[enc.name[i]!]!, kind: enc.kinds[enc.kind[i]!]! as TreeNode['kind'], value: enc.value[i]!, self: enc.self[i]!, byEvent: eventsOf(i), children: [] };
    const dso = enc.dso[i]!;
    if (dso > 0) n.dso = strings[dso - 1]!;
    const site = enc.sites[i];
    if (site !== undefined) n.site = site;
    return n;
  };
  const paletteOf = (kind: string, site: FaultSite | undefined): string => lib.paletteKind(site === undefined ? { kind } : { kind, site });

  // Search flags over the call tree: by string, then by node.
  const stringHit = new Uint8Array(strings.length);
  const hitC = new Uint8Array(N);
  const belowC = new Uint8Array(N);
  /** A match between this node and its command (what the inverted tree still has to show). */
  const upC = new Uint8Array(N);

  const calls: View = {
    inverted: false,
    x0: (i) => enc.x0[i]! * scale,
    x1: (i) => (enc.x0[i]! + laidValue[i]!) * scale,
    depth: (i) => depthOf[i]!,
    height: (i) => heightOf[i]!,
    parent: (i) => parentOf[i]!,
    kids: (i) => childList.subarray(childStart[i]!, childStart[i + 1]!),
    name: (i) => strings[enc.name[i]!]!,
    value: (i) => laidValue[i]!,
    node: callNode,
    palette: (i) => paletteOf(enc.kinds[enc.kind[i]!]!, enc.sites[i]),
    hit: (i) => hitC[i] === 1,
    below: (i) => belowC[i] === 1,
  };

  // ------------------------------------------------------------ the inverted tree, lazily
  // Leaf first, as src/tree.ts's invertTree builds it: the command stays on the
  // first level, the rest of each path is reversed. A node's children are made
  // only when it is wide enough to show them: the inversion of a 100k-node call
  // tree holds some 600k nodes, and making them all costs seconds.
  interface Inv extends TreeNode {
    readonly children: Inv[];
    readonly depth: number;
    /** Whether `children` are made. */
    open: boolean;
    /** Per path through this node: the call-tree node it ends at, and the call-tree node this node stands for. */
    origins: number[];
    at: number[];
  }
  interface Inverted extends View {
    readonly root: Inv;
    relayout(): void;
    idOf(inv: Inv): number;
    inv(i: number): Inv;
  }
  const order = (a: TreeNode, b: TreeNode): number => b.value - a.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const addEvents = (into: Record<string, number>, add: Record<string, number>): void => {
    for (const e in add) into[e] = (into[e] ?? 0) + (add[e] ?? 0);
  };
  let commOf: Int32Array | null = null;
  const selfEvents = new Map<number, Record<string, number>>();
  const selfEventsOf = (o: number): Record<string, number> => {
    let ev = selfEvents.get(o);
    if (ev === undefined) {
      const e = enc.event[o]!;
      if (e >= 0) {
        ev = { [strings[e]!]: enc.self[o]! };
      } else {
        // What the node holds beyond its children, per event.
        ev = eventsOf(o);
        const kids = calls.kids(o);
        for (let k = 0; k < kids.length; k++) {
          const ce = eventsOf(kids[k]!);
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
    const comm = commOf![o]!;
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
      const kind = enc.kinds[enc.kind[nx]!]!;
      const same = byName.get(nameId);
      let c = same?.find((k) => k.kind === kind);
      if (c === undefined) {
        const src = callNode(nx);
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
  const own = (d: TreeNode): number => {
    let c = 0;
    for (const k of d.children) c += k.value;
    return Math.max(0, d.value - c);
  };
  type H = D3.HierarchyRectangularNode<TreeNode>;
  const invert = (): Inverted => {
    commOf = new Int32Array(N).fill(-1);
    const origins: number[] = [];
    for (let i = 0; i < N; i++) {
      if (depthOf[i] === 1) commOf[i] = enc.kinds[enc.kind[i]!] === 'comm' ? i : -1;
      else if (i > 0) commOf[i] = commOf[parentOf[i]!]!;
      if (enc.self[i]! > 0) origins.push(i);
    }
    const root: Inv = { name: strings[enc.name[0]!] ?? 'all', kind: 'root', value: 0, self: 0, byEvent: {}, children: [], depth: 0, open: false, origins, at: origins.map(() => -1) };
    for (const o of origins) {
      root.value += enc.self[o]!;
      addEvents(root.byEvent, selfEventsOf(o));
      if (nextStep(0, o, -1) < 0) root.self += enc.self[o]!;
    }
    let hs: H[] = [];
    let ids = new Map<TreeNode, number>();
    let kidsOf: number[][] = [];
    const hitI: boolean[] = [];
    const belowI: boolean[] = [];
    const view: Inverted = {
      inverted: true,
      root,
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
        const laid = lib.d3.partition<TreeNode>().size([1, 1])(lib.d3.hierarchy<TreeNode>(root, (d) => ((d as Inv).open ? d.children : null)).sum(own));
        hs = laid.descendants();
        ids = new Map(hs.map((h, i) => [h.data, i]));
        kidsOf = hs.map((h) => (h.children ?? []).map((c) => ids.get(c.data)!));
        flagInverted();
      },
      idOf: (inv) => ids.get(inv) ?? 0,
      inv: (i) => hs[i]!.data as Inv,
    };
    // Search flags: a match, or one further along the paths of a node whose children are not made yet.
    const flagInverted = (): void => {
      hitI.length = 0;
      belowI.length = 0;
      for (let i = hs.length - 1; i >= 0; i--) {
        const inv = hs[i]!.data as Inv;
        const hit = searchRe !== null && searchRe.test(inv.name);
        let below = hit || kidsOf[i]!.some((k) => belowI[k] === true);
        if (!below && searchRe !== null && !inv.open) {
          below = inv.origins.some((o, j) => {
            const nx = nextStep(inv.depth, o, inv.at[j]!);
            return nx >= 0 && upC[nx] === 1;
          });
        }
        hitI[i] = hit;
        belowI[i] = below;
      }
    };
    reflag = flagInverted;
    materialize(root, (root.value * MIN_PX) / graphWidth() / 2);
    view.relayout();
    return view;
  };
  let inverted: Inverted | null = null;
  let reflag = (): void => undefined;

  // ------------------------------------------------------------ state
  const state = {
    view: calls as View,
    dir: 'flame' as 'flame' | 'icicle',
    focus: 0,
    selected: null as Box | null,
    hover: null as Box | null,
  };
  const useView = (leafFirst: boolean): View => (leafFirst ? (inverted ??= invert()) : calls);

  // ------------------------------------------------------------ header
  const summary = byId('summary');
  const selectedEvents = report.selectedEvents.length === 0 ? 'events' : report.selectedEvents.join(', ');
  const warnCount = report.warnings.length;
  const parts: (string | [string])[] = [[fmt(total)], ` ${selectedEvents} in the tree · `, [String(report.inputs.length)], report.inputs.length === 1 ? ' input · ' : ' inputs · ', [fmt(report.lost)], ' lost · ', [fmt(report.skipped.lines)], ' skipped lines'];
  for (const p of parts) summary.append(typeof p === 'string' ? doc.createTextNode(p) : el('b', '', p[0]));
  if (warnCount > 0) {
    const banner = byId('warnings-banner');
    banner.hidden = false;
    banner.append(doc.createTextNode(`${warnCount} warning${warnCount === 1 ? '' : 's'} about how this report was built: ${report.warnings[0] ?? ''}${warnCount > 1 ? ' …' : ''}`));
    const go = el('button', '', 'Show all');
    go.addEventListener('click', () => byId('warnings-panel').scrollIntoView({ behavior: 'smooth' }));
    banner.append(go);
  }

  // ------------------------------------------------------------ node details (tooltip and side panel)
  const disassemblyOf = (site: FaultSite | undefined): HTMLElement | null => {
    if (site === undefined || report.disassembly === undefined) return null;
    // disassemblyKey(dso, address) in src/model.ts
    const lines = report.disassembly[`${site.address.replace(/^0x/, '')} ${site.dso}`];
    if (lines === undefined || lines.length === 0) return null;
    const box = el('div', 'disasm');
    let lastSource: string | undefined;
    for (const l of lines) {
      if (l.source !== undefined && l.source !== lastSource) {
        box.append(el('div', 'src', l.source));
        lastSource = l.source;
      }
      const row = el('div', l.fault ? 'fault' : '');
      row.append(el('span', 'addr', `${l.fault ? '▶' : ' '} ${hex(l.address).padStart(8)}  `), doc.createTextNode(l.text));
      box.append(row);
    }
    return box;
  };
  const shareLine = (value: number, parentValue: number | undefined): HTMLElement => {
    const share = el('div', 'share');
    share.append(el('b', '', fmt(value)), doc.createTextNode(` · ${pct(value, total)} of all${parentValue === undefined ? '' : ` · ${pct(value, parentValue)} of parent`}`));
    return share;
  };
  const describe = (box: Box, into: HTMLElement, compact: boolean): void => {
    into.replaceChildren();
    const v = state.view;
    const parentValue = box.parent >= 0 ? v.value(box.parent) : undefined;
    if (box.node < 0) {
      const value = box.merged.reduce((s, m) => s + v.value(m), 0);
      into.append(el('div', 'name', `${box.merged.length} narrow frames, merged`), shareLine(value, parentValue));
      if (!v.inverted) {
        let below = 0;
        for (const m of box.merged) {
          // Pre-order: a node's subtree is the run of nodes deeper than it that follows it.
          let j = m + 1;
          while (j < N && depthOf[j]! > depthOf[m]!) j++;
          below += j - m - 1;
        }
        if (below > 0) into.append(el('div', 'meta', `${fmt(below)} more frames below them`));
      }
      const list = el('div', 'merged-list');
      const shown = box.merged.slice(0, compact ? 5 : 40);
      for (const m of shown) {
        const label = `${v.name(m)} — ${fmt(v.value(m))} (${pct(v.value(m), total)})`;
        if (compact) {
          list.append(el('div', 'meta', label));
        } else {
          const b = el('button', '', label);
          b.setAttribute('title', v.name(m));
          b.addEventListener('click', () => zoomTo(m, null));
          list.append(b);
        }
      }
      if (box.merged.length > shown.length) list.append(el('div', 'meta', `… and ${box.merged.length - shown.length} more`));
      into.append(list);
      if (compact) into.append(el('div', 'hint', 'Click to list them; zoom in to draw them'));
      return;
    }
    const n = v.node(box.node);
    into.append(el('div', n.kind === 'instruction' ? 'name mono' : 'name', n.name));
    const meta = [kindLabel(v.palette(box.node))];
    if (n.dso !== undefined && n.dso !== '') meta.push(n.dso);
    into.append(el('div', 'meta', meta.join(' · ')), shareLine(v.value(box.node), parentValue));
    const pairs: [string, string][] = Object.entries(n.byEvent)
      .sort((a, b) => b[1] - a[1])
      .map(([e, c]) => [e, fmt(c)]);
    if (n.self > 0 && v.kids(box.node).length > 0) pairs.push(['self (ends here)', fmt(n.self)]);
    if (pairs.length > 0) into.append(kv(pairs));
    const site = n.site;
    if (site !== undefined) {
      const sp: [string, string][] = [['at', `${siteWhere(site)} · ${hex(site.address)}`]];
      if (site.instruction !== undefined) sp.push(['instruction', site.instruction]);
      if (site.source !== undefined) sp.push(['source', site.source]);
      if (!site.resolved) sp.push(['unresolved', site.unresolvedReason ?? 'no listing']);
      into.append(kv(sp));
      const dis = disassemblyOf(site);
      if (dis !== null) into.append(dis);
    }
    if (compact) into.append(el('div', 'hint', box.node === state.focus ? 'Zoomed here' : 'Click to zoom'));
  };

  // ------------------------------------------------------------ flame graph
  const ROW = 18;
  const MIN_PX = 1;
  const FONT = '12px system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, sans-serif';
  const scroller = byId('scroller');
  const canvas = byId<HTMLCanvasElement>('flame');
  const ctx = canvas.getContext('2d')!;
  const graphWidth = (): number => Math.max(200, scroller.clientWidth);
  let boxes: Box[] = [];
  let rowsOf: Box[][] = [];
  let canvasHeight = 0;
  const depthAt = (y: number): number => Math.floor((state.dir === 'flame' ? canvasHeight - y : y) / ROW);
  const widthCache = new Map<string, number>();
  const textWidth = (s: string): number => {
    let w = widthCache.get(s);
    if (w === undefined) {
      w = ctx.measureText(s).width;
      if (widthCache.size > 20000) widthCache.clear();
      widthCache.set(s, w);
    }
    return w;
  };
  const fit = (s: string, room: number): string => {
    if (room < 14) return '';
    if (textWidth(s) <= room) return s;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ctx.measureText(s.slice(0, mid) + '…').width <= room) lo = mid;
      else hi = mid - 1;
    }
    return lo < 2 ? '' : s.slice(0, lo) + '…';
  };
  const colors = new Map<string, string>();
  const colorOf = (palette: string, name: string): string => {
    const key = palette + '\0' + name;
    let c = colors.get(key);
    if (c === undefined) {
      c = lib.colorFor(palette, name);
      if (colors.size > 50000) colors.clear();
      colors.set(key, c);
    }
    return c;
  };
  const mergedColor = lib.colorFor('merged', '');

  const draw = (): void => {
    const v = state.view;
    const f = state.focus;
    const rows = v.depth(f) + v.height(f) + 1;
    // Fill the scroller: a flame stands on its bottom edge, an icicle hangs from the top.
    const height = Math.max(rows * ROW, scroller.clientHeight);
    canvas.style.height = `${height}px`;
    const width = graphWidth();
    const dpr = win.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    const fx0 = v.x0(f);
    const k = width / (v.x1(f) - fx0 || 1);
    const yOf = (depth: number): number => (state.dir === 'flame' ? height - (depth + 1) * ROW : depth * ROW);
    canvasHeight = height;
    boxes = [];
    rowsOf = Array.from({ length: rows }, () => []);
    const put = (b: Box): void => {
      boxes.push(b);
      rowsOf[depthAt(b.y + 1)]?.push(b);
      const n = b.node;
      const hit = n >= 0 && v.hit(n);
      const fill = hit ? lib.matchColor : n < 0 ? mergedColor : colorOf(v.palette(n), v.name(n));
      ctx.globalAlpha = b.ancestor ? 0.55 : 1;
      ctx.fillStyle = fill;
      const gap = b.w >= 3 ? 1 : 0;
      ctx.fillRect(b.x, b.y, Math.max(b.w - gap, 0.6), ROW - 1);
      // Merged frames that hide a match: a magenta bar along the bottom.
      if (n < 0 && b.merged.some((m) => v.below(m))) {
        ctx.fillStyle = lib.matchColor;
        ctx.fillRect(b.x, b.y + ROW - 5, Math.max(b.w - gap, 0.6), 4);
      }
      if (b.w >= 20) {
        const label = fit(n < 0 ? `${b.merged.length} frames` : v.name(n), b.w - 8);
        if (label !== '') {
          ctx.fillStyle = lib.inkFor(fill);
          ctx.fillText(label, b.x + 4, b.y + ROW / 2);
        }
      }
      ctx.globalAlpha = 1;
    };
    for (let a = v.parent(f); a >= 0; a = v.parent(a)) put({ x: 0, y: yOf(v.depth(a)), w: width, node: a, merged: [], parent: v.parent(a), ancestor: true });
    const stack: number[] = [f];
    while (stack.length > 0) {
      const n = stack.pop()!;
      put({ x: (v.x0(n) - fx0) * k, y: yOf(v.depth(n)), w: (v.x1(n) - v.x0(n)) * k, node: n, merged: [], parent: v.parent(n), ancestor: false });
      const kids = v.kids(n);
      const wide: number[] = [];
      for (let i = 0; i < kids.length; ) {
        const c = kids[i]!;
        if ((v.x1(c) - v.x0(c)) * k >= MIN_PX) {
          wide.push(c);
          i++;
          continue;
        }
        // A run of narrow siblings: one box for all of them (viz/layout.ts's rule).
        let j = i;
        while (j < kids.length && (v.x1(kids[j]!) - v.x0(kids[j]!)) * k < MIN_PX) j++;
        const x = (v.x0(c) - fx0) * k;
        const w = (v.x1(kids[j - 1]!) - v.x0(c)) * k;
        const run: number[] = [];
        for (let r = i; r < j; r++) run.push(kids[r]!);
        if (run.length === 1) put({ x, y: yOf(v.depth(c)), w, node: c, merged: [], parent: n, ancestor: false });
        else put({ x, y: yOf(v.depth(c)), w, node: -1, merged: run, parent: n, ancestor: false });
        i = j;
      }
      for (let r = wide.length - 1; r >= 0; r--) stack.push(wide[r]!);
    }
    const sel = state.selected;
    if (sel !== null) {
      const b = boxes.find((x) => (sel.node >= 0 ? x.node === sel.node : x.merged[0] === sel.merged[0]));
      if (b !== undefined) {
        ctx.strokeStyle = '#1b1b1f';
        ctx.lineWidth = 2;
        ctx.strokeRect(b.x + 1, b.y + 1, Math.max(b.w - 2, 1), ROW - 3);
      }
    }
    canvas.dataset['frames'] = String(boxes.length);
    canvas.dataset['focus'] = v.name(f);
    canvas.dataset['view'] = `${v.inverted ? 'inverted' : 'calls'} ${state.dir}`;
  };

  const boxAt = (ev: MouseEvent): Box | null => {
    const r = canvas.getBoundingClientRect();
    const x = ev.clientX - r.left;
    const row = rowsOf[depthAt(ev.clientY - r.top)];
    if (row === undefined) return null;
    let best: Box | null = null;
    for (const b of row) if (x >= b.x && x < b.x + Math.max(b.w, 1)) best = b;
    return best;
  };

  // ------------------------------------------------------------ breadcrumb, zoom, selection
  // The graph's panel keeps one height while zooming: the whole call tree's, within limits.
  byId('flame-wrap').style.height = `${Math.round(Math.min(Math.max((heightOf[0]! + 1) * ROW + 4, 380), win.innerHeight * 0.62))}px`;
  const crumbs = byId('breadcrumb');
  const details = byId('details');
  const renderCrumbs = (): void => {
    crumbs.replaceChildren();
    const v = state.view;
    const chain: number[] = [];
    for (let a = state.focus; a >= 0; a = v.parent(a)) chain.unshift(a);
    crumbs.append(el('span', 'muted', v.inverted ? 'Zoom (inverted):' : 'Zoom:'));
    chain.forEach((n, i) => {
      if (i > 0) crumbs.append(el('span', 'muted', '›'));
      const b = el('button', '', v.name(n));
      b.setAttribute('title', v.name(n));
      if (n === state.focus) b.setAttribute('aria-current', 'true');
      b.addEventListener('click', () => zoomTo(n, null));
      crumbs.append(b);
    });
  };
  const showDetails = (): void => {
    if (state.selected === null) {
      details.replaceChildren(el('div', 'empty', 'Hover a frame for its counts; click it to zoom in and keep its details here. Instruction frames show the disassembly around the faulting instruction.'));
    } else {
      describe(state.selected, details, false);
    }
  };
  const render = (): void => {
    draw();
    renderCrumbs();
    showDetails();
    scroller.scrollTop = state.dir === 'flame' ? scroller.scrollHeight : 0;
  };
  // Before zooming into an inverted node: make what its new width shows (node numbers change).
  const prepareZoom = (n: number): number => {
    const v = state.view;
    if (v !== inverted || inverted === null) return n;
    const target = inverted.inv(n);
    if (!materialize(target, (target.value * MIN_PX) / graphWidth() / 2)) return n;
    inverted.relayout();
    return inverted.idOf(target);
  };
  const selectionFor = (n: number): Box => ({ x: 0, y: 0, w: 0, node: n, merged: [], parent: state.view.parent(n), ancestor: false });
  function zoomTo(target: number, box: Box | null): void {
    const n = prepareZoom(target);
    state.focus = n;
    state.selected = box !== null && n === target ? box : selectionFor(n);
    render();
  }

  // ------------------------------------------------------------ tooltip
  const tooltip = byId('tooltip');
  const placeTooltip = (ev: MouseEvent): void => {
    const pad = 14;
    const w = tooltip.offsetWidth;
    const h = tooltip.offsetHeight;
    let x = ev.clientX + pad;
    let y = ev.clientY + pad;
    if (x + w > win.innerWidth - 4) x = Math.max(4, ev.clientX - pad - w);
    if (y + h > win.innerHeight - 4) y = Math.max(4, ev.clientY - pad - h);
    tooltip.style.left = `${x}px`;
    tooltip.style.top = `${y}px`;
  };
  canvas.addEventListener('mousemove', (ev) => {
    const b = boxAt(ev);
    if (b === null) {
      tooltip.hidden = true;
      state.hover = null;
      return;
    }
    if (b !== state.hover) {
      state.hover = b;
      describe(b, tooltip, true);
    }
    tooltip.hidden = false;
    placeTooltip(ev);
  });
  canvas.addEventListener('mouseleave', () => {
    tooltip.hidden = true;
    state.hover = null;
  });
  canvas.addEventListener('click', (ev) => {
    const b = boxAt(ev);
    if (b === null) return;
    if (b.node >= 0) {
      zoomTo(b.node, b);
    } else if (b.parent >= 0) {
      // A merged box: zoom to its parent (they widen) and list them in the details.
      const parent = prepareZoom(b.parent);
      state.focus = parent;
      state.selected = parent === b.parent ? b : null;
      render();
    }
    tooltip.hidden = true;
    state.hover = null;
  });

  // ------------------------------------------------------------ search
  const search = byId<HTMLInputElement>('search');
  const ignoreCase = byId<HTMLInputElement>('search-case');
  const matched = byId('matched');
  let searchRe: RegExp | null = null;
  const runSearch = (): void => {
    const pattern = search.value;
    searchRe = null;
    search.classList.remove('invalid');
    if (pattern !== '') {
      try {
        searchRe = new RegExp(pattern, ignoreCase.checked ? 'i' : '');
      } catch {
        search.classList.add('invalid');
        matched.className = '';
        matched.textContent = 'invalid regular expression';
      }
    }
    const re = searchRe;
    // Each distinct name is tested once.
    stringHit.fill(0);
    if (re !== null) for (let s = 0; s < strings.length; s++) stringHit[s] = re.test(strings[s]!) ? 1 : 0;
    // The share is the call tree's in both views (the same paths), each path counted once.
    const under = new Uint8Array(N);
    let covered = 0;
    let frames = 0;
    for (let i = 0; i < N; i++) {
      const hit = stringHit[enc.name[i]!]!;
      const p = parentOf[i]!;
      hitC[i] = hit;
      under[i] = hit === 1 || (p >= 0 && under[p] === 1) ? 1 : 0;
      upC[i] = hit === 1 || (p > 0 && !(depthOf[p] === 1 && enc.kinds[enc.kind[p]!] === 'comm') && upC[p] === 1) ? 1 : 0;
      if (hit === 1) {
        frames++;
        if (!(p >= 0 && under[p] === 1)) covered += laidValue[i]!;
      }
    }
    for (let i = N - 1; i >= 0; i--) {
      belowC[i] = belowC[i]! | hitC[i]!;
      const p = parentOf[i]!;
      if (p >= 0 && belowC[i] === 1) belowC[p] = 1;
    }
    reflag();
    if (re !== null) {
      matched.className = frames > 0 ? 'hit' : '';
      matched.textContent = `Matched: ${pct(covered, total)} of all · ${fmt(frames)} frame${frames === 1 ? '' : 's'}`;
      matched.dataset['percent'] = ((100 * covered) / (total || 1)).toFixed(4);
    } else if (pattern === '') {
      matched.className = '';
      matched.textContent = '';
      delete matched.dataset['percent'];
    }
    draw();
  };
  let searchTimer = 0;
  search.addEventListener('input', () => {
    win.clearTimeout(searchTimer);
    searchTimer = win.setTimeout(runSearch, 120);
  });
  search.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      win.clearTimeout(searchTimer);
      runSearch();
    }
  });
  ignoreCase.addEventListener('change', runSearch);
  const searchFor = (name: string): void => {
    search.value = '^' + name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$';
    runSearch();
    byId('flame-panel').scrollIntoView({ behavior: 'smooth', block: 'start' });
  };

  // ------------------------------------------------------------ view switches
  const pressed = (selector: string, value: string, attr: string): void => {
    for (const b of Array.from(doc.querySelectorAll<HTMLButtonElement>(selector))) b.setAttribute('aria-pressed', String(b.dataset[attr] === value));
  };
  const showTree = (leafFirst: boolean): void => {
    state.view = useView(leafFirst);
    state.dir = leafFirst ? 'icicle' : 'flame';
    state.focus = 0;
    state.selected = null;
    pressed('button[data-tree]', leafFirst ? 'inverted' : 'calls', 'tree');
    pressed('button[data-dir]', state.dir, 'dir');
    reflag();
    render();
  };
  for (const b of Array.from(doc.querySelectorAll<HTMLButtonElement>('button[data-tree]'))) {
    b.addEventListener('click', () => {
      const inv = b.dataset['tree'] === 'inverted';
      if (inv !== state.view.inverted) showTree(inv);
    });
  }
  for (const b of Array.from(doc.querySelectorAll<HTMLButtonElement>('button[data-dir]'))) {
    b.addEventListener('click', () => {
      state.dir = b.dataset['dir'] === 'icicle' ? 'icicle' : 'flame';
      pressed('button[data-dir]', state.dir, 'dir');
      render();
    });
  }
  const reset = (): void => {
    state.focus = 0;
    state.selected = null;
    render();
  };
  byId('reset').addEventListener('click', reset);
  doc.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') reset();
    if (ev.key === '/' && doc.activeElement !== search) {
      ev.preventDefault();
      search.focus();
    }
  });
  let resizeTimer = 0;
  win.addEventListener('resize', () => {
    win.clearTimeout(resizeTimer);
    resizeTimer = win.setTimeout(draw, 100);
  });

  // ------------------------------------------------------------ legend
  const legend = byId('legend');
  const present = new Set<string>(['merged']);
  for (const k of enc.kinds) present.add(k);
  for (const key in enc.sites) present.add(paletteOf('instruction', enc.sites[key]));
  for (const { kind, label } of lib.legend) {
    if (!present.has(kind)) continue;
    const item = el('span');
    const sw = el('span', 'sw');
    sw.style.background = lib.colorFor(kind, label);
    item.append(sw, doc.createTextNode(label));
    legend.append(item);
  }
  const matchItem = el('span');
  const matchSwatch = el('span', 'sw');
  matchSwatch.style.background = lib.matchColor;
  matchItem.append(matchSwatch, doc.createTextNode('search match'));
  legend.append(matchItem, el('span', 'hint', 'Click: zoom · Esc: reset · /: search'));

  // ------------------------------------------------------------ panels
  // Top faulting instructions: one row per instruction, one count column per
  // event (a tracepoint and the software event often count the same faults).
  const sitesBox = byId('sites');
  const rootEvents = N > 0 ? eventsOf(0) : {};
  const eventTotal = (e: string): number => rootEvents[e] ?? 0;
  interface SiteRow {
    readonly site: FaultSite;
    readonly counts: Map<string, number>;
    max: number;
  }
  const siteEvents = [...new Set([...report.selectedEvents, ...report.sites.map((s) => s.event)])].filter((e) => report.sites.some((s) => s.event === e));
  const grouped = new Map<string, SiteRow>();
  for (const s of report.sites) {
    const key = `${s.dso}\0${s.address}\0${s.symbol}\0${s.offset}`;
    let row = grouped.get(key);
    if (row === undefined) grouped.set(key, (row = { site: s, counts: new Map(), max: 0 }));
    row.counts.set(s.event, (row.counts.get(s.event) ?? 0) + s.count);
    row.max = Math.max(row.max, row.counts.get(s.event)!);
  }
  const siteList = [...grouped.values()].sort((a, b) => b.max - a.max);
  const showSite = (s: FaultSite): void => {
    if (state.view.inverted) showTree(false);
    for (const key in enc.sites) {
      const site = enc.sites[key]!;
      if (site.address === s.address && site.dso === s.dso) {
        searchFor(calls.name(Number(key)));
        return;
      }
    }
  };
  const siteRows = (limit: number): void => {
    sitesBox.replaceChildren();
    if (siteList.length === 0) {
      sitesBox.append(el('p', 'muted', 'No faulting instructions: the tree holds no fault events.'));
      return;
    }
    const head = ['#', 'instruction', 'function', 'source', 'dso', ...siteEvents.map((e) => e.slice(e.lastIndexOf(':') + 1))];
    const numeric = [true, false, false, false, false, ...siteEvents.map(() => true)];
    const rows = siteList.slice(0, limit).map((r, i) => {
      const s = r.site;
      const instr = s.resolved ? el('span', 'mono', s.instruction ?? '') : el('span', 'muted', s.unresolvedReason ?? 'unresolved');
      const dso = el('span', 'nowrap', basename(s.dso));
      dso.setAttribute('title', s.dso);
      const counts = siteEvents.map((e) => {
        const c = r.counts.get(e);
        return c === undefined ? '—' : `${fmt(c)} · ${pct(c, eventTotal(e))}`;
      });
      return [String(i + 1), instr, el('span', 'mono', siteWhere(s)), s.source === undefined ? '' : basename(s.source), dso, ...counts];
    });
    const t = table(head, numeric, rows, 'clickable');
    siteEvents.forEach((e, i) => t.tHead!.rows[0]!.cells[5 + i]!.setAttribute('title', `${e}: count and share of that event's total`));
    Array.from(t.tBodies[0]!.rows).forEach((tr, i) => {
      tr.setAttribute('title', 'Show in the flame graph');
      tr.addEventListener('click', () => showSite(siteList[i]!.site));
    });
    sitesBox.append(t);
    if (siteList.length > limit) {
      const more = el('button', '', `Show all ${fmt(siteList.length)}`);
      more.addEventListener('click', () => siteRows(siteList.length));
      sitesBox.append(more);
    }
  };
  siteRows(15);

  // The headline: the instruction that faulted most.
  const top = siteList[0];
  if (top !== undefined) {
    const [event, count] = [...top.counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const s = top.site;
    const where = [s.source === undefined ? '' : basename(s.source), basename(s.dso)].filter((x) => x !== '').join(', ');
    byId('headline').append(
      doc.createTextNode('Most faults: '),
      el('code', '', s.resolved ? (s.instruction ?? siteWhere(s)) : siteWhere(s)),
      doc.createTextNode(` in ${siteWhere(s)}${where === '' ? '' : ` (${where})`} — `),
      el('b', '', fmt(count)),
      doc.createTextNode(` ${event} (${pct(count, eventTotal(event))})`),
    );
  }

  // Fault classes.
  const CLASS_COLORS: Record<string, string> = {
    'first-touch-read': '#5b8def',
    'first-touch-write': '#2f6fd6',
    'write-to-read-only': '#d9482b',
    'copy-on-write': '#e08a1e',
    exec: '#8e44ad',
    pkey: '#b0306c',
    'kernel-mode': '#6f7b8a',
    unknown: '#a9afb9',
  };
  const classColor = (c: string): string => CLASS_COLORS[c] ?? '#a9afb9';
  const classesBox = byId('classes');
  const classes = Object.entries(report.classes ?? {})
    .filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0)
    .sort((a, b) => b[1] - a[1]);
  if (classes.length === 0) {
    classesBox.append(el('p', 'muted', 'No fault classes in this report (they need exceptions:page_fault_* tracepoints with error codes).'));
  } else {
    const classTotal = classes.reduce((s, [, c]) => s + c, 0);
    const max = classes[0]![1];
    for (const [c, n] of classes) {
      const row = el('div', 'bar-row');
      const track = el('div', 'bar-track');
      const bar = el('div', 'bar');
      bar.style.width = `${(100 * n) / max}%`;
      bar.style.background = classColor(c);
      track.append(bar);
      row.append(el('span', '', c), track, el('span', 'num', `${fmt(n)} · ${pct(n, classTotal)}`));
      classesBox.append(row);
    }
  }

  // Faults over time: one small chart per class, one shared scale.
  const timelineBox = byId('timeline');
  const timeline = report.timeline ?? [];
  if (timeline.length === 0) {
    timelineBox.append(el('p', 'muted', 'No timeline in this report.'));
  } else {
    let t0 = Infinity;
    let t1 = -Infinity;
    for (const p of timeline) {
      if (p.time < t0) t0 = p.time;
      if (p.time > t1) t1 = p.time;
    }
    const BINS = 80;
    const span = t1 - t0 || 1e-6;
    const perClass = new Map<string, number[]>();
    for (const p of timeline) {
      let bins = perClass.get(p.class);
      if (bins === undefined) perClass.set(p.class, (bins = new Array<number>(BINS).fill(0)));
      const i = Math.min(BINS - 1, Math.floor(((p.time - t0) / span) * BINS));
      bins[i] = (bins[i] ?? 0) + p.value;
    }
    let peak = 0;
    for (const bins of perClass.values()) for (const c of bins) peak = Math.max(peak, c);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    const ordered = [...perClass.entries()].sort((a, b) => sum(b[1]) - sum(a[1]));
    for (const [c, bins] of ordered) {
      const chart = el('div', 'chart');
      const label = el('div', 'label');
      label.append(el('b', '', c), el('span', '', `${fmt(sum(bins))} · peak ${fmt(Math.max(...bins))} per ${seconds(span / BINS)}`));
      const cv = el('canvas');
      chart.append(label, cv);
      timelineBox.append(chart);
      const w = Math.max(100, cv.clientWidth || timelineBox.clientWidth);
      const h = 40;
      const dpr = win.devicePixelRatio || 1;
      cv.width = Math.round(w * dpr);
      cv.height = Math.round(h * dpr);
      const c2 = cv.getContext('2d')!;
      c2.setTransform(dpr, 0, 0, dpr, 0, 0);
      c2.fillStyle = classColor(c);
      const bw = w / BINS;
      bins.forEach((n, i) => {
        if (n <= 0) return;
        const bh = Math.max(1.5, ((h - 4) * n) / (peak || 1));
        c2.fillRect(i * bw + 0.5, h - bh, Math.max(1, bw - 1), bh);
      });
    }
    const axis = el('div', 'axis');
    axis.append(el('span', '', `${t0.toFixed(6)} s (perf clock)`), el('span', '', `+${seconds(span)}`));
    timelineBox.append(axis);
  }

  // Protection sites: the known fields of ProtectionSiteView get their own
  // columns; fields this page does not know are still shown, as text.
  const protBox = byId('protection');
  const cell = (x: unknown): string => {
    if (x === null || x === undefined) return '';
    if (typeof x === 'number') return fmt(x);
    if (typeof x === 'string') return x;
    if (typeof x === 'boolean') return x ? 'yes' : 'no';
    if (Array.isArray(x)) return x.map(cell).join(', ');
    if (typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (typeof o['symbol'] === 'string') return `${siteWhere({ symbol: o['symbol'], offset: typeof o['offset'] === 'number' ? o['offset'] : null })}${typeof o['instruction'] === 'string' ? ` ${o['instruction']}` : ''}`;
      return Object.entries(o)
        .map(([k, y]) => `${k}: ${cell(y)}`)
        .join(', ');
    }
    return String(x);
  };
  const countsText = (r: unknown): string => {
    if (r === null || typeof r !== 'object') return cell(r);
    const entries = Object.entries(r as Record<string, unknown>).filter(([, c]) => typeof c === 'number' && c > 0) as [string, number][];
    return entries
      .sort((a, b) => b[1] - a[1])
      .map(([k, c]) => `${k} ${fmt(c)}`)
      .join(', ');
  };
  const sumOf = (r: unknown): number => (r !== null && typeof r === 'object' ? Object.values(r as Record<string, unknown>).reduce<number>((s, c) => s + (typeof c === 'number' ? c : 0), 0) : typeof r === 'number' ? r : 0);
  const prot = report.protection as unknown;
  if (prot === undefined || prot === null) {
    protBox.append(el('p', 'muted', 'No protection timeline in this report (it needs mprotect syscalls in the trace).'));
  } else if (typeof prot === 'object' && !Array.isArray(prot)) {
    const section = prot as Record<string, unknown>;
    const sites = (Array.isArray(section['sites']) ? (section['sites'] as unknown[]) : []).filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null);
    // Known columns, in reading order: [heading, numeric, how to show a site].
    const known: [string, boolean, (s: Record<string, unknown>) => string | HTMLElement, string[]][] = [
      [
        'protection site',
        false,
        (s) => {
          const box = el('div');
          const head = el('div', 'mono', typeof s['symbol'] === 'string' ? siteWhere({ symbol: s['symbol'], offset: typeof s['offset'] === 'number' ? s['offset'] : null }) : cell(s['site']));
          if (s['inferred'] === true) head.append(el('span', 'badge', 'inferred'));
          box.append(head);
          const sub = [s['instruction'], s['source'] === null || s['source'] === undefined ? undefined : basename(String(s['source'])), typeof s['dso'] === 'string' ? basename(s['dso']) : undefined].filter((x) => typeof x === 'string' && x !== '');
          if (sub.length > 0) box.append(el('div', 'meta', sub.join(' · ')));
          box.setAttribute('title', cell(s['site']));
          return box;
        },
        ['site', 'symbol', 'offset', 'address', 'instruction', 'source', 'dso', 'inferred'],
      ],
      ['sets', false, (s) => (typeof s['prot'] === 'string' ? s['prot'] : countsText(s['prots'])), ['prot', 'prots']],
      ['calls', true, (s) => fmt(sumOf(s['calls'])) + (typeof s['failed'] === 'number' && s['failed'] > 0 ? ` (${fmt(s['failed'])} failed)` : ''), ['calls', 'failed']],
      ['pages', true, (s) => cell(s['pages']), ['pages']],
      ['faults', true, (s) => cell(s['faults']), ['faults']],
      ['denied', true, (s) => cell(s['denied']), ['denied']],
      ['retry cycles', true, (s) => cell(s['cycles']), ['cycles']],
      ['fault classes', false, (s) => countsText(s['classes']), ['classes']],
      [
        'first fault after',
        false,
        (s) => {
          const since = s['sinceChange'] as { min?: unknown; max?: unknown } | undefined;
          return since !== undefined && typeof since.min === 'number' && typeof since.max === 'number' ? `${seconds(since.min)} – ${seconds(since.max)}` : '';
        },
        ['sinceChange'],
      ],
      ['TLB flushes', true, (s) => (sumOf(s['tlbFlushes']) > 0 ? fmt(sumOf(s['tlbFlushes'])) : '0'), ['tlbFlushes']],
      [
        'faulting instructions',
        false,
        (s) => {
          const list = Array.isArray(s['instructions']) ? (s['instructions'] as Record<string, unknown>[]) : [];
          const box = el('div');
          for (const ins of list.slice(0, 4)) {
            const line = el('div', 'mono', `${cell(ins['instruction'])} — ${cell(ins['faults'])}`);
            const handlers = countsText(ins['handlers']);
            if (handlers !== '') line.setAttribute('title', `handlers: ${handlers}`);
            box.append(line);
          }
          if (list.length > 4) box.append(el('div', 'meta', `… ${list.length - 4} more`));
          return box;
        },
        ['instructions'],
      ],
      ['first call', false, (s) => (typeof s['firstTime'] === 'number' ? el('span', 'nowrap', `${s['firstTime'].toFixed(6)} s`) : ''), ['firstTime', 'lastTime']],
    ];
    const used = new Set(known.flatMap(([, , , keys]) => keys));
    const columns = known.filter(([, , , keys]) => sites.some((s) => keys.some((k) => k in s)));
    const extra: string[] = [];
    for (const s of sites) for (const k of Object.keys(s)) if (!used.has(k) && !extra.includes(k)) extra.push(k);
    if (sites.length > 0) {
      const head = [...columns.map(([h]) => h), ...extra];
      const numeric = [...columns.map(([, num]) => num), ...extra.map((k) => sites.every((s) => typeof s[k] === 'number' || s[k] === undefined))];
      protBox.append(table(head, numeric, sites.map((s) => [...columns.map(([, , show]) => show(s)), ...extra.map((k) => cell(s[k]))])));
    } else {
      protBox.append(el('p', 'muted', 'No protection sites.'));
    }
    const restLabels: Record<string, string> = {
      uncoveredFaults: 'faults on pages no followed call covered',
      unattributedFlushes: 'TLB flushes outside protection calls',
      unplaced: 'mappings whose address stayed unknown',
      unresolvedThreads: 'threads not tied to a process',
    };
    const rest = Object.entries(section).filter(([k]) => k !== 'sites' && k !== 'notes');
    if (rest.length > 0) protBox.append(kv(rest.map(([k, x]) => [restLabels[k] ?? k, typeof x === 'object' && x !== null && !Array.isArray(x) ? countsText(x) || '0' : cell(x)])));
    const notes = Array.isArray(section['notes']) ? (section['notes'] as unknown[]) : [];
    if (notes.length > 0) {
      const ul = el('ul', 'plain');
      for (const n of notes) ul.append(el('li', 'muted', cell(n)));
      protBox.append(ul);
    }
  } else {
    protBox.append(el('pre', 'mono', JSON.stringify(prot, null, 2)));
  }

  // What the report is built from.
  const inputsBox = byId('inputs');
  inputsBox.append(
    table(
      ['input', 'format', 'lines', 'records'],
      [false, false, true, true],
      report.inputs.map((i) => [i.name, i.sourceLines !== undefined ? `${i.format} (${fmt(i.sourceLines)} lines of -S source text skipped)` : i.format, fmt(i.lines), fmt(i.records)]),
    ),
  );
  inputsBox.append(el('h3', '', 'Events read'));
  const selectedSet = new Set(report.selectedEvents);
  inputsBox.append(
    table(
      ['event', 'records', 'in the tree'],
      [false, true, false],
      Object.entries(report.events)
        .sort((a, b) => b[1] - a[1])
        .map(([e, n]) => [e, fmt(n), selectedSet.has(e) ? 'yes' : '—']),
    ),
  );
  const sel = report.selection as Report['selection'] | undefined;
  const counts: [string, string][] = [];
  if (sel !== undefined) counts.push(['selected records read', fmt(sel.read)], ['kept by the filters', fmt(sel.kept)], ['filtered out', fmt(sel.filteredOut)]);
  counts.push(['lost by the recorder', fmt(report.lost)], ['skipped lines', fmt(report.skipped.lines)]);
  inputsBox.append(kv(counts));
  if (report.lost > 0) inputsBox.append(el('p', 'bad', `${fmt(report.lost)} events were lost while recording: counts are lower bounds.`));
  if (report.skipped.examples.length > 0) {
    inputsBox.append(el('h3', '', 'Skipped lines (first ones)'));
    const ul = el('ul', 'plain mono');
    for (const x of report.skipped.examples) ul.append(el('li', '', x));
    inputsBox.append(ul);
  }
  const warningsBox = byId('warnings');
  if (report.warnings.length === 0) warningsBox.append(el('li', 'muted', 'None.'));
  for (const w of report.warnings) warningsBox.append(el('li', '', w));

  // ------------------------------------------------------------ a read-only view for tests and the curious
  (win as unknown as { faultpath: unknown }).faultpath = {
    /** The boxes drawn now, in canvas CSS pixels. */
    boxes: () =>
      boxes.map((b) => ({
        name: b.node < 0 ? `${b.merged.length} frames` : state.view.name(b.node),
        kind: b.node < 0 ? 'merged' : state.view.node(b.node).kind,
        x: b.x,
        y: b.y,
        w: b.w,
        h: ROW - 1,
        merged: b.merged.length,
        ancestor: b.ancestor,
      })),
  };

  // ------------------------------------------------------------ first paint
  pressed('button[data-tree]', 'calls', 'tree');
  pressed('button[data-dir]', state.dir, 'dir');
  render();
  doc.body.dataset['readyMs'] = (win.performance.now() - started).toFixed(1);
  doc.body.dataset['readyAt'] = win.performance.now().toFixed(1);
  doc.body.dataset['ready'] = '1';
}
