import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { watBase64 } from '../../test/watBase64.js';
import { matmulNT, matmulNTScalar, matmulSimdAvailable } from './matmulNT.js';
import { MATMUL_SIMD_WASM } from './matmulSimdBytes.js';
import { transpose, transposeSquareInPlace } from './transpose.js';

/** C = alpha·A·Bᵀ by the textbook triple loop. */
function naive(a: Float64Array, b: Float64Array, m: number, n: number, k: number, alpha: number) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t] * b[j * k + t];
      c[i * n + j] = alpha * s;
    }
  }
  return c;
}

function filled(len: number, seed: number): Float64Array {
  let x = seed >>> 0;
  return Float64Array.from({ length: len }, () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 31 - 1;
  });
}

describe('matmulSimdBytes', () => {
  it('commits the bytes wabt 1.0.39 makes of matmulSimd.wat', async () => {
    expect(await watBase64(new URL('./matmulSimd.wat', import.meta.url))).toBe(MATMUL_SIMD_WASM);
  });
});

describe('matmulNT', () => {
  it('is α·A·Bᵀ: a 2 × 3 by 2 × 3 worked by hand', () => {
    const a = Float64Array.of(1, 2, 3, 4, 5, 6);
    const b = Float64Array.of(1, 0, -1, 2, 1, 0);
    const c = new Float64Array(4).fill(7); // stale contents are overwritten
    matmulNT(a, b, c, 2, 2, 3, 2);
    // rows: (1,2,3)·(1,0,−1) = −2, (1,2,3)·(2,1,0) = 4, (4,5,6)·(1,0,−1) = −2, (4,5,6)·(2,1,0) = 13
    expect(Array.from(c)).toEqual([-4, 8, -4, 26]);
  });

  it('matches the triple loop on every tile edge: odd m, n not a multiple of 4, k past one slice', () => {
    // k > 256 and n > 128 cross the cache blocks; m odd leaves a last single row; small sizes
    // leave no whole register tile at all.
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom(1, 3, 4, 7, 131, 257),
        fc.constantFrom(1, 2, 5, 64, 300, 513),
        fc.integer({ min: 0, max: 1000 }),
        (m, n, k, seed) => {
          const a = filled(m * k, seed);
          const b = filled(n * k, seed + 1);
          const c = new Float64Array(m * n);
          matmulNT(a, b, c, m, n, k, 0.5);
          const want = naive(a, b, m, n, k, 0.5);
          for (let i = 0; i < want.length; i++) {
            // |error| ≤ (k + 2)·u·Σ|aₜbₜ| ≤ (k + 2)·u·k for entries in [−1, 1]
            expect(Math.abs(c[i] - want[i])).toBeLessThanOrEqual((k + 2) * k * 2 ** -53);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('runs the SIMD kernel here, and it agrees with the scalar one on every edge', () => {
    // Node 20 has WebAssembly SIMD, so the products below (m·n·k ≥ 2¹⁵, even k) take it; odd k
    // and small products take the scalar kernel. Both must stay within the rounding bound of
    // the triple loop, including the JavaScript edges around the SIMD tiles.
    expect(matmulSimdAvailable()).toBe(true);
    for (const [m, n, k] of [
      [9, 131, 300],
      [64, 64, 64],
      [33, 257, 514],
      [7, 129, 257],
      [40, 6, 130],
    ]) {
      const a = filled(m * k, m + n + k);
      const b = filled(n * k, m * n * k);
      const want = naive(a, b, m, n, k, 1 / 3);
      for (const f of [matmulNT, matmulNTScalar]) {
        const c = new Float64Array(m * n).fill(5);
        f(a, b, c, m, n, k, 1 / 3);
        for (let i = 0; i < want.length; i++) {
          expect(Math.abs(c[i] - want[i])).toBeLessThanOrEqual((k + 2) * k * 2 ** -53);
        }
      }
    }
  });

  it('propagates NaN and ∞ like the dot product', () => {
    const a = Float64Array.of(Number.NaN, 1, 1, Number.POSITIVE_INFINITY);
    const b = Float64Array.of(1, 1, 0, 1);
    const c = new Float64Array(4);
    matmulNT(a, b, c, 2, 2, 2, 1);
    expect(Number.isNaN(c[0])).toBe(true);
    expect(Number.isNaN(c[1])).toBe(true);
    expect(c[2]).toBe(Number.POSITIVE_INFINITY);
    expect(c[3]).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('transpose', () => {
  it('transposes rectangular matrices across the 32 × 32 blocks, and squares in place', () => {
    for (const [rows, cols] of [
      [1, 1],
      [3, 70],
      [70, 3],
      [33, 65],
    ]) {
      const x = filled(rows * cols, rows * 100 + cols);
      const t = new Float64Array(rows * cols);
      transpose(x, rows, cols, t);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) expect(t[j * rows + i]).toBe(x[i * cols + j]);
      }
    }
    for (const n of [1, 2, 31, 32, 33, 70]) {
      const x = filled(n * n, n);
      const y = Float64Array.from(x);
      transposeSquareInPlace(y, n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) expect(y[j * n + i]).toBe(x[i * n + j]);
      }
    }
  });
});
