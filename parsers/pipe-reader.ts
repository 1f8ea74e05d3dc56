// A pipe's bytes as a stream, each read into a buffer the reader handed back
// (recycle) when there is one. process.stdin hands out every read of a pipe in
// fresh memory, which the GC frees only tens of MB later (most of a 1 GB
// trace's peak). The pipe is read as a socket is (libuv's stream, its onread
// buffers), not on the thread pool: a reader that stops early (an error) does
// not wait for the writer's next bytes to exit. node:net is the caller's to
// load (openInput, for stdin only): a file's report and its worker start
// without it.
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { RecycledBuffers } from './recycled-buffers.js';

// a pipe's capacity unless raised: no read hands out more
const PIECE = 1 << 16;

export class PipeReader extends Readable {
  private readonly buffers = new RecycledBuffers(PIECE);
  private readonly socket: Socket;

  /** Reads the pipe open on `fd`, closed with this stream; `socket` is node:net's Socket. */
  constructor(fd: number, socket: typeof Socket) {
    super({ highWaterMark: PIECE });
    // onread (Node ≥ 12.2) is missing from @types/node's constructor options
    const options = {
      fd,
      readable: true,
      writable: false,
      onread: {
        buffer: () => this.buffers.take(),
        // false pauses the socket until _read asks again
        callback: (n: number, buf: Uint8Array) => this.push(Buffer.from(buf.buffer, buf.byteOffset, n)),
      },
    };
    this.socket = new socket(options as ConstructorParameters<typeof Socket>[0]);
    this.socket.on('end', () => this.push(null));
    this.socket.on('error', (e) => this.destroy(e));
  }

  /** Hands back a chunk this stream pushed, once nothing refers to its bytes any more. */
  recycle(chunk: Buffer): void {
    this.buffers.recycle(chunk);
  }

  override _read(): void {
    this.socket.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}
