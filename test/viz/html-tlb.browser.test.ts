// TLB flushes in the HTML protection table, in Chromium, on the fork/COW capture
// (samples/tlb): each site's count says where its flushes ran, and the flushes
// charged to no site are labelled as such — not "outside protection calls",
// which stopped being true once flushes in the fault path went to the fault's site.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildReport } from '../../src/pipeline.js';
import { renderHtml } from '../../viz/html/index.js';
import { openArtifact, useChromium } from '../browser/chromium.js';

const dir = join(import.meta.dirname, '../../samples/tlb');
const report = await buildReport({ traces: [join(dir, 'forkcow.perf-script.txt')], objdump: [join(dir, 'forkcow.objdump-dl.txt')] });

const browser = useChromium();

describe('TLB flushes in the protection table', () => {
  test('a site names where its flushes ran, and the rest are charged to no site', async () => {
    const p = report.protection!;
    const site = p.sites.find((s) => Object.keys(s.tlbFlushCauses ?? {}).length > 0)!;
    expect(site).toBeDefined();
    const { page, log } = await openArtifact(browser, 'tlb-forkcow.html', renderHtml(report));
    const titles = await page.locator('#protection td span[title^="where they ran: "]').evaluateAll((els) => els.map((e) => e.getAttribute('title')));
    const want = Object.entries(site.tlbFlushCauses!).map(([c, n]) => `${c} ${n}`);
    expect(titles.some((t) => want.every((w) => t!.includes(w)))).toBe(true);
    const text = await page.locator('#protection').innerText();
    expect(text).not.toContain('outside protection calls');
    expect(text).toContain('TLB flushes, by where they ran');
    expect(log.errors).toEqual([]);
    await page.close();
  });
});
