// exp for the hot loops of the softmax kernels (log-sum-exp, softmax gradients). V8's Math.exp is
// a call into C++ per element; this is plain arithmetic that TurboFan inlines.
//
// Method (Tang's table-driven exp): write v = −(k·ln2/64) + r with the integer k = round(−64v/ln2)
// and |r| ≤ ln2/128 ≈ 0.00542 (+ a rounding of k's product, < 1e−13), so
// exp(v) = 2^(−⌊k/64⌋) · 2^(−(k mod 64)/64) · exp(r).
//  • k·LN2_HI/64 is exact (LN2_HI has 32 significant bits, |k| < 2^17), and v + k·LN2_HI/64 is
//    exact (Sterbenz: the two are within a factor 2 when k ≠ 0); adding k·LN2_LO/64 rounds once,
//    so |r̂ − r| ≤ 2⁻⁵³|r| + |k|·2⁻⁵³·LN2_LO/64 < 1e−22: a relative error < 1e−22 in exp(r).
//  • exp(r) by its Taylor polynomial of degree 5: the remainder is ≤ |r|⁶/720·e^|r| < 3.5e−17
//    = 0.16 ulp. Evaluated in Estrin's form (1 + r) + r²·((½ + r/6) + r²·(1/24 + r/120)) for
//    instruction-level parallelism: 1 + r rounds (≤ 0.5 ulp), the final addition rounds
//    (≤ 0.5 ulp), and the r² part (< 1.5e−5) carries a relative error < 4u: < 0.01 ulp.
//  • T[j] = 2^(−j/64) comes from Math.pow (< 1 ulp; j = 0 is exact); 2^(−⌊k/64⌋) is exact.
//  • Two products: ≤ 2 × 0.5 ulp.
// Total: |fastExp(v) − exp(v)| ≤ 3.2 ulp ≈ 3.2·2⁻⁵² · exp(v) (≤ 7.1e−16 relative) whenever
// exp(v) is a normal double (−708.39 ≤ v ≤ 709). Below that the result is subnormal and the last
// product rounds once to the subnormal grid: the absolute error is ≤ 2⁻¹⁰⁷⁴ + 3.2 ulp of the
// exact value. v < −745.2 gives 0 (exp(v) < 2⁻¹⁰⁷⁵ there) and −∞ gives 0; v > 709 (where
// 2^(−⌊k/64⌋) would overflow on the way), +∞ and NaN go to Math.exp. The test `fastExp.test.ts`
// sweeps the whole range against Math.exp (itself < 1 ulp off).
//
// The softmax loops (softmaxRows.ts) inline the same steps without the range test (it costs ~40%
// of the time) and detect out-of-range arguments afterwards, per row; see there.

export const LN2_HI_64 = 6.9314718036912382e-1 / 64; // fdlibm's ln2_hi (32 significant bits) / 64
export const LN2_LO_64 = 1.9082149292705877e-10 / 64; // ln2 − ln2_hi, / 64
export const LOG2E_64 = 64 * Math.LOG2E; // 64 / ln2
/** Added to k so that `| 0` (truncation) rounds a positive number; a multiple of 64. */
export const OFFSET = 1 << 17;
/** P's index of 2⁰: P[(k >> 6) + P_ZERO] = 2^(−⌊k/64⌋). */
export const P_ZERO = 2048;

/** T[j] = 2^(−j/64), j = 0…63. */
export const EXP_T = new Float64Array(64);
/**
 * P[i] = 2^(P_ZERO − i), i = 0…4095: exact powers of two, +∞ below index 1024 and 0 above
 * 3122, so every index a non-wrapped k can give within [0, 4096) yields the right limit.
 */
export const EXP_P = new Float64Array(4096);
for (let j = 0; j < 64; j++) EXP_T[j] = 2 ** (-j / 64);
for (let i = 0; i < EXP_P.length; i++) EXP_P[i] = 2 ** (P_ZERO - i);

/** e^v with a relative error ≤ 3.2 ulp (see the derivation above). */
export function fastExp(v: number): number {
  if (!(v >= -745.2 && v <= 709)) return v < -745.2 ? 0 : Math.exp(v);
  const kk = (OFFSET + 0.5 - v * LOG2E_64) | 0; // OFFSET + round(−64v/ln2), positive
  const k = kk - OFFSET;
  const r = v + k * LN2_HI_64 + k * LN2_LO_64;
  const r2 = r * r;
  const p = 1 + r + r2 * (1 / 2 + r * (1 / 6) + r2 * (1 / 24 + r * (1 / 120)));
  return p * EXP_T[kk & 63] * EXP_P[(k >> 6) + P_ZERO];
}
