import { describe, expect, it } from 'vitest';
import type { BenchReport, Result } from '../src/runBench.js';
import { BANDWIDTH_LIMIT_GB_S, checkTargets, formatTargets } from '../src/targets.js';
import { report, row } from './resultRows.js';

/** A kernel row timed against PyTorch-1t: wall and CPU times of both. */
function vsTorch(workload: string, own: [number, number], torch: [number, number]): Result {
  return row(workload, own[0], {
    peers: { 'pytorch-1t': torch[0] },
    cpu_ms: { losskit: own[1], 'pytorch-1t': torch[1] },
  });
}

const byWorkload = (r: BenchReport, target: string) =>
  Object.fromEntries(
    checkTargets(r)
      .filter((c) => c.target === target)
      .map((c) => [c.workload, c.met]),
  );

describe('checkTargets', () => {
  it('counts a PyTorch row as met only when both the CPU and the wall ratio reach 1', () => {
    const r = report([
      vsTorch('a', [10, 10], [12, 11]), // both above
      vsTorch('b', [10, 10], [9, 11]), // CPU above, wall below
      vsTorch('c', [10, 10], [11, 9.9]), // wall above, CPU below
      vsTorch('d', [10, 10], [10, 10]), // exactly parity
      row('e', 10), // PyTorch skipped: not checked
    ]);
    expect(byWorkload(r, '≥ 1.0× PyTorch-1t')).toEqual({ a: true, b: false, c: false, d: true });
  });

  it('checks TF.js WASM at 2× and mse/l1 against twice the bandwidth limit', () => {
    const bytes = 80e6;
    const at = (name: string, t: number, wasm: number) =>
      row(name, t, { peers: { 'tfjs-wasm': wasm }, gb_per_s: bytes / t / 1e6 });
    const limit = bytes / (BANDWIDTH_LIMIT_GB_S * 1e6); // ms
    const r = report([
      at('mse 10000000', 1.9 * limit, 4 * limit),
      at('l1 10000000', 2.1 * limit, 4.1 * limit),
      at('huber 10000000', 5 * limit, 9 * limit), // not a bandwidth-target row
    ]);
    expect(byWorkload(r, 'within 2× of the bandwidth limit')).toEqual({
      'mse 10000000': true,
      'l1 10000000': false,
    });
    expect(byWorkload(r, '≥ 2× TF.js WASM')).toEqual({
      'mse 10000000': true,
      'l1 10000000': false,
      'huber 10000000': false,
    });
  });

  it('judges the bandwidth target on the issue’s figure and prints the run’s native loop beside it', () => {
    const bytes = 80e6;
    const limit = bytes / (BANDWIDTH_LIMIT_GB_S * 1e6); // ms
    const r = report([
      row('mse 10000000', 1.9 * limit, { gb_per_s: bytes / (1.9 * limit) / 1e6, native_ms: 5 }),
      row('l1 10000000', 1.9 * limit, { gb_per_s: bytes / (1.9 * limit) / 1e6 }),
    ]);
    const checks = checkTargets(r).filter((c) => c.target === 'within 2× of the bandwidth limit');
    expect(checks.map((c) => c.met)).toEqual([true, true]);
    // 80 MB in 5 ms: 16 GB/s; losskit's 1.9 × 6.35 ms is 2.41× the loop's time
    expect(checks[0].detail).toContain(
      'native SIMD loop over the same arrays in this run: 5.00 ms',
    );
    expect(checks[0].detail).toContain('(16.00 GB/s), losskit 2.41× its time');
    expect(checks[1].detail).not.toContain('native');
  });

  it('checks the stream rows: overhead, ingest rate and flat memory', () => {
    const tenths = (v: number[]) => ({
      rss_start_mb: 100,
      rss_peak_mb: Math.max(...v),
      rss_end_mb: v[v.length - 1],
      heap_max_mb: 10,
      heap_end_mb: 10,
      samples: 100,
      rss_by_tenth_mb: v,
      heap_by_tenth_mb: v.map(() => 10),
    });
    const r = report([
      row('runningLoss x', 105, { baseline_ms: 100, baseline: 'bare' }),
      row('runningLoss y', 111, { baseline_ms: 100, baseline: 'bare' }),
      row('Arrow IPC x', 100, { rows_per_s: 0.99e6 }),
      row('Arrow IPC y', 100, { rows_per_s: 6.5e6 }),
      row('memory flat', 1000, { memory: tenths([150, 176, 176, 180, 176, 176, 176, 190]) }),
      row('memory grows', 1000, { memory: tenths([150, 176, 180, 190, 200, 210, 220, 230]) }),
    ]);
    expect(byWorkload(r, 'runningLoss ≤ 10% over the bare kernel')).toEqual({
      'runningLoss x': true,
      'runningLoss y': false,
    });
    expect(byWorkload(r, 'Arrow IPC ingest ≥ 1M rows/s')).toEqual({
      'Arrow IPC x': false,
      'Arrow IPC y': true,
    });
    expect(byWorkload(r, 'memory flat over the stream')).toEqual({
      'memory flat': true,
      'memory grows': false,
    });
  });

  it('lists the misses under each target with what was seen', () => {
    const text = formatTargets(
      checkTargets(report([vsTorch('a', [10, 10], [12, 11]), vsTorch('b', [10, 20], [9, 11])])),
    );
    expect(text).toBe(
      [
        '- ≥ 1.0× PyTorch-1t: met by 1 of 2',
        '  - not met: b: 0.55× CPU (11.0 vs 20.0 ms), 0.90× wall',
      ].join('\n'),
    );
  });

  it('says which verdicts hold for every pairing of repetitions and which sit in the noise', () => {
    const timed = (
      name: string,
      own: [number, number],
      torch: [number, number],
      ranges: { own: [number, number]; torch: [number, number] },
    ) => ({
      ...vsTorch(name, own, torch),
      range_ms: { losskit: ranges.own, 'pytorch-1t': ranges.torch },
    });
    const r = report([
      // median 1.2×, worst pairing 11/10.5 = 1.05×: clear
      timed('clear', [10, 10], [12, 12], { own: [9.5, 10.5], torch: [11, 13] }),
      // median 1.05×, worst pairing 9.8/10.6 < 1: met in the noise
      timed('noisy', [10, 10], [10.5, 10.5], { own: [9.9, 10.6], torch: [9.8, 11] }),
      // median 0.9×, best pairing 10.2/9.5 > 1: missed in the noise
      timed('close', [10, 10], [9, 9], { own: [9.5, 10.4], torch: [8.5, 10.2] }),
      // median 0.5×, best pairing 6/9 < 1: clearly missed
      timed('slow', [10, 10], [5, 5], { own: [9, 11], torch: [4, 6] }),
      vsTorch('untimed', [10, 10], [12, 12]), // no repetitions recorded: no verdict on noise
    ]);
    const clear = Object.fromEntries(
      checkTargets(r)
        .filter((c) => c.target === '≥ 1.0× PyTorch-1t')
        .map((c) => [c.workload, c.clear]),
    );
    expect(clear).toEqual({
      clear: true,
      noisy: false,
      close: false,
      slow: true,
      untimed: undefined,
    });
    expect(formatTargets(checkTargets(r))).toBe(
      [
        '- ≥ 1.0× PyTorch-1t: met by 3 of 5',
        "  - not met: close: 0.90× CPU (9.00 vs 10.0 ms), 0.90× wall (0.82–1.07× over the repetitions) — within the repetitions' spread",
        '  - not met: slow: 0.50× CPU (5.00 vs 10.0 ms), 0.50× wall (0.36–0.67× over the repetitions)',
        "  - met, within the repetitions' spread: noisy: 1.05× CPU (10.5 vs 10.0 ms), 1.05× wall (0.92–1.11× over the repetitions)",
      ].join('\n'),
    );
  });
});
