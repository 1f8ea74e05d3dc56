// Per-site summaries and the report's notes, read from the timeline's state.
import type { ProtectionInstruction, ProtectionSiteSummary } from './protection-types.js';
import type { SiteAgg } from './state.js';
import { cmp } from '../dso.js';

/** Per-site summaries with the faults of `family` (index in FAULT_FAMILIES), sorted by faults, then calls, descending, then site. */
export function summarizeSites(sites: Iterable<SiteAgg>, family: number): ProtectionSiteSummary[] {
  const out: ProtectionSiteSummary[] = [];
  for (const c of sites) {
    const a = c.fam[family]!;
    const instructions: ProtectionInstruction[] = [...a.instructions.values()]
      .map((i) => ({
        instruction: i.instruction,
        faults: i.faults,
        classes: fromMap(i.classes),
        cycles: i.cycles,
        handlers: fromMap(i.handlers),
      }))
      .sort(byInstructionOrder);
    out.push({
      site: c.site,
      calls: fromMap(c.calls),
      failed: c.failed,
      prots: fromMap(c.prots),
      pages: c.pages,
      firstTime: c.firstTime,
      lastTime: c.lastTime,
      faults: a.faults,
      classes: fromMap(a.classes),
      denied: a.denied,
      ...(a.sinceMin <= a.sinceMax ? { sinceChange: { min: a.sinceMin, max: a.sinceMax } } : {}),
      instructions,
      cycles: a.cycles,
      tlbFlushes: fromMap(a.tlb),
      tlbFlushCauses: fromMap(a.tlbCauses),
      ...(c.timedCalls > 0 ? { callTime: { calls: c.timedCalls, total: c.timedTotal, max: c.timedMax } } : {}),
      ...(a.cycles > 0 ? { handlerTime: { cycles: a.cycles, total: a.handlerTotal, max: a.handlerMax } } : {}),
    });
  }
  return out.sort(bySiteOrder);
}

/** The order of a site's faulting instructions: faults, then retry cycles, descending, then instruction. */
export function byInstructionOrder(x: ProtectionInstruction, y: ProtectionInstruction): number {
  return y.faults - x.faults || y.cycles - x.cycles || cmp(x.instruction, y.instruction);
}

/** The order of sites in every report: faults, then calls, descending, then site. */
export function bySiteOrder(x: ProtectionSiteSummary, y: ProtectionSiteSummary): number {
  return y.faults - x.faults || callCount(y) - callCount(x) || cmp(x.site, y.site);
}

function callCount(s: ProtectionSiteSummary): number {
  return Object.values(s.calls).reduce((a, b) => a + b, 0);
}

/** What the trace could not tell the timeline, in words, with the perf option that would. */
export interface NoteCounts {
  entersSeen: ReadonlySet<string>;
  exitsSeen: ReadonlySet<string>;
  unplaced: number;
  /** ThreadOwners' notes. */
  threadNotes: readonly string[];
  unreadable: number;
  lost: number;
}

/**
 * A note of the timeline, with what it is about: `capture` notes (no exit
 * records, lost events) the capture-quality finding states with the perf
 * option, `threads` notes ThreadOwners gives the report itself; the rest are
 * the report's warnings.
 */
export interface TimelineNote {
  readonly about: 'capture' | 'threads' | 'unplaced' | 'unreadable';
  readonly text: string;
}

export function timelineNotes(c: NoteCounts): TimelineNote[] {
  const notes: TimelineNote[] = [];
  for (const call of [...c.entersSeen].sort()) {
    if (!c.exitsSeen.has(call)) notes.push({ about: 'capture', text: `no sys_exit_${call} records: failed ${call} calls cannot be told apart from successful ones` });
  }
  // without the exit records of mmap or mremap that is what the capture lacks, said there
  const noExits = ['mmap', 'mremap'].some((call) => c.entersSeen.has(call) && !c.exitsSeen.has(call));
  if (c.unplaced > 0) notes.push({ about: noExits ? 'capture' : 'unplaced', text: `${c.unplaced} mmap/mremap calls could not be placed (the address is in the sys_exit record, which the trace lacks)` });
  for (const text of c.threadNotes) notes.push({ about: 'threads', text });
  if (c.unreadable > 0) notes.push({ about: 'unreadable', text: `${c.unreadable} protection records could not be read` });
  if (c.lost > 0) notes.push({ about: 'capture', text: `${c.lost} events were lost: the timeline may miss changes` });
  return notes;
}

/** A count map as a record, keys sorted. */
export function fromMap<K extends string>(m: Map<K, number>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of [...m.keys()].sort()) out[k] = m.get(k)!;
  return out;
}
