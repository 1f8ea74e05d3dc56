// Protection sites: the table of protection-columns.ts (the same columns the
// page without script writes), each row with faults a link to them.
import type { ProtectionSiteView, Report } from '../../../src/model.js';
import { byId, el, kv, table } from './dom.js';
import { cellText, protectionColumns, protectionRest, type Cell, type Line, type Site } from './protection-columns.js';

const line = (l: Line, tag: 'div' | 'span'): HTMLElement => {
  const e = el(tag, l.cls, l.text);
  if (l.title !== undefined && l.title !== '') e.setAttribute('title', l.title);
  if (l.badge !== undefined) e.append(el('span', 'badge', l.badge));
  return e;
};
const draw = (c: Cell): string | HTMLElement => {
  if (typeof c === 'string') return c;
  if (c.inline === true) return line(c.lines[0]!, 'span');
  const box = el('div');
  for (const l of c.lines) box.append(line(l, 'div'));
  if (c.title !== undefined) box.setAttribute('title', c.title);
  return box;
};

/** Marks the row of the protection site of this name (aria-current), and only it; returns the row, if the table has one. */
export function markRow(name: string): HTMLTableRowElement | null {
  let found: HTMLTableRowElement | null = null;
  for (const tr of Array.from(byId('protection').querySelectorAll<HTMLTableRowElement>('tbody tr'))) {
    if (tr.dataset['site'] === name) {
      tr.setAttribute('aria-current', 'true');
      found = tr;
    } else {
      tr.removeAttribute('aria-current');
    }
  }
  return found;
}

/** `show` is called with a row's site when it is clicked (or Enter is pressed on it); only sites with faults have one. */
export function showProtection(report: Omit<Report, 'tree'>, show: (site: ProtectionSiteView) => void): void {
  const box = byId('protection');
  const prot = report.protection as unknown;
  if (prot === undefined || prot === null) {
    box.append(el('p', 'muted', 'No protection timeline in this report (it needs mprotect syscalls in the trace).'));
    return;
  }
  if (typeof prot !== 'object' || Array.isArray(prot)) {
    box.append(el('pre', 'mono', JSON.stringify(prot, null, 2)));
    return;
  }
  const section = prot as Record<string, unknown>;
  const sites = (Array.isArray(section['sites']) ? (section['sites'] as unknown[]) : []).filter((s): s is Site => typeof s === 'object' && s !== null);
  if (sites.length > 0) {
    const columns = protectionColumns(sites);
    const tbl = table(
      columns.map((c) => c.heading),
      columns.map((c) => c.numeric),
      sites.map((s) => columns.map((c) => draw(c.cell(s)))),
    );
    Array.from(tbl.tBodies[0]!.rows).forEach((tr, i) => {
      const site = sites[i] as unknown as ProtectionSiteView;
      tr.dataset['site'] = String(site.site);
      if (!(typeof site.faults === 'number' && site.faults > 0 && Array.isArray(site.instructions))) return;
      tr.className = 'clickable';
      tr.tabIndex = 0;
      tr.setAttribute('title', 'Show its faults in the flame graph');
      tr.addEventListener('click', () => show(site));
      tr.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') show(site);
      });
    });
    box.append(tbl);
  } else {
    box.append(el('p', 'muted', 'No protection sites.'));
  }
  const rest = protectionRest(section);
  if (rest.length > 0) box.append(kv(rest));
  const notes = Array.isArray(section['notes']) ? (section['notes'] as unknown[]) : [];
  if (notes.length > 0) {
    const ul = el('ul', 'plain');
    for (const n of notes) ul.append(el('li', 'muted', cellText(n)));
    box.append(ul);
  }
}
