// The README's picture of the HTML report: the committed capture of the guard
// program (samples/record/guard.capture) as `faultpath report DIR -f html`
// renders it, in Chromium. FAULTPATH_BLESS=1 rewrites the committed
// samples/record/report.png; otherwise the fresh screenshot goes to
// test/artifacts/ and must have the committed one's size (a layout change
// shows up as a failure to re-bless, not as a stale picture).
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
import { runCli, ROOT } from '../shared.js';
import { artifactPath, openPage, useChromium } from '../browser/chromium.js';

const COMMITTED = ROOT + 'samples/record/report.png';

const browser = useChromium();

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test('the README screenshot is the HTML report of the committed capture', async () => {
  const html = artifactPath('readme-report.html');
  const r = await runCli(['report', ROOT + 'samples/record/guard.capture', '-f', 'html', '-q']);
  expect(r.code).toBe(0);
  writeFileSync(html, r.out);
  const { page, log } = await openPage(browser);
  await page.setViewportSize({ width: 1200, height: 1000 });
  await page.goto(pathToFileURL(html).href);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
  const shot = artifactPath('readme-report.png');
  await page.screenshot({ path: shot });
  expect(log.errors).toEqual([]);
  if (process.env['FAULTPATH_BLESS'] === '1') copyFileSync(shot, COMMITTED);
  expect(pngSize(readFileSync(COMMITTED))).toEqual(pngSize(readFileSync(shot)));
});
