// The tree's faults split by time, thread and memory region, so a viewer can
// cut the tree (the HTML report's time window, thread and region picks)
// without carrying the faults themselves: per tree path, cells of
// (time quantum, thread, region) → value, attached to the path's leaf at the
// end. Memory follows distinct cells, never faults: when they pass a bound,
// the quantum doubles and neighbouring cells merge.
//
// The cells live in one flat table (typed columns, and an open-addressing
// index keyed by path, quantum, thread and region only once a quantum comes
// back: in time order a fault's cell can only be one of the newest quantum's),
// ~30 bytes a cell, where a Map per path and per quantum cost ~200 (a 282 MB
// capture: 77 MB of Maps).
// A cell's number is its creation order, which gives a path's cells the order
// the report has always listed them in (see `order`).
import type { ProtectionChange, SliceIndex, TreeNode } from './model.js';
import { Cells, NO_TIME, order, type CellArray } from './slice-cells.js';
import { protText } from './memory/bits.js';
import { lifeKey, lifeOfKey, pidOfKey } from './process-life.js';

export interface SliceOptions {
  /** Width of a time quantum to begin with, seconds. Default 1e-4 (0.1 ms). */
  quantum?: number;
  /** Cells (over all paths, plus protection-change cells) before the quantum doubles. Default 2^20. */
  maxCells?: number;
  /** Cells stored per chunk (a power of two). Default 2^14; small in tests, so that cells span chunks. */
  chunkCells?: number;
}

/** What `finish` needs to name threads, regions and protection sites once the whole trace is read. */
export interface SliceNaming {
  /** The process of a thread (the tid when unknown). */
  processOf(pid: number, tid: number): number;
  /** How many processes had the pid over the trace (src/process-life.ts); default 1. */
  livesOf?(pid: number): number;
  /** A region key (RegionFaults.add's result) → its name. */
  regionName(key: string): string;
  /** A protection site key (a change's `site`) → its name. */
  siteName(key: string): string;
}


/** Tree leaves by path number, numbered: path p's leaf is `nodes[of[p]]` (-1: none); `numbers` by leaf. */
export interface NumberedLeaves {
  readonly nodes: readonly TreeNode[];
  readonly of: Int32Array;
  readonly numbers: ReadonlyMap<TreeNode, number>;
}

/** `leaves` (by path number) numbered, each leaf once in the order its first path comes. */
export function numberLeaves(leaves: readonly (TreeNode | undefined)[]): NumberedLeaves {
  const nodes: TreeNode[] = [];
  const numbers = new Map<TreeNode, number>();
  const of = new Int32Array(leaves.length);
  for (let p = 0; p < leaves.length; p++) {
    const leaf = leaves[p];
    if (leaf === undefined) {
      of[p] = -1;
      continue;
    }
    let l = numbers.get(leaf);
    if (l === undefined) {
      l = nodes.push(leaf) - 1;
      numbers.set(leaf, l);
    }
    of[p] = l;
  }
  return { nodes, of, numbers };
}

/**
 * Where each path's cells go: the cells of every leaf in one array (of
 * 32-bit integers when `ints`), a leaf's own part of it its `cells` (sized
 * once for all of its paths: an array of its own per leaf was ~90 ms of leaf
 * lookups and 30k arrays on the bench capture); `at` by path, the quadruple its first cell goes to in `into`
 * (-1: the path has no leaf); `placed` is told each path's (first, count) on
 * its leaf, in path order.
 */
