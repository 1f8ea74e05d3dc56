// Edges of the CLI: no input line raises an internal error; an internal
// error (a bug) has its own exit code and says so in one line; stdin is read
// once and touched only when `-` is given.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { EXIT_INTERNAL } from '../../src/errors.js';
import { CLI, chunkedStream, expectNoStack, runCli } from './helpers.js';

const SMALL = 'samples/odd/guard-c4.perf-script.txt';
const MAPPING = 'samples/protection/mapping.perf-script.txt';

const dir = mkdtempSync(join(tmpdir(), 'faultpath-edges-'));

// A shell command line's exit code, stdout and stderr.
function shell(command: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('no input line raises an internal error', () => {
  it('a tlb:tlb_flush reason with a CR or U+2028 in it (a regex whose . stops at line terminators)', async () => {
    for (const odd of ['\r', '\u2028', '\u2029', '\u0085']) {
      const text = readFileSync(MAPPING, 'utf8').replace('reason:local MM shootdown (3)', `reason:local MM${odd}shootdown (3)`);
      const path = join(dir, 'tlb.txt');
      writeFileSync(path, text);
      for (const command of ['report', 'sites']) {
        const r = await runCli([command, path, '-q']);
        expectNoStack(r.err);
        expect(r.code, `${command} ${JSON.stringify(odd)}`).toBe(0);
      }
      const json = JSON.parse((await runCli(['sites', path, '-q', '-f', 'json'])).out) as { protection: unknown };
      expect(json.protection).not.toBe(null);
    }
  });
});

describe('an internal error', () => {
  // nothing in the inputs can cause this one: stdout itself breaks with a TypeError
  const broken = (): Writable =>
    new Writable({
      write() {
        throw new TypeError("Cannot read properties of null (reading '2')");
      },
    });
  const run = async (argv: string[]): Promise<{ code: number; err: string }> => {
    let err = '';
    const stderr = new Writable({
      write(chunk: Buffer, _e, done) {
        err += chunk.toString();
        done();
      },
    });
    return { code: await main(argv, { stdout: broken(), stderr }), err };
  };

  it('exits with its own code and one line that says it is a bug; the stack only with --debug', async () => {
    const r = await run(['collapse', SMALL, '-q']);
    expect(r.code).toBe(EXIT_INTERNAL);
    expect(r.code).not.toBe(1);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^faultpath: internal error: Cannot read properties of null \(reading '2'\) — this is a bug in faultpath/);
    expect(r.err).toContain('--debug');
    expect(r.err).not.toMatch(/\n\s+at /);
    const d = await run(['collapse', SMALL, '-q', '--debug']);
    expect(d.code).toBe(EXIT_INTERNAL);
    expect(d.err).toMatch(/\n\s+at /);
  });

  it('--debug is accepted by every command', async () => {
    for (const command of ['report', 'sites', 'collapse', 'annotate', 'diff', 'merge']) {
      const r = await runCli([command, '--help']);
      expect(r.out, command).toContain('--debug');
    }
  });
});

describe('stdin', () => {
  it('a second - is a usage error, wherever it is given', async () => {
    const bytes = readFileSync(SMALL);
    for (const argv of [
      ['report', '-', '-'],
      ['report', '-', '--objdump', '-'],
      ['annotate', SMALL, '--objdump', '-', '--buildid-list', '-'],
      ['diff', '-', '-'],
      ['merge', '-', '-'],
    ]) {
      const r = await runCli(argv, chunkedStream(bytes));
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(/stdin can be read once/);
      expect(r.out).toBe('');
    }
  });

  it('is not even looked at unless - is given', async () => {
    const sink = (): Writable => new Writable({ write: (_c, _e, done) => done() });
    for (const argv of [
      ['report', SMALL, '-q'],
      ['sites', SMALL, '-q'],
      ['annotate', SMALL, '-q'],
      ['collapse', SMALL, '-q'],
      ['diff', SMALL, SMALL, '-q'],
    ]) {
      const io = {
        stdout: sink(),
        stderr: sink(),
        get stdin(): NodeJS.ReadableStream {
          throw new Error('stdin touched');
        },
      };
      expect(await main(argv, io), argv.join(' ')).toBe(0);
    }
  });

  it('is not touched when no - is given: a pipeline sharing it keeps it blocking', async () => {
    // `(sleep; echo hi) | { faultpath collapse FILE & cat; }`: cat failed with
    // EAGAIN once faultpath had switched the shared pipe to non-blocking. Here
    // faultpath waits on a FIFO until cat is done, so cat reads while it runs.
    const fifo = join(dir, 'trace.fifo');
    execFileSync('mkfifo', [fifo]);
    const script = `(sleep 1; echo hi) | { node ${CLI} collapse ${fifo} -q -o /dev/null & sleep 0.3; cat; s=$?; cat ${SMALL} > ${fifo}; wait; exit $s; }`;
    const r = await shell(script);
    expect(r.err).toBe('');
    expect(r.out).toBe('hi\n');
    expect(r.code).toBe(0);
  });
});

