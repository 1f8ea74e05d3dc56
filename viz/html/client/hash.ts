// The page's state in location.hash — tree, direction, zoom path and search —
// so a reload or a pasted link opens the same view:
//   report.html#tree=inverted&dir=icicle&zoom=%5B%22guard%22%2C%220x12eb…%22%5D&search=write_&case=i
// The zoom is the names from the root's child down to the zoomed frame.

export interface Saved {
  readonly tree: 'calls' | 'inverted' | 'sites';
  readonly dir: 'flame' | 'icicle';
  readonly zoom: readonly string[];
  readonly search: string;
  readonly ignoreCase: boolean;
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
  return out;
}

export function writeHash(s: Saved): void {
  const p = new URLSearchParams();
  if (s.tree !== 'calls') p.set('tree', s.tree);
  if (s.dir !== (s.tree === 'inverted' ? 'icicle' : 'flame')) p.set('dir', s.dir);
  if (s.zoom.length > 0) p.set('zoom', JSON.stringify(s.zoom));
  if (s.search !== '') p.set('search', s.search);
  if (s.ignoreCase) p.set('case', 'i');
  const hash = p.toString();
  if (hash === location.hash.replace(/^#/, '')) return;
  // replaceState: no history entry per click, no hashchange, no reload.
  history.replaceState(history.state, '', hash === '' ? location.pathname + location.search : `#${hash}`);
}
