// Faults over time and the threads panel of the HTML report in Chromium: the
// timeline's hover values and protection-change markers, a dragged time
// window that cuts the flame graph and the tables, and the fork tree whose
// process and thread clicks cut the flame graph to their faults. Expected
// numbers come from the report's own cells (TreeNode.cells), summed here.
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { regionGroupName, type Report } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';
import { forEachPath } from '../../src/tree.js';
import { renderHtml } from '../../viz/html/index.js';
import { artifactPath, dragTimeline, drawnBoxes, openArtifact, useChromium, type PageLog } from '../browser/chromium.js';
import { cellSum, quantumIn } from './fixtures.js';

const guard = await buildReport({ traces: ['samples/guard/perf-script.txt.gz'], objdump: ['samples/guard/guard.objdump-dl.txt', 'samples/guard/libc.objdump-dl.txt.gz'] });
// as `faultpath report -f html` builds it: with the tree by protection site
const guardSites = await buildReport({ traces: ['samples/guard/perf-script.txt.gz'], objdump: ['samples/guard/guard.objdump-dl.txt', 'samples/guard/libc.objdump-dl.txt.gz'], siteTree: true, siteTreeNodes: true });
const regions = await buildReport({ traces: ['samples/regions/regions.perf-script.txt.gz'], objdump: ['samples/regions/regions.objdump-dl.txt'] });

const browser = useChromium();

const open = (name: string, report: Report): Promise<{ page: Page; log: PageLog; url: string }> => openArtifact(browser, name, renderHtml(report, { title: name }));

function quiet(log: PageLog, url: string): void {
  expect(log.errors).toEqual([]);
  expect(log.dialogs).toEqual([]);
  expect(log.requests).toEqual([url]);
}

const fmt = (n: number): string => n.toLocaleString('en-US');

