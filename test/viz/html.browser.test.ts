// The HTML report and the SVG in a real browser (Debian's Chromium through
// playwright-core). Pages are written to test/artifacts/ and opened from
// file:// URLs, as a colleague would open a mailed report; screenshots land
// next to them.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { diffReports } from '../../src/diff.js';
import { disassemblyKey, type Report, type TreeNode } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';
import { CLASS_MEANING } from '../../viz/classes.js';
import { colorFor, MATCH_COLOR } from '../../viz/colors.js';
import { renderDiffHtml } from '../../viz/diff.js';
import { renderHtml } from '../../viz/html/index.js';
import { layoutTree } from '../../viz/layout.js';
import { renderSvg } from '../../viz/svg.js';
import { TreeBuilder } from '../../src/tree.js';
import { artifactPath, flamePixel, launchChromium, openArtifact, openPage, useChromium, type PageLog, drawnBoxes, type DrawnBox } from '../browser/chromium.js';
import { captureReport, countNodes, EVIL, GUARD_DIR, guardReport, hostileReport, scaleReport, walk } from './fixtures.js';

const guard = await guardReport();


const browser = useChromium();

async function openReport(name: string, text: string): Promise<{ page: Page; log: PageLog; url: string }> {
  return openArtifact(browser, name, text);
}

const drawn = drawnBoxes;

async function find(page: Page, pred: (b: DrawnBox) => boolean): Promise<DrawnBox> {
  const box = (await drawn(page)).find(pred);
  expect(box).toBeDefined();
  return box!;
}

async function pointAt(page: Page, b: DrawnBox): Promise<{ x: number; y: number }> {
  // the findings above the flame graph can push it below the first screen
  await page.evaluate((y) => {
    const c = document.getElementById('flame')!.getBoundingClientRect();
    if (c.top + y > window.innerHeight - 40 || c.top < 0) window.scrollBy(0, c.top + y - window.innerHeight / 2);
  }, b.y);
  const c = (await page.locator('#flame').boundingBox())!;
  return { x: c.x + b.x + Math.min(b.w / 2, 40), y: c.y + b.y + b.h / 2 };
}

function expectQuiet(log: PageLog, url: string): void {
  expect(log.errors).toEqual([]);
  expect(log.dialogs).toEqual([]);
  expect(log.requests).toEqual([url]);
}

function pct(part: number, whole: number): string {
  const p = (100 * part) / whole;
  return `${p >= 10 || p === 0 ? p.toFixed(1) : p.toPrecision(2)}%`;
}

