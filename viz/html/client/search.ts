// Regex search over frame names, as FlameGraph's: matches are painted magenta
// and "Matched:" is their share of the total, each path counted once.
import type { CallTree } from './calls.js';
import { byId } from './dom.js';
import { fmt, pct } from './format.js';

export interface Search {
  /** The pattern in force, or null. */
  regex(): RegExp | null;
  /** Searches for exactly `name`, and brings the graph into view. */
  find(name: string): void;
  /** Runs the search in the box now. */
  run(): void;
  /** Sets the search flags of a tree made since (the tree by protection site, made when first shown) for the search in force. */
  flag(t: CallTree): void;
}

/** Sets `t`'s search flags for `re`; returns the matched frames and the value under them, each path once. */
function mark(t: CallTree, re: RegExp | null): { frames: number; covered: number } {
  const { enc, strings, parentOf, depthOf, laidValue, hit, below, up } = t;
  const N = t.size;
  // Each distinct name is tested once.
  const stringHit = new Uint8Array(strings.length);
  if (re !== null) for (let s = 0; s < strings.length; s++) stringHit[s] = re.test(strings[s]!) ? 1 : 0;
  const under = new Uint8Array(N);
  let covered = 0;
  let frames = 0;
  for (let i = 0; i < N; i++) {
    const h = stringHit[enc.name[i]!]!;
    const p = parentOf[i]!;
    hit[i] = h;
    under[i] = h === 1 || (p >= 0 && under[p] === 1) ? 1 : 0;
    up[i] = h === 1 || (p > 0 && !(depthOf[p] === 1 && t.kindOf(p) === 'comm') && up[p] === 1) ? 1 : 0;
    if (h === 1) {
      frames++;
      if (!(p >= 0 && under[p] === 1)) covered += laidValue[i]!;
    }
  }
  // A match here or below, from this search only.
  below.fill(0);
  for (let i = N - 1; i >= 0; i--) {
    below[i] = below[i]! | hit[i]!;
    const p = parentOf[i]!;
    if (p >= 0 && below[i] === 1) below[p] = 1;
  }
  return { frames, covered };
}

/** Wires the search box to the call tree's flags (and those of `also`'s tree, the one by protection site once it is made); `changed` redraws. */
export function search(t: CallTree, changed: () => void, also: () => CallTree | null = () => null): Search {
  const input = byId<HTMLInputElement>('search');
  const ignoreCase = byId<HTMLInputElement>('search-case');
  const matched = byId('matched');
  const total = t.total;
  let searchRe: RegExp | null = null;
  const run = (): void => {
    const pattern = input.value;
    searchRe = null;
    input.classList.remove('invalid');
    if (pattern !== '') {
      try {
        searchRe = new RegExp(pattern, ignoreCase.checked ? 'i' : '');
      } catch {
        input.classList.add('invalid');
        matched.className = '';
        matched.textContent = 'invalid regular expression';
      }
    }
    const re = searchRe;
    // The share is the call tree's in every view (the same paths), each path counted once.
    const { frames, covered } = mark(t, re);
    const other = also();
    if (other !== null) mark(other, re);
    if (re !== null) {
      matched.className = frames > 0 ? 'hit' : '';
      matched.textContent = `Matched: ${pct(covered, total)} of all · ${fmt(frames)} frame${frames === 1 ? '' : 's'}`;
      matched.dataset['percent'] = ((100 * covered) / (total || 1)).toFixed(4);
    } else if (pattern === '') {
      matched.className = '';
      matched.textContent = '';
      delete matched.dataset['percent'];
    }
    changed();
  };
  let timer = 0;
  input.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, 120);
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      window.clearTimeout(timer);
      run();
    }
  });
  ignoreCase.addEventListener('change', run);
  return {
    regex: () => searchRe,
    run,
    flag: (tree) => void mark(tree, searchRe),
    find(name) {
      input.value = '^' + name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$';
      run();
      byId('flame-panel').scrollIntoView({ behavior: 'smooth', block: 'start' });
    },
  };
}
