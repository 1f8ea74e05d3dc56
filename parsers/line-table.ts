// Distinct lines interned by their bytes into integer ids: the frame lines of
// a perf script capture repeat millions of times, and a line seen before is
// found from its bytes without decoding it. The hash reads a line's first 32
// bytes (a frame's indent, address and symbol: distinct frames almost always
// differ there), so that `known` can find a line before its end is known —
// the copy's length says where it ends; a shorter line's hash is its length
// and all of its bytes. Lines that share their first 32 bytes are told apart
// by the full compare (four bytes at a time through DataViews); past CROWD of
// them, the prefix is marked and the others are hashed with their length and
// last bytes too (found by `intern`, through indexOf). A line shorter than 32
// bytes is hashed whole; `known` finds it by the newline among its 32 bytes when
// the prefix hash finds nothing. Open addressing over (hash, id); the bytes live
// in one arena.

const LF = 10;
export const HASHED_BYTES = 32;
const EMPTY = -1;
const CROWDED = -2;
const CROWD = 8;

export function viewOf(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.length);
}

/**
 * Bytes [a, a+n) of one view equal bytes [b, b+n) of the other, compared eight at a time as
 * doubles: equal doubles have equal bits but for 0 and -0 (checked as integers); NaNs never
 * compare equal, so their bytes are compared as integers too.
 */
export function sameBytes(x: DataView, a: number, y: DataView, b: number, n: number): boolean {
  let k = 0;
  for (; k + 8 <= n; k += 8) {
    const p = x.getFloat64(a + k, true);
    if (p !== y.getFloat64(b + k, true) || p === 0) {
      if (x.getInt32(a + k, true) !== y.getInt32(b + k, true) || x.getInt32(a + k + 4, true) !== y.getInt32(b + k + 4, true)) return false;
    }
  }
  if (k === n) return true;
  // the last bytes: the 8 that end the range, overlapping ones compared above (no loop byte by byte)
  if (n >= 8) return x.getInt32(a + n - 8, true) === y.getInt32(b + n - 8, true) && x.getInt32(a + n - 4, true) === y.getInt32(b + n - 4, true);
  if (n >= 4) return x.getInt32(a, true) === y.getInt32(b, true) && x.getInt32(a + n - 4, true) === y.getInt32(b + n - 4, true);
  for (; k < n; k++) if (x.getUint8(a + k) !== y.getUint8(b + k)) return false;
  return true;
}

/**
 * Copies bytes [a, a+n) of one view to [b, b+n) of another, four at a time as integers (any
 * bytes go through unchanged): a tenth of the time of a loop byte by byte for a line's bytes,
 * and no call into the runtime as Buffer#copy makes. The ranges do not overlap.
 */
export function copyBytes(x: DataView, a: number, y: DataView, b: number, n: number): void {
  let k = 0;
  for (; k + 8 <= n; k += 8) {
    y.setInt32(b + k, x.getInt32(a + k, true), true);
    y.setInt32(b + k + 4, x.getInt32(a + k + 4, true), true);
  }
  if (k === n) return;
  if (n >= 8) {
    // the 8 that end the range, overlapping ones copied above
    y.setInt32(b + n - 8, x.getInt32(a + n - 8, true), true);
    y.setInt32(b + n - 4, x.getInt32(a + n - 4, true), true);
    return;
  }
  for (; k < n; k++) y.setUint8(b + k, x.getUint8(a + k));
}

export class LineTable {
  /** Distinct lines so far; ids are 0 … count-1. */
  count = 0;
  /** After `known` found a line: where it ends (the offset of its newline). */
  knownEnd = 0;
  private arena = Buffer.alloc(1 << 16);
  private arenaView = viewOf(this.arena);
  private arenaUsed = 0;
  private offsets = new Int32Array(1024);
  private lengths = new Int32Array(1024);
  private table = new Int32Array(2048).fill(EMPTY);
  private hashes = new Int32Array(2048);
  private mask = 2047;
  private entries = 0;