describe('faults over time', () => {
  test('hover reads the values of a bin and the protection changes in it; a drag cuts the flame graph and the tables to the window', async () => {
    const { page, log, url } = await open('timeline-window.html', guard);
    const chart = page.locator('#timeline canvas.tl-canvas');
    await chart.scrollIntoViewIfNeeded();
    const box = (await chart.boundingBox())!;
    const [from, to, bins] = await chart.evaluate((c) => [Number(c.dataset['from']), Number(c.dataset['to']), Number(c.dataset['bins'])]);
    const binOf = (t: number): number => Math.max(0, Math.min(bins - 1, Math.floor(((t - from) / (to - from)) * bins)));
    // the busiest bin, by class, from the report's timeline
    const perBin = new Map<number, Map<string, number>>();
    for (const p of guard.timeline!) {
      const m = perBin.get(binOf(p.time)) ?? new Map<string, number>();
      m.set(p.class, (m.get(p.class) ?? 0) + p.value);
      perBin.set(binOf(p.time), m);
    }
    const sumOf = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
    const [busy, classes] = [...perBin].sort((a, b) => sumOf(b[1]) - sumOf(a[1]))[0]!;
    await page.mouse.move(box.x + ((busy + 0.5) * box.width) / bins, box.y + box.height / 2);
    const readout = page.locator('#timeline .tl-readout');
    for (const [cls, n] of classes) await expect(readout.textContent()).resolves.toContain(`${fmt(n)} ${cls}`);
    // a bin with protection changes names the call, the protection and the site
    const s = guard.slices!;
    const change = s.changes.find((c) => c.call === 'mprotect' && c.prot === 'r--')!;
    const markBin = binOf(s.start + change.q * s.quantum);
    await page.mouse.move(box.x + ((markBin + 0.5) * box.width) / bins, box.y + box.height / 2);
    await expect(readout.textContent()).resolves.toMatch(/mprotect r-- at \S+/);
    await expect(page.locator('#timeline .tl-legend').textContent()).resolves.toContain('protection changes');
    // drag from 20% to 55% of the chart: the window [a, b)
    const xa = box.width * 0.2;
    const xb = box.width * 0.55;
    await page.mouse.move(box.x + xa, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(box.x + (xa + xb) / 2, box.y + 12, { steps: 3 });
    await page.mouse.move(box.x + xb, box.y + 14, { steps: 3 });
    await page.mouse.up();
    const a = from + (xa / box.width) * (to - from);
    const b = from + (xb / box.width) * (to - from);
    const inWindow = (q: number): boolean => q >= 0 && s.start + (q + 0.5) * s.quantum >= a && s.start + (q + 0.5) * s.quantum < b;
    const kept = cellSum(guard.tree, (q) => inWindow(q));
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(guard.tree.value);
    const bar = page.locator('#filter-bar');
    await expect(bar.getAttribute('data-faults')).resolves.toBe(String(kept));
    await expect(bar.textContent()).resolves.toContain(`Showing ${fmt(kept)} of ${fmt(guard.tree.value)} faults`);
    // the top instruction's count in the table is the window's
    const perSite = new Map<string, number>();
    forEachPath(guard.tree, (_p, _self, n) => {
      if (n.site === undefined) return;
      const c = n.cells ?? [];
      let v = 0;
      for (let i = 0; i < c.length; i += 4) if (inWindow(c[i]!)) v += c[i + 3]!;
      perSite.set(`${n.site.dso} ${n.site.address}`, (perSite.get(`${n.site.dso} ${n.site.address}`) ?? 0) + v);
    });
    const top = Math.max(...perSite.values());
    await expect(page.locator('#sites tbody tr').first().textContent()).resolves.toContain(fmt(top));
    await page.screenshot({ path: artifactPath('timeline-window.png'), fullPage: true });
    // "Whole trace" clears it
    await page.locator('#timeline button', { hasText: 'Whole trace' }).click();
    await expect(bar.isHidden()).resolves.toBe(true);
    quiet(log, url);
    await page.close();
  });

  test('a window recounts the protection sites: faults and faulting instructions from the tree by site, calls from the changes in it', async () => {
    const { page, log, url } = await open('timeline-protection.html', guardSites);
    // the second half of the trace: retry cycles of both protecting sites, not all of them
    const { a, b } = await dragTimeline(page, 0.5, 0.95);
    const s = guardSites.slices!;
    const inWindow = quantumIn(s, a, b);
    const rows = page.locator('#protection tbody tr');
    let checked = 0;
    for (const site of guardSites.protection!.sites) {
      const node = guardSites.siteTree!.children.find((k) => k.name === site.site);
      const faults = node === undefined ? 0 : cellSum(node, (q) => inWindow(q));
      const calls = s.changes.filter((c) => c.site === site.site && inWindow(c.q)).reduce((n, c) => n + c.calls, 0);
      const row = rows.filter({ hasText: `${site.symbol}+0x${(site.offset ?? 0).toString(16)}` });
      if (faults === 0 && calls === 0) {
        await expect(row.count()).resolves.toBe(0);
        continue;
      }
      const cells = await row.first().locator('td').allTextContents();
      expect(cells[4], site.site).toBe(fmt(faults));
      expect(cells[2], site.site).toBe(fmt(calls));
      if (faults > 0 && faults < site.faults) checked++;
    }
    // the window cut at least one site's faults (both protecting sites fault through the whole run)
    expect(checked).toBeGreaterThan(0);
    // the faulting instructions too: protect_old's stores, in the window
    const old = guardSites.siteTree!.children.find((k) => k.name.startsWith('protect_old+0x28'))!;
    const store = cellSum(old, (q) => inWindow(q));
    await expect(rows.filter({ hasText: 'protect_old+0x28' }).first().textContent()).resolves.toContain(`mov %rsi,(%rdi) — ${fmt(store)}`);
    // the retry cycles' time from fault to the handler's call is a column of its own, not raw JSON
    const heads = await page.locator('#protection thead th').allTextContents();
    expect(heads).toContain("fault to handler's call");
    expect(heads).not.toContain('handlerTime');
    const h = guardSites.protection!.sites.find((x) => x.symbol === 'protect_old')!.handlerTime!;
    const us = (x: number): string => `${(x * 1e6).toFixed(0)} µs`;
    expect(h.max).toBeLessThan(1e-3);
    await expect(rows.filter({ hasText: 'protect_old+0x28' }).first().locator('td').nth(heads.indexOf("fault to handler's call")).textContent()).resolves.toBe(`${us(h.total / h.cycles)} avg · ${us(h.max)} max`);
    await page.locator('#protection-panel').screenshot({ path: artifactPath('timeline-protection.png') });
    // the whole trace again: the report's counts
    await page.locator('#timeline button', { hasText: 'Whole trace' }).click();
    await expect(rows.count()).resolves.toBe(guardSites.protection!.sites.length);
    quiet(log, url);
    await page.close();
  });
});

describe('faults over time from the keyboard', () => {
  test('← → read the bins as the pointer does, Shift+← → pick a window as a drag does, Esc on the chart clears it', async () => {
    const { page, log, url } = await open('timeline-keys.html', guard);
    const chart = page.locator('#timeline canvas.tl-canvas');
    await chart.scrollIntoViewIfNeeded();
    const box = (await chart.boundingBox())!;
    const [from, to, bins] = await chart.evaluate((c) => [Number(c.dataset['from']), Number(c.dataset['to']), Number(c.dataset['bins'])]);
    const readout = page.locator('#timeline .tl-readout');
    // what the pointer reads over bin 30
    await page.mouse.move(box.x + ((30 + 0.5) * box.width) / bins, box.y + box.height / 2);
    const bin30 = await readout.textContent();
    await page.mouse.move(box.x + ((10 + 0.5) * box.width) / bins, box.y + box.height / 2);
    await expect(readout.textContent()).resolves.not.toBe(bin30);
    await page.mouse.move(box.x + box.width / 2, box.y - 40);
    await chart.focus();
    for (let i = 0; i <= 30; i++) await page.keyboard.press('ArrowRight');
    await expect(readout.textContent()).resolves.toBe(bin30);
    // Shift: bins 30 to 45 become the window
    for (let i = 0; i < 15; i++) await page.keyboard.press('Shift+ArrowRight');
    const a = from + (30 * (to - from)) / bins;
    const b = from + (46 * (to - from)) / bins;
    const s = guard.slices!;
    const kept = cellSum(guard.tree, (q) => q >= 0 && s.start + (q + 0.5) * s.quantum >= a && s.start + (q + 0.5) * s.quantum < b);
    expect(kept).toBeGreaterThan(0);
    const bar = page.locator('#filter-bar');
    await expect(bar.isVisible()).resolves.toBe(true);
    await expect(bar.getAttribute('data-faults')).resolves.toBe(String(kept));
    await expect(page.evaluate(() => location.hash)).resolves.toContain('window=');
    await page.screenshot({ path: artifactPath('timeline-keys.png') });
    // Esc on the chart clears the window
    await page.keyboard.press('Escape');
    await expect(bar.isHidden()).resolves.toBe(true);
    await expect(page.evaluate(() => location.hash)).resolves.not.toContain('window=');
    quiet(log, url);
    await page.close();
  });
});

describe('faults over time in every view', () => {
  test('a window keeps the inverted view and its zoom; a zoom the window leaves no fault under goes up to the frame that has some', async () => {
    const { page, log, url } = await open('timeline-inverted.html', guardSites);
    await page.locator('button[data-tree="inverted"]').click();
    await page.locator('#flame-panel').scrollIntoViewIfNeeded();
    // the store that faults all through the run: write_field's
    const store = (await drawnBoxes(page)).find((b) => b.kind === 'instruction' && b.name.includes('mov %rsi,(%rdi)'))!;
    const fc = (await page.locator('#flame').boundingBox())!;
    await page.mouse.click(fc.x + store.x + 5, fc.y + store.y + 5);
    const flame = page.locator('#flame');
    await expect(flame.getAttribute('data-focus')).resolves.toBe(store.name);
    const chart = page.locator('#timeline canvas.tl-canvas');
    const drag = async (from: number, to: number): Promise<void> => {
      await chart.scrollIntoViewIfNeeded();
      const box = (await chart.boundingBox())!;
      await page.mouse.move(box.x + box.width * from, box.y + 10);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * to, box.y + 14, { steps: 4 });
      await page.mouse.up();
    };
    await drag(0.4, 0.95);
    await expect(page.locator('#filter-bar').isVisible()).resolves.toBe(true);
    await expect(page.locator('button[data-tree="inverted"]').getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(flame.getAttribute('data-focus')).resolves.toBe(store.name);
    await expect(page.locator('#breadcrumb').textContent()).resolves.toContain('Zoom (inverted)');
    // a window before the store first faulted (the program's start-up): the zoom goes up, the view stays inverted
    const first = { all: Infinity, store: Infinity };
    forEachPath(guardSites.tree, (_p, _self, n) => {
      const c = n.cells ?? [];
      for (let i = 0; i < c.length; i += 4) {
        if (c[i]! < 0) continue;
        first.all = Math.min(first.all, c[i]!);
        if (n.site?.instruction === 'mov %rsi,(%rdi)') first.store = Math.min(first.store, c[i]!);
      }
    });
    expect(first.store).toBeGreaterThan(first.all + 2);
    const [from, to] = await chart.evaluate((c) => [Number(c.dataset['from']), Number(c.dataset['to'])]);
    const at = (q: number): number => (guardSites.slices!.start + q * guardSites.slices!.quantum - from) / (to - from);
    await drag(at(first.all), at(first.store));
    const left = Number(await page.locator('#filter-bar').getAttribute('data-faults'));
    expect(left).toBeGreaterThan(0);
    const focus = await flame.getAttribute('data-focus');
    // the store's caller in the inverted tree: the command, which has faults in the window
    expect(focus).toBe(guardSites.tree.children[0]!.name);
    await expect(page.locator('button[data-tree="inverted"]').getAttribute('aria-pressed')).resolves.toBe('true');
    const shown = (await drawnBoxes(page)).filter((b) => !b.ancestor);
    expect(shown.length).toBeGreaterThan(0);
    expect(log.errors).toEqual([]);
    expect(log.requests).toEqual([url]);
    await page.close();
  });
});

describe('faults over time in the link', () => {
  test('a dragged window lives in location.hash: a reload or a pasted link shows the same window, view and zoom', async () => {
    const { page, log, url } = await open('timeline-hash.html', guardSites);
    await page.locator('button[data-tree="sites"]').click();
    const chart = page.locator('#timeline canvas.tl-canvas');
    await chart.scrollIntoViewIfNeeded();
    const box = (await chart.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.8, box.y + 14, { steps: 4 });
    await page.mouse.up();
    // zoomed to the busiest protection site of the window
    const site = (await drawnBoxes(page)).filter((x) => x.kind === 'protection-site').sort((x, y) => y.w - x.w)[0]!;
    await page.locator('#flame-panel').scrollIntoViewIfNeeded();
    const fc = (await page.locator('#flame').boundingBox())!;
    await page.mouse.click(fc.x + site.x + 5, fc.y + site.y + 5);
    await expect(page.locator('#flame').getAttribute('data-focus')).resolves.toBe(site.name);
    const bar = page.locator('#filter-bar');
    const faults = (await bar.getAttribute('data-faults'))!;
    expect(Number(faults)).toBeLessThan(guardSites.tree.value);
    const shown = await bar.textContent();
    const readout = await page.locator('#timeline .tl-readout').textContent();
    const hash = await page.evaluate(() => location.hash);
    expect(hash).toMatch(/window=[\d.]+-[\d.]+/);
    expect(hash).toContain('tree=sites');
    // a reload: the same window, counts and view
    await page.reload();
    await page.waitForSelector('body[data-ready="1"]');
    await expect(bar.isVisible()).resolves.toBe(true);
    await expect(bar.getAttribute('data-faults')).resolves.toBe(faults);
    await expect(bar.textContent()).resolves.toBe(shown);
    await expect(page.locator('#timeline .tl-readout').textContent()).resolves.toBe(readout);
    await expect(page.locator('#timeline button', { hasText: 'Whole trace' }).isVisible()).resolves.toBe(true);
    await expect(page.locator('button[data-tree="sites"]').getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(page.locator('#flame').getAttribute('data-focus')).resolves.toBe(site.name);
    await expect(page.evaluate(() => location.hash)).resolves.toBe(hash);
    await chart.scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifactPath('timeline-hash.png') });
    // the whole trace again: no window in the link
    await page.locator('#timeline button', { hasText: 'Whole trace' }).click();
    await expect(bar.isHidden()).resolves.toBe(true);
    await expect(page.evaluate(() => location.hash)).resolves.not.toContain('window=');
    // a hand-edited window that is not one: the whole trace, no error
    await page.goto(`${url}#window=5-1`);
    await page.reload();
    await page.waitForSelector('body[data-ready="1"]');
    await expect(bar.isHidden()).resolves.toBe(true);
    expect(log.errors).toEqual([]);
    expect(log.dialogs).toEqual([]);
    expect(new Set(log.requests)).toEqual(new Set([url]));
    await page.close();
  });
});

