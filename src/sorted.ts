// Binary search in ascending arrays of numbers.

/** The last index of ascending `a` whose value is ≤ x; -1 when every value is above x. */
export function floorIndex(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
