// Faults by protection site in the HTML report (issue 14: 2), in Chromium: the
// page switches between the call paths and the protection sites — the tree
// `--group-by site` builds, carried beside the call tree — and a protection
// site's row filters the graph to that site's faults.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import type { TreeNode } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';
import { renderHtml } from '../../viz/html/index.js';
import { artifactPath, dragTimeline, flamePixel, openArtifact, useChromium, drawnBoxes } from '../browser/chromium.js';
import { cellSum, GUARD_DIR, quantumIn } from './fixtures.js';
import { MATCH_COLOR } from '../../viz/colors.js';

const base = { traces: [join(GUARD_DIR, 'perf-script.txt.gz')], objdump: [join(GUARD_DIR, 'guard.objdump-dl.txt')] };
const withSites = await buildReport({ ...base, siteTree: true, siteTreeNodes: true });
const plain = await buildReport(base);
const grouped = await buildReport({ ...base, groupBy: 'site' });

const drawn = drawnBoxes;

// Drags over the second half of the trace; returns the faults of the window under a node, from its cells.
async function dragWindow(page: Page): Promise<(t: TreeNode) => number> {
  const { a, b } = await dragTimeline(page, 0.5, 0.95);
  const inWindow = quantumIn(withSites.slices!, a, b);
  return (t) => cellSum(t, inWindow);
}

const browser = useChromium();

async function open(name: string, hash = ''): Promise<{ page: Page; url: string; errors: string[]; requests: string[] }> {
  const { page, log, url } = await openArtifact(browser, name, renderHtml(withSites), { hash });
  await page.locator('#flame-panel').scrollIntoViewIfNeeded();
  return { page, url, errors: log.errors, requests: log.requests };
}

describe('the tree by protection site', () => {
  test('is the tree --group-by site builds, and the call tree beside it is unchanged', () => {
    expect(withSites.siteTree).toBeDefined();
    // (the time/thread/region cells the page's filters read: both trees have them, compared below)
    const noCells = (t: TreeNode): unknown => JSON.parse(JSON.stringify(t, (k, v: unknown) => (k === 'cells' ? undefined : v)));
    expect(noCells(withSites.siteTree!)).toEqual(noCells(grouped.tree));
    expect(noCells(withSites.tree)).toEqual(noCells(plain.tree));
    // the cells hold the same values, a path split by site listing its cells twice
    const cellSums = (t: TreeNode, out: number[] = []): number[] => {
      let sum = 0;
      for (let i = 3; i < (t.cells ?? []).length; i += 4) sum += t.cells![i]!;
      out.push(sum);
      for (const k of t.children) cellSums(k, out);
      return out;
    };
    expect(cellSums(withSites.tree)).toEqual(cellSums(plain.tree));
    expect(withSites.sites).toEqual(plain.sites);
    expect(withSites.siteTree!.value).toBe(withSites.tree.value);
    // each protection site with faults is a node at the top, with the faults the protection section counts
    for (const s of withSites.protection!.sites.filter((x) => x.faults > 0)) {
      const node = withSites.siteTree!.children.find((k: TreeNode) => k.name === s.site);
      expect(node?.value, s.site).toBe(s.faults);
    }
    // the tree by site carries the same cells (the page recounts its protection sites for a time window): each node's add up to its value
    const bySiteSums = cellSums(withSites.siteTree!);
    const subtree = (t: TreeNode): number => [...(t.cells ?? [])].reduce((a, x, i) => (i % 4 === 3 ? a + x : a), 0) + t.children.reduce((a, k) => a + subtree(k), 0);
    for (const k of withSites.siteTree!.children) expect(subtree(k), k.name).toBe(k.value);
    expect(bySiteSums.reduce((a, b) => a + b, 0)).toBe(cellSums(withSites.tree).reduce((a, b) => a + b, 0));
  });
});

