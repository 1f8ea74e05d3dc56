// Typed columns that grow as rows are appended.

/** `a`'s values in a new array of the same type, of at least `size` elements: its length doubled as often as needed, so appends cost amortized O(1). */
export function grown<T extends Int32Array | Float64Array>(a: T, size: number): T {
  let n = Math.max(a.length, 16);
  while (n < size) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
