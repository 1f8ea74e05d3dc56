// The panels around the flame graph: the summary line and warnings banner,
// the legend, what the report is built from, and the warnings.
import type { Report } from '../../../src/model.js';
import { colorFor, KIND_LABELS, MATCH_COLOR } from '../../colors.js';
import { paletteOf, type CallTree } from './calls.js';
import { byId, el, kv, table, text } from './dom.js';
import { fmt } from './format.js';

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
    // One line with the count; the warnings themselves wait in their panel (a phone's first screen stays the report's).
    const noteCount = (report.notes ?? []).length;
    const notes = noteCount > 0 ? ` (and ${noteCount} note${noteCount === 1 ? '' : 's'})` : '';
    banner.append(el('span', 'line', `${warnCount} warning${warnCount === 1 ? '' : 's'}${notes} about how this report was built`));
    const go = el('button', '', 'Show');
    go.addEventListener('click', () => byId('warnings-panel').scrollIntoView({ behavior: 'smooth' }));
    banner.append(go);
  }
}

/** The legend: the kinds present in the tree (and `alsoKinds`, the tree by protection site's), then the search match colour. */
export function showLegend(t: CallTree, alsoKinds: readonly string[] = []): void {
  const legend = byId('legend');
  const present = new Set<string>(['merged']);
  for (const k of t.enc.kinds) present.add(k);
  for (const k of alsoKinds) present.add(k);
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

/** What the report is built from: inputs, events read, counts, skipped lines; then the warnings and notes. */
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
  // repairs the tool made and limits that change no answer shown: no banner for these
  const notes = byId('notes');
  if ((report.notes ?? []).length === 0) notes.append(el('li', 'muted', 'None.'));
  for (const n of report.notes ?? []) notes.append(el('li', '', n));
}
