// perf script frame lines → interned Frames and callchains. One Frame object
// per distinct frame line; one Frame[] per distinct callchain that the byte
// reader gave as line ids, so a repeated stack costs a hash of its ids, and the
// stages after the parser meet the same array again (and may key caches on it).
import type { Frame } from './records.js';
import { parseFrame } from './perf-script-frames.js';

const INLINED_SUFFIX = ' (inlined)';

/** Distinct callchains kept by their ids; past this, stacks are resolved line by line (still right, not shared). */
const MAX_STACKS = 1 << 18;
/**
 * The arena's ints reserved up front (~80k stacks 9 deep): a large zero-filled array gets fresh pages,
 * backed only where written, so what is not used costs nothing, and no doubling copies (and faults)
 * the stacks again.
 */
const RESERVED_ARENA = 1 << 20;

/**
 * Callchains by their line ids: open addressing over (arena offset, hash)
 * pairs, filled up to three quarters; the arena holds each stack's length,
 * number and index before its ids. A capture's stacks are many and come back
 * far apart: a probe reads one cache line of a table kept small, then one of
 * the arena.
 */
class StackTable {
  count = 0;
  // (the table starts small and grows within a capture's first stacks, still unoptimized: growing first
  // met in optimized code threw it away, a recompile of the parser's stack path)
  private arena = new Int32Array(RESERVED_ARENA);
  private used = 0;
  private readonly frames: (readonly Frame[])[] = [];
  private table = new Int32Array(2 * 64).fill(-1);
  private mask = 63;
  /** After find: the number of the stack found. */
  number = -1;

  /** The stack of these ids (the first n): its index (frames(s)), its number in `number`; or -1. */
  find(ids: Int32Array, n: number, h: number): number {
    const table = this.table;
    const mask = this.mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const at = table[2 * slot]!;
      if (at < 0) return -1;
      if (table[2 * slot + 1] !== h) continue;
      const arena = this.arena;
      if (arena[at] !== n) continue;
      let i = 0;
      while (i < n && arena[at + 3 + i] === ids[i]) i++;
      if (i === n) {
        this.number = arena[at + 1]!;
        return arena[at + 2]!;
      }
    }
  }

  /** The frames of stack s. */
  framesOf(s: number): readonly Frame[] {
    return this.frames[s]!;
  }

  /** Adds a stack known to be new, numbered `number`. */
  add(ids: Int32Array, n: number, h: number, frames: readonly Frame[], number: number): void {
    const s = this.count++;
    if (this.used + n + 3 > this.arena.length) this.arena = grown(this.arena, Math.max(this.arena.length * 2, this.used + n + 3));
    const at = this.used;
    const arena = this.arena;
    arena[at] = n;
    arena[at + 1] = number;
    arena[at + 2] = s;
    // (a loop: a subarray per stack was a third of what the worker allocated)
    for (let i = 0; i < n; i++) arena[at + 3 + i] = ids[i]!;
    this.used += n + 3;
    this.frames.push(frames);
    this.place(this.table, this.mask, at, h);
    if (this.count * 4 > this.mask * 3) this.grow();
  }

  private place(table: Int32Array, mask: number, at: number, h: number): void {
    let slot = h & mask;
    while (table[2 * slot]! >= 0) slot = (slot + 1) & mask;
    table[2 * slot] = at;
    table[2 * slot + 1] = h;
  }

  private grow(): void {
    const old = this.table;
    const mask = this.mask * 2 + 1;
    const table = new Int32Array(2 * (mask + 1)).fill(-1);
    for (let slot = 0; slot <= this.mask; slot++) if (old[2 * slot]! >= 0) this.place(table, mask, old[2 * slot]!, old[2 * slot + 1]!);
    this.table = table;
    this.mask = mask;
  }
}

