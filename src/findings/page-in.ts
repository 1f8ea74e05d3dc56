// Code page-in: instruction fetches from executable file pages not yet
// mapped in the process (outside start-up), by file; major faults when the
// trace counts them (the page had to be read from disk).
import type { Finding } from '../model.js';
import { instructionId } from '../model.js';
import { type FindingContext, faultsOf, instructionsOf, finding } from './context.js';
import { basename, count, list, share } from './words.js';

const MIN_SHARE = 0.05;

export function pageInFinding(ctx: FindingContext): Finding | undefined {
  const { other: faults, startup } = faultsOf(ctx, ['code-page-in']);
  if (faults === 0 || faults / ctx.total < MIN_SHARE) return undefined;
  const insns = instructionsOf(ctx, ['code-page-in']);
  const byFile = new Map<string, number>();
  for (const i of insns) byFile.set(basename(i.site.dso) || '[unknown]', (byFile.get(basename(i.site.dso) || '[unknown]') ?? 0) + i.faults);
  const files = [...byFile].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name, n]) => `${name} ${n}`);
  const fns = new Set(insns.map((i) => i.site.symbol).filter((s) => s !== '' && s !== '[unknown]'));
  let text = `${share(faults, ctx.total)} code page-ins: instruction fetches from executable pages not yet ` +
    `mapped in, by file: ${list(files)} (${count(fns.size, 'function')}).`;
  if (startup > 0) text += ` ${startup} more happen during start-up.`;
  const major = Object.entries(ctx.report.events).filter(([e]) => e === 'major-faults' || e.startsWith('major-faults:')).reduce((a, [, n]) => a + n, 0);
  // joined to the faults, the major ones are a finding of their own (major.ts)
  const joined = ctx.report.sites.some((s) => s.major !== undefined);
  if (major > 0 && !joined) text += ` The trace's major-faults event counts ${count(major, 'fault')} that waited for a disk read (of all kinds, start-up included).`;
  return finding(ctx, 'code-page-in', faults, {
    text,
    sites: [],
    instructions: insns.map((i) => instructionId(i.site)),
    remedy:
      major > 0
        ? 'keep the binary in the page cache (read it ahead: madvise(MADV_WILLNEED) or vmtouch), and lay out hot code together so fewer pages are fetched'
        : 'lay out hot code together (profile-guided function ordering) so fewer pages are touched; madvise(MADV_WILLNEED) on the text maps it ahead',
  });
}
