// A faulting instruction's function as `perf annotate` shows it: every
// instruction from the function's first, the faults per instruction with
// their share of the function's, the faulting instruction marked ▶ and the
// protection calls ◆ (a site of the report's protection section) or ◇ (a
// call of an mprotect wrapper no trace record named). The tooltip keeps the
// faulting line and two neighbours each side.
import { disassemblyKey, type FaultSite, type PageListing, type PageListings } from '../../../src/model.js';
import { el, text } from './dom.js';
import { basename, fmt, hex, pct } from './format.js';

export interface ListingView {
  readonly box: HTMLElement;
  /** The faulting instruction's row: the panel scrolls it into view. */
  readonly focus: HTMLElement | null;
}

export function listingOf(listings: PageListings | undefined, site: FaultSite, compact: boolean): ListingView | null {
  if (listings === undefined) return null;
  const address = site.address.replace(/^0x/, '');
  const fn = listings.functions[listings.at[disassemblyKey(site.dso, address)] ?? -1];
  return fn === undefined ? null : render(fn, address, compact);
}

/** The function holding a protection site's call, the call marked, or null when no listing has it. */
export function protectionListing(listings: PageListings | undefined, siteName: string): ListingView | null {
  for (const fn of listings?.functions ?? []) {
    const line = fn.lines.find((l) => l.protection === siteName);
    if (line !== undefined) return render(fn, line.address, false);
  }
  return null;
}

function render(fn: PageListing, address: string, compact: boolean): ListingView | null {
  if (fn.lines.length === 0) return null;
  const at = fn.lines.findIndex((l) => l.address === address);
  const lines = compact && at >= 0 ? fn.lines.slice(Math.max(0, at - 2), at + 3) : fn.lines;
  const box = el('div', 'disasm');
  if (!compact) {
    const head = el('div', 'fn');
    head.append(el('b', '', fn.symbol), text(` · ${basename(fn.dso)} · ${fn.count > 0 ? `${fmt(fn.count)} fault${fn.count === 1 ? '' : 's'} in the function` : 'no faults; it holds a protection call'}`));
    box.append(head);
    if (fn.before > 0) box.append(el('div', 'cut', `… ${fmt(fn.before)} instructions before`));
  }
  const width = Math.max(...fn.lines.map((l) => (l.count === undefined ? 0 : fmt(l.count).length)), 1);
  let lastSource: string | undefined;
  let focus: HTMLElement | null = null;
  for (const l of lines) {
    if (!compact && l.source !== undefined && l.source !== lastSource) {
      box.append(el('div', 'src', l.source));
      lastSource = l.source;
    }
    const mine = l.address === address;
    const row = el('div', mine && l.count !== undefined ? 'fault' : mine ? 'prot focus' : l.count !== undefined ? 'hit' : l.protection !== undefined || l.protectionCall === true ? 'prot' : '');
    const count = l.count === undefined ? ''.padStart(width) : fmt(l.count).padStart(width);
    const share = l.count === undefined ? ''.padStart(6) : pct(l.count, fn.count).padStart(6);
    row.append(el('span', 'count', `${count} ${share} `), el('span', 'addr', `${mine && l.count !== undefined ? '▶' : l.protection !== undefined ? '◆' : l.protectionCall === true ? '◇' : ' '} ${hex(l.address).padStart(8)}  `), text(l.text));
    if (l.protection !== undefined) {
      row.append(el('span', 'site', `  protection site ${l.protection}`));
      row.setAttribute('title', `Protection site ${l.protection}`);
    } else if (l.protectionCall === true) {
      row.setAttribute('title', 'A call of an mprotect wrapper (no traced call from here)');
    }
    if (l.count !== undefined) row.dataset['count'] = String(l.count);
    box.append(row);
    if (mine) focus = row;
  }
  if (!compact && fn.after > 0) box.append(el('div', 'cut', `… ${fmt(fn.after)} instructions after`));
  return { box, focus };
}

/** Scrolls the listing (not the page) so its faulting line sits in the middle. */
export function centre(view: ListingView): void {
  if (view.focus === null) return;
  // .disasm is positioned: a row's offsetTop is within it
  view.box.scrollTop = Math.max(0, view.focus.offsetTop - (view.box.clientHeight - view.focus.offsetHeight) / 2);
}

/** The panel under the flame graph: a function in full (the selected instruction's, a protection site's), or hidden. */
export function showListingPanel(view: ListingView | null): void {
  const panel = document.getElementById('listing-panel');
  const into = document.getElementById('listing');
  if (panel === null || into === null) return;
  panel.hidden = view === null;
  into.replaceChildren();
  if (view === null) return;
  into.append(view.box);
  centre(view);
}
