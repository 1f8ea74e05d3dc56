// The HTML report's script, bundled by esbuild into the page (see build.mjs):
// reads the page's data block and draws the report into the skeleton that
// ../page.ts and ../index.ts write. Zoom, breadcrumb, tooltip and view
// switches live here; each panel has its module.
import type { FaultSite, ProtectionSiteView, RegionView } from '../../../src/model.js';
import { unpackPageLazily, type PageData } from '../pack.js';
import { callTree, type CallTree } from './calls.js';
import { showClasses } from './classes.js';
import { describer } from './details.js';
import { byId, el } from './dom.js';
import { wireFindings } from './findings.js';
import { flameGraph } from './flame.js';
import { readHash, writeHash } from './hash.js';
import { invertedTree, type Inverted } from './inverted.js';
import { keyboard } from './keyboard.js';
import { listingOf, protectionListing, showListingPanel } from './listing.js';
import { commonAncestor, links } from './links.js';
import { showInputs, showLegend, showSummary } from './panels.js';
import { markRow, showProtection } from './protection.js';
import { showRegions } from './regions.js';
import { showSites } from './sites.js';
import { regionGroup } from './strip.js';
import { search as searchBox } from './search.js';
import { filterBar } from './filters.js';
import { MIN_PX, ROW, type Box, type State, type View } from './view.js';

const started = performance.now();
// The page's parts that only the script can draw show from here on (styles.ts: .needs-js).
document.documentElement.classList.add('js');
const data = unpackPageLazily(JSON.parse(byId('faultpath-data').textContent ?? '{}') as PageData);
const report = data.report;
const calls = callTree(data.tree);
// the tree the flame draws: `calls`, or `calls` cut to the page's filter (filters.ts)
let current = calls;
// The faults by the protection change that covered their page (Report.siteTree), when the report has them:
// made when first needed (its view, a protection row, a filter recounting the protection table), not at load
const makeSites = data.sites;
let made: CallTree | undefined;
const bySite =
  makeSites === undefined
    ? null
    : (): CallTree => {
        if (made === undefined) {
          made = callTree(makeSites());
          find.flag(made);
        }
        return made;
      };
// the tree by site cut to the page's filter, as `current` is (the same node numbers); null until asked for
let currentSites: CallTree | null = null;
const sitesNow = (): CallTree | null => (currentSites ??= filters.sites());
type TreeKind = 'calls' | 'inverted' | 'sites';
const state: State = { view: calls.view, dir: 'flame', focus: 0, selected: null, hover: null };

const scroller = byId('scroller');
const canvas = byId<HTMLCanvasElement>('flame');
const flame = flameGraph(canvas, scroller, state);
let inverted: Inverted | null = null;
const useView = (leafFirst: boolean): View => (leafFirst ? (inverted ??= invertedTree(current, flame.width(), MIN_PX, () => find.regex())) : current.view);

