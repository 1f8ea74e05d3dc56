// A record's whole callchain — its run of tab-indented frame lines up to the
// empty line that ends the record — interned by its bytes, with the ids of its
// frame lines (parsers/line-table.ts). A capture repeats its callchains many
// times; a run seen before is found with one hash over its lines' first 32
// bytes (the line table says where each of its lines ends; a shorter line ends
// among them, and is hashed whole) and one compare of
// all of its bytes, instead of a compare and a callback per line.
//
// The scanner adds a run only when each of its lines is a frame line it has
// interned (so it reads them the same way when it finds the run again). The
// runs' bytes are kept up to MAX_BYTES: past that, new callchains are read
// line by line.
import { LF, TAB } from './perf-script-scan-header.js';
import { HASHED_BYTES, LineTable, prefixHash, rehashed, sameBytes, shortHash, shortLength, viewOf } from './line-table.js';

const EMPTY = -1;
const MAX_BYTES = 32 << 20;
const SLAB = 1 << 20;
/** From this length on, runs are compared by Buffer.compare (memcmp past its call's cost). */
const NATIVE_COMPARE = 256;

export class FrameRuns {
  /** Distinct runs so far; ids are 0 … count-1. */
  count = 0;
  /** After `find` or `add`: the offset of the empty line after the run. */
  end = 0;
  /** The store is full: no run is added any more. */
  full = false;
  private lines = 0;
  // the hash of the last run `find` looked for (0: none)
  private found = 0;
  // the runs' bytes, in slabs that are never moved: run r at offsets[r] of slabs[slabOf[r]]
  private readonly slabs: Buffer[] = [];
  private readonly slabViews: DataView[] = [];
  private slab = Buffer.alloc(0);
  private slabUsed = 0;
  private kept = 0;
  private slabOf = new Int32Array(256);
  private offsets = new Int32Array(256);
  private lengths = new Int32Array(256);
  // frame ids of run r at [idStart[r], idStart[r] + idCount[r]) of ids
  private idStart = new Int32Array(256);
  private idCount = new Int32Array(256);
  private ids = new Int32Array(4096);
  private idsUsed = 0;
  private table = new Int32Array(1024).fill(EMPTY);
  private hashes = new Int32Array(1024);
  private mask = 1023;

  constructor(
    private readonly frames: LineTable,
    private readonly maxBytes = MAX_BYTES,
  ) {}

  /** The run of frame lines at `start` (in `end` where it ends) when it is one seen before; else -1. */
  find(buf: Buffer, view: DataView, start: number, limit: number): number {
    const h = this.hash(view, start, limit);
    this.found = h;
    if (h === 0) return -1;
    const len = this.end - start;
    const mask = this.mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const r = this.table[slot]!;
      if (r === EMPTY) return -1;
      if (this.hashes[slot] !== h || this.lengths[r] !== len) continue;
      const at = this.offsets[r]!;
      const slab = this.slabOf[r]!;
      if (len >= NATIVE_COMPARE ? buf.compare(this.slabs[slab]!, at, at + len, start, start + len) === 0 : sameBytes(view, start, this.slabViews[slab]!, at, len)) return r;
    }
  }

  /** Adds the run of lines [start, end) of buf (ended by an empty line at `end`) with their frame ids; returns its id, or -1 when it could not be found again or the store is full. */
  add(buf: Buffer, start: number, end: number, frameIds: Int32Array, n: number): number {
    const len = end - start;
    if (this.kept + len > this.maxBytes) {
      this.full = true;
      return -1;
    }
    if (len > SLAB) return -1;
    // the hash `find` took of these bytes when it missed them, else taken here
    const h = this.found !== 0 && this.end === end && this.lines === n ? this.found : this.hash(viewOf(buf), start, end + 1);
    if (h === 0 || this.end !== end || this.lines !== n) return -1;
    const r = this.count++;
    if (r === this.offsets.length) {
      this.slabOf = grow(this.slabOf, r * 2);
      this.offsets = grow(this.offsets, r * 2);
      this.lengths = grow(this.lengths, r * 2);
      this.idStart = grow(this.idStart, r * 2);
      this.idCount = grow(this.idCount, r * 2);
    }
    if (this.slabUsed + len > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(SLAB);
      this.slabs.push(this.slab);
      this.slabViews.push(viewOf(this.slab));
      this.slabUsed = 0;
    }
    buf.copy(this.slab, this.slabUsed, start, end);
    this.slabOf[r] = this.slabViews.length - 1;
    this.offsets[r] = this.slabUsed;
    this.lengths[r] = len;
    this.slabUsed += len;
    this.kept += len;
    if (this.idsUsed + n > this.ids.length) this.ids = grow(this.ids, Math.max(this.ids.length * 2, this.idsUsed + n));
    for (let k = 0; k < n; k++) this.ids[this.idsUsed + k] = frameIds[k]!;
    this.idStart[r] = this.idsUsed;
    this.idCount[r] = n;
    this.idsUsed += n;
    let slot = h & this.mask;
    while (this.table[slot]! !== EMPTY) slot = (slot + 1) & this.mask;
    this.table[slot] = r;
    this.hashes[slot] = h;
    if (this.count * 2 > this.mask) this.rehash();
    return r;
  }

  /** The frame ids of run r, one per line. */
  frameIds(r: number): Int32Array {
    const at = this.idStart[r]!;
    return this.ids.subarray(at, at + this.idCount[r]!);
  }

  /** Lines of run r. */
  lineCount(r: number): number {
    return this.idCount[r]!;
  }

  // The hash of the tab-indented lines at `start` up to an empty line before
  // `limit`, each line's end told by the line table; 0 when they are not such
  // lines, a line is not in the table, or the run does not end before `limit`.
  private hash(view: DataView, start: number, limit: number): number {
    const frames = this.frames;
    let h = 0x2545f491;
    let pos = start;
    let n = 0;
    for (;;) {
      if (pos >= limit) return 0;
      const c = view.getUint8(pos);
      if (c === LF) break;
      if (c !== TAB || pos + HASHED_BYTES > limit) return 0;
      let lh = prefixHash(view, pos);
      let len = frames.lengthAt(lh, view, pos, limit);
      if (len < 0) {
        // a line shorter than 32 bytes, hashed whole as the line table hashes it
        len = shortLength(view, pos);
        if (len < 0) return 0;
        lh = shortHash(view, pos, len);
      }
      h = Math.imul(h ^ lh, 0x01000193) + len;
      pos += len + 1;
      n++;
    }
    if (n === 0) return 0;
    this.end = pos;
    this.lines = n;
    h ^= h >>> 15;
    h = Math.imul(h ^ n, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h === 0 ? 1 : h;
  }

  private rehash(): void {
    ({ table: this.table, hashes: this.hashes, mask: this.mask } = rehashed(this.table, this.hashes, this.mask, EMPTY));
  }
}

function grow(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
