import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const cli = path.join(root, 'tools/bench/src/cli.ts');
const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'losskit-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the real CLI in a child process, as `pnpm bench` does. */
function bench(args: string[]) {
  return run(process.execPath, ['--conditions=@losskit/source', '--import', 'tsx', cli, ...args], {
    cwd: root,
    maxBuffer: 16 << 20,
  });
}

const PEERS = ['pytorch-1t', 'pytorch-2t', 'tfjs-cpu', 'tfjs-wasm'];

describe('pnpm bench --quick --json', () => {
  it('writes one result per workload with positive medians for losskit and its peers', async () => {
    const file = path.join(dir, 'mse.json');
    // Tests do not call Python (the house rule): the PyTorch peer is pointed at nothing here.
    const { stdout } = await bench([
      '--quick',
      '--reps',
      '2',
      '--only',
      'mse 100000',
      '--python',
      path.join(dir, 'no-python'),
      '--json',
      file,
    ]);
    const report = JSON.parse(readFileSync(file, 'utf8'));
    expect(Array.isArray(report.results)).toBe(true);
    expect(report.results.map((r: { workload: string }) => r.workload)).toEqual(['mse 100000']);
    for (const r of report.results) {
      expect(typeof r.losskit_ms).toBe('number');
      expect(r.losskit_ms).toBeGreaterThan(0);
      expect(typeof r.peers).toBe('object');
      for (const [peer, ms] of Object.entries(r.peers)) {
        expect(PEERS).toContain(peer);
        expect(typeof ms).toBe('number');
        expect(ms as number).toBeGreaterThan(0);
      }
      // TF.js is an npm dependency, so its peers always run on mse.
      expect(Object.keys(r.peers)).toEqual(expect.arrayContaining(['tfjs-cpu', 'tfjs-wasm']));
      expect(r.gb_per_s).toBeGreaterThan(0);
      // the bandwidth yardstick, compiled and run on the same arrays in the same run
      expect(r.native_ms).toBeGreaterThan(0);
    }
    expect(stdout).toMatch(/native SIMD loop [\d.]+ ms \(n=\d+\), losskit [\d.]+× its time/);
    expect(stdout).toMatch(/\| mse 100000 \| [\d.]+ /);
    // The run is checked against the targets, in the table and in the JSON.
    expect(stdout).toMatch(/- ≥ 2× TF\.js WASM: met by [01] of 1/);
    expect(stdout).toMatch(/- within 2× of the bandwidth limit: met by [01] of 1/);
    expect(report.targets.map((t: { workload: string }) => t.workload)).toEqual([
      'mse 100000',
      'mse 100000',
    ]);
    expect(stdout).toContain(
      `pytorch-1t, pytorch-2t skipped: cannot start ${path.join(dir, 'no-python')}`,
    );
  }, 120_000);

  it('reports the PyTorch peer as skipped, with the reason, when python cannot import torch', async () => {
    const file = path.join(dir, 'ce.json');
    const { stdout } = await bench([
      '--quick',
      '--reps',
      '1',
      '--only',
      'crossEntropy 10000x10',
      '--python',
      '/bin/false',
      '--json',
      file,
    ]);
    const report = JSON.parse(readFileSync(file, 'utf8'));
    expect(report.results).toHaveLength(1);
    expect(report.results[0].workload).toBe('crossEntropy 10000x10');
    expect(report.results[0].losskit_ms).toBeGreaterThan(0);
    expect(Object.keys(report.results[0].peers).sort()).toEqual(['tfjs-cpu', 'tfjs-wasm']);
    expect(stdout).toContain('pytorch-1t, pytorch-2t skipped: /bin/false exited with code 1');
    // no mse or l1 row: the native loop is not compiled, and the header says why
    expect(stdout).toContain('native SIMD loop skipped: no mse or l1 row in this run');
    expect(stdout).toMatch(/native loop skipped;/);
  }, 120_000);

  it('runs the workloads of a comma-separated --only: a two-input gradient and the accuracy metric', async () => {
    const file = path.join(dir, 'more.json');
    await bench([
      '--quick',
      '--reps',
      '1',
      '--only',
      'marginRankingGrad 100000,accuracy 10000x10',
      '--peers',
      'pytorch-1t',
      '--python',
      path.join(dir, 'no-python'),
      '--json',
      file,
    ]);
    const report = JSON.parse(readFileSync(file, 'utf8'));
    expect(report.results.map((r: { workload: string }) => r.workload)).toEqual([
      'marginRankingGrad 100000',
      'accuracy 10000x10',
    ]);
    for (const r of report.results) {
      expect(r.losskit_ms).toBeGreaterThan(0);
      expect(r.peers).toEqual({});
      expect(Number.isFinite(r.check.losskit)).toBe(true);
    }
    // the gradient is also timed with a fresh result per call (no out); the metric has none
    expect(report.results[0].losskit_fresh_ms).toBeGreaterThan(0);
    expect(report.results[1]).not.toHaveProperty('losskit_fresh_ms');
    // Top-1 accuracy of random scores over 10 classes: near 1/10.
    expect(Math.abs(report.results[1].check.losskit - 0.1)).toBeLessThan(0.02);
  }, 120_000);

  it('rejects a bad --reps with a usage message', async () => {
    await expect(bench(['--reps', '0'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--reps must be a positive integer'),
    });
  }, 60_000);
});
