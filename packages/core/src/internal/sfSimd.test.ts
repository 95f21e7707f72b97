import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/helpers.js';
import { watBase64 } from '../../test/watBase64.js';
import { sfDistillGradRows, sfDistillRows, sfFocalGradRows, sfFocalRows } from './sfRows.js';
import {
  sfDistillGradRowsSimd,
  sfDistillRowsSimd,
  sfFocalGradRowsSimd,
  sfFocalRowsSimd,
  sfSimdAvailable,
} from './sfSimd.js';
import { SF_SIMD_WASM } from './sfSimdBytes.js';

const U = 2 ** -53;

function logits(seed: number, n: number, spread: number): Float32Array {
  const rnd = seededRandom(seed);
  return Float32Array.from(
    { length: n },
    () => spread * Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd()),
  );
}

describe('sfSimd (WebAssembly SIMD distillationGrad rows)', () => {
  it('commits the bytes wabt 1.0.39 makes of sfSimd.wat', async () => {
    expect(await watBase64(new URL('./sfSimd.wat', import.meta.url))).toBe(SF_SIMD_WASM);
  });

  it('runs here (Node 20 has WebAssembly SIMD)', () => {
    expect(sfSimdAvailable()).toBe(true);
  });

  it('computes what the JavaScript loops compute for distillation and its gradient, flagged rows included', () => {
    for (const [cols, rows, spread] of [
      [2, 3000, 2],
      [3, 2000, 5],
      [10, 3000, 2],
      [11, 2000, 30],
      [37, 1000, 1],
      [20001, 3, 3], // one row per call
    ] as const) {
      const xs = logits(cols, rows * cols, spread);
      const xt = logits(cols + 1000, rows * cols, spread);
      // rows the kernel must flag: NaN, ±∞, a logit far below or above the first
      xs[1 * cols + 1] = Number.NaN;
      xt[2 * cols + 0] = Number.POSITIVE_INFINITY;
      xs[3 * cols - 1] = -2000;
      xt[rows * cols - 1] = 300; // the last row, last logit
      if (rows > 10) xs[7 * cols] = Number.NEGATIVE_INFINITY;
      const per = Float64Array.from({ length: rows }, (_, i) => (i % 7) - 2.5);
      for (const T of [0.5, 1, 3]) {
        for (const p of [null, per]) {
          const e = new Float64Array(cols);
          const want = new Float64Array(rows * cols);
          sfDistillGradRows(xs, xt, 0, rows, cols, 1 / T, T, 0.37, p, want, e);
          const got = new Float64Array(rows * cols).fill(Number.NaN);
          expect(sfDistillGradRowsSimd(xs, xt, rows, cols, 1 / T, T, 0.37, p, got, e)).toBe(true);
          let bad = -1;
          for (let i = 0; i < want.length && bad < 0; i++) {
            const k = 0.37 * T * (p === null ? 1 : Math.abs(p[Math.floor(i / cols)]));
            const same =
              Object.is(got[i], want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i]));
            // both within a few ulp of k·max(p, q) ≤ k of the exact value
            if (!same && !(Math.abs(got[i] - want[i]) <= (cols + 20) * U * k)) bad = i;
          }
          if (bad >= 0) expect([cols, T, bad, got[bad]]).toEqual([cols, T, bad, want[bad]]);
        }
        // the forward: per-row values and their compensated sum; the two compute the same
        // sums in a different order (lanes), so within a few u of the terms' size, T²·(1 + |v|)
        const wv = new Float64Array(rows);
        const wa = new Float64Array(2);
        sfDistillRows(xs, xt, 0, rows, cols, 1 / T, T * T, wv, wa);
        const gv = new Float64Array(rows).fill(Number.NaN);
        const ga = new Float64Array(2);
        expect(sfDistillRowsSimd(xs, xt, rows, cols, 1 / T, T * T, gv, ga)).toBe(true);
        const tol = (2 * cols + 40) * U * T * T * (1 + (12 * spread) / T);
        for (let i = 0; i < rows; i++) {
          const same = Object.is(gv[i], wv[i]) || (Number.isNaN(gv[i]) && Number.isNaN(wv[i]));
          if (!same && !(Math.abs(gv[i] - wv[i]) <= tol))
            expect([cols, T, i, gv[i]]).toEqual([cols, T, i, wv[i]]);
        }
        const ws = wa[0] + wa[1];
        if (Number.isNaN(ws)) expect(ga[0] + ga[1]).toBeNaN();
        else if (!Number.isFinite(ws)) expect(ga[0] + ga[1]).toBe(ws);
        else expect(Math.abs(ga[0] + ga[1] - ws)).toBeLessThanOrEqual(tol * rows);
        const noOut = new Float64Array(2);
        expect(sfDistillRowsSimd(xs, xt, rows, cols, 1 / T, T * T, null, noOut)).toBe(true);
        expect(Array.from(noOut)).toEqual(Array.from(ga));
      }
    }
  });

  it('computes what the JavaScript loops compute for softmaxFocal and its gradient, flagged and ignored rows included', () => {
    for (const [cols, rows, spread] of [
      [2, 3000, 2],
      [3, 2000, 5],
      [10, 3000, 1],
      [11, 2000, 30],
      [37, 1000, 1],
      [20001, 3, 3], // one row per call
    ] as const) {
      const x = logits(cols + 7, rows * cols, spread);
      const rnd = seededRandom(cols);
      const y = Int32Array.from({ length: rows }, () =>
        rnd() < 0.05 ? -1 : Math.floor(rnd() * cols),
      );
      y[0] = 0;
      y[1] = cols - 1; // the odd last logit as the target
      // rows the kernel must flag: NaN, ±∞, a logit far below or above the target's
      x[2 * cols + 1] = Number.NaN;
      x[rows * cols - 1] = Number.POSITIVE_INFINITY; // the last row, last logit
      x[cols - 1] = 100;
      x[cols + 1] = -2000;
      const alpha = Float64Array.from({ length: cols }, (_, j) => 0.5 + (j % 3));
      const per = Float64Array.from({ length: rows }, (_, i) => (i % 7) - 2.5);
      for (const gamma of [0, 2, 1.5]) {
        for (const [a, p] of [
          [undefined, null],
          [alpha, per],
        ] as const) {
          const want = new Float64Array(rows * cols);
          sfFocalGradRows(x, y, 0, rows, cols, -1, gamma, a, 0.37, p, want);
          const got = new Float64Array(rows * cols).fill(Number.NaN);
          expect(sfFocalGradRowsSimd(x, y, rows, cols, -1, gamma, a, 0.37, p, got)).toBe(true);
          let bad = -1;
          for (let i = 0; i < want.length && bad < 0; i++) {
            const same =
              Object.is(got[i], want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i]));
            // O within (C/2 + 1)u + 5.4u here, (C − 2)u + 6.4u there; the log step 6u
            if (!same && !(Math.abs(got[i] - want[i]) <= (2 * cols + 40) * U * Math.abs(want[i])))
              bad = i;
          }
          if (bad >= 0) expect([cols, gamma, bad, got[bad]]).toEqual([cols, gamma, bad, want[bad]]);
          // the forward: per-row values, their compensated sum, the ignored count
          const wv = new Float64Array(rows);
          const wa = new Float64Array(3);
          sfFocalRows(x, y, 0, rows, cols, -1, gamma, a, wv, wa);
          const gv = new Float64Array(rows).fill(Number.NaN);
          const ga = new Float64Array(3);
          expect(sfFocalRowsSimd(x, y, rows, cols, -1, gamma, a, gv, ga)).toBe(true);
          for (let i = 0; i < rows; i++) {
            const same = Object.is(gv[i], wv[i]) || (Number.isNaN(gv[i]) && Number.isNaN(wv[i]));
            if (!same && !(Math.abs(gv[i] - wv[i]) <= (2 * cols + 40) * U * Math.abs(wv[i])))
              expect([cols, gamma, i, gv[i]]).toEqual([cols, gamma, i, wv[i]]);
          }
          const ws = wa[0] + wa[1];
          const gs = ga[0] + ga[1];
          if (Number.isFinite(ws))
            expect(Math.abs(gs - ws)).toBeLessThanOrEqual((2 * cols + 40) * U * ws);
          else expect(gs).toBe(ws);
          expect(ga[2]).toBe(wa[2]);
          const noOut = new Float64Array(3);
          expect(sfFocalRowsSimd(x, y, rows, cols, -1, gamma, a, null, noOut)).toBe(true);
          expect(Array.from(noOut)).toEqual(Array.from(ga));
        }
      }
    }
  });

  it('leaves cols outside its range to the JavaScript loop', () => {
    const g = new Float64Array(4);
    expect(
      sfDistillGradRowsSimd(new Float32Array(4), new Float32Array(4), 4, 1, 1, 1, 1, null, g, g),
    ).toBe(false);
  });
});
