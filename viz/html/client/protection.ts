// Protection sites: the known fields of ProtectionSiteView get their own
// columns; fields this page does not know are still shown, as text.
import type { ProtectionSiteView, Report } from '../../../src/model.js';
import { byId, el, kv, table } from './dom.js';
import { basename, fmt, seconds, siteWhere } from './format.js';

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

const sumOf = (r: unknown): number =>
  r !== null && typeof r === 'object' ? Object.values(r as Record<string, unknown>).reduce<number>((s, c) => s + (typeof c === 'number' ? c : 0), 0) : typeof r === 'number' ? r : 0;

type Site = Record<string, unknown>;

// Known columns, in reading order: [heading, numeric, how to show a site, the fields it shows].
const KNOWN: [string, boolean, (s: Site) => string | HTMLElement, string[]][] = [
  [
    'protection site',
    false,
    (s) => {
      const box = el('div');
      const head = el('div', 'mono', typeof s['symbol'] === 'string' ? siteWhere({ symbol: s['symbol'], offset: typeof s['offset'] === 'number' ? s['offset'] : null }) : cell(s['site']));
      if (s['inferred'] === true) head.append(el('span', 'badge', 'inferred'));
      box.append(head);
      const sub = [s['instruction'], s['source'] === null || s['source'] === undefined ? undefined : basename(String(s['source'])), typeof s['dso'] === 'string' ? basename(s['dso']) : undefined].filter(
        (x) => typeof x === 'string' && x !== '',
      );
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
  [
    "fault to handler's call",
    false,
    (s) => {
      const h = s['handlerTime'] as { cycles?: unknown; total?: unknown; max?: unknown } | undefined;
      if (h === undefined || typeof h.cycles !== 'number' || typeof h.total !== 'number' || typeof h.max !== 'number' || h.cycles <= 0) return '';
      const span = el('span', 'nowrap', `${seconds(h.total / h.cycles)} avg · ${seconds(h.max)} max`);
      span.setAttribute('title', `from the fault to the handler's protection call, over ${fmt(h.cycles)} retry cycles`);
      return span;
    },
    ['handlerTime'],
  ],
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
  [
    'TLB flushes',
    true,
    (s) => {
      const n = sumOf(s['tlbFlushes']);
      const causes = countsText(s['tlbFlushCauses']);
      if (n === 0 || causes === '') return n > 0 ? fmt(n) : '0';
      const span = el('span', 'nowrap', fmt(n));
      span.setAttribute('title', `where they ran: ${causes}`);
      return span;
    },
    ['tlbFlushes', 'tlbFlushCauses'],
  ],
  [
    'faulting instructions',
    false,
    (s) => {
      const list = Array.isArray(s['instructions']) ? (s['instructions'] as Site[]) : [];
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

const REST_LABELS: Record<string, string> = {
  uncoveredFaults: 'faults on pages no recorded mmap/mprotect call set up',
  noAddressFaults: 'of them, faults with no data address',
  unattributedFlushes: 'TLB flushes charged to no site',
  tlbFlushCauses: 'TLB flushes, by where they ran',
  unplaced: 'mappings whose address stayed unknown',
  unresolvedThreads: 'threads not tied to a process',
};

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
  const used = new Set(KNOWN.flatMap(([, , , keys]) => keys));
  const columns = KNOWN.filter(([, , , keys]) => sites.some((s) => keys.some((k) => k in s)));
  const extra: string[] = [];
  for (const s of sites) for (const k of Object.keys(s)) if (!used.has(k) && !extra.includes(k)) extra.push(k);
  if (sites.length > 0) {
    const head = [...columns.map(([h]) => h), ...extra];
    const numeric = [...columns.map(([, num]) => num), ...extra.map((k) => sites.every((s) => typeof s[k] === 'number' || s[k] === undefined))];
    const tbl = table(head, numeric, sites.map((s) => [...columns.map(([, , cellOf]) => cellOf(s)), ...extra.map((k) => cell(s[k]))]));
    Array.from(tbl.tBodies[0]!.rows).forEach((tr, i) => {
      const site = sites[i] as unknown as ProtectionSiteView;
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
  const rest = Object.entries(section).filter(([k]) => k !== 'sites' && k !== 'notes');
  if (rest.length > 0) box.append(kv(rest.map(([k, x]) => [REST_LABELS[k] ?? k, typeof x === 'object' && x !== null && !Array.isArray(x) ? countsText(x) || '0' : cell(x)])));
  const notes = Array.isArray(section['notes']) ? (section['notes'] as unknown[]) : [];
  if (notes.length > 0) {
    const ul = el('ul', 'plain');
    for (const n of notes) ul.append(el('li', 'muted', cell(n)));
    box.append(ul);
  }
}