describe('HTML report in Chromium', () => {

  test('opens offline: no console error, no request but the file itself, every frame the layout has', async () => {
    const { page, log, url } = await openReport('guard.html', renderHtml(guard, { title: 'guard: write-barrier faults' }));
    await page.screenshot({ path: artifactPath('guard-overview.png') });
    await page.screenshot({ path: artifactPath('guard-full.png'), fullPage: true });
    const width = await page.evaluate(() => document.getElementById('flame')!.clientWidth);
    const frames = Number(await page.locator('#flame').getAttribute('data-frames'));
    expect(frames).toBe(layoutTree(guard.tree, { width, minWidth: 1 }).boxes.length);
    expect(frames).toBe(countNodes(guard.tree));
    // The flame stands on its root: the root box is the bottom row.
    const boxes = await drawn(page);
    const root = boxes.find((b) => b.name === 'all')!;
    expect(Math.max(...boxes.map((b) => b.y))).toBe(root.y);
    // Panels are filled from the report.
    await expect(page.locator('#sites tbody tr').count()).resolves.toBe(15);
    await expect(page.locator('#sites tbody tr').first().textContent()).resolves.toContain('mov %rsi,(%rdi)');
    await expect(page.locator('#protection tbody tr').count()).resolves.toBe((guard.protection as { sites: unknown[] }).sites.length);
    await expect(page.locator('#classes .bar-row').count()).resolves.toBe(Object.keys(guard.classes!).length);
    // each class says what it means, beside its bar and in the legend's hover
    await expect(page.locator('#classes').innerText()).resolves.toContain(CLASS_MEANING['write-to-read-only']);
    await expect(page.locator('#timeline .tl-legend [title]').first().getAttribute('title')).resolves.toMatch(/^a |^an |^the /);
    await expect(page.locator('#timeline .tl-legend b').count()).resolves.toBe(new Set(guard.timeline!.map((t) => t.class)).size);
    await expect(page.locator('#warnings li').count()).resolves.toBe(guard.warnings.length);
    await expect(page.locator('#inputs').textContent()).resolves.toContain('samples/guard/perf-script.txt.gz');
    await expect(page.locator('#legend').textContent()).resolves.toContain('faulting instruction');
    expectQuiet(log, url);
    await page.close();
  });

  test('the larger FlameGraph capture draws exactly the boxes viz/layout.ts lays out', async () => {
    const report = await captureReport('perf-vertx-stacks-01');
    const { page, log, url } = await openReport('vertx.html', renderHtml(report, { title: 'vertx (FlameGraph test capture)' }));
    const width = await page.evaluate(() => document.getElementById('flame')!.clientWidth);
    const frames = Number(await page.locator('#flame').getAttribute('data-frames'));
    expect(frames).toBe(layoutTree(report.tree, { width, minWidth: 1 }).boxes.length);
    await page.screenshot({ path: artifactPath('vertx-overview.png') });
    expectQuiet(log, url);
    await page.close();
  });

  test('click zooms: the frame fills the width, the breadcrumb shows its path, Reset and Escape return', async () => {
    const { page, log, url } = await openReport('guard-zoom.html', renderHtml(guard));
    const before = Number(await page.locator('#flame').getAttribute('data-frames'));
    const target = await find(page, (b) => b.name === 'write_field');
    const p = await pointAt(page, target);
    await page.mouse.click(p.x, p.y);
    await page.mouse.move(0, 0);
    await expect(page.locator('#flame').getAttribute('data-focus')).resolves.toBe('write_field');
    const width = await page.evaluate(() => document.getElementById('flame')!.clientWidth);
    const zoomed = await find(page, (b) => b.name === 'write_field');
    expect(zoomed.x).toBeCloseTo(0);
    expect(zoomed.w).toBeCloseTo(width);
    const after = Number(await page.locator('#flame').getAttribute('data-frames'));
    expect(after).toBeLessThan(before);
    await expect(page.locator('#breadcrumb button').allTextContents()).resolves.toEqual(['all', 'guard', '__libc_start_call_main', 'main', 'mutate [inferred]', 'write_field']);
    await expect(page.locator('#details').textContent()).resolves.toContain('of all');
    await page.screenshot({ path: artifactPath('guard-zoomed.png') });
    await page.click('#reset');
    await expect(page.locator('#flame').getAttribute('data-focus')).resolves.toBe('all');
    await page.mouse.click(p.x, p.y);
    await page.keyboard.press('Escape');
    await expect(page.locator('#flame').getAttribute('data-focus')).resolves.toBe('all');
    // A breadcrumb step zooms back out.
    await page.mouse.click(p.x, p.y);
    await page.locator('#breadcrumb').getByRole('button', { name: 'main', exact: true }).click();
    await expect(page.locator('#flame').getAttribute('data-focus')).resolves.toBe('main');
    expectQuiet(log, url);
    await page.close();
  });

  test('regex search paints matches magenta and shows their share of the total', async () => {
    const { page, log, url } = await openReport('guard-search.html', renderHtml(guard));
    await page.fill('#search', '^write_(field|header)$');
    await page.press('#search', 'Enter');
    const matched = [...walk(guard.tree)].filter((n) => /^write_(field|header)$/.test(n.name));
    const share = matched.reduce((s, n) => s + n.value, 0);
    await expect(page.locator('#matched').textContent()).resolves.toBe(`Matched: ${pct(share, guard.tree.value)} of all · ${matched.length} frames`);
    const hit = await find(page, (b) => b.name === 'write_field');
    expect(await flamePixel(page, hit.x + 2, hit.y + 2)).toBe(MATCH_COLOR);
    const miss = await find(page, (b) => b.name === 'main');
    expect(await flamePixel(page, miss.x + 2, miss.y + 2)).toBe(colorFor('user', 'main'));
    await page.screenshot({ path: artifactPath('guard-search.png') });
    // Nested matches count once: a match inside a match adds nothing.
    await page.fill('#search', 'main|write');
    await page.press('#search', 'Enter');
    await expect(page.locator('#matched').textContent()).resolves.toContain(`Matched: ${pct(matchedShare(guard.tree, /main|write/), guard.tree.value)} of all`);
    // A broken pattern says so instead of throwing.
    await page.fill('#search', 'write_(');
    await page.press('#search', 'Enter');
    await expect(page.locator('#matched').textContent()).resolves.toBe('invalid regular expression');
    expectQuiet(log, url);
    await page.close();
  });

  test('hovering an instruction leaf shows name, counts per event, shares and the disassembly around it', async () => {
    const { page, log, url } = await openReport('guard-tooltip.html', renderHtml(guard));
    const leaf = await find(page, (b) => b.name.startsWith('0x12eb:'));
    const p = await pointAt(page, leaf);
    await page.mouse.move(p.x, p.y);
    const tip = page.locator('#tooltip');
    await expect(tip.isVisible()).resolves.toBe(true);
    const text = (await tip.textContent())!;
    const node = [...walk(guard.tree)].find((n) => n.name.startsWith('0x12eb:'))!;
    expect(text).toContain('0x12eb: mov %rsi,(%rdi) [guard.c:58]');
    expect(text).toContain(`${pct(node.value, guard.tree.value)} of all · 100.0% of parent`);
    expect(text).toContain(`exceptions:page_fault_user${node.byEvent['exceptions:page_fault_user']}`);
    expect(text).toContain(`page-faults${node.byEvent['page-faults']}`);
    expect(text).toContain('samples/guard/guard.c:58');
    // Compact: the faulting line and two neighbours each side (the details panel has the listing).
    const rows = await tip.locator('.disasm > div:not(.src)').allTextContents();
    const listing = guard.disassembly!.functions[guard.disassembly!.at[disassemblyKey(node.dso!, '12eb')]!]!.lines;
    const at = listing.findIndex((l) => l.address === '12eb');
    expect(rows).toHaveLength(Math.min(listing.length, at + 3) - Math.max(0, at - 2));
    const marked = await tip.locator('.disasm .fault').allTextContents();
    expect(marked).toHaveLength(1);
    expect(marked[0]).toMatch(/▶\s+0x12eb\s+mov %rsi,\(%rdi\)/);
    expect(marked[0]).toMatch(new RegExp(`^\\s*${listing[at]!.count}\\s`));
    await page.screenshot({ path: artifactPath('guard-tooltip.png') });
    // A plain frame's tooltip names its parent share too.
    const fn = await find(page, (b) => b.name === 'write_header');
    const q = await pointAt(page, fn);
    await page.mouse.move(q.x, q.y);
    await expect(tip.textContent()).resolves.toContain('write_header');
    expectQuiet(log, url);
    await page.close();
  });

  test('an instruction frame is labelled instruction first, address last: a narrow one keeps the instruction', async () => {
    const { page, log, url } = await openReport('guard-labels.html', renderHtml(guard));
    // record the labels the next draw writes on the canvas
    await page.evaluate(() => {
      const w = window as unknown as { labels: string[] };
      w.labels = [];
      const fill = CanvasRenderingContext2D.prototype.fillText;
      CanvasRenderingContext2D.prototype.fillText = function (this: CanvasRenderingContext2D, text: string, x: number, y: number, max?: number) {
        w.labels.push(text);
        fill.call(this, text, x, y, max);
      };
    });
    await page.click('button[data-dir="flame"]');
    const labels = await page.evaluate(() => (window as unknown as { labels: string[] }).labels);
    expect(labels).toContain('mov %rsi,(%rdi) [guard.c:58] @0x12eb');
    // write_header's store is a quarter as wide: its label is cut at the end, the instruction kept
    const narrow = await find(page, (b) => b.kind === 'instruction' && b.name.includes('mov %sil,(%rdi)'));
    const label = labels.find((l) => l.startsWith('mov %sil,(%r'));
    expect(label, `drawn ${narrow.w.toFixed(0)} px wide`).toBeDefined();
    expect(labels.filter((l) => /^0x[0-9a-f]+: /.test(l))).toEqual([]);
    expectQuiet(log, url);
    await page.close();
  });

  test('the inverted tree puts the faulting instruction first; icicle hangs the root from the top', async () => {
    const { page, log, url } = await openReport('guard-inverted.html', renderHtml(guard));
    await page.click('button[data-tree="inverted"]');
    await expect(page.locator('#flame').getAttribute('data-view')).resolves.toBe('inverted icicle');
    const boxes = await drawn(page);
    const root = boxes.find((b) => b.name === 'all')!;
    expect(root.y).toBe(0);
    const comm = boxes.find((b) => b.name === 'guard' && b.y === 18)!;
    // Every path of the guard sample that ends in user code ends in an instruction leaf; the
    // kernel-only paths (faults while execve loads the binary) end in a kernel frame.
    const firstLevel = boxes.filter((b) => b.y === 36 && b.x >= comm.x && b.x < comm.x + comm.w);
    const leaves = new Set([...walk(guard.tree)].filter((n) => n.children.length === 0).map((n) => n.name));
    expect(firstLevel.every((b) => b.merged > 0 || leaves.has(b.name))).toBe(true);
    expect(firstLevel.filter((b) => b.kind === 'instruction').length).toBeGreaterThan(firstLevel.length / 2);
    const leaf = firstLevel.find((b) => b.name.startsWith('0x12eb:'))!;
    const node = [...walk(guard.tree)].find((n) => n.name.startsWith('0x12eb:'))!;
    expect(leaf.w / root.w).toBeCloseTo(node.value / guard.tree.value, 6);
    // Under the instruction: its function, then the callers.
    const under = boxes.filter((b) => b.y === 54 && b.x >= leaf.x && b.x < leaf.x + leaf.w).map((b) => b.name);
    expect(under).toEqual(['write_field']);
    await page.screenshot({ path: artifactPath('guard-inverted.png') });
    await page.click('button[data-tree="calls"]');
    await page.click('button[data-dir="icicle"]');
    await expect(page.locator('#flame').getAttribute('data-view')).resolves.toBe('calls icicle');
    expect((await drawn(page)).find((b) => b.name === 'all')!.y).toBe(0);
    expectQuiet(log, url);
    await page.close();
  });

  test('a row of the top-instructions table finds the instruction in the flame graph', async () => {
    const { page, log, url } = await openReport('guard-site-click.html', renderHtml(guard));
    await page.locator('#sites tbody tr').nth(2).click();
    await expect(page.locator('#search').inputValue()).resolves.toBe('^0x12ef: mov %sil,\\(%rdi\\) \\[guard\\.c:63\\]$');
    await expect(page.locator('#matched').textContent()).resolves.toContain('1 frame');
    expectQuiet(log, url);
    await page.close();
  });

  test('hostile symbols stay text: no element, no script, no alert, and the text is visible', async () => {
    const report = await hostileReport();
    const { page, log, url } = await openReport('hostile.html', renderHtml(report, { title: `<b>${EVIL}</b>` }));
    await expect(page.title()).resolves.toBe(`<b>${EVIL}</b>`);
    await expect(page.evaluate(() => document.querySelectorAll('img, b img, script:not([type]) ~ img').length)).resolves.toBe(0);
    await expect(page.evaluate(() => document.getElementsByTagName('img').length)).resolves.toBe(0);
    const frame = await find(page, (b) => b.name === EVIL);
    const p = await pointAt(page, frame);
    await page.mouse.move(p.x, p.y);
    await expect(page.locator('#tooltip').textContent()).resolves.toContain(EVIL);
    await expect(page.locator('#tooltip').isVisible()).resolves.toBe(true);
    await page.mouse.click(p.x, p.y);
    await expect(page.locator('#breadcrumb').textContent()).resolves.toContain(EVIL);
    await expect(page.locator('#details').textContent()).resolves.toContain(`/tmp/${EVIL}.so`);
    await expect(page.locator('#sites').textContent()).resolves.toContain(EVIL);
    await expect(page.locator('#protection').textContent()).resolves.toContain(EVIL);
    await expect(page.locator('#warnings').textContent()).resolves.toContain(`warning ${EVIL}`);
    await expect(page.locator('#inputs').textContent()).resolves.toContain(`${EVIL}.txt:1: ${EVIL}`);
    await expect(page.getByText(`warning ${EVIL}`).first().isVisible()).resolves.toBe(true);
    await expect(page.evaluate(() => document.getElementsByTagName('img').length)).resolves.toBe(0);
    await page.screenshot({ path: artifactPath('hostile.png') });
    expectQuiet(log, url);
    await page.close();
  });

  test('a 100k-node tree opens and responds (timed in the page; npm run bench keeps the speed figures)', async () => {
    const report = await scaleReport();
    const nodes = countNodes(report.tree);
    expect(nodes).toBeGreaterThanOrEqual(100_000);
    const html = renderHtml(report, { title: `${nodes} nodes from FlameGraph's test captures and the guard sample` });
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(15 * 1024 * 1024);
    const { page, log, url } = await openReport('scale.html', html);
    // the page's own performance.now from its script's start: navigation on a loaded machine does not count
    const openedMs = Number(await page.locator('body').getAttribute('data-ready-ms'));
    const frames = Number(await page.locator('#flame').getAttribute('data-frames'));
    const merged = (await drawn(page)).filter((b) => b.merged > 0);
    expect(frames).toBeLessThan(nodes / 10);
    expect(merged.length).toBeGreaterThan(0);
    const big = (await drawn(page)).filter((b) => b.name !== 'all' && b.merged === 0).sort((a, b) => b.w - a.w)[0]!;
    const p = await pointAt(page, big);
    const timings = await page.evaluate(
      async ([x, y]) => {
        const paint = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        const canvas = document.getElementById('flame')!;
        const search = document.getElementById('search') as HTMLInputElement;
        let t = performance.now();
        canvas.dispatchEvent(new MouseEvent('click', { clientX: x, clientY: y, bubbles: true }));
        await paint();
        const zoom = performance.now() - t;
        const focus = canvas.dataset['focus'];
        t = performance.now();
        search.value = 'memcpy|memset|page_fault';
        search.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
        await paint();
        const find = performance.now() - t;
        t = performance.now();
        (document.querySelector('button[data-tree="inverted"]') as HTMLButtonElement).click();
        await paint();
        const invert = performance.now() - t;
        t = performance.now();
        document.getElementById('reset')!.click();
        await paint();
        const reset = performance.now() - t;
        return { zoom, find, invert, reset, focus };
      },
      [p.x, p.y],
    );
    console.log(`100k-node page: ${nodes} nodes, ${(Buffer.byteLength(html) / 1e6).toFixed(2)} MB, opened in ${openedMs.toFixed(0)} ms (script ${await page.locator('body').getAttribute('data-ready-ms')} ms), ${frames} boxes drawn; zoom ${timings.zoom.toFixed(0)} ms, search ${timings.find.toFixed(0)} ms, invert ${timings.invert.toFixed(0)} ms, reset ${timings.reset.toFixed(0)} ms`);
    // generous bounds: they catch a page that hangs, not one slowed by a busy machine (it flaked at 2 s under load)
    expect(openedMs).toBeLessThan(10_000);
    expect(Math.max(timings.zoom, timings.find, timings.invert, timings.reset)).toBeLessThan(10_000);
    expect(timings.focus).toBe(big.name);
    await expect(page.locator('#matched').textContent()).resolves.toMatch(/^Matched: [\d.]+% of all · [\d,]+ frames$/);
    await page.screenshot({ path: artifactPath('scale.png') });
    expectQuiet(log, url);
    await page.close();
  });
});

