// Exit codes as the README documents them (0 ok, 1 input error, 2 usage),
// through main() and through the built CLI, and what --strict changes: a line
// that fits no known shape ends the run with 1 instead of being counted.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE } from '../../src/errors.js';
import { expectNoStack, runCli, spawnCli, type JsonReport } from './helpers.js';

const GUARD = 'samples/guard/perf-script.txt.gz';
const SMALL = 'samples/odd/guard-c4.perf-script.txt';
const dir = mkdtempSync(join(tmpdir(), 'faultpath-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the README's exit codes", () => {
  it('documents exactly 0, 1, 2 and 70, as src/errors.ts defines them', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## Bad input and exit codes'));
    const rows = [...section.slice(0, section.indexOf('\n## ')).matchAll(/^\| (\d+) \| (.*) \|$/gm)].map((m) => [Number(m[1]), m[2]!] as const);
    expect(rows.map(([code]) => code)).toEqual([EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_INTERNAL]);
    expect(rows.map(([code]) => code)).toEqual([0, 1, 2, 70]);
    const meaning = new Map(rows);
    expect(meaning.get(0)).toMatch(/head/);
    expect(meaning.get(1)).toMatch(/unreadable file.*corrupt \.gz.*not a perf script.*--strict/);
    expect(meaning.get(2)).toMatch(/unknown option.*bad option value/);
    expect(meaning.get(70)).toMatch(/internal error.*bug.*--debug/);
  });
});

// Each case: argv, the exit code, and what stderr says.
const CASES: [name: string, argv: string[], code: number, stderr: RegExp][] = [
  ['unknown option', ['report', SMALL, '--nope'], 2, /unknown option '--nope'/],
  ['unknown format', ['report', SMALL, '-f', 'xml'], 2, /argument 'xml' is invalid/],
  ['missing file', ['report', join(dir, 'missing.txt')], 1, /missing\.txt: cannot read: no such file/],
  ['bad --time', ['report', SMALL, '--time', 'abc'], 2, /--time abc: expected START,END in seconds/],
  ['good run', ['report', SMALL, '-q'], 0, /^$/],
  // perf script -F ip,sym,symoff,dso,addr: one sentence naming the fields to add, not a diagnostic per line
  ['no record headers', ['report', 'samples/noip/g.ip-only.txt'], 1, /^faultpath: samples\/noip\/g\.ip-only\.txt: perf script output without record headers: its -F list leaves out comm, tid, time and event .*\(perf script -F comm,tid,time,event,ip,sym,symoff,dso,addr\)\n$/],
  // collapse answers it too: with -g it gave a bad-line diagnostic per line, without -g nothing at all and exit 0
  ['no record headers (collapse, -g)', ['collapse', 'samples/noip/g.ip-only.txt'], 1, /^faultpath: samples\/noip\/g\.ip-only\.txt: perf script output without record headers: its -F list leaves out comm, tid, time and event .*\(perf script -F comm,tid,time,event,ip,sym,symoff,dso,addr\)\n$/],
  ['no record headers (collapse)', ['collapse', 'samples/noip/nog.ip-only.txt'], 1, /^faultpath: samples\/noip\/nog\.ip-only\.txt: perf script output without record headers: its -F list leaves out comm, tid, time and event .*\(perf script -F comm,tid,time,event,ip,sym,symoff,dso,addr\)\n$/],
];

