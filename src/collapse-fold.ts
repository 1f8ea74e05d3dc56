// The folded lines of collapse's stacks (src/collapse.ts), sorted as Perl's
// `sort` does on bytes, without a string per stack until the output: a stack's
// root and frame names are cut at ';' into segments (an inline chain's name is
// `a;b_[i]`), the stacks are sorted by their segments' ranks, and stacks with
// the same segments (the same folded text) are merged as they come out next to
// each other: no second hash table over the stacks.
//
// Comparing ranks is comparing bytes: a segment followed by more is the token
// `segment;`, the last one the token `segment`, and ';' is only ever a token's
// last byte — so where one token is a prefix of another it is the smaller, as
// in the concatenation, and else their first differing byte decides both.
import { StackTable } from './collapse-stacks.js';


/** A frame's name by its id (only ids that stacks hold are asked for). */
export type NameOf = (id: number, java: boolean) => string;

/** Output is cut after the line that brings a piece to this many characters. */
const PIECE = 1 << 16;

/** Lines as Folder.pieces cuts them: each ended by a newline, pieces of whole lines. */
export function piecesOf(lines: Iterable<string>): string[] {
  const p = new Pieces();
  for (const l of lines) {
    p.parts.push(l, '\n');
    p.lineEnded(l.length + 1);
  }
  return p.done();
}

/** Text pushed onto `parts` a line at a time, joined into pieces of whole lines of about PIECE characters. */
class Pieces {
  parts: string[] = [];
  private readonly out: string[] = [];
  private size = 0;

  /** After a line of n characters was pushed onto parts. */
  lineEnded(n: number): void {
    this.size += n;
    if (this.size < PIECE) return;
    this.out.push(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }

  done(): string[] {
    if (this.size > 0) this.out.push(this.parts.join(''));
    return this.out;
  }
}

// Pushes the pieces of stack s's line; returns their length. (Apart from the loop that calls it:
// called once per stack, it is optimized early, where the loop would wait to be.)
function pushLine(parts: string[], s: number, starts: Int32Array, segments: Int32Array, inner: readonly string[], last: readonly string[], value: number): number {
  let size = 0;
  const end = starts[s + 1]! - 1;
  for (let k = starts[s]!; k < end; k++) {
    const t = inner[segments[k]!]!;
    parts.push(t);
    size += t.length;
  }
  const tail = last[segments[end]!]!;
  const count = String(value);
  parts.push(tail, count, '\n');
  return size + tail.length + count.length + 1;
}

export class Folder {
  private readonly segmentIds = new Map<string, number>();
  private readonly segments: string[] = [];
  // a name's segment ids by frame id, apart for Java roots
  private readonly frameSegments: (Int32Array | undefined)[] = [];
  private readonly javaFrameSegments: (Int32Array | undefined)[] = [];
  // the stacks as segment ids: stack i at [starts[i], starts[i + 1]) of seq, its value values[i]
  private count = 0;
  private starts = new Int32Array(1);
  private seq = new Int32Array(0);
  private values = new Float64Array(0);

  constructor(private readonly nameOf: NameOf) {}

  /** Adds the stacks of `stacks` whose root has segments (`roots`; `rootJava`: names by tidy_java) and whose value is not 0. */
  addAll(stacks: StackTable, roots: readonly (Int32Array | undefined)[], rootJava: readonly boolean[]): void {
    const most = this.count + stacks.count;
    this.starts = sized(this.starts, new Int32Array(most + 1));
    this.values = sized(this.values, new Float64Array(most));
    // reserved large (a zero-filled array's fresh pages are backed only where written); grown when
    // names hold more segments
    this.seq = sized(this.seq, new Int32Array(Math.max(this.seq.length, this.starts[this.count]! + 2 * stacks.data.length)));
    for (let s = 0; s < stacks.count; s++) this.addStack(stacks, s, roots, rootJava);
  }

  // one call per stack: the loop above stays small, this is optimized early (it runs once per stack)
  private addStack(stacks: StackTable, s: number, roots: readonly (Int32Array | undefined)[], rootJava: readonly boolean[]): void {
    const value = stacks.value(s);
    const rootId = stacks.root(s);
    const root = roots[rootId];
    if (root === undefined || value === 0) return;
    const java = rootJava[rootId]!;
    let seq = this.seq;
    const i = this.count++;
    let n = this.starts[i]!;
    if (n + root.length > seq.length) seq = this.longer(n + root.length);
    for (let k = 0; k < root.length; k++) seq[n++] = root[k]!;
    const data = stacks.data;
    const start = stacks.start(s);
    for (let k = start + stacks.depth(s) - 1; k >= start; k--) {
      const segs = this.frameSegmentsOf(data[k]!, java);
      if (n + segs.length > seq.length) seq = this.longer(n + segs.length);
      for (let j = 0; j < segs.length; j++) seq[n++] = segs[j]!;
    }
    this.starts[i + 1] = n;
    this.values[i] = value;
  }

