import { describe, expect, test } from 'vitest';
import { colorFor, inkFor, KIND_LABELS } from '../../viz/colors.js';
import { guardReport, walk } from './fixtures.js';

const guard = await guardReport();

function hue(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  if (max === min) return 0;
  const d = max - min;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

describe('colorFor', () => {
  test('is the same colour for the same kind and name, every time', () => {
    const names = [...walk(guard.tree)].map((n) => [n.kind, n.name] as const);
    const first = names.map(([k, n]) => colorFor(k, n));
    expect(names.map(([k, n]) => colorFor(k, n))).toEqual(first);
    for (const c of first) expect(c).toMatch(/^#[0-9a-f]{6}$/);
  });

  test('tells names apart inside a kind', () => {
    const user = new Set(['main', 'write_field', 'write_header', '__libc_start_call_main', '_dl_start'].map((n) => colorFor('user', n)));
    expect(user.size).toBe(5);
  });

  test('keeps each kind in its own band of hues', () => {
    const names = [...walk(guard.tree)].map((n) => n.name);
    const bands = { user: [4, 46], kernel: [222, 258], jit: [88, 132], instruction: [200, 214], 'protection-site': [168, 184] } as const;
    for (const [kind, [lo, hi]] of Object.entries(bands)) {
      for (const name of names) {
        const h = hue(colorFor(kind, name));
        expect(h).toBeGreaterThanOrEqual(lo - 2);
        expect(h).toBeLessThanOrEqual(hi + 2);
      }
    }
  });

  test('gives every legend entry a colour and unknown kinds a grey', () => {
    for (const { kind } of KIND_LABELS) expect(colorFor(kind, '')).toMatch(/^#[0-9a-f]{6}$/);
    const grey = colorFor('no-such-kind', 'x');
    expect(grey.slice(1, 3)).toBe(grey.slice(3, 5));
  });
});

describe('inkFor', () => {
  test('writes dark text on light fills and white on the dark instruction blue', () => {
    expect(inkFor('#ffffff')).toBe('#1b1b1f');
    expect(inkFor(colorFor('user', 'main'))).toBe('#1b1b1f');
    expect(inkFor(colorFor('instruction', '0x12eb: mov %rsi,(%rdi) [guard.c:58]'))).toBe('#ffffff');
  });
});
