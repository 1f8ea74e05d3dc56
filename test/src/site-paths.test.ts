// SitePaths numbers (path, site) pairs as first seen and sums their values by class: checked
// against a Map over more pairs than a chunk of its columns holds, paths with many sites among them.
import { describe, expect, it } from 'vitest';
import type { FaultClass } from '../../src/model.js';
import { SitePaths } from '../../src/site-leaves.js';

describe('SitePaths', () => {
  it('gives each (path, site) pair its number, value and classes as a Map of the pairs does, across chunks', () => {
    const classes: FaultClass[] = ['first-touch-write', 'write-to-read-only', 'copy-on-write'];
    const pairs = new SitePaths();
    const model = new Map<string, { j: number; path: number; site: string; value: number; classes: Partial<Record<FaultClass, number>> }>();
    let seed = 11;
    const random = (below: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % below;
    };
    const given: number[] = [];
    const expected: number[] = [];
    for (let k = 0; k < 60_000; k++) {
      // a few paths with many sites (past the scan, into a map of their own), most with a few
      const path = k % 7 === 0 ? random(4) : random(3000);
      const site = `s${random(path < 4 ? 500 : 12)}`;
      const cls = classes[random(k % 3 === 0 ? 3 : 1)]!;
      const value = 1 + random(3);
      const key = `${path} ${site}`;
      let m = model.get(key);
      if (m === undefined) model.set(key, (m = { j: model.size, path, site, value: 0, classes: {} }));
      m.value += value;
      m.classes[cls] = (m.classes[cls] ?? 0) + value;
      given.push(pairs.add(path, site, cls, value));
      expected.push(m.j);
    }
    expect(given).toEqual(expected);
    expect(model.size).toBeGreaterThan(3 * 8192);
    expect(pairs.n).toBe(model.size);
    const read = [...model.values()].map((m) => [pairs.path(m.j), pairs.site(m.j), pairs.value(m.j), pairs.classesOf(m.j), pairs.onlyClass(m.j)]);
    const want = [...model.values()].map((m) => {
      const names = Object.keys(m.classes);
      return [m.path, m.site, m.value, m.classes, names.length === 1 ? names[0] : undefined];
    });
    expect(read).toEqual(want);
  });
});
