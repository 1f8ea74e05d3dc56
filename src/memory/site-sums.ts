// Protection site summaries added up: two stacks the listings named alike are
// one site (src/protection-sites.ts), and merged reports add their sites'
// call and handler times (src/merge.ts).
import type { ProtectionInstruction, ProtectionSiteSummary } from './protection-types.js';
import { byInstructionOrder, fromMap } from './summary.js';

/** Two summaries of stacks named alike → one, as the timeline would have summed them under one key. */
export function mergeSites(a: ProtectionSiteSummary, b: ProtectionSiteSummary): ProtectionSiteSummary {
  const instructions = new Map<string, ProtectionInstruction>();
  for (const i of [...a.instructions, ...b.instructions]) {
    const prev = instructions.get(i.instruction);
    instructions.set(
      i.instruction,
      prev === undefined
        ? i
        : {
            instruction: i.instruction,
            faults: prev.faults + i.faults,
            classes: addRecords(prev.classes, i.classes),
            cycles: prev.cycles + i.cycles,
            handlers: addRecords(prev.handlers, i.handlers),
          },
    );
  }
  const since = [a.sinceChange, b.sinceChange].filter((x) => x !== undefined);
  return {
    site: a.site,
    calls: addRecords(a.calls, b.calls),
    failed: a.failed + b.failed,
    prots: addRecords(a.prots, b.prots),
    pages: a.pages + b.pages,
    firstTime: Math.min(a.firstTime, b.firstTime),
    lastTime: Math.max(a.lastTime, b.lastTime),
    faults: a.faults + b.faults,
    classes: addRecords(a.classes, b.classes),
    denied: a.denied + b.denied,
    ...(since.length > 0 ? { sinceChange: { min: Math.min(...since.map((x) => x.min)), max: Math.max(...since.map((x) => x.max)) } } : {}),
    // as ProtectionTimeline.summary sorts them
    instructions: [...instructions.values()].sort(byInstructionOrder),
    cycles: a.cycles + b.cycles,
    tlbFlushes: addRecords(a.tlbFlushes, b.tlbFlushes),
    tlbFlushCauses: addRecords(a.tlbFlushCauses ?? {}, b.tlbFlushCauses ?? {}),
    ...addCallTime(a.callTime, b.callTime),
    ...addHandlerTime(a.handlerTime, b.handlerTime),
  };
}

// Sums per key, keys sorted as the timeline sorts them.
function addRecords<K extends string>(a: Partial<Record<K, number>>, b: Partial<Record<K, number>>): Record<K, number> {
  const out = new Map<K, number>();
  for (const r of [a, b]) for (const [k, v] of Object.entries(r) as [K, number][]) out.set(k, (out.get(k) ?? 0) + v);
  return fromMap(out);
}

// Call times of two summaries added (either may have none).
export function addCallTime(a: ProtectionSiteSummary['callTime'], b: ProtectionSiteSummary['callTime']): Pick<ProtectionSiteSummary, 'callTime'> {
  if (a === undefined || b === undefined) return a !== undefined ? { callTime: a } : b !== undefined ? { callTime: b } : {};
  return { callTime: { calls: a.calls + b.calls, total: a.total + b.total, max: Math.max(a.max, b.max) } };
}

// Fault-to-handler times of two summaries added (either may have none).
export function addHandlerTime(a: ProtectionSiteSummary['handlerTime'], b: ProtectionSiteSummary['handlerTime']): Pick<ProtectionSiteSummary, 'handlerTime'> {
  if (a === undefined || b === undefined) return a !== undefined ? { handlerTime: a } : b !== undefined ? { handlerTime: b } : {};
  return { handlerTime: { cycles: a.cycles + b.cycles, total: a.total + b.total, max: Math.max(a.max, b.max) } };
}