describe('keyboard, links to a state, and sizing', () => {
  const selected = (page: Page): Promise<string | null> => page.locator('#details .name').textContent();

  test('arrow keys walk the frames (up to a child, sideways to a sibling, down to the parent), Enter zooms, Esc resets, / searches', async () => {
    const { page, log, url } = await openReport('guard-keys.html', renderHtml(guard));
    await page.focus('#flame');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('flame');
    await page.keyboard.press('ArrowUp'); // the first key selects the frame in focus: the root
    await expect(selected(page)).resolves.toBe('all');
    // focus is visible: the canvas takes the accent outline while the keys drive it
    const outline = (sel: string): Promise<string> => page.locator(sel).evaluate((e) => (e.matches(':focus-visible') ? `${getComputedStyle(e).outlineStyle} ${getComputedStyle(e).outlineWidth}` : 'none'));
    await expect(outline('#flame')).resolves.toBe('solid 2px');
    const comm = guard.tree.children[0]!;
    await page.keyboard.press('ArrowUp');
    await expect(selected(page)).resolves.toBe(comm.name);
    await page.keyboard.press('ArrowUp'); // children are drawn widest first: the leftmost
    await expect(selected(page)).resolves.toBe(comm.children[0]!.name);
    await page.keyboard.press('ArrowRight');
    await expect(selected(page)).resolves.toBe(comm.children[1]!.name);
    await page.keyboard.press('ArrowLeft');
    await expect(selected(page)).resolves.toBe(comm.children[0]!.name);
    await page.keyboard.press('ArrowDown');
    await expect(selected(page)).resolves.toBe(comm.name);
    await page.keyboard.press('Enter');
    await expect(page.locator('#flame').getAttribute('data-focus')).resolves.toBe(comm.name);
    await page.screenshot({ path: artifactPath('guard-keys.png') });
    await page.keyboard.press('Escape');
    await expect(page.locator('#flame').getAttribute('data-focus')).resolves.toBe('all');
    await page.focus('#flame');
    await page.keyboard.press('/');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('search');
    // A row of the top-instructions table takes focus (Tab reaches the rows), shows it, and Enter shows its instruction.
    await page.locator('#sites tbody tr').nth(1).focus();
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.closest('#sites tbody tr') !== null)).resolves.toBe(true);
    await expect(outline('#sites tbody tr:focus')).resolves.toBe('solid 2px');
    await page.keyboard.press('Enter');
    await expect(page.locator('#matched').textContent()).resolves.toContain('1 frame');
    expectQuiet(log, url);
    await page.close();
  });

  test('the arrow keys keep the selected frame in sight in a graph taller than its panel', async () => {
    const tree = new TreeBuilder();
    tree.add([{ name: 'app', kind: 'comm' }, ...Array.from({ length: 60 }, (_, i) => ({ name: `level${i}`, kind: 'user' as const }))], 10, 'page-faults');
    const { page, log, url } = await openReport('deep-keys.html', renderHtml({ ...guard, tree: tree.finish() }));
    await page.locator('#flame-panel').scrollIntoViewIfNeeded();
    const scroller = (): Promise<{ top: number; height: number; full: number }> =>
      page.evaluate(() => {
        const s = document.getElementById('scroller')!;
        return { top: s.scrollTop, height: s.clientHeight, full: s.scrollHeight };
      });
    const first = await scroller();
    expect(first.full).toBeGreaterThan(first.height * 1.5);
    const inSight = async (): Promise<string> => {
      const name = (await selected(page))!;
      const box = (await drawn(page)).find((b) => b.name === name)!;
      const s = await scroller();
      expect(box.y, name).toBeGreaterThanOrEqual(s.top);
      expect(box.y + box.h, name).toBeLessThanOrEqual(s.top + s.height);
      return name;
    };
    await page.focus('#flame');
    // up from the root to the deepest frame, then back down
    for (let i = 0; i < 63; i++) {
      await page.keyboard.press('ArrowUp');
      await inSight();
    }
    await expect(selected(page)).resolves.toBe('level59');
    await page.screenshot({ path: artifactPath('deep-keys.png') });
    for (let i = 0; i < 62; i++) {
      await page.keyboard.press('ArrowDown');
      await inSight();
    }
    await expect(selected(page)).resolves.toBe('all');
    expectQuiet(log, url);
    await page.close();
  });

  test('view, zoom and search live in location.hash: a reload or a pasted link opens the same view', async () => {
    const { page, log } = await openReport('guard-hash.html', renderHtml(guard));
    await page.fill('#search', 'write_');
    await page.press('#search', 'Enter');
    const target = await find(page, (b) => b.name === 'write_field');
    const p = await pointAt(page, target);
    await page.mouse.click(p.x, p.y);
    await page.click('button[data-dir="icicle"]');
    const link = await page.evaluate(() => location.href);
    expect(link).toContain('#');
    const matched = await page.locator('#matched').textContent();
    const again = await openPage(browser);
    await again.page.goto(link);
    await again.page.waitForSelector('body[data-ready="1"]');
    await expect(again.page.locator('#flame').getAttribute('data-focus')).resolves.toBe('write_field');
    await expect(again.page.locator('#flame').getAttribute('data-view')).resolves.toBe('calls icicle');
    await expect(again.page.locator('#search').inputValue()).resolves.toBe('write_');
    await expect(again.page.locator('#matched').textContent()).resolves.toBe(matched);
    // The inverted tree, zoomed to an instruction, round-trips too.
    await again.page.click('button[data-tree="inverted"]');
    const leaf = await find(again.page, (b) => b.name.startsWith('0x12eb:'));
    const q = await pointAt(again.page, leaf);
    await again.page.mouse.click(q.x, q.y);
    const inverted = await again.page.evaluate(() => location.href);
    expect(decodeURIComponent(inverted)).toContain('tree=inverted');
    const third = await openPage(browser);
    await third.page.goto(inverted);
    await third.page.waitForSelector('body[data-ready="1"]');
    await expect(third.page.locator('#flame').getAttribute('data-view')).resolves.toBe('inverted icicle');
    await expect(third.page.locator('#flame').getAttribute('data-focus')).resolves.toBe(leaf.name);
    for (const l of [log, again.log, third.log]) expect(l.errors).toEqual([]);
    await Promise.all([page.close(), again.page.close(), third.page.close()]);
  });

  test('a merged box marks a match hidden inside it, and the mark goes when the search changes', async () => {
    // One wide frame, and 2,000 frames too narrow to draw (together a sixth of the width), each with a `needle` below.
    const tree = new TreeBuilder();
    tree.add([{ name: 'app', kind: 'comm' }, { name: 'main', kind: 'user' }], 1_000_000, 'page-faults');
    for (let i = 0; i < 2000; i++) tree.add([{ name: 'app', kind: 'comm' }, { name: `narrow${i}`, kind: 'user' }, { name: 'needle', kind: 'user' }], 100, 'page-faults');
    const { page, log, url } = await openReport('merged-match.html', renderHtml({ ...guard, tree: tree.finish() }));
    const merged = await find(page, (b) => b.merged > 1);
    const bar = (): Promise<string> => flamePixel(page, merged.x + merged.w / 2, merged.y + merged.h - 2);
    await page.fill('#search', '^needle$');
    await page.press('#search', 'Enter');
    await expect(bar()).resolves.toBe(MATCH_COLOR);
    await page.fill('#search', '^nothing$');
    await page.press('#search', 'Enter');
    await expect(bar()).resolves.toBe(colorFor('merged', ''));
    expectQuiet(log, url);
    await page.close();
  });

  test('the canvas is as tall as the rows drawn: a deep chain of narrow frames does not stretch it, a shallow tree does not leave the panel blank', async () => {
    // One wide path, and a 128-deep chain under a frame too narrow to draw.
    const tree = new TreeBuilder();
    tree.add([{ name: 'app', kind: 'comm' }, { name: 'main', kind: 'user' }, { name: 'work', kind: 'user' }], 100_000, 'page-faults');
    tree.add([{ name: 'app', kind: 'comm' }, ...Array.from({ length: 128 }, (_, i) => ({ name: `deep${i}`, kind: 'user' as const }))], 1, 'page-faults');
    const report = { ...guard, tree: tree.finish() };
    const { page, log, url } = await openReport('deep-narrow.html', renderHtml(report));
    const rows = new Set((await drawn(page)).map((b) => b.y)).size;
    expect(rows).toBeLessThan(6);
    const canvas = await page.evaluate(() => document.getElementById('flame')!.clientHeight);
    const scroller = await page.evaluate(() => document.getElementById('scroller')!.clientHeight);
    expect(canvas).toBeLessThanOrEqual(Math.max(scroller, rows * 18));
    // The panel fits the drawn rows (within its minimum), not the tree's 130 levels.
    const panel = await page.evaluate(() => document.getElementById('flame-wrap')!.clientHeight);
    expect(panel).toBeLessThanOrEqual(Math.max(220, rows * 18 + 4));
    expectQuiet(log, url);
    await page.close();
  });
});

