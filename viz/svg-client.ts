// The SVG's script: click to zoom, type to search, like FlameGraph's. Runs in the
// browser when the SVG is opened directly; bundled by esbuild
// (viz/html/client/build.mjs) into dist/client/svg.js, which renderSvg inlines.

svgClient(document);

export {};

function svgClient(doc: Document): void {
  const svg = doc.documentElement;
  const graphWidth = Number(svg.getAttribute('data-width'));
  const match = svg.getAttribute('data-match') ?? '#e02ee0';
  const frames = Array.from(doc.querySelectorAll<SVGGElement>('g.f'));
  const details = doc.getElementById('details')!;
  const matched = doc.getElementById('matched')!;
  const unzoom = doc.getElementById('unzoom')!;
  const search = doc.getElementById('search')!;
  const num = (g: Element, a: string): number => Number(g.getAttribute(a));
  const nameOf = (g: Element): string => (g.querySelector('title')?.textContent ?? '').split('\n')[0] ?? '';
  const fit = (g: Element, w: number): void => {
    const text = g.querySelector('text');
    if (text === null) return;
    const name = g.getAttribute('data-l') ?? nameOf(g);
    const n = Math.floor((w - 6) / (12 * 0.59));
    text.textContent = n < 3 ? '' : name.length <= n ? name : name.slice(0, n - 2) + '..';
  };
  const place = (g: Element, x: number, w: number): void => {
    const rect = g.querySelector('rect')!;
    rect.setAttribute('x', x.toFixed(2));
    rect.setAttribute('width', w.toFixed(2));
    g.querySelector('text')?.setAttribute('x', (x + 3).toFixed(2));
    fit(g, w);
  };
  const zoom = (target: Element): void => {
    const zx = num(target, 'data-x');
    const zw = num(target, 'data-w');
    const zd = num(target, 'data-d');
    const k = graphWidth / zw;
    for (const g of frames) {
      const x = num(g, 'data-x');
      const w = num(g, 'data-w');
      const d = num(g, 'data-d');
      const inside = x >= zx - 0.005 && x + w <= zx + zw + 0.005;
      const around = x <= zx + 0.005 && x + w >= zx + zw - 0.005;
      if (d < zd && around) {
        g.classList.remove('hide');
        g.setAttribute('opacity', '0.6');
        place(g, 0, graphWidth);
      } else if (d >= zd && inside) {
        g.classList.remove('hide');
        g.removeAttribute('opacity');
        place(g, (x - zx) * k, w * k);
      } else {
        g.classList.add('hide');
      }
    }
    unzoom.classList.remove('hide');
  };
  const reset = (): void => {
    for (const g of frames) {
      g.classList.remove('hide');
      g.removeAttribute('opacity');
      place(g, num(g, 'data-x'), num(g, 'data-w'));
    }
    unzoom.classList.add('hide');
  };
  // Every node, drawn or not (renderSvg's searchData): pre-order triples (up, name, value).
  let tree: { names: string[]; parent: Int32Array; name: Int32Array; value: Float64Array; next: Int32Array } | null = null;
  const treeData = (): NonNullable<typeof tree> => {
    if (tree !== null) return tree;
    const raw = JSON.parse(doc.getElementById('tree')?.textContent ?? '{"s":[],"t":[]}') as { s: string[]; t: number[] };
    const n = raw.t.length / 3;
    const parent = new Int32Array(n);
    const name = new Int32Array(n);
    const value = new Float64Array(n);
    // next sibling: the node after this one's subtree, when it has the same parent
    const end = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const up = raw.t[3 * i]!;
      parent[i] = up === 0 ? -1 : i - up;
      name[i] = raw.t[3 * i + 1]!;
      value[i] = raw.t[3 * i + 2]!;
      end[i] = i + 1;
    }
    for (let i = n - 1; i > 0; i--) end[parent[i]!] = Math.max(end[parent[i]!]!, end[i]!);
    const next = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) if (end[i]! < n && parent[end[i]!] === parent[i]) next[i] = end[i]!;
    tree = { names: raw.s, parent, name, value, next };
    return tree;
  };
  const total = Number(svg.getAttribute('data-total')) || 1;
  const find = (pattern: string): void => {
    let re: RegExp;
    try {
      re = new RegExp(pattern);
    } catch {
      matched.textContent = 'invalid regular expression';
      return;
    }
    const t = treeData();
    const hitName = t.names.map((s) => pattern !== '' && re.test(s));
    const n = t.name.length;
    const hit = new Uint8Array(n);
    // A match counts its value once: not again under a matching ancestor (nested matches).
    const under = new Uint8Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      hit[i] = hitName[t.name[i]!] ? 1 : 0;
      const p = t.parent[i]!;
      const covered = p >= 0 && under[p] === 1;
      under[i] = covered || hit[i] === 1 ? 1 : 0;
      if (hit[i] === 1 && !covered) sum += t.value[i]!;
    }
    for (const g of frames) {
      const rect = g.querySelector('rect')!;
      const original = rect.getAttribute('data-fill') ?? rect.getAttribute('fill') ?? '';
      rect.setAttribute('data-fill', original);
      // a box of merged narrow frames lights up when any of them matches
      let any = false;
      for (let i = num(g, 'data-n'), m = Math.max(1, num(g, 'data-m')); m > 0 && i >= 0 && !any; m--, i = t.next[i]!) any = hit[i] === 1;
      rect.setAttribute('fill', any ? match : original);
    }
    matched.textContent = pattern === '' ? ' ' : `Matched: ${((100 * sum) / total).toFixed(1)}%`;
    search.textContent = pattern === '' ? 'Search' : 'Reset Search';
  };
  for (const g of frames) {
    g.addEventListener('click', () => zoom(g));
    g.addEventListener('mouseover', () => {
      details.textContent = (g.querySelector('title')?.textContent ?? '').split('\n').slice(0, 2).join(' — ');
    });
    g.addEventListener('mouseout', () => {
      details.textContent = ' ';
    });
  }
  unzoom.addEventListener('click', reset);
  // Search without prompt(): Search, `/` or Ctrl+F starts typing a pattern into the
  // search label; each key searches, Enter keeps it, Esc clears it.
  let typing: string | null = null;
  const show = (): void => {
    if (typing !== null) search.textContent = `Search: ${typing}\u258f`;
  };
  const start = (): void => {
    typing = '';
    find('');
    show();
  };
  search.addEventListener('click', () => {
    if (search.textContent === 'Reset Search') find('');
    else start();
  });
  doc.addEventListener('keydown', (e) => {
    if (typing === null) {
      if (((e.ctrlKey || e.metaKey) && e.key === 'f') || e.key === '/') {
        e.preventDefault();
        start();
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    if (e.key === 'Escape') {
      typing = null;
      find('');
      return;
    }
    if (e.key === 'Enter') {
      const pattern = typing;
      typing = null;
      find(pattern);
      return;
    }
    if (e.key === 'Backspace') typing = typing.slice(0, -1);
    else if (e.key.length === 1) typing += e.key;
    else return;
    const pattern = typing;
    find(pattern);
    show();
  });
}
