// A record's whole callchain — its run of tab-indented frame lines up to the
// empty line that ends the record — interned as the ids of its frame lines
// (parsers/line-table.ts). A capture repeats its callchains many times; a run
// seen before is found by its lines' ids, each line found (and its bytes
// compared) in the line table, then one hash and one compare of the ids,
// instead of a callback per line. Only the ids are kept, not a copy of the
// run's bytes: the table holds each distinct line's bytes once.
//
// A run is added only when each of its lines is a frame line the table has
// interned (so the scanner reads them the same way when it finds the run
// again). The runs' ids are kept up to MAX_IDS: past that, new callchains are
// read line by line.
import { LF, TAB } from './perf-script-scan-header.js';
import { HASHED_BYTES, LineTable, rehashed } from './line-table.js';

const EMPTY = -1;
const MAX_IDS = 4 << 20;
// Capacities reserved up front: a large zero-filled array gets fresh pages, backed only where first
// written, so what is not used costs nothing, and no doubling copies (and faults) the ids again.
const RESERVED_IDS = 1 << 20;
const RESERVED_RUNS = 1 << 18;

export class FrameRuns {
  /** Distinct runs so far; ids are 0 … count-1. */
  count = 0;
  /** After `find` walked a run: the offset of the empty line after it. */
  end = 0;
  /** The store is full: no run is added any more. */
  full = false;
  // the frame ids of the run `find` last walked, its line count (-1: none to add) and hash
  private walk = new Int32Array(128);
  private walked = -1;
  private found = 0;
  // frame ids of run r at [idStart[r], idStart[r + 1]) of ids
  private idStart = new Int32Array(RESERVED_RUNS + 1);
  private ids = new Int32Array(RESERVED_IDS);
  private idsUsed = 0;
  // per run + 1, the id + 1 of the run that followed it last time (0: none yet); the last run found
  private next = new Int32Array(1024);
  private last = -1;
  private table = new Int32Array(2048).fill(EMPTY);
  private hashes = new Int32Array(2048);
  private mask = 2047;

  constructor(
    private readonly frames: LineTable,
    private readonly maxIds = MAX_IDS,
  ) {}

  /**
   * The run of frame lines at `start` (in `end` where it ends) when it is one seen before; else -1,
   * and `add` adds it when each of its lines is a frame line of the table and an empty line before
   * `limit` ends it.
   */
  find(view: DataView, start: number, limit: number): number {
    this.walked = -1;
    const frames = this.frames;
    let walk = this.walk;
    let h = 0x2545f491;
    let pos = start;
    let n = 0;
    // the run that followed the last one last time, asked first line by line: where its lines are
    // the same, their ids are taken without a hash
    const guess = this.next[this.last + 1]! - 1;
    if (guess >= 0) {
      const ids = this.ids;
      const to = this.idStart[guess + 1]!;
      for (let k = this.idStart[guess]!; k < to && frames.isAt(ids[k]!, view, pos, limit); k++) {
        const id = ids[k]!;
        if (n === walk.length) walk = this.longerWalk();
        walk[n++] = id;
        h = Math.imul(h ^ id, 0x01000193);
        pos = frames.knownEnd + 1;
      }
      if (n === to - this.idStart[guess]! && pos < limit && view.getUint8(pos) === LF) {
        this.end = pos;
        this.last = guess;
        return guess;
      }
    }
    for (;;) {
      if (pos >= limit) return -1;
      const c = view.getUint8(pos);
      if (c === LF) break;
      if (c !== TAB || pos + HASHED_BYTES > limit) return -1;
      const id = frames.known(view, pos, limit);
      if (id < 0) return -1;
      if (n === walk.length) walk = this.longerWalk();
      walk[n++] = id;
      h = Math.imul(h ^ id, 0x01000193);
      pos = frames.knownEnd + 1;
    }
    if (n === 0) return -1;
    this.end = pos;
    h ^= h >>> 15;
    h = Math.imul(h ^ n, 0x2c1b3c6d);
    h ^= h >>> 12;
    const mask = this.mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const r = this.table[slot]!;
      if (r === EMPTY) break;
      if (this.hashes[slot] === h && this.idStart[r + 1]! - this.idStart[r]! === n && this.same(r, walk, n)) return this.followed(r);
    }
    this.walked = n;
    this.found = h;
    return -1;
  }

  /** Adds the run `find` last walked and did not find; returns its id, or -1 when there is none or the store is full. */
  add(): number {
    const n = this.walked;
    if (n < 0) return -1;
    this.walked = -1;
    if (this.idsUsed + n > this.maxIds) {
      this.full = true;
      return -1;
    }
    const r = this.count++;
    if (r + 1 === this.idStart.length) this.idStart = grow(this.idStart, r * 2 + 1);
    if (this.idsUsed + n > this.ids.length) this.ids = grow(this.ids, Math.max(this.ids.length * 2, this.idsUsed + n));
    this.ids.set(this.walk.subarray(0, n), this.idsUsed);
    this.idsUsed += n;
    this.idStart[r + 1] = this.idsUsed;
    const h = this.found;
    let slot = h & this.mask;
    while (this.table[slot]! !== EMPTY) slot = (slot + 1) & this.mask;
    this.table[slot] = r;
    this.hashes[slot] = h;
    if (this.count * 4 > this.mask * 3) this.rehash();
    return this.followed(r);
  }

  // Run r came after the last one (next holds an entry for the last run's: the next find reads it).
  private followed(r: number): number {
    this.next[this.last + 1] = r + 1;
    this.last = r;
    if (r + 1 === this.next.length) this.next = grow(this.next, this.next.length * 2);
    return r;
  }

  /** The frame ids of run r, one per line. */
  frameIds(r: number): Int32Array {
    return this.ids.subarray(this.idStart[r]!, this.idStart[r + 1]!);
  }

  /** Lines of run r. */
  lineCount(r: number): number {
    return this.idStart[r + 1]! - this.idStart[r]!;
  }

  private same(r: number, walk: Int32Array, n: number): boolean {
    const ids = this.ids;
    const at = this.idStart[r]!;
    for (let k = 0; k < n; k++) if (ids[at + k] !== walk[k]) return false;
    return true;
  }

  private longerWalk(): Int32Array<ArrayBuffer> {
    return (this.walk = grow(this.walk, this.walk.length * 2));
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
