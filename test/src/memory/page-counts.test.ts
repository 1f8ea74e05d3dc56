// PageCounts (a region bucket's faults per page once it has two) against a Map, on random
// page sequences: clustered ones that stay in its array, growing down as a
// stack does, scattered ones that move it to a Map, and pages past 2^52.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PAGE, PageCounts } from '../../../src/memory/page-counts.js';

const BASE = 0x7f1358c00000;

function counted(pages: readonly [number, number][]): [number, number][] {
  if (pages.length === 0) return [];
  const c = new PageCounts(...pages[0]!);
  for (const [p, n] of pages.slice(1)) c.add(p, n);
  const out: [number, number][] = [];
  c.forEach((p, n) => out.push([p, n]));
  return out.sort((a, b) => a[0] - b[0]);
}

function expected(pages: readonly [number, number][]): [number, number][] {
  const m = new Map<number, number>();
  for (const [p, n] of pages) m.set(p, (m.get(p) ?? 0) + n);
  return [...m].sort((a, b) => a[0] - b[0]);
}

const page = fc.oneof(
  fc.integer({ min: -300, max: 300 }).map((i) => BASE + i * PAGE),
  fc.integer({ min: 0, max: 2 ** 30 }).map((i) => i * PAGE),
  fc.constantFrom(0, 2 ** 52 - PAGE, 2 ** 52, 2 ** 53, 0xffffffff82260000),
);

describe('PageCounts', () => {
  it('counts as a Map does, whatever the pages', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(page, fc.integer({ min: 1, max: 5 })), { maxLength: 400 }), (pages) => {
        expect(counted(pages)).toEqual(expected(pages));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a dense run of pages, upward and downward', () => {
    const up = Array.from({ length: 5000 }, (_, i): [number, number] => [BASE + (i % 1200) * PAGE, 1]);
    expect(counted(up)).toEqual(expected(up));
    const down = Array.from({ length: 5000 }, (_, i): [number, number] => [BASE - (i % 1500) * PAGE, 2]);
    expect(counted(down)).toEqual(expected(down));
  });
});
