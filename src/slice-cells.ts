// The cells of the time/thread/region slices (src/slices.ts) as a flat table:
// typed columns in fixed chunks, an index built only once a quantum comes back,
// and the order a path's cells are listed in.
import { grown } from './grown.js';

// a record without a time (never a real quantum: those before the first time are negative)
export const NO_TIME = Number.MIN_SAFE_INTEGER;
// a path with at most FEW cells lists them in creation order; more, grouped by quantum (see `order`)
const FEW = 8;
// the newest quantum's cells are compared in turn up to this many, then indexed
const RECENT_SCAN = 8;

/**
 * Cells as columns: cell i is (path[i], q[i], thread[i], region[i]) → value[i].
 * While quanta only go forward (a trace's times do), a cell can only be one
 * of the newest quantum's: those are looked up in a short list of their own,
 * and the index over every cell (random reads, one cache miss a fault) is
 * built only when a quantum comes back.
 * The columns are chunks of a fixed number of cells: a column grown by
 * doubling copies wrote each cell ~2.5 times over into fresh pages (~3.4k page
 * faults on the bench capture's 354k cells; a fresh page costs ~10 µs).
 */
export class Cells {
  n = 0;
  /** A quantum came back (times out of order): a path's cells may not be in quantum order (see `order`). Kept across a merge. */
  cameBack = false;
  private readonly shift: number;
  private readonly mask: number;
  private readonly paths: Int32Array[] = [];
  private readonly threads: Int32Array[] = [];
  private readonly regions: Int32Array[] = [];
  private readonly qs: Float64Array[] = [];
  private readonly values: Float64Array[] = [];
  /** Open addressing over every cell: cell number + 1, 0 for a free slot; null while quanta only went forward. */
  private index: Int32Array | null = null;
  /** The newest quantum so far, and its cells (with an index of their own when many). */
  private top = -Infinity;
  private recent = new Int32Array(16);
  private recentN = 0;
  /** Open addressing over the newest quantum's cells once they are more than RECENT_SCAN (kept for the next quantum's). */
  private recentIndex = new Int32Array(0);
  private recentIndexed = false;

  /** `chunkCells`: cells per chunk, a power of two. */
  constructor(chunkCells: number) {
    this.shift = Math.log2(chunkCells);
    this.mask = chunkCells - 1;
  }

  path(i: number): number {
    return this.paths[i >>> this.shift]![i & this.mask]!;
  }

  thread(i: number): number {
    return this.threads[i >>> this.shift]![i & this.mask]!;
  }

  region(i: number): number {
    return this.regions[i >>> this.shift]![i & this.mask]!;
  }

  q(i: number): number {
    return this.qs[i >>> this.shift]![i & this.mask]!;
  }

  value(i: number): number {
    return this.values[i >>> this.shift]![i & this.mask]!;
  }

  private same(i: number, path: number, thread: number, region: number): boolean {
    const c = i >>> this.shift;
    const k = i & this.mask;
    return this.paths[c]![k] === path && this.threads[c]![k] === thread && this.regions[c]![k] === region;
  }

  private addValue(i: number, value: number): void {
    this.values[i >>> this.shift]![i & this.mask]! += value;
  }

  /** Adds to the cell; true when it is new. */
  add(path: number, q: number, thread: number, region: number, value: number): boolean {
    if (this.index !== null) return this.addIndexed(path, q, thread, region, value);
    if (q > this.top) {
      this.top = q;
      this.recentN = 0;
      this.recentIndexed = false;
    } else if (q === this.top) {
      const at = this.findRecent(path, thread, region);
      if (at >= 0) {
        this.addValue(at, value);
        return false;
      }
    } else {
      // a quantum came back: every cell indexed from now on
      this.cameBack = true;
      this.reindex(tableSize(this.n + 1));
      return this.addIndexed(path, q, thread, region, value);
    }
    this.push(path, q, thread, region, value);
    this.addRecent(this.n - 1);
    return true;
  }

  private findRecent(path: number, thread: number, region: number): number {
    if (!this.recentIndexed) {
      for (let k = 0; k < this.recentN; k++) {
        const at = this.recent[k]!;
        if (this.same(at, path, thread, region)) return at;
      }
      return -1;
    }
    const index = this.recentIndex;
    const mask = index.length - 1;
    for (let s = hash(path, 0, thread, region) & mask; ; s = (s + 1) & mask) {
      const at = index[s]! - 1;
      if (at < 0) return -1;
      if (this.same(at, path, thread, region)) return at;
    }
  }

