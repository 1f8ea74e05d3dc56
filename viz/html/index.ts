// The shareable HTML report: ONE file that opens offline. The page skeleton,
// the stylesheet, d3-hierarchy's UMD bundle, the client script and the data
// are all inline; a Content-Security-Policy forbids every fetch.
//
// CSP choice: hashes, not 'unsafe-inline'. The page has exactly one <style>
// and one executable <script>, both fixed at render time, so their SHA-256
// hashes are known; any other script or style that found its way into the
// markup (or a style="" attribute, or an event handler attribute) would not
// run. The data block is <script type="application/json">, which browsers
// never execute, with `<`, U+2028 and U+2029 escaped so nothing in it can end
// the element early.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Report } from '../../src/model.js';
import { colorFor, inkFor, KIND_LABELS, MATCH_COLOR, paletteKind } from '../colors.js';
import { runReport, type PageData } from './client.js';
import { encodeTree } from './encode.js';
import { STYLES } from './styles.js';

export interface HtmlOptions {
  /** Page title and heading. Default 'faultpath report'. */
  title?: string;
}

/** Renders `report` as one self-contained HTML file (no network access, no external URL). */
export function renderHtml(report: Report, options: HtmlOptions = {}): string {
  const title = options.title ?? 'faultpath report';
  const { tree, ...rest } = report;
  const data: PageData = { title, tree: encodeTree(tree), report: rest };
  const script = `${d3Bundle()}\n;(${runReport.toString()})(window, {
  d3: d3,
  colorFor: ${colorFor.toString()},
  inkFor: ${inkFor.toString()},
  paletteKind: ${paletteKind.toString()},
  matchColor: ${JSON.stringify(MATCH_COLOR)},
  legend: ${JSON.stringify(KIND_LABELS)}
});\n`;
  if (/<\/script|<!--/i.test(script)) throw new Error('inline script would end its element early');
  const csp = [
    "default-src 'none'",
    `script-src '${sha256(script)}'`,
    `style-src '${sha256(STYLES)}'`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="faultpath">
<title>${escapeHtml(title)}</title>
<style>${STYLES}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p id="summary"></p>
<p id="headline"></p>
<div id="warnings-banner" class="banner" role="status" hidden></div>
</header>
<main>
<section id="flame-panel" class="panel" aria-label="Fault-path flame graph">
<div class="toolbar">
<div class="seg" role="group" aria-label="Tree"><button type="button" data-tree="calls">Callers first</button><button type="button" data-tree="inverted">Instruction first (inverted)</button></div>
<div class="seg" role="group" aria-label="Direction"><button type="button" data-dir="flame">Flame ↑</button><button type="button" data-dir="icicle">Icicle ↓</button></div>
<input id="search" type="search" placeholder="Search frames (regex)" spellcheck="false" autocomplete="off" aria-label="Search frames by regular expression">
<label class="check"><input id="search-case" type="checkbox">ignore case</label>
<span id="matched" role="status"></span>
<span class="grow"></span>
<button type="button" id="reset">Reset zoom</button>
</div>
<nav id="breadcrumb" aria-label="Zoom path"></nav>
<div id="flame-wrap" class="flame-wrap">
<div id="scroller"><canvas id="flame" role="img" aria-label="Flame graph of fault paths"></canvas></div>
<aside id="details" aria-live="polite"></aside>
</div>
<div id="legend"></div>
</section>
<div class="grid">
<section id="sites-panel" class="panel wide"><h2>Top faulting instructions</h2><div id="sites" class="scroll-x"></div></section>
<section id="protection-panel" class="panel wide"><h2>Protection sites</h2><div id="protection" class="scroll-x"></div></section>
<section id="classes-panel" class="panel"><h2>Fault classes</h2><div id="classes"></div><h2 class="next">Faults over time</h2><div id="timeline"></div></section>
<div>
<section id="inputs-panel" class="panel"><h2>What this report is built from</h2><div id="inputs"></div></section>
<section id="warnings-panel" class="panel"><h2>Warnings</h2><ul id="warnings" class="plain"></ul></section>
</div>
</div>
</main>
<footer>Made by faultpath from the inputs listed above. This file is self-contained and makes no network requests.</footer>
<div id="tooltip" role="tooltip" hidden></div>
<noscript><p>This report draws its flame graph with JavaScript; the data is in the page's faultpath-data block.</p></noscript>
<script type="application/json" id="faultpath-data">${jsonForScript(data)}</script>
<script>${script}</script>
</body>
</html>
`;
}

/** JSON that cannot end a <script> element or break a JS string: `<`, U+2028, U+2029 escaped. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function sha256(text: string): string {
  return 'sha256-' + createHash('sha256').update(text, 'utf8').digest('base64');
}

let d3Source: string | undefined;

// d3-hierarchy's minified UMD bundle (it sets `globalThis.d3`), read once from
// the installed package. Its licence line names the project's web site; the
// address is dropped (the copyright stays) so the page holds no URL at all.
function d3Bundle(): string {
  if (d3Source !== undefined) return d3Source;
  const require = createRequire(import.meta.url);
  const entry = require.resolve('d3-hierarchy');
  const text = readFileSync(join(dirname(entry), 'd3-hierarchy.min.js'), 'utf8').replace(/https?:\/\/\S+\s*/g, '');
  if (/https?:|<\/script/i.test(text)) throw new Error('d3-hierarchy bundle cannot be inlined');
  d3Source = text;
  return text;
}
