// The address-space strip: per process, its faulting regions in address order,
// each as wide as the log of its size (a 4 KB guard page stays visible beside
// a 1 GB arena), gaps between them drawn as a fixed notch, shaded by faults.
// A region is a button: clicking it (or its table row) picks it.
import { regionGroupName, type RegionView } from '../../../src/model.js';
import { pidLabel } from '../../../src/process-life.js';
import { el } from './dom.js';
import { fmt } from './format.js';

const PAGE = 4096;

/** The --group-by region root name of a region, and its name in the slices. */
export const regionGroup = (x: RegionView): string => regionGroupName(x);

const addr = (h: string): number => Number.parseInt(h.slice(2), 16);

/** 0..1 by log of faults against the busiest region. */
const heat = (n: number, max: number): number => (max <= 1 ? 1 : Math.log1p(n) / Math.log1p(max));

/** Light to dark orange-red (the fault palette's hue). */
const shade = (t: number): string => `hsl(${Math.round(38 - 32 * t)}, 90%, ${Math.round(86 - 44 * t)}%)`;

export function addressStrips(regions: readonly RegionView[], pick: (x: RegionView) => void): HTMLElement {
  const box = el('div', 'strips');
  // per process: a reused pid's processes (life) are each their own row
  const byProcess = new Map<string, RegionView[]>();
  for (const r of regions) {
    const key = `${r.pid}/${r.life ?? 0}`;
    const list = byProcess.get(key) ?? [];
    list.push(r);
    byProcess.set(key, list);
  }
  const max = Math.max(1, ...regions.map((r) => r.faults));
  for (const list of [...byProcess.values()].sort((a, b) => a[0]!.pid - b[0]!.pid || (a[0]!.life ?? 0) - (b[0]!.life ?? 0))) {
    list.sort((a, b) => addr(a.start) - addr(b.start));
    const who = pidLabel(list[0]!.pid, list[0]!.life);
    const row = el('div', 'strip-row');
    row.append(el('div', 'strip-pid mono', who));
    const strip = el('div', 'strip');
    strip.setAttribute('role', 'group');
    strip.setAttribute('aria-label', `Address space of ${who}, low to high`);
    let prevEnd = NaN;
    for (const r of list) {
      const start = addr(r.start);
      if (!Number.isNaN(prevEnd) && start > prevEnd) {
        const gap = el('span', 'strip-gap');
        gap.title = `${fmt(Math.round((start - prevEnd) / PAGE))} pages unmapped or without faults`;
        strip.append(gap);
      }
      prevEnd = Math.max(prevEnd || 0, addr(r.end));
      const pages = Math.max(1, (addr(r.end) - start) / PAGE);
      const b = el('button', 'strip-region');
      b.type = 'button';
      b.style.flexGrow = String(1 + Math.log2(pages));
      b.style.background = shade(heat(r.faults, max));
      const label = `${r.name} ${r.start}–${r.end} (${r.kind}): ${fmt(r.faults)} faults on ${fmt(r.pages)} pages`;
      b.title = label;
      b.setAttribute('aria-label', label);
      b.dataset['group'] = regionGroup(r);
      b.addEventListener('click', () => pick(r));
      strip.append(b);
    }
    row.append(strip);
    const ends = el('div', 'strip-ends meta');
    ends.append(el('span', '', list[0]!.start), el('span', '', list[list.length - 1]!.end));
    row.append(el('span'), ends);
    box.append(row);
  }
  box.append(el('p', 'meta', 'Each faulting region in address order, as wide as the log of its size; darker means more faults. Click a region to show only its faults in the flame graph.'));
  return box;
}

/** The pages of a region that faulted more than once, each shaded by its faults against `max` (the busiest page of the report). */
export function pageHeat(x: RegionView, max: number): HTMLElement {
  const box = el('div', 'page-heat');
  const hot = x.hotPages.filter((p) => p.faults > 1);
  if (hot.length === 0 && x.pages > 0) box.append(el('span', 'muted', 'each page once'));
  for (const p of hot) {
    const cell = el('span', 'heat-cell mono', `${p.page} ×${fmt(p.faults)}`);
    cell.style.background = `hsl(18, 90%, ${Math.round(92 - 30 * heat(p.faults, max))}%)`;
    cell.title = `page ${p.page}: ${fmt(p.faults)} faults`;
    box.append(cell);
  }
  return box;
}

/** The most faults any one page of these regions took. */
export const hottestPage = (regions: readonly RegionView[]): number => Math.max(1, ...regions.flatMap((r) => r.hotPages.map((p) => p.faults)));
