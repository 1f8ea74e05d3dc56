// PageMap.get remembers the segment it found last: random sets, clears, undos
// (slice + clear + insert) and copies between gets must give what a linear
// scan of the segments gives.
import { describe, expect, it } from 'vitest';
import { clipped, PageMap, type Segment } from '../../../src/memory/page-map.js';

function scan<C>(m: PageMap<C>, addr: number): Segment<C> | undefined {
  return m.segs.find((s) => s.start <= addr && addr < s.end);
}

describe('PageMap.get', () => {
  it('answers as a scan of the segments after every change', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let m = new PageMap<number>();
    let gets = 0;
    for (let op = 0; op < 4000; op++) {
      const start = rand(64) * 4096;
      const end = start + (1 + rand(8)) * 4096;
      switch (rand(5)) {
        case 0:
          m.set(start, end, rand(8), op);
          break;
        case 1:
          m.clear(start, end);
          break;
        case 2: {
          // as an undo does: the range as it was, put back
          const prev = m.slice(start, end);
          m.set(start, end, 7, op);
          m.clear(start, end);
          m.insert(prev);
          break;
        }
        case 3:
          if (rand(10) === 0) m = m.copy();
          break;
        default:
          break;
      }
      // runs of gets in one range, then elsewhere
      for (let k = 0; k < 4; k++) {
        const addr = (k < 2 ? start : rand(72) * 4096) + rand(4096);
        expect(m.get(addr)).toBe(scan(m, addr));
        gets++;
      }
    }
    expect(gets).toBe(16000);
    // the map held segments, so the gets found some
    expect(m.segs.length).toBeGreaterThan(0);
  });
});

describe('PageMap.set', () => {
  it('leaves the segments clear and insert leave, over random maps and ranges, and returns those it took out', () => {
    let seed = 777;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed >>> 12) % n;
    };
    const m = new PageMap<number>();
    const ref = new PageMap<number>();
    let most = 0;
    for (let op = 0; op < 3000; op++) {
      const start = rand(48) * 4096;
      const end = start + (rand(10) === 0 ? 0 : 1 + rand(12)) * 4096;
      if (rand(6) === 0) {
        m.clear(start, end);
        ref.clear(start, end);
      } else {
        const prot = rand(8);
        const before = m.slice(start, end);
        const taken = m.set(start, end, prot, op);
        // what it took out, cut to the range (as an undo puts it back), is the range as it was
        expect(clipped(taken, start, end)).toEqual(end > start ? before : []);
        if (end > start) {
          ref.clear(start, end);
          ref.insert([{ start, end, prot, change: op }]);
        }
      }
      expect(m.segs).toEqual(ref.segs);
      most = Math.max(most, m.segs.length);
    }
    // ranges fell inside, across and beside many segments
    expect(most).toBeGreaterThan(10);
  });
});
