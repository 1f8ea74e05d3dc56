// The shareable HTML report: the page skeleton (below), the stylesheet, the
// client script (viz/html/client/, bundled by esbuild at build time into
// dist/client/report.js) and the report's data, in the one page shell
// (page.ts) whose CSP allows only that script and style.
import type { Report, SiteLeaves, TreeNode } from '../../src/model.js';
import { pruneTree } from '../../src/tree.js';
import { bundledScript } from '../bundles.js';
import { decodeTree } from './encode-tree.js';
import { packPage } from './pack-page.js';
import { unpackPage, type PageData } from './pack.js';
import { escapeHtml, jsonForScriptPieces, renderPagePieces, textOf } from './page.js';
import { findingsHtml, headlineHtml } from './findings.js';
import { staticParts, type StaticParts } from './static.js';
import { STYLES } from './styles.js';

export { jsonForScript } from './page.js';

export interface HtmlOptions {
  /** Page title and heading. Default 'faultpath report'. */
  title?: string;
}

/** Renders `report` as one self-contained HTML file (no network access, no external URL). */
export function renderHtml(report: Report, options: HtmlOptions = {}): string {
  return textOf(renderHtmlPieces(report, options));
}

/** renderHtml's text in pieces, in order (the data block never whole, its numbers as bytes: see page.ts). */
export function* renderHtmlPieces(report: Report, options: HtmlOptions = {}): Generator<string | Uint8Array> {
  const title = options.title ?? 'faultpath report';
  const { tree, siteTree, siteLeaves, ...rest } = report;
  const data = siteLeaves !== undefined && siteLeaves.tree !== tree ? packPage(title, tree, rest, madeSiteTree(siteLeaves, report.folded?.percentLimit ?? 0)) : packPage(title, tree, rest, siteTree, siteLeaves);
  yield* renderPagePieces({ title, style: STYLES, body: skeleton(escapeHtml(title), findingsHtml(rest), headlineHtml(rest), staticParts(rest, tree.value)), data, script: bundledScript('report') });
}

// The tree by site of a call tree since shaped for display (inverted, pruned):
// built from its leaves as the page would, then pruned as the call tree was.
function madeSiteTree(leaves: SiteLeaves, percentLimit: number): TreeNode {
  const packed = packPage('', leaves.tree, { sites: [] } as unknown as Parameters<typeof packPage>[2], undefined, leaves);
  const data = JSON.parse([...jsonForScriptPieces(packed)].join('')) as PageData;
  return pruneTree(decodeTree(unpackPage(data).sites!), percentLimit / 100);
}

// Filled in by the client script; ids are what viz/html/client/ looks up.
// Without script, the <noscript> parts (static.ts) show the tables.
function skeleton(title: string, findings: string, headline: string, st: StaticParts): string {
  return `<header>
<h1>${title}</h1>
${findings}<p id="summary">${st.summary}</p>
<p id="headline"${headline === '' ? ' hidden' : ''}>${headline}</p>
<div id="warnings-banner" class="banner" role="status" hidden></div>
</header>
<main>
<noscript><p class="panel">The flame graph needs JavaScript: the findings above and the tables below are all this page shows without it.</p></noscript>
<section id="flame-panel" class="panel needs-js" aria-label="Fault-path flame graph">
<div class="toolbar">
<div class="seg" role="group" aria-label="Tree"><button type="button" data-tree="calls">Callers first</button><button type="button" data-tree="inverted">Instruction first (inverted)</button><button type="button" data-tree="sites" title="The faults under the protection change that covered their page, as --group-by site draws them" hidden>By protection site</button></div>
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
<section id="listing-panel" class="panel" aria-label="Disassembly of the selected instruction's function" hidden><h2>Disassembly</h2><div id="listing"></div></section>
<div class="grid">
<section id="sites-panel" class="panel wide"><h2>Top faulting instructions</h2><div id="sites" class="scroll-x">${st.sites}</div></section>
<section id="protection-panel" class="panel wide"><h2>Protection sites</h2><div id="protection" class="scroll-x">${st.protection}</div></section>
<section id="regions-panel" class="panel wide"><h2>Memory regions</h2><div id="regions" class="scroll-x">${st.regions}</div></section>
<section id="classes-panel" class="panel"><h2>Fault classes</h2><div id="classes">${st.classes}</div><h2 class="next">Faults over time</h2><div id="timeline">${st.timeline}</div></section>
<div>
<section id="inputs-panel" class="panel"><h2>What this report is built from</h2><div id="inputs" class="scroll-x">${st.inputs}</div></section>
<section id="warnings-panel" class="panel"><h2>Warnings</h2><ul id="warnings" class="plain"></ul>${st.warnings}<h2 class="next">Notes</h2><ul id="notes" class="plain"></ul>${st.notes}</section>
</div>
</div>
</main>
<footer>Made by faultpath from the inputs listed above. This file is self-contained and makes no network requests.</footer>
<div id="tooltip" role="tooltip" hidden></div>
`;
}
