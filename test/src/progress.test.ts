import { readFileSync, statSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { forEachLine, inputInfo, openInput } from '../../parsers/lines.js';
import { main } from '../../src/cli/main.js';
import { Progress, formatProgress } from '../../src/progress.js';

const GUARD = 'samples/guard/perf-script.txt.gz';
const LISTING = 'samples/guard/guard.objdump-dl.txt';

class Sink extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('progress', () => {
  it('says how much of how much, events and rate; stdin has no total', () => {
    expect(formatProgress({ path: 't.txt', bytesRead: 1_210_000_000, size: 3_400_000_000, records: 4_100_000, elapsedMs: 5000 })).toBe(
      'faultpath: t.txt  1.21 GB of 3.40 GB (35%)  4,100,000 events  242.0 MB/s',
    );
    expect(formatProgress({ path: '-', bytesRead: 2048, size: undefined, records: 3, elapsedMs: 1000 })).toBe('faultpath: -  2.0 kB read  3 events  2.0 kB/s');
  });

  it('counts the bytes read of a plain file and the compressed bytes of a .gz, up to their sizes', async () => {
    for (const path of [LISTING, GUARD]) {
      const stream = await openInput(path);
      await forEachLine(stream, () => undefined);
      const info = inputInfo(stream);
      expect(info?.size).toBe(statSync(path).size);
      expect(info?.bytesRead).toBe(statSync(path).size);
      expect(info?.gzip).toBe(path.endsWith('.gz'));
    }
  });

  it('draws nothing before the delay, redraws in place after it, and erases itself when stopped', async () => {
    let now = 0;
    const out = new Sink(true);
    const progress = new Progress(out, { timer: false, now: () => now, delayMs: 1000 });
    const stream = await openInput(LISTING);
    let records = 0;
    progress.track(stream, () => records);
    now = 500;
    progress.tick();
    expect(out.text).toBe('');
    await forEachLine(stream, () => records++);
    now = 2000;
    progress.tick();
    const size = statSync(LISTING).size;
    expect(out.text).toBe(`\r${formatProgress({ path: LISTING, bytesRead: size, size, records, elapsedMs: 2000 })}\x1b[K`);
    progress.clear();
    expect(out.text.endsWith('\r\x1b[K')).toBe(true);
    const before = out.text.length;
    progress.stop(); // already erased: nothing more to write
    expect(out.text.length).toBe(before);
  });

  // stdin that takes about 1.6 s to deliver the guard capture, so a progress line is due
  function slowStdin(): Readable {
    const bytes = readFileSync(GUARD);
    const pieces = 8;
    let sent = 0;
    return new Readable({
      read() {
        if (sent === pieces) {
          this.push(null);
          return;
        }
        const at = sent++;
        setTimeout(() => this.push(bytes.subarray((at * bytes.length) / pieces, ((at + 1) * bytes.length) / pieces)), 200);
      },
    });
  }

  it('shows a progress line on a terminal during a slow read, erased before the output is written', async () => {
    const stdout = new Sink(false);
    const stderr = new Sink(true);
    const code = await main(['report', '-', '--objdump', LISTING], { stdout, stderr, stdin: slowStdin() });
    expect(code).toBe(0);
    expect(stderr.text).toMatch(/^\rfaultpath: - {2}[0-9.]+ kB read {2}[0-9,]+ events {2}[0-9.]+ [kM]?B\/s\x1b\[K/);
    // the line is erased before anything else goes to stderr
    const erased = stderr.text.lastIndexOf('\r\x1b[K');
    expect(erased).toBeGreaterThan(0);
    expect(stderr.text.slice(erased + 4)).not.toMatch(/[\r\x1b]/);
    expect(stdout.text).toContain('write_field');
    expect(stdout.text).not.toContain('\r');
  }, 10_000);

  it('never writes a progress line when stderr is not a terminal, or with --quiet', async () => {
    for (const [tty, quiet] of [
      [false, false],
      [true, true],
    ] as const) {
      const stdout = new Sink(false);
      const stderr = new Sink(tty);
      const code = await main(['collapse', '-', ...(quiet ? ['-q'] : [])], { stdout, stderr, stdin: slowStdin() });
      expect(code).toBe(0);
      expect(stderr.text).not.toContain('\r');
      expect(stdout.text.length).toBeGreaterThan(0);
    }
  }, 10_000);
});
