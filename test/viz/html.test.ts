import { createHash } from 'node:crypto';
import { hierarchy, partition } from 'd3-hierarchy';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { TreeNode } from '../../src/model.js';
import { decodeTree, encodeTree } from '../../viz/html/encode-tree.js';
import { jsonForScript, renderHtml, renderHtmlPieces } from '../../viz/html/index.js';
import { jsonForScriptBytes, jsonForScriptPieces, textOf } from '../../viz/html/page.js';
import { arrayPieces, JsonNumbers, JsonPieces } from '../../viz/html/json-pieces.js';
import { buildReport } from '../../src/pipeline.js';
import { GUARD_DIR } from './fixtures.js';
import { join } from 'node:path';
import { unpackPage, type PageData } from '../../viz/html/pack.js';
import { TreeBuilder } from '../../src/tree.js';
import { countNodes, EVIL, guardReport, hostileReport, scaleReport } from './fixtures.js';

const guard = await guardReport();

function dataBlock(html: string): PageData {
  const open = '<script type="application/json" id="faultpath-data">';
  const start = html.indexOf(open) + open.length;
  return JSON.parse(html.slice(start, html.indexOf('</script>', start))) as PageData;
}

function inlineScript(html: string): string {
  const open = '</script>\n<script>';
  const start = html.indexOf(open) + open.length;
  return html.slice(start, html.indexOf('</script>', start));
}

function inlineStyle(html: string): string {
  return html.slice(html.indexOf('<style>') + 7, html.indexOf('</style>'));
}

function stripIds(node: TreeNode & { id?: number }): unknown {
  const { id: _id, children, ...rest } = node;
  // a report's cells are views of one array; the page's, arrays
  if (rest.cells !== undefined) rest.cells = [...rest.cells];
  return { ...rest, children: children.map(stripIds) };
}

