import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LosskitPeer } from '../src/losskitPeer.js';

const dir = mkdtempSync(path.join(tmpdir(), 'losskit-peer-test-'));
const peer = new LosskitPeer();
afterAll(() => {
  peer.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, data: Float32Array | Int32Array | BigInt64Array) {
  const f = path.join(dir, `${name}.bin`);
  writeFileSync(f, new Uint8Array(data.buffer));
  const dtype =
    data instanceof Int32Array ? 'int32' : data instanceof BigInt64Array ? 'int64' : 'float32';
  return { file: f, dtype: dtype as 'int32' | 'int64' | 'float32' };
}

describe('LosskitPeer', () => {
  it('runs the built package in a plain node process (no loader, no source condition)', async () => {
    const p = await peer.probe();
    expect(p.execArgv).toEqual([]);
    const dist = fileURLToPath(new URL('../../../packages/core/dist/', import.meta.url));
    expect(fileURLToPath(p.core).startsWith(dist)).toBe(true);
  });

  it('times a kernel on the files it is given and returns its value', async () => {
    const r = await peer.run({
      kernel: 'mse',
      grad: false,
      options: { reduction: 'sum' },
      arrays: {
        input: { ...file('x', Float32Array.of(1, 2, 3)), shape: [3] },
        target: { ...file('y', Float32Array.of(0, 0, 1)), shape: [3] },
      },
      reps: 3,
      budgetMs: 1000,
      warmups: 1,
    });
    if (typeof r === 'string') throw new Error(r);
    expect(r.check).toBe(1 + 4 + 4);
    expect(r.timing.times).toHaveLength(3);
    expect(r.timing.cpuMedian).toBeGreaterThanOrEqual(0);
  });

  it('reads int64 label files as BigInt64Array, int32 ones as Int32Array', async () => {
    // nllLoss over [2, 3] log-probabilities: −(x₀,₂ + x₁,₀) with labels 2 and 0, however stored
    const input = { ...file('lp', Float32Array.of(-1, -2, -3, -4, -5, -6)), shape: [2, 3] };
    const checks: number[] = [];
    for (const [name, labels] of [
      ['l32', Int32Array.of(2, 0)],
      ['l64', BigInt64Array.of(2n, 0n)],
    ] as const) {
      const r = await peer.run({
        kernel: 'nllLoss',
        grad: false,
        options: { reduction: 'sum' },
        arrays: { input, target: { ...file(name, labels), shape: [2] } },
        reps: 1,
        budgetMs: 1000,
        warmups: 0,
      });
      if (typeof r === 'string') throw new Error(r);
      checks.push(r.check);
    }
    expect(checks).toEqual([7, 7]);
  });

  it('keeps timing a fast call past reps until minMs is timed, at most 5 × reps', async () => {
    const arrays = {
      input: { ...file('m', Float32Array.of(1, 2)), shape: [2] },
      target: { ...file('n', Float32Array.of(0, 0)), shape: [2] },
    };
    const req = { kernel: 'mse', grad: false, options: {}, arrays, budgetMs: 10_000, warmups: 0 };
    const times = async (reps: number, minMs?: number) => {
      const r = await peer.run({ ...req, reps, ...(minMs === undefined ? {} : { minMs }) });
      if (typeof r === 'string') throw new Error(r);
      return r.timing.times.length;
    };
    expect(await times(3)).toBe(3); // no minimum: exactly reps
    expect(await times(3, 60_000)).toBe(15); // a call of microseconds never reaches 60 s: 5 × 3
  });

  it('times a gradient into out buffers, or with a fresh result per call when asked', async () => {
    const req = {
      kernel: 'mse',
      grad: true,
      options: { reduction: 'sum' },
      arrays: {
        input: { ...file('gx', Float32Array.of(3, 2, 3)), shape: [3] },
        target: { ...file('gy', Float32Array.of(0, 0, 1)), shape: [3] },
      },
      reps: 2,
      budgetMs: 1000,
      warmups: 1,
    };
    const withOut = await peer.run(req);
    const fresh = await peer.run({ ...req, freshResult: true });
    if (typeof withOut === 'string') throw new Error(withOut);
    if (typeof fresh === 'string') throw new Error(fresh);
    // d/dx Σ(x − y)² = 2(x − y): the first entry, 2·3, either way
    expect([withOut.check, fresh.check]).toEqual([6, 6]);
    expect([withOut.fresh, fresh.fresh]).toEqual([false, true]);
    expect(fresh.timing.times).toHaveLength(2);
  });

  it('answers why a workload cannot run, and keeps serving', async () => {
    const arrays = { input: { ...file('z', Float32Array.of(1)), shape: [1] } };
    const req = { grad: false, options: {}, arrays, reps: 1, budgetMs: 100, warmups: 0 };
    expect(await peer.run({ ...req, kernel: 'noSuchLoss' })).toBe(
      '@losskit/core has no kernel noSuchLoss',
    );
    expect(await peer.run({ ...req, kernel: 'mse' })).toMatch(/^mse: /);
    const ok = await peer.run({
      ...req,
      kernel: 'l1',
      arrays: { ...arrays, target: arrays.input },
    });
    expect(typeof ok === 'string' ? ok : ok.check).toBe(0);
  });
});
