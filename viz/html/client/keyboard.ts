// The keyboard, as speedscope and Firefox Profiler have it: the flame graph
// takes focus; arrow keys move the selection between drawn frames (towards the
// leaves is up in a flame, down in an icicle; left and right are siblings),
// Enter zooms to it. Esc (reset) and / (search) work anywhere on the page.
import type { Flame } from './flame.js';
import type { Box, State } from './view.js';

export interface KeyActions {
  /** Shows `box` as the selection (stroked, its details in the side panel). */
  select(box: Box): void;
  /** Zooms as a click on `box` would. */
  zoom(box: Box): void;
}

/** Where the arrow keys go from `from` among the drawn `boxes`, or null. */
export function step(boxes: readonly Box[], from: Box, key: 'leaf' | 'root' | 'prev' | 'next'): Box | null {
  const same = (b: Box): boolean => (from.node >= 0 ? b.node === from.node : b.merged[0] === from.merged[0]);
  const at = boxes.find(same) ?? from;
  if (key === 'root') return at.parent < 0 ? null : (boxes.find((b) => b.node === at.parent) ?? null);
  if (key === 'leaf') {
    if (at.node < 0) return null;
    const kids = boxes.filter((b) => b.parent === at.node && !b.ancestor && b !== at);
    return kids.sort((a, b) => a.x - b.x)[0] ?? null;
  }
  const row = boxes.filter((b) => b.parent === at.parent && b.y === at.y && !b.ancestor).sort((a, b) => a.x - b.x);
  const i = row.findIndex(same);
  return row[key === 'prev' ? i - 1 : i + 1] ?? null;
}

export function keyboard(canvas: HTMLCanvasElement, flame: Flame, state: State, act: KeyActions): void {
  canvas.tabIndex = 0;
  canvas.setAttribute('aria-keyshortcuts', 'ArrowUp ArrowDown ArrowLeft ArrowRight Enter Escape');
  canvas.addEventListener('keydown', (ev) => {
    const boxes = flame.boxes();
    const current = state.selected ?? boxes.find((b) => b.node === state.focus && !b.ancestor) ?? null;
    if (current === null) return;
    if (ev.key === 'Enter') {
      act.zoom(current);
      ev.preventDefault();
      return;
    }
    const up = state.dir === 'flame' ? 'leaf' : 'root';
    const down = state.dir === 'flame' ? 'root' : 'leaf';
    const where = ({ ArrowUp: up, ArrowDown: down, ArrowLeft: 'prev', ArrowRight: 'next' } as const)[ev.key as 'ArrowUp'];
    if (where === undefined) return;
    ev.preventDefault();
    // The first key selects the focused frame itself.
    const next = state.selected === null ? current : step(boxes, current, where);
    if (next !== null) act.select(next);
  });
}
