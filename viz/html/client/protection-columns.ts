// The protection-site table's columns, as plain data: the script draws them
// (protection.ts) and the page without script writes them as static HTML
// (../static.ts), so both show the same columns. The known fields of
// ProtectionSiteView get their own columns; fields this page does not know
// are still shown, as text.
import { basename, fmt, seconds, siteWhere } from './format.js';

export type Site = Record<string, unknown>;

/** A line of a cell: a block (div), or the cell's only, inline, text (span). */
export interface Line {
  readonly text: string;
  readonly cls: string;
  readonly title?: string;
  readonly badge?: string;
}
/** Plain text, or lines with a title over them all. */
export type Cell = string | { readonly lines: readonly Line[]; readonly title?: string; readonly inline?: boolean };

export const cellText = (x: unknown): string => {
  if (x === null || x === undefined) return '';
  if (typeof x === 'number') return fmt(x);
  if (typeof x === 'string') return x;
  if (typeof x === 'boolean') return x ? 'yes' : 'no';
  if (Array.isArray(x)) return x.map(cellText).join(', ');
  if (typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (typeof o['symbol'] === 'string') return `${siteWhere({ symbol: o['symbol'], offset: typeof o['offset'] === 'number' ? o['offset'] : null })}${typeof o['instruction'] === 'string' ? ` ${o['instruction']}` : ''}`;
    return Object.entries(o)
      .map(([k, y]) => `${k}: ${cellText(y)}`)
      .join(', ');
  }
  return String(x);
};

export const countsText = (r: unknown): string => {
  if (r === null || typeof r !== 'object') return cellText(r);
  const entries = Object.entries(r as Record<string, unknown>).filter(([, c]) => typeof c === 'number' && c > 0) as [string, number][];
  return entries
    .sort((a, b) => b[1] - a[1])
    .map(([k, c]) => `${k} ${fmt(c)}`)
    .join(', ');
};

const sumOf = (r: unknown): number =>
  r !== null && typeof r === 'object' ? Object.values(r as Record<string, unknown>).reduce<number>((s, c) => s + (typeof c === 'number' ? c : 0), 0) : typeof r === 'number' ? r : 0;

const span = (text: string, title: string): Cell => ({ lines: [{ text, cls: 'nowrap', title }], inline: true });

