// JSON text written straight into Buffers: the bytes of a large output (the
// report's tree) without a string per value or per node. JSON.stringify's
// text, byte for byte, in UTF-8.

/** Bytes gathered before a chunk is handed out. */
const CHUNK = 1 << 16;

/** Runs longer than this are copied by a call (Buffer's), shorter ones by a loop. */
const NATIVE = 32;

/** numbers(): fewer numbers' room than this left in a chunk, the next chunk takes them. */
const RUN = 64;

/** What JSON.stringify writes as it is (no escape) in one byte of UTF-8. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * A JSON byte sink: values are appended to a buffer; full buffers wait in
 * `take()` for the writer to hand them on. A string is never split across
 * two chunks. After `reuse()`, the buffers taken are written over: a writer
 * that hands each chunk on and waits for it to be written needs two buffers,
 * not one per chunk (dead chunks waiting for a GC held tens of MB of RSS).
 */
export class JsonBytes {
  private buf: Buffer;
  private pos = 0;
  private done: Buffer[] = [];
  // the buffers of the chunks done, of those taken, and those free to write again
  private doneBuffers: Buffer[] = [];
  private lent: Buffer[] = [];
  private readonly free: Buffer[] = [];
  // counts' keys as bytes: `{"key":` for the first, `,"key":` for the others
  private readonly firstKeys = new Map<string, Uint8Array>();
  private readonly keys = new Map<string, Uint8Array>();

  constructor(private readonly chunk = CHUNK) {
    this.buf = Buffer.allocUnsafe(chunk);
  }

  /** The full chunks written so far (handed out once). */
  take(): Buffer[] {
    const d = this.done;
    if (d.length > 0) {
      this.done = [];
      for (const b of this.doneBuffers) this.lent.push(b);
      this.doneBuffers = [];
    }
    return d;
  }

  /** The chunks taken so far are written: their buffers may be written over. */
  reuse(): void {
    for (const b of this.lent) this.free.push(b);
    this.lent = [];
  }

  /** Everything written and not taken, the last chunk included; the sink starts a new chunk. */
  end(): Buffer[] {
    if (this.pos > 0) this.next(this.chunk);
    return this.take();
  }