describe('processes and threads', () => {
  test('the fork tree lists each process under its parent, each thread with its faults; a click cuts the flame graph to them', async () => {
    const { page, log, url } = await open('threads-panel.html', regions);
    const s = regions.slices!;
    const panel = page.locator('#threads-panel');
    await panel.scrollIntoViewIfNeeded();
    const procs = regions.processes!;
    const child = procs.find((p) => p.parent !== undefined && procs.some((q) => q.pid === p.parent))!;
    expect(child).toBeDefined();
    // the child's entry sits inside its parent's
    const parentLi = panel.locator('li', { has: page.locator(`button[data-key="p${child.parent}"]`) }).first();
    await expect(parentLi.locator(`button[data-key="p${child.pid}"]`).count()).resolves.toBe(1);
    for (const p of procs) {
      await expect(panel.locator(`button[data-key="p${p.pid}"]`).locator('..').textContent()).resolves.toContain(`${fmt(p.faults)} faults`);
    }
    // each thread with its faults, and a click on it keeps only them
    const threads = s.threads.map((t, i) => ({ ...t, i, faults: cellSum(regions.tree, (_q, th) => th === i) }));
    expect(threads.length).toBeGreaterThan(2);
    const busiest = [...threads].sort((x, y) => y.faults - x.faults)[0]!;
    const other = threads.find((t) => t.pid === busiest.pid && t.tid !== busiest.tid) ?? threads.find((t) => t.tid !== busiest.tid)!;
    await expect(panel.locator(`button[data-key="t${other.i}"]`).locator('..').textContent()).resolves.toContain(fmt(other.faults));
    await panel.locator(`button[data-key="t${other.i}"]`).click();
    await expect(page.locator('#filter-bar').getAttribute('data-faults')).resolves.toBe(String(other.faults));
    await expect(page.locator('#filter-bar').textContent()).resolves.toContain(`tid ${other.tid}`);
    await expect(panel.locator(`button[data-key="t${other.i}"]`).getAttribute('aria-pressed')).resolves.toBe('true');
    // the region table counts the thread's faults only
    const regionsOf = new Map<string, number>();
    forEachPath(regions.tree, (_p, _self, n) => {
      const c = n.cells ?? [];
      for (let i = 0; i < c.length; i += 4) if (c[i + 1] === other.i) regionsOf.set(s.regions[c[i + 2]!]!, (regionsOf.get(s.regions[c[i + 2]!]!) ?? 0) + c[i + 3]!);
    });
    const listed = (regions.regions?.regions ?? []).filter((x) => (regionsOf.get(regionGroupName(x)) ?? 0) > 0);
    expect(listed.length).toBeGreaterThan(0);
    await expect(page.locator('#regions tbody tr').count()).resolves.toBe(listed.length);
    const top = [...listed].sort((a, b) => regionsOf.get(regionGroupName(b))! - regionsOf.get(regionGroupName(a))!)[0]!;
    await expect(page.locator('#regions tbody tr').first().locator('td').nth(2).textContent()).resolves.toBe(fmt(regionsOf.get(regionGroupName(top))!));
    await page.screenshot({ path: artifactPath('threads-panel.png'), fullPage: true });
    // a process keeps all of its threads
    await panel.locator(`button[data-key="p${child.pid}"]`).click();
    await expect(page.locator('#filter-bar').getAttribute('data-faults')).resolves.toBe(String(child.faults));
    // a click again shows all
    await panel.locator(`button[data-key="p${child.pid}"]`).click();
    await expect(page.locator('#filter-bar').isHidden()).resolves.toBe(true);
    quiet(log, url);
    await page.close();
  });
});

