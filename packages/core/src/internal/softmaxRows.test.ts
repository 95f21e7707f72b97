import { describe, expect, it } from 'vitest';
import { rowShiftedSums, rowSoftmaxNumerators } from './softmaxRows.js';

const ULP1 = 2 ** -52;
const TINY = 2 ** -1074;
// The inlined exp has fastExp's 3.2-ulp bound; Math.exp, the reference, is up to 1 ulp off.
const REL = 4.2 * ULP1;

/** Max-shifted log-sum-exp with Math.exp: the textbook reference. */
function refLse(row: readonly number[]): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const v of row) if (v > m) m = v;
  if (m === Number.POSITIVE_INFINITY || m === Number.NEGATIVE_INFINITY) m = 0;
  let s = 0;
  for (const v of row) s += Math.exp(v - m);
  return m + Math.log(s);
}

function numerators(row: readonly number[]): { e: Float64Array; sum: number } {
  const e = new Float64Array(row.length);
  const sums = new Float64Array(1);
  rowSoftmaxNumerators(Float64Array.from(row), 0, 1, row.length, e, sums);
  return { e, sum: sums[0] };
}

function lse(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const shift = new Float64Array(rows);
  const sums = new Float64Array(rows);
  rowShiftedSums(x, 0, rows, cols, shift, sums);
  return shift.map((m, n) => m + Math.log(sums[n]));
}

describe('softmaxRows', () => {
  it('computes each term within the exp bound over the whole argument range', () => {
    // Row [0, v]: the shift is x₀ = 0, so e[1] = exp(v) by the inlined exp whenever the row
    // passes the checks (v < 69.3); beyond, the max-shifted fallback gives e = [exp(−v), 1].
    let worst = 0;
    for (let i = 0; i <= 400_000; i++) {
      const v = -745.2 + (745.2 + 69) * (i / 400_000);
      const { e } = numerators([0, v]);
      const want = Math.exp(v);
      const allowed = want >= 2 ** -1022 ? REL * want : 2 * TINY + REL * want;
      worst = Math.max(worst, Math.abs(e[1] - want) / allowed, Math.abs(e[0] - 1) / REL);
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('falls back to the max shift for out-of-range, huge, wrapped and non-finite arguments', () => {
    for (const v of [70, 700, 709.5, 800, 1e5, 2.4e7, 3e7, 1e10, 1e300]) {
      const { e, sum } = numerators([0, v]);
      expect(e[1]).toBe(1);
      expect(Math.abs(e[0] - Math.exp(-v))).toBeLessThanOrEqual(REL * Math.exp(-v) + 2 * TINY);
      expect(sum).toBe(1 + e[0]);
      const { e: f } = numerators([0, -v]);
      expect(f[0]).toBe(1);
      expect(Math.abs(f[1] - Math.exp(-v))).toBeLessThanOrEqual(REL * Math.exp(-v) + 2 * TINY);
    }
    // exp overflows in the shifted sum of a wide row, whatever its first logit.
    const wide = [-500, 300, 300, 200];
    expect(lse(Float64Array.from(wide), 1, 4)[0]).toBeCloseTo(refLse(wide), 12);
  });

  it('keeps the non-finite semantics: +∞ → +∞, all −∞ → −∞, NaN → NaN', () => {
    const cases = [
      [0, Number.POSITIVE_INFINITY, 1],
      [Number.POSITIVE_INFINITY, 0, 1],
      [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
      [Number.NEGATIVE_INFINITY, 2, 3],
      [1, Number.NEGATIVE_INFINITY, 3],
      [Number.NaN, 1, 2],
      [1, Number.NaN, 2],
      [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
    ];
    for (const row of cases) {
      const got = lse(Float64Array.from(row), 1, row.length)[0];
      expect(Object.is(got, refLse(row)) || Math.abs(got - refLse(row)) < 1e-15).toBe(true);
      // Numerators / sum reproduce exp(x − lse), NaN where that is NaN.
      const { e, sum } = numerators(row);
      const l = refLse(row);
      row.forEach((v, j) => {
        const want = Math.exp(v - l);
        if (Number.isNaN(want)) expect(e[j] / sum).toBeNaN();
        else expect(e[j] / sum).toBeCloseTo(want, 14);
      });
    }
  });

  it('gives the same results for Float32Array, Float64Array and number[], across rows', () => {
    let seed = 7;
    const rnd = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 4294967296;
    };
    const rows = 300;
    const cols = 7;
    const f32 = Float32Array.from({ length: rows * cols }, () => (rnd() - 0.5) * 60);
    const f64 = Float64Array.from(f32);
    const arr = Array.from(f32);
    const a = lse(f32, rows, cols);
    expect(lse(f64, rows, cols)).toEqual(a);
    expect(lse(arr, rows, cols)).toEqual(a);
    for (let n = 0; n < rows; n++) {
      const ref = refLse(arr.slice(n * cols, n * cols + cols));
      expect(Math.abs(a[n] - ref)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(ref)));
    }
  });
});
