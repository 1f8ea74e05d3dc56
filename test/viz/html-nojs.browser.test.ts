// The HTML report without JavaScript (issue 14: 12), in Chromium with script
// off: the findings and the tables — top faulting instructions, protection
// sites, fault classes, inputs, warnings — are static HTML; the findings'
// links jump to the rows they name; the flame graph's empty frame is not shown.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import type { Report } from '../../src/model.js';
import { buildReport } from '../../src/pipeline.js';
import { CLASS_MEANING } from '../../viz/classes.js';
import { renderHtml } from '../../viz/html/index.js';
import { artifactPath, openPage, useChromium } from '../browser/chromium.js';
import { EVIL, GUARD_DIR, hostileReport } from './fixtures.js';
import { ROOT, runCli } from '../shared.js';

const guard = await buildReport({ traces: [join(GUARD_DIR, 'perf-script.txt.gz')], objdump: [join(GUARD_DIR, 'guard.objdump-dl.txt'), join(GUARD_DIR, 'libc.objdump-dl.txt.gz')] });

const noJs = useChromium({ javaScriptEnabled: false });
const withJs = useChromium();

function write(name: string, html: string): string {
  const file = artifactPath(name);
  writeFileSync(file, html);
  return pathToFileURL(file).href;
}

describe('HTML report without JavaScript', () => {
  test('the findings and the tables are there as static HTML, the findings link to their rows', async () => {
    const url = write('nojs-guard.html', renderHtml(guard));
    const { page, log } = await openPage(noJs);
    await page.goto(url);
    // findings: the pattern, the protecting sites, the stores
    await expect(page.locator('#findings .lead .f-pattern').textContent()).resolves.toBe('Guard-page retries');
    // the summary line
    await expect(page.locator('#summary').textContent()).resolves.toContain(`${guard.tree.value} `);
    // top faulting instructions: every event's count in the first row, the instruction, the function
    const first = page.locator('#sites table tbody tr').first();
    await expect(first.isVisible()).resolves.toBe(true);
    const top = guard.sites[0]!;
    await expect(first.textContent()).resolves.toContain(top.instruction!);
    await expect(first.textContent()).resolves.toContain(`${top.count} · `);
    const distinct = new Set(guard.sites.map((s) => `${s.address} ${s.dso}`)).size;
    await expect(page.locator('#sites table tbody tr').count()).resolves.toBe(Math.min(distinct, 100));
    // protection sites, each row with its counts
    const rows = page.locator('#protection table tbody tr');
    await expect(rows.count()).resolves.toBe(guard.protection!.sites.length);
    const old = guard.protection!.sites.findIndex((s) => s.symbol === 'protect_old');
    await expect(rows.nth(old).textContent()).resolves.toContain('protect_old+0x28');
    await expect(rows.nth(old).locator('td').nth(4).textContent()).resolves.toBe(String(guard.protection!.sites[old]!.faults));
    // fault classes, inputs, warnings and notes
    await expect(page.locator('#classes table').isVisible()).resolves.toBe(true);
    await expect(page.locator('#classes table').innerText()).resolves.toContain(CLASS_MEANING['write-to-read-only']);
    await expect(page.locator('#inputs table').first().textContent()).resolves.toContain('perf-script.txt.gz');
    await expect(page.locator('#warnings li').count()).resolves.toBe(0);
    await expect(page.locator('#warnings-panel li:not(.muted)').count()).resolves.toBe(guard.warnings.length + (guard.notes ?? []).length);
    expect(guard.notes?.length).toBeGreaterThan(0);
    await expect(page.locator('#warnings-panel').innerText()).resolves.toContain((guard.notes ?? [])[0]!);
    // the flame graph cannot draw: its panel is not shown, a note says why
    await expect(page.locator('#flame-panel').isVisible()).resolves.toBe(false);
    await expect(page.locator('body').innerText()).resolves.toContain('The flame graph needs JavaScript');
    await page.screenshot({ path: artifactPath('nojs-guard.png'), fullPage: true });
    // a finding's protecting site jumps to its row
    const link = page.locator('#findings .lead a.f-site').first();
    const target = (await link.getAttribute('href'))!;
    await link.click();
    await expect(page.evaluate(() => location.hash)).resolves.toBe(target);
    const row = page.locator(target);
    await expect(row.textContent()).resolves.toContain((await link.textContent())!);
    expect(await row.evaluate((r) => r.getBoundingClientRect().top >= -1 && r.getBoundingClientRect().top < window.innerHeight)).toBe(true);
    // and a store to its instruction's row
    await page.locator('#findings .lead a.f-ins').first().click();
    const insRow = page.locator((await page.evaluate(() => location.hash))!);
    await expect(insRow.textContent()).resolves.toContain(guard.sites[0]!.instruction!);
    await page.screenshot({ path: artifactPath('nojs-guard-link.png') });
    expect(log.errors).toEqual([]);
    expect(log.requests).toEqual([url]);
    await page.close();
  });

  test('faults over time is a table of windows that add up to the tree, with the protection changes in each; no heading stands over nothing', async () => {
    const url = write('nojs-guard-timeline.html', renderHtml(guard));
    const { page, log } = await openPage(noJs);
    await page.goto(url);
    const rows = page.locator('#timeline table tbody tr');
    expect(await rows.count()).toBeGreaterThan(1);
    const faults = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.children[1]!.textContent!.replace(/,/g, ''))));
    expect(faults.reduce((a, b) => a + b, 0)).toBe(guard.tree.value);
    // the guard's retry cycles: windows with write-to-read-only faults name the mprotect calls that made them
    const text = await page.locator('#timeline').innerText();
    expect(text).toMatch(/write-to-read-only \d+[^\n]*\t[^\n]*mprotect r-- at protect_(old|young)\+0x28/);
    expect(text).toContain('unprotect_page+0x10');
    // every shown heading has something under it, up to the next heading
    const empty = await page.locator('h2, h3').evaluateAll((hs) =>
      hs
        .filter((h) => (h as HTMLElement).offsetParent !== null)
        .filter((h) => {
          let text = '';
          for (let n = h.nextElementSibling; n !== null && !/^H[1-3]$/.test(n.tagName); n = n.nextElementSibling) text += (n as HTMLElement).innerText;
          return text.trim() === '';
        })
        .map((h) => h.textContent),
    );
    expect(empty).toEqual([]);
    await page.locator('#classes-panel').screenshot({ path: artifactPath('nojs-guard-timeline.png') });
    expect(log.errors).toEqual([]);
    expect(log.requests).toEqual([url]);
    await page.close();
  });

  test('with JavaScript the static tables stay out of sight: one table per panel', async () => {
    const url = write('nojs-guard-js.html', renderHtml(guard));
    const { page, log } = await openPage(withJs);
    await page.goto(url);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
    await expect(page.locator('#sites table').count()).resolves.toBe(1);
    await expect(page.locator('#protection table').count()).resolves.toBe(1);
    await expect(page.locator('#timeline table').count()).resolves.toBe(0);
    await expect(page.locator('#timeline canvas').isVisible()).resolves.toBe(true);
    await expect(page.locator('#flame-panel').isVisible()).resolves.toBe(true);
    await expect(page.locator('body').innerText()).resolves.not.toContain('The flame graph needs JavaScript');
    expect(log.errors).toEqual([]);
    await page.close();
  });

  test('the protection table has the same columns and cells with and without JavaScript', async () => {
    type Table = { heads: string[]; rows: { text: string; titles: string[] }[][] };
    const read = async (url: string, js: boolean, shot: string): Promise<Table> => {
      const { page, log } = await openPage(js ? withJs : noJs);
      await page.goto(url);
      if (js) await page.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
      const table = page.locator('#protection table').first();
      const out = await table.evaluate((t: HTMLTableElement) => ({
        heads: Array.from(t.tHead!.rows[0]!.cells).map((c) => c.textContent ?? ''),
        rows: Array.from(t.tBodies[0]!.rows).map((r) =>
          Array.from(r.cells).map((c) => ({ text: c.innerText, titles: Array.from(c.querySelectorAll('[title]')).map((e) => e.getAttribute('title') ?? '') })),
        ),
      }));
      if (!js) await page.locator('#protection-panel').screenshot({ path: artifactPath(shot) });
      expect(log.errors).toEqual([]);
      expect(log.requests).toEqual([url]);
      await page.close();
      return out;
    };
    const same = async (name: string, html: string): Promise<Table> => {
      const url = write(`${name}.html`, html);
      const withScript = await read(url, true, `${name}.png`);
      const without = await read(url, false, `${name}.png`);
      expect(without.heads).toEqual(withScript.heads);
      expect(without.rows).toEqual(withScript.rows);
      // no field shown raw: every column has a heading in words
      for (const h of without.heads) expect(h, name).toMatch(/^[a-zA-Z' ]+$/);
      for (const h of without.heads) expect(h, name).not.toMatch(/[a-z][A-Z]/);
      return without;
    };
    const us = /^\d+ µs avg · \d+ µs max$/;
    // the sample: retry cycles timed from the fault to the handler's call
    const sample = await same('nojs-guard-protection', renderHtml(guard));
    const old = guard.protection!.sites.findIndex((s) => s.symbol === 'protect_old');
    expect(sample.rows[old]![sample.heads.indexOf("fault to handler's call")]!.text).toMatch(us);
    // the recorded capture has exit records: the time inside each site's calls
    const capture = JSON.parse((await runCli(['report', join(ROOT, 'samples/record/guard.capture'), '-f', 'json', '-q'])).out) as Report;
    const recorded = await same('nojs-capture-protection', (await runCli(['report', join(ROOT, 'samples/record/guard.capture'), '-f', 'html', '-q'])).out);
    const timed = capture.protection!.sites.findIndex((s) => s.symbol === 'protect_old');
    const t = capture.protection!.sites[timed]!.callTime!;
    expect(t.calls).toBeGreaterThan(0);
    const cell = recorded.rows[timed]![recorded.heads.indexOf('time in the calls')]!;
    expect(cell.text).toMatch(us);
    expect(cell.text).toBe(`${(1e6 * (t.total / t.calls)).toFixed(0)} µs avg · ${(1e6 * t.max).toFixed(0)} µs max`);
    expect(cell.titles).toEqual([`inside the calls, from entry to exit, over ${t.calls} timed calls`]);
  });

  test('the memory regions are a static table too', async () => {
    const regions = await buildReport({ traces: [join(ROOT, 'samples/regions/regions.perf-script.txt.gz')], objdump: [join(ROOT, 'samples/regions/regions.objdump-dl.txt')] });
    const section = regions.regions!;
    expect(section.regions.length).toBeGreaterThan(0);
    const url = write('nojs-regions.html', renderHtml(regions));
    const { page, log } = await openPage(noJs);
    await page.goto(url);
    const rows = page.locator('#regions table tbody tr');
    await expect(rows.count()).resolves.toBe(Math.min(section.regions.length, 100));
    const top = section.regions[0]!;
    await expect(rows.first().textContent()).resolves.toContain(top.name);
    await expect(rows.first().locator('td').nth(2).textContent()).resolves.toBe(String(top.faults));
    await expect(page.locator('#regions').textContent()).resolves.toContain(`${section.regions.length} of ${section.mapped} mappings had faults`);
    await page.locator('#regions-panel').screenshot({ path: artifactPath('nojs-regions.png') });
    expect(log.errors).toEqual([]);
    expect(log.requests).toEqual([url]);
    await page.close();
  });

  test('trace strings in the static tables are escaped', async () => {
    const html = renderHtml(await hostileReport());
    const url = write('nojs-hostile.html', html);
    const { page, log } = await openPage(noJs);
    await page.goto(url);
    await expect(page.locator('#sites').textContent()).resolves.toContain(EVIL);
    await expect(page.locator('#protection').textContent()).resolves.toContain(EVIL);
    await expect(page.locator('img').count()).resolves.toBe(0);
    expect(log.errors).toEqual([]);
    expect(log.requests).toEqual([url]);
    await page.close();
  });
});