function placeOn(leaves: NumberedLeaves, count: Int32Array, ints: boolean, placed?: (path: number, first: number, count: number) => void): { into: CellArray; at: Int32Array } {
  const { nodes, of } = leaves;
  const paths = Math.min(count.length, of.length);
  const total = new Int32Array(nodes.length);
  for (let p = 0; p < paths; p++) if (of[p]! >= 0) total[of[p]!]! += count[p]!;
  // by leaf: where its cells start, and where its next path's go
  const start = new Int32Array(nodes.length);
  let sum = 0;
  for (let l = 0; l < nodes.length; l++) {
    start[l] = sum;
    sum += total[l]!;
  }
  const into = ints ? new Int32Array(4 * sum) : new Float64Array(4 * sum);
  for (let l = 0; l < nodes.length; l++) if (total[l]! > 0) nodes[l]!.cells = into.subarray(4 * start[l]!, 4 * (start[l]! + total[l]!));
  const next = start.slice();
  const at = new Int32Array(count.length).fill(-1);
  for (let p = 0; p < paths; p++) {
    const l = of[p]!;
    if (l < 0 || count[p] === 0) continue;
    at[p] = next[l]!;
    placed?.(p, next[l]! - start[l]!, count[p]!);
    next[l]! += count[p]!;
  }
  return { into, at };
}

export class SliceBuilder {
  private t0 = NaN;
  private quantum: number;
  private maxCells: number;
  private readonly threadIds = new Map<number, number>();
  private readonly threads: { tid: number; pid: number; comm: string }[] = [];
  private readonly regionIds = new Map<string, number>();
  private readonly regions: string[] = [];
  private lastTid = NaN;
  private lastThread = 0;
  private lastRegion: string | undefined = undefined;
  private lastRegionId = 0;
  private readonly chunkCells: number;
  private cells: Cells;
  /** Protection changes: quantum → `call\0prot\0site` → calls. */
  private readonly changes = new Map<number, Map<string, number>>();
  private changeCells = 0;

  constructor(options: SliceOptions = {}) {
    this.quantum = options.quantum ?? 1e-4;
    this.maxCells = options.maxCells ?? 2 ** 20;
    this.chunkCells = 2 ** Math.max(0, Math.round(Math.log2(options.chunkCells ?? 2 ** 14)));
    this.cells = new Cells(this.chunkCells);
  }

  /** One fault of `path` (FaultAggregator.add's number); `pid`: its process as a lifeKey (src/process-life.ts). */
  add(path: number, time: number, pid: number, tid: number, comm: string, region: string, value: number): void {
    // a thread of a pid's later process is another thread: its tid keyed by that life
    const key = lifeKey(tid, lifeOfKey(pid));
    // consecutive faults are mostly one thread's, in one region: no lookup for those
    let t = key === this.lastTid ? this.lastThread : this.threadIds.get(key);
    if (t === undefined) {
      t = this.threads.length;
      this.threadIds.set(key, t);
      this.threads.push({ tid, pid, comm });
    } else {
      const th = this.threads[t]!;
      th.pid = pid;
      th.comm = comm;
    }
    this.lastTid = key;
    this.lastThread = t;
    let r = region === this.lastRegion ? this.lastRegionId : this.regionIds.get(region);
    if (r === undefined) {
      r = this.regions.length;
      this.regionIds.set(region, r);
      this.regions.push(region);
    }
    this.lastRegion = region;
    this.lastRegionId = r;
    if (this.cells.add(path, this.quantumOf(time), t, r, value) && this.cells.n + this.changeCells > this.maxCells) this.coarsen();
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
    if (had === undefined && ++this.changeCells + this.cells.n > this.maxCells) this.coarsen();
  }