describe('the report the pipeline builds', () => {
  test('from the guard sample: opens quietly, draws every frame, shows the protection sites and the disassembly', async () => {
    const report = await buildReport({ traces: [join(GUARD_DIR, 'perf-script.txt.gz')], objdump: [join(GUARD_DIR, 'guard.objdump-dl.txt')] });
    const { page, log, url } = await openReport('pipeline-guard.html', renderHtml(report, { title: 'guard.c: a write barrier with mprotect' }));
    const width = await page.evaluate(() => document.getElementById('flame')!.clientWidth);
    const frames = Number(await page.locator('#flame').getAttribute('data-frames'));
    expect(frames).toBe(layoutTree(report.tree, { width, minWidth: 1 }).boxes.length);
    await expect(page.locator('#protection tbody tr').count()).resolves.toBe(report.protection?.sites.length ?? 0);
    const leaf = await find(page, (b) => b.kind === 'instruction' && b.name.includes('mov %rsi,(%rdi)'));
    const p = await pointAt(page, leaf);
    await page.mouse.move(p.x, p.y);
    await expect(page.locator('#tooltip .disasm .fault').textContent()).resolves.toContain('mov %rsi,(%rdi)');
    await page.screenshot({ path: artifactPath('pipeline-guard-tooltip.png') });
    await page.mouse.click(p.x, p.y);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: artifactPath('pipeline-guard.png'), fullPage: true });
    expectQuiet(log, url);
    await page.close();
  });

  test('from the regions sample: a row per faulted region with the call that mapped it, and why others are outside', async () => {
    const report = await buildReport({ traces: ['samples/regions/regions.perf-script.txt.gz'], objdump: ['samples/regions/regions.objdump-dl.txt'] });
    const { page, log, url } = await openReport('pipeline-regions.html', renderHtml(report, { title: 'regions.c: file, arenas, heap, thread stack, fork' }));
    const regions = report.regions!.regions;
    await expect(page.locator('#regions tbody tr').count()).resolves.toBe(regions.length);
    const arena = regions.find((r) => r.site?.startsWith('make_arena+') === true && r.call === 'mmap')!;
    await expect(page.locator('#regions tbody').textContent()).resolves.toContain(`${arena.site!} (mmap)`);
    await page.locator('#regions-panel').screenshot({ path: artifactPath('pipeline-regions.png') });
    expectQuiet(log, url);
    await page.close();
  });
});

