import { describe, expect, it } from 'vitest';
import { expectExp2Table } from '../../test/expectExp2Table.js';
import { seededRandom } from '../../test/helpers.js';
import { watBase64 } from '../../test/watBase64.js';
import {
  crossEntropyGradIndexRowsSimd,
  crossEntropyIndexRowsSimd,
  LSE_SIMD_MIN_COLS,
  lseSimdAvailable,
  lseSimdTable,
  rowShiftedSumsSimd,
} from './lseRows.js';
import { LSE_SIMD_WASM } from './lseSimdBytes.js';
import { crossEntropyIndexRows, rowSoftmaxNumerators } from './softmaxRows.js';

const U = 2 ** -53;
/** lseRows.ts: each term ≤ 5.4u, the blocked sum (≤ 128 per lane and block) ≤ (128 + ⌈C/256⌉)u. */
const sumBound = (cols: number) => (5.4 + 128 + Math.ceil(cols / 256)) * U;
/** The reference's own error: Math.exp < 1 ulp per term, Neumaier ≤ 2u. */
const REF = 4 * U;

/** Max-shifted exp-sum with Math.exp and Neumaier summation: m and S, lse = m + log S. */
function refSums(x: ArrayLike<number>, b: number, cols: number): { m: number; s: number } {
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < cols; j++) if (x[b + j] > m) m = x[b + j];
  let s = 0;
  let c = 0;
  for (let j = 0; j < cols; j++) {
    const v = Math.exp(x[b + j] - m);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return { m, s: s + c };
}

function simdSums(x: Float32Array, rows: number, cols: number) {
  const shift = new Float64Array(rows);
  const sums = new Float64Array(rows);
  expect(rowShiftedSumsSimd(x, 0, rows, cols, shift, sums)).toBe(true);
  return { shift, sums };
}

/** Float32 logits N(0, σ²), seeded. */
function normal(n: number, sigma: number, seed: number): Float32Array {
  const rnd = seededRandom(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = sigma * Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  }
  return x;
}

