// The report on a phone (issue 14), in Chromium at 390×844, as the engineer
// who opens the mailed file there reads it: the page never scrolls sideways
// (wide tables scroll inside their panel), and a list of totals keeps its
// values beside their labels instead of a column one letter wide.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { buildReport } from '../../src/pipeline.js';
import { renderHtml } from '../../viz/html/index.js';
import { artifactPath, openArtifact, useChromium } from '../browser/chromium.js';
import { ROOT, runCli } from '../shared.js';

const PHONE = { width: 390, height: 844 };

const reports: [string, () => Promise<string>][] = [
  ['phone-capture', async () => (await runCli(['report', join(ROOT, 'samples/record/guard.capture'), '-f', 'html', '-q'])).out],
  [
    'phone-protection-jit',
    async () =>
      renderHtml(
        await buildReport({
          traces: [join(ROOT, 'samples/protection/jit.perf-script-pid.txt')],
          objdump: [join(ROOT, 'samples/protection/jit.objdump-dl.txt')],
          siteTree: true,
        }),
      ),
  ],
  ['phone-regions', async () => renderHtml(await buildReport({ traces: [join(ROOT, 'samples/regions/regions.perf-script.txt.gz')], objdump: [join(ROOT, 'samples/regions/regions.objdump-dl.txt')] }))],
];

/** What sticks out of the page's width, outside any box that scrolls it. */
const sticksOut = (page: Page): Promise<string[]> =>
  page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const out: string[] = [];
    for (const e of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
      const r = e.getBoundingClientRect();
      if (r.width === 0 || r.right <= vw + 0.5) continue;
      let clipped = false;
      for (let a = e.parentElement; a !== null && !clipped; a = a.parentElement) clipped = getComputedStyle(a).overflowX !== 'visible';
      if (!clipped) out.push(`${e.tagName.toLowerCase()}${e.id !== '' ? `#${e.id}` : ''} in #${e.closest('[id]')?.id ?? ''}: right edge ${Math.round(r.right)} px`);
    }
    return out;
  });

/** Each total of a list (dl.kv) whose value is squeezed: narrower than 40 px or taller than six lines. */
const squeezed = (page: Page): Promise<string[]> =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('dl.kv dd'))
      .filter((d) => d.offsetParent !== null && (d.textContent ?? '') !== '')
      .filter((d) => d.getBoundingClientRect().width < 40 || d.getBoundingClientRect().height > 6 * 1.6 * parseFloat(getComputedStyle(d).fontSize))
      .map((d) => `${d.previousElementSibling?.textContent ?? ''}: ${Math.round(d.getBoundingClientRect().width)}×${Math.round(d.getBoundingClientRect().height)} px`),
  );

const browser = useChromium();

describe('HTML report on a phone (390×844)', () => {
  for (const [name, html] of reports) {
    test(`${name}: no sideways scroll, every total readable`, async () => {
      const { page, log, url } = await openArtifact(browser, `${name}.html`, await html(), { viewport: PHONE });
      expect(await sticksOut(page)).toEqual([]);
      await expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(PHONE.width);
      expect(await squeezed(page)).toEqual([]);
      const protection = page.locator('#protection-panel');
      if (await protection.isVisible()) {
        await protection.scrollIntoViewIfNeeded();
        await protection.screenshot({ path: artifactPath(`${name}-protection.png`) });
      }
      expect(log.errors).toEqual([]);
      expect(log.requests).toEqual([url]);
      await page.close();
    });
  }
});
