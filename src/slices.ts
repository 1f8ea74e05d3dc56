// The tree's faults split by time, thread and memory region, so a viewer can
// cut the tree (the HTML report's time window, thread and region picks)
// without carrying the faults themselves: per tree path, cells of
// (time quantum, thread, region) → value, attached to the path's leaf at the
// end. Memory follows distinct cells, never faults: when they pass a bound,
// the quantum doubles and neighbouring cells merge.
import type { ProtectionChange, SliceIndex, TreeNode } from './model.js';

export interface SliceOptions {
  /** Width of a time quantum to begin with, seconds. Default 1e-4 (0.1 ms). */
  quantum?: number;
  /** Cells (over all paths, plus protection-change cells) before the quantum doubles. Default 2^20. */
  maxCells?: number;
}

/** What `finish` needs to name threads, regions and protection sites once the whole trace is read. */
export interface SliceNaming {
  /** The process of a thread (the tid when unknown). */
  processOf(pid: number, tid: number): number;
  /** A region key (RegionFaults.add's result) → its name. */
  regionName(key: string): string;
  /** A protection site key (a change's `site`) → its name. */
  siteName(key: string): string;
}

// a record without a time (never a real quantum: those before the first time are negative)
const NO_TIME = Number.MIN_SAFE_INTEGER;
// a cell's thread and region in one Map key: thread · 2^21 + region
const REGION_SPAN = 2 ** 21;

export class SliceBuilder {
  private t0 = NaN;
  private quantum: number;
  private maxCells: number;
  private cells = 0;
  private readonly threadIds = new Map<number, number>();
  private readonly threads: { tid: number; pid: number; comm: string }[] = [];
  private readonly regionIds = new Map<string, number>();
  private readonly regions: string[] = [];
  /** Per path number: its cells, as (quantum, thread·region key, value) triples while few, then quantum → key → value. */
  private readonly paths: (PathCells | undefined)[] = [];
  /** Protection changes: quantum → `call\0prot\0site` → calls. */
  private readonly changes = new Map<number, Map<string, number>>();

  constructor(options: SliceOptions = {}) {
    this.quantum = options.quantum ?? 1e-4;
    this.maxCells = options.maxCells ?? 2 ** 20;
  }

  /** One fault of `path` (FaultAggregator.add's number). */
  add(path: number, time: number, pid: number, tid: number, comm: string, region: string, value: number): void {
    let t = this.threadIds.get(tid);
    if (t === undefined) {
      t = this.threads.length;
      this.threadIds.set(tid, t);
      this.threads.push({ tid, pid, comm });
    } else {
      const th = this.threads[t]!;
      th.pid = pid;
      th.comm = comm;
    }
    let r = this.regionIds.get(region);
    if (r === undefined) {
      r = this.regions.length;
      this.regionIds.set(region, r);
      this.regions.push(region);
    }
    const q = this.quantumOf(time);
    const key = t * REGION_SPAN + r;
    const cells = this.paths[path];
    if (cells === undefined) {
      // most paths of a wide capture fault once: three numbers, no Map
      this.paths[path] = [q, key, value];
    } else if (Array.isArray(cells)) {
      for (let i = 0; i < cells.length; i += 3) {
        if (cells[i] === q && cells[i + 1] === key) {
          cells[i + 2]! += value;
          return;
        }
      }
      if (cells.length < 3 * FEW) {
        cells.push(q, key, value);
      } else {
        const m = toMap(cells);
        addTo(m, q, key, value);
        this.paths[path] = m;
      }
    } else if (!addTo(cells, q, key, value)) {
      return;
    }
    if (++this.cells > this.maxCells) this.coarsen();
  }

  /** A protection change the timeline applied (its site still a provisional key). */
  change(c: ProtectionChange): void {
    const q = this.quantumOf(c.time);
    let at = this.changes.get(q);
    if (at === undefined) this.changes.set(q, (at = new Map()));
    // call and protection first: a site key may hold NULs itself
    const key = `${c.call}\0${protText(c.prot)}\0${c.site}`;
    const had = at.get(key);
    at.set(key, (had ?? 0) + 1);
    if (had === undefined && ++this.cells > this.maxCells) this.coarsen();
  }