describe('the diff page in Chromium', () => {
  test('opens quietly under its CSP, with its stylesheet applied', async () => {
    const touch = (trace: string): Promise<Report> => buildReport({ traces: [`samples/annotate/${trace}`], objdump: ['samples/annotate/touch.objdump-dl.txt'] });
    const diff = diffReports(await touch('touch.perf-script.txt'), await touch('touch-after.perf-script.txt'));
    // .htm: the diff page has no script, so nothing to wait for.
    const { page, log, url } = await openReport('diff.htm', renderDiffHtml(diff));
    await expect(page.locator('td.n').first().evaluate((td) => getComputedStyle(td).textAlign)).resolves.toBe('right');
    await expect(page.locator('svg g g').count()).resolves.toBeGreaterThan(10);
    expectQuiet(log, url);
    await page.close();
  });
});

describe('SVG in Chromium', () => {
  test('opens quietly; click zooms, and a search typed into the label (no prompt) highlights matches', async () => {
    const report = guard;
    const { page, log, url } = await openReport('guard.svg', renderSvg(report, { title: 'guard: write-barrier faults' }));
    await page.screenshot({ path: artifactPath('guard-svg.png') });
    const frames = page.locator('g.f');
    await expect(frames.count()).resolves.toBe(countNodes(report.tree));
    const target = page.locator('g.f', { has: page.locator('title', { hasText: /^write_field\n/ }) });
    await target.locator('rect').click();
    const width = Number(await page.locator('svg').getAttribute('data-width'));
    await expect(target.locator('rect').getAttribute('width')).resolves.toBe(width.toFixed(2));
    await expect(page.locator('#unzoom').getAttribute('class')).resolves.toBe('');
    // Search types into the label, no prompt(): each key searches, Enter keeps the pattern.
    await page.locator('#search').click();
    await page.keyboard.type('^write_');
    await expect(page.locator('#search').textContent()).resolves.toBe('Search: ^write_\u258f');
    await page.keyboard.press('Enter');
    await expect(page.locator('#search').textContent()).resolves.toBe('Reset Search');
    await expect(page.locator('#matched').textContent()).resolves.toMatch(/^Matched: \d+\.\d%$/);
    await expect(target.locator('rect').getAttribute('fill')).resolves.toBe(MATCH_COLOR);
    await page.screenshot({ path: artifactPath('guard-svg-zoom-search.png') });
    expect(log.errors).toEqual([]);
    expect(log.dialogs).toEqual([]);
    // `/` starts a search too, Esc clears it.
    await page.keyboard.press('/');
    await page.keyboard.type('main');
    await expect(page.locator('#matched').textContent()).resolves.toMatch(/^Matched: \d+\.\d%$/);
    await page.keyboard.press('Escape');
    await expect(page.locator('#search').textContent()).resolves.toBe('Search');
    await expect(target.locator('rect').getAttribute('fill')).resolves.not.toBe(MATCH_COLOR);
    expect(log.requests).toEqual([url]);
    await page.close();
  });
});

describe('the browser tests', () => {
  test('fail loudly when Chromium is missing', async () => {
    await expect(launchChromium('/nonexistent/chromium')).rejects.toThrow(/Chromium not found at \/nonexistent\/chromium/);
  });
});

// The value under matches, each counted once (FlameGraph's "Matched:").
function matchedShare(node: TreeNode, re: RegExp): number {
  if (re.test(node.name)) return node.value;
  return node.children.reduce((s, c) => s + matchedShare(c, re), 0);
}
