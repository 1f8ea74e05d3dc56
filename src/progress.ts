// Progress on a terminal for long inputs: one line on stderr, rewritten in
// place, then erased. Only the CLI creates one, and only when stderr is a TTY
// and --quiet is not given, so pipes and files never see it.
import type { Readable, Writable } from 'node:stream';
import { inputInfo } from '../parsers/lines.js';

export interface ProgressOptions {
  /** Nothing is shown for inputs read faster than this. Default 1000 ms. */
  delayMs?: number;
  /** Time between redraws. Default 250 ms. */
  intervalMs?: number;
  /** Clock in milliseconds; tests pass their own. Default performance.now. */
  now?: () => number;
  /** Redraw on a timer. Default true; tests call tick() themselves. */
  timer?: boolean;
}

/** A snapshot of one input being read. */
export interface ProgressState {
  path: string;
  bytesRead: number;
  /** Undefined for stdin and pipes. */
  size: number | undefined;
  records: number;
  elapsedMs: number;
}

/** Shows how far the reading of each input has got. */
export class Progress {
  private current: { read: () => Omit<ProgressState, 'elapsedMs'>; started: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private shown = false;
  private readonly now: () => number;

  constructor(
    private readonly out: Writable,
    private readonly options: ProgressOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Starts showing `stream` (opened by openInput); `records` counts the events parsed so far. */
  track(stream: Readable, records: () => number): void {
    this.watch(() => {
      const info = inputInfo(stream);
      return { path: info?.path ?? '-', bytesRead: info?.bytesRead ?? 0, size: info?.size, records: records() };
    });
  }

  /** Starts showing whatever `read` says (for inputs read elsewhere, e.g. by worker threads). */
  watch(read: () => Omit<ProgressState, 'elapsedMs'>): void {
    this.stop();
    this.current = { read, started: this.now() };
    if (this.options.timer !== false) {
      this.timer = setInterval(() => this.tick(), this.options.intervalMs ?? 250);
      this.timer.unref();
    }
  }

  /** Redraws the line if the input has taken longer than the delay. */
  tick(): void {
    const c = this.current;
    if (c === undefined) return;
    const elapsedMs = this.now() - c.started;
    if (elapsedMs < (this.options.delayMs ?? 1000)) return;
    const line = formatProgress({ ...c.read(), elapsedMs });
    this.out.write(`\r${line}\x1b[K`);
    this.shown = true;
  }

  /** Erases the line (before a message goes to the same terminal); the next tick draws it again. */
  clear(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }

  /** Stops and erases the line, so what follows starts on a clean line. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.current = undefined;
    this.clear();
  }
}

/** `faultpath: trace.txt  1.2 GB of 3.4 GB (35%)  4,100,000 events  210 MB/s` */
export function formatProgress(s: ProgressState): string {
  const rate = s.elapsedMs > 0 ? (s.bytesRead / s.elapsedMs) * 1000 : 0;
  const amount =
    s.size !== undefined && s.size > 0
      ? `${formatBytes(s.bytesRead)} of ${formatBytes(s.size)} (${Math.min(100, Math.floor((s.bytesRead / s.size) * 100))}%)`
      : `${formatBytes(s.bytesRead)} read`;
  return `faultpath: ${s.path}  ${amount}  ${s.records.toLocaleString('en-US')} events  ${formatBytes(rate)}/s`;
}

function formatBytes(n: number): string {
  if (n < 1e3) return `${Math.round(n)} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}
