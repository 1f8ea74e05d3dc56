// The folded lines of collapse's stacks (src/collapse.ts), sorted as Perl's
// `sort` does on bytes, without a string per stack until the output: a stack's
// root and frame names are cut at ';' into segments (an inline chain's name is
// `a;b_[i]`), stacks with the same segments are merged (their folded texts are
// the same), and the merged stacks are sorted by their segments' ranks.
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
function pushLine(parts: string[], s: number, starts: Int32Array, segments: Int32Array, inner: readonly string[], last: readonly string[], m: StackTable): number {
  let size = 0;
  const end = starts[s + 1]! - 1;
  for (let k = starts[s]!; k < end; k++) {
    const t = inner[segments[k]!]!;
    parts.push(t);
    size += t.length;
  }
  const tail = last[segments[end]!]!;
  const count = String(m.value(s));
  parts.push(tail, count, '\n');
  return size + tail.length + count.length + 1;
}

export class Folder {
  private readonly segmentIds = new Map<string, number>();
  private readonly segments: string[] = [];
  // a name's segment ids by frame id, apart for Java roots
  private readonly frameSegments: (Int32Array | undefined)[] = [];
  private readonly javaFrameSegments: (Int32Array | undefined)[] = [];
  private readonly merged = new StackTable();
  private seq = new Int32Array(256);
  private frames = new Int32Array(256);

  constructor(private readonly nameOf: NameOf) {}

  /** Adds the stacks of `stacks` whose root has segments (`roots`; `rootJava`: names by tidy_java) and whose value is not 0. */
  addAll(stacks: StackTable, roots: readonly (Int32Array | undefined)[], rootJava: readonly boolean[]): void {
    for (let s = 0; s < stacks.count; s++) this.addStack(stacks, s, roots, rootJava);
  }

  // one call per stack: the loop above stays small, this is optimized early (it runs once per stack)
  private addStack(stacks: StackTable, s: number, roots: readonly (Int32Array | undefined)[], rootJava: readonly boolean[]): void {
    const value = stacks.value(s);
    const rootId = stacks.root(s);
    const root = roots[rootId];
    if (root === undefined || value === 0) return;
    const java = rootJava[rootId]!;
    const depth = stacks.depth(s);
    if (depth > this.frames.length) this.frames = new Int32Array(depth * 2);
    const frames = this.frames;
    stacks.copyFrames(s, frames, 0);
    let seq = this.seq;
    let n = 0;
    if (root.length > seq.length) seq = this.grow(root.length);
    for (let k = 0; k < root.length; k++) seq[n++] = root[k]!;
    for (let k = depth - 1; k >= 0; k--) {
      const segs = this.frameSegmentsOf(frames[k]!, java);
      if (n + segs.length > seq.length) seq = this.grow(n + segs.length);
      for (let j = 0; j < segs.length; j++) seq[n++] = segs[j]!;
    }
    this.merged.add(0, seq, n, value);
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
    const m = this.merged;
    const n = m.count;
    // each merged stack's segments
    const starts = new Int32Array(n + 1);
    for (let s = 0; s < n; s++) starts[s + 1] = starts[s]! + m.depth(s);
    const segments = new Int32Array(starts[n]!);
    for (let s = 0; s < n; s++) m.copyFrames(s, segments, starts[s]!);
    const order = this.sorted(starts, segments);
    // a native join per piece: `segment;` but for the last, `segment `, the count, a newline
    const inner = this.segments.map((t) => t + ';');
    const last = this.segments.map((t) => t + ' ');
    const p = new Pieces();
    for (let i = 0; i < n; i++) p.lineEnded(pushLine(p.parts, order[i]!, starts, segments, inner, last, m));
    return p.done();
  }

  // The merged stacks in the order of their texts: by their tokens' ranks, `segment;` for all but
  // the last segment, `segment` for the last.
  private sorted(starts: Int32Array, segments: Int32Array): number[] {
    const count = this.segments.length;
    const tokens = new Array<string>(count * 2);
    for (let i = 0; i < count; i++) {
      tokens[2 * i] = this.segments[i]! + ';';
      tokens[2 * i + 1] = this.segments[i]!;
    }
    const byText = Array.from({ length: count * 2 }, (_, i) => i).sort((a, b) => (tokens[a]! < tokens[b]! ? -1 : tokens[a]! > tokens[b]! ? 1 : 0));
    const rank = new Int32Array(count * 2);
    for (let r = 0; r < byText.length; r++) rank[byText[r]!] = r;
    const n = starts.length - 1;
    const ranks = new Int32Array(segments.length);
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

  private grow(min: number): Int32Array<ArrayBuffer> {
    const bigger = new Int32Array(Math.max(min, this.seq.length * 2));
    bigger.set(this.seq);
    return (this.seq = bigger);
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
