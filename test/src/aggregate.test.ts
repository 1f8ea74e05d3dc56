// The aggregator finds a record's path by a hash of its frame ids and compares
// frames on a hit. With the hash narrowed to 6 bits nearly every path shares
// its hash with others: each must still be counted apart, exactly.
import { describe, expect, it } from 'vitest';
import { FaultAggregator } from '../../src/aggregate.js';
import type { Frame } from '../../src/model.js';

describe('FaultAggregator', () => {
  it('counts every distinct path apart, however many share a hash', () => {
    const frames: Frame[] = Array.from({ length: 40 }, (_, i) => ({ addr: i.toString(16), symbol: `f${i}`, offset: 0, dso: '/x' }));
    const agg = new FaultAggregator(0x3f);
    const expected = new Map<string, number>();
    let seed = 12345;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let r = 0; r < 20_000; r++) {
      const site = frames[next(40)]!;
      const callers = [frames[next(40)]!, frames[next(40)]!];
      const comm = next(3) === 0 ? 'a' : 'b';
      const value = 1 + next(4);
      agg.add('page-faults', comm, site, callers, value);
      const key = `${comm} ${site.symbol} ${callers.map((f) => f.symbol).join(' ')}`;
      expected.set(key, (expected.get(key) ?? 0) + value);
    }
    expect(agg.distinctPaths).toBe(expected.size);
    expect(expected.size).toBeGreaterThan(1000);
    // the site ranking sums each path's value under its faulting frame
    const resolver = { anchor: () => undefined, resolve: (f: Frame) => ({ dso: f.dso, symbol: f.symbol, offset: f.offset, address: f.addr, resolved: false }) };
    const { sites, tree } = agg.finish(resolver as never);
    const bySite = new Map<string, number>();
    for (const [key, v] of expected) bySite.set(key.split(' ')[1]!, (bySite.get(key.split(' ')[1]!) ?? 0) + v);
    expect(new Map(sites.map((s) => [s.symbol, s.count]))).toEqual(bySite);
    expect(tree.value).toBe([...expected.values()].reduce((a, b) => a + b, 0));
  });
});
