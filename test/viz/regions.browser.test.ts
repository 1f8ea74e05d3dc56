// The memory-regions panel of the HTML report in Chromium, on the regions
// sample: the address-space strip, a click that cuts the flame graph down to
// one region's faults, the per-page heat, and trace strings kept as text.
import type { Locator, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { regionGroupName, type Report, type TreeNode } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';
import { renderHtml } from '../../viz/html/index.js';
import { artifactPath, openArtifact, useChromium, type PageLog, drawnBoxes } from '../browser/chromium.js';
import { EVIL } from './fixtures.js';

const base = { traces: ['samples/regions/regions.perf-script.txt.gz'], objdump: ['samples/regions/regions.objdump-dl.txt'] };
const byRegion = await buildReport({ ...base, groupBy: 'region' });
const byPath = await buildReport(base);


const browser = useChromium();

const open = (name: string, report: Report): Promise<{ page: Page; log: PageLog; url: string }> => openArtifact(browser, name, renderHtml(report, { title: 'regions.c' }));

const drawn = drawnBoxes;

/** The strip's button for a region, found by its group name (data-group). */
async function stripButton(page: Page, group: string): Promise<Locator> {
  const i = await page.locator('.strip-region').evaluateAll((bs, g) => bs.findIndex((b) => (b as HTMLElement).dataset['group'] === g), group);
  expect(i).toBeGreaterThanOrEqual(0);
  return page.locator('.strip-region').nth(i);
}

function quiet(log: PageLog, url: string): void {
  expect(log.errors).toEqual([]);
  expect(log.dialogs).toEqual([]);
  expect(log.requests).toEqual([url]);
}

describe('memory regions in Chromium', () => {
  test('a strip per process, every faulting region on it, small ones still visible', async () => {
    const { page, log, url } = await open('regions-strip.html', byRegion);
    const regions = byRegion.regions!.regions;
    const pids = new Set(regions.map((r) => r.pid));
    await expect(page.locator('.strip').count()).resolves.toBe(pids.size);
    await expect(page.locator('.strip-region').count()).resolves.toBe(regions.length);
    const widths = await page.locator('.strip-region').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect().width));
    expect(Math.min(...widths)).toBeGreaterThanOrEqual(3);
    // Busier regions are darker.
    const light = async (group: string): Promise<number> =>
      page.locator('.strip-region').evaluateAll((bs, g) => {
        const b = bs.find((x) => (x as HTMLElement).dataset['group'] === g)!;
        const m = /hsl\(\d+, 90%, (\d+)%\)/.exec(b.style.background) ?? /rgb\((\d+), (\d+), (\d+)\)/.exec(getComputedStyle(b).backgroundColor)!;
        return m.slice(1).reduce((s, v) => s + Number(v), 0);
      }, group);
    const sorted = [...regions].sort((a, b) => b.faults - a.faults);
    const group = (r: (typeof regions)[number]): string => `${r.name} ${r.start}-${r.end} (pid ${r.pid})`;
    if (sorted[0]!.faults > sorted[sorted.length - 1]!.faults) {
      expect(await light(group(sorted[0]!))).toBeLessThan(await light(group(sorted[sorted.length - 1]!)));
    }
    // Per-page heat: each region's hottest pages that faulted again, as in the JSON.
    const again = regions.flatMap((r) => r.hotPages.filter((p) => p.faults > 1));
    expect(again.length).toBeGreaterThan(0);
    await expect(page.locator('#regions .heat-cell').allTextContents()).resolves.toEqual(again.map((p) => `${p.page} ×${p.faults}`));
    await page.locator('#regions-panel').screenshot({ path: artifactPath('regions-strip.png') });
    quiet(log, url);
    await page.close();
  });

  test('a click on a region (strip or table) shows only its faults in the flame graph', async () => {
    const { page, log, url } = await open('regions-filter.html', byRegion);
    const regions = byRegion.regions!.regions;
    const target = regions.find((r) => r.kind === 'file') ?? regions[regions.length - 1]!;
    const name = `${target.name} ${target.start}-${target.end} (pid ${target.pid})`;
    const node = byRegion.tree.children.find((c) => c.name === name)!;
    expect(node).toBeDefined();
    expect(node.value).toBe(target.faults);
    const full = (await drawn(page)).find((b) => b.kind === 'root')!.w;
    await (await stripButton(page, name)).click();
    // Zoomed to the region: it spans the graph, and no other region is drawn.
    const boxes = await drawn(page);
    const top = boxes.filter((b) => b.kind === 'region' || byRegion.tree.children.some((c) => c.name === b.name));
    expect(top.map((b) => b.name)).toEqual([name]);
    expect(top[0]!.w).toBeCloseTo(full, 0);
    await expect(page.locator('#breadcrumb [aria-current="true"]').textContent()).resolves.toBe(name);
    await expect(page.locator(`.strip-region[aria-pressed="true"]`).count()).resolves.toBe(1);
    // The table's row does the same for another region.
    const other = regions.find((r) => r !== target)!;
    const otherName = `${other.name} ${other.start}-${other.end} (pid ${other.pid})`;
    await page.locator('#regions tbody button.link').nth(regions.indexOf(other)).click();
    await expect(page.locator('#breadcrumb [aria-current="true"]').textContent()).resolves.toBe(otherName);
    quiet(log, url);
    await page.close();
  });

  test('a click on a region cuts the call-path flame graph to its faults, and the bar above it clears the cut', async () => {
    const { page, log, url } = await open('regions-path.html', byPath);
    const regions = byPath.regions!.regions;
    const target = regions.find((r) => r.kind === 'file') ?? regions[regions.length - 1]!;
    expect(target.faults).toBeLessThan(byPath.tree.value);
    const full = (await drawn(page)).find((b) => b.kind === 'root')!.w;
    await (await stripButton(page, regionGroupName(target))).click();
    await expect(page.locator('#regions [role="status"]').textContent()).resolves.toBe(`The flame graph shows the faults in ${regionGroupName(target)}.`);
    await expect(page.locator('#filter-bar').getAttribute('data-faults')).resolves.toBe(String(target.faults));
    await expect(page.locator('#filter-bar').textContent()).resolves.toContain(`Showing ${target.faults} of ${byPath.tree.value.toLocaleString('en-US')} faults`);
    // the root still spans the graph; only the region's paths are in it: the frames under its node in the tree grouped by region
    const boxes = await drawn(page);
    expect(boxes.find((b) => b.kind === 'root')!.w).toBeCloseTo(full, 0);
    const under = new Set<string>();
    const collect = (n: TreeNode): void => {
      under.add(n.name);
      n.children.forEach(collect);
    };
    byRegion.tree.children.find((c) => c.name === regionGroupName(target))!.children.forEach(collect);
    const framed = boxes.filter((b) => b.kind !== 'root' && b.kind !== 'merged');
    expect(framed.length).toBeGreaterThan(2);
    expect(framed.filter((b) => !under.has(b.name))).toEqual([]);
    await expect(page.locator('#breadcrumb [aria-current="true"]').textContent()).resolves.toBe('all');
    await page.locator('#filter-bar button').click();
    await expect(page.locator('#filter-bar').isHidden()).resolves.toBe(true);
    expect((await drawn(page)).length).toBeGreaterThan(boxes.length);
    quiet(log, url);
    await page.close();
  });

  test('region names from the trace stay text', async () => {
    const file = byRegion.regions!.regions.find((r) => r.kind === 'file')!.name;
    const quoted = (s: string): string => JSON.stringify(s).slice(1, -1);
    // a report's cells are views of one typed array: written as the arrays they stand for
    const hostile = JSON.parse(JSON.stringify(byRegion, (_key, v: unknown) => (v instanceof Float64Array || v instanceof Int32Array ? [...v] : v)).replaceAll(quoted(file), quoted(`/tmp/${EVIL}`))) as Report;
    const { page, log, url } = await open('regions-hostile.html', hostile);
    await expect(page.locator('#regions img').count()).resolves.toBe(0);
    const labels = await page.locator('.strip-region').evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label') ?? ''));
    expect(labels.some((l) => l.includes(EVIL))).toBe(true);
    await (await stripButton(page, byRegion.tree.children.map((c) => c.name.replaceAll(file, `/tmp/${EVIL}`)).find((n) => n.startsWith('/tmp/'))!)).click();
    await expect(page.locator('#breadcrumb [aria-current="true"]').textContent()).resolves.toContain(EVIL);
    quiet(log, url);
    await page.close();
  });
});

