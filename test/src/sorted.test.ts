import { describe, expect, it } from 'vitest';
import { floorIndex } from '../../src/sorted.js';

describe('floorIndex', () => {
  it('is the last index at or below x, as a linear scan finds it, on arrays with repeats', () => {
    let seed = 7;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    for (let round = 0; round < 200; round++) {
      const a = Array.from({ length: rand(12) }, () => rand(20)).sort((x, y) => x - y);
      for (let x = -1; x <= 21; x++) {
        let want = -1;
        for (let i = 0; i < a.length; i++) if (a[i]! <= x) want = i;
        expect(floorIndex(a, x)).toBe(want);
      }
    }
  });

  it('reads typed arrays alike', () => {
    expect(floorIndex(new Float64Array([0x1000, 0x1040, 0x10a0]), 0x1041)).toBe(1);
    expect(floorIndex(new Float64Array([]), 5)).toBe(-1);
  });
});
