// Size at scale: a capture with 100,000 distinct faulting instructions
// (generated here by test/bench/wide-capture.mjs, shaped as perf script prints
// page_fault_user records) through the CLI, as a user would run it. The page
// stays mailable (≤ 15 MB) with each site and each string stored once, the
// build's peak memory is measured in the child process, and the page opens
// and stays responsive in Chromium; its long table grows in chunks. Speed
// itself is `npm run bench`'s: the bounds here are generous.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { wideCapture } from '../bench/wide-capture.mjs';
import { artifactPath, openPage, useChromium } from '../browser/chromium.js';

const SITES = 100_000;
const dir = mkdtempSync(join(tmpdir(), 'faultpath-wide-'));
const input = join(dir, 'wide.perf-script.txt');
const page = artifactPath('wide-100k.html');

const browser = useChromium();
let maxRssMb = 0;
beforeAll(async () => {
  const fd = openSync(input, 'w');
  let chunk: string[] = [];
  for (const r of wideCapture({ sites: SITES })) {
    chunk.push(r);
    if (chunk.length >= 2000) writeSync(fd, chunk.splice(0).join(''));
  }
  writeSync(fd, chunk.join(''));
  closeSync(fd);
  // the CLI in a child process; its peak RSS from the kernel's rusage, written as it exits
  const probe = join(dir, 'rss.cjs');
  const rssFile = join(dir, 'rss.txt');
  writeFileSync(probe, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`);
  const run = spawnSync(process.execPath, ['--require', probe, 'dist/src/cli/main.js', 'report', '-q', '-f', 'html', input, '-o', page], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  maxRssMb = Number(readFileSync(rssFile, 'utf8')) / 1024;
}, 300_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('a capture with 100k distinct faulting sites', () => {
  test('gives a page of at most 15 MB that stores each site and each string once', () => {
    const html = readFileSync(page, 'utf8');
    const bytes = statSync(page).size;
    console.log(`100k distinct sites: page ${(bytes / 1e6).toFixed(2)} MB, build peak RSS ${maxRssMb.toFixed(0)} MB`);
    expect(bytes).toBeLessThanOrEqual(15 * 1024 * 1024);
    // in the data block, an instruction's frame name, its function and its unresolved reason: once each
    const open = '<script type="application/json" id="faultpath-data">';
    const data = html.slice(html.indexOf(open) + open.length, html.indexOf('</script>', html.indexOf(open)));
    expect(data.length).toBeGreaterThan(bytes / 2);
    const count = (s: string): number => data.split(s).length - 1;
    expect(count('"fill_1234+0x30"')).toBe(1);
    expect(count('"fill_1234"')).toBe(1);
    expect(count('no objdump listing for /opt/wide/bin/wide')).toBe(1);
  });

  test('is built in bounded memory', () => {
    // the child's peak RSS; the goal is 500 MB (npm run bench reports it: 451-465 MB), met since this round.
    // The peak swings with V8's collection timing (436-456 MB over six loaded npm test runs; up to ~180 MB
    // apart for one build before), so the bound keeps a margin above the goal: a return of the 600-700 MB build fails it.
    expect(maxRssMb).toBeGreaterThan(0);
    expect(maxRssMb).toBeLessThan(600);
  });

  test('opens in Chromium, answers a click, and "Show all" grows the table in chunks without blocking', async () => {
    const { page: tab, log } = await openPage(browser);
    await tab.goto(pathToFileURL(page).href);
    await tab.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
    // measured in the page (performance.now from the script's start), so a loaded machine's navigation does not count
    const readyMs = Number(await tab.locator('body').getAttribute('data-ready-ms'));
    expect(readyMs).toBeLessThan(15_000);
    await expect(tab.locator('#sites tbody tr').count()).resolves.toBe(15);
    await expect(tab.locator('#threads-panel').textContent()).resolves.toContain('4 threads in 1 process');
    const more = tab.locator('#sites button', { hasText: /^Show all / });
    await expect(more.textContent()).resolves.toBe(`Show all ${SITES.toLocaleString('en-US')}`);
    // the click returns to the event loop at once: the next frame comes with only the first chunk added
    const firstFrame = await more.evaluate(
      (b) =>
        new Promise<{ ms: number; rows: number }>((resolve) => {
          const t = performance.now();
          (b as HTMLButtonElement).click();
          requestAnimationFrame(() => resolve({ ms: performance.now() - t, rows: document.querySelectorAll('#sites tbody tr').length }));
        }),
    );
    expect(firstFrame.rows).toBeLessThan(5_000);
    expect(firstFrame.ms).toBeLessThan(5_000);
    // and it keeps growing
    await tab.waitForFunction((n) => document.querySelectorAll('#sites tbody tr').length > n, firstFrame.rows, { timeout: 30_000 });
    await tab.screenshot({ path: artifactPath('wide-100k.png') });
    expect(log.errors).toEqual([]);
    expect(log.requests).toEqual([pathToFileURL(page).href]);
    await tab.close();
  });
});
