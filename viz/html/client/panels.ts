// The panels around the flame graph: the summary line and warnings banner,
// the legend, the top faulting instructions (and the headline they give), what
// the report is built from, and the warnings.
import type { FaultSite, Report } from '../../../src/model.js';
import { colorFor, KIND_LABELS, MATCH_COLOR } from '../../colors.js';
import { paletteOf, type CallTree } from './calls.js';
import { byId, el, kv, table, text } from './dom.js';
import { basename, fmt, pct, siteWhere } from './format.js';

type PageReport = Omit<Report, 'tree'>;

export function showSummary(report: PageReport, total: number): void {
  const summary = byId('summary');
  const selectedEvents = report.selectedEvents.length === 0 ? 'events' : report.selectedEvents.join(', ');
  const parts: (string | [string])[] = [[fmt(total)], ` ${selectedEvents} in the tree · `, [String(report.inputs.length)], report.inputs.length === 1 ? ' input · ' : ' inputs · ', [fmt(report.lost)], ' lost · ', [fmt(report.skipped.lines)], ' skipped lines'];
  for (const p of parts) summary.append(typeof p === 'string' ? text(p) : el('b', '', p[0]));
  const warnCount = report.warnings.length;
  if (warnCount > 0) {
    const banner = byId('warnings-banner');
    banner.hidden = false;
    banner.append(text(`${warnCount} warning${warnCount === 1 ? '' : 's'} about how this report was built: ${report.warnings[0] ?? ''}${warnCount > 1 ? ' …' : ''}`));
    const go = el('button', '', 'Show all');
    go.addEventListener('click', () => byId('warnings-panel').scrollIntoView({ behavior: 'smooth' }));
    banner.append(go);
  }
}

/** The legend: the kinds present in the tree, then the search match colour. */
export function showLegend(t: CallTree): void {
  const legend = byId('legend');
  const present = new Set<string>(['merged']);
  for (const k of t.enc.kinds) present.add(k);
  for (const key in t.enc.sites) present.add(paletteOf('instruction', t.enc.sites[key]));
  for (const { kind, label } of KIND_LABELS) {
    if (!present.has(kind)) continue;
    const item = el('span');
    const sw = el('span', 'sw');
    sw.style.background = colorFor(kind, label);
    item.append(sw, text(label));
    legend.append(item);
  }
  const matchItem = el('span');
  const matchSwatch = el('span', 'sw');
  matchSwatch.style.background = MATCH_COLOR;
  matchItem.append(matchSwatch, text('search match'));
  legend.append(matchItem, el('span', 'hint', 'Click: zoom · Esc: reset · /: search'));
}

interface SiteRow {
  readonly site: FaultSite;
  readonly counts: Map<string, number>;
  max: number;
}

/**
 * Top faulting instructions: one row per instruction, one count column per
 * event (a tracepoint and the software event often count the same faults).
 * A row's click calls `show`. The instruction that faulted most is the headline.
 */
export function showSites(report: PageReport, t: CallTree, show: (site: FaultSite) => void): void {
  const box = byId('sites');
  const rootEvents = t.size > 0 ? t.eventsOf(0) : {};
  const eventTotal = (e: string): number => rootEvents[e] ?? 0;
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
  const rows = (limit: number): void => {
    box.replaceChildren();
    if (siteList.length === 0) {
      box.append(el('p', 'muted', 'No faulting instructions: the tree holds no fault events.'));
      return;
    }
    const head = ['#', 'instruction', 'function', 'source', 'dso', ...siteEvents.map((e) => e.slice(e.lastIndexOf(':') + 1))];
    const numeric = [true, false, false, false, false, ...siteEvents.map(() => true)];
    const cells = siteList.slice(0, limit).map((r, i) => {
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
    const tbl = table(head, numeric, cells, 'clickable');
    siteEvents.forEach((e, i) => tbl.tHead!.rows[0]!.cells[5 + i]!.setAttribute('title', `${e}: count and share of that event's total`));
    Array.from(tbl.tBodies[0]!.rows).forEach((tr, i) => {
      tr.setAttribute('title', 'Show in the flame graph');
      tr.tabIndex = 0;
      tr.addEventListener('click', () => show(siteList[i]!.site));
      tr.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') show(siteList[i]!.site);
      });
    });
    box.append(tbl);
    if (siteList.length > limit) {
      const more = el('button', '', `Show all ${fmt(siteList.length)}`);
      more.addEventListener('click', () => rows(siteList.length));
      box.append(more);
    }
  };
  rows(15);

  const top = siteList[0];
  if (top !== undefined) {
    const [event, count] = [...top.counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const s = top.site;
    const where = [s.source === undefined ? '' : basename(s.source), basename(s.dso)].filter((x) => x !== '').join(', ');
    byId('headline').append(
      text('Most faults: '),
      el('code', '', s.resolved ? (s.instruction ?? siteWhere(s)) : siteWhere(s)),
      text(` in ${siteWhere(s)}${where === '' ? '' : ` (${where})`} — `),
      el('b', '', fmt(count)),
      text(` ${event} (${pct(count, eventTotal(event))})`),
    );
  }
}

/** What the report is built from: inputs, events read, counts, skipped lines; then the warnings. */
export function showInputs(report: PageReport): void {
  const box = byId('inputs');
  box.append(
    table(
      ['input', 'format', 'lines', 'records'],
      [false, false, true, true],
      report.inputs.map((i) => [i.name, i.sourceLines !== undefined ? `${i.format} (${fmt(i.sourceLines)} lines of -S source text skipped)` : i.format, fmt(i.lines), fmt(i.records)]),
    ),
  );
  box.append(el('h3', '', 'Events read'));
  const selectedSet = new Set(report.selectedEvents);
  box.append(
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
  box.append(kv(counts));
  if (report.lost > 0) box.append(el('p', 'bad', `${fmt(report.lost)} events were lost while recording: counts are lower bounds.`));
  if (report.skipped.examples.length > 0) {
    box.append(el('h3', '', 'Skipped lines (first ones)'));
    const ul = el('ul', 'plain mono');
    for (const x of report.skipped.examples) ul.append(el('li', '', x));
    box.append(ul);
  }
  const warnings = byId('warnings');
  if (report.warnings.length === 0) warnings.append(el('li', 'muted', 'None.'));
  for (const w of report.warnings) warnings.append(el('li', '', w));
}
