// The answer first: the findings as the page's first screen, written into the
// markup (escaped) so they read before, and without, any script. Each finding
// is its pattern and cost in one line, then the protecting call sites and the
// faulting instructions with their counts, each a link: the client script
// (client/findings.ts) turns a click into a zoom of the flame graph; without
// script the link jumps to the row of the static table (static.ts).
//
// With no pattern to name, the headline is the instruction that faulted most,
// its ties broken by resolved first and then by address, so it does not change
// between runs.
import { instructionId, type Finding, type FindingKind, type ProtectionSiteView, type Report, type SiteCount } from '../../src/model.js';
import { callsOf, instructionLabel, mainCall, siteLabel } from '../../src/findings/words.js';
import { basename, fmt, pct, siteWhere } from './client/format.js';
import { escapeHtml } from './page.js';

type PageReport = Omit<Report, 'tree'>;

const PATTERN: Record<FindingKind, string> = {
  'major-faults': 'Waits for the disk',
  'guard-retries': 'Guard-page retries',
  'nx-violation': 'Execution on a non-executable page',
  'copy-on-write': 'Copy-on-write',
  'first-touch': 'First touch of new memory',
  'code-page-in': 'Code paged in',
  'start-up': 'Program start-up',
  'capture-quality': 'What the capture cannot tell',
};

type Count = { site: SiteCount; count: number };

/**
 * Faults per instruction (the largest of its events' counts: they count the same faults), asked by
 * `instructionId`, found by dso then address (an id is `${address} ${dso}`): no id string per site, nor a
 * set of the findings' ids (a wide capture's first-touch finding lists 100k: ~25 MB of its page's build).
 */
interface InstructionCounts {
  get(id: string): Count | undefined;
  has(id: string): boolean;
  /** Every instruction's id and count. */
  entries(): Generator<[string, Count]>;
}

export function instructionCounts(report: PageReport): InstructionCounts {
  const byDso = new Map<string, Map<string, Count>>();
  for (const s of report.sites) {
    let inDso = byDso.get(s.dso);
    if (inDso === undefined) byDso.set(s.dso, (inDso = new Map()));
    const had = inDso.get(s.address);
    if (had === undefined) inDso.set(s.address, { site: s, count: s.count });
    else if (s.count > had.count) had.count = s.count;
  }
  const get = (id: string): Count | undefined => {
    const space = id.indexOf(' ');
    return space < 0 ? undefined : byDso.get(id.slice(space + 1))?.get(id.slice(0, space));
  };
  return {
    get,
    has: (id) => get(id) !== undefined,
    *entries() {
      for (const inDso of byDso.values()) for (const c of inDso.values()) yield [instructionId(c.site), c];
    },
  };
}

