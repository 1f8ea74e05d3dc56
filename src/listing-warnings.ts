// The listing warnings: per dso whose listing was not used, or left frames
// unresolved, why, and the fault sites that keep perf's symbol+offset.
import type { FrameResolver } from './join.js';
import type { SiteCount } from './model.js';

/**
 * One warning per dso whose listing was not used, or left some frames
 * unresolved, with the fault sites (of `sites`) that keep perf's sym+off.
 */
export function listingWarnings(resolver: FrameResolver, sites: readonly SiteCount[]): string[] {
  const dsos = new Set(resolver.warnings.keys());
  for (const dso of resolver.anchoredDsos()) dsos.add(dso);
  for (const s of sites) if (!s.resolved) dsos.add(s.dso);
  const out: string[] = [];
  for (const dso of dsos) {
    const why = resolver.unusedBecause(dso) ?? resolver.warnings.get(dso);
    if (why === undefined) continue;
    const places = new Set<string>();
    let faults = 0;
    for (const s of sites) {
      if (s.dso !== dso || s.resolved) continue;
      places.add(s.offset >= 0 && s.symbol !== '' && s.symbol !== '[unknown]' ? `${s.symbol}+${s.offset}` : s.address);
      faults += s.count;
    }
    const n = places.size;
    const count = `${n} fault site${n === 1 ? '' : 's'} (${faults} fault${faults === 1 ? '' : 's'})`;
    if (resolver.listingFor(dso) === undefined) out.push(`${why}; the listing is not used for it: ${n > 0 ? `${count} keep perf's symbol+offset` : 'no fault site is there'}`);
    else out.push(n > 0 ? `${why}; ${count} in ${dso} keep perf's symbol+offset` : why);
  }
  return out;
}