  /**
   * Puts each path's cells on its leaf (`leaves` by path number) and returns what the cells refer to; the builder is spent.
   * `also`: the leaves of another tree of the same paths (the tree by protection site), given the same cells.
   * `placed`: where each path's cells went on its leaf, as (first, count) in quadruples.
   */
  finish(leaves: NumberedLeaves, naming: SliceNaming, also?: NumberedLeaves, placed?: (path: number, first: number, count: number) => void): SliceIndex {
    const cells = this.cells;
    // quanta from the earliest one, so q ≥ 0 (times before the first fault come from several inputs)
    let min = cells.minQ();
    // (forEach: a for-of over a Map, run once and not optimized, makes an object or two per entry)
    this.changes.forEach((_, q) => {
      if (q !== NO_TIME && q < min) min = q;
    });
    if (!Number.isFinite(min)) min = 0;
    const count = cells.countByPath();
    // integers (the rule: counts of faults in whole quanta) as such, in half the memory
    const ints = cells.int32(min);
    const on = placeOn(leaves, count, ints, placed);
    const onAlso = also !== undefined ? placeOn(also, count, ints) : undefined;
    const shift = (q: number): number => (q === NO_TIME ? -1 : q - min);
    if (!cells.cameBack) {
      // every path's cells are in quantum order as they came (`order` keeps them so): read in one pass
      cells.writeAll(on.into, on.at, min);
      if (onAlso !== undefined) cells.writeAll(onAlso.into, onAlso.at, min);
    } else {
      const { start, cells: byPath } = cells.byPath();
      for (let p = 0; p + 1 < start.length; p++) {
        const from = start[p]!;
        const to = start[p + 1]!;
        if (from === to || (on.at[p]! < 0 && (onAlso === undefined || onAlso.at[p]! < 0))) continue;
        order(cells, byPath, from, to);
        for (const o of onAlso !== undefined ? [on, onAlso] : [on]) {
          if (o.at[p]! < 0) continue;
          for (let i = from; i < to; i++) cells.write(byPath[i]!, o.into, 4 * o.at[p]!++, min);
        }
      }
    }
    this.cells = new Cells(this.chunkCells);
    const changes: SliceIndex['changes'] = [];
    this.changes.forEach((at, q) => {
      at.forEach((calls, key) => {
        const a = key.indexOf('\0');
        const b = key.indexOf('\0', a + 1);
        changes.push({ q: shift(q), site: naming.siteName(key.slice(b + 1)), call: key.slice(0, a), prot: key.slice(a + 1, b), calls });
      });
    });
    changes.sort((a, b) => a.q - b.q || (a.site < b.site ? -1 : a.site > b.site ? 1 : 0));
    return {
      start: Number.isNaN(this.t0) ? 0 : this.t0 + min * this.quantum,
      quantum: this.quantum,
      threads: this.threads.map((t) => {
        const pid = pidOfKey(t.pid);
        const life = (naming.livesOf?.(pid) ?? 1) > 1 ? { life: lifeOfKey(t.pid) + 1 } : {};
        return { tid: t.tid, pid: naming.processOf(pid, t.tid), ...life, comm: t.comm };
      }),
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
    const old = this.cells;
    const { start, cells: byPath } = old.byPath();
    const merged = new Cells(this.chunkCells);
    for (let p = 0; p + 1 < start.length; p++) {
      if (start[p] === start[p + 1]) continue;
      // the merged cells of a path, grouped by their new quantum in the order of the path's cells, each group in that order too
      const groups = new Map<number, number[]>();
      order(old, byPath, start[p]!, start[p + 1]!);
      for (let i = start[p]!; i < start[p + 1]!; i++) {
        const c = byPath[i]!;
        const q = half(old.q(c));
        const g = groups.get(q);
        if (g === undefined) groups.set(q, [c]);
        else g.push(c);
      }
      for (const [q, g] of groups) for (const c of g) merged.add(p, q, old.thread(c), old.region(c), old.value(c));
    }
    merged.cameBack = old.cameBack;
    merged.forward();
    this.cells = merged;
    const changes = new Map<number, Map<string, number>>();
    for (const [q, at] of this.changes) {
      const h = half(q);
      const into = changes.get(h);
      if (into === undefined) changes.set(h, at);
      else for (const [k, v] of at) into.set(k, (into.get(k) ?? 0) + v);
    }
    this.changes.clear();
    this.changeCells = 0;
    for (const [q, at] of changes) {
      this.changes.set(q, at);
      this.changeCells += at.size;
    }
    // cells that differ by thread or region rather than time do not merge: allow more rather than lose the time
    if (merged.n + this.changeCells > this.maxCells * 0.75) this.maxCells *= 2;
  }
}
