// A standalone flame-graph SVG in the spirit of FlameGraph's flamegraph.pl:
// one <g> per frame with a <title> tooltip, a <rect> and a label; optionally a
// small inline script for click-to-zoom and regex search. Without the script
// (or in an image viewer, which ignores it) it is a plain picture.
//
// Built with fast-xml-parser's XMLBuilder so every name from the trace is
// escaped as XML text; characters XML 1.0 cannot hold at all (C0 controls,
// lone surrogates) become U+FFFD.
import { XMLBuilder } from 'fast-xml-parser';
import type { Report, TreeNode } from '../src/model.js';
import { colorFor, inkFor, MATCH_COLOR, paletteKind } from './colors.js';
import { layoutTree, type LayoutBox } from './layout.js';
import { bundledScript } from './bundles.js';
import { frameLabel } from './labels.js';

export interface SvgOptions {
  /** Image width in px. Default 1200. */
  width?: number;
  /** Heading above the graph. Default 'Fault paths'. */
  title?: string;
  /** true: a small inline script for click-to-zoom and search, like FlameGraph's. Default true. */
  interactive?: boolean;
  /** Sibling frames narrower than this many px are merged into one box. Default 0.1. */
  minWidthPx?: number;
}

// The flame graph's geometry, shared with the differential one (viz/diff.ts).
export const ROW = 16;
export const FONT_SIZE = 12;
/** Average glyph width of the label font, as a fraction of its size (FlameGraph's `fontwidth`). */
export const FONT_WIDTH = 0.59;
export const PAD_X = 10;
/** Title baseline at 2 × FONT_SIZE, subtitle 14 px below it; the frames start clear of the subtitle's descenders. */
export const SUBTITLE_Y = FONT_SIZE * 2 + 14;
export const PAD_TOP = SUBTITLE_Y + 8;
export const PAD_BOTTOM = FONT_SIZE * 2 + 10;

/** Renders `report.tree` as a flame graph (root at the bottom): a complete SVG document. */
export function renderSvg(report: Report, options: SvgOptions = {}): string {
  const width = options.width ?? 1200;
  const title = options.title ?? 'Fault paths';
  const interactive = options.interactive ?? true;
  const graphWidth = width - 2 * PAD_X;
  const layout = layoutTree(report.tree, { width: graphWidth, rowHeight: ROW, minWidth: options.minWidthPx ?? 0.1, orientation: 'flame' });
  const height = PAD_TOP + layout.height + PAD_BOTTOM;
  const total = layout.total;

  const search = interactive ? searchData(report.tree) : undefined;
  const frames = layout.boxes.map((box) => frameElement(box, layout.boxes, total, search?.ids));
  const texts: Record<string, unknown>[] = [
    { '@_id': 'title', '@_x': width / 2, '@_y': FONT_SIZE * 2, '@_text-anchor': 'middle', '@_font-size': FONT_SIZE + 5, '#text': xmlText(title) },
    { '@_id': 'subtitle', '@_x': width / 2, '@_y': SUBTITLE_Y, '@_text-anchor': 'middle', '@_fill': '#555', '#text': xmlText(subtitle(report)) },
    { '@_id': 'details', '@_x': PAD_X, '@_y': height - 17, '#text': ' ' },
  ];
  if (interactive) {
    texts.push(
      { '@_id': 'unzoom', '@_class': 'hide', '@_x': PAD_X, '@_y': FONT_SIZE * 2, '#text': 'Reset Zoom' },
      { '@_id': 'search', '@_x': width - PAD_X, '@_y': FONT_SIZE * 2, '@_text-anchor': 'end', '#text': 'Search' },
      { '@_id': 'matched', '@_x': width - PAD_X, '@_y': height - 17, '@_text-anchor': 'end', '#text': ' ' },
    );
  }

  const svg: Record<string, unknown> = {
    ...svgRoot(width, height),
    '@_data-width': graphWidth,
    '@_data-pad': PAD_X,
    '@_data-total': total,
    '@_data-match': MATCH_COLOR,
    title: { '#text': xmlText(title) },
    style: { '#text': STYLE },
    rect: background(width, height),
    text: texts,
    g: { '@_id': 'frames', '@_transform': `translate(${PAD_X},${PAD_TOP})`, g: frames },
  };
  if (search !== undefined) {
    svg['metadata'] = { '@_id': 'tree', '#text': JSON.stringify({ s: search.strings, t: search.flat }) };
    svg['script'] = { '@_type': 'text/ecmascript', '#cdata': svgScript() };
  }

  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', cdataPropName: '#cdata', suppressEmptyNode: true, format: false });
  return '<?xml version="1.0" standalone="no"?>\n' + builder.build({ svg }) + '\n';
}

