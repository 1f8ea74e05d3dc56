// The interactive SVG's search in Chromium, opened as a standalone file: the
// match share counts every matched sample (frames too narrow to draw
// included), nested matches once, as FlameGraph's "Matched:" does.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import type { Report, TreeNode } from '../../src/model.js';
import { TreeBuilder } from '../../src/tree.js';
import { MATCH_COLOR } from '../../viz/colors.js';
import { renderSvg } from '../../viz/svg.js';
import { artifactPath, openPage, useChromium } from '../browser/chromium.js';
import { guardReport } from './fixtures.js';

const guard = await guardReport();

const browser = useChromium();

// The value under matches, each counted once (a match under a match adds nothing).
function matchedShare(node: TreeNode, re: RegExp): number {
  if (re.test(node.name)) return node.value;
  return node.children.reduce((s, c) => s + matchedShare(c, re), 0);
}

// One wide frame with a match nested in a match, and 20,000 one-fault leaves
// far narrower than the 0.1 px a frame needs to be drawn.
function narrowReport(): Report {
  const b = new TreeBuilder();
  const add = (names: string[], value: number): void => {
    b.add([{ name: 'prog', kind: 'comm' }, ...names.map((name) => ({ name, kind: 'user' as const }))], value, 'page-faults');
  };
  add(['main', 'leak_outer', 'leak_inner', 'store'], 3000);
  add(['main', 'leak_outer', 'other'], 1000);
  add(['main', 'fill'], 6000);
  for (let i = 0; i < 20_000; i++) add(['main', 'spread', `${i % 3 === 0 ? 'leak' : 'keep'}_${i}`], 1);
  return { ...guard, tree: b.finish() };
}

describe('SVG layout in Chromium', () => {
  test('the subtitle sits clear above the top row of frames', async () => {
    const file = artifactPath('svg-guard-subtitle.svg');
    writeFileSync(file, renderSvg(guard, { title: 'guard' }));
    const { page, log } = await openPage(browser);
    await page.goto(pathToFileURL(file).href);
    const sub = (await page.locator('#subtitle').boundingBox())!;
    expect(sub.height).toBeGreaterThan(0);
    const tops = await page.locator('g.f rect').evaluateAll((rs) => rs.map((r) => r.getBoundingClientRect().top));
    expect(tops.length).toBeGreaterThan(10);
    expect(sub.y + sub.height).toBeLessThanOrEqual(Math.min(...tops));
    await page.screenshot({ path: artifactPath('svg-guard-subtitle.png'), clip: { x: 0, y: 0, width: 1200, height: 120 } });
    expect(log.errors).toEqual([]);
    await page.close();
  });
});

describe('SVG search in Chromium', () => {
  test('Matched: counts the samples of frames too narrow to draw, and nested matches once', async () => {
    const report = narrowReport();
    const svg = renderSvg(report, { title: 'narrow frames' });
    const file = artifactPath('svg-narrow-search.svg');
    writeFileSync(file, svg);
    const { page, log } = await openPage(browser);
    await page.goto(pathToFileURL(file).href);
    // most leaves are not drawn at all: the merged boxes stand for them
    const drawn = await page.locator('g.f').count();
    expect(drawn).toBeLessThan(1000);
    await page.keyboard.press('/');
    await page.keyboard.type('leak');
    await page.keyboard.press('Enter');
    const expected = (100 * matchedShare(report.tree, /leak/)) / report.tree.value;
    // 4,000 + 6,667 of 30,000: far more than the drawn `leak_` frames' 13.3%
    expect(expected).toBeCloseTo(35.6, 1);
    await expect(page.locator('#matched').textContent()).resolves.toBe(`Matched: ${expected.toFixed(1)}%`);
    // the outer match is coloured, and so is a merged box holding matching frames
    const outer = page.locator('g.f', { has: page.locator('title', { hasText: /^leak_outer\n/ }) });
    await expect(outer.locator('rect').getAttribute('fill')).resolves.toBe(MATCH_COLOR);
    const mergedFills = await page.locator('g.f[data-m] rect').evaluateAll((rs) => rs.map((r) => r.getAttribute('fill')));
    expect(mergedFills).toContain(MATCH_COLOR);
    await page.screenshot({ path: artifactPath('svg-narrow-search.png') });
    // a pattern only hidden frames match still counts them
    await page.keyboard.press('/');
    await page.keyboard.type('^leak_1');
    await page.keyboard.press('Enter');
    const hidden = (100 * matchedShare(report.tree, /^leak_1/)) / report.tree.value;
    expect(hidden).toBeGreaterThan(10);
    await expect(page.locator('#matched').textContent()).resolves.toBe(`Matched: ${hidden.toFixed(1)}%`);
    expect(log.errors).toEqual([]);
    expect(log.dialogs).toEqual([]);
    await page.close();
  });
});
