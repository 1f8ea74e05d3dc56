// A plain file's bytes as a stream whose next read is already running while a
// chunk is parsed. fs.createReadStream starts the next read only after the
// 'data' handler returns, so parsing and reading take turns; here they overlap
// (the read runs on libuv's thread pool). At most two chunks wait when the
// reader is paused. A reader that is done with a chunk may hand it back
// (recycle): the next read goes into it instead of fresh memory, which the
// kernel would fault in page by page and the GC would free again.
import { close, open, read } from 'node:fs';
import { Readable } from 'node:stream';
import { RecycledBuffers } from './recycled-buffers.js';

const CHUNK = 1 << 20;

export class ReadAheadFile extends Readable {
  private fd = -1;
  private pos: number;
  private reading = false;
  private ended = false;
  private afterRead: (() => void) | undefined;
  private readonly buffers = new RecycledBuffers(CHUNK);

  /** Bytes [start, end) of the file at `path` (to its end by default). */
  constructor(
    private readonly path: string,
    start = 0,
    private readonly end = Infinity,
  ) {
    super({ highWaterMark: CHUNK });
    this.pos = start;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.path, 'r', (err, fd) => {
      if (err !== null) {
        callback(err);
        return;
      }
      this.fd = fd;
      callback();
    });
  }

  /** Hands back a chunk this stream pushed, once nothing refers to its bytes any more. */
  recycle(chunk: Buffer): void {
    this.buffers.recycle(chunk);
  }

  override _read(): void {
    if (!this.reading && !this.ended) this.next();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const done = (): void => {
      if (this.fd < 0) {
        callback(error);
        return;
      }
      const fd = this.fd;
      this.fd = -1;
      close(fd, () => callback(error));
    };
    if (this.reading) this.afterRead = done;
    else done();
  }

  private next(): void {
    const n = Math.min(CHUNK, this.end - this.pos);
    if (n <= 0) {
      this.ended = true;
      this.push(null);
      return;
    }
    // (the last, shorter read's buffer is not one to read into again)
    const buf = n === CHUNK ? this.buffers.take() : Buffer.allocUnsafeSlow(n);
    this.reading = true;
    read(this.fd, buf, 0, n, this.pos, (err, bytes) => {
      this.reading = false;
      if (this.afterRead !== undefined) {
        this.afterRead();
        return;
      }
      if (err !== null) {
        this.destroy(err);
        return;
      }
      if (bytes === 0) {
        this.ended = true;
        this.push(null);
        return;
      }
      this.pos += bytes;
      // the next read starts before this chunk is handed on, unless a paused reader has a chunk waiting
      if (this.pos < this.end && this.readableLength < this.readableHighWaterMark) this.next();
      this.push(bytes === buf.length ? buf : buf.subarray(0, bytes));
    });
  }
}