function frameElement(box: LayoutBox, boxes: readonly LayoutBox[], total: number, ids: Map<TreeNode, number> | undefined): Record<string, unknown> {
  const interactive = ids !== undefined;
  const node = box.node;
  const name = node === undefined ? mergedName(box) : node.name;
  const fill = node === undefined ? colorFor('merged', '') : colorFor(paletteKind(node), node.name);
  const parent = box.parent >= 0 ? boxes[box.parent] : undefined;
  const g: Record<string, unknown> = {
    title: { '#text': xmlText(tooltip(box, name, total, parent?.value)) },
    rect: { '@_x': round(box.x), '@_y': box.y, '@_width': round(box.width), '@_height': ROW - 1, '@_fill': fill, '@_rx': 2, '@_ry': 2 },
  };
  if (interactive) {
    g['@_class'] = 'f';
    g['@_data-x'] = round(box.x);
    g['@_data-w'] = round(box.width);
    g['@_data-d'] = box.depth;
    // the frame's node in the search data (a merged box: its first frame's, and how many)
    g['@_data-n'] = ids.get((box.node ?? box.first)!);
    if (box.node === undefined) g['@_data-m'] = box.merged;
  }
  const full = node === undefined ? name : frameLabel(node.kind, name);
  // The script fits the label again after a zoom: from the title's name, or this when they differ.
  if (interactive && full !== name) g['@_data-l'] = full;
  const label = fitLabel(full, box.width);
  // Always emit the <text> when interactive: zooming widens the frame and the script fills it in.
  if (label !== '' || interactive) {
    g['text'] = { '@_x': round(box.x + 3), '@_y': box.y + ROW - 4.5, '@_fill': inkFor(fill), '#text': xmlText(label) };
  }
  return g;
}

/**
 * What the script searches: every node of the tree, drawn or not, in pre-order
 * (children in the layout's order) as triples (distance back to the parent,
 * name, value), so a match counts its samples once even when its frame is too
 * narrow to draw, as FlameGraph counts samples rather than pixels.
 */
function searchData(tree: TreeNode): { strings: string[]; flat: number[]; ids: Map<TreeNode, number> } {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const flat: number[] = [];
  const ids = new Map<TreeNode, number>();
  const stack: { node: TreeNode; parent: number }[] = [{ node: tree, parent: -1 }];
  while (stack.length > 0) {
    const { node, parent } = stack.pop()!;
    const i = ids.size;
    ids.set(node, i);
    const name = xmlText(node.name);
    let k = index.get(name);
    if (k === undefined) {
      k = strings.length;
      strings.push(name);
      index.set(name, k);
    }
    flat.push(parent < 0 ? 0 : i - parent, k, node.value);
    for (let c = node.children.length - 1; c >= 0; c--) stack.push({ node: node.children[c]!, parent: i });
  }
  return { strings, flat, ids };
}

function mergedName(box: LayoutBox): string {
  return `${box.merged} narrow frames`;
}

