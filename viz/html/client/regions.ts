// Memory regions: where the faulting addresses are, the call that mapped each
// region, and how its pages faulted (Report.regions).
import type { Report, RegionView } from '../../../src/model.js';
import { pidLabel } from '../../../src/process-life.js';
import { byId, el, table } from './dom.js';
import { fmt, seconds } from './format.js';
import { addressStrips, hottestPage, pageHeat, regionGroup } from './strip.js';

const SHOWN = 200;

const counts = (r: Partial<Record<string, number>>): string =>
  Object.entries(r)
    .filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${fmt(n)}`)
    .join(', ');

function region(x: RegionView, pick: (x: RegionView) => void): HTMLElement {
  const box = el('div');
  const b = el('button', 'link mono', `${x.name}${x.prot !== '' ? ` ${x.prot}` : ''}`);
  b.type = 'button';
  b.title = 'Show only this region\'s faults in the flame graph';
  b.dataset['group'] = regionGroup(x);
  b.addEventListener('click', () => pick(x));
  box.append(b);
  box.append(el('div', 'meta', `${x.kind} · ${pidLabel(x.pid, x.life)} · ${x.start}–${x.end}`));
  return box;
}

function createdBy(x: RegionView): HTMLElement {
  const box = el('div');
  box.append(el('div', 'mono', `${x.site ?? 'unknown'} (${x.call})`));
  if (x.siteNote !== undefined) box.append(el('div', 'meta', x.siteNote));
  return box;
}

/** `filter` shows only a region's faults in the flame graph (the strip's and the table's clicks); false when the tree cannot. */
export function showRegions(report: Omit<Report, 'tree'>, filter: (x: RegionView) => boolean): void {
  const box = byId('regions');
  const status = el('p', 'meta');
  status.setAttribute('role', 'status');
  const pick = (x: RegionView): void => {
    for (const b of box.querySelectorAll<HTMLElement>('.strip-region')) b.setAttribute('aria-pressed', String(b.dataset['group'] === regionGroup(x)));
    status.textContent = filter(x)
      ? `The flame graph shows the faults in ${regionGroup(x)}.`
      : 'This tree is grouped by call path, so it cannot be cut by region: faultpath report --group-by region puts each region at the root, and a click here then shows only its faults.';
  };
  const r = report.regions;
  if (r === undefined) {
    box.append(el('p', 'muted', 'No fault in this report carries a data address (tracepoint faults do; software events need perf record -d).'));
    return;
  }
  const hottest = hottestPage(r.regions);
  const rows = r.regions.slice(0, SHOWN).map((x) => [
    region(x, pick),
    createdBy(x),
    fmt(x.faults),
    fmt(x.major),
    fmt(x.pages),
    fmt(x.repeatPages),
    counts(x.classes),
    pageHeat(x, hottest),
    x.firstFault <= x.lastFault ? `${seconds(x.lastFault - x.firstFault)} from ${x.firstFault.toFixed(6)} s` : '',
  ]);
  if (rows.length > 0) {
    box.append(addressStrips(r.regions.slice(0, SHOWN), pick), status);
    box.append(table(['region', 'created by', 'faults', 'major', 'pages', 'faulting again', 'fault classes', 'pages faulting again', 'faults over'], [false, false, true, true, true, true, false, false, false], rows));
  }
  const notes = el('ul', 'plain');
  if (r.regions.length > SHOWN) notes.append(el('li', 'muted', `… ${r.regions.length - SHOWN} more regions (the JSON report has them all)`));
  for (const o of r.outsideRegions.reasons) notes.append(el('li', '', `${fmt(o.faults)} faults outside every known region: ${o.text}.`));
  if (r.unaddressed > 0) notes.append(el('li', 'muted', `${fmt(r.unaddressed)} faults have no data address.`));
  if (r.majorJoin !== undefined) notes.append(el('li', 'muted', `major/minor: ${fmt(r.majorJoin.matched)} samples joined to their tracepoint faults, ${fmt(r.majorJoin.unmatched)} not.`));
  notes.append(el('li', 'muted', `${fmt(r.regions.length)} of ${fmt(r.mapped)} mappings had faults.`));
  box.append(notes);
}
