import { describe, expect, it } from 'vitest';
import type { BenchReport, Result } from '../src/runBench.js';
import { BANDWIDTH_LIMIT_GB_S, checkTargets, formatTargets } from '../src/targets.js';

function row(workload: string, losskitMs: number, extra: Partial<Result> = {}): Result {
  return {
    workload,
    losskit_ms: losskitMs,
    peers: {},
    losskit_spread: 0,
    losskit_reps: 5,
    peer_spread: {},
    peer_reps: {},
    ...extra,
  };
}

/** A kernel row timed against PyTorch-1t: wall and CPU times of both. */
function vsTorch(workload: string, own: [number, number], torch: [number, number]): Result {
  return row(workload, own[0], {
    peers: { 'pytorch-1t': torch[0] },
    cpu_ms: { losskit: own[1], 'pytorch-1t': torch[1] },
  });
}

const report = (results: Result[]): BenchReport => ({
  results,
  unavailable: [],
  skipped: [],
  machine: {},
});

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
});
