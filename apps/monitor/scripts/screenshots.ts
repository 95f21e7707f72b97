// Screenshots of both views for the README, made from the real views (no hand editing):
//   cd apps/monitor && npx tsx scripts/screenshots.ts
// Web view: startWebServer on synthetic runs, photographed in headless Chromium.
// Terminal view: runTerminalView drawing into a fixed 120×42 buffer; its last frame (ANSI) is
// turned into HTML cell for cell and photographed the same way.
// Writes docs/web-view.png, docs/web-view-zoomed-log.png and docs/terminal-view.png.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { from } from 'rxjs';
import { runTerminalView } from '../src/tui/runTerminalView.js';
import { startWebServer } from '../src/web/startWebServer.js';
import { buildWeb } from './build-web.mjs';
import { demoEvents } from './demoEvents.js';

const here = dirname(fileURLToPath(import.meta.url));
const docs = join(here, '..', 'docs');
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Renders the terminal view's last frame into HTML: SGR bold, dim, red, cyan and reverse. */
export function ansiToHtml(frame: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  let html = '';
  let classes: string[] = [];
  // biome-ignore lint/suspicious/noControlCharactersInRegex: parsing escapes
  for (const part of frame.split(/(\x1b\[[0-9;?]*[A-Za-z])/)) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: parsing escapes
    const m = /^\x1b\[([0-9;]*)m$/.exec(part);
    if (m) {
      const codes = m[1] === '' ? ['0'] : m[1].split(';');
      for (const c of codes) {
        if (c === '0') classes = [];
        else classes.push(`sgr${c}`);
      }
      continue;
    }
    if (part.startsWith('\x1b')) continue;
    if (part === '') continue;
    html +=
      classes.length > 0 ? `<span class="${classes.join(' ')}">${esc(part)}</span>` : esc(part);
  }
  return html;
}

async function main() {
  await mkdir(docs, { recursive: true });
  const tmp = await mkdtemp(join(tmpdir(), 'losskit-shots-'));
  const assetDir = await buildWeb(join(tmp, 'public'));
  const browser = await chromium.launch({
    executablePath: process.env.LOSSKIT_CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  try {
    // Web view.
    const server = await startWebServer(from(demoEvents()), { assetDir });
    const page = await browser.newPage({
      viewport: { width: 1400, height: 1050 },
      deviceScaleFactor: 1,
    });
    await page.goto(server.url);
    const drawn = async () => {
      await page.waitForFunction(() => {
        const cards = [...document.querySelectorAll<HTMLElement>('section.card')];
        return cards.length >= 5 && cards.slice(0, 4).every((c) => c.dataset.lastX);
      });
      await page.waitForTimeout(300);
    };
    await drawn();
    await page.locator('#problems-box').evaluate((d) => {
      (d as HTMLDetailsElement).open = true;
    });
    await page.screenshot({ path: join(docs, 'web-view.png') });
    // Zoomed in with a log y axis and relative time: a drag selection on the first chart.
    await page.locator('#smoothing').fill('0.95');
    await page.selectOption('#axis', 'relative');
    await page.check('#logy');
    await page.waitForTimeout(500);
    const over = page.locator('section.card[data-series="train_loss"] .u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.05, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await page.waitForTimeout(800);
    await page
      .locator('section.card[data-series="train_loss"]')
      .screenshot({ path: join(docs, 'web-view-zoomed-log.png') });
    await page.close();
    await server.close();

    // Terminal view.
    const out = Object.assign(new PassThrough(), { columns: 120, rows: 42, isTTY: true });
    let written = '';
    out.on('data', (c: Buffer) => {
      written += c.toString('utf8');
    });
    const input = new PassThrough();
    const view = runTerminalView(from(demoEvents()), {
      input: input as unknown as NodeJS.ReadStream,
      output: out as unknown as NodeJS.WriteStream,
      frameIntervalMs: 10,
      onQuit: () => {},
    });
    const lastFrame = () => written.slice(written.lastIndexOf('\x1b[H') + 3).replace('\x1b[J', '');
    await new Promise((r) => setTimeout(r, 300));
    // Page on (the `n` key) to the page that shows train_loss.
    for (let i = 0; i < 10 && !lastFrame().includes('train_loss'); i++) {
      input.write('n');
      await new Promise((r) => setTimeout(r, 100));
    }
    const frame = lastFrame();
    view.stop();
    const lines = frame.split('\r\n').map((l) => ansiToHtml(l.replaceAll('\x1b[K', '')));
    const term = await browser.newPage({
      viewport: { width: 1200, height: 800 },
      deviceScaleFactor: 1,
    });
    await term.setContent(`<!doctype html><meta charset="utf-8"><style>
      body { margin: 0; background: #1e1e1e; }
      pre { margin: 0; padding: 12px 14px; color: #d4d4d4; font: 14px/17px 'DejaVu Sans Mono', monospace; display: inline-block; }
      .sgr1 { font-weight: bold; color: #f0f0f0; } .sgr2 { color: #8a8a8a; } .sgr31 { color: #f14c4c; }
      .sgr36 { color: #29b8db; } .sgr7 { background: #d4d4d4; color: #1e1e1e; }
    </style><pre>${lines.join('\n')}</pre>`);
    const pre = term.locator('pre');
    await pre.screenshot({ path: join(docs, 'terminal-view.png') });
    await term.close();
  } finally {
    await browser.close();
    await rm(tmp, { recursive: true, force: true });
  }
  console.log(`screenshots written to ${docs}`);
}

await main();
