// Element helpers. Every string from the trace reaches the DOM through
// textContent or an attribute value, never through innerHTML.

export const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

export const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (className !== undefined && className !== '') e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
};

export const text = (s: string): Text => document.createTextNode(s);

/** A definition list of (key, value) pairs. */
export const kv = (pairs: [string, string][]): HTMLElement => {
  const dl = el('dl', 'kv');
  for (const [k, v] of pairs) dl.append(el('dt', '', k), el('dd', '', v));
  return dl;
};

export const table = (head: string[], numeric: boolean[], rows: (string | HTMLElement)[][], rowClass?: string): HTMLTableElement => {
  const t = el('table');
  const tr = el('tr');
  head.forEach((h, i) => tr.append(el('th', numeric[i] === true ? 'num' : '', h)));
  t.append(el('thead'), el('tbody'));
  t.tHead!.append(tr);
  for (const r of rows) {
    const row = el('tr', rowClass);
    r.forEach((c, i) => {
      const td = el('td', numeric[i] === true ? 'num' : '');
      if (typeof c === 'string') td.textContent = c;
      else td.append(c);
      row.append(td);
    });
    t.tBodies[0]!.append(row);
  }
  return t;
};
