// Faults over time: one row per fault class on one shared time axis with
// ticks, a row of markers for the protection changes (Report.slices.changes),
// a readout of the values under the pointer, and a drag that picks a time
// window (the page then cuts the flame graph and the tables to it).
import type { Report, SliceIndex } from '../../../src/model.js';
import { classColor, classMeaning } from '../../classes.js';
import { byId, el } from './dom.js';
import { fmt, seconds } from './format.js';

type PageReport = Omit<Report, 'tree'>;

const BINS = 100;
const ROW_H = 30;
const MARK_H = 14;
const AXIS_H = 18;
const CALL_COLORS: Record<string, string> = { mprotect: '#7a1f8a', pkey_mprotect: '#7a1f8a', mmap: '#1f5fa8', mremap: '#1f5fa8', munmap: '#6b7280' };


/** Ticks at 1, 2 or 5 × a power of ten, about `n` of them over [0, span). */
export function ticks(span: number, n = 6): number[] {
  if (!(span > 0)) return [0];
  const raw = span / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let t = 0; t <= span + step * 1e-9; t += step) out.push(Math.round(t / step) * step);
  return out;
}

export interface Timeline {
  /** Shows `w` as the picked window (null: none). */
  setWindow(w: [number, number] | null): void;
  /** The chart's left edge, seconds: times are shown from it. */
  origin(): number;
}