function grown(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

/** A stack's hash before its first line id. */
export const STACK_HASH_SEED = 0x811c9dc5 | 0;

/** A stack's hash, one more line id in. */
export function stackHashStep(h: number, id: number): number {
  return Math.imul(h ^ id, 0x01000193) ^ (h >>> 13);
}

// The hash of n ids folded by stackHashStep, finished.
function finishHash(h: number, n: number): number {
  h = Math.imul(h ^ n, 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
}

export class FrameCache {
  /** The frame line (or `frame line\nsrcline`) → its Frame. */
  private readonly frames = new Map<string, Frame>();
  /** The byte reader's line ids → their Frames. */
  private readonly byId: Frame[] = [];
  /** The previous record's callchain lines and frames: consecutive records share their root-side frames. */
  private prevLines: readonly string[] = [];
  private prevFrames: readonly Frame[] = [];
  /** Callchains by their line ids. */
  private readonly stacks = new StackTable();
  /** Stacks of one header frame (a record without callchain), by the frame, and their numbers. */
  private readonly single = new Map<Frame, { readonly stack: readonly Frame[]; readonly number: number }>();
  /** Stacks numbered so far (callchainOfIds's and headerStack's share the numbers). */
  private numbered = 0;
  /** The number of the stack the last callchainOfIds or headerStack gave, or -1 when it gave one not kept. */
  stackNumber = -1;

  get size(): number {
    return this.frames.size;
  }

  /** A frame line's text that owns its memory (the byte reader decodes each line on its own) becomes its cache key; `id` is its line id. */
  adopt(text: string, id: number): void {
    let frame = this.frames.get(text);
    if (frame === undefined) this.frames.set(text, (frame = parseFrame(text)));
    this.byId[id] = frame;
  }

  /** A record's callchain: `lines` (a line with its srcline is `frame line\nsrcline`, marked in `withSrcline`). */
  callchain(lines: readonly string[], withSrcline: readonly boolean[] | null): readonly Frame[] {
    return this.resolve(lines, withSrcline);
  }

  /**
   * A record's callchain that came from the byte reader as line ids, without
   * srclines: the first `idCount` of `ids` (each adopted), `hash` their
   * stackHashStep fold from STACK_HASH_SEED.
   */
  callchainOfIds(ids: Int32Array, idCount: number, hash: number): readonly Frame[] {
    const h = finishHash(hash, idCount);
    const s = this.stacks.find(ids, idCount, h);
    if (s >= 0) {
      this.stackNumber = this.stacks.number;
      return this.stacks.framesOf(s);
    }
    const frames = new Array<Frame>(idCount);
    for (let i = 0; i < idCount; i++) frames[i] = this.byId[ids[i]!]!;
    if (this.stacks.count < MAX_STACKS) {
      this.stacks.add(ids, idCount, h, frames, (this.stackNumber = this.numbered++));
    } else {
      this.stackNumber = -1;
    }
    return frames;
  }

  /** The stack of a record without callchain: its one header frame, one array per frame. */
  headerStack(frame: Frame): readonly Frame[] {
    let known = this.single.get(frame);
    if (known === undefined) {
      if (this.single.size >= MAX_STACKS) {
        this.stackNumber = -1;
        return [frame];
      }
      known = { stack: [frame], number: this.numbered++ };
      this.single.set(frame, known);
    }
    this.stackNumber = known.number;
    return known.stack;
  }

  // Frame lines → Frames. Walking from the root end, lines equal to the
  // previous record's reuse its frames (a string comparison is cheaper than
  // hashing the line for the cache); the rest go through the cache.
  private resolve(lines: readonly string[], src: readonly boolean[] | null): readonly Frame[] {
    const n = lines.length;
    const frames = new Array<Frame>(n);
    const prevLines = this.prevLines;
    const prevFrames = this.prevFrames;
    let k = n - 1;
    for (let q = prevLines.length - 1; k >= 0 && q >= 0 && lines[k] === prevLines[q]; k--, q--) frames[k] = prevFrames[q] as Frame;
    for (; k >= 0; k--) {
      const line = lines[k] as string;
      frames[k] = src !== null && src[k] === true ? this.internWithSrcline(line) : this.intern(line);
    }
    this.prevLines = lines;
    this.prevFrames = frames;
    return frames;
  }

  /** A header frame by its key (`key\nsrcline` with a srcline). */
  headerFrame(key: string): Frame {
    return key.includes('\n') ? this.internWithSrcline(key) : this.intern(key);
  }

  // `frame line\nsrcline` → the frame with its srcline.
  private internWithSrcline(joined: string): Frame {
    const known = this.frames.get(joined);
    if (known !== undefined) return known;
    const key = ownCopy(joined);
    const nl = key.indexOf('\n');
    const base = this.intern(key.slice(0, nl));
    let src = key.slice(nl + 1).trim();
    let dso = base.dso;
    if (dso === '' && src.endsWith(INLINED_SUFFIX)) {
      src = src.slice(0, -INLINED_SUFFIX.length);
      dso = 'inlined';
    }
    const frame: Frame = { addr: base.addr, symbol: base.symbol, offset: base.offset, dso, srcline: src };
    this.frames.set(key, frame);
    return frame;
  }

  // Keys are copied out of their chunk (see ownCopy); frames are parsed from the copy.
  private intern(text: string): Frame {
    const known = this.frames.get(text);
    if (known !== undefined) return known;
    const key = ownCopy(text);
    const frame = parseFrame(key);
    this.frames.set(key, frame);
    return frame;
  }
}

// A copy of `s` that does not share memory with the chunk it was cut from.
// Lines are slices of a decoded chunk of about 1 MB; a slice kept as a cache
// key (or any string cut from it) would keep its whole chunk alive, and the
// frame cache would then hold most of the trace. Concatenation then slicing
// makes V8 flatten the line into a string of its own.
export function ownCopy(s: string): string {
  return (' ' + s).slice(1);
}
