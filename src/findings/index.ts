// Findings: what the finished report shows, answer first. Each pattern reads
// the report (src/findings/<pattern>.ts) and returns a finding or nothing;
// none is written for a sample.
import type { Finding, Report } from '../model.js';
import { captureFinding } from './capture.js';
import { findingContext } from './context.js';
import { copyOnWriteFinding } from './cow.js';
import { firstTouchFinding } from './first-touch.js';
import { guardFinding } from './guard.js';
import { majorFinding } from './major.js';
import { nxFinding } from './nx.js';
import { pageInFinding } from './page-in.js';
import { startupFinding } from './startup.js';

export { foldStartup, isStartupPath, STARTUP_NODE } from './startup.js';

/** Start-up leads the findings when no pattern explains this share of the faults. */
const STARTUP_LEADS_BELOW = 0.1;

const PATTERNS = [majorFinding, guardFinding, nxFinding, copyOnWriteFinding, firstTouchFinding, pageInFinding];

/**
 * The findings of a report whose tree is the call-path tree (not inverted,
 * grouped or pruned): major faults (disk reads) first, the patterns by the
 * share of faults they explain, then start-up (first when no pattern explains
 * a tenth of the faults), then what the capture lacks.
 */
export function findFindings(report: Report): Finding[] {
  const ctx = findingContext(report);
  const out: Finding[] = [];
  if (ctx.total > 0) {
    for (const pattern of PATTERNS) {
      const f = pattern(ctx);
      if (f !== undefined) out.push(f);
    }
    // major faults first: each is a disk read, costlier than any pattern of minor faults
    out.sort((a, b) => Number(b.kind === 'major-faults') - Number(a.kind === 'major-faults') || b.share - a.share);
    // start-up comes after the patterns, unless none of them explains a tenth of the faults
    const startup = startupFinding(ctx);
    if (startup !== undefined) {
      if (out.some((f) => f.share >= STARTUP_LEADS_BELOW || f.kind === 'major-faults')) out.push(startup);
      else out.unshift(startup);
    }
  }
  const capture = captureFinding(ctx);
  if (capture !== undefined) out.push(capture);
  return out;
}
