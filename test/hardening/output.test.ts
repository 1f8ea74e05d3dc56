// Output safety. A reader that leaves early (`faultpath … | head -1`) ends the
// run quietly with status 0, whether it was reading stdout or, with `2>&1`,
// stderr too; these spawn the built CLI (npm test builds it first). `-o FILE`
// writes a temporary file and renames it, so a failed run leaves an existing
// FILE as it was and no temporary file behind, and a good run replaces it.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoStack, runCli, spawnCli } from './helpers.js';

const GUARD = 'samples/guard/perf-script.txt.gz';
const GUARD_LISTING = 'samples/guard/guard.objdump-dl.txt';
const DEEP = 'samples/odd/deep.perf-script.txt.gz';
const PIPE_CAPACITY = 64 * 1024; // Linux's default pipe buffer

describe('a reader that leaves early (| head -1)', () => {
  it('collapse of a capture whose folded stacks outgrow a pipe: status 0, nothing on stderr', async () => {
    const whole = await runCli(['collapse', DEEP]);
    expect(whole.out.length).toBeGreaterThan(2 * PIPE_CAPACITY);
    const r = await spawnCli(['collapse', DEEP], { readStdout: 1 });
    expect(r.code).toBe(0);
    expect(r.signal).toBe(null);
    expect(r.err).toBe('');
    expect(whole.out.startsWith(r.out)).toBe(true);
  });

  it('report text, json and html: status 0 and nothing on stderr, whenever the reader leaves', async () => {
    for (const [format, readStdout] of [
      ['text', 1],
      ['json', 0],
      ['html', 1],
      ['html', 5000],
    ] as const) {
      const r = await spawnCli(['report', GUARD, '--objdump', GUARD_LISTING, '-f', format, '-q'], { readStdout });
      expect(r.code, `${format} ${readStdout}`).toBe(0);
      expect(r.err).toBe('');
    }
  });

  it('with stderr gone too (2>&1 | head -1): the warnings (or the pointer to the capture finding) meet a closed pipe, and the run still ends with 0', async () => {
    for (const argv of [
      ['report', GUARD, '-f', 'html'],
      // the capture's page-faults are not the event kept: a warning says so
      ['collapse', GUARD, '--event-filter', 'cycles'],
    ]) {
      const r = await spawnCli(argv, { closeStderr: true });
      expect(r.code, argv.join(' ')).toBe(0);
      // stdout is whole: a closed stderr stops nothing
      const whole = await spawnCli(argv);
      expect(whole.err).toMatch(/warning|capture:|not collapsed/);
      expect(r.out).toBe(whole.out);
    }
  });
});

describe('-o FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultpath-out-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const truncated = join(dir, 'truncated.txt.gz');
  writeFileSync(truncated, readFileSync(GUARD).subarray(0, 3000));
  const leftovers = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

  it('an input error mid-run leaves an existing FILE untouched and no temporary file', async () => {
    const out = join(dir, 'report.txt');
    for (const argv of [
      ['report', truncated, '-o', out],
      ['report', GUARD, '--objdump', truncated, '-o', out],
      ['collapse', truncated, '-o', out],
      // a bad line under --strict, after a hundred good records
      ['report', join(dir, 'bad-line.txt'), '--strict', '-o', out],
    ]) {
      writeFileSync(join(dir, 'bad-line.txt'), readFileSync('samples/odd/guard-c4.perf-script.txt', 'utf8') + 'this is not perf script\n');
      writeFileSync(out, 'the previous report\n');
      const r = await runCli(argv);
      expectNoStack(r.err);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(readFileSync(out, 'utf8')).toBe('the previous report\n');
      expect(leftovers()).toEqual([]);
    }
  });

  it('a FILE that cannot be written (its directory is missing, or it is a directory): exit 1, nothing left behind', async () => {
    for (const out of [join(dir, 'no-such-dir', 'report.txt'), dir]) {
      const r = await runCli(['report', GUARD, '-q', '-o', out]);
      expectNoStack(r.err);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/cannot write/);
      expect(leftovers()).toEqual([]);
    }
  });

  it('a good run replaces FILE with the whole report (report and collapse)', async () => {
    for (const [argv, name] of [
      [['report', GUARD, '--objdump', GUARD_LISTING, '-f', 'json', '-q'], 'report.json'],
      [['collapse', DEEP], 'deep.folded'],
    ] as const) {
      const out = join(dir, name);
      writeFileSync(out, 'the previous report\n');
      const r = await runCli([...argv, '-o', out]);
      expect(r.code).toBe(0);
      expect(r.out).toBe('');
      expect(readFileSync(out, 'utf8')).toBe((await runCli(argv)).out);
      expect(leftovers()).toEqual([]);
    }
    // the built CLI does the same
    const out = join(dir, 'spawned.json');
    writeFileSync(out, 'the previous report\n');
    const r = await spawnCli(['report', GUARD, '-f', 'json', '-q', '-o', out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ version: 1 });
    expect(existsSync(out)).toBe(true);
    expect(leftovers()).toEqual([]);
  });
});