describe('exit codes through main()', () => {
  it.each(CASES)('%s', async (_name, argv, code, stderr) => {
    const r = await runCli(argv);
    expectNoStack(r.err);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(stderr);
    if (code !== 0) expect(r.out).toBe('');
  });

  it('more usage errors: unknown command, missing argument, bad numbers; help is 0', async () => {
    for (const argv of [['bogus'], ['report'], ['report', SMALL, '--pid', 'abc'], ['report', SMALL, '--percent-limit', '200'], ['annotate', SMALL, '--context', '-1'], ['collapse', SMALL, SMALL]]) {
      const r = await runCli(argv);
      expectNoStack(r.err);
      expect(r.code, argv.join(' ')).toBe(2);
    }
    const help = await runCli(['report', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: faultpath report/);
  });

  it('more input errors: corrupt .gz, not a perf script, an output file that cannot be written', async () => {
    const corrupt = join(dir, 'corrupt.gz');
    const gz = Buffer.from(readFileSync(GUARD));
    gz.fill(0x55, 100, 200); // deflate data that does not decode
    writeFileSync(corrupt, gz);
    for (const argv of [['report', corrupt], ['report', 'samples/guard/guard.objdump-dl.txt'], ['report', SMALL, '-o', join(dir, 'no-dir', 'out.txt')]]) {
      const r = await runCli(argv);
      expectNoStack(r.err);
      expect(r.code, argv.join(' ')).toBe(1);
    }
  });
});

describe('exit codes of the built CLI', () => {
  it.each(CASES)('%s', async (_name, argv, code, stderr) => {
    const r = await spawnCli(argv);
    expect(r.signal).toBe(null);
    expectNoStack(r.err);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(stderr);
  });
});

describe('--strict', () => {
  const bad = join(dir, 'bad-line.txt');
  const text = readFileSync(SMALL, 'utf8');
  const lines = text.split('\n');
  const at = lines.indexOf('', 40) + 1; // between two records
  writeFileSync(bad, [...lines.slice(0, at), 'this is not perf script', ...lines.slice(at)].join('\n'));

  it('changes nothing on a clean capture', async () => {
    const plain = await runCli(['report', SMALL, '-f', 'json', '-q']);
    const strict = await runCli(['report', SMALL, '-f', 'json', '-q', '--strict']);
    expect(strict).toEqual(plain);
    expect((JSON.parse(strict.out) as JsonReport).skipped.lines).toBe(0);
  });

  it('makes a bad line an input error that names file:line; without it the line is counted and the run succeeds', async () => {
    const lax = await runCli(['report', bad, '-f', 'json']);
    expect(lax.code).toBe(0);
    expect((JSON.parse(lax.out) as JsonReport).skipped).toEqual({ lines: 1, examples: [`${bad}:${at + 1}: expected a record header: comm [pid/]tid [cpu] time: [period] event: …, or a PERF_RECORD_* line`] });
    for (const command of ['report', 'sites', 'annotate']) {
      const strict = await runCli([command, bad, '--strict']);
      expectNoStack(strict.err);
      expect(strict.code, command).toBe(1);
      expect(strict.out).toBe('');
      expect(strict.err).toBe(`faultpath: ${bad}:${at + 1}: expected a record header: comm [pid/]tid [cpu] time: [period] event: …, or a PERF_RECORD_* line (--strict)\n`);
    }
    const spawned = await spawnCli(['report', bad, '--strict']);
    expect(spawned.code).toBe(1);
    expectNoStack(spawned.err);
  });

  it('covers listings and overlong lines too', async () => {
    // after the file header, where only objdump's own lines belong (inside a function, -S source text may be anything)
    const listing = join(dir, 'listing.txt');
    const listingLines = readFileSync('samples/odd/guard.objdump-dl.txt', 'utf8').split('\n');
    writeFileSync(listing, [...listingLines.slice(0, 3), 'not an objdump line', ...listingLines.slice(3)].join('\n'));
    const r = await runCli(['report', SMALL, '--objdump', listing, '--strict']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`faultpath: ${listing}:4: not an objdump listing line (--strict)\n`);
    const long = join(dir, 'long.txt');
    writeFileSync(long, text + 'x'.repeat(2 << 20) + '\n');
    const l = await runCli(['report', long, '--strict']);
    expect(l.code).toBe(1);
    expect(l.err).toMatch(new RegExp(`long\\.txt:${lines.length}: line of ${2 << 20} characters is longer than the maximum line length; skipped \\(--strict\\)\\n$`));
  });
});