// ------------------------------------------------------------ breadcrumb, zoom, selection
// The graph's panel keeps one height while zooming: the rows the whole tree draws, within limits.
const fitPanel = (): void => {
  byId('flame-wrap').style.height = `${Math.round(Math.min(Math.max(flame.rows() * ROW + 4, 220), window.innerHeight * 0.62))}px`;
};
const crumbs = byId('breadcrumb');
const details = byId('details');
const renderCrumbs = (): void => {
  crumbs.replaceChildren();
  const v = state.view;
  const chain: number[] = [];
  for (let a = state.focus; a >= 0; a = v.parent(a)) chain.unshift(a);
  crumbs.append(el('span', 'muted', v.inverted ? 'Zoom (inverted):' : 'Zoom:'));
  chain.forEach((n, i) => {
    if (i > 0) crumbs.append(el('span', 'muted', '›'));
    const b = el('button', '', v.name(n));
    b.setAttribute('title', v.name(n));
    if (n === state.focus) b.setAttribute('aria-current', 'true');
    b.addEventListener('click', () => zoomTo(n, null));
    crumbs.append(b);
  });
};
// A protection site's listing stays up through the zoom its row asks for.
let keepListing = false;
const showDetails = (): void => {
  if (state.selected === null) {
    details.replaceChildren(el('div', 'empty', 'Hover a frame for its counts; click it to zoom in and keep its details here. Instruction frames show the disassembly around the faulting instruction.'));
  } else {
    describe(state.selected, details, false);
  }
  const n = state.selected?.node ?? -1;
  const node = n >= 0 ? state.view.node(n) : undefined;
  const site = node?.site;
  if (node?.kind === 'protection-site') {
    // a protection site's frame (the view by protection site): its call, and its row marked
    markRow(node.name);
    showListingPanel(protectionListing(report.disassembly, node.name));
  } else if (site !== undefined || !keepListing) {
    showListingPanel(site === undefined ? null : listingOf(report.disassembly, site, false));
  }
  keepListing = false;
};
const render = (): void => {
  flame.draw();
  renderCrumbs();
  showDetails();
  scroller.scrollTop = state.dir === 'flame' ? scroller.scrollHeight : 0;
  saveHash();
};
// Before zooming into an inverted node: make what its new width shows (node numbers change).
const prepareZoom = (n: number): number => (inverted !== null && state.view === inverted ? inverted.prepareZoom(n, flame.width()) : n);
const selectionFor = (n: number): Box => ({ x: 0, y: 0, w: 0, node: n, merged: [], parent: state.view.parent(n), ancestor: false });
// The zoom as the names from the root's child down to the zoomed frame (what the link keeps).
const zoomPath = (): string[] => {
  const names: string[] = [];
  for (let a = state.focus; a > 0; a = state.view.parent(a)) names.unshift(state.view.name(a));
  return names;
};
// Down `names` from the root of the view; a name the tree no longer has, or has without faults, ends the walk.
const zoomByNames = (names: readonly string[]): number => {
  let n = 0;
  for (const name of names) {
    n = prepareZoom(n);
    const next = Array.from(state.view.kids(n)).find((k) => state.view.name(k) === name && state.view.value(k) > 0);
    if (next === undefined) break;
    n = next;
  }
  return prepareZoom(n);
};
function zoomTo(target: number, box: Box | null): void {
  const n = prepareZoom(target);
  state.focus = n;
  state.selected = box !== null && n === target ? box : selectionFor(n);
  render();
}
const linked = links(report, calls);
const treeKind = (): TreeKind => (state.view.inverted ? 'inverted' : currentSites !== null && state.view === currentSites.view ? 'sites' : 'calls');
const describe = describer(report, () => (treeKind() === 'sites' ? currentSites! : calls), state, (n) => zoomTo(n, null), linked);