describe('lseRows (WebAssembly SIMD row log-sum-exp)', () => {
  it('commits the bytes wabt 1.0.39 makes of lseSimd.wat', async () => {
    expect(await watBase64(new URL('./lseSimd.wat', import.meta.url))).toBe(LSE_SIMD_WASM);
  });

  it('runs here (Node 20 has WebAssembly SIMD)', () => {
    expect(lseSimdAvailable()).toBe(true);
  });

  it('has a table T[i] within 1 ulp of 2^(i/256), checked in exact integer arithmetic', () => {
    expectExp2Table(lseSimdTable()!);
  });

  it('computes exp(v) near the maximum to ~u: rows [0, v, −1000, …] over v ∈ [−1, 0]', () => {
    // S = 1 + exp(v) + 1022 clamped terms (≤ 1.02e−304 each, invisible beside 1); the exp
    // bound 5.4u·e^v, the two roundings of the lane and row sums (≤ 2·2u) and Math.exp's ulp.
    const cols = LSE_SIMD_MIN_COLS;
    const rows = 4001;
    const x = new Float32Array(rows * cols).fill(-1000);
    for (let n = 0; n < rows; n++) {
      x[n * cols] = 0;
      x[n * cols + 1] = Math.fround(-n / (rows - 1));
    }
    const { shift, sums } = simdSums(x, rows, cols);
    for (let n = 0; n < rows; n++) {
      const e = Math.exp(x[n * cols + 1]);
      expect(shift[n]).toBe(0);
      expect(Math.abs(sums[n] - (1 + e))).toBeLessThanOrEqual(5.4 * U * e + 4 * U + 2 * U * e);
    }
  });

  it('sums every argument range within the bound: rows [0, v₀ − jδ …] down to −745 and beyond', () => {
    // Each row: the maximum 0 and 1023 logits v₀ − jδ, so S = 1 + Σ exp(v₀ − jδ) goes through
    // every table index and exponent; terms below −700 are clamped (≤ 1.02e−304 each).
    const cols = 1024;
    const starts = [-1e-6, -0.01, -0.7, -3, -20, -100, -300, -600, -699, -705, -740, -800];
    const steps = [1e-7, 1e-4, 3e-3, 0.05, 1.1];
    const rows = starts.length * steps.length;
    const x = new Float32Array(rows * cols);
    let n = 0;
    for (const v0 of starts) {
      for (const d of steps) {
        x[n * cols] = 0;
        for (let j = 1; j < cols; j++) x[n * cols + j] = Math.fround(v0 - (j - 1) * d);
        n++;
      }
    }
    const { shift, sums } = simdSums(x, rows, cols);
    for (let r = 0; r < rows; r++) {
      const ref = refSums(x, r * cols, cols);
      expect(shift[r]).toBe(ref.m);
      expect(Math.abs(sums[r] - ref.s)).toBeLessThanOrEqual(
        (sumBound(cols) + REF) * ref.s + cols * 1.02e-304,
      );
    }
  });

  it('matches the Math.exp reference on random rows of many widths (padding, chunks, growth)', () => {
    // 1025–1027: −∞ padding of the last 4 lanes; 32000: a vocabulary, several rows per chunk;
    // 140001: wider than a chunk (one row per call, the memory grows).
    for (const [cols, rows, sigma] of [
      [1024, 70, 2],
      [1025, 9, 1],
      [1026, 9, 30],
      [1027, 9, 0.01],
      [32000, 6, 2],
      [140001, 2, 5],
    ]) {
      const x = normal(rows * cols, sigma, cols);
      const { shift, sums } = simdSums(x, rows, cols);
      for (let r = 0; r < rows; r++) {
        const ref = refSums(x, r * cols, cols);
        expect(shift[r]).toBe(ref.m);
        expect(Math.abs(sums[r] / ref.s - 1)).toBeLessThanOrEqual(sumBound(cols) + REF);
        expect(sums[r]).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('gives exact sums for ties, zeros, huge and tiny logits', () => {
    const cols = 1030;
    const rows: number[][] = [
      new Array(cols).fill(0), // S = cols exactly
      new Array(cols).fill(3.5),
      new Array(cols).fill(-3.4e38),
      Array.from({ length: cols }, (_, j) => (j % 2 === 0 ? 3.4e38 : -3.4e38)), // v = −6.8e38
      Array.from({ length: cols }, (_, j) => (j % 3 === 0 ? 1e-45 : -1e-45)), // subnormal
      Array.from({ length: cols }, (_, j) => (j === 517 ? 88 : -88)),
    ];
    const x = Float32Array.from(rows.flat());
    const { shift, sums } = simdSums(x, rows.length, cols);
    expect([shift[0], sums[0]]).toEqual([0, cols]);
    expect([shift[1], sums[1]]).toEqual([3.5, cols]);
    expect([shift[2], sums[2]]).toEqual([Math.fround(-3.4e38), cols]);
    expect(shift[3]).toBe(Math.fround(3.4e38));
    expect(Math.abs(sums[3] - 515)).toBeLessThanOrEqual(1e-300); // 515 ones + clamped terms
    expect(shift[4]).toBe(Math.fround(1e-45));
    expect(sums[4]).toBe(cols); // exp(−2.8e−45) rounds to 1
    expect(shift[5]).toBe(88);
    expect(Math.abs(sums[5] - 1)).toBeLessThanOrEqual(1e-300); // exp(−176)·1029 < u
  });

  it('sends non-finite rows to the exact JavaScript lse: +∞, all −∞, NaN; a −∞ logit is a 0 term', () => {
    const cols = 1024;
    const make = (f: (j: number) => number) => Array.from({ length: cols }, (_, j) => f(j));
    const base = (j: number) => Math.sin(j);
    const rows = [
      make((j) => (j === 700 ? Number.POSITIVE_INFINITY : base(j))),
      make(() => Number.NEGATIVE_INFINITY),
      make((j) => (j === 3 ? Number.NaN : base(j))),
      make((j) => (j === 3 ? Number.NaN : j === 9 ? Number.POSITIVE_INFINITY : base(j))),
      make((j) => (j % 5 === 0 ? Number.NEGATIVE_INFINITY : base(j))),
      make((j) => (j === 1023 ? Number.NaN : base(j))), // in the last pair of the last block
      make(base),
    ];
    const x = Float32Array.from(rows.flat());
    const { shift, sums } = simdSums(x, rows.length, cols);
    const lse = (n: number) => shift[n] + Math.log(sums[n]);
    expect(lse(0)).toBe(Number.POSITIVE_INFINITY);
    expect(lse(1)).toBe(Number.NEGATIVE_INFINITY);
    expect(lse(2)).toBeNaN();
    expect(lse(3)).toBeNaN();
    expect(lse(5)).toBeNaN();
    for (const n of [4, 6]) {
      const ref = refSums(x, n * cols, cols);
      expect(sums[n]).not.toBe(1); // not the fallback
      expect(Math.abs(sums[n] / ref.s - 1)).toBeLessThanOrEqual(sumBound(cols) + REF);
    }
  });

  it('fused cross-entropy: the JavaScript loops’ result on random rows with ignored and non-finite rows', () => {
    // 150 rows of 1500: three chunks of 64 rows; targets −100 (ignored) every 7th row; a +∞ and
    // a NaN row go to the fallback mid-chunk.
    const cols = 1500;
    const rows = 150;
    const x = normal(rows * cols, 3, 7);
    x[40 * cols + 11] = Number.POSITIVE_INFINITY;
    x[41 * cols + 12] = Number.NaN;
    const rnd = seededRandom(3);
    const y = Int32Array.from({ length: rows }, (_, n) =>
      n % 7 === 0 ? -100 : Math.floor(rnd() * cols),
    );
    y[40] = 11; // lse = +∞ and x_y = +∞: NaN, as PyTorch
    const acc = new Float64Array(3);
    expect(crossEntropyIndexRowsSimd(x, y, 0, rows, cols, -100, acc)).toBe(true);
    expect(acc[0]).toBeNaN(); // a non-finite sum is acc[0] alone (the compensation is then NaN)
    expect(acc[2]).toBe(22);
    // Without the non-finite rows: the Math.exp reference per row, and the JavaScript loops.
    const ok = Int32Array.from(y);
    ok[40] = -100;
    ok[41] = -100;
    expect(crossEntropyIndexRowsSimd(x, ok, 0, rows, cols, -100, acc)).toBe(true);
    const simd = acc[0] + acc[1];
    expect(acc[2]).toBe(24);
    let want = 0;
    let tol = 0;
    for (let n = 0; n < rows; n++) {
      if (ok[n] === -100) continue;
      const { m, s } = refSums(x, n * cols, cols);
      const v = m + Math.log(s) - x[n * cols + ok[n]];
      want += v;
      tol += (sumBound(cols) + REF) * 1.01 + 4 * U * Math.abs(v);
    }
    expect(Math.abs(simd - want)).toBeLessThanOrEqual(tol);
    crossEntropyIndexRows(x, ok, 0, rows, cols, -100, acc);
    expect(Math.abs(simd - (acc[0] + acc[1]))).toBeLessThanOrEqual(tol + cols * rows * U);
    // A sub-range, and a +∞ row whose target is finite: +∞.
    expect(crossEntropyIndexRowsSimd(x, ok, 1, 3, cols, -100, acc)).toBe(true);
    const two = [1, 2].map((n) => {
      const { m, s } = refSums(x, n * cols, cols);
      return m + Math.log(s) - x[n * cols + ok[n]];
    });
    expect(Math.abs(acc[0] + acc[1] - (two[0] + two[1]))).toBeLessThanOrEqual(1e-12);
    y[40] = 0;
    expect(crossEntropyIndexRowsSimd(x, y, 40, 41, cols, -100, acc)).toBe(true);
    expect(acc[0]).toBe(Number.POSITIVE_INFINITY);
  });

  it('declines one column, and rowShiftedSumsSimd narrow rows (the JavaScript loops take them)', () => {
    const acc = new Float64Array(3).fill(7);
    expect(crossEntropyIndexRowsSimd(new Float32Array(2), [0, 0], 0, 2, 1, -100, acc)).toBe(false);
    expect(Array.from(acc)).toEqual([7, 7, 7]);
    const x = new Float32Array(2 * 1023);
    expect(rowShiftedSumsSimd(x, 0, 2, 1023, new Float64Array(2), new Float64Array(2))).toBe(false);
  });

  it('fused cross-entropy on narrow rows (2 ≤ C < 1024): the reference, flagged rows, batched logs', () => {
    // Shifted by the first logit: rows whose first logit is the smallest have S up to ~e⁶⁰, so
    // the product of the exp-sums closes a run every ~15 rows.
    for (const [cols, rows, sigma] of [
      [2, 20000, 2],
      [3, 9001, 2],
      [10, 5000, 3],
      [11, 3000, 9],
      [1023, 40, 2],
    ]) {
      const x = normal(rows * cols, sigma, 100 + cols);
      for (let n = 0; n < rows; n += 3) {
        let lo = 0;
        for (let j = 1; j < cols; j++) if (x[n * cols + j] < x[n * cols + lo]) lo = j;
        const t = x[n * cols];
        x[n * cols] = x[n * cols + lo];
        x[n * cols + lo] = t;
      }
      const rnd = seededRandom(cols + 1);
      const y = Int32Array.from({ length: rows }, (_, n) =>
        n % 11 === 3 ? -100 : Math.floor(rnd() * cols),
      );
      const acc = new Float64Array(3);
      expect(crossEntropyIndexRowsSimd(x, y, 0, rows, cols, -100, acc)).toBe(true);
      let want = 0;
      let wantC = 0; // Neumaier
      let tol = 0;
      let ignored = 0;
      for (let n = 0; n < rows; n++) {
        if (y[n] === -100) {
          ignored++;
          continue;
        }
        const { m, s } = refSums(x, n * cols, cols);
        const v = m + Math.log(s) - x[n * cols + y[n]];
        const t = want + v;
        wantC += Math.abs(want) >= Math.abs(v) ? want - t + v : v - t + want;
        want = t;
        tol += (5.4 + cols / 2 + 2) * U + REF + 8 * U * (Math.abs(v) + Math.abs(m) + 1);
      }
      expect(acc[2]).toBe(ignored);
      expect(Math.abs(acc[0] + acc[1] - (want + wantC))).toBeLessThanOrEqual(tol);
    }
  });

  it('narrow rows: flagged rows take the exact lse, with PyTorch limits', () => {
    const cols = 5;
    const I = Number.POSITIVE_INFINITY;
    const rows = [
      [0.5, 1, 2, 3, 4],
      [0, 1, -800, 2, 3], // far below x₀: flagged, exact
      [-100, 0, 1, 2, 3], // far above x₀: flagged, exact
      [0, -I, 1, -I, 2], // −∞ logits: flagged, exact (terms 0)
      [3, 2, 1, 0, -1],
    ];
    const x = Float32Array.from(rows.flat());
    const y = [4, 0, 0, 2, 1];
    const acc = new Float64Array(3);
    expect(crossEntropyIndexRowsSimd(x, y, 0, rows.length, cols, -100, acc)).toBe(true);
    let want = 0;
    for (let n = 0; n < rows.length; n++) {
      const { m, s } = refSums(x, n * cols, cols);
      want += m + Math.log(s) - x[n * cols + y[n]];
    }
    expect(Math.abs(acc[0] + acc[1] - want)).toBeLessThanOrEqual(1e-13 * want);
    for (const [row, target, expected] of [
      [[0, 1, I, 2, 3], 0, I], // lse = +∞
      [[0, 1, I, 2, 3], 2, Number.NaN], // +∞ − +∞
      [[I, 0, 1, 2, 3], 1, I],
      [[Number.NaN, 0, 1, 2, 3], 1, Number.NaN],
      [[0, 1, Number.NaN, 2, 3], 1, Number.NaN],
      [[-I, -I, -I, -I, -I], 1, Number.NaN], // −∞ − (−∞)
    ] as const) {
      expect(
        crossEntropyIndexRowsSimd(Float32Array.from(row), [target], 0, 1, cols, -100, acc),
      ).toBe(true);
      expect(acc[0]).toBe(expected);
    }
  });

  describe('gradient kernel (softmax − onehot)', () => {
    /** k·(softmax − onehot) with Math.exp, max-shifted; the rows with target −100 are 0. */
    function refGrad(x: ArrayLike<number>, y: ArrayLike<number>, cols: number, k: number) {
      const g = new Float64Array(x.length);
      for (let n = 0; n < y.length; n++) {
        if (y[n] === -100) continue;
        const { m, s } = refSums(x, n * cols, cols);
        for (let j = 0; j < cols; j++) g[n * cols + j] = (k * Math.exp(x[n * cols + j] - m)) / s;
        g[n * cols + y[n]] -= k;
      }
      return g;
    }
    /** |g − ref| ≤ |k|·(p·(each term 5.4u, S ≤ (C/2 + 2)u, k/S and the product 2u, the
     * reference's C·u + 2u) + 2u for the onehot's subtraction). */
    function expectGrad(g: Float64Array, want: Float64Array, cols: number, k: number) {
      for (let i = 0; i < g.length; i++) {
        const p = Math.abs(want[i]) / Math.abs(k) + 1;
        const tol = Math.abs(k) * ((p * (9.4 + 1.5 * cols) + 2) * U);
        if (!(Math.abs(g[i] - want[i]) <= tol)) expect([i, g[i]]).toEqual([i, want[i]]);
      }
    }

    it('matches the Math.exp reference over widths 2 … 1001, odd and even, across calls', () => {
      // 4000 rows of 10 are three kernel calls (16384 logits each); odd widths end each row with
      // a lone logit whose neighbour lane reads the next row.
      for (const [cols, rows] of [
        [2, 9000],
        [3, 6000],
        [10, 4000],
        [11, 3000],
        [64, 300],
        [1001, 20],
      ]) {
        const x = normal(rows * cols, 3, cols);
        const rnd = seededRandom(cols);
        const y = Int32Array.from({ length: rows }, (_, n) =>
          n % 13 === 5 ? -100 : Math.floor(rnd() * cols),
        );
        const k = -0.75 / rows;
        const g = new Float64Array(rows * cols).fill(9); // stale contents are overwritten
        expect(crossEntropyGradIndexRowsSimd(x, y, rows, cols, -100, k, g)).toBe(true);
        expectGrad(g, refGrad(x, y, cols, k), cols, k);
        for (let n = 5; n < rows; n += 13) {
          expect(g.subarray(n * cols, (n + 1) * cols).every((v) => v === 0)).toBe(true);
        }
      }
    });

    it('recomputes flagged rows exactly as the JavaScript loop: ±∞, NaN, logits far below or above x₀', () => {
      const cols = 5;
      const I = Number.POSITIVE_INFINITY;
      const rows = [
        [0.5, 1, 2, 3, 4], // plain
        [I, 0, 1, 2, 3], // +∞ first: NaN at it, 0 elsewhere
        [0, 1, I, 2, 3],
        [-I, -I, -I, -I, -I], // all −∞: NaN
        [0, 1, Number.NaN, 2, 3], // NaN
        [0, -I, 1, -I, 2], // a −∞ logit: exactly 0 there
        [0, -800, -720, 1, -710], // far below x₀: exp's own tiny values and 0
        [-100, 0, 1, 2, 3], // far above x₀ (> 69): would overflow the shifted sum
        [Number.NaN, 0, 1, 2, 3], // NaN first (the lane after the previous row's odd logit)
        [3, 2, 1, 0, -1],
      ];
      const x = Float32Array.from(rows.flat());
      const y = Int32Array.from(rows, (_, n) => (n * 3) % cols);
      const k = 0.5;
      const g = new Float64Array(x.length);
      expect(crossEntropyGradIndexRowsSimd(x, y, rows.length, cols, -100, k, g)).toBe(true);
      // The JavaScript steps for every row: numerators, × k/S, − k at the target.
      const want = new Float64Array(x.length);
      const one = new Float64Array(1);
      for (let n = 0; n < rows.length; n++) {
        rowSoftmaxNumerators(x, n, n + 1, cols, want, one);
        for (let j = 0; j < cols; j++) want[n * cols + j] *= k / one[0];
        want[n * cols + y[n]] -= k;
      }
      for (const n of [1, 2, 3, 4, 5, 6, 7, 8]) {
        // flagged rows: the very same arithmetic
        expect(Array.from(g.subarray(n * cols, (n + 1) * cols))).toEqual(
          Array.from(want.subarray(n * cols, (n + 1) * cols)),
        );
      }
      expect(g[5 * cols + 1]).toBe(0);
      expect(g[5 * cols + 3]).toBe(0);
      expect(Number.isNaN(g[1 * cols])).toBe(true);
      expect(g.subarray(3 * cols, 4 * cols).every(Number.isNaN)).toBe(true);
      expect(g.subarray(4 * cols, 5 * cols).every(Number.isNaN)).toBe(true);
      expect(g[6 * cols + 1]).toBe(0); // exp(−800) = 0
      expect(g[6 * cols + 4]).toBeGreaterThan(0); // exp(−711)·k/S, subnormal-range but not 0
      // rows 0 and 9 are not flagged (row 0's lone last logit sits beside row 1's +∞, row 8's
      // … beside row 9's 3): within the bound of the reference
      const ref = refGrad(x, y, cols, k);
      for (const n of [0, 9]) {
        expectGrad(
          g.subarray(n * cols, (n + 1) * cols),
          ref.subarray(n * cols, (n + 1) * cols),
          cols,
          k,
        );
      }
    });

    it('declines one column (nothing to vectorise)', () => {
      expect(
        crossEntropyGradIndexRowsSimd(
          new Float32Array(3),
          [0, 0, 0],
          3,
          1,
          -100,
          1,
          new Float64Array(3),
        ),
      ).toBe(false);
    });
  });
});