// samples/reuse: three pids each given to two or three processes in turn (fork without exec)
describe('processes that had the same pid', () => {
  test('each is its own entry, under its own parent, with its own faults', async () => {
    const reuse = await buildReport({ traces: ['samples/reuse/reuse.perf-script-task.txt'], objdump: ['samples/reuse/reuse.objdump-dl.txt'] });
    const { page, log, url } = await open('threads-reuse.html', reuse);
    const panel = page.locator('#threads-panel');
    await panel.scrollIntoViewIfNeeded();
    const procs = reuse.processes!;
    const key = (pid: number, life: number | undefined): string => `p${pid}${life !== undefined ? `/${life}` : ''}`;
    expect(procs.filter((p) => p.life !== undefined).length).toBeGreaterThanOrEqual(6);
    for (const p of procs) {
      const button = panel.locator(`button[data-key="${key(p.pid, p.life)}"]`);
      await expect(button.count()).resolves.toBe(1);
      await expect(button.locator('..').textContent()).resolves.toContain(`${fmt(p.faults)} faults`);
      if (p.life !== undefined) await expect(button.textContent()).resolves.toMatch(new RegExp(`^pid ${p.pid} \\(${p.life}(st|nd|rd|th) process\\) `));
      // the entry it sits in (its own li's li) is its parent's
      if (p.parent !== undefined) await expect(button.locator('xpath=ancestor::li[2]/div/button').getAttribute('data-key')).resolves.toBe(key(p.parent, p.parentLife));
    }
    quiet(log, url);
    await page.close();
  });
});