// ------------------------------------------------------------ tooltip
const tooltip = byId('tooltip');
const placeTooltip = (ev: MouseEvent): void => {
  const pad = 14;
  const w = tooltip.offsetWidth;
  const h = tooltip.offsetHeight;
  let x = ev.clientX + pad;
  let y = ev.clientY + pad;
  if (x + w > window.innerWidth - 4) x = Math.max(4, ev.clientX - pad - w);
  if (y + h > window.innerHeight - 4) y = Math.max(4, ev.clientY - pad - h);
  tooltip.style.left = `${x}px`;
  tooltip.style.top = `${y}px`;
};
canvas.addEventListener('mousemove', (ev) => {
  const b = flame.boxAt(ev);
  if (b === null) {
    tooltip.hidden = true;
    state.hover = null;
    return;
  }
  if (b !== state.hover) {
    state.hover = b;
    describe(b, tooltip, true);
  }
  tooltip.hidden = false;
  placeTooltip(ev);
});
canvas.addEventListener('mouseleave', () => {
  tooltip.hidden = true;
  state.hover = null;
});
// A click, or Enter on the selection.
const zoomBox = (b: Box): void => {
  if (b.node >= 0) {
    zoomTo(b.node, b);
  } else if (b.parent >= 0) {
    // A merged box: zoom to its parent (they widen) and list them in the details.
    const parent = prepareZoom(b.parent);
    state.focus = parent;
    state.selected = parent === b.parent ? b : null;
    render();
  }
};
canvas.addEventListener('click', (ev) => {
  const b = flame.boxAt(ev);
  if (b === null) return;
  zoomBox(b);
  tooltip.hidden = true;
  state.hover = null;
});
keyboard(canvas, flame, state, {
  select(b) {
    state.selected = b;
    flame.draw();
    showDetails();
    // in a graph taller than its panel, the panel scrolls to keep the selection in sight
    const at = flame.boxes().find((x) => (b.node >= 0 ? x.node === b.node : x.merged[0] === b.merged[0]));
    if (at === undefined) return;
    if (at.y < scroller.scrollTop) scroller.scrollTop = at.y;
    else if (at.y + ROW > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = at.y + ROW - scroller.clientHeight;
  },
  zoom: zoomBox,
});

// ------------------------------------------------------------ search
const find = searchBox(
  calls,
  () => {
    inverted?.reflag();
    flame.draw();
    saveHash();
  },
  () => made ?? null,
);

// ------------------------------------------------------------ the state in location.hash
let restoring = true;
const searchInput = byId<HTMLInputElement>('search');
const ignoreCase = byId<HTMLInputElement>('search-case');
function saveHash(): void {
  if (restoring) return;
  writeHash({ tree: treeKind(), dir: state.dir, zoom: zoomPath(), search: searchInput.value, ignoreCase: ignoreCase.checked, window: filters.window() });
}

// ------------------------------------------------------------ view switches
const pressed = (selector: string, value: string, attr: string): void => {
  for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>(selector))) b.setAttribute('aria-pressed', String(b.dataset[attr] === value));
};
const showTree = (kind: TreeKind): void => {
  const leafFirst = kind === 'inverted';
  const sites = kind === 'sites' ? sitesNow() : null;
  state.view = sites !== null ? sites.view : useView(leafFirst);
  state.dir = leafFirst ? 'icicle' : 'flame';
  state.focus = 0;
  state.selected = null;
  pressed('button[data-tree]', treeKind(), 'tree');
  pressed('button[data-dir]', state.dir, 'dir');
  inverted?.reflag();
  render();
};
for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-tree]'))) {
  b.addEventListener('click', () => {
    const kind = (b.dataset['tree'] ?? 'calls') as TreeKind;
    if (kind !== treeKind()) showTree(kind);
  });
  if (b.dataset['tree'] === 'sites') b.hidden = bySite === null;
}
for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-dir]'))) {
  b.addEventListener('click', () => {
    state.dir = b.dataset['dir'] === 'icicle' ? 'icicle' : 'flame';
    pressed('button[data-dir]', state.dir, 'dir');
    render();
  });
}
const reset = (): void => {
  state.focus = 0;
  state.selected = null;
  render();
};
byId('reset').addEventListener('click', reset);
document.addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape') reset();
  if (ev.key === '/' && document.activeElement !== byId('search')) {
    ev.preventDefault();
    byId('search').focus();
  }
});
let resizeTimer = 0;
window.addEventListener('resize', () => {
  window.clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(flame.draw, 100);
});

