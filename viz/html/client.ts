// The script of the HTML report. It runs in the browser only: renderHtml
// inlines `runReport` as source text (Function.prototype.toString), so the
// function must stay self-contained — no imports at run time, only the `lib`
// it is handed (d3-hierarchy's UMD bundle and the colour and decoding helpers).
//
// Every string from the trace reaches the DOM through textContent or an
// attribute value, never through innerHTML.
import type * as D3 from 'd3-hierarchy';
import type { FaultSite, Report, TreeNode } from '../../src/model.js';
import type { colorFor, inkFor, paletteKind } from '../colors.js';
import type { decodeTree, EncodedTree } from './encode.js';

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
  readonly decodeTree: typeof decodeTree;
  readonly matchColor: string;
  readonly legend: readonly { readonly kind: string; readonly label: string }[];
}

/** Draws the report into the page's skeleton. Browser only. */
export function runReport(win: Window, lib: ClientLib): void {
  type Node = TreeNode;
  type H = D3.HierarchyRectangularNode<Node> & { hit?: boolean; under?: boolean; below?: boolean };
  interface Box {
    readonly x: number;
    readonly y: number;
    readonly w: number;
    readonly node: H | null;
    readonly merged: H[];
    readonly parent: H | null;
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
  const basename = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
  const hex = (s: string): string => (s.startsWith('0x') ? s : `0x${s}`);
  const kindLabel = (kind: string): string => lib.legend.find((l) => l.kind === kind)?.label ?? kind;
  const siteWhere = (s: FaultSite): string => `${s.symbol === '' ? '?' : s.symbol}${s.offset >= 0 ? `+0x${s.offset.toString(16)}` : ''}`;
  const kv = (pairs: [string, string][]): HTMLElement => {
    const dl = el('dl', 'kv');
    for (const [k, v] of pairs) {
      dl.append(el('dt', '', k), el('dd', '', v));
    }
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

  // ------------------------------------------------------------ trees
  const callRoot: Node = lib.decodeTree(data.tree);
  const total = callRoot.value;
  const own = (d: Node): number => {
    let c = 0;
    for (const k of d.children) c += k.value;
    return Math.max(0, d.value - c);
  };
  const layout = (root: Node): H => lib.d3.partition<Node>().size([1, 1])(lib.d3.hierarchy<Node>(root, (d) => d.children).sum(own)) as H;
  const calls = layout(callRoot);
  let inverted: H | null = null;

  // The inverted tree, leaf first, as src/tree.ts's invertTree builds it: the
  // command stays on the first level, the rest of each path is reversed.
  const invert = (): H => {
    const root: Node = { name: callRoot.name, kind: 'root', value: 0, self: 0, byEvent: {}, children: [] };
    const index = new Map<Node, Map<string, Node>>();
    const childOf = (parent: Node, step: Node): Node => {
      let m = index.get(parent);
      if (m === undefined) index.set(parent, (m = new Map()));
      const key = step.kind + '\0' + step.name;
      let c = m.get(key);
      if (c === undefined) {
        c = { name: step.name, kind: step.kind, value: 0, self: 0, byEvent: {}, children: [] };
        if (step.dso !== undefined) c.dso = step.dso;
        if (step.site !== undefined) c.site = step.site;
        m.set(key, c);
        parent.children.push(c);
      }
      return c;
    };
    const add = (n: Node, v: number, byEvent: Record<string, number>): void => {
      n.value += v;
      for (const e in byEvent) n.byEvent[e] = (n.byEvent[e] ?? 0) + (byEvent[e] ?? 0);
    };
    const path: Node[] = [];
    const stack: [Node, number][] = [[callRoot, 0]];
    while (stack.length > 0) {
      const [n, depth] = stack.pop()!;
      path.length = depth;
      path.push(n);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push([n.children[i]!, depth + 1]);
      if (n.self <= 0) continue;
      // The self value by event: what the node holds beyond its children.
      const selfEv: Record<string, number> = {};
      for (const e in n.byEvent) {
        let v = n.byEvent[e] ?? 0;
        for (const c of n.children) v -= c.byEvent[e] ?? 0;
        if (v > 0) selfEv[e] = v;
      }
      const steps: Node[] = [];
      const first = path[1];
      if (first !== undefined && first.kind === 'comm') {
        steps.push(first);
        for (let i = path.length - 1; i >= 2; i--) steps.push(path[i]!);
      } else {
        for (let i = path.length - 1; i >= 1; i--) steps.push(path[i]!);
      }
      let at = root;
      add(at, n.self, selfEv);
      for (const s of steps) {
        at = childOf(at, s);
        add(at, n.self, selfEv);
      }
      at.self += n.self;
    }
    const order = (a: Node, b: Node): number => b.value - a.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    const sortStack: Node[] = [root];
    while (sortStack.length > 0) {
      const n = sortStack.pop()!;
      n.children.sort(order);
      for (const c of n.children) sortStack.push(c);
    }
    return layout(root);
  };

  // ------------------------------------------------------------ state
  const state = {
    tree: 'calls' as 'calls' | 'inverted',
    dir: 'flame' as 'flame' | 'icicle',
    focus: calls,
    selected: null as Box | null,
    hover: null as Box | null,
    pattern: '',
  };
  const current = (): H => (state.tree === 'calls' ? calls : (inverted ??= invert()));

  // ------------------------------------------------------------ header
  const summary = byId('summary');
  const selected = report.selectedEvents.length === 0 ? 'events' : report.selectedEvents.join(', ');
  const warnCount = report.warnings.length;
  const parts: (string | [string, string])[] = [
    ['', fmt(total)],
    ` ${selected} in the tree`,
    ' · ',
    ['', String(report.inputs.length)],
    report.inputs.length === 1 ? ' input' : ' inputs',
    ' · ',
    ['', fmt(report.lost)],
    ' lost · ',
    ['', fmt(report.skipped.lines)],
    ' skipped lines',
  ];
  for (const p of parts) summary.append(typeof p === 'string' ? doc.createTextNode(p) : el('b', '', p[1]));
  if (warnCount > 0) {
    const banner = byId('warnings-banner');
    banner.hidden = false;
    banner.append(doc.createTextNode(`${warnCount} warning${warnCount === 1 ? '' : 's'} about how this report was built: ${report.warnings[0] ?? ''}${warnCount > 1 ? ' …' : ''}`));
    const go = el('button', '', 'Show all');
    go.addEventListener('click', () => byId('warnings-panel').scrollIntoView({ behavior: 'smooth' }));
    banner.append(go);
  }

  // ------------------------------------------------------------ node details (tooltip and side panel)
  const byEventOf = (n: Node): [string, number][] => Object.entries(n.byEvent).sort((a, b) => b[1] - a[1]);
  const disassemblyOf = (site: FaultSite | undefined): HTMLElement | null => {
    if (site === undefined || report.disassembly === undefined) return null;
    const lines = report.disassembly[site.address] ?? report.disassembly[hex(site.address)] ?? report.disassembly[site.address.replace(/^0x/, '')];
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
  const describe = (box: Box, into: HTMLElement, compact: boolean): void => {
    into.replaceChildren();
    const node = box.node;
    const parentValue = box.parent?.value;
    if (node === null) {
      const value = box.merged.reduce((s, m) => s + (m.value ?? 0), 0);
      const below = box.merged.reduce((s, m) => s + m.descendants().length - 1, 0);
      into.append(el('div', 'name', `${box.merged.length} narrow frames, merged`));
      const share = el('div', 'share');
      share.append(el('b', '', fmt(value)), doc.createTextNode(` · ${pct(value, total)} of all${parentValue === undefined ? '' : ` · ${pct(value, parentValue)} of parent`}`));
      into.append(share, el('div', 'meta', `${fmt(below)} more frames below them`));
      const list = el('div', 'merged-list');
      const shown = box.merged.slice(0, compact ? 5 : 40);
      for (const m of shown) {
        const label = `${m.data.name} — ${fmt(m.value ?? 0)} (${pct(m.value ?? 0, total)})`;
        if (compact) {
          list.append(el('div', 'meta', label));
        } else {
          const b = el('button', '', label);
          b.setAttribute('title', m.data.name);
          b.addEventListener('click', () => zoomTo(m, null));
          list.append(b);
        }
      }
      if (box.merged.length > shown.length) list.append(el('div', 'meta', `… and ${box.merged.length - shown.length} more`));
      into.append(list);
      if (compact) into.append(el('div', 'hint', 'Click to list them; zoom in to draw them'));
      return;
    }
    const n = node.data;
    into.append(el('div', n.kind === 'instruction' ? 'name mono' : 'name', n.name));
    const meta = [kindLabel(lib.paletteKind(n))];
    if (n.dso !== undefined && n.dso !== '') meta.push(n.dso);
    into.append(el('div', 'meta', meta.join(' · ')));
    const value = node.value ?? 0;
    const share = el('div', 'share');
    share.append(el('b', '', fmt(value)), doc.createTextNode(` · ${pct(value, total)} of all${parentValue === undefined ? '' : ` · ${pct(value, parentValue)} of parent`}`));
    into.append(share);
    const pairs: [string, string][] = byEventOf(n).map(([e, v]) => [e, fmt(v)]);
    if (n.self > 0 && n.children.length > 0) pairs.push(['self (ends here)', fmt(n.self)]);
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
    if (compact) into.append(el('div', 'hint', node === state.focus ? 'Zoomed here' : 'Click to zoom'));
  };

  // ------------------------------------------------------------ flame graph
  const ROW = 18;
  const MIN_PX = 1;
  const FONT = '12px system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, sans-serif';
  const scroller = byId('scroller');
  const canvas = byId<HTMLCanvasElement>('flame');
  const ctx = canvas.getContext('2d')!;
  let boxes: Box[] = [];
  let rowsOf: Box[][] = [];
  let rows = 1;
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
  const mergedColor = lib.colorFor('merged', '');

  const draw = (): void => {
    const f = state.focus;
    rows = f.depth + f.height + 1;
    // Fill the scroller: a flame stands on its bottom edge, an icicle hangs from the top.
    const height = Math.max(rows * ROW, scroller.clientHeight);
    canvas.style.height = `${height}px`;
    const width = Math.max(200, scroller.clientWidth);
    const dpr = win.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    const k = width / (f.x1 - f.x0 || 1);
    const yOf = (depth: number): number => (state.dir === 'flame' ? height - (depth + 1) * ROW : depth * ROW);
    canvasHeight = height;
    boxes = [];
    rowsOf = Array.from({ length: rows }, () => []);
    const put = (b: Box): void => {
      boxes.push(b);
      rowsOf[depthAt(b.y + 1)]!.push(b);
      const n = b.node;
      const hit = n !== null ? n.hit === true : b.merged.some((m) => m.below === true);
      const fill = hit ? lib.matchColor : n === null ? mergedColor : lib.colorFor(lib.paletteKind(n.data), n.data.name);
      ctx.globalAlpha = b.ancestor ? 0.55 : 1;
      ctx.fillStyle = fill;
      const gap = b.w >= 3 ? 1 : 0;
      ctx.fillRect(b.x, b.y, Math.max(b.w - gap, 0.6), ROW - 1);
      if (b.w >= 20) {
        const label = fit(n === null ? `${b.merged.length} frames` : n.data.name, b.w - 8);
        if (label !== '') {
          ctx.fillStyle = lib.inkFor(fill);
          ctx.fillText(label, b.x + 4, b.y + ROW / 2);
        }
      }
      ctx.globalAlpha = 1;
    };
    for (let a = f.parent; a !== null; a = a.parent) put({ x: 0, y: yOf(a.depth), w: width, node: a, merged: [], parent: a.parent, ancestor: true });
    const stack: H[] = [f];
    while (stack.length > 0) {
      const n = stack.pop()!;
      put({ x: (n.x0 - f.x0) * k, y: yOf(n.depth), w: (n.x1 - n.x0) * k, node: n, merged: [], parent: n.parent, ancestor: false });
      const kids = (n.children ?? []) as H[];
      for (let i = 0; i < kids.length; ) {
        const c = kids[i]!;
        if ((c.x1 - c.x0) * k >= MIN_PX) {
          stack.push(c);
          i++;
          continue;
        }
        let j = i;
        while (j < kids.length && (kids[j]!.x1 - kids[j]!.x0) * k < MIN_PX) j++;
        const last = kids[j - 1]!;
        const x = (c.x0 - f.x0) * k;
        const w = (last.x1 - c.x0) * k;
        if (j - i === 1) put({ x, y: yOf(c.depth), w, node: c, merged: [], parent: n, ancestor: false });
        else put({ x, y: yOf(c.depth), w, node: null, merged: kids.slice(i, j), parent: n, ancestor: false });
        i = j;
      }
    }
    const outline = (b: Box | null, color: string, lineWidth: number): void => {
      if (b === null) return;
      ctx.strokeStyle = color;
      ctx.lineWidth = lineWidth;
      ctx.strokeRect(b.x + 0.5, b.y + 0.5, Math.max(b.w - 1, 1), ROW - 2);
    };
    if (state.selected !== null) {
      const sel = state.selected;
      outline(boxes.find((b) => (sel.node !== null ? b.node === sel.node : b.merged[0] === sel.merged[0])) ?? null, '#1b1b1f', 2);
    }
    canvas.dataset['frames'] = String(boxes.length);
    canvas.dataset['focus'] = f.data.name;
    canvas.dataset['view'] = `${state.tree} ${state.dir}`;
  };

  const boxAt = (ev: MouseEvent): Box | null => {
    const r = canvas.getBoundingClientRect();
    const x = ev.clientX - r.left;
    const y = ev.clientY - r.top;
    const row = rowsOf[depthAt(y)];
    if (row === undefined) return null;
    let best: Box | null = null;
    for (const b of row) if (x >= b.x && x < b.x + Math.max(b.w, 1)) best = b;
    return best;
  };

  // ------------------------------------------------------------ breadcrumb, zoom, selection
  const crumbs = byId('breadcrumb');
  const details = byId('details');
  const renderCrumbs = (): void => {
    crumbs.replaceChildren();
    const chain: H[] = [];
    for (let a: H | null = state.focus; a !== null; a = a.parent) chain.unshift(a);
    crumbs.append(el('span', 'muted', state.tree === 'calls' ? 'Zoom:' : 'Zoom (inverted):'));
    chain.forEach((n, i) => {
      if (i > 0) crumbs.append(el('span', 'muted', '›'));
      const b = el('button', '', n.data.name);
      b.setAttribute('title', n.data.name);
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
  function zoomTo(n: H, box: Box | null): void {
    state.focus = n;
    state.selected = box ?? { x: 0, y: 0, w: 0, node: n, merged: [], parent: n.parent, ancestor: false };
    render();
  }
  const render = (): void => {
    draw();
    renderCrumbs();
    showDetails();
    if (state.dir === 'flame') scroller.scrollTop = scroller.scrollHeight;
    else scroller.scrollTop = 0;
  };

  // The graph's panel keeps one height while zooming: the whole call tree's, within limits.
  const wrap = byId('flame-wrap');
  wrap.style.height = `${Math.round(Math.min(Math.max((calls.height + 1) * ROW + 4, 380), win.innerHeight * 0.62))}px`;

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
    if (b.node !== null) {
      zoomTo(b.node, b);
    } else if (b.parent !== null) {
      // A merged box: zoom to its parent (they widen) and list them in the details.
      state.focus = b.parent;
      state.selected = b;
      render();
    }
    tooltip.hidden = true;
    state.hover = null;
  });

  // ------------------------------------------------------------ search
  const search = byId<HTMLInputElement>('search');
  const ignoreCase = byId<HTMLInputElement>('search-case');
  const matched = byId('matched');
  const runSearch = (): void => {
    const pattern = search.value;
    state.pattern = pattern;
    const tree = current();
    let re: RegExp | null = null;
    search.classList.remove('invalid');
    if (pattern !== '') {
      try {
        re = new RegExp(pattern, ignoreCase.checked ? 'i' : '');
      } catch {
        search.classList.add('invalid');
        matched.className = '';
        matched.textContent = 'invalid regular expression';
      }
    }
    let covered = 0;
    let frames = 0;
    tree.eachBefore((n) => {
      const h = n as H;
      h.hit = re !== null && re.test(h.data.name);
      const parentUnder = (h.parent as H | null)?.under === true;
      h.under = h.hit || parentUnder;
      if (h.hit) {
        frames++;
        if (!parentUnder) covered += h.value ?? 0;
      }
    });
    tree.eachAfter((n) => {
      const h = n as H;
      h.below = h.hit === true || (h.children ?? []).some((c) => (c as H).below === true);
    });
    if (re !== null) {
      matched.className = frames > 0 ? 'hit' : '';
      matched.textContent = `Matched: ${pct(covered, tree.value ?? 0)} of all · ${fmt(frames)} frame${frames === 1 ? '' : 's'}`;
      matched.dataset['percent'] = ((100 * covered) / (tree.value || 1)).toFixed(4);
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
  for (const b of Array.from(doc.querySelectorAll<HTMLButtonElement>('button[data-tree]'))) {
    b.addEventListener('click', () => {
      const tree = b.dataset['tree'] === 'inverted' ? 'inverted' : 'calls';
      if (tree === state.tree) return;
      state.tree = tree;
      state.dir = tree === 'inverted' ? 'icicle' : 'flame';
      state.focus = current();
      state.selected = null;
      pressed('button[data-tree]', state.tree, 'tree');
      pressed('button[data-dir]', state.dir, 'dir');
      runSearch();
      render();
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
    state.focus = current();
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
  calls.each((n) => {
    present.add(lib.paletteKind(n.data));
  });
  for (const { kind, label } of lib.legend) {
    if (!present.has(kind)) continue;
    const item = el('span');
    const sw = el('span', 'sw');
    sw.style.background = lib.colorFor(kind, label);
    item.append(sw, doc.createTextNode(label));
    legend.append(item);
  }
  const swMatch = el('span');
  const sw = el('span', 'sw');
  sw.style.background = lib.matchColor;
  swMatch.append(sw, doc.createTextNode('search match'));
  legend.append(swMatch, el('span', 'hint', 'Click: zoom · Esc: reset · /: search'));

  // ------------------------------------------------------------ panels
  // Top faulting instructions.
  const sitesBox = byId('sites');
  const eventTotal = (e: string): number => callRoot.byEvent[e] ?? 0;
  // One row per instruction, one count column per event (the same fault is
  // often counted by a tracepoint and by the software event).
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
    let target: H | null = null;
    calls.each((n) => {
      if (target === null && n.data.site !== undefined && n.data.site.address === s.address && n.data.site.dso === s.dso) target = n;
    });
    if (state.tree !== 'calls') doc.querySelector<HTMLButtonElement>('button[data-tree="calls"]')?.click();
    const found = target as H | null;
    if (found !== null) searchFor(found.data.name);
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
      const fn = el('span', 'mono', siteWhere(s));
      return [String(i + 1), instr, fn, s.source === undefined ? '' : basename(s.source), dso, ...siteEvents.map((e) => {
        const c = r.counts.get(e);
        return c === undefined ? '—' : `${fmt(c)} · ${pct(c, eventTotal(e))}`;
      })];
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
    const headline = byId('headline');
    const where = [s.source === undefined ? '' : basename(s.source), basename(s.dso)].filter((x) => x !== '').join(', ');
    headline.append(
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
  const classes = Object.entries(report.classes ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0).sort((a, b) => b[1] - a[1]);
  if (classes.length === 0) {
    classesBox.append(el('p', 'muted', 'No fault classes in this report (they need exceptions:page_fault_* tracepoints with error codes).'));
  } else {
    const classTotal = classes.reduce((s, [, v]) => s + v, 0);
    const max = classes[0]![1];
    for (const [c, v] of classes) {
      const row = el('div', 'bar-row');
      const track = el('div', 'bar-track');
      const bar = el('div', 'bar');
      bar.style.width = `${(100 * v) / max}%`;
      bar.style.background = classColor(c);
      track.append(bar);
      row.append(el('span', '', c), track, el('span', 'num', `${fmt(v)} · ${pct(v, classTotal)}`));
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
    for (const bins of perClass.values()) for (const v of bins) peak = Math.max(peak, v);
    const seconds = (s: number): string => (s >= 1 ? `${s.toFixed(2)} s` : s >= 1e-3 ? `${(s * 1e3).toFixed(1)} ms` : `${(s * 1e6).toFixed(0)} µs`);
    const ordered = [...perClass.entries()].sort((a, b) => b[1].reduce((x, y) => x + y, 0) - a[1].reduce((x, y) => x + y, 0));
    for (const [c, bins] of ordered) {
      const chart = el('div', 'chart');
      const label = el('div', 'label');
      const sum = bins.reduce((x, y) => x + y, 0);
      label.append(el('b', '', c), el('span', '', `${fmt(sum)} · peak ${fmt(Math.max(...bins))} per ${seconds(span / BINS)}`));
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
      bins.forEach((v, i) => {
        if (v <= 0) return;
        const bh = Math.max(1.5, ((h - 4) * v) / (peak || 1));
        c2.fillRect(i * bw + 0.5, h - bh, Math.max(1, bw - 1), bh);
      });
    }
    const axis = el('div', 'axis');
    axis.append(el('span', '', `${t0.toFixed(6)} s (perf clock)`), el('span', '', `+${seconds(span)}`));
    timelineBox.append(axis);
  }

  // Protection sites: drawn from whatever shape the protection stage gives.
  const protBox = byId('protection');
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    if (typeof v === 'number') return fmt(v);
    if (typeof v === 'string') return v;
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    if (Array.isArray(v)) return v.map(cell).join(', ');
    if (typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o['symbol'] === 'string') {
        const off = typeof o['offset'] === 'number' && o['offset'] >= 0 ? `+0x${o['offset'].toString(16)}` : '';
        const instr = typeof o['instruction'] === 'string' ? ` ${o['instruction']}` : '';
        return `${o['symbol']}${off}${instr}`;
      }
      return Object.entries(o)
        .map(([k, x]) => `${k}: ${cell(x)}`)
        .join(', ');
    }
    return String(v);
  };
  const prot = report.protection;
  if (prot === undefined || prot === null) {
    protBox.append(el('p', 'muted', 'No protection timeline in this report (it needs syscalls:sys_enter_mprotect in the trace).'));
  } else if (typeof prot === 'object' && !Array.isArray(prot)) {
    const o = prot as Record<string, unknown>;
    const sites = Array.isArray(o['sites']) ? (o['sites'] as unknown[]) : [];
    const rows = sites.filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null);
    if (rows.length > 0) {
      const columns: string[] = [];
      for (const r of rows) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
      const numeric = columns.map((k) => rows.every((r) => r[k] === undefined || typeof r[k] === 'number'));
      protBox.append(table(columns, numeric, rows.map((r) => columns.map((k) => cell(r[k])))));
    } else {
      protBox.append(el('p', 'muted', 'No protection sites.'));
    }
    const rest = Object.entries(o).filter(([k]) => k !== 'sites');
    if (rest.length > 0) protBox.append(kv(rest.map(([k, v]) => [k, cell(v)])));
  } else {
    protBox.append(el('pre', 'mono', JSON.stringify(prot, null, 2)));
  }

  // What the report is built from.
  const inputsBox = byId('inputs');
  inputsBox.append(
    table(
      ['input', 'format', 'lines', 'records'],
      [false, false, true, true],
      report.inputs.map((i) => [i.name, i.format, fmt(i.lines), fmt(i.records)]),
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
  const sel = report.selection;
  const counts: [string, string][] = [];
  if (sel !== undefined) {
    counts.push(['selected records read', fmt(sel.read)], ['kept by the filters', fmt(sel.kept)], ['filtered out', fmt(sel.filteredOut)]);
  }
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
    boxes: () => boxes.map((b) => ({ name: b.node === null ? `${b.merged.length} frames` : b.node.data.name, kind: b.node?.data.kind ?? 'merged', x: b.x, y: b.y, w: b.w, h: ROW - 1, merged: b.merged.length, ancestor: b.ancestor })),
  };

  // ------------------------------------------------------------ first paint
  pressed('button[data-tree]', state.tree, 'tree');
  pressed('button[data-dir]', state.dir, 'dir');
  render();
  doc.body.dataset['readyMs'] = (win.performance.now() - started).toFixed(1);
  doc.body.dataset['ready'] = '1';
}
