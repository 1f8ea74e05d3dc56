// The flame graph on a canvas: the focused node spans the width, its
// ancestors are full-width bars, and a run of siblings narrower than MIN_PX
// is one merged box (viz/layout.ts's rule).
import { colorFor, inkFor, MATCH_COLOR } from '../../colors.js';
import { frameLabel } from '../../labels.js';
import { MIN_PX, ROW, type Box, type State } from './view.js';

const FONT = '12px system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, sans-serif';

export interface Flame {
  draw(): void;
  /** The box under the pointer, if any. */
  boxAt(ev: MouseEvent): Box | null;
  /** The boxes of the last drawing. */
  boxes(): readonly Box[];
  /** The width the graph is drawn at, px. */
  width(): number;
  /** Rows a drawing of the current view uses (the deepest drawn frame's depth + 1), without drawing. */
  rows(): number;
}

/** A box before the canvas height, and so its y, is known. */
type Laid = Omit<Box, 'y'> & { readonly depth: number };

export function flameGraph(canvas: HTMLCanvasElement, scroller: HTMLElement, state: State): Flame {
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
      c = colorFor(palette, name);
      if (colors.size > 50000) colors.clear();
      colors.set(key, c);
    }
    return c;
  };
  const mergedColor = colorFor('merged', '');

  // The boxes of the current view at `width` px, before the canvas height (and so y) is known.
  const layOut = (width: number): { laid: Laid[]; rows: number } => {
    const v = state.view;
    const f = state.focus;
    const fx0 = v.x0(f);
    const k = width / (v.x1(f) - fx0 || 1);
    // Lay out first: the canvas is as tall as the rows drawn, not the tree's depth
    // (a deep chain of narrow frames is one merged box).
    const laid: Laid[] = [];
    let deepest = 0;
    const lay = (b: Laid): void => {
      laid.push(b);
      if (b.depth > deepest) deepest = b.depth;
    };
    for (let a = v.parent(f); a >= 0; a = v.parent(a)) lay({ x: 0, depth: v.depth(a), w: width, node: a, merged: [], parent: v.parent(a), ancestor: true });
    const stack: number[] = [f];
    while (stack.length > 0) {
      const n = stack.pop()!;
      lay({ x: (v.x0(n) - fx0) * k, depth: v.depth(n), w: (v.x1(n) - v.x0(n)) * k, node: n, merged: [], parent: v.parent(n), ancestor: false });
      const kids = v.kids(n);
      const wide: number[] = [];
      for (let i = 0; i < kids.length; ) {
        const c = kids[i]!;
        // nothing of it under the page's filter (see slicer.ts)
        if (v.x1(c) <= v.x0(c)) {
          i++;
          continue;
        }
        if ((v.x1(c) - v.x0(c)) * k >= MIN_PX) {
          wide.push(c);
          i++;
          continue;
        }
        // A run of narrow siblings: one box for all of them.
        let j = i;
        while (j < kids.length && v.x1(kids[j]!) > v.x0(kids[j]!) && (v.x1(kids[j]!) - v.x0(kids[j]!)) * k < MIN_PX) j++;
        const x = (v.x0(c) - fx0) * k;
        const w = (v.x1(kids[j - 1]!) - v.x0(c)) * k;
        const run: number[] = [];
        for (let r = i; r < j; r++) run.push(kids[r]!);
        if (run.length === 1) lay({ x, depth: v.depth(c), w, node: c, merged: [], parent: n, ancestor: false });
        else lay({ x, depth: v.depth(c), w, node: -1, merged: run, parent: n, ancestor: false });
        i = j;
      }
      for (let r = wide.length - 1; r >= 0; r--) stack.push(wide[r]!);
    }
    return { laid, rows: deepest + 1 };
  };

  const draw = (): void => {
    const v = state.view;
    const f = state.focus;
    const width = graphWidth();
    const { laid, rows } = layOut(width);
    // Fill the scroller: a flame stands on its bottom edge, an icicle hangs from the top.
    const height = Math.max(rows * ROW, scroller.clientHeight);
    canvas.style.height = `${height}px`;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    const yOf = (depth: number): number => (state.dir === 'flame' ? height - (depth + 1) * ROW : depth * ROW);
    canvasHeight = height;
    boxes = [];
    rowsOf = Array.from({ length: rows }, () => []);
    const put = (b: Box): void => {
      boxes.push(b);
      rowsOf[depthAt(b.y + 1)]?.push(b);
      const n = b.node;
      const hit = n >= 0 && v.hit(n);
      const fill = hit ? MATCH_COLOR : n < 0 ? mergedColor : colorOf(v.palette(n), v.name(n));
      ctx.globalAlpha = b.ancestor ? 0.55 : 1;
      ctx.fillStyle = fill;
      const gap = b.w >= 3 ? 1 : 0;
      ctx.fillRect(b.x, b.y, Math.max(b.w - gap, 0.6), ROW - 1);
      // Merged frames that hide a match: a magenta bar along the bottom.
      if (n < 0 && b.merged.some((m) => v.below(m))) {
        ctx.fillStyle = MATCH_COLOR;
        ctx.fillRect(b.x, b.y + ROW - 5, Math.max(b.w - gap, 0.6), 4);
      }
      if (b.w >= 20) {
        const label = fit(n < 0 ? `${b.merged.length} frames` : frameLabel(v.palette(n), v.name(n)), b.w - 8);
        if (label !== '') {
          ctx.fillStyle = inkFor(fill);
          ctx.fillText(label, b.x + 4, b.y + ROW / 2);
        }
      }
      ctx.globalAlpha = 1;
    };
    for (const { depth, ...b } of laid) put({ ...b, y: yOf(depth) });
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

  return { draw, boxAt, boxes: () => boxes, width: graphWidth, rows: () => layOut(graphWidth()).rows };
}