  private addRecent(cell: number): void {
    if (this.recentN === this.recent.length) this.recent = grown(this.recent, this.recentN + 1);
    this.recent[this.recentN++] = cell;
    // a few are compared in turn; more get an index
    if (this.recentN <= RECENT_SCAN) return;
    let index = this.recentIndex;
    if (!this.recentIndexed || this.recentN * 2 > index.length) {
      const size = tableSize(this.recentN * 2);
      // the last quantum's table again when it is the size (most quanta with many cells have alike many)
      if (index.length >= size && index.length <= 4 * size) index.fill(0);
      else index = this.recentIndex = new Int32Array(size);
      this.recentIndexed = true;
      for (let k = 0; k < this.recentN; k++) this.placeRecent(index, this.recent[k]!);
    } else this.placeRecent(index, cell);
  }

  private placeRecent(index: Int32Array, cell: number): void {
    const mask = index.length - 1;
    let s = hash(this.path(cell), 0, this.thread(cell), this.region(cell)) & mask;
    while (index[s] !== 0) s = (s + 1) & mask;
    index[s] = cell + 1;
  }

  private addIndexed(path: number, q: number, thread: number, region: number, value: number): boolean {
    const index = this.index!;
    const mask = index.length - 1;
    for (let s = hash(path, q, thread, region) & mask; ; s = (s + 1) & mask) {
      const at = index[s]! - 1;
      if (at < 0) {
        this.push(path, q, thread, region, value);
        index[s] = this.n;
        if (this.n * 2 > index.length) this.reindex(index.length * 2);
        return true;
      }
      if (this.same(at, path, thread, region) && this.q(at) === q) {
        this.addValue(at, value);
        return false;
      }
    }
  }

  /** The number of cells of each path (by path number, up to the last path with a cell). */
  countByPath(): Int32Array {
    let paths = 0;
    this.eachChunk((col, end) => {
      for (let k = 0; k < end; k++) if (col[k]! >= paths) paths = col[k]! + 1;
    });
    const count = new Int32Array(paths);
    this.eachChunk((col, end) => {
      for (let k = 0; k < end; k++) count[col[k]!]!++;
    });
    return count;
  }

  /** Calls `f(paths, cells)` for each chunk of the path column and the cells in it. */
  private eachChunk(f: (paths: Int32Array, cells: number) => void): void {
    const size = this.mask + 1;
    for (let c = 0; c * size < this.n; c++) f(this.paths[c]!, Math.min(size, this.n - c * size));
  }

  /** Whether every cell's value and quantum − min (-1 for none) is a 32-bit integer. */
  int32(min: number): boolean {
    const size = this.mask + 1;
    for (let c = 0; c * size < this.n; c++) if (!int32Chunk(this.qs[c]!, this.values[c]!, Math.min(size, this.n - c * size), min)) return false;
    return true;
  }

  /** The least quantum of a cell but NO_TIME (Infinity when none). */
  minQ(): number {
    let min = Infinity;
    const size = this.mask + 1;
    for (let c = 0; c * size < this.n; c++) min = minChunk(this.qs[c]!, Math.min(size, this.n - c * size), min);
    return min;
  }

  /** Cell i's (quantum − min, or -1 for none; thread, region, value) at into[o] … into[o + 3]. */
  write(i: number, into: CellArray, o: number, min: number): void {
    const c = i >>> this.shift;
    const k = i & this.mask;
    const q = this.qs[c]![k]!;
    into[o] = q === NO_TIME ? -1 : q - min;
    into[o + 1] = this.threads[c]![k]!;
    into[o + 2] = this.regions[c]![k]!;
    into[o + 3] = this.values[c]![k]!;
  }

  /** Every cell, in creation order, written (`write`) at its path's next quadruple in `into`: `at` by path, advanced as written; -1 leaves the path out. */
  writeAll(into: CellArray, at: Int32Array, min: number): void {
    const size = this.mask + 1;
    for (let c = 0; c * size < this.n; c++) writeChunk(this.paths[c]!, this.qs[c]!, this.threads[c]!, this.regions[c]!, this.values[c]!, Math.min(size, this.n - c * size), into, at, min);
  }