describe('renderHtml', () => {
  const html = renderHtml(guard, { title: 'guard' });

  test('is one file with nothing to fetch: no URL, no external resource, no handler attributes', () => {
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<(link|img|iframe|object|embed|base)\b/i);
    expect(html).not.toMatch(/<script[^>]*\bsrc=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/\sstyle=/i);
  });

  test('a Content-Security-Policy forbids network access and allows only the page\'s own script and style, by hash', () => {
    const m = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
    expect(m).not.toBeNull();
    const csp = new Map(m![1]!.split('; ').map((d) => [d.slice(0, d.indexOf(' ')), d.slice(d.indexOf(' ') + 1)]));
    expect(csp.get('default-src')).toBe("'none'");
    const hash = (s: string): string => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
    expect(csp.get('script-src')).toBe(hash(inlineScript(html)));
    expect(csp.get('style-src')).toBe(hash(inlineStyle(html)));
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<style>'));
    // Exactly one executable script and one data block.
    expect(html.match(/<script\b/g)).toHaveLength(2);
  });

  test('carries the report: the tree round-trips through the compact encoding, the rest through the packing', () => {
    const data = dataBlock(html);
    expect(data.title).toBe('guard');
    expect(stripIds(decodeTree(unpackPage(data).tree))).toEqual(stripIds(guard.tree));
    const { tree: _tree, ...rest } = guard;
    expect(unpackPage(data).report).toEqual(JSON.parse(JSON.stringify(rest)));
  });

  test('hostile strings cannot close the data block, and the title is escaped', async () => {
    const report = await hostileReport();
    const page = renderHtml(report, { title: `<b>${EVIL}</b>` });
    expect(page.match(/<\/script/gi)).toHaveLength(2);
    expect(page).not.toContain('<img');
    expect(page).not.toContain('\u2028');
    expect(page).not.toContain('\u2029');
    expect(page).toContain('<title>&lt;b&gt;&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&lt;/b&gt;</title>');
    const data = dataBlock(page);
    expect(stripIds(decodeTree(unpackPage(data).tree))).toEqual(stripIds(report.tree));
    expect(data.report.warnings).toEqual([`warning ${EVIL}`]);
  });

  test('values past 32-bit integers round-trip: the value columns are integers until a value is not one, then doubles', () => {
    // the guard tree with a leaf's value and self fractional, later ones past 32 bits (in pre-order, after integers)
    const odd = [2.5, 2 ** 31, 0.25];
    let k = 0;
    const copy = (n: TreeNode): TreeNode => {
      const children = n.children.map(copy);
      const value = children.length === 0 && k < odd.length ? odd[k++]! : n.value;
      return { ...n, value, self: children.length === 0 ? value : n.self, children };
    };
    const tree = copy(guard.tree);
    expect(k).toBe(odd.length);
    const page = renderHtml({ ...guard, tree });
    const data = dataBlock(page);
    expect(data.tree.value.some((v) => !Number.isInteger(v))).toBe(true);
    expect(stripIds(decodeTree(unpackPage(data).tree))).toEqual(stripIds(tree));
  });

  test('jsonForScript escapes <, U+2028 and U+2029 and stays JSON', () => {
    const value = { a: '</script><!-- \u2028\u2029 >' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  test('the tree by protection site travels as the call tree\'s leaves by site, in the call tree\'s tables, and round-trips', async () => {
    const report = await buildReport({ traces: [join(GUARD_DIR, 'perf-script.txt.gz')], objdump: [join(GUARD_DIR, 'guard.objdump-dl.txt')], siteTree: true, siteTreeNodes: true });
    expect(report.siteTree).toBeDefined();
    const page = renderHtml(report);
    const data = dataBlock(page);
    expect(data.sites).toBeUndefined();
    const leaves = data.siteLeaves!;
    expect(leaves.group.length).toBeGreaterThan(0);
    // names by the call tree's strings; no site, cell or class written again
    const leavesText = JSON.stringify(leaves);
    for (const s of data.tree.strings) expect(leavesText).not.toContain(JSON.stringify(s));
    expect(Object.keys(data.tree)).not.toContain('x0');
    const unpacked = unpackPage(data);
    expect(stripIds(decodeTree(unpacked.sites!))).toEqual(stripIds(report.siteTree!));
    expect(stripIds(decodeTree(unpacked.tree))).toEqual(stripIds(report.tree));
    expect(unpacked.sites!.x0).toEqual(encodeTree(report.siteTree!).x0);
    expect(unpacked.tree.x0).toEqual(encodeTree(report.tree).x0);
    // written out in pieces, the same page
    expect([...renderHtmlPieces(report)].length).toBeGreaterThan(3);
  });

  test('property: jsonForScriptPieces writes jsonForScript\'s text, long arrays and objects in pieces', () => {
    const value = fc.oneof(fc.integer(), fc.string(), fc.constant(undefined), fc.constant(null), fc.double());
    const big = fc.record({ a: fc.array(fc.integer(), { minLength: 0, maxLength: 40_000 }), b: fc.dictionary(fc.string(), value), c: fc.array(value, { maxLength: 50 }), d: fc.constant(undefined) });
    fc.assert(
      fc.property(big, (v) => {
        expect([...jsonForScriptPieces(v)].join('')).toBe(jsonForScript(v));
      }),
      { numRuns: 40 },
    );
    const long = { xs: Array.from({ length: 50_000 }, (_, i) => (i % 7 === 0 ? '</script>\u2028' : i)) };
    expect([...jsonForScriptPieces(long)].join('')).toBe(jsonForScript(long));
  });

  test('jsonForScriptPieces writes typed arrays and JsonPieces as the arrays they stand for', () => {
    const xs = Int32Array.from({ length: 10_000 }, (_, i) => i - 5000);
    const ys = Float64Array.from([0.5, -0, 3]);
    const lazy = new JsonPieces(() => arrayPieces([[1, 2], [], [3, '</script>']]));
    expect([...jsonForScriptPieces({ xs, ys, lazy, none: new Int32Array(0) })].join('')).toBe(jsonForScript({ xs: [...xs], ys: [...ys], lazy: [1, 2, 3, '</script>'], none: [] }));
  });

  test('property: long arrays of numbers (integers as doubles, -0, NaN, ±Infinity, past 32 bits) and typed arrays are written as JSON.stringify writes them', () => {
    const num = fc.oneof(fc.integer(), fc.integer().map((i) => i + 0.5 - 0.5), fc.double(), fc.constantFrom(-0, NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31) - 1, 2 ** 53), fc.constant(undefined));
    fc.assert(
      // mostly integers (the fast path), with or without one other value somewhere
      fc.property(fc.array(fc.oneof(fc.integer(), fc.integer().map((i) => i + 0.5 - 0.5)), { minLength: 4097, maxLength: 9000 }), fc.option(fc.tuple(fc.nat(), num)), (xs, other) => {
        if (other !== null) xs[other[0] % xs.length] = other[1]!;
        expect([...jsonForScriptPieces({ xs })].join('')).toBe(JSON.stringify({ xs }));
        const ys = Float64Array.from(xs, (x) => x ?? 0);
        expect([...jsonForScriptPieces({ ys })].join('')).toBe(JSON.stringify({ ys: [...ys] }));
        // as bytes: the page's data block
        expect(textOf(jsonForScriptBytes({ ys, n: new Int32Array(xs.map((x) => (x ?? 0) | 0)) }))).toBe(JSON.stringify({ ys: [...ys], n: xs.map((x) => (x ?? 0) | 0) }));
      }),
      { numRuns: 20 },
    );
  });

  test('JsonNumbers are written as the array of their chunks\' numbers, as text and as bytes, a refilled chunk read before the next', () => {
    const chunks = [[1, -2], [], Float64Array.from([0.25, -0, NaN, 2 ** 40]), Int32Array.from({ length: 70_000 }, (_, i) => i * 37 - 9)];
    const all = chunks.flatMap((c) => [...c]);
    const refilled = (): JsonNumbers =>
      new JsonNumbers(function* () {
        const one: number[] = [];
        for (const c of chunks) {
          one.length = 0;
          one.push(...c);
          yield one;
        }
      });
    const want = JSON.stringify({ a: all, b: 'x', c: [] });
    expect([...jsonForScriptPieces({ a: refilled(), b: 'x', c: new JsonNumbers(() => []) })].join('')).toBe(want);
    expect(textOf(jsonForScriptBytes({ a: refilled(), b: 'x', c: new JsonNumbers(() => []) }))).toBe(want);
    // bytes come in several pieces, one buffer written over
    expect([...jsonForScriptBytes({ a: refilled() })].filter((p) => typeof p !== 'string').length).toBeGreaterThan(2);
  });

  test('is deterministic', () => {
    expect(renderHtml(guard, { title: 'guard' })).toBe(html);
  });

  test('a 100k-node tree fits in 15 MB', async () => {
    const report = await scaleReport();
    expect(countNodes(report.tree)).toBeGreaterThanOrEqual(100_000);
    const page = renderHtml(report);
    const bytes = Buffer.byteLength(page, 'utf8');
    console.log(`HTML for ${countNodes(report.tree)} nodes: ${(bytes / 1e6).toFixed(2)} MB`);
    expect(bytes).toBeLessThanOrEqual(15 * 1024 * 1024);
    expect(stripIds(decodeTree(unpackPage(dataBlock(page)).tree))).toEqual(stripIds(report.tree));
  });
});

describe('encodeTree / decodeTree', () => {
  test('property: any tree round-trips, events and sites included', () => {
    const frame = fc.constantFrom('main', 'a', 'b', '</script>', '\u2028', 'write_field');
    const kind = fc.constantFrom('user' as const, 'kernel' as const, 'jit' as const, 'instruction' as const);
    const step = fc.record({ name: frame, kind, dso: fc.option(fc.constantFrom('/bin/x', '[kernel.kallsyms]'), { nil: undefined }) });
    const sample = fc.tuple(fc.array(step, { maxLength: 6 }), fc.integer({ min: 1, max: 50 }), fc.constantFrom('page-faults', 'exceptions:page_fault_user'));
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 40 }), (samples) => {
        const builder = new TreeBuilder();
        for (const [path, v, e] of samples) {
          builder.add(
            path.map((s) => ({ name: s.name, kind: s.kind, ...(s.dso === undefined ? {} : { dso: s.dso }), ...(s.kind === 'instruction' ? { site: { dso: s.dso ?? '', symbol: s.name, offset: 0, address: '10', resolved: false } } : {}) })),
            v,
            e,
          );
        }
        const tree = builder.finish();
        const enc = JSON.parse(JSON.stringify(encodeTree(tree))) as ReturnType<typeof encodeTree>;
        expect(stripIds(decodeTree(enc))).toEqual(stripIds(tree));
      }),
      { numRuns: 200 },
    );
  });

  test('property: the x0 offsets are d3-hierarchy\'s partition of the tree, to the bit, fractional values and inconsistent trees too', () => {
    type T = { value: number; children: T[] };
    const node: fc.Memo<T> = fc.memo((depth) =>
      fc.record({ value: fc.oneof(fc.nat(1000), fc.double({ min: 0, max: 1e3, noNaN: true })), children: depth > 1 ? fc.array(node(depth - 1), { maxLength: 4 }) : fc.constant([]) }),
    );
    fc.assert(
      fc.property(node(5), (t) => {
        const tree = (x: T): TreeNode => ({ name: 'n', kind: 'user', value: x.value, self: 0, byEvent: {}, children: x.children.map(tree) });
        const root = tree(t);
        const laid = hierarchy<TreeNode>(root, (d) => d.children).sum((d) => Math.max(0, d.value - d.children.reduce((a, c) => a + c.value, 0)));
        const want: number[] = [];
        partition<TreeNode>().size([laid.value ?? 0, 1])(laid).eachBefore((n) => want.push(n.x0));
        const got = encodeTree(root).x0;
        expect(got.length).toBe(want.length);
        got.forEach((x, i) => expect(Object.is(x, want[i])).toBe(true));
      }),
      { numRuns: 300 },
    );
  });

  test('stores each name once', async () => {
    const enc = encodeTree((await scaleReport()).tree);
    expect(new Set(enc.strings).size).toBe(enc.strings.length);
    expect(enc.strings.length).toBeLessThan(enc.name.length / 5);
  });
});
