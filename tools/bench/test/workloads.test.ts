import { kernels } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/rng.js';
import { matchesOnly, workloads } from '../src/workloads.js';

describe('the workload list', () => {
  const all = workloads(true);

  it('times the forward of every kernel of @losskit/core', () => {
    const forward = new Set(all.filter((w) => !w.grad).map((w) => w.kernel));
    expect(Object.keys(kernels).filter((k) => !forward.has(k))).toEqual([]);
  });

  it('times the gradient of every kernel that has one', () => {
    const grads = new Set(all.filter((w) => w.grad).map((w) => w.kernel));
    const withGradient = Object.entries(kernels)
      .filter(([, info]) => info.gradient !== undefined)
      .map(([k]) => k);
    expect(withGradient.filter((k) => !grads.has(k))).toEqual([]);
    for (const w of all.filter((x) => x.grad))
      expect(w.name).toMatch(new RegExp(`^${w.kernel}Grad `));
  });

  it('names every workload once and builds inputs under the kernel’s input names', () => {
    const names = all.map((w) => w.name);
    expect(new Set(names).size).toBe(names.length);
    for (const w of all) {
      // Cheap at --quick sizes (at most 256k floats per input).
      const wanted = kernels[w.kernel].inputs.map((i) => i.name).sort();
      const a = w.make(new Rng(1));
      expect(Object.keys(a).sort(), w.name).toEqual(wanted);
      for (const [k, v] of Object.entries(a))
        expect(v.data.length, `${w.name} ${k}`).toBe(v.shape.reduce((m, d) => m * d, 1));
    }
  });

  it('hands two class-wise rows int64 labels, the same values as the int32 rows draw', () => {
    for (const kernel of ['crossEntropy', 'nllLoss']) {
      const w64 = all.find((w) => w.name === `${kernel} int64 10000x10`);
      const w32 = all.find((w) => w.name === `${kernel} 10000x10`);
      if (w64 === undefined || w32 === undefined) throw new Error(`${kernel}: rows missing`);
      const [a, b] = [w64.make(new Rng(3)), w32.make(new Rng(3))];
      expect(a.target.data).toBeInstanceOf(BigInt64Array);
      expect(b.target.data).toBeInstanceOf(Int32Array);
      expect(Array.from(a.target.data as BigInt64Array, Number)).toEqual(
        Array.from(b.target.data as Int32Array),
      );
      expect(a.input.data).toEqual(b.input.data);
      // `--only` with the int32 row's name does not pick the int64 row too
      expect(matchesOnly(w64.name, w32.name)).toBe(false);
    }
  });

  it('reads --only as a comma-separated list of texts, any of which may match', () => {
    expect(matchesOnly('l1Grad 10', undefined)).toBe(true);
    expect(matchesOnly('l1Grad 10', 'mse,l1G')).toBe(true);
    expect(matchesOnly('l1Grad 10', 'mse,hinge')).toBe(false);
    expect(matchesOnly('l1Grad 10', ',')).toBe(false);
  });
});
