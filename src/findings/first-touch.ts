// First touch of new memory: loads and stores to pages not yet mapped in the
// process, outside start-up; the mmap/brk that made the memory, where the
// protection timeline saw it.
import type { Finding } from '../model.js';
import { instructionId } from '../model.js';
import { type FindingContext, faultsOf, instructionsOf } from './context.js';
import { protectionInstructionName, count, instructionLabel, list, percent, siteLabel } from './words.js';

const CLASSES = ['first-touch-write', 'first-touch-read'] as const;
/** Below this share of the faults, first touches are the ordinary cost of running, not a finding. */
const MIN_SHARE = 0.05;

export function firstTouchFinding(ctx: FindingContext): Finding | undefined {
  const { other: faults, startup } = faultsOf(ctx, CLASSES);
  if (faults === 0 || faults / ctx.total < MIN_SHARE) return undefined;
  const insns = instructionsOf(ctx, CLASSES);
  const names = new Set(insns.map((i) => protectionInstructionName(i.site)));
  const writes = faultsOf(ctx, ['first-touch-write']).other;
  // the allocations: protection sites whose pages these instructions first touched
  const allocs: { label: string; site: string; faults: number }[] = [];
  for (const s of ctx.report.protection?.sites ?? []) {
    const n = s.instructions.filter((i) => names.has(i.instruction)).reduce((a, i) => a + CLASSES.reduce((b, c) => b + (i.classes[c] ?? 0), 0), 0);
    if (n > 0) allocs.push({ label: siteLabel(s, count(n, 'fault')), site: s.site, faults: n });
  }
  allocs.sort((a, b) => b.faults - a.faults);
  const access = writes === faults ? 'stores' : writes === 0 ? 'loads' : `${writes} stores and ${faults - writes} loads`;
  let text = `${faults} of ${count(ctx.total, 'fault')} (${percent(faults, ctx.total)}) are first touches of new memory: ${access} to pages not yet mapped in, ` +
    `at ${list(insns.map((i) => instructionLabel(i.site, count(i.faults, 'fault'))))}`;
  if (allocs.length > 0) text += `; the memory was mapped by ${list(allocs.map((a) => a.label))}`;
  text += '.';
  if (startup > 0) text += ` (${startup} more during start-up are not counted here.)`;
  return {
    kind: 'first-touch',
    share: faults / ctx.total,
    faults,
    text,
    sites: allocs.map((a) => a.site),
    instructions: insns.map((i) => instructionId(i.site)),
    remedy: 'map with MAP_POPULATE or madvise(MADV_POPULATE_WRITE) to take the faults up front, pre-touch the pages at start-up, or use transparent huge pages (madvise(MADV_HUGEPAGE)): one fault per 2 MiB',
  };
}
