// The HTML report's first screen (issue 14: 1, 4) in Chromium: the findings
// lead the page, and the first 900 px (1400×900) and the first phone screen
// (390×844) of the guard sample's report name the pattern, the protecting call
// sites with their source lines, the faulting stores with their counts and
// the cost, each a link into the flame graph. The expected names and counts
// are read from the report, not written here.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { instructionId, type Report } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';
import { renderHtml } from '../../viz/html/index.js';
import { artifactPath, openPage, useChromium } from '../browser/chromium.js';
import { ROOT, runCli } from '../shared.js';
import { GUARD_DIR } from './fixtures.js';

// The guard sample as `faultpath report` reads it (its program's and libc's listings), and the committed `faultpath record` capture.
const sample = await buildReport({ traces: [join(GUARD_DIR, 'perf-script.txt.gz')], objdump: [join(GUARD_DIR, 'guard.objdump-dl.txt'), join(GUARD_DIR, 'libc.objdump-dl.txt.gz')] });
const captured = await runCli(['report', ROOT + 'samples/record/guard.capture', '-f', 'json', '-q']);
const capture = JSON.parse(captured.out) as Report;
const captureHtml = (await runCli(['report', ROOT + 'samples/record/guard.capture', '-f', 'html', '-q'])).out;

const browser = useChromium();

/** What the guard finding must show: its protecting sites (`symbol+0xoff`, source file:line) and its stores with their counts. */
function expected(report: Report): { sites: string[]; stores: { instruction: string; where: string; count: number }[]; cost: string } {
  const f = report.findings!.find((x) => x.kind === 'guard-retries')!;
  expect(f).toBeDefined();
  expect(report.findings![0]).toBe(f);
  const views = report.protection!.sites.filter((v) => f.sites.includes(v.site) && (v.classes['write-to-read-only'] ?? 0) > 0);
  expect(views.length).toBeGreaterThan(0);
  const sites = views.map((v) => `${v.symbol}+0x${v.offset!.toString(16)} ${v.source!.slice(v.source!.lastIndexOf('/') + 1)}`);
  const stores = f.instructions.map((id) => {
    // the JSON output writes addresses with 0x; the ids have none
    const rows = report.sites.filter((s) => instructionId({ ...s, address: s.address.replace(/^0x/, '') }) === id);
    return { instruction: rows[0]!.instruction!, where: `${rows[0]!.symbol}+0x${rows[0]!.offset.toString(16)}`, count: Math.max(...rows.map((r) => r.count)) };
  });
  expect(stores.length).toBeGreaterThan(0);
  return { sites, stores, cost: /Cost: (.+)$/.exec(f.text)![1]! };
}

/** The text of every element box that lies entirely within the first `height` px of the page, as one string. */
async function firstScreenText(page: Page, height: number): Promise<string> {
  return page.evaluate((h) => {
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) {
      if ((n.textContent ?? '').trim() === '') continue;
      range.selectNodeContents(n);
      const rects = Array.from(range.getClientRects());
      if (rects.length > 0 && rects.every((r) => r.bottom + window.scrollY <= h && r.width > 0)) out.push(n.textContent!);
    }
    return out.join(' ').replace(/\s+/g, ' ');
  }, height);
}

async function open(name: string, html: string, viewport: { width: number; height: number }): Promise<{ page: Page; url: string; errors: string[]; requests: string[] }> {
  const file = artifactPath(name);
  writeFileSync(file, html);
  const url = pathToFileURL(file).href;
  const { page, log } = await openPage(browser);
  await page.setViewportSize(viewport);
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
  return { page, url, errors: log.errors, requests: log.requests };
}

const cases = [
  { name: 'the guard sample', report: sample, html: () => renderHtml(sample), file: 'first-screen-sample' },
  { name: 'the recorded guard capture', report: capture, html: () => captureHtml, file: 'first-screen-capture' },
];

describe('HTML report: the answer on the first screen', () => {
  for (const c of cases) {
    for (const vp of [
      { width: 1400, height: 900, tag: 'desktop' },
      { width: 390, height: 844, tag: 'phone' },
    ]) {
      test(`${c.name}, ${vp.width}×${vp.height}: pattern, protecting call sites, faulting stores with counts and the cost`, async () => {
        const want = expected(c.report);
        const { page, url, errors, requests } = await open(`${c.file}-${vp.tag}.html`, c.html(), vp);
        const seen = await firstScreenText(page, vp.height);
        await page.screenshot({ path: artifactPath(`${c.file}-${vp.tag}.png`) });
        expect(seen).toContain('Guard-page retries');
        for (const s of want.sites) expect(seen).toContain(s);
        for (const s of want.stores) {
          expect(seen).toContain(s.instruction);
          expect(seen).toContain(s.where);
          expect(seen).toMatch(new RegExp(`${s.where.replace(/[+]/g, '\\+')}[^·]*· ${s.count} faults?`));
        }
        expect(seen).toContain(want.cost);
        // The finding leads; no second headline repeats the top instruction.
        await expect(page.locator('#headline').isVisible()).resolves.toBe(false);
        expect(errors).toEqual([]);
        expect(requests).toEqual([url]);
        await page.close();
      });
    }
  }

  test('a protecting site links to its faults in the flame graph, a store to its frame and disassembly', async () => {
    const { page, url, errors, requests } = await open('first-screen-links.html', renderHtml(sample), { width: 1400, height: 900 });
    const want = expected(sample);
    const site = page.locator('#findings .lead a.f-site').first();
    await expect(site.textContent()).resolves.toBe(want.sites[0]!.split(' ')[0]);
    await site.click();
    await expect(page.locator('#matched').textContent()).resolves.toMatch(/Matched: .+ · \d+ frames?/);
    await expect(page.locator('#search').inputValue()).resolves.toContain(want.stores[0]!.instruction.replace(/[()]/g, '\\$&'));
    await page.screenshot({ path: artifactPath('first-screen-site-click.png') });
    await page.evaluate(() => window.scrollTo(0, 0));
    const store = page.locator('#findings .lead a.f-ins').first();
    await store.click();
    await expect(page.locator('#flame').getAttribute('data-focus')).resolves.toContain(want.stores[0]!.instruction);
    await expect(page.locator('#details .disasm .fault').textContent()).resolves.toContain(want.stores[0]!.instruction);
    expect(url.endsWith('.html')).toBe(true);
    await expect(page.evaluate(() => location.hash)).resolves.not.toContain('fp-');
    await page.screenshot({ path: artifactPath('first-screen-store-click.png') });
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });
});
