// Values by a dense number from 0 (a parser's stack number), kept in chunks.

const SHIFT = 12;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

/**
 * `none` for every number until set. An array filled up to the number grew by
 * copies (each past ~16k entries a fresh large object): ~3 times its size in
 * fresh pages, ~11 µs each here, for the three tables by stack number the
 * main thread fills per distinct stack (~1.3k page faults on the bench capture).
 */
export class Numbered<T> {
  private readonly chunks: T[][] = [];

  constructor(private readonly none: T) {}

  get(i: number): T {
    const c = this.chunks[i >>> SHIFT];
    return c === undefined ? this.none : c[i & MASK]!;
  }

  /** Sets number `i` (0 ≤ i < 2^31). */
  set(i: number, value: T): void {
    const k = i >>> SHIFT;
    while (this.chunks.length <= k) {
      // (filled by push: a packed array)
      const c: T[] = [];
      for (let j = 0; j < CHUNK; j++) c.push(this.none);
      this.chunks.push(c);
    }
    this.chunks[k]![i & MASK] = value;
  }
}
