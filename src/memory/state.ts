// The timeline's working state: changes, per-site and per-instruction
// aggregates, calls in flight, threads and processes.
import type { FaultClass } from '../fault-class.js';
import type { ProtectionCall, ProtectionChange } from './protection-types.js';
import type { Frame, SampleRecord } from '../../parsers/records.js';
import type { PageMap, Segment } from './page-map.js';
import type { FlushPlace } from './tlb-place.js';

export interface Change {
  readonly view: ProtectionChange;
  readonly agg: SiteAgg;
  /** Per fault family (index in FAULT_FAMILIES): the faults it covered. */
  readonly faults: number[];
  failed: boolean;
  applied: boolean;
  // Ranges as they were before the change, to undo it when its exit says it failed: the segments
  // in [start, end) then (they may reach past it: only the part inside is put back).
  undo: { start: number; end: number; prev: readonly Segment<Change>[] }[];
  // Retry cycles this change closed, in any family (undone with it).
  closed: { instr: InstrAgg; agg: FaultAgg; delay: number }[];
}

/** Faults by class, and the retry cycles among them. */
interface FaultTally {
  faults: number;
  classes: Map<FaultClass, number>;
  cycles: number;
}

export interface InstrAgg extends FaultTally {
  instruction: string;
  handlers: Map<string, number>;
}

/**
 * A site's calls: what every fault family's timeline saw alike, kept once.
 * `fam`: per fault family, the faults its events counted at the site.
 */
export interface SiteAgg {
  site: string;
  calls: Map<string, number>;
  prots: Map<string, number>;
  failed: number;
  pages: number;
  /** The first and last call. */
  firstTime: number;
  lastTime: number;
  /** Calls timed from their entry to their exit record: how many, seconds in all, the longest. */
  timedCalls: number;
  timedTotal: number;
  timedMax: number;
  readonly fam: FaultAgg[];
}

/** One fault family's faults at a site, their retry cycles, and the TLB flushes its timeline charged there. */
export interface FaultAgg extends FaultTally {
  instructions: Map<string, InstrAgg>;
  /** The same by the faulting frame (interned by the parser): no key per fault. */
  instructionsByFrame: Map<Frame, InstrAgg>;
  tlb: Map<string, number>;
  /** The same flushes by where they ran (`inside mprotect`, `copy-on-write fault`…). */
  tlbCauses: Map<string, number>;
  denied: number;
  /** The shortest and longest time from a change to a fault it covered (seconds). */
  sinceMin: number;
  sinceMax: number;
  /** Retry cycles timed from the fault to the handler's call that closed it: seconds in all, the longest. */
  handlerTotal: number;
  handlerMax: number;
}

// An mmap/mremap entered whose address only its exit will tell.
export interface Placement {
  call: 'mmap' | 'mremap';
  record: SampleRecord;
  proc: Process;
  len: number;
  prot: number;
  oldAddr: number;
  oldLen: number;
  flags: number;
}

export interface OpenCall {
  call: ProtectionCall;
  change?: Change;
  placement?: Placement;
  // The record carried its own ret (perf trace): no exit will follow.
  complete: boolean;
  time: number;
  // Per fault family: flushes without a callchain charged to it by time, inside it if its exit follows, else only after it.
  timed?: ({ agg: FaultAgg | undefined }[] | undefined)[];
}

export interface Flush {
  time: number;
  reason: string;
  pages: number;
  /** Where its callchain says it ran; absent without one. */
  place?: FlushPlace;
}

// The thread's latest fault, to which the flushes of its fault path belong.
export interface FaultState {
  // noteFault told its attribution (it may never: a filtered fault)
  noted: boolean;
  agg: FaultAgg | undefined;
  cls: FaultClass | undefined;
  kernelMode: boolean | undefined;
  // flushes that came before their fault's record (minor/major-faults count a fault once handled)
  waiting: readonly Flush[];
}

export interface Thread {
  tid: number;
  open?: OpenCall;
  /** Per fault family: what its faults and flushes left pending. */
  readonly fam: FamilyThread[];
}

/** A thread's state in one fault family's timeline. */
export interface FamilyThread {
  // Flushes waiting for the thread's next record to tell which call they belong to.
  held: Flush[];
  fault?: FaultState;
  // The state of a fault that ended, for the next fault record to reuse.
  spare?: FaultState;
  // Fault-path flushes waiting for their fault's record.
  faultFlushes?: Flush[];
  // A denied fault waiting for a handler's change that grants the access.
  // It expires at the thread's second protection call after the fault (new memory mapped elsewhere
  // does not count): the handler's call is the first.
  pendingFault?: { page: number; need: number; instr: InstrAgg; agg: FaultAgg; expires: boolean; time: number };
}

export interface Process {
  key: number;
  map: PageMap<Change>;
}

export function bump<K>(m: Map<K, number>, k: K, by: number): void {
  const v = (m.get(k) ?? 0) + by;
  if (v === 0) m.delete(k);
  else m.set(k, v);
}
