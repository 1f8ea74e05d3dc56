// The page map of one address space: which protection each page has and
// which change set it, as sorted, non-overlapping page ranges.

export interface Segment<C> {
  start: number;
  end: number;
  prot: number;
  change: C;
}

const NONE: readonly never[] = [];

/** Segments that meet [start, end) (what `set` took out there, or `slice` gave), cut to it, as copies. */
export function clipped<C>(segs: readonly Segment<C>[], start: number, end: number): Segment<C>[] {
  return segs.map((s) => ({ start: Math.max(s.start, start), end: Math.min(s.end, end), prot: s.prot, change: s.change }));
}

// Sorted, non-overlapping page ranges.
export class PageMap<C> {
  segs: Segment<C>[] = [];
  // the segment `get` found last, until the map changes: faults come in runs on one range
  private last: Segment<C> | undefined;

  // Index of the first segment that ends after `addr`.
  private after(addr: number): number {
    let lo = 0;
    let hi = this.segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segs[mid]!.end <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(addr: number): Segment<C> | undefined {
    const last = this.last;
    if (last !== undefined && addr >= last.start && addr < last.end) return last;
    const s = this.segs[this.after(addr)];
    if (s === undefined || s.start > addr) return undefined;
    this.last = s;
    return s;
  }

  // Copies of the parts of segments inside [start, end).
  slice(start: number, end: number): Segment<C>[] {
    const out: Segment<C>[] = [];
    for (let i = this.after(start); i < this.segs.length; i++) {
      const s = this.segs[i]!;
      if (s.start >= end) break;
      out.push({ start: Math.max(s.start, start), end: Math.min(s.end, end), prot: s.prot, change: s.change });
    }
    return out;
  }

  clear(start: number, end: number): void {
    if (end <= start) return;
    this.last = undefined;
    const i = this.after(start);
    let j = i;
    const keep: Segment<C>[] = [];
    while (j < this.segs.length && this.segs[j]!.start < end) {
      const s = this.segs[j]!;
      if (s.start < start) keep.push({ start: s.start, end: start, prot: s.prot, change: s.change });
      if (s.end > end) keep.push({ start: end, end: s.end, prot: s.prot, change: s.change });
      j++;
    }
    if (j > i) this.segs.splice(i, j - i, ...keep);
  }

  // Inserts segments into a range already cleared; they must be sorted and disjoint.
  insert(segs: readonly Segment<C>[]): void {
    if (segs.length === 0) return;
    this.last = undefined;
    this.segs.splice(this.after(segs[0]!.start), 0, ...segs);
  }

  // clear and insert in one step: the segments [start, end) touches give way to
  // what is left of the first and last of them around the new one (a change
  // over exactly one segment replaces it where it is, no splice). Returns the
  // segments taken out, whole (the first and last may reach past the range;
  // segments are never changed, only replaced).
  set(start: number, end: number, prot: number, change: C): readonly Segment<C>[] {
    if (end <= start) return NONE;
    this.last = undefined;
    const segs = this.segs;
    const i = this.after(start);
    let j = i;
    while (j < segs.length && segs[j]!.start < end) j++;
    const seg: Segment<C> = { start, end, prot, change };
    if (j === i) {
      segs.splice(i, 0, seg);
      return NONE;
    }
    const first = segs[i]!;
    const last = segs[j - 1]!;
    const left = first.start < start ? { start: first.start, end: start, prot: first.prot, change: first.change } : undefined;
    const right = last.end > end ? { start: end, end: last.end, prot: last.prot, change: last.change } : undefined;
    if (left === undefined && right === undefined) {
      if (j !== i + 1) return segs.splice(i, j - i, seg);
      segs[i] = seg;
      return [first];
    }
    if (right === undefined) return segs.splice(i, j - i, left!, seg);
    if (left === undefined) return segs.splice(i, j - i, seg, right);
    return segs.splice(i, j - i, left, seg, right);
  }

  copy(): PageMap<C> {
    const m = new PageMap<C>();
    m.segs = this.segs.map((s) => ({ ...s }));
    return m;
  }
}

export function pageFloor(addr: number, pageSize: number): number {
  return addr - (addr % pageSize);
}

export function pageCeil(addr: number, pageSize: number): number {
  const r = addr % pageSize;
  return r === 0 ? addr : addr + pageSize - r;
}
