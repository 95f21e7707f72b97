// Rough responsiveness check of the web view under load (not a test: prints timings).
//   cd apps/monitor && npx tsx scripts/perf-web.ts [series=30] [points=100000] [runs=2]
// Fills the server with `series` × `runs` series of `points` points each, then times
// /api/state, /api/data at 1000 px (whole range, then a zoom) and a dashboard load in Chromium
// until every chart in view has drawn, then pushes 1000 more points per series and times the update.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { Subject } from 'rxjs';
import type { MonitorEvent } from '../src/events.js';
import { startWebServer } from '../src/web/startWebServer.js';
import { buildWeb } from './build-web.mjs';

const [nSeries = 30, nPoints = 100_000, nRuns = 2] = process.argv.slice(2).map(Number);
const tmp = await mkdtemp(join(tmpdir(), 'losskit-perf-'));
const assetDir = await buildWeb(join(tmp, 'public'));
const events$ = new Subject<MonitorEvent>();
const server = await startWebServer(events$, { assetDir });
const push = (from: number, to: number) => {
  for (let r = 0; r < nRuns; r++) {
    const path = `runs/run-${r}/metrics.csv`;
    for (let s = 0; s < nSeries; s++) {
      const series = `series_${String(s).padStart(2, '0')}`;
      for (let i = from; i < to; i++) {
        const value = Math.exp(-i / 20_000) + 0.1 * Math.sin(i * (s + 1)) + r * 0.05;
        events$.next({
          type: 'point',
          point: { path, format: 'csv', series, step: i, value, wallTime: 1e9 + i },
        });
      }
    }
  }
};
let t = performance.now();
push(0, nPoints);
console.log(
  `ingest ${nSeries * nRuns * nPoints} points: ${(performance.now() - t).toFixed(0)} ms, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
);
const time = async (label: string, url: string) => {
  const t0 = performance.now();
  const body = await (await fetch(url)).text();
  console.log(
    `${label}: ${(performance.now() - t0).toFixed(1)} ms, ${(body.length / 1024).toFixed(0)} KiB`,
  );
};
await time('GET /api/state', `${server.url}api/state`);
await time(
  'GET /api/data (whole, 1000 px, smoothing 0.6)',
  `${server.url}api/data?series=series_00&width=1000&smoothing=0.6`,
);
await time(
  'GET /api/data (again, cached EMA)',
  `${server.url}api/data?series=series_00&width=1000&smoothing=0.6`,
);
await time(
  'GET /api/data (zoom 10%)',
  `${server.url}api/data?series=series_00&width=1000&smoothing=0.6&from=40000&to=50000`,
);
const browser = await chromium.launch({
  executablePath: process.env.LOSSKIT_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
t = performance.now();
await page.goto(server.url);
await page.waitForFunction(() => {
  const cards = [...document.querySelectorAll<HTMLElement>('section.card')];
  const inView = cards.filter((c) => c.getBoundingClientRect().top < innerHeight);
  return cards.length > 0 && inView.every((c) => c.dataset.lastX);
});
console.log(`dashboard load until charts in view drawn: ${(performance.now() - t).toFixed(0)} ms`);
t = performance.now();
push(nPoints, nPoints + 1000);
await page.waitForFunction(
  (last) => document.querySelector<HTMLElement>('section.card')?.dataset.lastX === String(last),
  nPoints + 999,
);
console.log(
  `push ${nSeries * nRuns * 1000} points until the first chart shows them: ${(performance.now() - t).toFixed(0)} ms`,
);
const longTask = await page.evaluate(async () => {
  const t0 = performance.now();
  await new Promise((r) => requestAnimationFrame(() => r(null)));
  return performance.now() - t0;
});
console.log(`next animation frame after that: ${longTask.toFixed(1)} ms`);
await browser.close();
await server.close();
await rm(tmp, { recursive: true, force: true });
