// First touch of new memory: loads and stores to pages not yet mapped in the
// process, outside start-up; the mmap/brk that made the memory, where the
// protection timeline saw it.
import type { Finding } from '../model.js';
import { instructionId } from '../model.js';
import { type FindingContext, faultsOf, instructionsOf, finding } from './context.js';
import type { RegionView } from '../model.js';
import { isRuntimeDso } from '../dso.js';
import { accesses, basename, protectionInstructionName, count, instructionLabel, list, share, siteLabel, listOf } from './words.js';

const CLASSES = ['first-touch-write', 'first-touch-read'] as const;
/** Below this share of the faults, first touches are the ordinary cost of running, not a finding. */
const MIN_SHARE = 0.05;

export function firstTouchFinding(ctx: FindingContext): Finding | undefined {
  const { other: faults, startup } = faultsOf(ctx, CLASSES);
  if (faults === 0 || faults / ctx.total < MIN_SHARE) return undefined;
  const insns = instructionsOf(ctx, CLASSES);
  const writes = faultsOf(ctx, ['first-touch-write']).other;
  // the allocations: protection sites whose pages these instructions first touched
  const allocs: { label: string; site: string; faults: number }[] = [];
  const protection = ctx.report.protection?.sites ?? [];
  const names = new Set(protection.length > 0 ? insns.map((i) => protectionInstructionName(i.site)) : []);
  for (const s of protection) {
    const n = s.instructions.filter((i) => names.has(i.instruction)).reduce((a, i) => a + CLASSES.reduce((b, c) => b + (i.classes[c] ?? 0), 0), 0);
    if (n > 0) allocs.push({ label: siteLabel(s, count(n, 'fault')), site: s.site, faults: n });
  }
  allocs.sort((a, b) => b.faults - a.faults);
  let text = `${share(faults, ctx.total)} first touches: ${accesses(writes, faults - writes)} to pages not yet mapped in this process, ` +
    `at ${listOf(insns, (i) => instructionLabel(i.site, count(i.faults, 'fault')))}`;
  if (allocs.length > 0) text += `; the memory was mapped by ${list(allocs.map((a) => a.label))}`;
  text += '.';
  for (const note of notNewMemory(ctx)) text += ` ${note}`;
  if (startup > 0) text += ` (${startup} more during start-up are not counted here.)`;
  return finding(ctx, 'first-touch', faults, {
    text,
    sites: allocs.map((a) => a.site),
    instructions: insns.map((i) => instructionId(i.site)),
    remedy: 'map with MAP_POPULATE or madvise(MADV_POPULATE_WRITE) to take the faults up front, pre-touch the pages at start-up, or use transparent huge pages (madvise(MADV_HUGEPAGE)): one fault per 2 MiB',
  });
}

/** First-touch faults in a region. */
function firstTouches(r: RegionView): number {
  return CLASSES.reduce((a, c) => a + (r.classes[c] ?? 0), 0);
}

/**
 * The first touches that found a frame already there, from the region table:
 * a shared mapping inherited at fork that another process had faulted in,
 * and the pages of files the program mapped itself (read from the file).
 */
function notNewMemory(ctx: FindingContext): string[] {
  const regions = ctx.report.regions?.regions ?? [];
  const label = (site: string | null): string => {
    if (site === null) return 'an unknown call';
    const views = ctx.protectionSites(site);
    return views.length > 0 ? siteLabel(views[0]!) : site;
  };
  const out: string[] = [];
  for (const r of regions) {
    const n = firstTouches(r);
    if (n === 0 || r.kind !== 'shared' || r.call !== 'fork') continue;
    const origin = regions.find((o) => o.pid !== r.pid && o.start === r.start && o.end === r.end && o.site === r.site && o.call !== 'fork');
    const from = /from pid (\d+)/.exec(r.siteNote ?? '')?.[1] ?? (origin !== undefined ? String(origin.pid) : undefined);
    out.push(
      `${n} of them ${n === 1 ? 'is' : 'are'} not new memory: first ${accessesIn(r)} by pid ${r.pid} to a shared mapping made by ${label(r.site)}` +
        (from !== undefined ? ` and inherited from pid ${from}` : ' and inherited at fork') +
        (origin !== undefined && origin.pages > 0
          ? `, which had faulted ${count(origin.pages, 'page')} of it in first: the frames existed, and each fault mapped one into pid ${r.pid}.`
          : ': its frames may exist already; each fault maps one into this process.'),
    );
  }
  const files = new Map<string, { n: number; sites: Set<string> }>();
  for (const r of regions) {
    const n = firstTouches(r);
    if (n === 0 || r.kind !== 'file' || r.call !== 'mmap' || r.site === null) continue;
    const views = ctx.protectionSites(r.site);
    // a call the program made itself (libc and ld.so map files during start-up); a site in no known dso is not taken for one
    if (views.length === 0 || views.some((v) => v.dso === '' || v.dso.startsWith('(') || isRuntimeDso(v.dso))) continue;
    const f = files.get(r.name) ?? { n: 0, sites: new Set<string>() };
    files.set(r.name, f);
    f.n += n;
    f.sites.add(label(r.site));
  }
  if (files.size > 0) {
    const n = [...files.values()].reduce((a, f) => a + f.n, 0);
    const names = [...files].sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1)).map(([name, f]) => `${basename(name)} ${f.n}, mapped by ${list([...f.sites])}`);
    out.push(`${n} of them ${n === 1 ? 'is a page' : 'are pages'} of files the program mapped (${list(names)}): read from the file, not new memory.`);
  }
  return out;
}

function accessesIn(r: RegionView): string {
  const w = r.classes['first-touch-write'] ?? 0;
  const l = r.classes['first-touch-read'] ?? 0;
  return w > 0 && l === 0 ? 'stores' : l > 0 && w === 0 ? 'loads' : 'accesses';
}
