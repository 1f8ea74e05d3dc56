// The distinct stacks of collapse (src/collapse.ts): a root id and frame ids
// (leaf first), with the summed sample values, found through one open-addressing
// hash table over their ids. Memory follows distinct stacks, not samples.
import { rehashed } from '../parsers/line-table.js';

// Capacities reserved up front: a large zero-filled array gets fresh pages, backed only where first
// written, so what is not used costs nothing, and no doubling copies (and faults) them again.
const RESERVED_STACKS = 1 << 18;
const RESERVED_IDS = 1 << 20;

export class StackTable {
  /** Distinct stacks so far; indices are 0 … count-1. */
  count = 0;
  private roots = new Int32Array(RESERVED_STACKS);
  private starts = new Int32Array(RESERVED_STACKS);
  private lengths = new Int32Array(RESERVED_STACKS);
  private values = new Float64Array(RESERVED_STACKS);
  // the frame ids of stack s at [starts[s], starts[s] + lengths[s])
  private ids = new Int32Array(RESERVED_IDS);
  private idsUsed = 0;
  private table = new Int32Array(2048).fill(-1);
  private hashes = new Int32Array(2048);
  private mask = 2047;

  /** Adds `value` to the stack (root, frames[0 … depth)), added when new; returns its index. */
  add(root: number, frames: Int32Array, depth: number, value: number): number {
    let h = Math.imul(root ^ 0x5bd1e995, 0x9e3779b1) ^ depth;
    for (let k = 0; k < depth; k++) h = Math.imul(h ^ frames[k]!, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    let slot = h & this.mask;
    for (;;) {
      const s = this.table[slot]!;
      if (s < 0) break;
      if (this.hashes[slot] === h && this.roots[s] === root && this.lengths[s] === depth && this.same(s, frames, depth)) {
        this.values[s] = this.values[s]! + value;
        return s;
      }
      slot = (slot + 1) & this.mask;
    }
    const s = this.append(root, frames, depth);
    this.values[s] = value;
    this.table[slot] = s;
    this.hashes[slot] = h;
    if (this.count * 4 > this.mask * 3) this.rehash();
    return s;
  }

  /** Adds `value` to stack s. */
  addTo(s: number, value: number): void {
    this.values[s] = this.values[s]! + value;
  }

  root(s: number): number {
    return this.roots[s]!;
  }

  value(s: number): number {
    return this.values[s]!;
  }

  /** Frames of stack s. */
  depth(s: number): number {
    return this.lengths[s]!;
  }

  /** Where stack s's frame ids start in `data`. */
  start(s: number): number {
    return this.starts[s]!;
  }

  /** The frame ids of all stacks (stack s's at [start(s), start(s) + depth(s))), valid until the next add. */
  get data(): Int32Array {
    return this.ids;
  }

  /** The frame ids of stack s, leaf first (a view, valid until the next add). */
  frames(s: number): Int32Array {
    const start = this.starts[s]!;
    return this.ids.subarray(start, start + this.lengths[s]!);
  }

  private same(s: number, frames: Int32Array, depth: number): boolean {
    const data = this.ids;
    const start = this.starts[s]!;
    for (let k = 0; k < depth; k++) if (data[start + k] !== frames[k]) return false;
    return true;
  }

  private append(root: number, frames: Int32Array, depth: number): number {
    const s = this.count++;
    if (s === this.roots.length) {
      const n = s * 2;
      this.roots = growTo(this.roots, new Int32Array(n));
      this.starts = growTo(this.starts, new Int32Array(n));
      this.lengths = growTo(this.lengths, new Int32Array(n));
      this.values = growTo(this.values, new Float64Array(n));
    }
    if (this.idsUsed + depth > this.ids.length) this.ids = growTo(this.ids, new Int32Array(Math.max(this.ids.length * 2, this.idsUsed + depth)));
    this.ids.set(frames.subarray(0, depth), this.idsUsed);
    this.roots[s] = root;
    this.starts[s] = this.idsUsed;
    this.lengths[s] = depth;
    this.idsUsed += depth;
    return s;
  }

  private rehash(): void {
    ({ table: this.table, hashes: this.hashes, mask: this.mask } = rehashed(this.table, this.hashes, this.mask, -1));
  }
}

function growTo<T extends Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer>>(from: T, to: T): T {
  to.set(from);
  return to;
}
