// The report without script: the tables the client draws, written into the
// page as static HTML inside <noscript>, so a mail client or a browser with
// JavaScript off still shows the instructions, the protection sites, the
// fault classes, faults over time (as a table of ten windows), the inputs,
// the warnings and notes (the flame graph needs the script). Rows carry the anchors the findings link to. Long tables stop at
// ROWS, saying how many more the script shows.
import { instructionId, type Report, type SiteCount } from '../../src/model.js';
import { instructionAnchor, siteAnchor } from './findings.js';
import { basename, fmt, pct, seconds, siteWhere } from './client/format.js';
import { protectionColumns, protectionRest, type Cell, type Line, type Site } from './client/protection-columns.js';
import { escapeHtml } from './page.js';
import { classMeaning } from '../classes.js';

type PageReport = Omit<Report, 'tree'>;

/** Rows per static table. */
export const ROWS = 100;

export interface StaticParts {
  readonly summary: string;
  readonly sites: string;
  readonly protection: string;
  readonly classes: string;
  readonly timeline: string;
  readonly regions: string;
  readonly inputs: string;
  readonly warnings: string;
  readonly notes: string;
}

const cell = (s: string, cls = ''): string => `<td${cls !== '' ? ` class="${cls}"` : ''}>${escapeHtml(s)}</td>`;
const head = (cols: [string, boolean][]): string => `<thead><tr>${cols.map(([h, num]) => `<th${num ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
const more = (n: number, what: string): string => (n > 0 ? `<p class="muted">${fmt(n)} more ${what}: the page's script lists them all.</p>` : '');
const noscript = (html: string): string => `<noscript>${html}</noscript>`;
// as the script lists warnings and notes: 'None.' rather than a heading over nothing
const list = (items: readonly string[]): string => `<ul class="plain">${items.length > 0 ? items.map((x) => `<li>${escapeHtml(x)}</li>`).join('') : '<li class="muted">None.</li>'}</ul>`;

export function staticParts(report: PageReport, total: number): StaticParts {
  return {
    summary: noscript(
      `<b>${fmt(total)}</b> ${escapeHtml(report.selectedEvents.join(', ') || 'events')} in the tree · <b>${report.inputs.length}</b> input${report.inputs.length === 1 ? '' : 's'} · <b>${fmt(report.lost)}</b> lost · <b>${fmt(report.skipped.lines)}</b> skipped lines`,
    ),
    sites: noscript(sitesTable(report)),
    protection: noscript(protectionTable(report)),
    classes: noscript(classesTable(report)),
    timeline: noscript(timelineTable(report)),
    regions: noscript(regionsTable(report)),
    inputs: noscript(inputsTable(report)),
    warnings: noscript(list(report.warnings)),
    notes: noscript(list(report.notes ?? [])),
  };
}

// The order of two instructions' ids (instructionId: `${address} ${dso}`), without making them.
function idOrder(a: SiteCount, b: SiteCount): number {
  const x = a.address;
  const y = b.address;
  if (x === y) return a.dso < b.dso ? -1 : a.dso > b.dso ? 1 : 0;
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = x.charCodeAt(i) - y.charCodeAt(i);
    if (d !== 0) return d;
  }
  // one address begins the other: the space after it against the other's next character
  const next = x.length < y.length ? y.charCodeAt(n) : x.charCodeAt(n);
  if (next > 32) return x.length < y.length ? -1 : 1;
  const i = instructionId(a);
  const j = instructionId(b);
  return i < j ? -1 : i > j ? 1 : 0;
}