// samples/reuse: three pids each given to two or three processes in turn (fork without exec)
describe('the regions of processes that had the same pid', () => {
  test('a strip per process, named by its life, with its own regions', async () => {
    const reuse = await buildReport({ traces: ['samples/reuse/reuse.perf-script-task.txt'], objdump: ['samples/reuse/reuse.objdump-dl.txt'], groupBy: 'region' });
    const regions = reuse.regions!.regions;
    const label = (r: (typeof regions)[number]): string => `pid ${r.pid}${r.life !== undefined ? ` (${r.life}${['st', 'nd', 'rd'][r.life - 1] ?? 'th'} process)` : ''}`;
    expect(regions.filter((r) => r.life !== undefined && r.life > 1).length).toBeGreaterThan(0);
    const { page, log, url } = await open('regions-reuse.html', reuse);
    const rows = page.locator('.strip-row');
    const labels = [...new Set(regions.map(label))];
    await expect(rows.locator('.strip-pid').allTextContents().then((t) => t.sort())).resolves.toEqual(labels.sort());
    for (const name of labels) {
      const row = rows.filter({ has: page.locator('.strip-pid', { hasText: new RegExp(`^${name.replace(/[()]/g, '\\$&')}$`) }) });
      const groups = regions.filter((r) => label(r) === name).map(regionGroupName);
      await expect(row.locator('.strip-region').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset['group']))).resolves.toEqual(expect.arrayContaining(groups));
      await expect(row.locator('.strip-region').count()).resolves.toBe(groups.length);
    }
    // a later process's region is a root of the flame graph of its own
    const later = regions.find((r) => r.life !== undefined && r.life > 1)!;
    expect(reuse.tree.children.find((c) => c.name === regionGroupName(later))?.value).toBe(later.faults);
    quiet(log, url);
    await page.close();
  });
});