  /** A root's text as segment ids. */
  rootSegments(text: string): Int32Array {
    return this.segmentsOf(text);
  }

  /** The folded lines (`a;b;c count`), sorted. */
  lines(): string[] {
    const text = this.pieces().join('');
    return text === '' ? [] : text.slice(0, -1).split('\n');
  }

  /** The folded lines, sorted, each ended by a newline: latin1 text in pieces of whole lines (piecesOf's). */
  pieces(): string[] {
    const n = this.count;
    const starts = this.starts;
    const segments = this.seq;
    const values = this.values;
    // (a stable sort: stacks of the same text come out in the order they were added, and their
    // values are summed in that order, as a hash table merging them would)
    const order = this.sorted(starts, segments, n);
    // a native join per piece: `segment;` but for the last, `segment `, the count, a newline
    const inner = this.segments.map((t) => t + ';');
    const last = this.segments.map((t) => t + ' ');
    const p = new Pieces();
    for (let i = 0; i < n; ) {
      const s = order[i]!;
      let value = values[s]!;
      for (i++; i < n && sameSegments(starts, segments, s, order[i]!); i++) value += values[order[i]!]!;
      p.lineEnded(pushLine(p.parts, s, starts, segments, inner, last, value));
    }
    return p.done();
  }

  // The stacks in the order of their texts: by their tokens' ranks, `segment;` for all but the last
  // segment, `segment` for the last.
  private sorted(starts: Int32Array, segments: Int32Array, n: number): number[] {
    const count = this.segments.length;
    const tokens = new Array<string>(count * 2);
    for (let i = 0; i < count; i++) {
      tokens[2 * i] = this.segments[i]! + ';';
      tokens[2 * i + 1] = this.segments[i]!;
    }
    const byText = Array.from({ length: count * 2 }, (_, i) => i).sort((a, b) => (tokens[a]! < tokens[b]! ? -1 : tokens[a]! > tokens[b]! ? 1 : 0));
    const rank = new Int32Array(count * 2);
    for (let r = 0; r < byText.length; r++) rank[byText[r]!] = r;
    const ranks = new Int32Array(starts[n]!);
    for (let s = 0; s < n; s++) {
      const last = starts[s + 1]! - 1;
      for (let k = starts[s]!; k < last; k++) ranks[k] = rank[2 * segments[k]!]!;
      ranks[last] = rank[2 * segments[last]! + 1]!;
    }
    return Array.from({ length: n }, (_, s) => s).sort((a, b) => {
      const ea = starts[a + 1]!;
      const eb = starts[b + 1]!;
      for (let i = starts[a]!, j = starts[b]!; ; i++, j++) {
        if (i === ea) return j === eb ? 0 : -1;
        if (j === eb) return 1;
        const d = ranks[i]! - ranks[j]!;
        if (d !== 0) return d;
      }
    });
  }

  private longer(min: number): Int32Array<ArrayBuffer> {
    return (this.seq = sized(this.seq, new Int32Array(Math.max(min, this.seq.length * 2))));
  }

  private frameSegmentsOf(id: number, java: boolean): Int32Array {
    const cache = java ? this.javaFrameSegments : this.frameSegments;
    return (cache[id] ??= this.segmentsOf(this.nameOf(id, java)));
  }

  private segmentsOf(text: string): Int32Array {
    const parts = text.split(';');
    const ids = new Int32Array(parts.length);
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k]!;
      let id = this.segmentIds.get(p);
      if (id === undefined) {
        id = this.segments.length;
        this.segments.push(p);
        this.segmentIds.set(p, id);
      }
      ids[k] = id;
    }
    return ids;
  }
}

/** Stacks a and b have the same segments. */
function sameSegments(starts: Int32Array, segments: Int32Array, a: number, b: number): boolean {
  const n = starts[a + 1]! - starts[a]!;
  if (starts[b + 1]! - starts[b]! !== n) return false;
  for (let i = starts[a]!, j = starts[b]!, end = i + n; i < end; i++, j++) if (segments[i] !== segments[j]) return false;
  return true;
}

/** `to` holding `from` at its start. */
function sized<T extends Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer>>(from: T, to: T): T {
  to.set(from.subarray(0, Math.min(from.length, to.length)));
  return to;
}
