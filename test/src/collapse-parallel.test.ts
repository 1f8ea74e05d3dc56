// The multi-threaded collapse (the built module: workers need compiled code)
// must print what the single-threaded one prints: on FlameGraph's corpus cut
// into 2–4 ranges, on a real capture with bad lines in later ranges (their line
// numbers count from the top of the file), and with an event filter.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Collapser, collapseInput, type CollapseOptions } from '../../src/collapse.js';
import type { Diagnostic } from '../../src/model.js';
import { CONFORMANCE_DIR } from '../shared.js';

type ParallelModule = typeof import('../../src/collapse-parallel.js');
const built = (await import(pathToFileURL(join(import.meta.dirname, '../../dist/src/collapse-parallel.js')).href)) as ParallelModule;

async function serial(path: string, options: CollapseOptions) {
  const examples: Diagnostic[] = [];
  let skipped = 0;
  const onDiagnostic = (d: Diagnostic): void => {
    if (skipped++ < 5) examples.push(d);
  };
  const collapser = new Collapser({ ...options, onDiagnostic });
  await collapseInput(path, collapser, { onDiagnostic });
  return { ...collapser.folded(), skipped, examples };
}

const INPUTS = readdirSync(CONFORMANCE_DIR).filter((f) => f.endsWith('.txt')).sort();
const OPTIONS: CollapseOptions[] = [{}, { pid: true }, { tid: true, all: true, addrs: true }];

describe('collapse in worker threads', () => {
  it('prints what one thread prints, on every corpus input cut into 2 and 4 ranges', async () => {
    let cutCases = 0;
    for (const [i, input] of INPUTS.entries()) {
      // each input twice: plain in 2 ranges, and with one of the option sets in 4 (a worker costs ~0.1 s to start)
      for (const [options, threads] of [
        [OPTIONS[0], 2],
        [OPTIONS[1 + (i % 2)], 4],
      ] as const) {
        const expected = await serial(CONFORMANCE_DIR + input, options!);
        const got = await built.collapseInParallel(CONFORMANCE_DIR + input, options!, { threads, minBytes: 0 });
        if (got === undefined) continue;
        cutCases++;
        expect(got, `${input} ${JSON.stringify(options)} ${threads} threads`).toEqual(expected);
      }
    }
    // inputs whose records are not separated by blank lines stay in one thread
    expect(cutCases).toBeGreaterThanOrEqual(INPUTS.length * 2 - 2);
  }, 60_000);

  it('numbers bad lines from the top of the file and keeps the dropped events of every range', async () => {
    const text = gunzipSync(readFileSync('samples/guard/perf-script.txt.gz')).toString('utf8');
    const records = text.split('\n\n');
    // a bad line inside records near the end: they fall in the last range
    for (const at of [records.length - 40, records.length - 20, records.length - 5]) records[at] = `${records[at]}\nthis is not a frame line`;
    const dir = mkdtempSync(join(tmpdir(), 'faultpath-par-'));
    const path = join(dir, 'guard.txt');
    writeFileSync(path, records.join('\n\n'));
    for (const options of [{}, { eventFilter: 'syscalls:sys_enter_mprotect' }, { eventFilter: 'page-faults', pid: true }]) {
      const expected = await serial(path, options);
      expect(expected.skipped).toBe(3);
      const got = await built.collapseInParallel(path, options, { threads: 3, minBytes: 0 });
      expect(got).toEqual(expected);
    }
  });

  it('is what `faultpath collapse` runs on a big file: output equal to stackcollapse-perf.pl, dropped events on stderr', () => {
    const input = 'perf-cycles-instructions-01';
    const cli = join(import.meta.dirname, '../../dist/src/cli/main.js');
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [cli, 'collapse', '--all', `${CONFORMANCE_DIR}${input}.txt`], { encoding: 'utf8', env: { ...process.env, ...env } });
    const parallel = run({ FAULTPATH_PARALLEL_MIN: '0', FAULTPATH_THREADS: '3' });
    const single = run({ FAULTPATH_THREADS: '1' });
    expect(parallel.status).toBe(0);
    expect(parallel.stdout).toBe(readFileSync(`${CONFORMANCE_DIR}results/${input}-collapsed-all.txt`, 'utf8'));
    expect(parallel.stderr).toMatch(/^faultpath: \d+ cycles records not collapsed/);
    expect(parallel.stderr).toBe(single.stderr);
  });

  it('answers perf script printed without record headers with the one input error, as one thread does (the first range only asks)', async () => {
    const path = 'samples/noip/g.ip-only.txt';
    const error = /^samples\/noip\/g\.ip-only\.txt: perf script output without record headers: /;
    await expect(serial(path, {})).rejects.toThrow(error);
    expect(built.recordBoundaries(path, statSync(path).size, 3)).toHaveLength(4);
    await expect(built.collapseInParallel(path, {}, { threads: 3, minBytes: 0 })).rejects.toMatchObject({ name: 'InputError', message: expect.stringMatching(error) });
  });

  it('cuts CRLF text at its blank lines too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultpath-crlf-'));
    const path = join(dir, 'crlf.txt');
    writeFileSync(path, readFileSync(`${CONFORMANCE_DIR}perf-cycles-instructions-01.txt`, 'utf8').replaceAll('\n', '\r\n'));
    const expected = await serial(path, { all: true });
    const got = await built.collapseInParallel(path, { all: true }, { threads: 3, minBytes: 0 });
    expect(got).toBeDefined();
    expect(got).toEqual(expected);
    expect(expected.folded.length).toBeGreaterThan(0);
  });

  it('cuts only just after a blank line, and not gzip data or text without blank lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultpath-cut-'));
    const path = join(dir, 'a.txt');
    const body = Array.from({ length: 50 }, (_, i) => `comm 1 ${i}.0: 1 page-faults:\n\t1 f+0x0 (/x)\n`).join('\n');
    writeFileSync(path, body);
    const cuts = built.recordBoundaries(path, body.length, 4)!;
    expect(cuts[0]).toBe(0);
    expect(cuts.at(-1)).toBe(body.length);
    for (const c of cuts.slice(1, -1)) expect(body.slice(c - 2, c)).toBe('\n\n');
    writeFileSync(path, 'comm 1 1.0: 1 page-faults: 1 f+0x0 (/x)\n'.repeat(50));
    expect(built.recordBoundaries(path, 2000, 2)).toBeUndefined();
    expect(built.recordBoundaries('samples/guard/perf-script.txt.gz', 1000, 2)).toBeUndefined();
  });
});
