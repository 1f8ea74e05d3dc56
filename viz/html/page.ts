// The one page shell of faultpath's HTML outputs (the report and the diff):
// ONE file that opens offline, everything inline, and a Content-Security-Policy
// that forbids every fetch.
//
// CSP by hashes, not 'unsafe-inline': a page has exactly one <style> and at
// most one executable <script>, both fixed at render time, so their SHA-256
// hashes are known; any other script or style that found its way into the
// markup (or a style="" attribute, or an event handler attribute) would not
// run. A data block is <script type="application/json">, which browsers never
// execute, with `<`, U+2028 and U+2029 escaped so nothing in it can end the
// element early.
import { createHash } from 'node:crypto';

export interface PageParts {
  /** Page title (escaped here). */
  readonly title: string;
  /** The page's one stylesheet. */
  readonly style: string;
  /** Markup of the body, before the data block and the script. */
  readonly body: string;
  /** JSON for the data block `#faultpath-data`. Default: no data block. */
  readonly data?: unknown;
  /** The page's one executable script. Default: none. */
  readonly script?: string;
}

/** A complete HTML document from `parts`, with a CSP that allows only its own style and script. */
export function renderPage(parts: PageParts): string {
  const { script } = parts;
  if (script !== undefined && /<\/script|<!--/i.test(script)) throw new Error('inline script would end its element early');
  if (/<\/style/i.test(parts.style)) throw new Error('inline style would end its element early');
  const csp = [
    "default-src 'none'",
    ...(script !== undefined ? [`script-src '${sha256(script)}'`] : []),
    `style-src '${sha256(parts.style)}'`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const tail = [
    ...(parts.data !== undefined ? [`<script type="application/json" id="faultpath-data">${jsonForScript(parts.data)}</script>`] : []),
    ...(script !== undefined ? [`<script>${script}</script>`] : []),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="faultpath">
<title>${escapeHtml(parts.title)}</title>
<style>${parts.style}</style>
</head>
<body>
${parts.body}
${tail.map((t) => t + '\n').join('')}</body>
</html>
`;
}

/** JSON that cannot end a <script> element or break a JS string: `<`, U+2028, U+2029 escaped. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  // U+2028/9 as references too: a trace's names can carry them, and the page carries none raw
  return s.replace(/[&<>"'\u2028\u2029]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '\u2028': '&#x2028;', '\u2029': '&#x2029;' })[c]!);
}

function sha256(text: string): string {
  return 'sha256-' + createHash('sha256').update(text, 'utf8').digest('base64');
}
