// The buffers a reader reads into, handed back by the chunks' reader once nothing refers to their
// bytes: the next read goes into one instead of fresh memory, which the kernel would fault in page by
// page and the GC would free again. At most two wait to be read into.
export class RecycledBuffers {
  private readonly spare: Buffer[] = [];
  private readonly own = new WeakSet<object>();

  constructor(readonly size: number) {}

  /** A buffer of `size` bytes to read into: one handed back when there is one. */
  take(): Buffer {
    const b = this.spare.pop() ?? Buffer.allocUnsafeSlow(this.size);
    this.own.add(b.buffer);
    return b;
  }

  /** Takes back a chunk read into a buffer of `take` (any other is left to the GC). */
  recycle(chunk: Buffer): void {
    const b = chunk.buffer;
    if (this.own.has(b) && this.spare.length < 2) {
      this.own.delete(b);
      this.spare.push(Buffer.from(b));
    }
  }
}
