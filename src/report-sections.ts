// The report's sections that are assembled from what the accumulator
// gathered: processes (with their fork sites) and memory regions.
import { baseEventName } from './events.js';
import type { FrameResolver } from './join.js';
import type { RegionFaults } from './memory/region-faults.js';
import type { CallSite, FaultClass, FaultSite, Frame, ProcessSummary, RegionsSection, SiteCount } from './model.js';
import type { ProtectionSites } from './protection-sites.js';
import { lifeOfKey, pidOfKey } from './process-life.js';

/** One process's faults of one event. */
export interface ProcessFaults {
  comm: string;
  faults: number;
  classes: Partial<Record<FaultClass, number>>;
}


/**
 * Report.processes: the selected events' faults by process, with their classes and parents. Keys are
 * lifeKeys; `lives` is how many processes had a pid over the trace.
 */
export function processSummaries(
  byEvent: Record<string, Map<number, ProcessFaults>>,
  selected: ReadonlySet<string>,
  parents: ReadonlyMap<number, number>,
  forkSite: (key: number) => CallSite | undefined,
  lives: (pid: number) => number,
): ProcessSummary[] {
  type Summary = { -readonly [K in keyof ProcessSummary]: ProcessSummary[K] } & { classes: Partial<Record<FaultClass, number>> };
  const out = new Map<number, Summary>();
  // its life, 1-based, where its pid had more than one
  const life = (key: number): { life?: number } => (lives(pidOfKey(key)) > 1 ? { life: lifeOfKey(key) + 1 } : {});
  for (const e of selected) {
    for (const [key, p] of byEvent[e] ?? []) {
      let o = out.get(key);
      if (o === undefined) {
        const parent = parents.get(key);
        const site = parent !== undefined ? forkSite(key) : undefined;
        const parentLife = parent !== undefined ? life(parent).life : undefined;
        o = {
          pid: pidOfKey(key),
          ...life(key),
          comm: p.comm,
          ...(parent !== undefined ? { parent: pidOfKey(parent) } : {}),
          ...(parentLife !== undefined ? { parentLife } : {}),
          ...(site !== undefined ? { forkSite: site } : {}),
          faults: 0,
          classes: {},
        };
        out.set(key, o);
      }
      o.faults += p.faults;
      for (const [c, v] of Object.entries(p.classes)) o.classes[c as FaultClass] = (o.classes[c as FaultClass] ?? 0) + v;
    }
  }
  return [...out.values()].sort((a, b) => b.faults - a.faults || a.pid - b.pid || (a.life ?? 0) - (b.life ?? 0));
}

/** Report.regions, and each ranked site's major faults. */
export function regionSection(faults: RegionFaults, selected: ReadonlySet<string>, keeps: (f: Frame) => boolean, sites: ProtectionSites, resolver: FrameResolver, ranked: SiteCount[]): RegionsSection {
  const major = new Map<string, number>();
  const key = (event: string, s: FaultSite): string => `${event}\0${s.dso}\0${s.address}\0${s.symbol}\0${s.offset}`;
  const section = faults.section(selected, keeps, { name: sites.siteName, dso: (k) => sites.info(k)?.dso, stopped: (k) => sites.stopped.has(sites.info(k)?.key ?? '') }, (event, frame, n) => {
    const k = key(event, resolver.resolve(frame));
    major.set(k, (major.get(k) ?? 0) + n);
  });
  if (section.majorJoin !== undefined || [...selected].some((e) => baseEventName(e) === 'major-faults')) {
    for (const s of ranked) s.major = major.get(key(s.event, s)) ?? 0;
  }
  return section;
}

/** The fork site of a process (its parent's clone/fork call's site key), named. */
export function forkSiteOf(key: string | undefined, sites: ProtectionSites): CallSite | undefined {
  if (key === undefined) return undefined;
  const info = sites.info(key);
  return {
    site: sites.siteName(key),
    dso: info?.dso ?? '',
    symbol: info?.symbol ?? '',
    offset: info !== undefined && info.offset >= 0 ? info.offset : null,
    source: info?.source ?? null,
    inferred: info?.inferred ?? false,
  };
}
