// `faultpath diff` renderers: text (paths and instructions by |delta|), the
// two-column folded stacks of FlameGraph's difffolded.pl, and the
// differential flame graph as SVG and as a self-contained HTML page.
//
// The differential flame graph follows flamegraph.pl fed by difffolded.pl:
// widths are AFTER's counts (or BEFORE's with `widths: 'before'`, FlameGraph's
// diff1.svg), a frame that grew is red, one that shrank is blue, white is no
// change, and the colour's strength is the frame's delta over the largest
// |delta| (flamegraph.pl's color_scale). Frames with no width in the chosen
// capture do not appear; the text and the tables list them.
import { XMLBuilder } from 'fast-xml-parser';
import type { Diff, DiffNode, DiffSite } from '../src/diff.js';
import { foldDiff } from '../src/diff.js';
import { instructionJson, siteJson } from '../src/report-json.js';
import type { TreeNode } from '../src/model.js';
import { inkFor } from './colors.js';
import { frameLabel } from './labels.js';
import { escapeHtml, renderPage } from './html/page.js';
import { layoutTree } from './layout.js';
import { background, FONT_SIZE, FONT_WIDTH, PAD_BOTTOM, PAD_TOP, PAD_X, ROW, SUBTITLE_Y, svgRoot } from './svg.js';

export interface DiffTextOptions {
  /** How many instructions to list. Default 20. */
  topSites?: number;
  /** Labels of the two captures. Default 'before' and 'after'. */
  labels?: readonly [string, string];
}

/** The differential tree (children by |delta|) and the instructions by |delta|, as text. */
export function renderDiffText(diff: Diff, options: DiffTextOptions = {}): string {
  const [a, b] = options.labels ?? ['before', 'after'];
  const out: string[] = [];
  out.push('# faultpath diff');
  out.push(`# before: ${a} — ${diff.totals.before} faults (${diff.events.before.join(', ') || 'no events'})`);
  out.push(`# after:  ${b} — ${diff.totals.after} faults (${diff.events.after.join(', ') || 'no events'})`);
  if (diff.normalized) out.push(`# normalized: before's counts × ${diff.scale.toFixed(4)} (truncated per path, as difffolded.pl -n)`);
  out.push('#');
  const rows = collectRows(diff.tree);
  const w = Math.max(6, ...rows.map((r) => Math.max(String(r.node.before).length, String(r.node.after).length, signed(r.node.after - r.node.before).length)));
  out.push('Fault paths (children by |delta|; outermost caller first; the leaf is the faulting instruction):');
  out.push('');
  out.push(`${'before'.padStart(w)} ${'after'.padStart(w)} ${'delta'.padStart(w)}  ${'change'.padStart(8)}  path`);
  for (const r of rows) {
    const n = r.node;
    out.push(`${String(n.before).padStart(w)} ${String(n.after).padStart(w)} ${signed(n.after - n.before).padStart(w)}  ${change(n.before, n.after).padStart(8)}  ${r.prefix}${n.name}`);
  }
  out.push('');
  const top = options.topSites ?? 20;
  const sites = diff.sites.slice(0, top);
  out.push(`Faulting instructions by |delta| (${sites.length} of ${diff.sites.length}):`);
  out.push('');
  const sw = Math.max(6, ...sites.map((s) => Math.max(String(s.before).length, String(s.after).length, signed(s.after - s.before).length)));
  out.push(`${'before'.padStart(sw)} ${'after'.padStart(sw)} ${'delta'.padStart(sw)}  dso / function+offset / instruction`);
  for (const s of sites) {
    out.push(`${String(s.before).padStart(sw)} ${String(s.after).padStart(sw)} ${signed(s.after - s.before).padStart(sw)}  ${s.dso || '[unknown]'}  ${where(s)}`);
    out.push(`${' '.repeat(3 * sw + 4)}${s.resolved ? `0x${s.address}: ${s.instruction ?? ''}${s.source !== undefined ? `  (${s.source})` : ''}` : 'unresolved'}`);
  }
  return out.join('\n') + '\n';
}

