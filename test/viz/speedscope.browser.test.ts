// The speedscope export opened in speedscope's own page (the speedscope
// package's dist/release/index.html) in the system Chromium, offline: the file
// is handed to the page's "Browse" file input, as a user would pick it.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/pipeline.js';
import { renderSpeedscope } from '../../viz/speedscope.js';
import { openPage, useChromium } from '../browser/chromium.js';

const require = createRequire(import.meta.url);
const PAGE = pathToFileURL(require.resolve('speedscope/dist/release/index.html')).href;
const RELEASE = pathToFileURL(dirname(require.resolve('speedscope/dist/release/index.html'))).href;

// SwiftShader's performance notes ("GL Driver Message (OpenGL, Performance, …):
// GPU stall due to ReadPixels") are console warnings about the software
// renderer, not problems of the page or the profile.
const GL_NOTE = /^console\.warning: \[\.WebGL-[0-9a-fx]+\]GL Driver Message \(OpenGL, Performance/;

const browser = useChromium();

describe('speedscope opens the export', () => {
  it('shows both event profiles and the faulting instructions with their counts', async () => {
    const report = await buildReport({
      traces: ['samples/guard/perf-script.txt.gz'],
      objdump: ['samples/guard/guard.objdump-dl.txt'],
      events: ['exceptions:page_fault_user', 'page-faults'],
    });
    const { page, log } = await openPage(browser);
    await page.goto(PAGE);
    await page.waitForSelector('#file', { state: 'attached' });
    await page.setInputFiles('#file', { name: 'guard.speedscope.json', mimeType: 'application/json', buffer: Buffer.from(renderSpeedscope(report, { name: 'guard' })) });
    // the toolbar names the profile and its place among the file's profiles
    await page.getByText('exceptions:page_fault_user (1/2)').waitFor();
    // sandwich view (key 3): a table of every frame with its total and self counts
    await page.keyboard.press('3');
    const table = page.locator('body');
    await page.getByText('0x12eb: mov %rsi,(%rdi) [guard.c:58]').first().waitFor();
    const text = await table.innerText();
    expect(text).toMatch(/48 \(36%\)\s+48 \(36%\)\s+0x12eb: mov %rsi,\(%rdi\) \[guard\.c:58\]/);
    expect(text).toMatch(/16 \(12%\)\s+16 \(12%\)\s+0x12ef: mov %sil,\(%rdi\) \[guard\.c:63\]/);
    // rows are virtualized and sorted by self; sorted by total, the callers come up too
    await page.getByText('Total', { exact: true }).click();
    await page.getByText('mutate [inferred]').first().waitFor();
    const byTotal = await table.innerText();
    expect(byTotal).toMatch(/135 \(100%\)\s+0 \(<0\.01%\)\s+guard\n/);
    expect(byTotal).toMatch(/64 \(47%\)\s+0 \(<0\.01%\)\s+mutate \[inferred\]/);
    expect(byTotal).toMatch(/48 \(36%\)\s+0 \(<0\.01%\)\s+write_field\n/);
    // the next profile (key n): the software event
    await page.keyboard.press('n');
    await page.getByText('page-faults (2/2)').waitFor();
    expect(await table.innerText()).toMatch(/48 \(35%\)\s+48 \(35%\)\s+0x12eb: mov %rsi,\(%rdi\)/);
    expect(log.errors.filter((e) => !GL_NOTE.test(e))).toEqual([]);
    expect(log.requests.filter((u) => !u.startsWith(RELEASE))).toEqual([]);
    await page.close();
  });
});
