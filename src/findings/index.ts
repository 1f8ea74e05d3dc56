// Findings: what the finished report shows, answer first. Each pattern reads
// the report (src/findings/<pattern>.ts) and returns a finding or nothing;
// none is written for a sample.
import type { Finding, Report } from '../model.js';
import { captureFinding } from './capture.js';
import { findingContext } from './context.js';
import { copyOnWriteFinding } from './cow.js';
import { firstTouchFinding } from './first-touch.js';
import { guardFinding } from './guard.js';
import { nxFinding } from './nx.js';
import { pageInFinding } from './page-in.js';
import { startupFinding } from './startup.js';

export { foldStartup, isStartupPath, STARTUP_NODE } from './startup.js';

const PATTERNS = [guardFinding, nxFinding, copyOnWriteFinding, firstTouchFinding, pageInFinding];

/**
 * The findings of a report whose tree is the call-path tree (not inverted,
 * grouped or pruned): the patterns by the share of faults they explain, then
 * start-up, then what the capture lacks.
 */
export function findFindings(report: Report): Finding[] {
  const ctx = findingContext(report);
  const out: Finding[] = [];
  if (ctx.total > 0) {
    for (const pattern of PATTERNS) {
      const f = pattern(ctx);
      if (f !== undefined) out.push(f);
    }
    out.sort((a, b) => b.share - a.share);
    const startup = startupFinding(ctx);
    if (startup !== undefined) out.push(startup);
  }
  const capture = captureFinding(ctx);
  if (capture !== undefined) out.push(capture);
  return out;
}
