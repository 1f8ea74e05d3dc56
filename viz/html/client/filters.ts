// The page's filter: a time window (dragged on the timeline), threads or a
// process (the threads panel) and a memory region (the address-space strip
// and the region table). It cuts the flame graph and recounts the tables; a
// bar above the flame graph says what is shown and clears it.
import { regionGroupName, type FaultSite, type ProtectionSiteView, type RegionsSection, type Report, type SiteCount } from '../../../src/model.js';
import type { SiteLeafCells } from '../pack.js';
import type { CallTree } from './calls.js';
import { byId, el } from './dom.js';
import { fmt, pct, seconds } from './format.js';
import { instructionName } from './links.js';
import { isFiltered, NO_FILTER, slicer, type Filter, type Slicer } from './slicer.js';
import { showThreads } from './threads.js';
import { showTimeline } from './timeline.js';

type PageReport = Omit<Report, 'tree'>;

export interface FilterHooks {
  /** Draw this call tree (the whole one when nothing is filtered); `Filters.sites` is the tree by protection site cut alike. */
  cut(tree: CallTree): void;
  /** The top-instructions table with these counts. */
  sites(sites: SiteCount[]): void;
  /** The memory regions with these fault counts. */
  regions(regions: RegionsSection): void;
  /** The protection sites with these counts (null: the whole report's). */
  protection(sites: ProtectionSiteView[] | null): void;
}

export interface Filters {
  /** Shows only the faults of the region of this name (Report.slices.regions); false when the page cannot. */
  region(name: string): boolean;
  /** The time window shown, or null for the whole trace. */
  window(): [number, number] | null;
  /** Shows only the faults of this time window (null: the whole trace). */
  setWindow(w: [number, number] | null): void;
  /** The tree by protection site under the filter (made, and cut, when asked for), or null when the page has none. */
  sites(): CallTree | null;
}

/**
 * `bySite`: the tree by protection site (Report.siteTree), made when first
 * asked for, cut as the call tree is; its cells recount the protection table,
 * or without it `siteLeaves`' (the tree's leaves, when the page carries them).
 */
