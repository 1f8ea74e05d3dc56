// The byte edge: open a file, `-` (stdin) or a gzip stream (sniffed by its
// magic bytes, not its name) and hand out lines. Parsers take lines, never files.
//
// The splitter is our own rather than split2's because a line over the maximum
// length must be counted and reported with its line number (split2 drops it
// without a trace, or fails the stream), and because a trace holds tens of
// millions of lines: decoding a chunk once and cutting it with indexOf is the
// cheapest way to get them. CRLF endings lose their CR here.
import { createReadStream, openSync, readlinkSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { InputError } from './errors.js';
import type { Diagnostic } from './records.js';
import { PipeReader } from './pipe-reader.js';
import { ReadAheadFile } from './read-ahead.js';

export interface LineOptions {
  /** Lines longer than this many characters are cut off, counted and reported; memory stays flat. Default 1 MiB. */
  maxLineLength?: number;
  /** Called once per overlong line with its 1-based number and its full length. */
  onOverlong?: (line: number, length: number) => void;
}

export const DEFAULT_MAX_LINE_LENGTH = 1 << 20;

/** The diagnostic for a line longer than the maximum: the one wording for every format. */
export function overlongLine(source: string, line: number, length: number): Diagnostic {
  return { source, line, reason: `line of ${length} characters is longer than the maximum line length; skipped` };
}

/** Bytes decoded into one string at a time (below V8's 128 KiB large-object threshold). */
const DECODE_PIECE = 1 << 16;

/** What openInput knows of a stream it opened: for error messages and progress. */
export interface InputInfo {
  readonly path: string;
  readonly gzip: boolean;
  /** Size of the file on disk; undefined for stdin and pipes. */
  readonly size: number | undefined;
  /** Bytes read from the file so far (compressed bytes for a .gz). */
  bytesRead: number;
}

const infos = new WeakMap<Readable, InputInfo>();

/** What openInput recorded about `stream`, if it opened it. */
export function inputInfo(stream: Readable): InputInfo | undefined {
  return infos.get(stream);
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** Opens `path` (or stdin for `-`) as a stream of decompressed bytes. */
export async function openInput(path: string, stdin?: Readable): Promise<Readable> {
  let raw: Readable;
  let size: number | undefined;
  if (path === '-') {
    raw = stdin ?? process.stdin; // only here: touching process.stdin makes a shared pipe non-blocking
    // the pipe opened again, read into recycled buffers (parsers/pipe-reader.ts)
    const pipe = pipeOnFd0(raw);
    if (pipe !== undefined) raw = new PipeReader(pipe, (await import('node:net')).Socket);
  } else {
    try {
      const s = await stat(path);
      if (s.isDirectory()) throw new InputError(`${path}: is a directory, expected a file`);
      if (s.isFile()) size = s.size;
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`${path}: cannot read: ${describeFsError(e)}`);
    }
    // a regular file is read ahead; a FIFO or device cannot be read at an offset
    raw = size !== undefined ? new ReadAheadFile(path) : createReadStream(path, { highWaterMark: 1 << 20 });
  }
  const peeked = await peekFirstBytes(raw, path);
  const first = peeked.head;
  raw = peeked.stream;
  if (first.length >= 2 && first[0] === GZIP_MAGIC_0 && first[1] === GZIP_MAGIC_1) {
    const { createGunzip } = await import('node:zlib'); // loaded for gzip input only (start-up)
    const gunzip = createGunzip({ chunkSize: 1 << 16 }); // 64 KiB chunks: libc's listing gunzips in about half the time of the 16 KiB default
    raw.on('error', (e) => gunzip.destroy(e));
    gunzip.on('error', () => undefined);
    raw.pipe(gunzip);
    const info: InputInfo = { path, gzip: true, size, bytesRead: 0 };
    raw.on('data', (chunk: Buffer) => (info.bytesRead += chunk.length)); // raw already flows into gunzip
    infos.set(gunzip, info);
    return gunzip;
  }
  infos.set(raw, { path, gzip: false, size, bytesRead: 0 });
  return raw;
}

/** Opens bytes [start, end) of a plain file (a range cut at a record boundary, for worker threads). */
export function openRange(path: string, start: number, end: number): Readable {
  const raw = new ReadAheadFile(path, start, end);
  infos.set(raw, { path, gzip: false, size: end - start, bytesRead: 0 });
  return raw;
}

// An anonymous pipe on fd 0, on Linux, opened again: a file of its own (process.stdin holds fd 0),
// whose open does not wait for a writer as a named FIFO's would. Undefined for anything else.
function pipeOnFd0(stream: Readable): number | undefined {
  if (process.platform !== 'linux' || (stream as { fd?: unknown }).fd !== 0) return undefined;
  try {
    return readlinkSync('/proc/self/fd/0').startsWith('pipe:') ? openSync('/proc/self/fd/0', 'r') : undefined;
  } catch {
    return undefined;
  }
}

function describeFsError(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return e instanceof Error ? e.message : String(e);
}

// Reads until it has gzip's two magic bytes (a pipe may hand out one byte at
// a time) or the end, then puts them back so the stream starts over. A stream
// that ended while being read is replaced by one holding what it had: its
// 'end' event is spent, and a reader waiting for it would wait forever.
async function peekFirstBytes(stream: Readable, path: string): Promise<{ head: Buffer; stream: Readable }> {
  return new Promise((resolve, reject) => {
    const pieces: Buffer[] = [];
    let length = 0;
    const onReadable = (): void => {
      let chunk: Buffer | string | null;
      while (length < 2 && (chunk = stream.read() as Buffer | string | null) !== null) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        pieces.push(buf);
        length += buf.length;
      }
      if (length < 2) return; // not yet, or ended
      cleanup();
      const head = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
      stream.unshift(head);
      resolve({ head, stream });
    };
    const onEnd = (): void => {
      cleanup();
      const head = Buffer.concat(pieces);
      resolve({ head, stream: Readable.from(head.length > 0 ? [head] : [], { objectMode: false }) });
    };
    const onError = (e: unknown): void => {
      cleanup();
      reject(new InputError(`${path}: cannot read: ${describeFsError(e)}`));
    };
    const cleanup = (): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

export function inputError(path: string, e: unknown, gzip: boolean): InputError {
  if (e instanceof InputError) return e;
  const code = (e as { code?: string }).code ?? '';
  if (gzip && code.startsWith('Z_')) return new InputError(`${path}: corrupt or truncated gzip data (${(e as Error).message})`);
  if (gzip && /unexpected end of file/i.test(String((e as Error).message))) return new InputError(`${path}: truncated gzip data (unexpected end of file)`);
  return new InputError(`${path}: cannot read: ${describeFsError(e)}`);
}

/**
 * Calls `onLine` for every line of `stream` in order, synchronously per chunk.
 * Resolves with the number of lines. Rejects with an InputError when the bytes
 * cannot be read (a corrupt .gz).
 */
export function forEachLine(stream: Readable, onLine: (line: string) => void, options: LineOptions = {}): Promise<number> {
  const splitter = new LineSplitter(onLine, options);
  return forEachChunk(
    stream,
    (chunk) => splitter.write(chunk),
    () => {
      splitter.end();
      return splitter.lines;
    },
  );
}

/**
 * Calls `onChunk` with every chunk of `stream` in order, then resolves with
 * what `onEnd` returns. A throw from either rejects (and stops the stream);
 * unreadable bytes (a corrupt .gz) reject with an InputError.
 */
export function forEachChunk<T>(stream: Readable, onChunk: (chunk: Buffer) => void, onEnd: () => T): Promise<T> {
  const info = infos.get(stream);
  const path = info?.path ?? '<stream>';
  const gzip = info?.gzip ?? false;
  return new Promise((resolve, reject) => {
    // Once done, the stream lets go of the caller's parser (a gunzip stream
    // outlives its end, and would keep it to the last).
    const done = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd_);
      stream.off('error', onError);
      stream.on('error', ignore); // a late error must not become an uncaught one
    };
    const onData = (chunk: Buffer): void => {
      if (info !== undefined && !gzip) info.bytesRead += chunk.length;
      try {
        onChunk(chunk);
      } catch (e) {
        done();
        stream.destroy();
        reject(e);
      }
    };
    const onEnd_ = (): void => {
      done();
      try {
        resolve(onEnd());
      } catch (e) {
        reject(e);
      }
    };
    const onError = (e: Error): void => {
      done();
      reject(inputError(path, e, gzip));
    };
    stream.on('data', onData);
    stream.on('end', onEnd_);
    stream.on('error', onError);
  });
}

function ignore(): void {}

/** Lines of a file, `-` or .gz as an async iterable (convenient; the hot path uses forEachLine). */
export async function* readLines(path: string, options: LineOptions = {}): AsyncGenerator<string> {
  const stream = await openInput(path);
  const gzip = infos.get(stream)?.gzip ?? false;
  const queue: string[] = [];
  const splitter = new LineSplitter((l) => queue.push(l), options);
  try {
    for await (const chunk of stream) {
      splitter.write(chunk as Buffer);
      while (queue.length > 0) yield* queue.splice(0, queue.length);
    }
  } catch (e) {
    throw inputError(path, e, gzip);
  }
  splitter.end();
  yield* queue;
}

/**
 * Cuts bytes [from, to) of `b` into lines as LineSplitter does, for a parser
 * that reads bytes held in memory: `onLine` gets each line's byte range
 * without its newline (and without a CR before it); a line longer than
 * `maxLineLength` characters goes to `onOverlong` with its length instead.
 */
export function forEachLineIn(b: Buffer, from: number, to: number, onLine: (start: number, end: number) => void, onOverlong: (length: number) => void, maxLineLength = DEFAULT_MAX_LINE_LENGTH): void {
  let start = from;
  while (start < to) {
    const nl = lineEndIn(b, start, to);
    const length = overlongLength(b, start, nl, maxLineLength);
    if (length > 0) onOverlong(length);
    else onLine(start, contentEnd(b, start, nl));
    start = nl + 1;
  }
}

/** Where the line at `start` of bytes [start, to) of `b` ends: its newline, or `to`. */
export function lineEndIn(b: Buffer, start: number, to: number): number {
  const nl = b.indexOf(10, start);
  return nl < 0 || nl > to ? to : nl;
}

/** Bytes [start, end) of `b`'s length in characters when that is over `maxLineLength` (a line to report, overlongLine), else 0. */
export function overlongLength(b: Buffer, start: number, end: number, maxLineLength: number): number {
  if (end - start <= maxLineLength) return 0;
  const length = b.toString('utf8', start, end).length;
  return length > maxLineLength ? length : 0;
}

/** The end of a line's text that ends at `nl`: before a CR there. */
export function contentEnd(b: Buffer, start: number, nl: number): number {
  return nl > start && b[nl - 1] === 13 ? nl - 1 : nl;
}

/** Cuts bytes into lines. Exported for tests that feed odd chunkings. */
export class LineSplitter {
  lines = 0;
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';
  private overflowLength = -1; // >= 0 while skipping an overlong line
  private readonly max: number;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly options: LineOptions = {},
  ) {
    this.max = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  }

  write(chunk: Buffer | string): void {
    if (typeof chunk === 'string') {
      this.writeText(chunk);
      return;
    }
    // Decoded in pieces of at most 64 KiB: V8 allocates a longer string in its
    // large-object space, and a trace's worth of those costs a full GC every
    // few chunks (a 270 MB capture splits in 1.8 s from 1 MiB strings, in
    // 0.4 s from 64 KiB ones).
    for (let at = 0; at < chunk.length; at += DECODE_PIECE) this.writeText(this.decoder.write(chunk.subarray(at, at + DECODE_PIECE)));
  }

  private writeText(text: string): void {
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl === -1) {
      this.keep(text);
      return;
    }
    // first line joins what was left from the previous chunk
    if (this.overflowLength >= 0) {
      this.finishOverflow(nl);
    } else {
      const first = this.rest.length > 0 ? this.rest + text.slice(0, nl) : text.slice(0, nl);
      this.rest = '';
      if (first.length > this.max) {
        this.lines++;
        this.options.onOverlong?.(this.lines, first.length);
      } else {
        this.emit(first);
      }
    }
    start = nl + 1;
    nl = text.indexOf('\n', start);
    while (nl !== -1) {
      if (nl - start > this.max) {
        this.lines++;
        this.options.onOverlong?.(this.lines, nl - start);
      } else {
        this.emit(text.slice(start, nl));
      }
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    if (start < text.length) this.keep(text.slice(start));
  }

  end(): void {
    const tail = this.decoder.end();
    if (tail) this.keep(tail);
    if (this.overflowLength >= 0) {
      this.finishOverflow(0);
    } else if (this.rest.length > 0) {
      const last = this.rest;
      this.rest = '';
      this.emit(last);
    }
  }

  private keep(text: string): void {
    if (this.overflowLength >= 0) {
      this.overflowLength += text.length;
      return;
    }
    if (this.rest.length + text.length > this.max) {
      this.overflowLength = this.rest.length + text.length;
      this.rest = '';
      return;
    }
    this.rest = this.rest.length > 0 ? this.rest + text : text;
  }

  private finishOverflow(extra: number): void {
    this.lines++;
    this.options.onOverlong?.(this.lines, this.overflowLength + extra);
    this.overflowLength = -1;
  }

  private emit(line: string): void {
    this.lines++;
    this.onLine(line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line);
  }
}
