// Box colours for the flame views, derived from a frame's kind and name only,
// so the same frame has the same colour in every SVG and HTML report, run
// after run (no Math.random: FlameGraph's default palette is random per run).
//
// Each kind owns a band of hues; a hash of the name picks the hue and the
// lightness inside the band, so neighbouring frames differ but a reader can
// still tell kernel from user from JIT code at a glance. The colours come out
// as #rrggbb because SVG 1.1 image viewers do not all read hsl().
// The HTML page's client imports this module too (bundled by esbuild).
import type { NodeKind } from '../src/model.js';

/** Fill for a frame of `kind` named `name`: `#rrggbb`, the same for the same inputs on every run. */
export function colorFor(kind: NodeKind | string, name: string): string {
  // [hue from, hue to, saturation %, lightness from %, lightness to %]
  const bands: Record<string, readonly [number, number, number, number, number]> = {
    user: [4, 46, 82, 58, 70], // FlameGraph's warm "hot" range
    function: [4, 46, 82, 58, 70],
    kernel: [222, 258, 46, 66, 78], // cool lavender: kernel code
    jit: [88, 132, 52, 50, 62], // green: JIT / anonymous executable memory
    instruction: [200, 214, 68, 30, 38], // deep blue: the faulting instruction
    'instruction-unresolved': [196, 210, 42, 66, 74], // pale blue: a faulting ip no listing resolved
    'protection-site': [168, 184, 58, 44, 54], // teal: the mprotect() that armed the page
    region: [286, 306, 40, 62, 72], // mauve: the memory region (--group-by region)
    inferred: [30, 40, 12, 74, 82], // pale grey-brown: frames faultpath inserted
    comm: [205, 215, 16, 70, 78], // slate: processes
    root: [210, 210, 12, 82, 82],
    unknown: [0, 0, 0, 72, 82],
    merged: [0, 0, 0, 86, 86], // the box that stands for many narrow frames
  };
  const band = bands[kind] ?? bands['unknown'] ?? [0, 0, 0, 75, 75];
  // FNV-1a, 32 bit.
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const v1 = (h & 0xffff) / 0xffff;
  const v2 = (h >>> 16) / 0xffff;
  const hue = band[0] + (band[1] - band[0]) * v1;
  const s = band[2] / 100;
  const l = (band[3] + (band[4] - band[3]) * v2) / 100;
  // HSL → RGB (CSS Color 4, "hsl-to-rgb").
  const f = (n: number): number => {
    const k = (n + hue / 30) % 12;
    const a = s * Math.min(l, 1 - l);
    return l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  const hex = (x: number): string => Math.round(x * 255).toString(16).padStart(2, '0');
  return '#' + hex(f(0)) + hex(f(8)) + hex(f(4));
}

/** The palette a node is drawn with: its kind, except that instruction leaves no listing resolved get the paler 'instruction-unresolved'. */
export function paletteKind(node: { readonly kind: string; readonly site?: { readonly resolved: boolean } }): string {
  return node.kind === 'instruction' && node.site !== undefined && !node.site.resolved ? 'instruction-unresolved' : node.kind;
}

/** Text colour that reads on `fill` (`#rrggbb`): near-black on light fills, white on dark ones. */
export function inkFor(fill: string): string {
  const r = parseInt(fill.slice(1, 3), 16) / 255;
  const g = parseInt(fill.slice(3, 5), 16) / 255;
  const b = parseInt(fill.slice(5, 7), 16) / 255;
  const lin = (c: number): number => (c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
  const luminance = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  // WCAG contrast ratios against white and against the dark ink (#1b1b1f, luminance 0.0110).
  return 1.05 / (luminance + 0.05) > (luminance + 0.05) / 0.061 ? '#ffffff' : '#1b1b1f';
}

/** Fill that marks search matches (FlameGraph's magenta). */
export const MATCH_COLOR = '#e02ee0';

/** Legend entries in reading order: the kind and how the report names it. */
export const KIND_LABELS: readonly { readonly kind: NodeKind | 'merged' | 'instruction-unresolved'; readonly label: string }[] = [
  { kind: 'user', label: 'user code' },
  { kind: 'kernel', label: 'kernel' },
  { kind: 'jit', label: 'JIT / anonymous' },
  { kind: 'instruction', label: 'faulting instruction' },
  { kind: 'instruction-unresolved', label: 'faulting ip, no listing' },
  { kind: 'protection-site', label: 'protection site' },
  { kind: 'region', label: 'memory region' },
  { kind: 'inferred', label: 'inferred frame' },
  { kind: 'comm', label: 'process' },
  { kind: 'unknown', label: 'unknown' },
  { kind: 'merged', label: 'narrow frames, merged' },
];

