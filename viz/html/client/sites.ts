// Top faulting instructions: one row per instruction, one count column per
// event (a tracepoint and the software event often count the same faults),
// counts first so a phone shows them. Columns sort on a click; a row's click
// calls `show`; why instructions stayed unresolved is said once per dso, under
// the table. Long tables grow in chunks, so "Show all" never blocks the page.
import type { FaultSite, Report } from '../../../src/model.js';
import type { CallTree } from './calls.js';
import { byId, el, text } from './dom.js';
import { basename, fmt, pct, siteWhere } from './format.js';

type PageReport = Omit<Report, 'tree'>;

interface SiteRow {
  readonly site: FaultSite;
  readonly counts: Map<string, number>;
  max: number;
  rank: number;
}

const FIRST_ROWS = 15;
const CHUNK = 400;

interface Column {
  readonly head: string;
  readonly numeric: boolean;
  readonly title?: string;
  readonly key: (r: SiteRow) => number | string;
  readonly cell: (r: SiteRow) => string | HTMLElement;
}

export function showSites(report: PageReport, t: CallTree, show: (site: FaultSite) => void): void {
  const box = byId('sites');
  const rootEvents = t.size > 0 ? t.eventsOf(0) : {};
  const eventTotal = (e: string): number => rootEvents[e] ?? 0;
  const siteEvents = [...new Set([...report.selectedEvents, ...report.sites.map((s) => s.event)])].filter((e) => report.sites.some((s) => s.event === e));
  const grouped = new Map<string, SiteRow>();
  for (const s of report.sites) {
    const key = `${s.dso}\0${s.address}\0${s.symbol}\0${s.offset}`;
    let row = grouped.get(key);
    if (row === undefined) grouped.set(key, (row = { site: s, counts: new Map(), max: 0, rank: 0 }));
    row.counts.set(s.event, (row.counts.get(s.event) ?? 0) + s.count);
    row.max = Math.max(row.max, row.counts.get(s.event)!);
  }
  const siteList = [...grouped.values()].sort((a, b) => b.max - a.max);
  siteList.forEach((r, i) => (r.rank = i + 1));
  if (siteList.length === 0) {
    box.append(el('p', 'muted', 'No faulting instructions: the tree holds no fault events.'));
    return;
  }

  const columns: Column[] = [
    { head: '#', numeric: true, key: (r) => r.rank, cell: (r) => String(r.rank) },
    ...siteEvents.map(
      (e): Column => ({
        head: e.slice(e.lastIndexOf(':') + 1),
        numeric: true,
        title: `${e}: count and share of that event's total`,
        key: (r) => r.counts.get(e) ?? -1,
        cell: (r) => {
          const c = r.counts.get(e);
          return c === undefined ? '—' : `${fmt(c)} · ${pct(c, eventTotal(e))}`;
        },
      }),
    ),
    {
      head: 'instruction',
      numeric: false,
      key: (r) => (r.site.resolved ? (r.site.instruction ?? '') : '\uffff'),
      cell: (r) => {
        if (r.site.resolved) return el('span', 'mono', r.site.instruction ?? '');
        const u = el('span', 'muted', 'unresolved');
        u.setAttribute('title', r.site.unresolvedReason ?? 'no listing');
        return u;
      },
    },
    { head: 'function', numeric: false, key: (r) => siteWhere(r.site), cell: (r) => el('span', 'mono', siteWhere(r.site)) },
    { head: 'source', numeric: false, key: (r) => r.site.source ?? '\uffff', cell: (r) => (r.site.source === undefined ? '' : basename(r.site.source)) },
    {
      head: 'dso',
      numeric: false,
      key: (r) => basename(r.site.dso),
      cell: (r) => {
        const d = el('span', 'nowrap', basename(r.site.dso));
        d.setAttribute('title', r.site.dso);
        return d;
      },
    },
  ];

  let order = siteList;
  let sortedBy = 0;
  let descending = true;
  let shown = 0;
  let growing = 0;
  const tbl = el('table');
  const head = el('tr');
  const body = el('tbody');
  tbl.append(el('thead'), body);
  tbl.tHead!.append(head);
  const more = el('button', '', '');
  const row = (r: SiteRow): HTMLTableRowElement => {
    const tr = el('tr', 'clickable');
    for (const c of columns) {
      const td = el('td', c.numeric ? 'num' : '');
      const v = c.cell(r);
      if (typeof v === 'string') td.textContent = v;
      else td.append(v);
      tr.append(td);
    }
    tr.setAttribute('title', 'Zoom to it in the flame graph');
    tr.tabIndex = 0;
    tr.addEventListener('click', () => show(r.site));
    tr.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') show(r.site);
    });
    return tr;
  };
  const append = (upTo: number): void => {
    const frag = document.createDocumentFragment();
    for (; shown < Math.min(upTo, order.length); shown++) frag.append(row(order[shown]!));
    body.append(frag);
    more.hidden = shown >= order.length;
    more.textContent = `Show all ${fmt(order.length)}`;
    box.dataset['rows'] = String(shown);
  };
  // Chunk after chunk, each in its own task: the page keeps answering.
  const grow = (): void => {
    window.clearTimeout(growing);
    append(shown + CHUNK);
    if (shown < order.length) growing = window.setTimeout(grow, 0);
  };
  const redraw = (): void => {
    const target = Math.max(shown, FIRST_ROWS);
    window.clearTimeout(growing);
    body.replaceChildren();
    shown = 0;
    append(Math.min(target, FIRST_ROWS));
    if (target > FIRST_ROWS) grow();
  };
  columns.forEach((c, i) => {
    const th = el('th', c.numeric ? 'num sortable' : 'sortable', c.head);
    th.tabIndex = 0;
    th.setAttribute('title', `${c.title === undefined ? '' : `${c.title}. `}Click to sort`);
    const sortBy = (): void => {
      descending = sortedBy === i ? !descending : c.numeric;
      sortedBy = i;
      const key = c.key;
      const sign = descending ? -1 : 1;
      order = [...siteList].sort((a, b) => {
        const x = key(a);
        const y = key(b);
        return (x < y ? -1 : x > y ? 1 : 0) * sign || a.rank - b.rank;
      });
      for (const h of Array.from(head.cells)) h.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
      redraw();
    };
    th.addEventListener('click', sortBy);
    th.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') sortBy();
    });
    head.append(th);
  });
  head.cells[0]!.setAttribute('aria-sort', 'ascending');
  descending = false;
  more.addEventListener('click', grow);
  box.append(tbl, more);
  append(FIRST_ROWS);
  unresolvedNotes(siteList, box);
}

/** Why instructions stayed unresolved, once per dso and reason. */
function unresolvedNotes(list: readonly SiteRow[], box: HTMLElement): void {
  const byDso = new Map<string, Map<string, number>>();
  for (const r of list) {
    if (r.site.resolved) continue;
    let reasons = byDso.get(r.site.dso);
    if (reasons === undefined) byDso.set(r.site.dso, (reasons = new Map()));
    const why = r.site.unresolvedReason ?? 'no listing';
    reasons.set(why, (reasons.get(why) ?? 0) + 1);
  }
  if (byDso.size === 0) return;
  const ul = el('ul', 'plain notes');
  for (const [dso, reasons] of byDso) {
    for (const [why, n] of reasons) {
      const li = el('li', 'muted');
      li.append(el('b', '', basename(dso) || '(no dso)'), text(` — ${fmt(n)} instruction${n === 1 ? '' : 's'} unresolved: ${why}`));
      li.setAttribute('title', dso);
      ul.append(li);
    }
  }
  box.append(ul);
}