  /**
   * The id of the line at `start` when it is one seen before, ended by a
   * newline before `limit` (its end in `knownEnd`); else -1 (a new line, a
   * CRLF one, one the chunk cuts, or one hashed whole as its prefix is
   * crowded). Needs start + 32 ≤ limit.
   */
  known(view: DataView, start: number, limit: number): number {
    const h = prefixHash(view, start);
    const table = this.table;
    const hashes = this.hashes;
    const mask = this.mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const id = table[slot]!;
      if (id === EMPTY) return this.knownShort(view, start);
      if (id === CROWDED || hashes[slot] !== h) continue;
      const len = this.lengths[id]!;
      if (start + len < limit && view.getUint8(start + len) === LF && sameBytes(view, start, this.arenaView, this.offsets[id]!, len)) {
        this.knownEnd = start + len;
        return id;
      }
    }
  }

  /** Whether the line at `start` is line `id`: its bytes, then a newline before `limit` (where, in knownEnd). */
  isAt(id: number, view: DataView, start: number, limit: number): boolean {
    const len = this.lengths[id]!;
    if (start + len >= limit || view.getUint8(start + len) !== LF || !sameBytes(view, start, this.arenaView, this.offsets[id]!, len)) return false;
    this.knownEnd = start + len;
    return true;
  }

  // A line shorter than 32 bytes (`perf script -F ip,sym` frames): its newline is among the 32
  // bytes at `start`, and it was hashed whole. Asked only when the prefix hash found nothing.
  private knownShort(view: DataView, start: number): number {
    const len = shortLength(view, start);
    if (len < 0) return -1;
    const h = shortHash(view, start, len);
    const mask = this.mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const id = this.table[slot]!;
      if (id === EMPTY) return -1;
      if (id !== CROWDED && this.hashes[slot] === h && this.lengths[id] === len && sameBytes(view, start, this.arenaView, this.offsets[id]!, len)) {
        this.knownEnd = start + len;
        return id;
      }
    }
  }

  /**
   * The length of a line seen before whose first 32 bytes hash to `h` (prefixHash) and whose
   * length puts a newline before `limit` where the line at `start` would end; -1 when there is
   * none. The bytes are not compared: a caller that must know the line is that one compares them.
   */
  lengthAt(h: number, view: DataView, start: number, limit: number): number {
    const table = this.table;
    const mask = this.mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const id = table[slot]!;
      if (id === EMPTY) return -1;
      if (id === CROWDED || this.hashes[slot] !== h) continue;
      const len = this.lengths[id]!;
      if (start + len < limit && view.getUint8(start + len) === LF) return len;
    }
  }

  /** The id of bytes [start, end) of buf, added when new (with `add` false: -1 when new). */
  intern(buf: Buffer, view: DataView, start: number, end: number, add = true): number {
    const len = end - start;
    let h = len >= HASHED_BYTES ? prefixHash(view, start) : shortHash(view, start, len);
    let crowd = 0;
    let crowded = false;
    let slot = h & this.mask;
    for (; ; slot = (slot + 1) & this.mask) {
      const id = this.table[slot]!;
      if (id === EMPTY) break;
      if (this.hashes[slot] !== h) continue;
      if (id === CROWDED) {
        crowded = true;
        continue;
      }
      crowd++;
      if (this.lengths[id] === len && sameBytes(view, start, this.arenaView, this.offsets[id]!, len)) return id;
    }
    if (len >= HASHED_BYTES && (crowded || crowd >= CROWD)) {
      if (!crowded) {
        // (nothing was hashed in full under this prefix yet)
        if (!add) return -1;
        this.place(slot, CROWDED, h);
      }
      h = fullHash(view, start, end, h);
      for (slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
        const id = this.table[slot]!;
        if (id === EMPTY) break;
        if (id !== CROWDED && this.hashes[slot] === h && this.lengths[id] === len && sameBytes(view, start, this.arenaView, this.offsets[id]!, len)) return id;
      }
    }
    if (!add) return -1;
    const id = this.count++;
    if (id >= this.offsets.length) {
      this.offsets = grow(this.offsets);
      this.lengths = grow(this.lengths);
    }
    if (this.arenaUsed + len > this.arena.length) {
      const bigger = Buffer.alloc(Math.max(this.arena.length * 2, this.arenaUsed + len));
      this.arena.copy(bigger, 0, 0, this.arenaUsed);
      this.arena = bigger;
      this.arenaView = viewOf(bigger);
    }
    buf.copy(this.arena, this.arenaUsed, start, end);
    this.offsets[id] = this.arenaUsed;
    this.lengths[id] = len;
    this.arenaUsed += len;
    this.place(slot, id, h);
    return id;
  }

  /** A line's bytes decoded. */
  text(id: number, encoding: 'latin1' | 'utf8'): string {
    const at = this.offsets[id]!;
    return this.arena.toString(encoding, at, at + this.lengths[id]!);
  }

  private place(slot: number, entry: number, h: number): void {
    this.table[slot] = entry;
    this.hashes[slot] = h;
    if (++this.entries * 2 > this.mask) this.rehash();
  }

  private rehash(): void {
    ({ table: this.table, hashes: this.hashes, mask: this.mask } = rehashed(this.table, this.hashes, this.mask, EMPTY));
  }
}