function sitesTable(report: PageReport): string {
  const sites = report.sites;
  const events = [...new Set(sites.map((s) => s.event))];
  const totals = new Map<string, number>();
  for (const s of sites) totals.set(s.event, (totals.get(s.event) ?? 0) + s.count);
  const eventIndex = new Map(events.map((e, i) => [e, i]));
  // a row per instruction (100k on a wide capture), found by dso then address and held in columns by its
  // number: no id string, row object nor entry pair per instruction (~30 MB of a wide page's build)
  const rowOf = new Map<string, Map<string, number>>();
  const first: SiteCount[] = [];
  const counts = new Float64Array(sites.length * events.length).fill(NaN);
  const max = new Float64Array(sites.length);
  for (const s of sites) {
    let inDso = rowOf.get(s.dso);
    if (inDso === undefined) rowOf.set(s.dso, (inDso = new Map()));
    let r = inDso.get(s.address);
    if (r === undefined) {
      inDso.set(s.address, (r = first.length));
      first.push(s);
    }
    const at = r * events.length + eventIndex.get(s.event)!;
    const c = (Number.isNaN(counts[at]!) ? 0 : counts[at]!) + s.count;
    counts[at] = c;
    max[r] = Math.max(max[r]!, c);
  }
  if (first.length === 0) return '<p class="muted">No faulting instructions: the tree holds no fault events.</p>';
  const list = first.map((_, r) => r).sort((a, b) => max[b]! - max[a]! || idOrder(first[a]!, first[b]!));
  const body = list.slice(0, ROWS).map((r, i) => {
    const s = first[r]!;
    const id = instructionId(s);
    const cells = events.map((e, j) => {
      const c = counts[r * events.length + j]!;
      return cell(Number.isNaN(c) ? '—' : `${fmt(c)} · ${pct(c, totals.get(e) ?? 0)}`, 'num');
    });
    const ins = s.resolved ? `<td><span class="mono">${escapeHtml(s.instruction ?? '')}</span></td>` : `<td><span class="muted" title="${escapeHtml(s.unresolvedReason ?? 'no listing')}">unresolved</span></td>`;
    return `<tr id="${instructionAnchor(id)}">${cell(String(i + 1), 'num')}${cells.join('')}${ins}<td><span class="mono">${escapeHtml(siteWhere(s))}</span></td>${cell(s.source === undefined ? '' : basename(s.source))}<td><span class="nowrap">${escapeHtml(basename(s.dso))}</span></td></tr>`;
  });
  // Why instructions stayed unresolved, once per dso and reason.
  const reasons = new Map<string, number>();
  for (const r of list) {
    const site = first[r]!;
    if (site.resolved) continue;
    const key = `${basename(site.dso) || '(no dso)'}\0${site.unresolvedReason ?? 'no listing'}`;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  const notes = [...reasons].map(([key, n]) => {
    const [dso, why] = key.split('\0') as [string, string];
    return `<li class="muted"><b>${escapeHtml(dso)}</b> — ${fmt(n)} instruction${n === 1 ? '' : 's'} unresolved: ${escapeHtml(why)}</li>`;
  });
  return (
    `<table>${head([['#', true], ...events.map((e): [string, boolean] => [e.slice(e.lastIndexOf(':') + 1), true]), ['instruction', false], ['function', false], ['source', false], ['dso', false]])}<tbody>${body.join('')}</tbody></table>` +
    more(list.length - ROWS, 'instructions') +
    (notes.length > 0 ? `<ul class="plain notes">${notes.join('')}</ul>` : '')
  );
}

function protectionTable(report: PageReport): string {
  const p = report.protection;
  if (p === undefined) return '<p class="muted">No protection timeline in this report (it needs mprotect syscalls in the trace).</p>';
  const sites = p.sites as unknown as Site[];
  if (sites.length === 0) return '<p class="muted">No protection sites.</p>';
  // the script's columns (client/protection-columns.ts)
  const columns = protectionColumns(sites);
  const body = sites.slice(0, ROWS).map((s, i) => `<tr id="${siteAnchor(i)}">${columns.map((c) => cellHtml(c.cell(s), c.numeric)).join('')}</tr>`);
  const rest = protectionRest(p as unknown as Record<string, unknown>);
  const dl = rest.length > 0 ? `<dl class="kv">${rest.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>` : '';
  const notes = p.notes.map((n) => `<li class="muted">${escapeHtml(n)}</li>`).join('');
  return `<table>${head(columns.map((c): [string, boolean] => [c.heading, c.numeric]))}<tbody>${body.join('')}</tbody></table>${more(p.sites.length - ROWS, 'protection sites')}${dl}${notes !== '' ? `<ul class="plain">${notes}</ul>` : ''}`;
}

const lineHtml = (l: Line, tag: 'div' | 'span'): string =>
  `<${tag} class="${l.cls}"${l.title !== undefined && l.title !== '' ? ` title="${escapeHtml(l.title)}"` : ''}>${escapeHtml(l.text)}${l.badge !== undefined ? `<span class="badge">${escapeHtml(l.badge)}</span>` : ''}</${tag}>`;
const cellHtml = (c: Cell, numeric: boolean): string => {
  if (typeof c === 'string') return cell(c, numeric ? 'num' : '');
  const inner = c.inline === true ? lineHtml(c.lines[0]!, 'span') : `<div${c.title !== undefined ? ` title="${escapeHtml(c.title)}"` : ''}>${c.lines.map((l) => lineHtml(l, 'div')).join('')}</div>`;
  return `<td${numeric ? ' class="num"' : ''}>${inner}</td>`;
};

function regionsTable(report: PageReport): string {
  const r = report.regions;
  if (r === undefined) return '<p class="muted">No fault in this report carries a data address (tracepoint faults do; software events need perf record -d).</p>';
  const rows = r.regions.slice(0, ROWS).map(
    (x) =>
      `<tr><td><div class="mono">${escapeHtml(`${x.name}${x.prot !== '' ? ` ${x.prot}` : ''}`)}</div><div class="meta">${escapeHtml(`${x.kind} · pid ${x.pid} · ${x.start}–${x.end}`)}</div></td>` +
      `<td><div class="mono">${escapeHtml(`${x.site ?? 'unknown'} (${x.call})`)}</div>${x.siteNote !== undefined ? `<div class="meta">${escapeHtml(x.siteNote)}</div>` : ''}</td>` +
      `${cell(fmt(x.faults), 'num')}${cell(fmt(x.major), 'num')}${cell(fmt(x.pages), 'num')}${cell(fmt(x.repeatPages), 'num')}</tr>`,
  );
  const notes = [
    ...r.outsideRegions.reasons.map((o) => `<li>${escapeHtml(`${fmt(o.faults)} faults outside every known region: ${o.text}.`)}</li>`),
    ...(r.unaddressed > 0 ? [`<li class="muted">${fmt(r.unaddressed)} faults have no data address.</li>`] : []),
    `<li class="muted">${fmt(r.regions.length)} of ${fmt(r.mapped)} mappings had faults.</li>`,
  ];
  const table = rows.length > 0 ? `<table>${head([['region', false], ['created by', false], ['faults', true], ['major', true], ['pages', true], ['faulting again', true]])}<tbody>${rows.join('')}</tbody></table>` : '';
  return `${table}${more(r.regions.length - ROWS, 'regions')}<ul class="plain">${notes.join('')}</ul>`;
}

function classesTable(report: PageReport): string {
  const classes = Object.entries(report.classes ?? {}).filter(([, n]) => (n ?? 0) > 0) as [string, number][];
  if (classes.length === 0) return '';
  const sum = classes.reduce((a, [, n]) => a + n, 0);
  const rows = classes.sort((a, b) => b[1] - a[1]).map(([c, n]) => `<tr>${cell(c)}${cell(fmt(n), 'num')}${cell(pct(n, sum), 'num')}${cell(classMeaning(c))}</tr>`);
  return `<table>${head([['class', false], ['faults', true], ['share', true], ['meaning', false]])}<tbody>${rows.join('')}</tbody></table>`;
}

/** Windows of the static faults-over-time table. */
const WINDOWS = 10;

// The chart's data as a table: the trace cut into WINDOWS equal windows, the faults of each by class, and the protection changes in it.
function timelineTable(report: PageReport): string {
  const points = report.timeline ?? [];
  if (points.length === 0) return '<p class="muted">No timeline in this report.</p>';
  const slices = report.slices;
  // thousands of changes: their times and keys without an object or a key string each
  const changes = slices?.changes ?? [];
  const timeOf = (q: number): number => slices!.start + q * slices!.quantum;
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const x of points) {
    t0 = Math.min(t0, x.time);
    t1 = Math.max(t1, x.time);
  }
  for (const c of changes) {
    if (c.q < 0) continue;
    const time = timeOf(c.q);
    t0 = Math.min(t0, time);
    t1 = Math.max(t1, time);
  }
  const width = (t1 - t0) / WINDOWS || 1e-6;
  const at = (t: number): number => Math.min(WINDOWS - 1, Math.floor((t - t0) / width));
  const rows = Array.from({ length: WINDOWS }, () => ({ faults: 0, classes: new Map<string, number>(), calls: new Map<number, number>() }));
  for (const p of points) {
    const r = rows[at(p.time)]!;
    r.faults += p.value;
    r.classes.set(p.class, (r.classes.get(p.class) ?? 0) + p.value);
  }
  // a change's key (call, protection, site) as a number: by site, then call and protection
  const keys: string[] = [];
  const bySite = new Map<string, Map<string, number>>();
  for (const c of changes) {
    if (c.q < 0) continue;
    const r = rows[at(timeOf(c.q))]!;
    let ofSite = bySite.get(c.site);
    if (ofSite === undefined) bySite.set(c.site, (ofSite = new Map()));
    const how = `${c.call} ${c.prot}`;
    let key = ofSite.get(how);
    if (key === undefined) {
      ofSite.set(how, (key = keys.length));
      keys.push(`${how} at ${c.site}`);
    }
    r.calls.set(key, (r.calls.get(key) ?? 0) + c.calls);
  }
  const top = <K>(m: Map<K, number>, name: (k: K) => string, unit: string): string => {
    const list = [...m].sort((a, b) => b[1] - a[1]);
    const shown = list.slice(0, 3).map(([k, n]) => (unit === '' ? `${name(k)} ${fmt(n)}` : `${name(k)} ×${fmt(n)}`));
    return shown.join(', ') + (list.length > 3 ? `, ${fmt(list.length - 3)} more` : '');
  };
  const body = rows
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.faults > 0 || r.calls.size > 0)
    .map(({ r, i }) => `<tr>${cell(`${seconds(i * width)} – ${seconds((i + 1) * width)}`)}${cell(fmt(r.faults), 'num')}${cell(top(r.classes, (k) => k, ''))}${cell(top(r.calls, (k) => keys[k]!, '×'))}</tr>`);
  const cols: [string, boolean][] = [['window', false], ['faults', true], ['by class', false], ['protection changes', false]];
  return `<table>${head(cols)}<tbody>${body.join('')}</tbody></table><p class="meta">${escapeHtml(`Times from ${t0.toFixed(6)} s (perf's clock), in ${WINDOWS} windows of ${seconds(width)}; the page's script draws them as a chart.`)}</p>`;
}

function inputsTable(report: PageReport): string {
  const rows = report.inputs.map((i) => `<tr>${cell(i.name)}${cell(i.format)}${cell(fmt(i.lines), 'num')}${cell(fmt(i.records), 'num')}</tr>`);
  const events = Object.entries(report.events).map(([e, n]) => `<tr>${cell(e)}${cell(fmt(n), 'num')}${cell(report.selectedEvents.includes(e) ? 'in the tree' : '')}</tr>`);
  return `<table>${head([['input', false], ['format', false], ['lines', true], ['records', true]])}<tbody>${rows.join('')}</tbody></table><h3>Events read</h3><table>${head([['event', false], ['records', true], ['', false]])}<tbody>${events.join('')}</tbody></table>`;
}