/** `stack before after` lines, sorted by stack: what difffolded.pl prints, for flamegraph.pl. */
export function renderDiffFolded(diff: Diff): string {
  const lines = foldDiff(diff.tree);
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

/** The diff as JSON (names are stable; new ones may be added). */
export function renderDiffJson(diff: Diff): string {
  const node = (n: DiffNode): unknown => ({
    name: n.name,
    kind: n.kind,
    ...(n.dso !== undefined ? { dso: n.dso } : {}),
    before: n.before,
    after: n.after,
    delta: n.after - n.before,
    beforeSelf: n.beforeSelf,
    afterSelf: n.afterSelf,
    ...instructionJson(n),
    children: n.children.map(node),
  });
  return (
    JSON.stringify(
      {
        version: 1,
        totals: diff.totals,
        normalized: diff.normalized,
        scale: diff.scale,
        events: diff.events,
        sites: diff.sites.map((s) => ({
          ...siteJson(s),
          resolved: s.resolved,
          before: s.before,
          after: s.after,
          delta: s.after - s.before,
        })),
        tree: node(diff.tree),
      },
      null,
      2,
    ) + '\n'
  );
}

export interface DiffSvgOptions {
  /** Image width in px. Default 1200. */
  width?: number;
  /** Heading. Default 'Fault paths: differential'. */
  title?: string;
  /** Whose counts give the widths: 'after' (FlameGraph's diff2.svg) or 'before' (diff1.svg). Default 'after'. */
  widths?: 'before' | 'after';
  /** Sibling frames narrower than this many px are merged into one box. Default 0.1. */
  minWidthPx?: number;
}

/** The differential flame graph (root at the bottom) as a complete SVG document, with a tooltip per frame. */
export function renderDiffSvg(diff: Diff, options: DiffSvgOptions = {}): string {
  const svg = diffSvgElement(diff, options);
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true, format: false });
  return '<?xml version="1.0" standalone="no"?>\n' + builder.build({ svg }) + '\n';
}

function diffSvgElement(diff: Diff, options: DiffSvgOptions): Record<string, unknown> {
  const width = options.width ?? 1200;
  const title = options.title ?? 'Fault paths: differential';
  const side = options.widths ?? 'after';
  const graphWidth = width - 2 * PAD_X;
  const { tree, nodes } = toTree(diff.tree, side);
  const layout = layoutTree(tree, { width: graphWidth, rowHeight: ROW, minWidth: options.minWidthPx ?? 0.1, orientation: 'flame' });
  const height = PAD_TOP + layout.height + PAD_BOTTOM;
  let maxDelta = 0;
  for (const d of nodes.values()) maxDelta = Math.max(maxDelta, Math.abs(d.after - d.before));
  const frames = layout.boxes.map((box) => {
    const d = box.node !== undefined ? nodes.get(box.node) : undefined;
    const fill = d !== undefined ? deltaColor(d.after - d.before, maxDelta) : '#dddddd';
    const label = d !== undefined ? frameLabel(d.kind, d.name) : `${box.merged} frames`;
    const tip = d !== undefined ? `${d.name}\nbefore ${d.before}, after ${d.after}, delta ${signed(d.after - d.before)} (${change(d.before, d.after).trim()})` : `${box.merged} narrow frames (${box.value})`;
    const chars = Math.floor((box.width - 6) / (FONT_SIZE * FONT_WIDTH));
    const g: Record<string, unknown> = {
      title: { '#text': xmlText(tip) },
      rect: { '@_x': round(box.x), '@_y': round(box.y), '@_width': round(box.width), '@_height': ROW - 1, '@_fill': fill, '@_rx': 2 },
    };
    if (chars >= 3) {
      const text = label.length <= chars ? label : label.slice(0, chars - 2) + '..';
      g['text'] = { '@_x': round(box.x + 3), '@_y': round(box.y + ROW - 4.5), '@_fill': inkFor(fill), '#text': xmlText(text) };
    }
    return g;
  });
  const subtitle = `widths: ${side} (${side === 'after' ? diff.totals.after : diff.totals.before} faults); red grew, blue shrank${diff.normalized ? `; before normalized × ${diff.scale.toFixed(4)}` : ''}`;
  return {
    ...svgRoot(width, height),
    title: { '#text': xmlText(title) },
    rect: background(width, height),
    text: [
      { '@_x': width / 2, '@_y': FONT_SIZE * 2, '@_text-anchor': 'middle', '@_font-size': FONT_SIZE + 5, '#text': xmlText(title) },
      { '@_x': width / 2, '@_y': SUBTITLE_Y, '@_text-anchor': 'middle', '@_fill': '#555', '#text': xmlText(subtitle) },
    ],
    g: { '@_transform': `translate(${PAD_X},${PAD_TOP})`, g: frames },
  };
}

export interface DiffHtmlOptions extends DiffSvgOptions {
  /** Labels of the two captures. Default 'before' and 'after'. */
  labels?: readonly [string, string];
  /** How many instructions and paths to list. Default 30. */
  top?: number;
}