/** Draws the chart into #timeline; `pick` receives a dragged window (seconds), or null when cleared. */
export function showTimeline(report: PageReport, slices: SliceIndex | undefined, span: [number, number] | null, pick: (w: [number, number] | null) => void): Timeline {
  const box = byId('timeline');
  const timeline = report.timeline ?? [];
  if (timeline.length === 0) {
    box.append(el('p', 'muted', 'No timeline in this report.'));
    return { setWindow: () => undefined, origin: () => span?.[0] ?? 0 };
  }
  // The range: the timeline's bins (each starts at its time; the last one's width is the smallest gap) and the cells' quanta.
  const times = [...new Set(timeline.map((p) => p.time))].sort((a, b) => a - b);
  let gap = Infinity;
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, times[i]! - times[i - 1]!);
  let t0 = times[0]!;
  let t1 = times[times.length - 1]! + (Number.isFinite(gap) ? gap : (slices?.quantum ?? 1e-3));
  if (span !== null) {
    t0 = Math.min(t0, span[0]);
    t1 = Math.max(t1, span[1]);
  }
  const width = t1 - t0 || 1e-6;
  const binOf = (t: number): number => Math.max(0, Math.min(BINS - 1, Math.floor(((t - t0) / width) * BINS)));
  const perClass = new Map<string, Float64Array>();
  for (const p of timeline) {
    let bins = perClass.get(p.class);
    if (bins === undefined) perClass.set(p.class, (bins = new Float64Array(BINS)));
    bins[binOf(p.time)]! += p.value;
  }
  const sum = (xs: Float64Array): number => xs.reduce((a, b) => a + b, 0);
  const rows = [...perClass.entries()].sort((a, b) => sum(b[1]) - sum(a[1]));
  let peak = 1;
  for (const [, bins] of rows) for (const v of bins) peak = Math.max(peak, v);
  const changes = (slices?.changes ?? []).map((c) => ({ ...c, time: slices!.start + c.q * slices!.quantum }));
  const marksIn = (bin: number): typeof changes => changes.filter((c) => binOf(c.time) === bin);

  const legend = el('div', 'tl-legend');
  for (const [c, bins] of rows) {
    const item = el('span');
    item.title = classMeaning(c);
    const sw = el('span', 'sw');
    sw.style.background = classColor(c);
    item.append(sw, el('b', '', c), el('span', 'muted', ` ${fmt(sum(bins))}`));
    legend.append(item);
  }
  if (changes.length > 0) legend.append(el('span', 'muted', '▮ protection changes (mprotect, mmap, munmap)'));
  const cv = el('canvas', 'tl-canvas');
  cv.tabIndex = 0;
  cv.setAttribute('role', 'img');
  cv.setAttribute('aria-label', `Faults over time by class, ${seconds(width)} from ${t0.toFixed(6)} s; drag to pick a time window, or ← → to read the bins and Shift+← → to pick one`);
  cv.setAttribute('aria-keyshortcuts', 'ArrowLeft ArrowRight Shift+ArrowLeft Shift+ArrowRight Escape');
  const readout = el('p', 'meta tl-readout');
  readout.setAttribute('role', 'status');
  const clear = el('button', '', 'Whole trace');
  clear.type = 'button';
  clear.hidden = true;
  const bar = el('div', 'tl-bar');
  bar.append(readout, clear);
  box.append(legend, cv, bar, el('p', 'meta', `Times from ${t0.toFixed(6)} s (perf's clock). Drag across the chart (or Shift+← → on it) to show only the faults of that window in the flame graph and the tables.`));

  const height = rows.length * ROW_H + MARK_H + AXIS_H;
  let picked: [number, number] | null = null;
  let drag: [number, number] | null = null;
  let hover = -1;
  const xOf = (t: number, w: number): number => ((t - t0) / width) * w;
  const tOf = (x: number, w: number): number => t0 + (Math.max(0, Math.min(w, x)) / w) * width;

  const draw = (): void => {
    const w = Math.max(200, cv.clientWidth || box.clientWidth);
    const dpr = window.devicePixelRatio || 1;
    cv.width = Math.round(w * dpr);
    cv.height = Math.round(height * dpr);
    cv.style.height = `${height}px`;
    const c = cv.getContext('2d')!;
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    c.clearRect(0, 0, w, height);
    const bw = w / BINS;
    rows.forEach(([cls, bins], r) => {
      const y = MARK_H + r * ROW_H;
      c.fillStyle = '#fafafa';
      c.fillRect(0, y, w, ROW_H - 2);
      c.fillStyle = classColor(cls);
      bins.forEach((n, i) => {
        if (n <= 0) return;
        const bh = Math.max(1.5, ((ROW_H - 4) * n) / peak);
        c.fillRect(i * bw + 0.5, y + ROW_H - 2 - bh, Math.max(1, bw - 1), bh);
      });
    });
    for (const m of changes) {
      c.fillStyle = CALL_COLORS[m.call] ?? '#444';
      c.fillRect(Math.min(w - 2, xOf(m.time, w)), 2, 2, MARK_H - 4);
    }
    const axisY = MARK_H + rows.length * ROW_H;
    c.fillStyle = '#5f6470';
    c.strokeStyle = '#c9ccd3';
    c.font = '11px system-ui, sans-serif';
    c.textBaseline = 'top';
    c.beginPath();
    c.moveTo(0, axisY + 0.5);
    c.lineTo(w, axisY + 0.5);
    for (const t of ticks(width)) {
      const x = Math.round(xOf(t0 + t, w)) + 0.5;
      c.moveTo(x, MARK_H);
      c.lineTo(x, axisY + 4);
      const label = `${t === 0 ? '0' : seconds(t)}`;
      const tw = c.measureText(label).width;
      c.fillText(label, Math.max(0, Math.min(w - tw, x - tw / 2)), axisY + 5);
    }
    c.stroke();
    const sel = drag ?? picked;
    if (sel !== null) {
      const a = xOf(Math.min(sel[0], sel[1]), w);
      const b = xOf(Math.max(sel[0], sel[1]), w);
      c.fillStyle = 'rgba(31, 95, 168, 0.18)';
      c.fillRect(a, 0, Math.max(1, b - a), axisY);
      c.fillStyle = '#1f5fa8';
      c.fillRect(a, 0, 1, axisY);
      c.fillRect(b - 1, 0, 1, axisY);
    }
    if (hover >= 0) {
      c.fillStyle = 'rgba(0,0,0,0.08)';
      c.fillRect(hover * bw, 0, bw, axisY);
    }
    cv.dataset['bins'] = String(BINS);
    cv.dataset['from'] = String(t0);
    cv.dataset['to'] = String(t1);
  };
  const describeBin = (bin: number): string => {
    const from = t0 + (bin * width) / BINS;
    const parts = rows.filter(([, bins]) => bins[bin]! > 0).map(([cls, bins]) => `${fmt(bins[bin]!)} ${cls}`);
    const marks = marksIn(bin);
    const calls = new Map<string, number>();
    for (const m of marks) calls.set(`${m.call} ${m.prot} at ${m.site}`, (calls.get(`${m.call} ${m.prot} at ${m.site}`) ?? 0) + m.calls);
    const changeText = [...calls].slice(0, 3).map(([k, n]) => `${k} ×${fmt(n)}`);
    if (calls.size > 3) changeText.push(`${calls.size - 3} more sites`);
    return `${seconds(from - t0)}–${seconds(from - t0 + width / BINS)}: ${parts.length > 0 ? parts.join(', ') : 'no faults'}${changeText.length > 0 ? `; ${changeText.join('; ')}` : ''}`;
  };
  const local = (ev: PointerEvent | MouseEvent): number => ev.clientX - cv.getBoundingClientRect().left;
  cv.addEventListener('pointermove', (ev) => {
    const w = cv.clientWidth;
    const x = local(ev);
    if (drag !== null) drag = [drag[0], tOf(x, w)];
    hover = Math.max(0, Math.min(BINS - 1, Math.floor((x / w) * BINS)));
    readout.textContent = describeBin(hover);
    draw();
  });
  cv.addEventListener('pointerleave', () => {
    hover = -1;
    if (drag === null) draw();
  });
  cv.addEventListener('pointerdown', (ev) => {
    drag = [tOf(local(ev), cv.clientWidth), tOf(local(ev), cv.clientWidth)];
    cv.setPointerCapture(ev.pointerId);
  });
  cv.addEventListener('pointerup', (ev) => {
    if (drag === null) return;
    const w = cv.clientWidth;
    const [a, b] = [Math.min(drag[0], tOf(local(ev), w)), Math.max(drag[0], tOf(local(ev), w))];
    drag = null;
    // a click (under 3 px) is not a window
    if (xOf(b, w) - xOf(a, w) < 3) {
      draw();
      return;
    }
    set([a, b]);
    pick(picked);
  });
  clear.addEventListener('click', () => {
    set(null);
    pick(null);
  });
  // The keyboard: ← → move over the bins (the readout says each), Shift widens a window from where it began, as a drag would; Esc clears it.
  let anchor = -1;
  cv.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && picked !== null) {
      ev.stopPropagation();
      anchor = -1;
      set(null);
      pick(null);
      return;
    }
    const step = ev.key === 'ArrowRight' ? 1 : ev.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    ev.preventDefault();
    const from = hover < 0 ? (step > 0 ? -1 : BINS) : hover;
    if (ev.shiftKey && anchor < 0) anchor = Math.max(0, Math.min(BINS - 1, from));
    if (!ev.shiftKey) anchor = -1;
    hover = Math.max(0, Math.min(BINS - 1, from + step));
    readout.textContent = describeBin(hover);
    if (anchor < 0) {
      draw();
      return;
    }
    const [a, b] = [Math.min(anchor, hover), Math.max(anchor, hover) + 1];
    set([t0 + (a * width) / BINS, t0 + (b * width) / BINS]);
    pick(picked);
    readout.textContent = `${readout.textContent} · ${describeBin(hover)}`;
  });
  cv.addEventListener('blur', () => {
    hover = -1;
    anchor = -1;
    draw();
  });
  const set = (w: [number, number] | null): void => {
    picked = w;
    clear.hidden = w === null;
    if (w !== null) readout.textContent = `Window ${seconds(w[0] - t0)}–${seconds(w[1] - t0)} (${seconds(w[1] - w[0])})`;
    draw();
  };
  draw();
  let resize = 0;
  window.addEventListener('resize', () => {
    window.clearTimeout(resize);
    resize = window.setTimeout(draw, 100);
  });
  return { setWindow: set, origin: () => t0 };
}
