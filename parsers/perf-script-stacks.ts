// perf script frame lines → interned Frames and callchains. One Frame object
// per distinct frame line; one Frame[] per distinct callchain that the byte
// reader gave as line ids, so a repeated stack costs a hash of its ids, and the
// stages after the parser meet the same array again (and may key caches on it).
import type { Frame } from './records.js';
import { parseFrame } from './perf-script-frames.js';

const INLINED_SUFFIX = ' (inlined)';

/** Distinct callchains kept by their ids; past this, stacks are resolved line by line (still right, not shared). */
const MAX_STACKS = 1 << 18;

interface KnownStack {
  readonly ids: Int32Array;
  readonly frames: readonly Frame[];
}

export class FrameCache {
  /** The frame line (or `frame line\nsrcline`) → its Frame. */
  private readonly frames = new Map<string, Frame>();
  /** The previous record's callchain lines and frames: consecutive records share their root-side frames. */
  private prevLines: readonly string[] = [];
  private prevFrames: readonly Frame[] = [];
  /** Callchains by a hash of their line ids. */
  private readonly stacks = new Map<number, KnownStack | KnownStack[]>();
  private stackCount = 0;

  get size(): number {
    return this.frames.size;
  }

  /** A frame line's text that owns its memory (the byte reader decodes each line on its own) becomes its cache key. */
  adopt(text: string): void {
    if (!this.frames.has(text)) this.frames.set(text, parseFrame(text));
  }

  /**
   * A record's callchain: `lines` (a line with its srcline is `frame line\nsrcline`,
   * marked in `withSrcline`), and when every line came from the byte reader
   * without a srcline, their ids (the first `idCount` of `ids`).
   */
  callchain(lines: readonly string[], withSrcline: readonly boolean[] | null, ids: Int32Array | null, idCount: number): readonly Frame[] {
    if (ids === null || withSrcline !== null) return this.resolve(lines, withSrcline);
    let h = idCount;
    for (let i = 0; i < idCount; i++) h = Math.imul(h ^ ids[i]!, 0x01000193);
    h = (h ^ (h >>> 15)) & 0x3fffffff;
    const hit = this.stacks.get(h);
    if (hit !== undefined) {
      const known = Array.isArray(hit) ? hit.find((s) => sameIds(s.ids, ids, idCount)) : sameIds(hit.ids, ids, idCount) ? hit : undefined;
      if (known !== undefined) {
        this.prevLines = lines;
        this.prevFrames = known.frames;
        return known.frames;
      }
    }
    const frames = this.resolve(lines, null);
    if (this.stackCount < MAX_STACKS) {
      this.stackCount++;
      const entry: KnownStack = { ids: ids.slice(0, idCount), frames };
      if (hit === undefined) this.stacks.set(h, entry);
      else if (Array.isArray(hit)) hit.push(entry);
      else this.stacks.set(h, [hit, entry]);
    }
    return frames;
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

/**
 * A header frame key's address (`headerFrameKey`: a blank, then the frame's
 * text from its address): what parseFrame would read, without a Frame (data
 * addresses are many, and need no cache entry).
 */
export function headerAddr(key: string): string {
  let i = 1;
  for (; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) break;
  }
  return key.slice(1, i);
}

function sameIds(a: Int32Array, b: Int32Array, n: number): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

// A copy of `s` that does not share memory with the chunk it was cut from.
// Lines are slices of a decoded chunk of about 1 MB; a slice kept as a cache
// key (or any string cut from it) would keep its whole chunk alive, and the
// frame cache would then hold most of the trace. Concatenation then slicing
// makes V8 flatten the line into a string of its own.
export function ownCopy(s: string): string {
  return (' ' + s).slice(1);
}
