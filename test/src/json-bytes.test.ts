// JsonBytes.numbers, the writer of the HTML page's millions of numbers: the
// text JSON.stringify writes, whatever the array's type, its values (each
// digit count and sign, -2^31, non-integers among integers), the range asked
// for and the chunk size.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonBytes } from '../../src/json-bytes.js';

// the numbers' text as written in calls of `step` numbers each
function written(c: ArrayLike<number>, from: number, to: number, comma: boolean, chunk?: number, step = Math.max(to - from, 1)): string {
  const out = new JsonBytes(chunk);
  const parts: Buffer[] = [];
  for (let i = from; i < to; i += step) {
    out.numbers(c, i, Math.min(to, i + step), comma || i > from);
    for (const b of out.take()) parts.push(Buffer.from(b));
    out.reuse();
  }
  for (const b of out.end()) parts.push(Buffer.from(b));
  return Buffer.concat(parts).toString('utf8');
}

function stringified(c: ArrayLike<number>, from: number, to: number, comma: boolean): string {
  const text = JSON.stringify(Array.prototype.slice.call(c, from, to)).slice(1, -1);
  return (comma && to > from ? ',' : '') + text;
}

describe('JsonBytes.numbers', () => {
  it('writes every digit count and sign of 32-bit integers as JSON.stringify does', () => {
    const edges: number[] = [0, -0, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31) + 1];
    for (let d = 1; d <= 9; d++) for (const v of [10 ** d - 1, 10 ** d, 10 ** d + 1]) edges.push(v, -v);
    for (let b = 0; b < 31; b++) for (const v of [2 ** b - 1, 2 ** b]) edges.push(v, -v);
    for (const c of [Int32Array.from(edges), Float64Array.from(edges), edges]) {
      expect(written(c, 0, c.length, false)).toBe(stringified(c, 0, c.length, false));
      expect(written(c, 0, c.length, true, 8, 3)).toBe(stringified(c, 0, c.length, true));
    }
  });

  it('property: any numbers, any range, any chunk: JSON.stringify\'s text', () => {
    const value = fc.oneof(fc.integer(), fc.integer({ min: -99, max: 999 }), fc.double(), fc.constantFrom(-0, NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 0.5));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 3000 }), fc.nat(), fc.nat(), fc.boolean(), fc.constantFrom(undefined, 1, 13, 4096), fc.integer({ min: 1, max: 5000 }), fc.boolean(), (xs, a, b, comma, chunk, step, ints) => {
        const from = xs.length === 0 ? 0 : a % xs.length;
        const to = from + (xs.length === 0 ? 0 : b % (xs.length - from + 1));
        for (const c of ints ? [Int32Array.from(xs, (x) => x | 0)] : [xs, Float64Array.from(xs)]) {
          expect(written(c, from, to, comma, chunk, step)).toBe(stringified(c, from, to, comma));
        }
      }),
      { numRuns: 300 },
    );
  });
});