export function filterBar(report: PageReport, calls: CallTree, hooks: FilterHooks, bySite: (() => CallTree) | null = null, siteLeaves: (() => SiteLeafCells) | null = null): Filters {
  const s = slicer(calls, report.slices);
  // made with the tree by site: a page opens without either
  let siteSlicer: Slicer | null | undefined;
  const siteCut = (): Slicer | null => (siteSlicer === undefined ? (siteSlicer = bySite !== null ? slicer(bySite(), report.slices) : null) : siteSlicer);
  let filter: Filter = NO_FILTER;
  // the tree by site under `filter`, once asked for
  let sitesShown: CallTree | null | undefined;
  const sites = (): CallTree | null => {
    if (sitesShown !== undefined) return sitesShown;
    if (bySite === null) return (sitesShown = null);
    const cut = isFiltered(filter) ? siteCut() : null;
    return (sitesShown = cut !== null ? cut.tree(filter) : bySite());
  };
  const labels = { threads: '', region: '' };
  const bar = el('div', 'filter-bar');
  bar.id = 'filter-bar';
  bar.setAttribute('role', 'status');
  bar.hidden = true;
  byId('breadcrumb').before(bar);
  const text = el('span', '');
  const clear = el('button', '', 'Show all faults');
  clear.type = 'button';
  bar.append(text, clear);

  const timeline = showTimeline(report, report.slices, s?.span ?? null, (w) => apply({ ...filter, window: w }));
  if (s === null) return { region: () => false, window: () => null, setWindow: () => undefined, sites };
  const threads = showThreads(report, calls, s, (set, label) => {
    labels.threads = label;
    apply({ ...filter, threads: set });
  });
  const t0 = timeline.origin();

  // report.sites recounted: each instruction's leaves under the filter (an instruction counted by two events keeps their shares)
  const recount = (self: Float64Array): SiteCount[] => {
    const kept = new Map<string, number>();
    const whole = new Map<string, number>();
    for (const key in calls.enc.sites) {
      const n = Number(key);
      const site = calls.enc.sites[key]!;
      const k = `${site.dso}\0${site.address}`;
      kept.set(k, (kept.get(k) ?? 0) + self[n]!);
      whole.set(k, (whole.get(k) ?? 0) + calls.enc.self[n]!);
    }
    return report.sites
      .map((x) => {
        const k = `${x.dso}\0${x.address}`;
        const w = whole.get(k) ?? 0;
        return { ...x, count: w > 0 ? Math.round((x.count * (kept.get(k) ?? 0)) / w) : 0 };
      })
      .filter((x) => x.count > 0)
      .sort((a, b) => b.count - a.count);
  };

  // the region table's faults under the filter (its region pick left out, so the other regions stay listed)
  const regionCounts = (f: Filter): RegionsSection => {
    const r = report.regions!;
    const per = s.byRegion(f);
    const at = new Map(s.index.regions.map((name, i) => [name, i]));
    const regions = r.regions
      .map((x) => ({ ...x, faults: per[at.get(regionGroupName(x)) ?? -1] ?? 0 }))
      .filter((x) => x.faults > 0)
      .sort((a, b) => b.faults - a.faults);
    return { ...r, regions };
  };
  // report.protection's sites recounted: their faults and their instructions' from the tree by site
  // (a site is a node at its top), their calls from the changes in the window
  let leaves: SiteLeafCells | undefined;
  const protectionCounts = (f: Filter): ProtectionSiteView[] => {
    const faults = new Map<string, number>();
    const byIns = new Map<string, number>();
    const add = (name: string, site: FaultSite | undefined, v: number): void => {
      faults.set(name, (faults.get(name) ?? 0) + v);
      if (site !== undefined) byIns.set(`${name}\0${instructionName(site)}`, (byIns.get(`${name}\0${instructionName(site)}`) ?? 0) + v);
    };
    if (siteLeaves !== null) {
      // from the leaves by site and the call tree's cells: the tree by site is not made for it
      const l = (leaves ??= siteLeaves());
      for (let j = 0; j < l.node.length; j++) {
        const start = s.cellStart(l.node[j]!);
        if (l.site[j] === '' || start < 0) continue;
        const r = l.runsAt[j]!;
        let v = 0;
        for (let x = 0; x < l.runs[r]!; x++) {
          const first = start + l.runs[r + 1 + 2 * x]!;
          for (let c = first; c < first + l.runs[r + 2 + 2 * x]!; c++) v += s.keptValue(f, c);
        }
        if (v !== 0) add(l.site[j]!, l.instruction[j], v);
      }
    } else countTree(f, add);
    return sitesWith(f, faults, byIns);
  };
  // the same from the tree by site (a page that carries it as a tree)
  const countTree = (f: Filter, add: (name: string, site: FaultSite | undefined, v: number) => void): void => {
    const t = bySite!();
    const self = siteCut()!.self(f);
    const top = new Int32Array(t.size);
    for (let i = 1; i < t.size; i++) {
      const p = t.parentOf[i]!;
      top[i] = p === 0 ? i : top[p]!;
      const v = self[i]!;
      if (v !== 0) add(t.view.name(top[i]!), t.enc.sites[i], v);
    }
  };
  const sitesWith = (f: Filter, faults: ReadonlyMap<string, number>, byIns: ReadonlyMap<string, number>): ProtectionSiteView[] => {
    const w = f.window;
    const slices = report.slices;
    const calls = new Map<string, Record<string, number>>();
    if (w !== null && slices !== undefined) {
      for (const c of slices.changes) {
        const mid = slices.start + (c.q + 0.5) * slices.quantum;
        if (c.q < 0 || mid < w[0] || mid >= w[1]) continue;
        const m = calls.get(c.site) ?? {};
        m[c.call] = (m[c.call] ?? 0) + c.calls;
        calls.set(c.site, m);
      }
    }
    return report
      .protection!.sites.map((x) => ({
        ...x,
        faults: faults.get(x.site) ?? 0,
        instructions: x.instructions.map((ins) => ({ ...ins, faults: byIns.get(`${x.site}\0${ins.instruction}`) ?? 0 })).filter((ins) => ins.faults > 0),
        calls: w === null ? x.calls : (calls.get(x.site) ?? {}),
      }))
      .filter((x) => x.faults > 0 || Object.values(x.calls).some((n) => n > 0))
      .sort((a, b) => b.faults - a.faults);
  };
  let regionCut = JSON.stringify([null, null]);
  const apply = (f: Filter): void => {
    filter = f;
    sitesShown = undefined;
    const on = isFiltered(f);
    const tree = on ? s.tree(f) : calls;
    hooks.cut(tree);
    hooks.sites(on ? recount(s.self(f)) : report.sites);
    // the protection table recounted from the leaves by site, or from the tree by site (made for it only when the page has no leaves)
    if (bySite !== null && report.protection !== undefined && (siteLeaves !== null || ((on || siteSlicer !== undefined) && siteCut() !== null))) hooks.protection(on ? protectionCounts(f) : null);
    // a region pick leaves the table's counts as they were (and its own status line in place)
    const cut = JSON.stringify([f.window, f.threads === null ? null : [...f.threads]]);
    if (report.regions !== undefined && cut !== regionCut) hooks.regions(f.window !== null || f.threads !== null ? regionCounts(f) : report.regions);
    regionCut = cut;
    threads.update(f);
    timeline.setWindow(f.window);
    for (const b of document.querySelectorAll<HTMLElement>('.strip-region')) b.setAttribute('aria-pressed', String(f.region !== null && b.dataset['group'] === s.index.regions[f.region]));
    bar.hidden = !on;
    const parts: string[] = [];
    if (f.window !== null) parts.push(`${seconds(f.window[0] - t0)}–${seconds(f.window[1] - t0)}`);
    if (f.threads !== null) parts.push(labels.threads);
    if (f.region !== null) parts.push(s.index.regions[f.region]!);
    text.textContent = `Showing ${fmt(tree.total)} of ${fmt(calls.total)} faults (${pct(tree.total, calls.total)}): ${parts.join(' · ')}. The tables count these faults (and a protection site the calls in the window); a region's or site's pages, classes and retry cycles stay the whole trace's.`;
    bar.dataset['faults'] = String(tree.total);
  };
  clear.addEventListener('click', () => apply(NO_FILTER));
  threads.update(filter);
  return {
    region(name) {
      const r = s.index.regions.indexOf(name);
      if (r < 0) return false;
      labels.region = name;
      apply({ ...filter, region: r });
      return true;
    },
    window: () => filter.window,
    setWindow: (w) => apply({ ...filter, window: w }),
    sites,
  };
}