describe('stdin as a pipe', () => {
  // a shell pipe (spawn's stdio pipes are socket pairs): the trace 24 times over, ~1.8 MB in many reads
  const copies = 24;
  const repeated = `for i in $(seq ${copies}); do cat ${MAPPING}; done`;

  it.runIf(process.platform === 'linux')('is read into a few recycled buffers, every byte once', async () => {
    const script = [
      "import { openInput } from './dist/parsers/lines.js';",
      "const s = await openInput('-', process.stdin);",
      'const seen = new Set(); let bytes = 0, chunks = 0;',
      "s.on('data', (c) => { seen.add(c.buffer); bytes += c.length; chunks++; s.recycle?.(c); });",
      "s.on('end', () => console.log(JSON.stringify({ bytes, chunks, buffers: seen.size })));",
    ].join(' ');
    const r = await shell(`${repeated} | node --input-type=module -e "${script}"`);
    expect(r.err).toBe('');
    const got = JSON.parse(r.out) as { bytes: number; chunks: number; buffers: number };
    expect(got.bytes).toBe(copies * readFileSync(MAPPING).length);
    expect(got.chunks).toBeGreaterThan(20);
    expect(got.buffers).toBeLessThanOrEqual(3);
  });

  // read on the thread pool, the pipe's next read went on waiting for the writer's next bytes
  it.runIf(process.platform === 'linux')('stops reading at an error, while its writer goes on', async () => {
    const bad = join(dir, 'bad-line.txt');
    const text = readFileSync(MAPPING, 'latin1');
    // less than a pipe holds: all of it is read before the error, and the next read waits
    writeFileSync(bad, `${text.slice(0, 20000)}\nnot a line of perf script\n${text.slice(0, 5000)}`, 'latin1');
    const child = spawn('sh', ['-c', `{ cat ${bad}; sleep 20; echo writer-done >&2; } | { node ${CLI} report -q --strict -f json -; echo "exit $?" >&2; }`], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let err = '';
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        if (/exit \d/.test(err)) resolve();
      }),
    );
    process.kill(-child.pid!, 'SIGKILL');
    expect(err).toMatch(/--strict\)\nexit 1\n$/);
  });

  it('gives the report it gives for the same bytes on a stdin that is no pipe', async () => {
    const piped = await shell(`${repeated} | node ${CLI} report -q -f json -`);
    const text = Buffer.concat(Array.from({ length: copies }, () => readFileSync(MAPPING)));
    const fed = await runCli(['report', '-q', '-f', 'json', '-'], chunkedStream(text, [4096, 70000, 1 << 20]));
    expect(piped.err).toBe('');
    expect(piped.code).toBe(0);
    expect(fed.code).toBe(0);
    expect(piped.out).toBe(fed.out);
  });
});

describe("V8's young generation", () => {
  it('stays at its first size (1 MiB semi-spaces) when no worker thread starts', async () => {
    const probe = join(dir, 'new-space.cjs');
    writeFileSync(probe, "process.on('exit', () => process.stderr.write('new space ' + require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size + '\\n'));\n");
    const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(process.execPath, ['-r', probe, CLI, 'report', '-q', '-f', 'html', 'samples/guard/perf-script-mmap.txt', '-o', join(dir, 'young.html')], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.on('close', (code) => resolve({ code, err }));
    });
    expect(r.code).toBe(0);
    // it grew to 4 MiB semi-spaces (8 MiB) on this trace
    expect(r.err).toMatch(/^new space \d+\n$/);
    expect(Number(r.err.split(' ')[2])).toBeLessThanOrEqual(2 << 20);
  });
});
