import fc from 'fast-check';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LineSplitter, forEachLine, openInput, readLines } from '../../parsers/lines.js';
import { ReadAheadFile } from '../../parsers/read-ahead.js';
import { InputError } from '../../src/errors.js';

function split(chunks: (Buffer | string)[], max?: number): { lines: string[]; overlong: [number, number][] } {
  const lines: string[] = [];
  const overlong: [number, number][] = [];
  const s = new LineSplitter((l) => lines.push(l), { ...(max !== undefined ? { maxLineLength: max } : {}), onOverlong: (n, len) => overlong.push([n, len]) });
  for (const c of chunks) s.write(c);
  s.end();
  return { lines, overlong };
}

const SAMPLE = 'samples/guard/perf-script-mmap.txt';

describe('line edge', () => {
  it('cuts UTF-8 fed one byte at a time', () => {
    const text = 'käse ↯ 1\nzweite Zeile\n\ndritte';
    const bytes = Buffer.from(text);
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    expect(split(chunks).lines).toEqual(['käse ↯ 1', 'zweite Zeile', '', 'dritte']);
  });

  it('drops the CR of CRLF, also when CR and LF are in different chunks', () => {
    expect(split(['a\r', '\nb\r\n']).lines).toEqual(['a', 'b']);
  });

  it('keeps a last line with no newline, and a newline at a chunk edge makes no empty line', () => {
    expect(split(['x\n', 'y']).lines).toEqual(['x', 'y']);
    expect(split(['x\n']).lines).toEqual(['x']);
  });

  it('gives the same lines for any chunking of a real capture', () => {
    const bytes = readFileSync(SAMPLE);
    const whole = split([bytes]).lines;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 20 }), (cuts) => {
        const points = [...new Set([0, ...cuts, bytes.length])].sort((a, b) => a - b);
        const chunks = points.slice(1).map((end, i) => bytes.subarray(points[i], end));
        expect(split(chunks).lines).toEqual(whole);
      }),
      { numRuns: 50 },
    );
  });

  it('reports an overlong line with its number and length, and keeps counting lines', () => {
    const long = 'x'.repeat(100);
    const r = split(['a\n', long.slice(0, 30), long.slice(30), '\nb\n'], 50);
    expect(r.lines).toEqual(['a', 'b']);
    expect(r.overlong).toEqual([[2, 100]]);
    const r2 = split([`a\n${long}\nb`], 50);
    expect(r2.lines).toEqual(['a', 'b']);
    expect(r2.overlong).toEqual([[2, 100]]);
  });

  it('reads .gz by its content, whatever its name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp-lines-'));
    const path = join(dir, 'trace.txt');
    writeFileSync(path, gzipSync('one\ntwo\n'));
    const got: string[] = [];
    for await (const l of readLines(path)) got.push(l);
    expect(got).toEqual(['one', 'two']);
  });

  it('says a truncated .gz is truncated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fp-lines-'));
    const path = join(dir, 'cut.gz');
    const gz = gzipSync(readFileSync(SAMPLE));
    writeFileSync(path, gz.subarray(0, gz.length >> 1));
    const stream = await openInput(path);
    await expect(forEachLine(stream, () => undefined)).rejects.toThrow(/cut\.gz: .*truncated|cut\.gz: corrupt/);
  });

  it('names a missing file', async () => {
    await expect(openInput('no/such/file.txt')).rejects.toThrow(new InputError('no/such/file.txt: cannot read: no such file'));
  });

  it('reads - from the given stdin', async () => {
    const stream = await openInput('-', Readable.from([Buffer.from('p\nq\n')]));
    const got: string[] = [];
    await forEachLine(stream, (l) => got.push(l));
    expect(got).toEqual(['p', 'q']);
  });

  // A gunzip stream stays reachable after its end; its listeners held the
  // caller's parser, and with it every frame it interned, to the end of the run.
  it('lets go of the line callback once the input is read, though the stream lives on', async () => {
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    for (const path of ['samples/guard/perf-script.txt.gz', 'samples/guard/guard.objdump-dl.txt']) {
      const stream = await openInput(path);
      let callback: WeakRef<object> | undefined;
      await (async () => {
        const state = { lines: 0 };
        callback = new WeakRef(state);
        await forEachLine(stream, () => state.lines++);
      })();
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc();
      expect(stream.listenerCount('data'), path).toBe(0);
      expect(callback!.deref(), path).toBeUndefined();
    }
  });
});

describe('read-ahead file stream', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultpath-readahead-'));
  // a little over 3 MiB: chunks of 1 MiB and a short last one
  const bytes = Buffer.alloc((3 << 20) + 12345);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 11)) & 0xff;
  const path = join(dir, 'bytes.bin');
  writeFileSync(path, bytes);

  const collect = async (s: Readable): Promise<Buffer> => {
    const parts: Buffer[] = [];
    for await (const c of s) parts.push(c as Buffer);
    return Buffer.concat(parts);
  };

  it('hands out the whole file, and exactly a range', async () => {
    expect((await collect(new ReadAheadFile(path))).equals(bytes)).toBe(true);
    expect((await collect(new ReadAheadFile(path, 1000, (2 << 20) + 7))).equals(bytes.subarray(1000, (2 << 20) + 7))).toBe(true);
    expect((await collect(new ReadAheadFile(path, 5, 5))).length).toBe(0);
  });

  it('holds at most two chunks for a paused reader, and closes when destroyed mid-read', async () => {
    const s = new ReadAheadFile(path);
    s.pause();
    s.on('data', () => undefined);
    s.pause();
    await new Promise((r) => setTimeout(r, 100));
    expect(s.readableLength).toBeLessThanOrEqual(2 << 20);
    const closed = new Promise((r) => s.on('close', r));
    s.destroy();
    await closed;
  });

  it('reports a file that cannot be opened', async () => {
    await expect(collect(new ReadAheadFile(join(dir, 'missing')))).rejects.toThrow(/ENOENT/);
  });
});
