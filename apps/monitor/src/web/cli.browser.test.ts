// End-to-end through the real CLI: `losskit-monitor watch <dir> --web` as a child process on a
// JSON-lines file in a temp dir, the dashboard in headless Chromium, a line appended to the file.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.mjs';

const appDir = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env.LOSSKIT_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

let dir: string;
let browser: Browser;
let child: ChildProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'losskit-cli-e2e-'));
  // The CLI run from source serves the assets of dist/public (as the built one does).
  await buildWeb();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGTERM');
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Starts the CLI from source and resolves with the URL it prints as `web view: <url>`. */
function startCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      ['--conditions=@losskit/source', '--import', 'tsx', 'src/cli.ts', ...args],
      { cwd: appDir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child = proc;
    let stderr = '';
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (c: string) => {
      stderr += c;
      const m = /web view: (\S+)/.exec(stderr);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (code) =>
      reject(new Error(`CLI exited with ${code} before serving: ${stderr}`)),
    );
  });
}

describe('losskit-monitor watch --web, in Chromium', () => {
  it('shows the logged series and a line appended to the log without a reload', async () => {
    const log = join(dir, 'run-a', 'log.jsonl');
    await mkdir(join(dir, 'run-a'));
    await writeFile(
      log,
      '{"step": 0, "loss": 2.5}\n{"step": 1, "loss": 1.75}\n{"step": 2, "loss": 1.25}\n',
    );
    const url = await startCli(['watch', dir, '--web', '--port', '0', '--quiet', '--poll', '50']);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    const card = page.locator('section.card[data-series="loss"]');
    await card.locator('canvas').waitFor();
    await expect.poll(() => card.getAttribute('data-last-x'), { timeout: 20_000 }).toBe('2');
    expect(await card.locator('.meta').textContent()).toContain('run-a/log.jsonl');
    await page.evaluate(() => {
      (globalThis as unknown as { loadedOnce: boolean }).loadedOnce = true;
    });

    await appendFile(log, '{"step": 3, "loss": 0.5}\n');
    await expect.poll(() => card.getAttribute('data-last-x'), { timeout: 20_000 }).toBe('3');
    await expect.poll(() => card.locator('.meta').textContent()).toContain('last 0.5');
    expect(
      await page.evaluate(() => (globalThis as unknown as { loadedOnce?: boolean }).loadedOnce),
    ).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
    const exited = new Promise<number | null>((resolve) =>
      child?.once('exit', (code) => resolve(code)),
    );
    child?.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 90_000);
});
