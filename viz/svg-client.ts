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
  const find = (pattern: string): void => {
    let re: RegExp;
    try {
      re = new RegExp(pattern);
    } catch {
      matched.textContent = 'invalid regular expression';
      return;
    }
    const spans: [number, number][] = [];
    for (const g of frames) {
      const rect = g.querySelector('rect')!;
      const original = rect.getAttribute('data-fill') ?? rect.getAttribute('fill') ?? '';
      rect.setAttribute('data-fill', original);
      const hit = pattern !== '' && re.test(nameOf(g));
      rect.setAttribute('fill', hit ? match : original);
      if (hit) spans.push([num(g, 'data-x'), num(g, 'data-x') + num(g, 'data-w')]);
    }
    // Nested matches count once: merge overlapping spans.
    spans.sort((a, b) => a[0] - b[0]);
    let covered = 0;
    let end = -Infinity;
    for (const [a, b] of spans) {
      if (a >= end) {
        covered += b - a;
        end = b;
      } else if (b > end) {
        covered += b - end;
        end = b;
      }
    }
    matched.textContent = pattern === '' ? ' ' : `Matched: ${((100 * covered) / graphWidth).toFixed(1)}%`;
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