describe('HTML report: by call path or by protection site', () => {
  test('the switch draws the faults under the protection sites, and the view lives in the link', async () => {
    const { page, url, errors, requests } = await open('bysite-switch.html');
    const button = page.locator('button[data-tree="sites"]');
    await expect(button.isVisible()).resolves.toBe(true);
    await button.click();
    await expect(button.getAttribute('aria-pressed')).resolves.toBe('true');
    const top = (await drawn(page)).filter((b) => b.kind === 'protection-site').map((b) => b.name);
    for (const s of withSites.siteTree!.children) if (s.value / withSites.siteTree!.value > 0.05) expect(top).toContain(s.name);
    const hash = await page.evaluate(() => location.hash);
    expect(hash).toContain('tree=sites');
    await page.screenshot({ path: artifactPath('bysite-switch.png') });
    // a pasted link opens the same view
    const again = await open('bysite-switch.html', hash);
    await expect(again.page.locator('button[data-tree="sites"]').getAttribute('aria-pressed')).resolves.toBe('true');
    expect((await drawn(again.page)).some((b) => b.kind === 'protection-site')).toBe(true);
    await again.page.close();
    // back to the call paths
    await page.locator('button[data-tree="calls"]').click();
    expect((await drawn(page)).some((b) => b.kind === 'protection-site')).toBe(false);
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });

  test("a protection site's row filters the graph to its faults", async () => {
    const { page, url, errors, requests } = await open('bysite-filter.html');
    const young = withSites.protection!.sites.find((s) => s.symbol === 'protect_young')!;
    await page.locator('#protection tbody tr', { hasText: 'protect_young+0x' }).click();
    await expect(page.locator('#flame').getAttribute('data-focus')).resolves.toBe(young.site);
    const boxes = await drawn(page);
    const shown = boxes.filter((b) => !b.ancestor);
    // the zoomed frame is the site's, its width all the graph's; every frame drawn is under it
    const focus = shown.find((b) => b.name === young.site)!;
    expect(focus).toBeDefined();
    expect(shown.every((b) => b.x >= focus.x - 0.5 && b.x + b.w <= focus.x + focus.w + 0.5)).toBe(true);
    // only the stores this site's pages took are drawn; the start-up frames are gone
    const stores = shown.filter((b) => b.kind === 'instruction').map((b) => b.name);
    const covered = young.instructions.map((i) => i.instruction.slice(i.instruction.indexOf(': ') + 2));
    expect(stores.length).toBeGreaterThan(0);
    for (const s of stores) expect(covered.some((c) => s.includes(c))).toBe(true);
    expect(shown.some((b) => b.name.startsWith('_dl_'))).toBe(false);
    // the details say how many faults: the site's own
    await expect(page.locator('#details .share b').first().textContent()).resolves.toBe(String(young.faults));
    await page.waitForTimeout(500); // the row's smooth scroll to the graph
    await page.evaluate(() => document.getElementById('flame-panel')!.scrollIntoView());
    await page.screenshot({ path: artifactPath('bysite-filter.png') });
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });

  test("a protection site's frame says what the change set, how often and where, marks its row and opens its call's disassembly", async () => {
    const { page, url, errors, requests } = await open('bysite-details.html');
    await page.locator('button[data-tree="sites"]').click();
    const old = withSites.protection!.sites.find((s) => s.symbol === 'protect_old')!;
    const frame = (await drawn(page)).find((b) => b.name === old.site)!;
    const c = (await page.locator('#flame').boundingBox())!;
    await page.mouse.click(c.x + frame.x + 5, c.y + frame.y + 5);
    await expect(page.locator('#flame').getAttribute('data-focus')).resolves.toBe(old.site);
    const details = page.locator('#details');
    await expect(details.locator('.share b').first().textContent()).resolves.toBe(String(old.faults));
    const text = await details.innerText();
    expect(text).toMatch(new RegExp(`sets\\s+${old.prot}`));
    expect(text).toMatch(new RegExp(`calls\\s+mprotect ${old.calls['mprotect']}`));
    expect(text).toMatch(new RegExp(`retry cycles\\s+${old.cycles}`));
    expect(text).toContain(old.source!);
    // its row, marked; its call in the disassembly
    const row = page.locator('#protection tbody tr[aria-current="true"]');
    await expect(row.count()).resolves.toBe(1);
    await expect(row.textContent()).resolves.toContain('protect_old+0x28');
    const marked = page.locator('#listing .disasm .prot.focus');
    await expect(marked.textContent()).resolves.toContain(`protection site ${old.site}`);
    // the tooltip says it too, compactly
    await page.mouse.move(c.x + frame.x + 5, c.y + frame.y + 5);
    await expect(page.locator('#tooltip').innerText()).resolves.toMatch(new RegExp(`sets\\s+${old.prot}`));
    await page.locator('#flame-panel').screenshot({ path: artifactPath('bysite-details.png') });
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });

  test('a time window keeps the view by protection site and its zoom, and cuts them to the window', async () => {
    const { page, url, errors, requests } = await open('bysite-window.html');
    const old = withSites.protection!.sites.find((s) => s.symbol === 'protect_old')!;
    await page.locator('#protection tbody tr', { hasText: 'protect_old+0x' }).click();
    const flame = page.locator('#flame');
    await expect(flame.getAttribute('data-focus')).resolves.toBe(old.site);
    const bySiteButton = page.locator('button[data-tree="sites"]');
    await expect(bySiteButton.getAttribute('aria-pressed')).resolves.toBe('true');
    // drag over the second half of the trace
    const kept = await dragWindow(page);
    const oldNode = withSites.siteTree!.children.find((k) => k.name === old.site)!;
    const oldKept = kept(oldNode);
    expect(oldKept).toBeGreaterThan(0);
    expect(oldKept).toBeLessThan(old.faults);
    // still by protection site, still zoomed to the site, its details counting the window's faults
    await expect(bySiteButton.getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(page.locator('button[data-tree="calls"]').getAttribute('aria-pressed')).resolves.toBe('false');
    await expect(flame.getAttribute('data-focus')).resolves.toBe(old.site);
    await expect(page.locator('#details .share b').first().textContent()).resolves.toBe(String(oldKept));
    expect(await page.evaluate(() => location.hash)).toContain('tree=sites');
    await expect(page.locator('#filter-bar').getAttribute('data-faults')).resolves.toBe(String(kept(withSites.siteTree!)));
    // zoomed out: each protection site as wide as its faults in the window
    await page.locator('#reset').click();
    const boxes = await drawn(page);
    const root = boxes.find((x) => x.name === withSites.siteTree!.name && !x.ancestor)!;
    const all = kept(withSites.siteTree!);
    let sites = 0;
    for (const k of withSites.siteTree!.children) {
      const v = kept(k);
      const drawnSite = boxes.find((x) => x.name === k.name);
      if (v === 0) {
        expect(drawnSite, k.name).toBeUndefined();
        continue;
      }
      expect(drawnSite?.w ?? 0, k.name).toBeCloseTo((root.w * v) / all, 0);
      if (drawnSite?.kind === 'protection-site') sites++;
    }
    expect(sites).toBeGreaterThan(1);
    await page.evaluate(() => document.getElementById('flame-panel')!.scrollIntoView());
    await page.screenshot({ path: artifactPath('bysite-window.png') });
    // the whole trace again: still by protection site
    await page.locator('#timeline button', { hasText: 'Whole trace' }).click();
    await expect(bySiteButton.getAttribute('aria-pressed')).resolves.toBe('true');
    const whole = (await drawn(page)).find((x) => x.name === old.site)!;
    expect(whole.w).toBeCloseTo((root.w * old.faults) / withSites.siteTree!.value, 0);
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });
});

describe('HTML report: the tree by protection site is made when first needed', () => {
  const made = (page: Page): Promise<boolean> => page.evaluate(() => (window as unknown as { faultpath: { sitesMade(): boolean } }).faultpath.sitesMade());

  test('the page opens without it, its legend and switch already there; a search made before it marks it when shown', async () => {
    const { page, url, errors, requests } = await open('bysite-lazy-search.html');
    expect(await made(page)).toBe(false);
    await expect(page.locator('button[data-tree="sites"]').isVisible()).resolves.toBe(true);
    await expect(page.locator('#legend').innerText()).resolves.toContain('protection site');
    // a frame under a site, searched for from the call tree
    const young = withSites.protection!.sites.find((s) => s.symbol === 'protect_young')!;
    const under = withSites.siteTree!.children.find((k) => k.name === young.site)!.children[0]!;
    await page.fill('#search', `^${under.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    await page.press('#search', 'Enter');
    await expect(page.locator('#matched').getAttribute('class')).resolves.toBe('hit');
    expect(await made(page)).toBe(false);
    await page.locator('button[data-tree="sites"]').click();
    expect(await made(page)).toBe(true);
    const hit = (await drawn(page)).find((b) => b.name === under.name && b.kind !== 'merged')!;
    expect(hit).toBeDefined();
    expect(await flamePixel(page, hit.x + 2, hit.y + 2)).toBe(MATCH_COLOR);
    const site = (await drawn(page)).find((b) => b.name === young.site)!;
    expect(await flamePixel(page, site.x + 2, site.y + 2)).not.toBe(MATCH_COLOR);
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });

  test('a time window recounts the protection table without it, and cuts it when shown', async () => {
    const { page, url, errors, requests } = await open('bysite-lazy-window.html');
    const kept = await dragWindow(page);
    // the protection table counts the window's faults, from the tree by site
    const old = withSites.protection!.sites.find((x) => x.symbol === 'protect_old')!;
    const oldKept = kept(withSites.siteTree!.children.find((k) => k.name === old.site)!);
    expect(oldKept).toBeGreaterThan(0);
    await expect(page.locator('#protection tbody tr', { hasText: 'protect_old+0x' }).innerText()).resolves.toContain(String(oldKept));
    // recounted from the leaves by site: the tree is still not made
    expect(await made(page)).toBe(false);
    await page.locator('button[data-tree="sites"]').click();
    expect(await made(page)).toBe(true);
    await expect(page.locator('#filter-bar').getAttribute('data-faults')).resolves.toBe(String(kept(withSites.siteTree!)));
    const boxes = await drawn(page);
    const root = boxes.find((x) => x.name === withSites.siteTree!.name && !x.ancestor)!;
    const all = kept(withSites.siteTree!);
    for (const k of withSites.siteTree!.children) {
      const v = kept(k);
      const at = boxes.find((x) => x.name === k.name);
      if (v === 0) expect(at, k.name).toBeUndefined();
      else expect(at?.w ?? 0, k.name).toBeCloseTo((root.w * v) / all, 0);
    }
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });
});
