// The aggregator finds a record's path by a hash of its frame ids and compares
// frames on a hit. With the hash narrowed to 6 bits nearly every path shares
// its hash with others: each must still be counted apart, exactly.
import { describe, expect, it } from 'vitest';
import { FaultAggregator, pathCallers, type PathFrames } from '../../src/aggregate.js';
import type { Frame, TreeNode } from '../../src/model.js';

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

  it("sums a path's value by class in the order the classes came, one object from its first reading on", () => {
    const frames: Frame[] = Array.from({ length: 3 }, (_, i) => ({ addr: i.toString(16), symbol: `f${i}`, offset: 0, dso: '/x' }));
    const agg = new FaultAggregator();
    const add = (cls: 'write-to-read-only' | 'first-touch-write' | 'unknown', value: number, site = frames[0]!): number => agg.add('page-faults', 'a', site, [frames[1]!], value, '', undefined, cls);
    const one = add('first-touch-write', 2);
    add('first-touch-write', 0.25);
    const two = add('unknown', 1, frames[2]);
    add('write-to-read-only', 3);
    add('first-touch-write', 1);
    add('unknown', 4, frames[2]);
    const [p, q] = [agg.allPaths()[one]!, agg.allPaths()[two]!];
    expect(Object.entries(p.classes)).toEqual([['first-touch-write', 3.25], ['write-to-read-only', 3]]);
    expect(Object.entries(q.classes)).toEqual([['unknown', 5]]);
    // read, then counted on: the object read is the one counted in
    const read = q.classes;
    add('first-touch-write', 1, frames[2]);
    expect(q.classes).toBe(read);
    expect(Object.entries(read)).toEqual([['unknown', 5], ['first-touch-write', 1]]);
    expect([p.value, p.records, q.value, q.records]).toEqual([6.25, 4, 6, 3]);
  });

  it('counts a repeated stack in each of its groups, and apart in two aggregators that share its frames object', () => {
    const frames: Frame[] = Array.from({ length: 12 }, (_, i) => ({ addr: i.toString(16), symbol: `f${i}`, offset: 0, dso: '/x' }));
    // one object per stack, as the parser hands them out: the aggregators remember on it the paths it was counted in;
    // every other one shares a stack whose callers start past its first frames, as FaultFrames makes them
    const stacks: PathFrames[] = Array.from({ length: 30 }, (_, i) => {
      const callers = [frames[(i * 5) % 12]!, frames[(i * 7) % 12]!];
      return i % 2 === 0 ? { site: frames[i % 12]!, callers, inlined: [] } : { site: frames[i % 12]!, callers: [frames[i % 7]!, frames[i % 12]!, ...callers], callersFrom: 2, inlined: [] };
    });
    const a = new FaultAggregator(0x7);
    const b = new FaultAggregator();
    const expected = [new Map<string, number>(), new Map<string, number>()];
    let seed = 7;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    // up to 12 groups a stack (more than it keeps at hand), two events, two comms
    for (let r = 0; r < 30_000; r++) {
      const s = next(30);
      const group = `site ${next(next(2) === 0 ? 3 : 12)}`;
      const event = next(5) === 0 ? 'minor-faults' : 'page-faults';
      const comm = next(4) === 0 ? 'a' : 'b';
      const to = next(3) === 0 ? 1 : 0;
      const value = 1 + next(3);
      (to === 0 ? a : b).addPath(event, comm, stacks[s]!, value, group);
      const key = `${event} ${comm} ${group} ${[stacks[s]!.site, ...pathCallers(stacks[s]!)].map((f) => f.addr).join(' ')}`;
      expected[to]!.set(key, (expected[to]!.get(key) ?? 0) + value);
    }
    for (const [i, agg] of [a, b].entries()) {
      const got = new Map<string, number>();
      for (const p of agg.allPaths()) {
        const key = `${p.event} ${p.comm} ${p.group} ${[p.path.site, ...pathCallers(p.path)].map((f) => f.addr).join(' ')}`;
        expect(got.has(key)).toBe(false);
        got.set(key, p.value);
      }
      expect(got).toEqual(expected[i]);
    }
  });

  it("says whether a node's name may be mangled, so the warnings need not walk the tree", () => {
    const resolver = { anchor: () => undefined, resolve: (f: Frame) => ({ dso: f.dso, symbol: f.symbol, offset: f.offset, address: f.addr, resolved: false }) };
    const plain = new FaultAggregator();
    plain.add('page-faults', 'a', { addr: '1', symbol: 'main', offset: 1, dso: '/x' }, [{ addr: '2', symbol: '_start', offset: 2, dso: '/x' }], 1);
    expect(plain.finish(resolver as never).mangledNames).toBe(false);
    const mangled = new FaultAggregator();
    mangled.add('page-faults', 'a', { addr: '1', symbol: 'main', offset: 1, dso: '/x' }, [{ addr: '2', symbol: '_ZN3geo6Circle5stampEPc', offset: 2, dso: '/x' }], 1);
    expect(mangled.finish(resolver as never).mangledNames).toBe(true);
  });

  it('anchors each frame once in a resolver, however many times it is finished (another resolver anchors them all)', () => {
    const agg = new FaultAggregator();
    const frames: Frame[] = Array.from({ length: 5 }, (_, i) => ({ addr: i.toString(16), symbol: `f${i}`, offset: 0, dso: '/x' }));
    const f = (i: number): Frame => frames[i]!;
    agg.add('page-faults', 'a', f(1), [f(2), f(3)], 1);
    agg.add('minor-faults', 'a', f(4), [f(3)], 2);
    const resolverOf = (anchored: Frame[]) => ({
      anchor: (frame: Frame) => anchored.push(frame),
      resolve: (frame: Frame) => ({ dso: frame.dso, symbol: frame.symbol, offset: frame.offset, address: frame.addr, resolved: false }),
    });
    const once: Frame[] = [];
    const r = resolverOf(once);
    const all = agg.finish(r as never);
    const one = agg.finish(r as never, { events: new Set(['page-faults']) });
    expect(once.length).toBe(4);
    expect(one.tree.value).toBe(1);
    expect(all.tree.value).toBe(3);
    const other: Frame[] = [];
    agg.finish(resolverOf(other) as never);
    expect(other).toEqual(once);
  });

  it('inserts the frame lost between each caller and its callee, asking `inferred` once per pair (hundreds of pairs)', () => {
    const frames: Frame[] = Array.from({ length: 60 }, (_, i) => ({ addr: i.toString(16), symbol: `f${i}`, offset: 0, dso: '/x' }));
    const lost = new Map<number, Frame>();
    // a frame lost below some callers, depending on the callee too; several pairs lose the same frame
    const lostBetween = (caller: Frame, callee: Frame): Frame | undefined => {
      const a = Number.parseInt(caller.addr, 16);
      const b = Number.parseInt(callee.addr, 16);
      if ((a * 7 + b) % 3 !== 0) return undefined;
      const k = (a + b) % 9;
      if (!lost.has(k)) lost.set(k, { addr: '', symbol: `lost${k}`, offset: -1, dso: '/x', inferred: true });
      return lost.get(k);
    };
    const asked = new Map<string, number>();
    const inferred = (caller: Frame, callee: Frame): Frame | undefined => {
      const key = `${caller.addr} ${callee.addr}`;
      asked.set(key, (asked.get(key) ?? 0) + 1);
      return lostBetween(caller, callee);
    };
    const agg = new FaultAggregator();
    let seed = 99;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    // folded lines as the tree should have them: comm, callers outermost first (each followed by the frame lost below it), the site
    const expected = new Map<string, number>();
    for (let r = 0; r < 3000; r++) {
      const site = frames[next(60)]!;
      const callers = Array.from({ length: 1 + next(4) }, () => frames[next(60)]!);
      agg.add('page-faults', 'a', site, callers, 1);
      const below = [site, ...callers];
      const names: string[] = ['a'];
      for (let i = callers.length; i >= 1; i--) {
        names.push(below[i]!.symbol);
        const f = lostBetween(below[i]!, below[i - 1]!);
        if (f !== undefined) names.push(f.symbol);
      }
      names.push(site.symbol, `${site.symbol}+0x0`);
      const key = names.join(';');
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const resolver = { anchor: () => undefined, resolve: (f: Frame) => ({ dso: f.dso, symbol: f.symbol, offset: f.offset, address: f.addr, resolved: false }) };
    const { tree } = agg.finish(resolver as never, { inferred });
    expect(asked.size).toBeGreaterThan(300);
    expect([...asked.values()].every((n) => n === 1)).toBe(true);
    const got = new Map<string, number>();
    const walk = (n: TreeNode, path: string[]): void => {
      if (n.self > 0) got.set(path.join(';'), n.self);
      for (const c of n.children) walk(c, [...path, c.name.replace(/ \[inferred\]$/, '')]);
    };
    walk(tree, []);
    expect(got).toEqual(expected);
  });
});
