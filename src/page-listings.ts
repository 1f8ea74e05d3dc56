// The listings the HTML report shows beside a faulting instruction: its whole
// function from the first instruction, the faults per instruction and the
// protection calls marked — `faultpath annotate`'s view (src/annotate.ts), so
// the page and the command agree. Each function once; a long function is cut
// around its faults, and only the most-faulting functions are kept, so a
// capture with many faulting sites still makes a page of bounded size.
import { annotateReport } from './annotate.js';
import type { DisasmIndex } from './disasm-index.js';
import { ListingSet } from './listing-set.js';
import { disassemblyKey, type PageListing, type PageListingLine, type PageListings, type Report } from './model.js';

/** Functions kept, most faults first. */
export const MAX_FUNCTIONS = 200;
/** Lines per function; a longer one keeps the lines from a little before its first fault to past its last. */
export const MAX_LINES = 300;
/** Lines kept before a long function's first fault. */
const LEAD = 40;

const maxOf = (counts: Record<string, number>): number => Math.max(0, ...Object.values(counts));

export function pageListings(report: Report, listings: readonly DisasmIndex[]): PageListings {
  const functions: PageListing[] = [];
  const at: Record<string, number> = {};
  if (listings.length === 0) return { functions, at };
  const annotation = annotateReport(report, listings);
  for (const fn of annotation.functions.slice(0, MAX_FUNCTIONS)) {
    const all = fn.instructions;
    let from = 0;
    let to = all.length;
    if (all.length > MAX_LINES) {
      // from a little before the first fault (or protection call), on to the last one at least
      const marked = all.flatMap((i, j) => (i.count > 0 || i.protection !== undefined ? [j] : []));
      const first = marked[0] ?? 0;
      const last = marked[marked.length - 1] ?? 0;
      from = Math.max(0, Math.min(first - LEAD, all.length - MAX_LINES));
      to = Math.min(all.length, Math.max(from + MAX_LINES, last + LEAD));
    }
    let lastSource: string | undefined;
    const lines = all.slice(from, to).map((i): PageListingLine => {
      // a source line is written where it changes: the page shows it there
      const source = i.source !== undefined && i.source !== lastSource ? i.source : undefined;
      lastSource = i.source;
      return {
        address: i.address,
        text: i.text,
        ...(source !== undefined ? { source } : {}),
        ...(i.count > 0 ? { count: maxOf(i.counts) } : {}),
        ...(i.protection !== undefined ? { protection: i.protection.site } : {}),
        ...(i.protectionCall ? { protectionCall: true as const } : {}),
      };
    });
    functions.push({ dso: fn.dso, symbol: fn.symbol, address: fn.address, count: maxOf(fn.counts), before: from, after: all.length - to, lines });
  }
  // Each faulting instruction's function, through the listing its dso matches (as annotate finds it).
  const where = new Map<string, number>();
  annotation.functions.slice(0, MAX_FUNCTIONS).forEach((fn, i) => {
    for (const l of functions[i]!.lines) if (l.count !== undefined) where.set(`${fn.listing}\0${l.address}`, i);
  });
  const set = new ListingSet(listings);
  for (const s of report.sites) {
    if (!s.resolved) continue;
    const listing = set.forDso(s.dso);
    if (listing === undefined) continue;
    const i = where.get(`${listing.path}\0${s.address}`);
    if (i !== undefined) at[disassemblyKey(s.dso, s.address)] = i;
  }
  return { functions, at };
}
