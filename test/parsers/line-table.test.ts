// The line table's byte compare and its lookup that adds nothing: any length,
// any offsets, a difference at any byte.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HASHED_BYTES, LineTable, sameBytes, shortLength, viewOf } from '../../parsers/line-table.js';

describe('sameBytes', () => {
  it('is true for equal ranges and false when any one byte differs, at any length and offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(7), fc.nat(7), fc.nat(), fc.integer({ min: 1, max: 255 }), (bytes, a, b, at, flip) => {
        const n = bytes.length;
        const x = Buffer.alloc(a + n + 8, 0x55);
        const y = Buffer.alloc(b + n + 8, 0x55);
        x.set(bytes, a);
        y.set(bytes, b);
        expect(sameBytes(viewOf(x), a, viewOf(y), b, n)).toBe(true);
        if (n === 0) return;
        const k = at % n;
        const flipAt = (i: number): void => void (y[i] = y[i]! ^ flip);
        flipAt(b + k);
        expect(sameBytes(viewOf(x), a, viewOf(y), b, n)).toBe(false);
        // bytes outside the range do not count
        flipAt(b + k);
        flipAt(b + n);
        if (b > 0) flipAt(b - 1);
        expect(sameBytes(viewOf(x), a, viewOf(y), b, n)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('tells 0 from -0 and compares NaN bytes as bytes', () => {
    const zero = Buffer.alloc(8);
    const minusZero = Buffer.alloc(8);
    minusZero.writeDoubleLE(-0);
    const nan = Buffer.alloc(8);
    nan.writeDoubleLE(NaN);
    expect(sameBytes(viewOf(zero), 0, viewOf(minusZero), 0, 8)).toBe(false);
    expect(sameBytes(viewOf(nan), 0, viewOf(Buffer.from(nan)), 0, 8)).toBe(true);
  });
});

describe('shortLength', () => {
  it('is where the first newline among the 32 bytes is, at any offset, whatever bytes follow it', () => {
    // bytes near the newline's (0x09, 0x0b, 0x8a, 0x0a0a) are where a word-at-a-time test could err
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x0a, 0x09, 0x0b, 0x8a, 0x00, 0xff, 0x80, 0x01));
    fc.assert(
      fc.property(fc.array(byte, { minLength: HASHED_BYTES, maxLength: HASHED_BYTES + 8 }), fc.nat(7), (bytes, at) => {
        const b = Buffer.alloc(at + bytes.length);
        b.set(bytes, at);
        const first = bytes.slice(0, HASHED_BYTES).indexOf(0x0a);
        expect(shortLength(viewOf(b), at)).toBe(first);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('LineTable.intern without adding', () => {
  it('finds what was added and answers -1 for the rest, crowded prefixes too', () => {
    const t = new LineTable();
    // twelve lines sharing their first 32 bytes: past eight, the prefix is crowded
    const lines = Array.from({ length: 12 }, (_, i) => `\t    7f1611ef2ad7 a_long_symbol_name_here+0x${i} (/lib/x.so)`);
    const ids = lines.map((l) => {
      const b = Buffer.from(l);
      return t.intern(b, viewOf(b), 0, b.length);
    });
    expect(new Set(ids).size).toBe(12);
    lines.forEach((l, i) => {
      const b = Buffer.from(l);
      expect(t.intern(b, viewOf(b), 0, b.length, false)).toBe(ids[i]);
    });
    for (const l of ['short', `${lines[0]}x`, lines[0]!.replace('0x0', '0x99')]) {
      const b = Buffer.from(l);
      expect(t.intern(b, viewOf(b), 0, b.length, false)).toBe(-1);
    }
    expect(t.count).toBe(12);
  });
});
