// Faults per page of one region bucket (src/memory/region-faults.ts) that saw
// more than one page (a bucket holds its first page inline). A hot loop's
// bucket sees thousands of nearby pages, hundreds of thousands of times:
// those are counted in an array over the pages' span (a Map keyed by page
// addresses, numbers past 2^31, cost ~0.7 µs a fault on the bench capture),
// while the span stays small beside the pages it holds; pages scattered
// wider go to a Map.

/** The page size faults are counted by. */
export const PAGE = 4096;

// slots any bucket may span, and slots per distinct page beyond that
const DENSE_MIN = 64;
const DENSE_PER_PAGE = 8;
// arrays lie below this, where page addresses and their differences are exact
const DENSE_END = 2 ** 52;

export class PageCounts {
  // slot i counts page base + i * PAGE; NaN: no fault there yet
  private base: number;
  private slots: Float64Array | undefined;
  private distinct = 1;
  private map: Map<number, number> | undefined;

  /** The counts of one page so far. */
  constructor(page: number, n: number) {
    this.base = page;
    this.slots = new Float64Array(1).fill(n);
    if (!denseable(page)) this.toMap();
  }

  /** Adds `by` faults on `page` (a multiple of PAGE). */
  add(page: number, by: number): void {
    const slots = this.slots;
    if (slots !== undefined) {
      const i = (page - this.base) / PAGE;
      if (i >= 0 && i < slots.length && i === Math.floor(i)) {
        const c = slots[i]!;
        if (c !== c) {
          slots[i] = by;
          this.distinct++;
        } else slots[i] = c + by;
        return;
      }
      this.grow(page, by);
    } else this.map!.set(page, (this.map!.get(page) ?? 0) + by);
  }

  /** Each page with its count: ascending in an array, else in order of first fault. */
  forEach(fn: (page: number, n: number) => void): void {
    const slots = this.slots;
    if (slots !== undefined) {
      for (let i = 0; i < slots.length; i++) {
        const c = slots[i]!;
        if (c === c) fn(this.base + i * PAGE, c);
      }
    } else for (const [p, n] of this.map!) fn(p, n);
  }

  // A page outside the array: a wider array while the span stays small, else a Map.
  private grow(page: number, by: number): void {
    const slots = this.slots!;
    const end = this.base + slots.length * PAGE;
    const lo = Math.min(this.base, page);
    const need = (Math.max(end, page + PAGE) - lo) / PAGE;
    const limit = Math.max(DENSE_MIN, DENSE_PER_PAGE * (this.distinct + 1));
    if (!denseable(page) || need > limit) {
      this.toMap();
      this.add(page, by);
      return;
    }
    // the room to spare on the side the pages grow to
    const room = Math.max(need, Math.min(2 * slots.length, limit));
    const base = page < this.base ? Math.max(0, end - room * PAGE) : lo;
    const length = Math.max(need, Math.min(room, (DENSE_END - base) / PAGE));
    const wider = new Float64Array(length).fill(NaN);
    wider.set(slots, (this.base - base) / PAGE);
    this.base = base;
    this.slots = wider;
    this.add(page, by);
  }

  private toMap(): void {
    const map = new Map<number, number>();
    this.forEach((p, n) => map.set(p, n));
    this.map = map;
    this.slots = undefined;
  }
}

function denseable(page: number): boolean {
  return page >= 0 && page < DENSE_END && page % PAGE === 0;
}
