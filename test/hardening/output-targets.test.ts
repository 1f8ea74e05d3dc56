// Where -o writes, and what reaches a terminal. Not-regular targets (a FIFO,
// a character device, /dev/stdout) are written in place, never renamed over;
// the temporary file beside a regular target is created exclusively, so a
// symlink planted at a guessable name is not followed; the result keeps the
// replaced file's mode and a symlinked target stays a symlink; a missing folder
// is found before the trace is read. Text outputs and stderr show control
// characters from the input as escapes.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { writeOutput } from '../../src/output.js';
import { expectNoStack, runCli, spawnCli } from './helpers.js';

const GUARD = 'samples/guard/perf-script.txt.gz';
const GUARD_LISTING = 'samples/guard/guard.objdump-dl.txt';
const DEEP = 'samples/odd/deep.perf-script.txt.gz';
const SMALL = 'samples/odd/guard-c4.perf-script.txt';
const isRoot = process.getuid?.() === 0;

const dir = mkdtempSync(join(tmpdir(), 'faultpath-targets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const leftovers = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('-o to a target that is not a regular file is written in place', () => {
  it('a FIFO stays a FIFO and its reader gets the report', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (c: Buffer) => (got += c.toString()));
    const closed = new Promise((resolve) => reader.on('close', resolve));
    const r = await runCli(['collapse', SMALL, '-q', '-o', fifo]);
    await closed;
    expect(r.code).toBe(0);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(got).toBe((await runCli(['collapse', SMALL, '-q'])).out);
    expect(leftovers()).toEqual([]);
  });

  it.runIf(isRoot)('a character device (a copy of /dev/null made with mknod) stays a device', async () => {
    const dev = join(dir, 'null');
    execFileSync('mknod', [dev, 'c', '1', '3']);
    const r = await runCli(['report', GUARD, '-q', '-o', dev]);
    expect(r.code).toBe(0);
    expect(lstatSync(dev).isCharacterDevice()).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it('/dev/null and /dev/stdout', async () => {
    const r = await runCli(['report', GUARD, '-q', '-o', '/dev/null']);
    expect(r.code).toBe(0);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    const whole = await spawnCli(['collapse', SMALL, '-q']);
    const s = await spawnCli(['collapse', SMALL, '-q', '-o', '/dev/stdout']);
    expect(s.code).toBe(0);
    expect(s.out).toBe(whole.out);
    expect(lstatSync('/dev/stdout').isSymbolicLink()).toBe(true);
  });
});

