import { describe, expect, it } from 'vitest';
import { IntPairs } from '../../src/int-pairs.js';

// A small seeded generator, so a failure names its seed.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('IntPairs', () => {
  it('gives UNKNOWN for a pair never set, also after others were set', () => {
    const t = new IntPairs();
    expect(t.get(0, 0)).toBe(IntPairs.UNKNOWN);
    t.set(1, 2, 7);
    expect(t.get(2, 1)).toBe(IntPairs.UNKNOWN);
    expect(t.get(1, 2)).toBe(7);
  });

  it('agrees with a Map by pair over growth, overwrites and colliding pairs', () => {
    for (const seed of [1, 2, 3, 42]) {
      const next = random(seed);
      const t = new IntPairs();
      const model = new Map<string, number>();
      // ids from small ranges (many repeats, many collisions) and past 2^30
      const id = (): number => (next() < 0.8 ? Math.floor(next() * 60) : Math.floor(next() * 0x7fffffff));
      for (let i = 0; i < 3000; i++) {
        const a = id();
        const b = id();
        const v = next() < 0.1 ? -1 : Math.floor(next() * 1e6);
        t.set(a, b, v);
        model.set(`${a},${b}`, v);
        if (i % 97 === 0) for (const [k, want] of model) expect(t.get(...(k.split(',').map(Number) as [number, number])), `seed ${seed}`).toBe(want);
      }
      for (const [k, want] of model) expect(t.get(...(k.split(',').map(Number) as [number, number])), `seed ${seed}`).toBe(want);
      for (let i = 0; i < 500; i++) {
        const a = id();
        const b = id();
        if (!model.has(`${a},${b}`)) expect(t.get(a, b)).toBe(IntPairs.UNKNOWN);
      }
    }
  });
});