function tooltip(box: LayoutBox, name: string, total: number, parentValue: number | undefined): string {
  const lines = [name];
  const share = `${formatCount(box.value)} (${percent(box.value, total)} of all${parentValue === undefined ? '' : `, ${percent(box.value, parentValue)} of parent`})`;
  lines.push(share);
  const node = box.node;
  if (node === undefined) {
    lines.push(`${box.merged} frames narrower than the minimum width, merged${box.hidden > 0 ? `; ${formatCount(box.hidden)} more frames below them` : ''}`);
    return lines.join('\n');
  }
  const events = Object.entries(node.byEvent);
  if (events.length > 1 || (events.length === 1 && events[0]![1] !== node.value)) {
    for (const [e, v] of events) lines.push(`${e}: ${formatCount(v)}`);
  } else if (events.length === 1) {
    lines.push(`event ${events[0]![0]}`);
  }
  if (node.self > 0 && node.children.length > 0) lines.push(`self ${formatCount(node.self)}`);
  if (node.dso !== undefined && node.dso !== '') lines.push(node.dso);
  if (node.site !== undefined) lines.push(siteLine(node));
  if (box.hidden > 0) lines.push(`${formatCount(box.hidden)} frames below, too narrow to draw`);
  return lines.join('\n');
}

function siteLine(node: TreeNode): string {
  const s = node.site!;
  const where = `${s.symbol}${s.offset >= 0 ? `+0x${s.offset.toString(16)}` : ''} @ 0x${s.address}`;
  return [where, s.instruction, s.source].filter((x) => x !== undefined && x !== '').join('  ');
}

function subtitle(report: Report): string {
  const inputs = report.inputs.map((i) => i.name).join(', ');
  const events = report.selectedEvents.join(', ');
  return `${formatCount(report.tree.value)} ${events === '' ? 'events' : events}${inputs === '' ? '' : ` from ${inputs}`}`;
}

/** The label that fits `width` px, cut with '..' like FlameGraph; '' when not even 3 characters fit. */
function fitLabel(name: string, width: number): string {
  const fits = Math.floor((width - 6) / (FONT_SIZE * FONT_WIDTH));
  if (fits < 3) return '';
  return name.length <= fits ? name : name.slice(0, fits - 2) + '..';
}

// XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function xmlText(s: string): string {
  return s.replace(NOT_XML_CHAR, '\uFFFD');
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function percent(part: number, whole: number): string {
  if (whole <= 0) return '0%';
  const p = (100 * part) / whole;
  return `${p >= 10 || p === 0 ? p.toFixed(1) : p.toPrecision(2)}%`;
}

function formatCount(n: number): string {
  const [int, frac] = String(n).split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

// Frame labels carry their own fill attribute (dark or white by contrast); a CSS
// rule on all text would override it, so only the chrome is styled here.
const STYLE = `
#title { font-weight: bold; fill: #1b1b1f; }
#subtitle, #details, #matched { fill: #444; }
#search, #unzoom { cursor: pointer; fill: #1f5fa8; }
.hide { display: none; }
g.f { cursor: pointer; }
g.f:hover rect { stroke: #1b1b1f; stroke-width: 0.6; }
g.f text { pointer-events: none; }
`;

// The zoom/search script (viz/svg-client.ts, bundled at build time); CDATA cannot hold `]]>`.
function svgScript(): string {
  const script = bundledScript('svg');
  if (script.includes(']]>')) throw new Error('SVG script would end its CDATA section early');
  return script;
}

/** The `<svg>` element's attributes, shared by the report's and the diff's SVG. */
export function svgRoot(width: number, height: number): Record<string, unknown> {
  return {
    '@_version': '1.1',
    '@_xmlns': 'http://www.w3.org/2000/svg',
    '@_width': width,
    '@_height': height,
    '@_viewBox': `0 0 ${width} ${height}`,
    '@_font-family': 'Verdana, "DejaVu Sans", sans-serif',
    '@_font-size': FONT_SIZE,
  };
}

/** The page-coloured rectangle behind everything. */
export function background(width: number, height: number): Record<string, unknown> {
  return { '@_x': 0, '@_y': 0, '@_width': width, '@_height': height, '@_fill': '#f8f8f6' };
}