/** One self-contained HTML page (the shell of html/page.ts): the differential flame graph (inline SVG, no script) and the largest changes as tables. */
export function renderDiffHtml(diff: Diff, options: DiffHtmlOptions = {}): string {
  const [a, b] = options.labels ?? ['before', 'after'];
  const top = options.top ?? 30;
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true, format: false });
  const svg = builder.build({ svg: diffSvgElement(diff, options) }) as string;
  const title = options.title ?? 'faultpath diff';
  const siteRows = diff.sites
    .slice(0, top)
    .map((s) => row([String(s.before), String(s.after), signed(s.after - s.before), s.dso || '[unknown]', where(s), s.resolved ? `0x${s.address}: ${s.instruction ?? ''}` : 'unresolved'], s.after - s.before))
    .join('\n');
  const paths: { path: string; node: DiffNode }[] = [];
  const walk = (n: DiffNode, prefix: string[]): void => {
    if (n.end) paths.push({ path: prefix.join(' → '), node: n });
    for (const c of n.children) walk(c, [...prefix, c.name]);
  };
  for (const c of diff.tree.children) walk(c, [c.name]);
  paths.sort((x, y) => Math.abs(y.node.afterSelf - y.node.beforeSelf) - Math.abs(x.node.afterSelf - x.node.beforeSelf) || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  const pathRows = paths
    .slice(0, top)
    .map((p) => row([String(p.node.beforeSelf), String(p.node.afterSelf), signed(p.node.afterSelf - p.node.beforeSelf), p.path], p.node.afterSelf - p.node.beforeSelf))
    .join('\n');
  const body = `<h1>${escapeHtml(title)}</h1>
<p>before: <code>${escapeHtml(a)}</code> — ${diff.totals.before} faults; after: <code>${escapeHtml(b)}</code> — ${diff.totals.after} faults${diff.normalized ? `; before's counts normalized × ${diff.scale.toFixed(4)}` : ''}.</p>
${svg}
<h2>Faulting instructions by |delta|</h2>
<table>
<tr><th>before</th><th>after</th><th>delta</th><th>dso</th><th>function</th><th>instruction</th></tr>
${siteRows}
</table>
<h2>Fault paths by |delta|</h2>
<table>
<tr><th>before</th><th>after</th><th>delta</th><th>path</th></tr>
${pathRows}
</table>`;
  return renderPage({ title, style: DIFF_STYLE, body });
}

const DIFF_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1b1b1f; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
td, th { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.grew { color: #b00000; } td.shrank { color: #0040b0; }
code { font-family: ui-monospace, monospace; }
svg { max-width: 100%; height: auto; }
`;

function row(cells: readonly string[], delta: number): string {
  const cls = delta > 0 ? ' grew' : delta < 0 ? ' shrank' : '';
  return (
    '<tr>' +
    cells
      .map((c, i) => (i < 3 ? `<td class="n${i === 2 ? cls : ''}">${escapeHtml(c)}</td>` : `<td><code>${escapeHtml(c)}</code></td>`))
      .join('') +
    '</tr>'
  );
}

// The diff as a TreeNode of the chosen side, for the flame layout; node → its diff node.
function toTree(root: DiffNode, side: 'before' | 'after'): { tree: TreeNode; nodes: Map<TreeNode, DiffNode> } {
  const nodes = new Map<TreeNode, DiffNode>();
  const convert = (d: DiffNode): TreeNode => {
    const children = d.children.filter((c) => c[side] > 0).map(convert);
    children.sort((x, y) => y.value - x.value || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    const t: TreeNode = { name: d.name, kind: d.kind, value: d[side], self: side === 'after' ? d.afterSelf : d.beforeSelf, byEvent: {}, children };
    nodes.set(t, d);
    return t;
  };
  return { tree: convert(root), nodes };
}

/** flamegraph.pl's differential colour: red for growth, blue for shrinkage, white for none; as #rrggbb. */
export function deltaColor(delta: number, maxDelta: number): string {
  let r = 255;
  let g = 255;
  let b = 255;
  if (maxDelta > 0 && delta > 0) {
    g = b = Math.trunc((210 * (maxDelta - delta)) / maxDelta);
  } else if (maxDelta > 0 && delta < 0) {
    r = g = Math.trunc((210 * (maxDelta + delta)) / maxDelta);
  }
  const hex = (x: number): string => x.toString(16).padStart(2, '0');
  return `#${hex(r)}${hex(g)}${hex(b)}`;
}

interface Row {
  node: DiffNode;
  prefix: string;
}

// Children with siblings get ├─/└─ connectors; a lone child continues its parent's column.
function collectRows(root: DiffNode): Row[] {
  const rows: Row[] = [];
  const walk = (node: DiffNode, linePrefix: string, childPrefix: string): void => {
    rows.push({ node, prefix: linePrefix });
    const kids = node.children;
    if (kids.length === 1 && !node.end) {
      walk(kids[0]!, childPrefix, childPrefix);
      return;
    }
    kids.forEach((k, i) => {
      const last = i === kids.length - 1;
      walk(k, childPrefix + (last ? '└─ ' : '├─ '), childPrefix + (last ? '   ' : '│  '));
    });
  };
  for (const top of root.children) walk(top, '', '');
  return rows;
}

function where(s: DiffSite): string {
  return `${s.symbol || '[unknown]'}${s.offset >= 0 ? `+0x${s.offset.toString(16)}` : ''}`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

function change(before: number, after: number): string {
  if (before === after) return '0%';
  if (before === 0) return 'new';
  if (after === 0) return 'gone';
  const p = ((after - before) / before) * 100;
  return `${p > 0 ? '+' : ''}${p.toFixed(1)}%`;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

// XML 1.0 cannot hold C0 controls (but tab, LF, CR) or lone surrogates.
function xmlText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