describe('-o to a regular file', () => {
  it('a symlink planted at the old predictable temporary name is not followed', async () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious\n');
    const out = join(dir, 'report.txt');
    symlinkSync(victim, join(dir, `.report.txt.${process.pid}.tmp`));
    const r = await runCli(['report', GUARD, '-q', '-o', out]);
    expect(r.code).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(readFileSync(out, 'utf8')).toMatch(/^# faultpath report$/m);
    rmSync(join(dir, `.report.txt.${process.pid}.tmp`));
  });

  it("keeps the replaced file's mode (600 stays 600; 640 stays 640)", async () => {
    for (const mode of [0o600, 0o640]) {
      const out = join(dir, `mode-${mode.toString(8)}.txt`);
      writeFileSync(out, 'old\n');
      chmodSync(out, mode);
      const r = await runCli(['report', GUARD, '-q', '-o', out]);
      expect(r.code).toBe(0);
      expect(statSync(out).mode & 0o777).toBe(mode);
      expect(readFileSync(out, 'utf8')).toMatch(/^# faultpath report$/m);
    }
  });

  it('writes through a symlinked target: the link stays, the file it points to gets the report', async () => {
    mkdirSync(join(dir, 'real'));
    const real = join(dir, 'real', 'report.txt');
    writeFileSync(real, 'old\n');
    chmodSync(real, 0o600);
    const link = join(dir, 'link.txt');
    symlinkSync('real/report.txt', link);
    const r = await runCli(['report', GUARD, '-q', '-o', link]);
    expect(r.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('real/report.txt');
    expect(readFileSync(real, 'utf8')).toMatch(/^# faultpath report$/m);
    expect(statSync(real).mode & 0o777).toBe(0o600);
    // a link to a file not there yet creates it
    const dangling = join(dir, 'dangling.txt');
    symlinkSync('real/new.txt', dangling);
    expect((await runCli(['collapse', SMALL, '-q', '-o', dangling])).code).toBe(0);
    expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'real', 'new.txt'), 'utf8')).toBe((await runCli(['collapse', SMALL, '-q'])).out);
    expect(readdirSync(join(dir, 'real')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a missing folder is found before the trace is read, named as the user gave it', async () => {
    const out = join(dir, 'no-such-folder', 'report.txt');
    // the trace does not exist either: the output is checked first
    for (const argv of [
      ['report', 'no-such-trace.txt', '-o', out],
      ['collapse', 'no-such-trace.txt', '-o', out],
      ['sites', 'no-such-trace.txt', '-o', out],
    ]) {
      const r = await runCli(argv);
      expectNoStack(r.err);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`${out}: cannot write: no such folder`);
      expect(r.err).not.toContain('no-such-trace');
      expect(r.err).not.toMatch(/\.tmp/);
    }
  });
});

describe('outputs are written in pieces, not built whole', () => {
  const pieces = async (argv: string[]): Promise<{ writes: number; text: string }> => {
    let writes = 0;
    let text = '';
    const sink = (add: (s: string) => void): Writable =>
      new Writable({
        write(chunk: Buffer, _enc, done) {
          add(chunk.toString());
          done();
        },
      });
    const code = await main(argv, { stdout: sink((s) => (writes++, (text += s))), stderr: sink(() => undefined) });
    expect(code).toBe(0);
    return { writes, text };
  };

  it('collapse, report text / folded / json of a deep capture: many writes, the same text', async () => {
    for (const argv of [
      ['collapse', DEEP],
      ['report', DEEP, '-q', '--percent-limit', '0'], // the whole tree: the default folds it for a terminal
      ['report', DEEP, '-q', '-f', 'folded'],
      ['report', DEEP, '-q', '-f', 'json'],
    ]) {
      const { writes, text } = await pieces(argv);
      expect(text.length, argv.join(' ')).toBeGreaterThan(3 << 16);
      expect(writes, argv.join(' ')).toBeGreaterThan(2);
    }
    const json = (await pieces(['report', DEEP, '-q', '-f', 'json'])).text;
    expect(JSON.parse(json)).toMatchObject({ version: 1 });
  });

  it('-o FILE gets what stdout gets, though the JSON tree comes in chunks written over once the next is asked for', async () => {
    const out = join(dir, 'deep.json');
    for (const format of ['json', 'html']) {
      const stdout = await runCli(['report', DEEP, '-q', '-f', format]);
      expect(stdout.out.length).toBeGreaterThan(3 << 16);
      const r = await runCli(['report', DEEP, '-q', '-f', format, '-o', out]);
      expect(r.code).toBe(0);
      expect(readFileSync(out, 'utf8') === stdout.out, format).toBe(true);
    }
  });
});

describe('-o FILE is written from a few buffers while the renderer goes on', () => {
  it('pieces of every kind and size land in order: one-byte text, multi-byte text, bytes written over once the next piece is asked for', async () => {
    const reused = new Uint8Array(70_000);
    const expected: Buffer[] = [];
    function* pieces(): Generator<string | Uint8Array> {
      for (let i = 0; i < 40; i++) {
        const ascii = `{"piece":${i}}`.repeat(1 + ((i * 7919) % 9000));
        const wide = `é€😀 ${i} `.repeat(1 + ((i * 104729) % 5000));
        const lone = i % 10 === 3 ? '\ud800 lone ' : '';
        for (const text of [ascii, wide + lone]) {
          expected.push(Buffer.from(text, 'utf8'));
          yield text;
        }
        // one buffer, filled anew for each piece
        const n = 1 + ((i * 31337) % reused.length);
        reused.fill(0x41 + (i % 26), 0, n);
        expected.push(Buffer.from(reused.subarray(0, n)));
        yield reused.subarray(0, n);
      }
    }
    const out = join(dir, 'pieces.txt');
    await writeOutput(pieces(), out, new Writable());
    expect(readFileSync(out).equals(Buffer.concat(expected))).toBe(true);
    // latin1: one byte per character, as collapse writes the input's bytes
    const latin = 'caf\xe9 \xff\x80 '.repeat(60_000);
    await writeOutput([latin, latin.slice(7)], out, new Writable(), 'latin1');
    expect(readFileSync(out).equals(Buffer.from(latin + latin.slice(7), 'latin1'))).toBe(true);
    expect(leftovers()).toEqual([]);
  });
});

describe('control characters from the input are shown as escapes', () => {
  // the guard capture with its command and function renamed to carry an OSC
  // title change, a screen clear, a colour and a C1 CSI
  const hostile = '\x1b]0;owned\x07\x1b[2J\x1b[31m\u009b';
  const text = readFileSync(SMALL, 'utf8').replaceAll('guard ', `gu${hostile}ard `).replaceAll('store_fault', `store${hostile}fault`);
  const path = join(dir, 'hostile.perf-script.txt');
  writeFileSync(path, text);
  const visible = '\\x1b]0;owned\\x07\\x1b[2J\\x1b[31m\\x9b';

  it('in report text, sites, annotate and the stderr warnings', async () => {
    expect(text).toContain(`gu${hostile}ard`);
    for (const argv of [
      ['report', path, '--objdump', GUARD_LISTING],
      ['sites', path],
      ['annotate', path, '--objdump', GUARD_LISTING],
      ['diff', path, path],
    ]) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(0);
      // eslint-disable-next-line no-control-regex
      expect(r.out + r.err, argv.join(' ')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    }
    const report = await runCli(['report', path, '--objdump', GUARD_LISTING]);
    expect(report.out).toContain(`gu${visible}ard`);
    // a path with an escape in an error message
    const missing = await runCli(['report', `${hostile}.txt`]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`${visible}.txt: cannot read`);
    // eslint-disable-next-line no-control-regex
    expect(missing.err).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });

  it('JSON keeps the bytes (escaped by JSON itself), so a reader gets the real name', async () => {
    const r = await runCli(['report', path, '-f', 'json', '-q']);
    expect(JSON.stringify(JSON.parse(r.out))).toContain(JSON.stringify(`gu${hostile}ard`).slice(1, -1));
  });
});
