// The HTML report's links (issue 14: 2, 3) in Chromium: a fault names the
// protection that covered its page, a protection-site row shows its faults in
// the flame graph, a top-instructions row zooms to its instruction and opens
// its disassembly; the table sorts, says why instructions are unresolved once
// per dso, and keeps its counts on a phone's screen.
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { renderHtml } from '../../viz/html/index.js';
import { artifactPath, openArtifact, useChromium, type PageLog, drawnBoxes } from '../browser/chromium.js';
import { join } from 'node:path';
import { buildReport } from '../../src/pipeline.js';
import { GUARD_DIR } from './fixtures.js';

// The guard sample with the default fault events, as `faultpath report` reads it.
const guard = await buildReport({ traces: [join(GUARD_DIR, 'perf-script.txt.gz')], objdump: [join(GUARD_DIR, 'guard.objdump-dl.txt')] });


const browser = useChromium();

const openReport = (name: string, text: string, viewport?: { width: number; height: number }): Promise<{ page: Page; log: PageLog; url: string }> =>
  openArtifact(browser, name, text, viewport !== undefined ? { viewport } : {});

const drawn = drawnBoxes;
const focusName = (page: Page): Promise<string | null> => page.locator('#flame').getAttribute('data-focus');

function expectQuiet(log: PageLog, url: string): void {
  expect(log.errors).toEqual([]);
  expect(log.dialogs).toEqual([]);
  expect(log.requests).toEqual([url]);
}

const protectionSites = guard.protection!.sites;
const siteRow = (page: Page, symbol: string) => page.locator('#protection tbody tr', { hasText: `${symbol}+0x` });

describe('HTML report: faults linked to their protection', () => {
  test('an instruction frame names the protection sites that covered its page, with the protection and the time before the faults', async () => {
    const { page, log, url } = await openReport('links-details.html', renderHtml(guard));
    const store = (await drawn(page)).find((b) => b.kind === 'instruction' && b.name.includes('mov %rsi,(%rdi)'));
    expect(store).toBeDefined();
    // the findings lead the page: the flame graph starts below them
    await page.locator('#flame-panel').scrollIntoViewIfNeeded();
    const c = (await page.locator('#flame').boundingBox())!;
    await page.mouse.move(c.x + store!.x + Math.min(store!.w / 2, 20), c.y + store!.y + store!.h / 2);
    const tip = await page.locator('#tooltip').textContent();
    expect(tip).toContain('Page protected by');
    expect(tip).toMatch(/protect_old\+0x28 set r-- · 32 faults · changed .+ before the faults/);
    expect(tip).toMatch(/protect_young\+0x28 set r-- · 16 faults/);
    // The tooltip stays compact: the faulting line and its neighbours, not the listing.
    expect(await page.locator('#tooltip .disasm > div:not(.src)').count()).toBeLessThanOrEqual(5);
    expect((await page.locator('#tooltip').boundingBox())!.height).toBeLessThan(400);
    await page.mouse.click(c.x + store!.x + Math.min(store!.w / 2, 20), c.y + store!.y + store!.h / 2);
    await expect(page.locator('#details').textContent()).resolves.toContain('protect_young+0x28 set r--');
    await page.screenshot({ path: artifactPath('links-details.png') });
    expectQuiet(log, url);
    await page.close();
  });

  test('a protection-site row marks the frames of the instructions that faulted on its pages and zooms to the frame above them', async () => {
    const { page, log, url } = await openReport('links-protection.html', renderHtml(guard));
    const old = protectionSites.find((s) => s.symbol === 'protect_old')!;
    expect(old.instructions.map((i) => i.instruction)).toEqual(['write_field+0x0: mov %rsi,(%rdi)']);
    await siteRow(page, 'protect_old').click();
    const search = await page.locator('#search').inputValue();
    expect(search).toContain('mov %rsi,\\(%rdi\\)');
    expect(search).not.toContain('mov %sil');
    await expect(page.locator('#matched').textContent()).resolves.toMatch(/Matched: .+ · \d+ frames?/);
    // Its store has one frame: the zoom is that frame.
    await expect(focusName(page)).resolves.toContain('mov %rsi,(%rdi)');
    await page.screenshot({ path: artifactPath('links-protection-old.png') });
    // protect_young covered both stores: both are marked, under a common caller.
    await siteRow(page, 'protect_young').click();
    const both = await page.locator('#search').inputValue();
    expect(both).toContain('mov %rsi,\\(%rdi\\)');
    expect(both).toContain('mov %sil,\\(%rdi\\)');
    const focus = await focusName(page);
    expect(focus).not.toContain('mov %rsi');
    const names = (await drawn(page)).map((b) => b.name);
    expect(names.some((n) => n.includes('mov %rsi,(%rdi)'))).toBe(true);
    expect(names.some((n) => n.includes('mov %sil,(%rdi)'))).toBe(true);
    // A site whose pages never faulted is not a link.
    const quiet = protectionSites.find((s) => s.faults === 0)!;
    await expect(siteRow(page, quiet.symbol).first().getAttribute('class')).resolves.toBeNull();
    await page.screenshot({ path: artifactPath('links-protection-young.png') });
    expectQuiet(log, url);
    await page.close();
  });
});

