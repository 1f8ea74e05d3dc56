// The page's state in location.hash — tree, direction, zoom path, search and
// time window — so a reload or a pasted link opens the same view:
//   report.html#tree=inverted&dir=icicle&zoom=%5B%22guard%22%2C%220x12eb…%22%5D&search=write_&case=i&window=7537.6941-7537.6955
// The zoom is the names from the root's child down to the zoomed frame; the
// window is [from, to) in perf's clock, seconds (Firefox Profiler's `range`).

export interface Saved {
  readonly tree: 'calls' | 'inverted' | 'sites';
  readonly dir: 'flame' | 'icicle';
  readonly zoom: readonly string[];
  readonly search: string;
  readonly ignoreCase: boolean;
  readonly window: readonly [number, number] | null;
}

export function readHash(hash: string): Partial<Saved> {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const out: { -readonly [K in keyof Saved]?: Saved[K] } = {};
  const tree = p.get('tree');
  if (tree === 'calls' || tree === 'inverted' || tree === 'sites') out.tree = tree;
  const dir = p.get('dir');
  if (dir === 'flame' || dir === 'icicle') out.dir = dir;
  const zoom = p.get('zoom');
  if (zoom !== null) {
    try {
      const names: unknown = JSON.parse(zoom);
      if (Array.isArray(names) && names.every((n) => typeof n === 'string')) out.zoom = names as string[];
    } catch {
      // a hand-edited link: no zoom
    }
  }
  const search = p.get('search');
  if (search !== null) out.search = search;
  if (p.get('case') === 'i') out.ignoreCase = true;
  const w = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(p.get('window') ?? '');
  if (w !== null && Number(w[1]) < Number(w[2])) out.window = [Number(w[1]), Number(w[2])];
  return out;
}

export function writeHash(s: Saved): void {
  const p = new URLSearchParams();
  if (s.tree !== 'calls') p.set('tree', s.tree);
  if (s.dir !== (s.tree === 'inverted' ? 'icicle' : 'flame')) p.set('dir', s.dir);
  if (s.zoom.length > 0) p.set('zoom', JSON.stringify(s.zoom));
  if (s.search !== '') p.set('search', s.search);
  if (s.ignoreCase) p.set('case', 'i');
  // each end as JavaScript prints it: read back, the same number (the same cells in the window)
  if (s.window !== null) p.set('window', `${s.window[0]}-${s.window[1]}`);
  const hash = p.toString();
  if (hash === location.hash.replace(/^#/, '')) return;
  // replaceState: no history entry per click, no hashchange, no reload.
  history.replaceState(history.state, '', hash === '' ? location.pathname + location.search : `#${hash}`);
}