  /** Puts each path's cells on its leaf (`leaves` by path number) and returns what the cells refer to. */
  finish(leaves: readonly (TreeNode | undefined)[], naming: SliceNaming): SliceIndex {
    // quanta from the earliest one, so q ≥ 0 (times before the first fault come from several inputs)
    let min = Infinity;
    for (const cells of this.paths) forEachCell(cells, (q) => {
      if (q !== NO_TIME && q < min) min = q;
    });
    for (const q of this.changes.keys()) if (q !== NO_TIME && q < min) min = q;
    if (!Number.isFinite(min)) min = 0;
    const shift = (q: number): number => (q === NO_TIME ? -1 : q - min);
    this.paths.forEach((cells, path) => {
      const leaf = leaves[path];
      if (cells === undefined || leaf === undefined) return;
      const into = (leaf.cells ??= []);
      forEachCell(cells, (q, key, value) => into.push(shift(q), Math.floor(key / REGION_SPAN), key % REGION_SPAN, value));
    });
    const changes: SliceIndex['changes'] = [];
    for (const [q, at] of this.changes) {
      for (const [key, calls] of at) {
        const a = key.indexOf('\0');
        const b = key.indexOf('\0', a + 1);
        const [call, prot, site] = [key.slice(0, a), key.slice(a + 1, b), key.slice(b + 1)];
        changes.push({ q: shift(q), site: naming.siteName(site), call, prot, calls });
      }
    }
    changes.sort((a, b) => a.q - b.q || (a.site < b.site ? -1 : a.site > b.site ? 1 : 0));
    return {
      start: Number.isNaN(this.t0) ? 0 : this.t0 + min * this.quantum,
      quantum: this.quantum,
      threads: this.threads.map((t) => ({ tid: t.tid, pid: naming.processOf(t.pid, t.tid), comm: t.comm })),
      regions: this.regions.map((k) => naming.regionName(k)),
      changes,
    };
  }

  private quantumOf(time: number): number {
    if (Number.isNaN(time)) return NO_TIME;
    if (Number.isNaN(this.t0)) this.t0 = time;
    return Math.floor((time - this.t0) / this.quantum);
  }

  // Twice as wide a quantum: quanta 2k and 2k+1 merge (relative to the first time, so no rebase).
  private coarsen(): void {
    if (this.quantum > 1e6) {
      this.maxCells *= 2;
      return;
    }
    this.quantum *= 2;
    const half = (q: number): number => (q === NO_TIME ? NO_TIME : Math.floor(q / 2));
    let cells = 0;
    for (let p = 0; p < this.paths.length; p++) {
      const old = this.paths[p];
      if (old === undefined) continue;
      const merged = new Map<number, Map<number, number>>();
      forEachCell(old, (q, key, value) => addTo(merged, half(q), key, value));
      let size = 0;
      for (const cell of merged.values()) size += cell.size;
      cells += size;
      if (size <= FEW) {
        const few: number[] = [];
        forEachCell(merged, (q, key, value) => few.push(q, key, value));
        this.paths[p] = few;
      } else {
        this.paths[p] = merged;
      }
    }
    const changes = new Map<number, Map<string, number>>();
    for (const [q, at] of this.changes) {
      const h = half(q);
      const into = changes.get(h);
      if (into === undefined) changes.set(h, at);
      else for (const [k, v] of at) into.set(k, (into.get(k) ?? 0) + v);
    }
    this.changes.clear();
    for (const [q, at] of changes) {
      this.changes.set(q, at);
      cells += at.size;
    }
    this.cells = cells;
    // cells that differ by thread or region rather than time do not merge: allow more rather than lose the time
    if (this.cells > this.maxCells * 0.75) this.maxCells *= 2;
  }
}

/** A path's cells: (quantum, key, value) triples while at most FEW, then quantum → key → value. */
type PathCells = number[] | Map<number, Map<number, number>>;

const FEW = 8;

/** Adds to a cell; true when the cell is new. */
function addTo(m: Map<number, Map<number, number>>, q: number, key: number, value: number): boolean {
  let cell = m.get(q);
  if (cell === undefined) m.set(q, (cell = new Map()));
  const had = cell.get(key);
  cell.set(key, (had ?? 0) + value);
  return had === undefined;
}

function toMap(cells: readonly number[]): Map<number, Map<number, number>> {
  const m = new Map<number, Map<number, number>>();
  for (let i = 0; i < cells.length; i += 3) addTo(m, cells[i]!, cells[i + 1]!, cells[i + 2]!);
  return m;
}

function forEachCell(cells: PathCells | undefined, fn: (q: number, key: number, value: number) => void): void {
  if (cells === undefined) return;
  if (Array.isArray(cells)) {
    for (let i = 0; i < cells.length; i += 3) fn(cells[i]!, cells[i + 1]!, cells[i + 2]!);
    return;
  }
  for (const [q, cell] of cells) for (const [key, value] of cell) fn(q, key, value);
}

function protText(prot: number): string {
  return `${prot & 1 ? 'r' : '-'}${prot & 2 ? 'w' : '-'}${prot & 4 ? 'x' : '-'}`;
}
