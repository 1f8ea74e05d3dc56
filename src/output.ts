// Writing results. A regular file is written under a temporary name in its
// own folder and renamed, so a report is either whole or absent; the
// temporary file is created exclusively under an unpredictable name, and the
// result keeps the mode (and, for root, the owner) of the file it replaces.
// A symlinked FILE is followed: its target is what gets replaced. Devices,
// FIFOs and /dev/stdout are written in place — renaming over them would
// replace /dev/null with a regular file. stdout tolerates a reader that left (EPIPE).
import { constants, write } from 'node:fs';
import { access, lstat, open, readlink, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { InputError } from './errors.js';

/**
 * What a renderer hands out: the whole text, or its pieces in order (written
 * as they come): strings, or bytes already encoded, which the renderer may
 * write over once the next piece is asked for.
 */
export type OutputText = string | Iterable<string | Uint8Array>;

/** Pieces are gathered up to this many characters before a write. */
const WRITE_BATCH = 1 << 16;
/** A regular file is written from buffers of this many bytes, */
const FILE_BUFFER = 1 << 17;
/** this many of them: one filled while the others are written. */
const FILE_BUFFERS = 4;

/**
 * Checks before any work that `path` can be written: its folder exists and is
 * a folder we may write in. Throws an InputError naming `path` as given.
 */
export async function checkOutputPath(path: string | undefined): Promise<void> {
  if (path === undefined || path === '-' || STDOUT.has(path)) return;
  const target = await resolveTarget(path).catch((e: unknown) => {
    throw cannotWrite(path, e);
  });
  if (target.direct) return;
  // the temporary file's name needs it (writeOutput): loaded now, not after the work, at the end of it
  import('node:crypto').catch(() => undefined);
  const folder = dirname(target.path);
  try {
    const s = await stat(folder);
    if (!s.isDirectory()) throw new InputError(`${path}: cannot write: ${folder} is not a folder`);
    await access(folder, constants.W_OK);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new InputError(`${path}: cannot write: no such folder ${folder}`);
    throw cannotWrite(path, e);
  }
}

/** Names of stdout: written to the stream we hold (opening them fails when stdout is a socket). */
const STDOUT = new Set(['/dev/stdout', '/dev/fd/1', '/proc/self/fd/1']);

/** `encoding` is how the text becomes bytes: 'latin1' writes one byte per character (collapse's text is the input's bytes). */
export async function writeOutput(text: OutputText, path: string | undefined, stdout: Writable, encoding: BufferEncoding = 'utf8'): Promise<void> {
  if (path === undefined || path === '-' || STDOUT.has(path)) {
    await writeStream(stdout, text, encoding);
    return;
  }
  let target: Target;
  try {
    target = await resolveTarget(path);
  } catch (e) {
    throw cannotWrite(path, e);
  }
  if (target.direct) {
    let file: FileHandle | undefined;
    try {
      file = await open(target.path, 'w');
      await writeAwaited(file, text, encoding);
    } catch (e) {
      throw cannotWrite(path, e);
    } finally {
      await file?.close().catch(() => undefined);
    }
    return;
  }
  // (checkOutputPath started loading it)
  const { randomBytes } = await import('node:crypto');
  const tmp = join(dirname(target.path), `.${basename(target.path)}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  let file: FileHandle | undefined;
  try {
    // 'wx' is O_CREAT|O_EXCL: a file or symlink planted at the name fails the open instead of being followed
    file = await open(tmp, 'wx', target.mode ?? 0o666);
    created = true;
    if (target.mode !== undefined) await file.chmod(target.mode); // the umask must not narrow or widen it
    if (target.owner !== undefined && process.getuid?.() === 0) await file.chown(target.owner.uid, target.owner.gid).catch(() => undefined);
    await writeFile(file.fd, text, encoding);
    await file.close();
    file = undefined;
    await rename(tmp, target.path);
  } catch (e) {
    await file?.close().catch(() => undefined);
    if (created) await rm(tmp, { force: true });
    throw cannotWrite(path, e);
  }
}

interface Target {
  /** The file to replace or write: a symlink's final target. */
  path: string;
  /** Not a regular file (a device, FIFO, socket, /dev/stdout): written in place. */
  direct: boolean;
  /** The existing file's permission bits, to keep. */
  mode?: number;
  owner?: { uid: number; gid: number };
}

async function resolveTarget(path: string): Promise<Target> {
  if (/^\/(dev|proc)\//.test(resolve(path))) return { path, direct: true };
  const s = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (s === undefined) return { path: await danglingTarget(path), direct: false };
  if (s.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
  if (!s.isFile()) return { path, direct: true };
  return { path: await realpath(path), direct: false, mode: s.mode & 0o7777, owner: { uid: s.uid, gid: s.gid } };
}

/** Where a symlink that points at nothing yet would lead (the path itself when it is no symlink). */
async function danglingTarget(path: string): Promise<string> {
  let at = path;
  for (let hops = 0; hops < 40; hops++) {
    const l = await lstat(at).catch(() => undefined);
    if (l === undefined || !l.isSymbolicLink()) return at;
    at = resolve(dirname(at), await readlink(at));
  }
  throw Object.assign(new Error('too many levels of symbolic links'), { code: 'ELOOP' });
}

function cannotWrite(path: string, e: unknown): InputError {
  if (e instanceof InputError) return e;
  const code = (e as { code?: string }).code;
  const why =
    code === 'ENOENT' ? `no such folder ${dirname(path)}`
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'EISDIR' ? 'is a folder'
    : code === 'ENOSPC' ? 'no space left on the device'
    : code === 'EROFS' ? 'read-only file system'
    : code === 'ELOOP' ? 'too many levels of symbolic links'
    : e instanceof Error ? e.message : String(e);
  return new InputError(`${path}: cannot write: ${why}`);
}

/** The text in batches of about WRITE_BATCH characters; bytes pass as they are. */
function* batches(text: OutputText): Generator<string | Uint8Array> {
  if (typeof text === 'string') {
    if (text.length > 0) yield text;
    return;
  }
  let pending: string[] = [];
  let size = 0;
  for (const piece of text) {
    if (piece.length === 0) continue;
    if (typeof piece !== 'string') {
      if (size > 0) yield pending.join('');
      pending = [];
      size = 0;
      yield piece;
      continue;
    }
    pending.push(piece);
    size += piece.length;
    if (size >= WRITE_BATCH) {
      yield pending.join('');
      pending = [];
      size = 0;
    }
  }
  if (size > 0) yield pending.join('');
}

// A regular file: the pieces are copied into a few buffers (a renderer's
// bytes may be written over once the next piece is asked for), and a full
// buffer is written by the thread pool while this thread renders on. Written
// in this thread, a 33 MB report waited ~70 ms in write(2), most of it for the
// page cache's fresh pages (~10 µs each on the bench VM), not for CPU.
async function writeFile(fd: number, text: OutputText, encoding: BufferEncoding): Promise<void> {
  const out = new FileWriter(fd);
  try {
    for (const chunk of batches(text)) {
      const wait = typeof chunk === 'string' ? out.text(chunk, encoding) : out.bytes(chunk);
      if (wait !== undefined) await wait;
    }
    await out.end();
  } finally {
    await out.settled();
  }
}

/** Bytes into FILE_BUFFERS buffers, each written at its offset in the file once full. */
class FileWriter {
  private readonly free: Buffer[] = [];
  private readonly writing: Promise<void>[] = [];
  private buf: Buffer = Buffer.allocUnsafe(FILE_BUFFER);
  private pos = 0;
  private offset = 0;
  private buffers = 1;
  private failure: { error: unknown } | undefined;

  constructor(private readonly fd: number) {}

  /** Copies `b`; a promise when this thread waits for a buffer (the piece is copied once it resolves). */
  bytes(b: Uint8Array): Promise<void> | undefined {
    for (let at = 0; at < b.length; ) {
      if (this.pos === this.buf.length) {
        const wait = this.flush();
        if (wait !== undefined) return wait.then(() => this.bytes(b.subarray(at)));
      }
      const n = Math.min(b.length - at, this.buf.length - this.pos);
      this.buf.set(n === b.length ? b : b.subarray(at, at + n), this.pos);
      this.pos += n;
      at += n;
    }
    return undefined;
  }

  /** As bytes(): text of one byte a character is encoded straight into the buffers, other text first on its own. */
  text(s: string, encoding: BufferEncoding): Promise<void> | undefined {
    if (encoding !== 'latin1' && Buffer.byteLength(s, encoding) !== s.length) return this.bytes(Buffer.from(s, encoding));
    for (let at = 0; at < s.length; ) {
      if (this.pos === this.buf.length) {
        const wait = this.flush();
        if (wait !== undefined) return wait.then(() => this.text(s.slice(at), encoding));
      }
      const n = Math.min(s.length - at, this.buf.length - this.pos);
      this.pos += this.buf.write(n === s.length ? s : s.slice(at, at + n), this.pos, encoding);
      at += n;
    }
    return undefined;
  }

  /** Writes what is left; resolves once every write is done, rejects with the first error. */
  async end(): Promise<void> {
    if (this.pos > 0 && this.failure === undefined) this.start();
    await this.settled();
    if (this.failure !== undefined) throw this.failure.error;
  }

  /** Resolves when no write is in flight (their errors are end()'s). */
  async settled(): Promise<void> {
    while (this.writing.length > 0) await this.writing.shift();
  }

  // The full buffer goes to the thread pool and a free one takes its place (a
  // new one while there are fewer than FILE_BUFFERS); a promise when none is free yet.
  private flush(): Promise<void> | undefined {
    if (this.failure !== undefined) throw this.failure.error;
    if (this.free.length === 0 && this.buffers === FILE_BUFFERS) return this.writing.shift()!.then(() => this.flush());
    this.start();
    const next = this.free.pop();
    if (next !== undefined) this.buf = next;
    else {
      this.buf = Buffer.allocUnsafe(FILE_BUFFER);
      this.buffers++;
    }
    this.pos = 0;
    return undefined;
  }

  private start(): void {
    const buf = this.buf;
    const length = this.pos;
    const offset = this.offset;
    this.offset += length;
    this.writing.push(
      writeAll(this.fd, buf, length, offset).then(
        () => void this.free.push(buf),
        (error: unknown) => void (this.failure ??= { error }),
      ),
    );
  }
}

// `length` bytes of `buf` at `offset` in the file (write(2) may write fewer than asked).
function writeAll(fd: number, buf: Buffer, length: number, offset: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const next = (at: number): void =>
      write(fd, buf, at, length - at, offset + at, (e, n) => {
        if (e !== null) reject(e);
        else if (at + n >= length) resolve();
        else next(at + n);
      });
    next(0);
  });
}

// A FIFO or device is written a piece at a time, awaited: its reader may be
// slow, or in this process.
async function writeAwaited(file: FileHandle, text: OutputText, encoding: BufferEncoding): Promise<void> {
  for (const chunk of batches(text)) {
    if (typeof chunk === 'string') await file.write(chunk, null, encoding);
    else await file.write(chunk);
  }
}

/** Resolves when the text is handed to the stream, waiting for it to drain between batches; a closed pipe (EPIPE) counts as done. */
export async function writeStream(stream: Writable, text: OutputText, encoding: BufferEncoding = 'utf8'): Promise<void> {
  for (const chunk of batches(text)) {
    if (!(await writeChunk(stream, chunk, encoding))) return;
  }
}

/** False when the reader has left (EPIPE): nothing more needs writing. */
function writeChunk(stream: Writable, text: string | Uint8Array, encoding: BufferEncoding): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      if (e.code === 'EPIPE') resolve(false);
      else reject(e);
    };
    stream.once('error', onError);
    stream.write(text, encoding, (e) => {
      stream.off('error', onError);
      if (e && (e as NodeJS.ErrnoException).code !== 'EPIPE') reject(e);
      else resolve(!e);
    });
  });
}

// C0 controls but tab and newline, DEL, C1 controls, and the bidi overrides
// that make text read differently from its bytes.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/** `s` with control characters shown as escapes (ESC → \x1b), so a name from a trace cannot drive the terminal. */
export function visible(s: string): string {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(s)) return s;
  return s.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Every piece of a text output through `visible`. */
export function* visiblePieces(text: string | Iterable<string>): Generator<string> {
  if (typeof text === 'string') yield visible(text);
  else for (const piece of text) yield visible(piece);
}