  /** JSON text known to be ASCII (punctuation, keys): written as is. */
  raw(s: string): void {
    if (this.pos + s.length > this.buf.length) this.room(s.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Bytes made by `bytesOf`. */
  bytes(b: Uint8Array): void {
    if (this.pos + b.length > this.buf.length) this.room(b.length);
    const buf = this.buf;
    // a call copies long runs faster than a loop; short ones the other way round
    if (b.length > NATIVE) {
      buf.set(b, this.pos);
      this.pos += b.length;
      return;
    }
    let p = this.pos;
    for (let i = 0; i < b.length; i++) buf[p++] = b[i]!;
    this.pos = p;
  }

  /** JSON.stringify(s). */
  string(s: string): void {
    // worst case: every UTF-16 unit a \u escape (6 bytes); UTF-8 takes at most 3
    if (this.pos + 6 * s.length + 2 > this.buf.length) this.room(6 * s.length + 2);
    if (s.length > NATIVE) {
      if (PLAIN.test(s)) {
        const buf = this.buf;
        buf[this.pos] = 0x22;
        this.pos += buf.write(s, this.pos + 1, 'latin1') + 2;
        buf[this.pos - 1] = 0x22;
      } else this.stringified(s);
      return;
    }
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x22;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      // escapes and non-ASCII (lone surrogates are escaped): JSON.stringify's text
      if (c < 0x20 || c === 0x22 || c === 0x5c || c > 0x7e) {
        this.stringified(s);
        return;
      }
      buf[p++] = c;
    }
    buf[p++] = 0x22;
    this.pos = p;
  }

  /** JSON.stringify(v) for a number (null when not finite). */
  number(v: number): void {
    if (!(v >= 0 && v <= 0x7fffffff && (v | 0) === v)) {
      this.raw(Number.isFinite(v) ? String(v) : 'null');
      return;
    }
    if (this.pos + 10 > this.buf.length) this.room(10);
    const buf = this.buf;
    let n = v | 0;
    let p = this.pos + (n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10);
    this.pos = p;
    do {
      const q = (n / 10) | 0;
      buf[--p] = 0x30 + n - q * 10;
      n = q;
    } while (n > 0);
  }

  /**
   * The numbers `c[from]` … `c[to - 1]`, each as number() writes it, comma
   * separated, with a comma first when `comma`: a page's millions of numbers
   * without a call and a bounds check each.
   */
  numbers(c: ArrayLike<number>, from: number, to: number, comma: boolean): void {
    for (let i = from; i < to; ) {
      // a comma, a sign and ten digits each: room for a run of them, not a check each
      const want = Math.min(to - i, INTS.length);
      let k = Math.min(want, ((this.buf.length - this.pos) / 12) | 0);
      if (k < want && k < RUN) {
        this.room(12 * want);
        k = Math.min(want, ((this.buf.length - this.pos) / 12) | 0);
      }
      const ints = c instanceof Int32Array ? c : null;
      const n = ints !== null ? k : intsOf(c, i, i + k);
      if (n > 0) {
        this.pos = writeInts(this.buf, this.pos, ints ?? INTS, ints !== null ? i : 0, n, comma);
        comma = true;
        i += n;
      }
      if (n < k) {
        // not an integer of 32 bits: as JSON.stringify writes it
        if (comma) this.byte(0x2c);
        comma = true;
        const v = c[i++]!;
        this.raw(Number.isFinite(v) ? String(v) : 'null');
      }
    }
  }

  /** JSON.stringify(counts) for a record of numbers (its own keys in order; undefined values left out). */
  counts(counts: Readonly<Record<string, number | undefined>>): void {
    let first = true;
    for (const k in counts) {
      const v = counts[k];
      if (v === undefined) continue;
      // `{"key":` or `,"key":`, kept per key (event names and fault classes: a few)
      const keys = first ? this.firstKeys : this.keys;
      let b = keys.get(k);
      if (b === undefined) keys.set(k, (b = bytesOf((first ? '{' : ',') + JSON.stringify(k) + ':')));
      this.bytes(b);
      first = false;
      this.number(v);
    }
    if (first) this.byte(0x7b);
    this.byte(0x7d);
  }

  /** One byte of ASCII. */
  byte(c: number): void {
    if (this.pos === this.buf.length) this.room(1);
    this.buf[this.pos++] = c;
  }

  private stringified(s: string): void {
    this.pos += this.buf.write(JSON.stringify(s), this.pos, 'utf8');
  }

  // Room for n more bytes: a full chunk is put aside first.
  private room(n: number): void {
    this.next(Math.max(this.chunk, n));
  }

  // The chunk written so far is done; a buffer of `size` bytes takes the next.
  private next(size: number): void {
    if (this.pos > 0) {
      this.done.push(this.buf.subarray(0, this.pos));
      if (this.buf.length === this.chunk) this.doneBuffers.push(this.buf);
    } else if (this.buf.length === this.chunk) this.free.push(this.buf);
    this.buf = size === this.chunk ? (this.free.pop() ?? Buffer.allocUnsafe(size)) : Buffer.allocUnsafe(size);
    this.pos = 0;
  }
}

/** A string's UTF-8 bytes. */
export function bytesOf(s: string): Uint8Array {
  return Buffer.from(s, 'utf8');
}

// intsOf's copies: at most a chunk's numbers at 12 bytes each
const INTS = new Int32Array(CHUNK / 12);
// by digit count minus one, the least number with that many digits (0 for one digit: 0 has one)
const TENS = Int32Array.from({ length: 10 }, (_, d) => (d === 0 ? 0 : 10 ** d));

// How many of c[from] … c[to - 1], from the first, are integers of 32 bits; copied into INTS.
function intsOf(c: ArrayLike<number>, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const v = c[i]!;
    if ((v | 0) !== v) break;
    INTS[n++] = v;
  }
  return n;
}

// ints[from] … ints[from + n - 1] written at buf[p] (room checked), comma separated, a comma first when `comma`; the end.
// No branch taken only by some numbers (a sign, a digit count): compiled while the first numbers ran, code with one
// was thrown away when a later number first took it (a page's columns went through ~10 such compilations)
function writeInts(buf: Buffer, p: number, ints: Int32Array, from: number, n: number, comma: boolean): number {
  buf[p] = 0x2c;
  p += comma ? 1 : 0;
  for (let i = from, end = from + n; i < end; ) {
    let v = ints[i]!;
    // '-' written, kept when negative; -2^31's magnitude is past 32 bits: written as a double's digits
    const neg = v >> 31;
    buf[p] = 0x2d;
    p -= neg;
    v = (v ^ neg) - neg;
    // digits: log10 of 2 to the bit length (1233 / 4096), one more when v has reached that power of ten
    const d = ((32 - Math.clz32(v)) * 1233) >> 12;
    p += d + (v >= TENS[d]! ? 1 : 0);
    let q = p;
    do {
      const t = (v / 10) | 0;
      buf[--q] = 0x30 + v - t * 10;
      v = t;
    } while (v > 0);
    if (++i < end) buf[p++] = 0x2c;
  }
  return p;
}
