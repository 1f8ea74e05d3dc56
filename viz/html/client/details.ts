// What a frame is: name, kind, shares, counts per event, and for a faulting
// instruction its site and the disassembly around it. The same text fills the
// tooltip (compact) and the side panel.
import type { Report } from '../../../src/model.js';
import { KIND_LABELS } from '../../colors.js';
import type { CallTree } from './calls.js';
import { el, kv, text } from './dom.js';
import { fmt, hex, pct, seconds, siteWhere } from './format.js';
import type { Links } from './links.js';
import { listingOf } from './listing.js';
import type { Box, State } from './view.js';

const kindLabel = (kind: string): string => KIND_LABELS.find((l) => l.kind === kind)?.label ?? kind;

export type Describe = (box: Box, into: HTMLElement, compact: boolean) => void;

/** `treeOf` is the tree the view shows (the call tree, or the one by protection site: the same total). */
export function describer(report: Omit<Report, 'tree'>, treeOf: () => CallTree, state: State, zoomTo: (node: number) => void, linked: Links): Describe {
  const total = treeOf().total;
  // the tree by protection site's top frames, by name
  const protection = new Map((report.protection?.sites ?? []).map((p) => [p.site, p]));
  const shareLine = (value: number, parentValue: number | undefined): HTMLElement => {
    const share = el('div', 'share');
    share.append(el('b', '', fmt(value)), text(` · ${pct(value, total)} of all${parentValue === undefined ? '' : ` · ${pct(value, parentValue)} of parent`}`));
    return share;
  };
  const describeMerged = (box: Box, into: HTMLElement, compact: boolean, parentValue: number | undefined): void => {
    const v = state.view;
    const value = box.merged.reduce((s, m) => s + v.value(m), 0);
    into.append(el('div', 'name', `${box.merged.length} narrow frames, merged`), shareLine(value, parentValue));
    if (!v.inverted) {
      const t = treeOf();
      let below = 0;
      for (const m of box.merged) {
        // Pre-order: a node's subtree is the run of nodes deeper than it that follows it.
        let j = m + 1;
        while (j < t.size && t.depthOf[j]! > t.depthOf[m]!) j++;
        below += j - m - 1;
      }
      if (below > 0) into.append(el('div', 'meta', `${fmt(below)} more frames below them`));
    }
    const list = el('div', 'merged-list');
    const shown = box.merged.slice(0, compact ? 5 : 40);
    for (const m of shown) {
      const label = `${v.name(m)} — ${fmt(v.value(m))} (${pct(v.value(m), total)})`;
      if (compact) {
        list.append(el('div', 'meta', label));
      } else {
        const b = el('button', '', label);
        b.setAttribute('title', v.name(m));
        b.addEventListener('click', () => zoomTo(m));
        list.append(b);
      }
    }
    if (box.merged.length > shown.length) list.append(el('div', 'meta', `… and ${box.merged.length - shown.length} more`));
    into.append(list);
    if (compact) into.append(el('div', 'hint', 'Click to list them; zoom in to draw them'));
  };
  return (box, into, compact) => {
    into.replaceChildren();
    const v = state.view;
    const parentValue = box.parent >= 0 ? v.value(box.parent) : undefined;
    if (box.node < 0) {
      describeMerged(box, into, compact, parentValue);
      return;
    }
    const n = v.node(box.node);
    into.append(el('div', n.kind === 'instruction' ? 'name mono' : 'name', n.name));
    const meta = [kindLabel(v.palette(box.node))];
    if (n.dso !== undefined && n.dso !== '') meta.push(n.dso);
    into.append(el('div', 'meta', meta.join(' · ')), shareLine(v.value(box.node), parentValue));
    const pairs: [string, string][] = Object.entries(n.byEvent)
      .sort((a, b) => b[1] - a[1])
      .map(([e, c]) => [e, fmt(c)]);
    if (n.self > 0 && v.kids(box.node).length > 0) pairs.push(['self (ends here)', fmt(n.self)]);
    if (pairs.length > 0) into.append(kv(pairs));
    const site = n.site;
    if (site !== undefined) {
      const sp: [string, string][] = [['at', `${siteWhere(site)} · ${hex(site.address)}`]];
      if (site.instruction !== undefined) sp.push(['instruction', site.instruction]);
      if (site.source !== undefined) sp.push(['source', site.source]);
      if (!site.resolved) sp.push(['unresolved', site.unresolvedReason ?? 'no listing']);
      into.append(kv(sp));
      const covers = linked.coversOf(site);
      if (covers.length > 0) {
        const list = el('div', 'covers');
        list.append(el('div', 'meta', 'Page protected by'));
        for (const c of compact ? covers.slice(0, 2) : covers) {
          const since = c.site.sinceChange;
          const line = el('div', 'cover');
          line.append(el('span', 'mono', siteWhere(c.site)), text(` set ${c.site.prot || '?'} · ${fmt(c.faults)} fault${c.faults === 1 ? '' : 's'}`));
          if (since !== undefined) line.append(text(` · changed ${seconds(since.min)}${since.max > since.min ? `–${seconds(since.max)}` : ''} before the faults`));
          list.append(line);
        }
        if (compact && covers.length > 2) list.append(el('div', 'meta', `… ${covers.length - 2} more`));
        into.append(list);
      }
      // The faulting line and its neighbours; the panel under the graph has the function.
      const listing = listingOf(report.disassembly, site, true);
      if (listing !== null) into.append(listing.box);
      if (listing !== null && !compact) into.append(el('div', 'hint', 'The whole function is under the graph'));
    }
    const p = n.kind === 'protection-site' ? protection.get(n.name) : undefined;
    if (p !== undefined) {
      // the change itself: what it set, how often, where it is in the source
      const calls = Object.entries(p.calls).filter(([, c]) => c > 0);
      const pp: [string, string][] = [
        ['sets', p.prot || '?'],
        ['calls', calls.map(([k, c]) => `${k} ${fmt(c)}`).join(', ') || '0'],
        ['pages', fmt(p.pages)],
      ];
      if (p.cycles > 0) pp.push(['retry cycles', fmt(p.cycles)]);
      if (p.sinceChange !== undefined) pp.push(['first fault after', `${seconds(p.sinceChange.min)} – ${seconds(p.sinceChange.max)}`]);
      if (p.source !== null) pp.push(['source', p.source]);
      into.append(kv(pp));
      if (!compact) into.append(el('div', 'hint', 'Its row in the protection sites is marked; its call is in the disassembly under the graph when a listing has it'));
    }
    if (compact) into.append(el('div', 'hint', box.node === state.focus ? 'Zoomed here' : 'Click to zoom'));
  };
}