// Known columns, in reading order: [heading, numeric, how to show a site, the fields it shows].
const KNOWN: [string, boolean, (s: Site) => Cell, string[]][] = [
  [
    'protection site',
    false,
    (s) => {
      const where = typeof s['symbol'] === 'string' ? siteWhere({ symbol: s['symbol'], offset: typeof s['offset'] === 'number' ? s['offset'] : null }) : cellText(s['site']);
      const sub = [s['instruction'], s['source'] === null || s['source'] === undefined ? undefined : basename(String(s['source'])), typeof s['dso'] === 'string' ? basename(s['dso']) : undefined].filter(
        (x): x is string => typeof x === 'string' && x !== '',
      );
      const lines: Line[] = [{ text: where, cls: 'mono', ...(s['inferred'] === true ? { badge: 'inferred' } : {}) }];
      if (sub.length > 0) lines.push({ text: sub.join(' · '), cls: 'meta' });
      return { lines, title: cellText(s['site']) };
    },
    ['site', 'symbol', 'offset', 'address', 'instruction', 'source', 'dso', 'inferred'],
  ],
  ['sets', false, (s) => (typeof s['prot'] === 'string' ? s['prot'] : countsText(s['prots'])), ['prot', 'prots']],
  ['calls', true, (s) => fmt(sumOf(s['calls'])) + (typeof s['failed'] === 'number' && s['failed'] > 0 ? ` (${fmt(s['failed'])} failed)` : ''), ['calls', 'failed']],
  ['pages', true, (s) => cellText(s['pages']), ['pages']],
  ['faults', true, (s) => cellText(s['faults']), ['faults']],
  ['denied', true, (s) => cellText(s['denied']), ['denied']],
  ['retry cycles', true, (s) => cellText(s['cycles']), ['cycles']],
  [
    "fault to handler's call",
    false,
    (s) => {
      const h = s['handlerTime'] as { cycles?: unknown; total?: unknown; max?: unknown } | undefined;
      if (h === undefined || typeof h.cycles !== 'number' || typeof h.total !== 'number' || typeof h.max !== 'number' || h.cycles <= 0) return '';
      return span(`${seconds(h.total / h.cycles)} avg · ${seconds(h.max)} max`, `from the fault to the handler's protection call, over ${fmt(h.cycles)} retry cycles`);
    },
    ['handlerTime'],
  ],
  [
    'time in the calls',
    false,
    (s) => {
      const t = s['callTime'] as { calls?: unknown; total?: unknown; max?: unknown } | undefined;
      if (t === undefined || typeof t.calls !== 'number' || typeof t.total !== 'number' || typeof t.max !== 'number' || t.calls <= 0) return '';
      return span(`${seconds(t.total / t.calls)} avg · ${seconds(t.max)} max`, `inside the calls, from entry to exit, over ${fmt(t.calls)} timed calls`);
    },
    ['callTime'],
  ],
  ['fault classes', false, (s) => countsText(s['classes']), ['classes']],
  [
    'first fault after',
    false,
    (s) => {
      const since = s['sinceChange'] as { min?: unknown; max?: unknown } | undefined;
      return since !== undefined && typeof since.min === 'number' && typeof since.max === 'number' ? `${seconds(since.min)} – ${seconds(since.max)}` : '';
    },
    ['sinceChange'],
  ],
  [
    'TLB flushes',
    true,
    (s) => {
      const n = sumOf(s['tlbFlushes']);
      const causes = countsText(s['tlbFlushCauses']);
      if (n === 0 || causes === '') return n > 0 ? fmt(n) : '0';
      return span(fmt(n), `where they ran: ${causes}`);
    },
    ['tlbFlushes', 'tlbFlushCauses'],
  ],
  [
    'faulting instructions',
    false,
    (s) => {
      const list = Array.isArray(s['instructions']) ? (s['instructions'] as Site[]) : [];
      const lines: Line[] = list.slice(0, 4).map((ins) => {
        const handlers = countsText(ins['handlers']);
        return { text: `${cellText(ins['instruction'])} — ${cellText(ins['faults'])}`, cls: 'mono', ...(handlers !== '' ? { title: `handlers: ${handlers}` } : {}) };
      });
      if (list.length > 4) lines.push({ text: `… ${list.length - 4} more`, cls: 'meta' });
      return { lines };
    },
    ['instructions'],
  ],
  ['first call', false, (s) => (typeof s['firstTime'] === 'number' ? span(`${s['firstTime'].toFixed(6)} s`, '') : ''), ['firstTime', 'lastTime']],
];

export interface Column {
  readonly heading: string;
  readonly numeric: boolean;
  cell(s: Site): Cell;
}

/** The columns these sites fill: the known ones any site has a field of, then each unknown field. */
export function protectionColumns(sites: readonly Site[]): Column[] {
  const used = new Set(KNOWN.flatMap(([, , , keys]) => keys));
  const known = KNOWN.filter(([, , , keys]) => sites.some((s) => keys.some((k) => k in s))).map(([heading, numeric, cell]): Column => ({ heading, numeric, cell }));
  const extra: string[] = [];
  for (const s of sites) for (const k of Object.keys(s)) if (!used.has(k) && !extra.includes(k)) extra.push(k);
  return [...known, ...extra.map((k): Column => ({ heading: k, numeric: sites.every((s) => typeof s[k] === 'number' || s[k] === undefined), cell: (s) => cellText(s[k]) }))];
}

const REST_LABELS: Record<string, string> = {
  uncoveredFaults: 'faults on pages no recorded mmap/mprotect call set up',
  noAddressFaults: 'of them, faults with no data address',
  noAddressTracepoint: "of those, tracepoint faults printed without their payload, which carries it (keep trace in perf script's -F list)",
  unattributedFlushes: 'TLB flushes charged to no site',
  tlbFlushCauses: 'TLB flushes, by where they ran',
  unplaced: 'mappings whose address stayed unknown',
  unresolvedThreads: 'threads not tied to a process',
};

/** The protection section's fields besides its sites and notes, as (label, text) pairs. */
export const protectionRest = (section: Record<string, unknown>): [string, string][] =>
  Object.entries(section)
    .filter(([k]) => k !== 'sites' && k !== 'notes')
    .map(([k, x]) => [REST_LABELS[k] ?? k, typeof x === 'object' && x !== null && !Array.isArray(x) ? countsText(x) || '0' : cellText(x)]);
