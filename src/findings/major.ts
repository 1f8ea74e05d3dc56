// Major faults: faults that waited for the page to be read from disk (a file
// page not in the page cache, or swapped-out memory), by file and by
// faulting instruction. They cost a disk read each, orders of magnitude more
// than a minor fault, so this finding leads when there is one.
import type { Finding, SiteCount } from '../model.js';
import { instructionId } from '../model.js';
import { type FindingContext, finding } from './context.js';
import { basename, count, instructionLabel, list, share } from './words.js';

export function majorFinding(ctx: FindingContext): Finding | undefined {
  // the instructions' major faults: an instruction counted by two selected events counts the same faults twice, so its largest
  const byInstruction = new Map<string, { site: SiteCount; major: number }>();
  for (const s of ctx.report.sites) {
    if ((s.major ?? 0) === 0) continue;
    const id = instructionId(s);
    const prev = byInstruction.get(id);
    if (prev === undefined || prev.major < s.major!) byInstruction.set(id, { site: s, major: s.major! });
  }
  const faults = [...byInstruction.values()].reduce((a, i) => a + i.major, 0);
  if (faults === 0) return undefined;
  const instructions = [...byInstruction.values()].sort((a, b) => b.major - a.major || (a.site.symbol < b.site.symbol ? -1 : 1));
  const files = new Map<string, number>();
  for (const r of ctx.report.regions?.regions ?? []) if (r.major > 0) files.set(r.name, (files.get(r.name) ?? 0) + r.major);
  const byFile = [...files].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name, n]) => `${basename(name) || name} ${n}`);
  const inFiles = [...files.values()].reduce((a, b) => a + b, 0);
  let text = `${share(faults, ctx.total)} major faults: each waited for its page to be read from disk (a file page not in the page cache, or swapped-out memory).`;
  if (byFile.length > 0) text += ` By file: ${list(byFile)}${inFiles < faults ? ` (${faults - inFiles} in no known mapping)` : ''}.`;
  text += ` At ${list(instructions.map((i) => instructionLabel(i.site, count(i.major, 'fault'))))}.`;
  return finding(ctx, 'major-faults', faults, {
    text,
    sites: [],
    instructions: instructions.map((i) => instructionId(i.site)),
    remedy:
      'read the files ahead (madvise(MADV_WILLNEED), posix_fadvise(POSIX_FADV_WILLNEED), vmtouch) or map them with MAP_POPULATE, ' +
      'keep hot code together so fewer pages are read; for swapped-out memory, more RAM or mlock on the hot set',
  });
}
