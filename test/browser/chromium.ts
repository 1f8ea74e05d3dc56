// Drives the system Chromium (Debian's /usr/bin/chromium) through playwright-core,
// which never downloads a browser. A missing Chromium is an error, never a skip:
// the HTML report's promises are only kept if a browser checks them.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

export const CHROMIUM = process.env['FAULTPATH_CHROMIUM'] ?? '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh temporary profile; throws if it is not installed. */
export async function launchChromium(executablePath = CHROMIUM, options: { javaScriptEnabled?: boolean } = {}): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: install it (apt-get install -y chromium) or set FAULTPATH_CHROMIUM; the browser tests do not skip`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'faultpath-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 900 },
    offline: true,
    ...(options.javaScriptEnabled === false ? { javaScriptEnabled: false } : {}),
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * The browser a test file shares: launched before its tests (vitest's beforeAll),
 * closed after them. Its `context` is there from the first test on.
 */
export function useChromium(options: { javaScriptEnabled?: boolean } = {}): Browser {
  let launched: Browser | undefined;
  beforeAll(async () => {
    launched = await launchChromium(CHROMIUM, options);
  });
  afterAll(async () => {
    await launched?.close();
  });
  return {
    get context(): BrowserContext {
      if (launched === undefined) throw new Error('Chromium is launched in beforeAll: use the browser inside a test or hook');
      return launched.context;
    },
    close: async () => launched?.close(),
  };
}

/** What a page did while a test looked at it. */
export interface PageLog {
  readonly requests: string[];
  readonly errors: string[];
  readonly dialogs: string[];
  /** Answer for the next prompt() (then cleared); other dialogs are dismissed. */
  promptAnswer?: string;
}

/** Opens a page that records every request, console error, page error and dialog. */
export async function openPage(browser: Browser): Promise<{ page: Page; log: PageLog }> {
  const page = await browser.context.newPage();
  const log: PageLog = { requests: [], errors: [], dialogs: [] };
  page.on('request', (r: Request) => log.requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') log.errors.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => log.errors.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    log.dialogs.push(`${d.type()}: ${d.message()}`);
    const answer = log.promptAnswer;
    if (d.type() === 'prompt' && answer !== undefined) {
      delete log.promptAnswer;
      void d.accept(answer);
    } else {
      void d.dismiss();
    }
  });
  return { page, log };
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** Writes `text` to the artefacts folder as `name` (kept after the test) and opens it; an HTML report is awaited until its script has drawn it. */
export async function openArtifact(
  browser: Browser,
  name: string,
  text: string,
  options: { viewport?: { width: number; height: number }; hash?: string } = {},
): Promise<{ page: Page; log: PageLog; url: string }> {
  const file = artifactPath(name);
  writeFileSync(file, text);
  const url = pathToFileURL(file).href;
  const { page, log } = await openPage(browser);
  if (options.viewport !== undefined) await page.setViewportSize(options.viewport);
  await page.goto(url + (options.hash ?? ''));
  if (name.endsWith('.html')) await page.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
  return { page, log, url };
}

/** A box the HTML page's flame drew, as its `window.faultpath.boxes()` reports it (canvas CSS pixels). */
export interface DrawnBox {
  name: string;
  kind: string;
  x: number;
  y: number;
  w: number;
  h: number;
  /** How many frames a merged box stands for (0 for a frame's own box). */
  merged: number;
  ancestor: boolean;
}

/** The boxes the page's flame draws now. */
export function drawnBoxes(page: Page): Promise<DrawnBox[]> {
  return page.evaluate(() => (window as unknown as { faultpath: { boxes(): DrawnBox[] } }).faultpath.boxes());
}

/** The colour drawn on the flame canvas at (x, y) CSS pixels, read through a copy made for reading (so Chrome logs no readback warning). */
export function flamePixel(page: Page, x: number, y: number): Promise<string> {
  return page.evaluate(
    ([px, py]) => {
      const canvas = document.getElementById('flame') as HTMLCanvasElement;
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const c = copy.getContext('2d', { willReadFrequently: true })!;
      c.drawImage(canvas, 0, 0);
      const d = c.getImageData(Math.round(px! * devicePixelRatio), Math.round(py! * devicePixelRatio), 1, 1).data;
      return '#' + [d[0], d[1], d[2]].map((v) => v!.toString(16).padStart(2, '0')).join('');
    },
    [x, y],
  );
}

/** Drags over the timeline chart from `from` to `to` (shares of its width); returns the window's trace times [a, b). */
export async function dragTimeline(page: Page, from: number, to: number): Promise<{ a: number; b: number }> {
  const chart = page.locator('#timeline canvas.tl-canvas');
  await chart.scrollIntoViewIfNeeded();
  const box = (await chart.boundingBox())!;
  const [start, end] = await chart.evaluate((c) => [Number(c.dataset['from']), Number(c.dataset['to'])]);
  await page.mouse.move(box.x + box.width * from, box.y + 10);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * to, box.y + 14, { steps: 4 });
  await page.mouse.up();
  return { a: start! + from * (end! - start!), b: start! + to * (end! - start!) };
}