// ------------------------------------------------------------ panels
const escapeRe = (name: string): string => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// A row of the top-instructions table zooms to its instruction's heaviest frame
// (its details hold the disassembly) and marks every frame of it.
const showSite = (s: FaultSite): void => {
  if (treeKind() !== 'calls') showTree('calls');
  let best = -1;
  for (const key in calls.enc.sites) {
    const site = calls.enc.sites[key]!;
    const n = Number(key);
    if (site.address === s.address && site.dso === s.dso && (best < 0 || calls.laidValue[n]! > calls.laidValue[best]!)) best = n;
  }
  if (best < 0) return;
  find.find(calls.view.name(best));
  zoomTo(best, null);
  byId('flame-panel').scrollIntoView({ block: 'nearest' });
};
// A protection-site row marks the frames of the instructions that faulted on
// pages it covered, and zooms to the frame above them all.
const showCover = (site: ProtectionSiteView): void => {
  const row = markRow(site.site);
  if (!(site.faults > 0)) {
    // A call whose pages took no fault (a handler's, a mapping's): its row, and its call in the
    // disassembly when the page has it; the graph, zoom and search stay as the reader left them.
    const listing = protectionListing(report.disassembly, site.site);
    if (listing !== null) showListingPanel(listing);
    row?.scrollIntoView({ behavior: 'smooth', block: 'center' });
    return;
  }
  // By protection site, the site's own node holds exactly its faults: zooming there filters the graph.
  const whole = bySite?.() ?? null;
  const own = whole === null ? undefined : Array.from(whole.view.kids(0)).find((k) => whole.view.name(k) === site.site);
  if (treeKind() !== (own !== undefined ? 'sites' : 'calls')) showTree(own !== undefined ? 'sites' : 'calls');
  const nodes = linked.nodesOf(site);
  const names = [...new Set(nodes.map((n) => calls.view.name(n)))];
  searchInput.value = names.length === 0 ? '' : `^(${names.map(escapeRe).join('|')})$`;
  ignoreCase.checked = false;
  find.run();
  const top = own ?? commonAncestor(calls, nodes);
  state.focus = top;
  state.selected = top > 0 ? selectionFor(top) : null;
  const listing = protectionListing(report.disassembly, site.site);
  keepListing = listing !== null;
  render();
  if (listing !== null) showListingPanel(listing);
  byId('flame-panel').scrollIntoView({ behavior: 'smooth', block: 'start' });
};
showSummary(report, calls.total);
showLegend(calls, data.siteKinds);
showSites(report, calls, showSite);
showClasses(report);
showProtection(report, showCover);
// The time window, thread and region picks cut the flame graph and the tables (filters.ts).
const filters = filterBar(report, calls, {
  cut(tree) {
    // the view stays (by call path, inverted or by protection site), cut; so does the zoom, up to the
    // deepest frame of it the cut leaves faults under (by names: the inverted tree is made anew)
    const kind = treeKind();
    const path = zoomPath();
    current = tree;
    currentSites = null;
    inverted = null;
    const sites = kind === 'sites' ? sitesNow() : null;
    state.view = sites !== null ? sites.view : useView(kind === 'inverted');
    state.focus = zoomByNames(path);
    state.selected = state.focus > 0 ? selectionFor(state.focus) : null;
    pressed('button[data-tree]', treeKind(), 'tree');
    render();
  },
  sites(sites) {
    // the table again with the cut's counts; the headline stays the whole report's
    const headline = byId('headline');
    const keep = Array.from(headline.childNodes);
    byId('sites').replaceChildren();
    showSites({ ...report, sites }, current, showSite);
    headline.replaceChildren(...keep);
  },
  regions(regions) {
    byId('regions').replaceChildren();
    showRegions({ ...report, regions }, pickRegion);
  },
  protection(sites) {
    byId('protection').replaceChildren();
    showProtection(sites === null ? report : { ...report, protection: { ...report.protection!, sites } }, showCover);
  },
}, bySite, data.siteLeafCells ?? null);
function pickRegion(x: RegionView): boolean {
  // A --group-by region tree has the region at the root: zooming there shows only its faults.
  const name = regionGroup(x);
  const kid = Array.from(calls.view.kids(0)).find((k) => calls.view.name(k) === name);
  if (kid === undefined) return filters.region(name);
  if (treeKind() !== 'calls') showTree('calls');
  zoomTo(kid, null);
  byId('flame-panel').scrollIntoView({ block: 'nearest' });
  return true;
}
showRegions(report, pickRegion);
showInputs(report);
wireFindings(report, showCover, showSite);

// ------------------------------------------------------------ a read-only view for tests and the curious
(window as unknown as { faultpath: unknown }).faultpath = {
  /** The boxes drawn now, in canvas CSS pixels. */
  boxes: () =>
    flame.boxes().map((b) => ({
      name: b.node < 0 ? `${b.merged.length} frames` : state.view.name(b.node),
      kind: b.node < 0 ? 'merged' : state.view.node(b.node).kind,
      x: b.x,
      y: b.y,
      w: b.w,
      h: ROW - 1,
      merged: b.merged.length,
      ancestor: b.ancestor,
    })),
  /** Whether the tree by protection site has been made (it waits until something needs it). */
  sitesMade: () => made !== undefined,
};

// ------------------------------------------------------------ first paint
pressed('button[data-tree]', 'calls', 'tree');
pressed('button[data-dir]', state.dir, 'dir');
const saved = readHash(location.hash);
// the window first: the tree and zoom below are then found in the cut trees
if (saved.window !== undefined && saved.window !== null) filters.setWindow([saved.window[0], saved.window[1]]);
if (saved.tree === 'inverted' || (saved.tree === 'sites' && bySite !== null)) showTree(saved.tree);
if (saved.dir !== undefined) {
  state.dir = saved.dir;
  pressed('button[data-dir]', state.dir, 'dir');
}
if (saved.zoom !== undefined) {
  state.focus = zoomByNames(saved.zoom);
  state.selected = state.focus > 0 ? selectionFor(state.focus) : null;
}
if (saved.search !== undefined || saved.ignoreCase === true) {
  searchInput.value = saved.search ?? '';
  ignoreCase.checked = saved.ignoreCase === true;
  find.run();
}
restoring = false;
fitPanel();
render();
document.body.dataset['readyMs'] = (performance.now() - started).toFixed(1);
document.body.dataset['readyAt'] = performance.now().toFixed(1);
document.body.dataset['ready'] = '1';
