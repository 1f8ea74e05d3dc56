// The HTML report's disassembly (issue 14: 5) in Chromium: a faulting
// instruction's function from its first instruction, the faulting line
// scrolled into view, the faults per instruction as `faultpath annotate`
// counts them, the protection calls marked; the tooltip stays compact.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { annotateReport } from '../../src/annotate.js';
import type { DisasmIndex } from '../../src/disasm-index.js';
import { disassemblyKey, type Report } from '../../src/model.js';
import { MAX_LINES } from '../../src/page-listings.js';
import { buildReport, readListings } from '../../src/pipeline.js';
import { renderHtml } from '../../viz/html/index.js';
import { artifactPath, openPage, useChromium } from '../browser/chromium.js';
import { GUARD_DIR } from './fixtures.js';

const read = await readListings({ objdump: [join(GUARD_DIR, 'guard.objdump-dl.txt'), join(GUARD_DIR, 'libc.objdump-dl.txt.gz')] });
const indexed: readonly DisasmIndex[] = read.listings.map((l) => l.index);
const guard: Report = await buildReport({ traces: [join(GUARD_DIR, 'perf-script.txt.gz')], listings: read });
const listings = guard.disassembly!;

const browser = useChromium();

async function open(name: string, viewport = { width: 1400, height: 600 }): Promise<{ page: Page; url: string; errors: string[]; requests: string[] }> {
  const file = artifactPath(name);
  writeFileSync(file, renderHtml(guard));
  const url = pathToFileURL(file).href;
  const { page, log } = await openPage(browser);
  await page.setViewportSize(viewport);
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
  return { page, url, errors: log.errors, requests: log.requests };
}

/** Whether `inner` lies within `outer`'s visible box. */
async function inside(page: Page, inner: string, outer: string): Promise<boolean> {
  return page.evaluate(
    ([i, o]) => {
      const a = document.querySelector(i)!.getBoundingClientRect();
      const b = document.querySelector(o)!.getBoundingClientRect();
      return a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
    },
    [inner, outer] as const,
  );
}

describe('the report carries each faulting function once, as annotate lays it out', () => {
  test('from its first instruction, with the faults per instruction annotate counts, the protection sites marked', () => {
    const annotation = annotateReport(guard, indexed);
    expect(listings.functions.length).toBe(annotation.functions.length);
    listings.functions.forEach((fn, i) => {
      const a = annotation.functions[i]!;
      expect(fn.address).toBe(a.address);
      // short functions whole, from the first instruction; a long one cut around its faults, none of them left out
      expect(fn.before + fn.lines.length + fn.after).toBe(a.instructions.length);
      expect(fn.lines.length).toBeGreaterThanOrEqual(Math.min(a.instructions.length, MAX_LINES));
      if (a.instructions.length <= MAX_LINES) expect(fn.lines[0]!.address).toBe(a.instructions[0]!.address);
      expect(fn.lines.filter((l) => l.count !== undefined).length).toBe(a.instructions.filter((x) => x.count > 0).length);
      fn.lines.forEach((l, j) => {
        const x = a.instructions[fn.before + j]!;
        expect(l.address).toBe(x.address);
        const counts = Object.values(x.counts);
        expect(l.count).toBe(counts.length > 0 ? Math.max(...counts) : undefined);
        expect(l.protection).toBe(x.protection?.site);
        // the source line where it changes
        if (l.source !== undefined) expect(l.source).toBe(x.source);
        if (j > 0 && x.source !== a.instructions[fn.before + j - 1]!.source) expect(l.source).toBe(x.source);
      });
    });
    // every resolved faulting instruction finds its function, and its line there
    for (const s of guard.sites.filter((x) => x.resolved)) {
      const fn = listings.functions[listings.at[disassemblyKey(s.dso, s.address)]!]!;
      expect(fn.lines.find((l) => l.address === s.address)!.count).toBeGreaterThanOrEqual(s.count);
    }
    const protecting = guard.protection!.sites.filter((p) => p.faults > 0 && p.address !== null && p.dso.endsWith('/guard'));
    expect(protecting.length).toBeGreaterThan(0);
    for (const p of protecting) expect(listings.functions.some((fn) => fn.lines.some((l) => l.protection === p.site && l.protectionCall === true))).toBe(true);
  });
});