  /** Cell numbers by path: path p's cells are `cells[start[p]] … cells[start[p + 1] - 1]`, in creation order. */
  byPath(): { start: Int32Array; cells: Int32Array } {
    let paths = 0;
    for (let i = 0; i < this.n; i++) if (this.path(i) >= paths) paths = this.path(i) + 1;
    const start = new Int32Array(paths + 1);
    for (let i = 0; i < this.n; i++) start[this.path(i) + 1]!++;
    for (let p = 0; p < paths; p++) start[p + 1]! += start[p]!;
    const next = start.slice(0, paths);
    const cells = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) cells[next[this.path(i)]!++] = i;
    return { start, cells };
  }

  /** Back to looking up only the newest quantum's cells (after a merge that added them in another order). */
  forward(): void {
    if (this.index === null) return;
    let top = -Infinity;
    for (let i = 0; i < this.n; i++) if (this.q(i) > top) top = this.q(i);
    this.index = null;
    this.top = top;
    this.recentN = 0;
    this.recentIndexed = false;
    for (let i = 0; i < this.n; i++) if (this.q(i) === top) this.addRecent(i);
  }

  private push(path: number, q: number, thread: number, region: number, value: number): void {
    const i = this.n++;
    const c = i >>> this.shift;
    if (c === this.paths.length) {
      const size = this.mask + 1;
      this.paths.push(new Int32Array(size));
      this.threads.push(new Int32Array(size));
      this.regions.push(new Int32Array(size));
      this.qs.push(new Float64Array(size));
      this.values.push(new Float64Array(size));
    }
    const k = i & this.mask;
    this.paths[c]![k] = path;
    this.qs[c]![k] = q;
    this.threads[c]![k] = thread;
    this.regions[c]![k] = region;
    this.values[c]![k] = value;
  }

  private reindex(size: number): void {
    const index = (this.index = new Int32Array(size));
    const mask = size - 1;
    for (let i = 0; i < this.n; i++) {
      let s = hash(this.path(i), this.q(i), this.thread(i), this.region(i)) & mask;
      while (index[s] !== 0) s = (s + 1) & mask;
      index[s] = i + 1;
    }
  }
}

// The loops over a chunk of the columns, each in a function that ends with it: the code compiled while the first
// chunk's loop ran had never seen what follows the loop (the next chunk's, run once before any feedback was kept),
// and was thrown away at the loop's end, each chunk after run slower until it was compiled again.

// The least quantum but NO_TIME of the chunk's first `end` cells and `min`.
function minChunk(qs: Float64Array, end: number, min: number): number {
  for (let k = 0; k < end; k++) if (qs[k]! !== NO_TIME && qs[k]! < min) min = qs[k]!;
  return min;
}

// Whether each of the chunk's first `end` cells has an integer value and quantum − min (-1 for none) of 32 bits.
function int32Chunk(qs: Float64Array, values: Float64Array, end: number, min: number): boolean {
  for (let k = 0; k < end; k++) {
    const q = qs[k]! === NO_TIME ? -1 : qs[k]! - min;
    if ((values[k]! | 0) !== values[k]! || (q | 0) !== q) return false;
  }
  return true;
}

// Cells.writeAll for the chunk's first `end` cells.
function writeChunk(paths: Int32Array, qs: Float64Array, threads: Int32Array, regions: Int32Array, values: Float64Array, end: number, into: CellArray, at: Int32Array, min: number): void {
  for (let k = 0; k < end; k++) {
    const p = paths[k]!;
    const a = at[p]!;
    if (a < 0) continue;
    at[p] = a + 1;
    const o = 4 * a;
    const q = qs[k]!;
    into[o] = q === NO_TIME ? -1 : q - min;
    into[o + 1] = threads[k]!;
    into[o + 2] = regions[k]!;
    into[o + 3] = values[k]!;
  }
}

function tableSize(cells: number): number {
  let size = 16;
  while (size < cells * 2) size *= 2;
  return size;
}

function hash(path: number, q: number, thread: number, region: number): number {
  let h = Math.imul(path ^ 0x5bd1e995, 0x9e3779b1);
  h = Math.imul(h ^ (q | 0) ^ ((q / 4294967296) | 0), 0x85ebca6b);
  h = Math.imul(h ^ thread, 0xc2b2ae35);
  h = Math.imul(h ^ region, 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * A path's cells (numbers in creation order, `list[from]` … `list[to - 1]`)
 * put in the order they are listed, in place: creation order while few, else
 * grouped by quantum (the groups in the order their first cell came), as they
 * were when a path's cells were a Map of Maps.
 */
export function order(cells: Cells, list: Int32Array, from: number, to: number): void {
  if (to - from <= FEW) return;
  // quanta that never go back (a trace read in time order) are grouped already
  let forward = true;
  for (let i = from + 1; i < to && forward; i++) forward = cells.q(list[i]!) >= cells.q(list[i - 1]!);
  if (forward) return;
  const group = new Map<number, number>();
  const of = new Int32Array(to - from);
  for (let i = from; i < to; i++) {
    const q = cells.q(list[i]!);
    let g = group.get(q);
    if (g === undefined) group.set(q, (g = group.size));
    of[i - from] = g;
  }
  if (group.size === 1 || group.size === to - from) return;
  const sorted = [...of.keys()].sort((a, b) => of[a]! - of[b]! || a - b).map((i) => list[from + i]!);
  list.set(sorted, from);
}

/** A leaf's cells as the report has them (TreeNode.cells): a part of one array of all the leaves' cells. */
export type CellArray = Float64Array | Int32Array;
