/**
 * Protection sites over several selected fault events. The tree counts a fault
 * once per selected event (exceptions:page_fault_user and page-faults sample
 * the same faults), so the protection sites do too: each event family's
 * timeline attributes its own faults, and their fault counts add up here.
 * The calls, pages, timings and TLB flushes come from the protection records,
 * which every timeline saw alike: they are taken once, from the first report.
 */
import type { FaultClass } from './fault-class.js';
import type { ProtectionInstruction, ProtectionReport, ProtectionSiteSummary } from './memory/protection-types.js';
import { bySiteOrder } from './memory/summary.js';
import { faultFamily } from './events.js';

// Declared here, not in protection-types.ts: the page's script bundles that file, and its minifier names
// by the characters of every module it reaches, types included (a field there renames the page's script).
declare module './memory/protection-types.js' {
  interface ProtectionReport {
    /** Of `noAddressFaults`, tracepoint faults printed without their payload (perf script -F without trace), which holds the address; absent when none. */
    readonly noAddressTracepoint?: number;
  }
}

/**
 * `reports` in family order (tracepoints first); `noAddress` is, per selected
 * event, the value of its faults that carry no data address and so could not
 * be placed on a page: they count as uncovered, with a note saying why.
 */
export function combineFamilies(reports: readonly ProtectionReport[], noAddress: Readonly<Record<string, number>>): ProtectionReport {
  const [first, ...rest] = reports;
  if (first === undefined) throw new Error('combineFamilies: no report');
  const sites = new Map(first.sites.map((s) => [s.site, s]));
  let uncoveredFaults = first.uncoveredFaults;
  for (const r of rest) {
    uncoveredFaults += r.uncoveredFaults;
    for (const s of r.sites) {
      const base = sites.get(s.site);
      if (base === undefined) sites.set(s.site, s);
      else if (s.faults > 0) sites.set(s.site, addFaults(base, s));
    }
  }
  const notes = [...first.notes];
  const missing = Object.entries(noAddress).filter(([, v]) => v > 0);
  let noAddressFaults = 0;
  let noAddressTracepoint = 0;
  for (const [event, value] of missing) {
    uncoveredFaults += value;
    noAddressFaults += value;
    // a tracepoint's address is in its payload, gone where perf script's -F list has no trace
    const tracepoint = faultFamily(event) === 0;
    if (tracepoint) noAddressTracepoint += value;
    const remedy = tracepoint ? `its payload carries the address: keep trace in perf script's -F list` : `the exceptions:page_fault_user tracepoint carries the address; for ${event}, record with perf record -d and keep addr in perf script's -F list`;
    notes.push(`${value} ${event} fault${value === 1 ? ' carries' : 's carry'} no data address, so no page and no protection site: counted as uncovered (${remedy})`);
  }
  const ordered = [...sites.values()].sort(bySiteOrder);
  return { ...first, sites: ordered, uncoveredFaults, ...(noAddressFaults > 0 ? { noAddressFaults } : {}), ...(noAddressTracepoint > 0 ? { noAddressTracepoint } : {}), notes };
}

/** `base` with `more`'s faults added: counts, classes, denied, time since the change, faulting instructions. */
function addFaults(base: ProtectionSiteSummary, more: ProtectionSiteSummary): ProtectionSiteSummary {
  const instructions = new Map(base.instructions.map((i) => [i.instruction, i]));
  for (const i of more.instructions) {
    const b = instructions.get(i.instruction);
    instructions.set(i.instruction, b === undefined ? { ...i, cycles: 0, handlers: {} } : addInstruction(b, i));
  }
  const since = base.sinceChange === undefined ? more.sinceChange : more.sinceChange === undefined ? base.sinceChange : { min: Math.min(base.sinceChange.min, more.sinceChange.min), max: Math.max(base.sinceChange.max, more.sinceChange.max) };
  return {
    ...base,
    faults: base.faults + more.faults,
    denied: base.denied + more.denied,
    classes: addClasses(base.classes, more.classes),
    ...(since !== undefined ? { sinceChange: since } : {}),
    instructions: [...instructions.values()].sort((a, b) => b.faults - a.faults || (a.instruction < b.instruction ? -1 : a.instruction > b.instruction ? 1 : 0)),
  };
}

// retry cycles are fault → handler call → retry: one per fault, however many events sampled it, so the first family's stay
function addInstruction(base: ProtectionInstruction, more: ProtectionInstruction): ProtectionInstruction {
  return { ...base, faults: base.faults + more.faults, classes: addClasses(base.classes, more.classes) };
}

function addClasses(a: Partial<Record<FaultClass, number>>, b: Partial<Record<FaultClass, number>>): Partial<Record<FaultClass, number>> {
  const out = { ...a };
  for (const [c, v] of Object.entries(b)) out[c as FaultClass] = (out[c as FaultClass] ?? 0) + (v ?? 0);
  return out;
}
