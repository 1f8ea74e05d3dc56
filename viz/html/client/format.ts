// Number, share and name formatting for the page.
export { basename } from '../../../src/dso.js';

/** 1234567.891 → '1,234,567.891' (at most three decimals). */
export const fmt = (n: number): string => {
  const [int, frac] = String(n).split('.');
  const grouped = (int ?? '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac.slice(0, 3)}`;
};

/** `part` of `whole` as a percentage: one decimal from 10%, two significant digits below. */
export const pct = (part: number, whole: number): string => {
  if (!(whole > 0)) return '0%';
  const p = (100 * part) / whole;
  return `${p >= 10 || p === 0 ? p.toFixed(1) : p.toPrecision(2)}%`;
};

export const seconds = (s: number): string => (s >= 1 ? `${s.toFixed(2)} s` : s >= 1e-3 ? `${(s * 1e3).toFixed(1)} ms` : `${(s * 1e6).toFixed(0)} µs`);

export const hex = (s: string): string => (s.startsWith('0x') ? s : `0x${s}`);

/** `symbol+0xoffset`, `?` for a site with no symbol. */
export const siteWhere = (s: { symbol: string; offset: number | null }): string =>
  `${s.symbol === '' ? '?' : s.symbol}${s.offset !== null && s.offset >= 0 ? `+0x${s.offset.toString(16)}` : ''}`;
