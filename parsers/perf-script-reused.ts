// The one sample record a PerfScriptParser hands over again and again when it
// is made after `handRecordsReused()` (report's worker thread, whose encoder
// copies each record the moment it gets it): no object per record, and a
// payload read from bytes stays bytes (its text is decoded only if asked for).
import type { Frame, SampleRecord } from './records.js';
import { latin1 } from './perf-script-header-bytes.js';

let reuse = false;

/** Parsers made from now on in this thread hand one ReusedSample, valid only during onRecord. */
export function handRecordsReused(): void {
  reuse = true;
}

export function recordsReused(): boolean {
  return reuse;
}

export class ReusedSample implements SampleRecord {
  readonly kind = 'sample';
  line = 0;
  comm = '';
  pid = 0;
  tid = 0;
  cpu = 0;
  time = 0;
  period = 0;
  event = '';
  stack: readonly Frame[] = [];
  stackId: number | undefined = undefined;
  /**
   * Non-null: the payload is ASCII, bytes [0, payloadLength) of `bytes` (the
   * parser's, rewritten for the next record), and the data address, when
   * addrAt ≥ 0, is its bytes [addrAt, addrAt + addrLength). Null: they are
   * `text` and `addrText`.
   */
  bytes: Buffer | null = null;
  payloadLength = 0;
  addrAt = -1;
  addrLength = 0;
  text = '';
  addrText: string | undefined = undefined;

  constructor(readonly source: string) {}

  get payload(): string {
    return this.bytes !== null ? latin1(this.bytes, 0, this.payloadLength) : this.text;
  }

  get addr(): string | undefined {
    if (this.bytes === null) return this.addrText;
    return this.addrAt < 0 ? undefined : latin1(this.bytes, this.addrAt, this.addrAt + this.addrLength);
  }

  /**
   * With `bytes`: the data address's value as src/events.ts reads `addr` (perf's bare hex; NaN
   * without one, or past 2^53), read from its bytes: no string made.
   */
  addrValue(): number {
    const b = this.bytes!;
    if (this.addrAt < 0) return NaN;
    // the parser found lowercase hex digits there (RestBytes)
    let v = 0;
    for (let i = this.addrAt, end = i + this.addrLength; i < end; i++) {
      const c = b[i]!;
      v = v * 16 + (c <= 57 ? c - 48 : c - 87);
    }
    return this.addrLength > 0 && Number.isSafeInteger(v) ? v : NaN;
  }

  /** A record of its own with what this one holds now, keys in the parser's order. */
  plain(): SampleRecord {
    const { source, line, comm, pid, tid, cpu, time, period, event, payload, addr, stack, stackId } = this;
    return addr === undefined
      ? { kind: 'sample', source, line, comm, pid, tid, cpu, time, period, event, payload, stack, stackId }
      : { kind: 'sample', source, line, comm, pid, tid, cpu, time, period, event, payload, addr, stack, stackId };
  }
}