describe('HTML report: a protection call whose pages took no fault', () => {
  test("a finding's link to it (the handler's call) shows its row and leaves the flame graph, zoom and search as they were", async () => {
    const { page, log, url } = await openReport('links-handler.html', renderHtml(guard));
    const handler = protectionSites.find((s) => s.symbol === 'unprotect_page')!;
    expect(handler.faults).toBe(0);
    // a reader's zoom and search
    await page.locator('#search').fill('write_');
    await page.locator('#search').press('Enter');
    await page.locator('#flame-panel').scrollIntoViewIfNeeded();
    const box = (await drawn(page)).find((b) => b.name === 'main')!;
    const c = (await page.locator('#flame').boundingBox())!;
    await page.mouse.click(c.x + box.x + 5, c.y + box.y + 5);
    await expect(focusName(page)).resolves.toBe('main');
    const hash = await page.evaluate(() => location.hash);
    await page.evaluate(() => window.scrollTo(0, 0));
    const link = page.locator('#findings a.f-site', { hasText: 'unprotect_page+0x10' }).first();
    await link.click();
    // its row in the protection table is marked and on screen
    const row = siteRow(page, 'unprotect_page');
    await expect(row.getAttribute('aria-current')).resolves.toBe('true');
    await expect(page.locator('#protection tbody tr[aria-current="true"]').count()).resolves.toBe(1);
    await page.waitForTimeout(600); // the smooth scroll
    const r = (await row.boundingBox())!;
    expect(r.y).toBeGreaterThanOrEqual(0);
    expect(r.y + r.height).toBeLessThanOrEqual(900);
    // the graph as the reader left it
    await expect(focusName(page)).resolves.toBe('main');
    await expect(page.locator('#search').inputValue()).resolves.toBe('write_');
    await expect(page.evaluate(() => location.hash)).resolves.toBe(hash);
    await page.screenshot({ path: artifactPath('links-handler.png') });
    // a site with faults still shows them: its row's mark moves there
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.locator('#findings a.f-site', { hasText: 'protect_old+0x28' }).first().click();
    await expect(focusName(page)).resolves.not.toBe('main');
    await expect(row.getAttribute('aria-current')).resolves.toBe(null);
    await expect(siteRow(page, 'protect_old').getAttribute('aria-current')).resolves.toBe('true');
    expectQuiet(log, url);
    await page.close();
  });
});

