// report with the trace parsed in a worker thread (the built modules: workers
// need compiled code) must print what it prints reading the trace itself:
// the same output and stderr on real captures of each shape (perf script with
// and without callchains, .gz, perf trace, bad lines among the records), the
// same errors with file and line, and the same records handed to the
// accumulator, frames and repeated callchains as one object each, told when
// it has caught up with the worker.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/events.js';
import type { Diagnostic, Frame } from '../../src/model.js';

const dist = join(import.meta.dirname, '../../dist/src');
const CLI = join(dist, 'cli/main.js');
type ParallelModule = typeof import('../../src/report-parallel.js');
type InputsModule = typeof import('../../src/report-inputs.js');
const parallel = (await import(pathToFileURL(join(dist, 'report-parallel.js')).href)) as ParallelModule;
const inputs = (await import(pathToFileURL(join(dist, 'report-inputs.js')).href)) as InputsModule;

// What a consumer that keeps events keeps of one: the decoder fills a fault's event, record and access in again for the next fault.
const held = (e: TraceEvent): TraceEvent => (e.kind === 'fault' ? { ...e, record: { ...e.record }, access: { ...e.access } } : e);

const dir = mkdtempSync(join(tmpdir(), 'faultpath-report-par-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// the guard capture with bad lines in the middle (one inside a record, one between records)
function withBadLines(): string {
  const records = gunzipSync(readFileSync('samples/protection/guard.perf-script.txt.gz')).toString('utf8').split('\n\n');
  records[40] = `${records[40]}\nthis is not a frame line`;
  records[300] = `bogus header\n\n${records[300]}`;
  const path = join(dir, 'guard-bad.txt');
  writeFileSync(path, records.join('\n\n'));
  return path;
}

function run(argv: string[], threads: boolean) {
  const env = threads ? { FAULTPATH_REPORT_PARALLEL_MIN: '0', FAULTPATH_THREADS: '2' } : { FAULTPATH_THREADS: '1' };
  return spawnSync(process.execPath, [CLI, ...argv], { encoding: 'utf8', env: { ...process.env, ...env } });
}

describe('report with the trace parsed in a worker thread', () => {
  it('prints what one thread prints, on captures of each shape', () => {
    const bad = withBadLines();
    const cases = [
      ['report', '-f', 'json', 'samples/protection/guard.perf-script.txt.gz', '--objdump', 'samples/protection/guard.objdump-dl.txt'],
      ['report', '-f', 'html', bad],
      ['report', '-f', 'json', 'samples/protection/mapping.perf-trace.txt'],
      ['report', 'samples/tlb/forkcow-nochain.perf-script.txt', 'samples/tlb/forkcow.perf-script.txt', '--objdump', 'samples/tlb/forkcow.objdump-dl.txt'],
    ];
    for (const argv of cases) {
      const one = run(argv, false);
      const two = run(argv, true);
      expect(one.status, argv.join(' ')).toBe(0);
      expect(two.status, argv.join(' ')).toBe(0);
      expect(two.stdout, argv.join(' ')).toBe(one.stdout);
      expect(two.stderr, argv.join(' ')).toBe(one.stderr);
    }
  }, 60_000);

  it('reports errors as one thread does: a bad line under --strict with its file and line, a corrupt .gz', () => {
    const bad = withBadLines();
    const strict = run(['report', '--strict', bad], true);
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(new RegExp(`^faultpath: ${bad}:\\d+: .*\\(--strict\\)\\n$`));
    expect(strict.stderr).toBe(run(['report', '--strict', bad], false).stderr);
    const corrupt = join(dir, 'corrupt.txt.gz');
    writeFileSync(corrupt, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not deflate data at all')]));
    const two = run(['report', corrupt], true);
    expect(two.status).toBe(1);
    expect(two.stderr).toBe(`faultpath: ${corrupt}: corrupt or truncated gzip data (unknown compression method)\n`);
    expect(two.stderr).toBe(run(['report', corrupt], false).stderr);
  }, 30_000);

  it('hands over the records readTrace hands over, in order with the bad lines, one object per frame and per repeated callchain', async () => {
    const bad = withBadLines();
    const collect = () => {
      const seen: (TraceEvent | Diagnostic)[] = [];
      return { seen, onEvent: (e: TraceEvent) => void seen.push(held(e)), diagnostics: { sink: (d: Diagnostic) => void seen.push(d) } };
    };
    const one = collect();
    const summary = await inputs.readTrace(bad, one.onEvent, one.diagnostics);
    // read() imports the batch code first: loaded already, that is at once, not after the worker
    // (one batch here) has sent everything, when this thread is never caught up before the end
    await import(pathToFileURL(join(dist, 'report-batch.js')).href);
    const worker = await parallel.TraceWorker.start(bad, { minBytes: 0 });
    expect(worker).toBeDefined();
    const two = collect();
    // records seen each time this thread had decoded every batch sent (the listings are read ahead then)
    const idleAt: number[] = [];
    expect(await worker!.read(two.onEvent, two.diagnostics, undefined, () => void idleAt.push(two.seen.length))).toEqual(summary);
    expect(two.seen).toEqual(one.seen);
    expect(two.seen.filter((e) => 'reason' in e)).toHaveLength(2);
    expect(idleAt.length).toBeGreaterThan(0);
    expect(idleAt.every((n, i) => n <= two.seen.length && n >= (idleAt[i - 1] ?? 0))).toBe(true);
    // frames and callchains met again are the same objects, as the parser's are
    const frames = new Map<string, Frame>();
    const stacks = new Map<string, readonly Frame[]>();
    let repeated = 0;
    for (const e of two.seen) {
      if (!('record' in e)) continue;
      for (const f of e.record.stack) {
        const key = JSON.stringify(f);
        expect(frames.get(key) ?? f).toBe(f);
        frames.set(key, f);
      }
      if (e.record.stack.length < 2) continue;
      const key = JSON.stringify(e.record.stack);
      const known = stacks.get(key);
      if (known !== undefined) {
        repeated++;
        expect(known).toBe(e.record.stack);
      }
      stacks.set(key, e.record.stack);
    }
    expect(repeated).toBeGreaterThan(100);
  });

  it('takes a worker the CLI started early for the path it reads, once, with its records or its error', async () => {
    const bad = withBadLines();
    const corrupt = join(dir, 'corrupt-early.txt.gz');
    writeFileSync(corrupt, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not deflate data at all')]));
    const one = { seen: [] as (TraceEvent | Diagnostic)[] };
    const summary = await inputs.readTrace(bad, (e) => void one.seen.push(e), { sink: (d) => void one.seen.push(d) });
    const saved = process.env['FAULTPATH_REPORT_PARALLEL_MIN'];
    process.env['FAULTPATH_REPORT_PARALLEL_MIN'] = '0';
    try {
      parallel.TraceWorker.startEarly(bad);
      parallel.TraceWorker.startEarly(corrupt);
      const early = await parallel.TraceWorker.start(bad);
      const again = await parallel.TraceWorker.start(bad);
      expect(early).toBeDefined();
      expect(again).toBeDefined();
      expect(again).not.toBe(early);
      await again!.close();
      const seen: (TraceEvent | Diagnostic)[] = [];
      expect(await early!.read((e) => void seen.push(held(e)), { sink: (d) => void seen.push(d) })).toEqual(summary);
      expect(seen).toEqual(one.seen);
      const failing = await parallel.TraceWorker.start(corrupt);
      await expect(failing!.read(() => undefined, { sink: () => undefined })).rejects.toThrow(`${corrupt}: corrupt or truncated gzip data (unknown compression method)`);
      // one nobody takes is stopped
      parallel.TraceWorker.startEarly(bad);
      await parallel.TraceWorker.closeEarly();
      const fresh = await parallel.TraceWorker.start(bad);
      expect(fresh).toBeDefined();
      await fresh!.close();
    } finally {
      if (saved === undefined) delete process.env['FAULTPATH_REPORT_PARALLEL_MIN'];
      else process.env['FAULTPATH_REPORT_PARALLEL_MIN'] = saved;
      await parallel.TraceWorker.closeEarly();
    }
  });

  it('ends at once with the error of a command that fails after its worker started: a missing listing, a bad option value, an unwritable -o', () => {
    const bad = withBadLines();
    const cases: [string[], number, string][] = [
      [['report', bad, '--objdump', join(dir, 'missing.objdump')], 1, `faultpath: ${join(dir, 'missing.objdump')}: cannot read: no such file\n`],
      [['report', bad, '--group-by', 'bogus'], 2, "error: option '--group-by <level>' argument 'bogus' is invalid. Allowed choices are path, site, region, thread.\n(run with --help for usage)\n"],
      [['sites', bad, '-o', join(dir, 'no-such-folder', 'x.json')], 1, `faultpath: ${join(dir, 'no-such-folder', 'x.json')}: cannot write: no such folder ${join(dir, 'no-such-folder')}\n`],
    ];
    for (const [argv, status, stderr] of cases) {
      const env = { ...process.env, FAULTPATH_REPORT_PARALLEL_MIN: '0', FAULTPATH_THREADS: '2' };
      const r = spawnSync(process.execPath, [CLI, ...argv], { encoding: 'utf8', env, timeout: 20_000 });
      expect(r.signal, argv.join(' ')).toBeNull();
      expect(r.status, argv.join(' ')).toBe(status);
      expect(r.stderr, argv.join(' ')).toBe(stderr);
      expect(r.stderr, argv.join(' ')).toBe(run(argv, false).stderr);
    }
  }, 60_000);

  it('leaves stdin and small files to one thread', async () => {
    expect(await parallel.TraceWorker.start('-', { minBytes: 0 })).toBeUndefined();
    expect(await parallel.TraceWorker.start('samples/protection/jit.perf-script.txt')).toBeUndefined();
    expect(await parallel.TraceWorker.start(join(dir, 'missing.txt'), { minBytes: 0 })).toBeUndefined();
  });

  it('weighs a gzipped trace by its text: 8.7 kB of gzip holding 335 kB of perf script', async () => {
    const gz = 'samples/protection/guard.perf-script.txt.gz';
    expect(parallel.textSize(gz, 8753)).toBe(gunzipSync(readFileSync(gz)).length);
    expect(parallel.textSize('samples/protection/jit.perf-script.txt', 1000)).toBe(1000);
    const worker = await parallel.TraceWorker.start(gz, { minBytes: 100_000 });
    expect(worker).toBeDefined();
    await worker!.close();
    expect(await parallel.TraceWorker.start(gz, { minBytes: 400_000 })).toBeUndefined();
  });
});