/** An open-addressing table (entries and their hashes, `empty` marks a free slot) moved into one twice its size. */
export function rehashed(from: Int32Array, fromHashes: Int32Array, fromMask: number, empty: number): { table: Int32Array<ArrayBuffer>; hashes: Int32Array<ArrayBuffer>; mask: number } {
  const size = (fromMask + 1) * 2;
  const mask = size - 1;
  const table = new Int32Array(size).fill(empty);
  const hashes = new Int32Array(size);
  for (let s = 0; s <= fromMask; s++) {
    const entry = from[s]!;
    if (entry === empty) continue;
    let slot = fromHashes[s]! & mask;
    while (table[slot]! !== empty) slot = (slot + 1) & mask;
    table[slot] = entry;
    hashes[slot] = fromHashes[s]!;
  }
  return { table, hashes, mask };
}

function grow(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function mix(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
}

/** The hash of bytes [start, start + 32). */
export function prefixHash(view: DataView, start: number): number {
  // two lanes of four words each: half the chain of dependent multiplies of one lane of eight
  const P = 0x01000193;
  const a = Math.imul(Math.imul(Math.imul(Math.imul(0x811c9dc5 ^ view.getInt32(start, true), P) ^ view.getInt32(start + 8, true), P) ^ view.getInt32(start + 16, true), P) ^ view.getInt32(start + 24, true), P);
  const b = Math.imul(Math.imul(Math.imul(Math.imul(0x9e3779b9 ^ view.getInt32(start + 4, true), P) ^ view.getInt32(start + 12, true), P) ^ view.getInt32(start + 20, true), P) ^ view.getInt32(start + 28, true), P);
  return mix(a ^ Math.imul(b, 0x85ebca6b));
}

/** The length of the line at `start` when its newline is among the 32 bytes there, else -1. */
export function shortLength(view: DataView, start: number): number {
  // four bytes at a time: the lowest byte flagged by the zero-byte test of x ^ 0x0a0a0a0a is the
  // first newline (a flag above it may be false, none below it)
  for (let k = 0; k < HASHED_BYTES; k += 4) {
    const y = view.getInt32(start + k, true) ^ 0x0a0a0a0a;
    const t = (y - 0x01010101) & ~y & 0x80808080;
    if (t !== 0) return k + ((31 - Math.clz32(t & -t)) >> 3);
  }
  return -1;
}

/** The hash of a line shorter than 32 bytes: its length and bytes. */
export function shortHash(view: DataView, start: number, len: number): number {
  let h = len;
  let i = start;
  for (; i + 4 <= start + len; i += 4) h = Math.imul(h ^ view.getInt32(i, true), 0x01000193);
  for (; i < start + len; i++) h = Math.imul(h ^ view.getUint8(i), 0x01000193);
  return mix(h);
}

/** A crowded prefix's line: its prefix hash, length and last 8 bytes. */
function fullHash(view: DataView, start: number, end: number, prefix: number): number {
  let h = Math.imul(prefix ^ (end - start), 0x01000193);
  h = Math.imul(h ^ view.getInt32(end - 8, true), 0x01000193);
  h = Math.imul(h ^ view.getInt32(end - 4, true), 0x01000193);
  return mix(h ^ 0x5bd1e995);
}
