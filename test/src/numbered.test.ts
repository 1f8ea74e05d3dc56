import { describe, expect, it } from 'vitest';
import { Numbered } from '../../src/numbered.js';

describe('Numbered', () => {
  it('gives what was set last for each number and `none` for the others, across chunks, as a Map does', () => {
    const none = { none: true };
    const n = new Numbered<object>(none);
    const model = new Map<number, object>();
    let seed = 7;
    const random = (below: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % below;
    };
    for (let k = 0; k < 20_000; k++) {
      // mostly dense from 0, as stack numbers are; some far out, some set again
      const i = k % 5 === 0 ? random(1 << 20) : random(k + 1);
      const v = { k };
      n.set(i, v);
      model.set(i, v);
    }
    for (let i = 0; i < (1 << 20) + 5000; i += i < 70_000 ? 1 : 97) expect(n.get(i)).toBe(model.get(i) ?? none);
    expect(n.get(2 ** 31 - 1)).toBe(none);
  });
});
