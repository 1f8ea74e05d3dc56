// Signals the trace recorded: signal:signal_generate (the kernel raises one,
// e.g. SIGSEGV for a fault on a protected page) and signal:signal_deliver (a
// handler is about to run). The guard-page finding counts deliveries per
// retry cycle from them; without them it can only infer one signal per cycle.
//   guard 29488/29488 [001] 10056.658742: signal:signal_generate: sig=11 errno=0 code=2 comm=guard pid=29488 grp=0 res=0
//   guard 29488/29488 [001] 10056.658745: signal:signal_deliver: sig=11 errno=0 code=2 sa_handler=55d0c6a8a1c9 sa_flags=1c000004
import { constants } from 'node:os';
import type { SignalEvent } from './events.js';
import type { SignalsSection } from './model.js';

const NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n as number, name]));

/** `SIGSEGV` for 11; `signal 99` for a number this platform does not name. */
export function signalName(n: number): string {
  return NAMES.get(n) ?? `signal ${n}`;
}

/** Counts the signal records the filters keep, by signal name. */
export class SignalCounter {
  private readonly generated = new Map<string, number>();
  private readonly delivered = new Map<string, number>();
  private recorded = false;

  /** Any signal tracepoint record, kept by the filters or not: the trace records signals. */
  note(): void {
    this.recorded = true;
  }

  /** A signal event the filters kept. */
  add(e: SignalEvent): void {
    if (e.signal === undefined) return;
    const into = e.delivered ? this.delivered : this.generated;
    const name = signalName(e.signal);
    into.set(name, (into.get(name) ?? 0) + e.record.period);
  }

  result(): SignalsSection | undefined {
    if (!this.recorded) return undefined;
    const sorted = (m: Map<string, number>): Record<string, number> => Object.fromEntries([...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
    return { generated: sorted(this.generated), delivered: sorted(this.delivered) };
  }
}
