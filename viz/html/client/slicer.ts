// Cutting the tree by a time window, threads and a memory region: the cells
// the page carries per leaf (../encode.ts `cells`, keyed by Report.slices)
// summed again under the filter into a tree of the same nodes, laid out
// afresh as d3's partition lays it out (children left to right from their
// parent's edge), so node numbers, search flags and links stay valid.
import type { SliceIndex } from '../../../src/model.js';
import type { EncodedTree } from '../encode.js';
import { callTree, type CallTree } from './calls.js';

export interface Filter {
  /** [from, to) in seconds, or null for the whole trace. */
  window: [number, number] | null;
  /** Thread indexes (SliceIndex.threads), or null for all. */
  threads: ReadonlySet<number> | null;
  /** A region index (SliceIndex.regions), or null for all. */
  region: number | null;
}

export const NO_FILTER: Filter = { window: null, threads: null, region: null };

export const isFiltered = (f: Filter): boolean => f.window !== null || f.threads !== null || f.region !== null;

export interface Slicer {
  readonly index: SliceIndex;
  /** The call tree under `f`: the same nodes, values of the faults `f` keeps. */
  tree(f: Filter): CallTree;
  /** Faults `f` keeps, per thread and per region (filters on the dimension itself left out, so a list shows its siblings). */
  byThread(f: Filter): Float64Array;
  byRegion(f: Filter): Float64Array;
  /** Per node: the self value `f` keeps. */
  self(f: Filter): Float64Array;
  /** Per thread: node → the self value `f` keeps (its thread pick left out). */
  threadNodes(f: Filter): Map<number, Map<number, number>>;
  /** The time range the cells cover, seconds. */
  readonly span: [number, number];
  /** Where a node's cells begin among all (-1: it has none); cell `i`'s value when `f` keeps it, else 0. */
  cellStart(node: number): number;
  keptValue(f: Filter, i: number): number;
}

/** A slicer over the page's cells, or null when the report has none (a merged or older report). */
export function slicer(calls: CallTree, index: SliceIndex | undefined): Slicer | null {
  const enc = calls.enc;
  const raw = enc.cells ?? [];
  if (index === undefined || raw.length === 0) return null;
  let count = 0;
  for (let j = 0; j < raw.length; j += 2 + 4 * raw[j + 1]!) count += raw[j + 1]!;
  const node = new Int32Array(count);
  const q = new Int32Array(count);
  const thread = new Int32Array(count);
  const region = new Int32Array(count);
  const value = new Float64Array(count);
  let c = 0;
  let maxQ = 0;
  const firstCell = new Int32Array(calls.size).fill(-1);
  for (let j = 0; j < raw.length; ) {
    const n = raw[j]!;
    const k = raw[j + 1]!;
    firstCell[n] = c;
    for (let i = 0; i < k; i++, c++) {
      const at = j + 2 + 4 * i;
      node[c] = n;
      q[c] = raw[at]!;
      thread[c] = raw[at + 1]!;
      region[c] = raw[at + 2]!;
      value[c] = raw[at + 3]!;
      if (q[c]! > maxQ) maxQ = q[c]!;
    }
    j += 2 + 4 * k;
  }
  const { start, quantum } = index;
  const inWindow = (w: [number, number] | null, i: number): boolean => {
    if (w === null) return true;
    if (q[i]! < 0) return false;
    // a quantum belongs to the window its middle is in
    const mid = start + (q[i]! + 0.5) * quantum;
    return mid >= w[0] && mid < w[1];
  };
  const keeps = (f: Filter, i: number, skip: 'thread' | 'region' | ''): boolean =>
    inWindow(f.window, i) && (skip === 'thread' || f.threads === null || f.threads.has(thread[i]!)) && (skip === 'region' || f.region === null || f.region === region[i]);
  const self = (f: Filter): Float64Array => {
    const out = new Float64Array(calls.size);
    for (let i = 0; i < count; i++) if (keeps(f, i, '')) out[node[i]!]! += value[i]!;
    return out;
  };
  const tally = (f: Filter, skip: 'thread' | 'region', size: number, key: Int32Array): Float64Array => {
    const out = new Float64Array(size);
    for (let i = 0; i < count; i++) if (keeps(f, i, skip)) out[key[i]!]! += value[i]!;
    return out;
  };
  const tree = (f: Filter): CallTree => {
    const N = calls.size;
    const own = self(f);
    const total = Float64Array.from(own);
    for (let i = N - 1; i > 0; i--) total[calls.parentOf[i]!]! += total[i]!;
    const x0 = new Float64Array(N);
    const cursor = new Float64Array(N);
    for (let i = 1; i < N; i++) {
      const p = calls.parentOf[i]!;
      x0[i] = cursor[p]!;
      cursor[p]! += total[i]!;
      cursor[i] = x0[i]!;
    }
    const cut: EncodedTree = { ...enc, value: Array.from(total), self: Array.from(own), x0: Array.from(x0) };
    const t = callTree(cut);
    // the search flags are the whole tree's: a match stays a match under any filter
    return { ...t, hit: calls.hit, below: calls.below, up: calls.up, view: { ...t.view, hit: calls.view.hit, below: calls.view.below } };
  };
  const threadNodes = (f: Filter): Map<number, Map<number, number>> => {
    const out = new Map<number, Map<number, number>>();
    for (let i = 0; i < count; i++) {
      if (!keeps(f, i, 'thread')) continue;
      let m = out.get(thread[i]!);
      if (m === undefined) out.set(thread[i]!, (m = new Map()));
      m.set(node[i]!, (m.get(node[i]!) ?? 0) + value[i]!);
    }
    return out;
  };
  return {
    index,
    tree,
    self,
    threadNodes,
    byThread: (f) => tally(f, 'thread', index.threads.length, thread),
    byRegion: (f) => tally(f, 'region', index.regions.length, region),
    span: [start, start + (maxQ + 1) * quantum],
    cellStart: (n) => firstCell[n]!,
    keptValue: (f, i) => (keeps(f, i, '') ? value[i]! : 0),
  };
}
