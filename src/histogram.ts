// Faults over time in bounded memory: fixed-count bins whose width doubles
// (merging pairs) whenever a time falls past the last bin.
import type { FaultClass } from './model.js';

export interface TimeBin {
  /** Bin start, seconds. */
  readonly time: number;
  readonly class: FaultClass;
  readonly value: number;
}

export class TimeHistogram {
  private start = NaN;
  private width: number;
  /** Rows keyed by event and class, so a subset of events can be read out at the end. */
  private readonly bins = new Map<string, { event: string; cls: FaultClass; row: number[] }>();
  private last: { event: string; cls: FaultClass; row: number[] } | undefined;

  /** `maxBins` bins at most; `initialWidth` seconds each to begin with. */
  constructor(
    private readonly maxBins = 200,
    initialWidth = 1e-4,
  ) {
    this.width = initialWidth;
  }

  add(time: number, cls: FaultClass, value: number, event = ''): void {
    if (Number.isNaN(time)) return;
    if (Number.isNaN(this.start)) this.start = time;
    if (time < this.start) this.rebase(time);
    let i = Math.floor((time - this.start) / this.width);
    while (i >= this.maxBins) {
      this.coarsen();
      i = Math.floor((time - this.start) / this.width);
    }
    // runs of one event and class are the rule: no key string for them
    let entry = this.last;
    if (entry === undefined || entry.event !== event || entry.cls !== cls) {
      const key = event + '\0' + cls;
      entry = this.bins.get(key);
      if (entry === undefined) {
        entry = { event, cls, row: new Array<number>(this.maxBins).fill(0) };
        this.bins.set(key, entry);
      }
      this.last = entry;
    }
    entry.row[i] = entry.row[i]! + value;
  }

  /** Non-empty bins of these events (default all), summed by class, by time then class. */
  result(events?: ReadonlySet<string>): TimeBin[] {
    const sums = new Map<FaultClass, number[]>();
    for (const { event, cls, row } of this.bins.values()) {
      if (events !== undefined && !events.has(event)) continue;
      let sum = sums.get(cls);
      if (sum === undefined) {
        sum = new Array<number>(this.maxBins).fill(0);
        sums.set(cls, sum);
      }
      for (let i = 0; i < this.maxBins; i++) sum[i]! += row[i]!;
    }
    const out: TimeBin[] = [];
    for (const [cls, row] of sums) {
      row.forEach((v, i) => {
        if (v > 0) out.push({ time: this.start + i * this.width, class: cls, value: v });
      });
    }
    return out.sort((a, b) => a.time - b.time || (a.class < b.class ? -1 : a.class > b.class ? 1 : 0));
  }

  get binWidth(): number {
    return this.width;
  }

  private coarsen(): void {
    this.width *= 2;
    for (const { row } of this.bins.values()) {
      for (let i = 0; i < this.maxBins; i++) row[i] = i < this.maxBins / 2 ? row[2 * i]! + row[2 * i + 1]! : 0;
    }
  }

  // Times out of order (several inputs): start earlier, shifting whole bins.
  private rebase(time: number): void {
    while (Math.ceil((this.start - time) / this.width) + this.lastUsed() >= this.maxBins) this.coarsen();
    const s = Math.ceil((this.start - time) / this.width);
    for (const { row } of this.bins.values()) {
      for (let i = this.maxBins - 1; i >= 0; i--) row[i] = i - s >= 0 ? row[i - s]! : 0;
    }
    this.start -= s * this.width;
  }

  private lastUsed(): number {
    let last = 0;
    for (const { row } of this.bins.values()) for (let i = 0; i < this.maxBins; i++) if (row[i]! > 0) last = Math.max(last, i);
    return last;
  }
}
