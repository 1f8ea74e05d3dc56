// The frame cache's callchains by line ids (parsers/perf-script-stacks.ts): one array and one number
// per distinct callchain, also once its ids outgrow the space reserved for them.
import { describe, expect, it } from 'vitest';
import { FrameCache, STACK_HASH_SEED, stackHashStep } from '../../parsers/perf-script-stacks.js';

function chainOf(cache: FrameCache, ids: number[]): { stack: readonly unknown[]; number: number } {
  let h = STACK_HASH_SEED;
  for (const id of ids) h = stackHashStep(h, id);
  const stack = cache.callchainOfIds(Int32Array.from(ids), ids.length, h);
  return { stack, number: cache.stackNumber };
}

describe('FrameCache callchains by line ids', () => {
  it('gives one array and one number per distinct callchain, past the ids reserved up front (1 << 20)', () => {
    const cache = new FrameCache();
    const lines = 64;
    for (let id = 0; id < lines; id++) cache.adopt(`\t${(0x1000 + id).toString(16)} fn${id}+0x1 (/bin/app)`, id);
    // 40k distinct chains of 30 ids (the first three chain i's digits in base 64): 1.2M ids with their headers
    const chains = Array.from({ length: 40_000 }, (_, i) => Array.from({ length: 30 }, (_, k) => (k < 3 ? (i >> (6 * k)) % lines : (i + k) % lines)));
    const first = chains.map((ids, i) => {
      const got = chainOf(cache, ids);
      expect(got.number).toBe(i);
      expect(got.stack.map((f) => (f as { symbol: string }).symbol)).toEqual(ids.map((id) => `fn${id}`));
      return got.stack;
    });
    // met again: the same array and number
    chains.forEach((ids, i) => {
      const again = chainOf(cache, ids);
      expect(again.stack).toBe(first[i]);
      expect(again.number).toBe(i);
    });
  });
});
