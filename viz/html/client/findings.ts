// The findings' links (written by ../findings.ts): a protection site shows its
// faults in the flame graph, an instruction zooms to its frame. Without script
// the same links jump to the static tables' rows.
import { instructionId, type FaultSite, type ProtectionSiteView, type Report } from '../../../src/model.js';

export function wireFindings(report: Omit<Report, 'tree'>, showCover: (site: ProtectionSiteView) => void, showSite: (site: FaultSite) => void): void {
  const views = report.protection?.sites ?? [];
  const byId = new Map<string, FaultSite>();
  for (const s of report.sites) if (!byId.has(instructionId(s))) byId.set(instructionId(s), s);
  for (const a of Array.from(document.querySelectorAll<HTMLAnchorElement>('#findings a[data-site], #headline a[data-site]'))) {
    const site = views[Number(a.dataset['site'])];
    if (site === undefined) continue;
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      showCover(site);
    });
  }
  for (const a of Array.from(document.querySelectorAll<HTMLAnchorElement>('#findings a[data-ins], #headline a[data-ins]'))) {
    const site = byId.get(a.dataset['ins'] ?? '');
    if (site === undefined) continue;
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      showSite(site);
    });
  }
}
