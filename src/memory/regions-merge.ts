// Report.regions read back from JSON and summed across reports (faultpath merge).
import type { FaultClass } from '../fault-class.js';
import type { OutsideReason, RegionsSection, RegionView } from './region-types.js';

/** Report.regions from the top-level JSON fields viz/json.ts writes; undefined when the report has none. */
export function regionsFromJson(data: Record<string, unknown>): RegionsSection | undefined {
  if (!Array.isArray(data['regions']) || typeof data['outsideRegions'] !== 'object' || data['outsideRegions'] === null) return undefined;
  return {
    regions: data['regions'] as RegionView[],
    outsideRegions: data['outsideRegions'] as RegionsSection['outsideRegions'],
    unaddressed: typeof data['unaddressed'] === 'number' ? data['unaddressed'] : 0,
    ...(typeof data['unaddressedTracepoint'] === 'number' ? { unaddressedTracepoint: data['unaddressedTracepoint'] } : {}),
    mapped: typeof data['mapped'] === 'number' ? data['mapped'] : 0,
    ...(data['majorJoin'] !== undefined ? { majorJoin: data['majorJoin'] as NonNullable<RegionsSection['majorJoin']> } : {}),
  };
}

/**
 * The regions of several reports: a region found in more than one (same
 * process, mapping and creating site) adds up; its pages then count a page
 * faulting in both reports twice.
 */
export function mergeRegions(sections: readonly RegionsSection[]): RegionsSection | undefined {
  if (sections.length === 0) return undefined;
  if (sections.length === 1) return sections[0];
  const regions = new Map<string, RegionView>();
  const reasons = new Map<OutsideReason['reason'], OutsideReason>();
  let outside = 0;
  let unaddressed = 0;
  let unaddressedTracepoint = 0;
  let mapped = 0;
  let join: { matched: number; unmatched: number } | undefined;
  for (const s of sections) {
    for (const r of s.regions) {
      const key = `${r.pid}\0${r.life ?? 0}\0${r.name}\0${r.start}\0${r.end}\0${r.site ?? ''}`;
      const m = regions.get(key);
      regions.set(key, m === undefined ? r : addRegion(m, r));
    }
    for (const o of s.outsideRegions.reasons) {
      const m = reasons.get(o.reason);
      reasons.set(o.reason, m === undefined ? o : { ...m, faults: m.faults + o.faults });
    }
    outside += s.outsideRegions.faults;
    unaddressed += s.unaddressed;
    unaddressedTracepoint += s.unaddressedTracepoint ?? 0;
    mapped += s.mapped;
    if (s.majorJoin !== undefined) join = { matched: (join?.matched ?? 0) + s.majorJoin.matched, unmatched: (join?.unmatched ?? 0) + s.majorJoin.unmatched };
  }
  return {
    regions: [...regions.values()].sort((a, b) => b.faults - a.faults || a.pid - b.pid || (a.start < b.start ? -1 : a.start > b.start ? 1 : 0)),
    outsideRegions: { faults: outside, reasons: [...reasons.values()].sort((a, b) => b.faults - a.faults) },
    unaddressed,
    ...(unaddressedTracepoint > 0 ? { unaddressedTracepoint } : {}),
    mapped,
    ...(join !== undefined ? { majorJoin: join } : {}),
  };
}

function addRegion(a: RegionView, b: RegionView): RegionView {
  const classes: Partial<Record<FaultClass, number>> = { ...a.classes };
  for (const [c, n] of Object.entries(b.classes) as [FaultClass, number][]) classes[c] = (classes[c] ?? 0) + n;
  const hot = new Map<string, number>();
  for (const p of [...a.hotPages, ...b.hotPages]) hot.set(p.page, (hot.get(p.page) ?? 0) + p.faults);
  return {
    ...a,
    faults: a.faults + b.faults,
    classes,
    major: a.major + b.major,
    pages: a.pages + b.pages,
    repeatPages: a.repeatPages + b.repeatPages,
    firstFault: Math.min(a.firstFault, b.firstFault),
    lastFault: Math.max(a.lastFault, b.lastFault),
    hotPages: [...hot].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, 8).map(([page, faults]) => ({ page, faults })),
  };
}
