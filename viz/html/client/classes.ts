// Fault classes as bars, and faults over time: one small chart per class on one shared scale.
import type { FaultClass, Report } from '../../../src/model.js';
import { CLASS_COLORS } from '../../colors.js';
import { byId, el } from './dom.js';
import { fmt, pct, seconds } from './format.js';

// A report read from another faultpath's JSON may name a class this page does not know.
const classColor = (c: string): string => CLASS_COLORS[c as FaultClass] ?? CLASS_COLORS.unknown;

export function showClasses(report: Omit<Report, 'tree'>): void {
  const box = byId('classes');
  const classes = Object.entries(report.classes ?? {})
    .filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0)
    .sort((a, b) => b[1] - a[1]);
  if (classes.length === 0) {
    box.append(el('p', 'muted', 'No fault classes in this report (they need exceptions:page_fault_* tracepoints with error codes).'));
    return;
  }
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
    box.append(row);
  }
}

const BINS = 80;

export function showTimeline(report: Omit<Report, 'tree'>): void {
  const box = byId('timeline');
  const timeline = report.timeline ?? [];
  if (timeline.length === 0) {
    box.append(el('p', 'muted', 'No timeline in this report.'));
    return;
  }
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const p of timeline) {
    if (p.time < t0) t0 = p.time;
    if (p.time > t1) t1 = p.time;
  }
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
    box.append(chart);
    const w = Math.max(100, cv.clientWidth || box.clientWidth);
    const h = 40;
    const dpr = window.devicePixelRatio || 1;
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
  box.append(axis);
}