describe('HTML report: top faulting instructions', () => {
  test('a row click zooms to the instruction and opens its disassembly', async () => {
    const { page, log, url } = await openReport('links-sites.html', renderHtml(guard));
    await page.locator('#sites tbody tr').first().click();
    const focus = await focusName(page);
    expect(focus).toContain('mov %rsi,(%rdi)');
    await expect(page.locator('#details .disasm .fault').count()).resolves.toBe(1);
    await expect(page.locator('#details .disasm .fault').textContent()).resolves.toContain('mov %rsi,(%rdi)');
    expectQuiet(log, url);
    await page.close();
  });

  test('columns sort; the unresolved reason is a note once per dso, not on every row', async () => {
    const { page, log, url } = await openReport('links-sort.html', renderHtml(guard));
    const heads = page.locator('#sites thead th');
    const firstCells = (col: number): Promise<string[]> => page.locator(`#sites tbody tr td:nth-child(${col + 1})`).allTextContents();
    const headTexts = await heads.allTextContents();
    const fn = headTexts.indexOf('function');
    await heads.nth(fn).click();
    await expect(heads.nth(fn).getAttribute('aria-sort')).resolves.toBe('ascending');
    const asc = await firstCells(fn);
    expect(asc).toEqual([...asc].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    await heads.nth(fn).click();
    await expect(heads.nth(fn).getAttribute('aria-sort')).resolves.toBe('descending');
    const desc = await firstCells(fn);
    expect(desc).toEqual([...desc].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)));
    // The count column sorts largest first.
    await heads.nth(1).click();
    const counts = (await firstCells(1)).map((c) => Number(c.split(' ')[0]!.replace(/,/g, '')));
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    // Unresolved reasons: none in a row, each (dso, reason) once under the table.
    const unresolved = guard.sites.filter((s) => !s.resolved);
    expect(unresolved.length).toBeGreaterThan(0);
    const reasons = new Set(unresolved.map((s) => `${s.dso}\0${s.unresolvedReason ?? 'no listing'}`));
    await expect(page.locator('#sites .notes li').count()).resolves.toBe(reasons.size);
    const rowsText = (await page.locator('#sites tbody').textContent()) ?? '';
    for (const s of unresolved) if (s.unresolvedReason !== undefined) expect(rowsText).not.toContain(s.unresolvedReason);
    expectQuiet(log, url);
    await page.close();
  });

  test('on a phone (390×844) the counts of the top rows are on screen', async () => {
    const { page, log, url } = await openReport('links-phone.html', renderHtml(guard), { width: 390, height: 844 });
    await page.locator('#sites').scrollIntoViewIfNeeded();
    for (let i = 0; i < 3; i++) {
      const cell = (await page.locator('#sites tbody tr').nth(i).locator('td').nth(1).boundingBox())!;
      expect(cell.x).toBeGreaterThanOrEqual(0);
      expect(cell.x + cell.width).toBeLessThanOrEqual(390);
    }
    await page.locator('#sites').screenshot({ path: artifactPath('links-phone-sites.png') });
    expectQuiet(log, url);
    await page.close();
  });
});

describe('HTML report: warnings and notes', () => {
  test('one line with a count that opens the warnings; on a phone it leaves the first screen to the report', async () => {
    // an event asked for that the trace lacks: a warning
    const warned = await buildReport({ traces: [join(GUARD_DIR, 'perf-script.txt.gz')], objdump: [join(GUARD_DIR, 'guard.objdump-dl.txt')], events: ['exceptions:page_fault_user', 'major-faults'] });
    expect(warned.warnings.length).toBeGreaterThan(0);
    expect(warned.notes?.length).toBeGreaterThan(0);
    const { page, log, url } = await openReport('links-warnings-phone.html', renderHtml(warned), { width: 390, height: 844 });
    const banner = page.locator('#warnings-banner');
    await expect(banner.textContent()).resolves.toContain(`${warned.warnings.length} warning${warned.warnings.length === 1 ? '' : 's'} (and ${warned.notes!.length} note`);
    expect((await banner.boundingBox())!.height).toBeLessThanOrEqual(48);
    await page.screenshot({ path: artifactPath('links-warnings-phone.png') });
    await banner.locator('button').click();
    await expect(page.locator('#warnings li').first().isVisible()).resolves.toBe(true);
    expectQuiet(log, url);
    await page.close();
  });

  test('notes alone (the [inferred] frames of a frame-pointer capture) raise no banner; they wait in the panel', async () => {
    expect(guard.warnings).toEqual([]);
    const { page, log, url } = await openReport('links-notes.html', renderHtml(guard));
    await expect(page.locator('#warnings-banner').isHidden()).resolves.toBe(true);
    await expect(page.locator('#warnings li').allTextContents()).resolves.toEqual(['None.']);
    await expect(page.locator('#notes li').allTextContents()).resolves.toEqual(guard.notes);
    expectQuiet(log, url);
    await page.close();
  });
});