describe('HTML report: the disassembly view', () => {
  test('a faulting instruction opens its function from the first instruction, the faulting line in view, counts per line', async () => {
    const { page, url, errors, requests } = await open('listing-store.html');
    // the libc store sits deep in its function: its line must be scrolled to
    const store = guard.sites.find((s) => s.resolved && s.dso.includes('libc') && s.offset > 0x40)!;
    expect(store).toBeDefined();
    const fn = listings.functions[listings.at[disassemblyKey(store.dso, store.address)]!]!;
    expect(fn.before).toBe(0);
    await page.locator('#sites tbody tr', { hasText: store.instruction! }).first().click();
    const panel = page.locator('#listing-panel');
    await expect(panel.isVisible()).resolves.toBe(true);
    const rows = panel.locator('.disasm > div:not(.src):not(.fn):not(.cut)');
    await expect(rows.first().textContent()).resolves.toContain(`0x${fn.address}`);
    await expect(rows.count()).resolves.toBe(fn.lines.length);
    const fault = panel.locator('.disasm .fault');
    await expect(fault.count()).resolves.toBe(1);
    const line = fn.lines.find((l) => l.address === store.address)!;
    await expect(fault.textContent()).resolves.toMatch(new RegExp(`^\\s*${line.count}\\s+[\\d.]+%\\s+▶\\s+0x${store.address}\\s+`));
    // the listing scrolled itself, not to its top, to show the faulting line
    const scrolled = await page.evaluate(() => document.querySelector('#listing .disasm')!.scrollTop);
    expect(scrolled).toBeGreaterThan(0);
    await panel.scrollIntoViewIfNeeded();
    expect(await inside(page, '#listing .disasm .fault', '#listing .disasm')).toBe(true);
    // the other faulting lines of the function carry their counts too
    await expect(panel.locator('.disasm [data-count]').count()).resolves.toBe(fn.lines.filter((l) => l.count !== undefined).length);
    await page.screenshot({ path: artifactPath('listing-store.png') });
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });

  test('a protection site opens the function that holds its call, the call marked', async () => {
    const { page, url, errors, requests } = await open('listing-protection.html');
    const site = guard.protection!.sites.find((p) => p.symbol === 'protect_old')!;
    await page.locator('#protection tbody tr', { hasText: 'protect_old+0x' }).first().click();
    const marked = page.locator('#listing .disasm .prot.focus');
    await expect(marked.count()).resolves.toBe(1);
    await expect(marked.textContent()).resolves.toMatch(new RegExp(`◆\\s+0x${site.address!.replace(/^0x/, '')}\\s`));
    await expect(marked.textContent()).resolves.toContain(`protection site ${site.site}`);
    await page.locator('#listing-panel').scrollIntoViewIfNeeded();
    expect(await inside(page, '#listing .disasm .prot.focus', '#listing .disasm')).toBe(true);
    await page.locator('#listing-panel').screenshot({ path: artifactPath('listing-protection.png') });
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });

  test('the tooltip keeps the faulting line and two neighbours each side, with the counts', async () => {
    const { page, url, errors, requests } = await open('listing-tooltip.html', { width: 1400, height: 900 });
    await page.locator('#flame-panel').scrollIntoViewIfNeeded();
    const box = await page.evaluate(() =>
      (window as unknown as { faultpath: { boxes(): { name: string; kind: string; x: number; y: number; w: number; h: number }[] } }).faultpath.boxes().find((b) => b.kind === 'instruction' && b.name.includes('rep stos')),
    );
    expect(box).toBeDefined();
    const c = (await page.locator('#flame').boundingBox())!;
    await page.mouse.move(c.x + box!.x + Math.min(box!.w / 2, 20), c.y + box!.y + box!.h / 2);
    const tip = page.locator('#tooltip');
    await expect(tip.isVisible()).resolves.toBe(true);
    await expect(tip.locator('.disasm > div:not(.src)').count()).resolves.toBe(5);
    await expect(tip.locator('.disasm .fault').textContent()).resolves.toMatch(/^\s*16\s+100\.0%\s+▶/);
    expect((await tip.boundingBox())!.height).toBeLessThan(400);
    await page.screenshot({ path: artifactPath('listing-tooltip.png') });
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });
});

describe('merged reports', () => {
  test('a function both reports list is one listing with their counts added', async () => {
    const { mergeReports } = await import('../../src/merge.js');
    const merged = mergeReports([guard, guard]).disassembly!;
    expect(merged.functions.length).toBe(listings.functions.length);
    expect(Object.keys(merged.at).sort()).toEqual(Object.keys(listings.at).sort());
    merged.functions.forEach((fn, i) => {
      expect(fn.count).toBe(2 * listings.functions[i]!.count);
      fn.lines.forEach((l, j) => expect(l.count).toBe(listings.functions[i]!.lines[j]!.count === undefined ? undefined : 2 * listings.functions[i]!.lines[j]!.count!));
    });
  });
});
