// End-to-end: the dashboard in real headless Chromium (Debian's, driven by playwright-core).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ReplaySubject, Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.mjs';
import type { MonitorEvent, Point } from '../events.js';
import { startWebServer, type WebServer } from './startWebServer.js';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const CHROMIUM = process.env.LOSSKIT_CHROMIUM ?? '/usr/bin/chromium';

let dir: string;
let browser: Browser;
let server: WebServer;
const events$ = new Subject<MonitorEvent>();
const HOSTILE = '<img src=x onerror=alert(1)>';
const HOSTILE_PATH = 'runs/<b onmouseover=alert(2)>b</b>/log.jsonl';

const point = (p: Partial<Point> & Pick<Point, 'series' | 'step' | 'value'>): MonitorEvent => ({
  type: 'point',
  point: { path: 'runs/a/log.jsonl', format: 'jsonl', wallTime: 1_700_000_000 + p.step, ...p },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'losskit-e2e-'));
  const assetDir = await buildWeb(join(dir, 'public'));
  server = await startWebServer(events$, { assetDir, pushIntervalMs: 50 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Opens the dashboard, recording every dialog (alert) and page error. */
async function open(): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(server.url);
  return { page, dialogs, errors };
}

describe('dashboard in Chromium', () => {
  it('shows a series and draws a point pushed after load without a reload', async () => {
    for (let step = 0; step < 10; step++) {
      events$.next(point({ series: 'train_loss', step, value: 2 / (step + 1) }));
    }
    const { page, errors } = await open();
    const card = page.locator('section.card[data-series="train_loss"]');
    await card.locator('canvas').waitFor();
    await expect.poll(() => card.getAttribute('data-last-x')).toBe('9');
    expect(await card.locator('h2').textContent()).toBe('train_loss');
    await page.evaluate(() => {
      (globalThis as unknown as { loadedOnce: boolean }).loadedOnce = true;
    });

    events$.next(point({ series: 'train_loss', step: 10, value: 123.5 }));
    await expect.poll(() => card.getAttribute('data-last-x'), { timeout: 15_000 }).toBe('10');
    await expect.poll(() => card.locator('.meta').textContent()).toContain('max 123.5');
    // Same document: the point arrived over the live connection, not by reloading.
    expect(
      await page.evaluate(() => (globalThis as unknown as { loadedOnce?: boolean }).loadedOnce),
    ).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('says how many points a thinned run kept (past the default 100 000)', async () => {
    for (let step = 0; step < 100_200; step++) {
      events$.next(point({ series: 'long_loss', step, value: Math.sin(step) }));
    }
    const { page, errors } = await open();
    const meta = page.locator('section.card[data-series="long_loss"] .meta');
    await expect.poll(() => meta.textContent()).toMatch(/100200 pts \((\d+) kept\)/);
    const kept = Number(/\((\d+) kept\)/.exec((await meta.textContent()) ?? '')?.[1]);
    // thinned once at 100 001 to at most half (two per slice here: no NaN), then 199 more
    expect(kept).toBeGreaterThan(30_000);
    expect(kept).toBeLessThanOrEqual(50_000 + 199);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('renders hostile series names and file names as text and runs none of their script', async () => {
    events$.next({ type: 'source', path: HOSTILE_PATH, format: 'jsonl' });
    for (let step = 0; step < 5; step++) {
      // A NaN puts the names into the alerts list too.
      events$.next(
        point({ path: HOSTILE_PATH, series: HOSTILE, step, value: step === 2 ? Number.NaN : step }),
      );
    }
    events$.next({
      type: 'problem',
      problem: { path: HOSTILE_PATH, where: 'line 3', message: HOSTILE },
    });
    const { page, dialogs, errors } = await open();
    const card = page
      .locator('section.card')
      .filter({ has: page.locator('h2', { hasText: HOSTILE }) });
    await card.locator('canvas').waitFor();
    await expect.poll(() => card.getAttribute('data-last-x')).toBe('4');
    expect(await card.locator('h2').textContent()).toBe(HOSTILE);
    expect(await card.locator('.meta').textContent()).toContain(HOSTILE_PATH);
    expect(await page.locator('#problems').textContent()).toContain(HOSTILE);
    expect(await page.locator('#runs').textContent()).toContain(HOSTILE_PATH);
    const alerts = await page.locator('#alerts').textContent();
    expect(alerts).toContain(HOSTILE);
    expect(alerts).toContain(HOSTILE_PATH);
    // uPlot's legend shows the file name too.
    expect(await card.locator('.u-legend').textContent()).toContain(HOSTILE_PATH);
    // Nothing was parsed as HTML: no <img> and no <b> anywhere, no dialog, no error.
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('b').count()).toBe(0);
    await card.hover();
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('works through the token: bound to 0.0.0.0, the printed URL opens a live dashboard', async () => {
    const live$ = new ReplaySubject<MonitorEvent>();
    for (let step = 0; step <= 10; step++)
      live$.next(point({ series: 'train_loss', step, value: 1 }));
    const tokenServer = await startWebServer(live$, {
      host: '0.0.0.0',
      assetDir: join(dir, 'public'),
      pushIntervalMs: 50,
    });
    try {
      const url = new URL(tokenServer.url);
      // Requests go to 127.0.0.1 only; the server listens on every address.
      const local = `http://127.0.0.1:${url.port}/?token=${url.searchParams.get('token')}`;
      const page = await browser.newPage();
      const unauthorized = await page.goto(`http://127.0.0.1:${url.port}/`);
      expect(unauthorized?.status()).toBe(401);
      await page.goto(local);
      const card = page.locator('section.card[data-series="train_loss"]');
      await card.locator('canvas').waitFor();
      await expect.poll(() => card.getAttribute('data-last-x')).toBe('10');
      live$.next(point({ series: 'train_loss', step: 11, value: 0.25 }));
      await expect.poll(() => card.getAttribute('data-last-x'), { timeout: 15_000 }).toBe('11');
      await page.close();
    } finally {
      await tokenServer.close();
    }
  }, 60_000);
});