/** Anchors of the static tables' rows: `fp-site-3` is report.protection.sites[3]; `fp-ins-<id>` an instruction. */
export const siteAnchor = (i: number): string => `fp-site-${i}`;
// Every other character as _hex_, so two ids never share an anchor.
export const instructionAnchor = (id: string): string => `fp-ins-${id.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`)}`;

const plural = (n: number, one: string): string => `${fmt(n)} ${n === 1 ? one : `${one}s`}`;

const STORES: ReadonlySet<FindingKind> = new Set(['guard-retries', 'copy-on-write']);
// Items per list: the lead finding has room for more.
const SHOWN = { lead: 4, other: 2 };

function siteItem(v: ProtectionSiteView, index: number): string {
  const where = v.offset === null ? v.site : `${v.symbol}+0x${v.offset.toString(16)}`;
  const at = v.source !== null ? basename(v.source) : basename(v.dso);
  const calls = callsOf(v);
  const facts = [`${mainCall(v)}${v.prot !== '' ? ` ${v.prot}` : ''}`, plural(calls, 'call'), ...(v.faults > 0 ? [`${plural(v.faults, 'fault')} on its pages`] : [])];
  return (
    `<li><a class="f-site mono" href="#${siteAnchor(index)}" data-site="${index}" title="${escapeHtml(`${siteLabel(v)}: ${v.faults > 0 ? 'show its faults in the flame graph' : 'no fault on its pages; show its row in the protection table'}`)}">${escapeHtml(where)}</a>` +
    (at !== '' ? ` <span class="f-src">${escapeHtml(at)}</span>` : '') +
    ` <span class="f-num">· ${escapeHtml(facts.join(' · '))}</span></li>`
  );
}

function instructionItem(id: string, counts: InstructionCounts): string {
  const hit = counts.get(id);
  if (hit === undefined) return '';
  const s = hit.site;
  const what = s.resolved && s.instruction !== undefined ? s.instruction : siteWhere(s);
  const where = instructionLabel(s);
  return (
    `<li><a class="f-ins mono" href="#${instructionAnchor(id)}" data-ins="${escapeHtml(id)}" title="Zoom to it in the flame graph">${escapeHtml(what)}</a>` +
    (what !== where ? ` <span class="f-src">in ${escapeHtml(where)}</span>` : '') +
    ` <span class="f-num">· <b>${escapeHtml(plural(hit.count, 'fault'))}</b></span></li>`
  );
}

function list(items: string[], more: number): string {
  return `<ul class="f-list">${items.join('')}${more > 0 ? `<li class="muted">and ${fmt(more)} more</li>` : ''}</ul>`;
}

function findingItem(f: Finding, report: PageReport, counts: InstructionCounts, lead: boolean): string {
  const views = report.protection?.sites ?? [];
  const shown = lead ? SHOWN.lead : SHOWN.other;
  const total = f.share > 0 ? Math.round(f.faults / f.share) : 0;
  const head =
    `<p class="f-head"><span class="f-pattern">${escapeHtml(PATTERN[f.kind] ?? f.kind)}</span>` +
    (f.faults > 0 && total > 0 ? ` — <b>${fmt(f.faults)}</b> of ${plural(total, 'fault')} (${pct(f.faults, total)})` : '') +
    '</p>';
  const facts: string[] = [];
  const located = f.sites.map((name) => views.findIndex((v) => v.site === name)).filter((i) => i >= 0);
  const protecting = located.filter((i) => views[i]!.faults > 0);
  const others = located.filter((i) => views[i]!.faults === 0);
  const callName = (i: number | undefined): string => (i === undefined ? 'mprotect' : mainCall(views[i]!));
  if (protecting.length > 0) {
    const call = callName(protecting[0]);
    const dt = call.endsWith('mprotect') ? (protecting.length > 1 ? 'Protecting calls' : 'Protecting call') : call.startsWith('mmap') ? 'Mapped by' : `${call} call${protecting.length > 1 ? 's' : ''}`;
    facts.push(`<dt>${escapeHtml(dt)}</dt><dd>${list(protecting.slice(0, shown).map((i) => siteItem(views[i]!, i)), protecting.length - shown)}</dd>`);
  }
  const ins = f.instructions.filter((id) => counts.has(id));
  if (ins.length > 0) {
    const dt = STORES.has(f.kind) ? 'Faulting store' : 'Faulting instruction';
    facts.push(`<dt>${ins.length > 1 ? `${dt}s` : dt}</dt><dd>${list(ins.slice(0, shown).map((id) => instructionItem(id, counts)), ins.length - shown)}</dd>`);
  }
  if (others.length > 0) {
    const dt = f.kind === 'guard-retries' ? "Handler's call" : 'Other call';
    facts.push(`<dt>${others.length > 1 ? `${dt}s` : dt}</dt><dd>${list(others.slice(0, shown).map((i) => siteItem(views[i]!, i)), others.length - shown)}</dd>`);
  }
  const cost = /\bCost: (.+)$/.exec(f.text)?.[1];
  if (cost !== undefined) facts.push(`<dt>Cost</dt><dd class="f-cost">${escapeHtml(cost)}</dd>`);
  const remedyLabel = f.kind === 'capture-quality' ? 'To record it' : 'Remedy';
  const remedy = f.remedy !== undefined ? `<p class="f-remedy"><b>${remedyLabel}:</b> ${escapeHtml(f.remedy)}</p>` : '';
  // A finding with facts keeps its sentence (and remedy) one click away; one without is its sentence.
  const body =
    facts.length > 0
      ? `<dl class="f-facts">${facts.join('')}</dl><details class="f-more"><summary>In words${f.remedy !== undefined ? `, and the ${remedyLabel.toLowerCase()}` : ''}</summary><p>${escapeHtml(f.text)}</p>${remedy}</details>`
      : `<p class="f-text">${escapeHtml(f.text)}</p>${f.remedy !== undefined ? `<details class="f-more"><summary>${remedyLabel}</summary>${remedy}</details>` : ''}`;
  return `<li class="finding${lead ? ' lead' : ''}" data-kind="${escapeHtml(f.kind)}">${head}${body}</li>`;
}

/** The findings block, or '' when the report has none. */
export function findingsHtml(report: PageReport): string {
  const findings = report.findings ?? [];
  if (findings.length === 0) return '';
  const counts = instructionCounts(report);
  const items = findings.map((f, i) => findingItem(f, report, counts, i === 0 && f.kind !== 'capture-quality' && f.kind !== 'start-up'));
  return `<section id="findings" aria-label="Findings"><h2>Findings</h2><ol>${items.join('')}</ol></section>\n`;
}

/**
 * The headline when no finding names a pattern: the instruction that faulted
 * most, ties broken by resolved first, then address. '' when a finding leads
 * the page, or nothing faulted.
 */
export function headlineHtml(report: PageReport): string {
  if ((report.findings ?? []).some((f) => f.kind !== 'capture-quality' && f.kind !== 'start-up')) return '';
  type Entry = [string, Count];
  const before = ([a, x]: Entry, [b, y]: Entry): boolean => y.count - x.count < 0 || (y.count === x.count && (Number(y.site.resolved) - Number(x.site.resolved) < 0 || (x.site.resolved === y.site.resolved && a < b)));
  // the first of them all in that order, without sorting them all
  let top: Entry | undefined;
  for (const e of instructionCounts(report).entries()) if (top === undefined || before(e, top)) top = e;
  if (top === undefined) return '';
  const [id, { site: s, count }] = top;
  const total = report.sites.filter((x) => x.event === s.event).reduce((a, x) => a + x.count, 0);
  const what = s.resolved && s.instruction !== undefined ? `<code>${escapeHtml(s.instruction)}</code> in ${escapeHtml(instructionLabel(s))}` : `an unresolved instruction at ${escapeHtml(instructionLabel(s))}`;
  return `Most faults: <a class="f-ins" href="#${instructionAnchor(id)}" data-ins="${escapeHtml(id)}">${what}</a> — <b>${fmt(count)}</b> ${escapeHtml(s.event)} (${pct(count, total)})`;
}
