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
import { JsonBytes } from '../../src/json-bytes.js';
import { CHUNK, JsonNumbers, JsonPieces, valuesText } from './json-pieces.js';

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
  return textOf(renderPagePieces(parts));
}

/** The text of pieces as renderPagePieces hands them out (bytes read before the next piece is asked for). */
export function textOf(pieces: Iterable<string | Uint8Array>): string {
  const out: string[] = [];
  for (const p of pieces) out.push(typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.length).toString('utf8'));
  return out.join('');
}

/**
 * renderPage's text in pieces, in order: the data block a few thousand
 * values at a time, never built whole, its numbers as bytes (a buffer
 * written over once the next piece is asked for).
 */
export function* renderPagePieces(parts: PageParts): Generator<string | Uint8Array> {
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
  yield `<!doctype html>
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
`;
  if (parts.data !== undefined) {
    yield '<script type="application/json" id="faultpath-data">';
    yield* jsonForScriptBytes(parts.data);
    yield '</script>\n';
  }
  if (script !== undefined) yield `<script>${script}</script>\n`;
  yield '</body>\n</html>\n';
}

/** JSON that cannot end a <script> element or break a JS string: `<`, U+2028, U+2029 escaped. */
export function jsonForScript(value: unknown): string {
  return forScript(JSON.stringify(value));
}

/** jsonForScript's text in pieces: plain objects a member at a time, long arrays CHUNK values at a time; typed arrays and JsonNumbers as arrays, JsonPieces as their text. */
export function* jsonForScriptPieces(value: unknown): Generator<string> {
  for (const piece of jsonPieces(value)) yield forScript(piece as string);
}

/** jsonForScriptPieces with typed arrays and JsonNumbers as the bytes of their text (one buffer, written over once the next piece is asked for). */
export function* jsonForScriptBytes(value: unknown): Generator<string | Uint8Array> {
  for (const piece of jsonPieces(value, new JsonBytes())) yield typeof piece === 'string' ? forScript(piece) : piece;
}


// JSON.stringify's text, the same bytes, without the whole of it as one string
// (a page's data is tens of MB; as one string, and its escaped copies, several times that);
// with `bytes`, the numbers of typed arrays and JsonNumbers written there, not as a
// string per few thousand numbers that was then joined and encoded again
function* jsonPieces(value: unknown, bytes?: JsonBytes): Generator<string | Uint8Array> {
  if (value instanceof JsonPieces) {
    yield* value.pieces();
  } else if (value instanceof Int32Array || value instanceof Float64Array) {
    // as the array of its numbers (JSON.stringify would write an object)
    if (bytes !== undefined) {
      yield* numberBytes(bytes, [value]);
      return;
    }
    yield '[';
    for (let i = 0; i < value.length; i += CHUNK) yield (i > 0 ? ',' : '') + valuesText(value, i, Math.min(value.length, i + CHUNK));
    yield ']';
  } else if (value instanceof JsonNumbers) {
    if (bytes !== undefined) {
      yield* numberBytes(bytes, value.chunks());
      return;
    }
    yield '[';
    let first = true;
    const chunk: number[] = [];
    const text = (): string => {
      const t = (first ? '' : ',') + JSON.stringify(chunk).slice(1, -1);
      first = false;
      chunk.length = 0;
      return t;
    };
    for (const c of value.chunks()) {
      for (let i = 0; i < c.length; i++) chunk.push(c[i]!);
      if (chunk.length >= CHUNK) yield text();
    }
    if (chunk.length > 0) yield text();
    yield ']';
  } else if (Array.isArray(value) && value.length > CHUNK) {
    yield '[';
    for (let i = 0; i < value.length; i += CHUNK) yield (i > 0 ? ',' : '') + JSON.stringify(value.slice(i, i + CHUNK)).slice(1, -1);
    yield ']';
  } else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    let first = true;
    yield '{';
    for (const [key, v] of Object.entries(value)) {
      // what JSON.stringify leaves out of an object
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      yield `${first ? '' : ','}${JSON.stringify(key)}:`;
      first = false;
      yield* jsonPieces(v, bytes);
    }
    yield '}';
  } else {
    yield JSON.stringify(value);
  }
}

// numbers written between scans for full chunks
const SCAN = 16384;

// The JSON array of the numbers of `chunks` as bytes: full buffers handed on as they fill, written over once written.
function* numberBytes(out: JsonBytes, chunks: Iterable<ArrayLike<number>>): Generator<Uint8Array> {
  out.byte(0x5b);
  let first = true;
  for (const c of chunks) {
    for (let i = 0; i < c.length; ) {
      const to = Math.min(c.length, i + SCAN);
      out.numbers(c, i, to, !first);
      first = false;
      i = to;
      const full = out.take();
      if (full.length > 0) {
        yield* full;
        out.reuse();
      }
    }
  }
  out.byte(0x5d);
  yield* out.end();
  out.reuse();
}

function forScript(json: string): string {
  // most pieces (numbers) have none: one scan for them, not three
  if (!/[<\u2028\u2029]/.test(json)) return json;
  return json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  // U+2028/9 as references too: a trace's names can carry them, and the page carries none raw
  return s.replace(/[&<>"'\u2028\u2029]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '\u2028': '&#x2028;', '\u2029': '&#x2029;' })[c]!);
}

function sha256(text: string): string {
  return 'sha256-' + createHash('sha256').update(text, 'utf8').digest('base64');
}
