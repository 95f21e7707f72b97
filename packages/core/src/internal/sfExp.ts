// exp for the row loops of softmaxFocal and distillation (sfRows.ts): fastExp's method (fastExp.ts)
// with a 256-entry table instead of 64, so that the polynomial is one degree shorter (~10% less
// time per exp in those loops, where the exps are most of the work).
//
// Method (Tang's table-driven exp): v = −(k·ln2/256) + r with the integer k = round(−256v/ln2)
// and |r| ≤ ln2/512 ≈ 0.001354 (+ a rounding of k's product, < 1e−13), so
// exp(v) = 2^(−⌊k/256⌋) · 2^(−(k mod 256)/256) · exp(r). Bounds (ulp of the result, u = 2⁻⁵³):
//  • k·LN2_HI/256 is exact (LN2_HI has 32 significant bits, |k| < 2²⁰ in range; /256 is exact),
//    and v + k·LN2_HI/256 is exact (Sterbenz: the two are within a factor 2 when k ≠ 0); adding
//    k·LN2_LO/256 rounds once: |r̂ − r| ≤ 2⁻⁵³|r| + |k|·2⁻⁵³·LN2_LO/256 < 1e−22, a relative
//    error < 1e−22 in exp(r).
//  • exp(r) by its Taylor polynomial of degree 4: the remainder is ≤ |r|⁵/120·e^|r| < 3.9e−17
//    = 0.18 ulp. Evaluated as (1 + r) + r²·(½ + r/6 + r²/24): 1 + r rounds (≤ 0.5 ulp), the final
//    addition rounds (≤ 0.5 ulp), and the r² part (< 9.2e−7) carries a relative error < 4u:
//    < 0.001 ulp.
//  • T[j] = 2^(−j/256) comes from Math.pow (< 1 ulp; j = 0 is exact); 2^(−⌊k/256⌋) is exact.
//  • Two products: ≤ 2 × 0.5 ulp.
// Total: |sfExp(v) − exp(v)| ≤ 3.2 ulp ≈ 3.2·2⁻⁵²·exp(v) (≤ 7.1e−16 relative) whenever exp(v) is
// a normal double (−708.39 ≤ v ≤ 709), fastExp's bound. Below that the last product rounds once
// to the subnormal grid: the absolute error is ≤ 2⁻¹⁰⁷⁴ + 3.2 ulp of the exact value. v < −745.2
// gives 0 and −∞ gives 0; v > 709 (where 2^(−⌊k/256⌋) would overflow on the way), +∞ and NaN go
// to Math.exp. `sfExp.test.ts` sweeps the whole range against Math.exp.
//
// The loops in sfRows.ts inline these steps without the range test and check each row after its
// loop (see there): the table index i = ⌊k/256⌋ + 2048 indexes fastExp's EXP_P, whose entries
// 2^(2048 − i) are +∞ below 1024 and 0 above 3122, and leaves [0, 4096) (`bad |= i` sees it) for
// |v| ≳ 1419; OFFSET = 2²⁰ keeps OFFSET + k positive (so `| 0` rounds) for |v| < 2839, and `| 0`
// wraps only beyond |v| ≈ 5.8e6, where |r| is huge (the loops' Σr² test).
import { EXP_P, P_ZERO } from './fastExp.js';

export const SF_LN2_HI_256 = 6.9314718036912382e-1 / 256; // fdlibm's ln2_hi (32 bits) / 256
export const SF_LN2_LO_256 = 1.9082149292705877e-10 / 256; // ln2 − ln2_hi, / 256
export const SF_LOG2E_256 = 256 * Math.LOG2E; // 256 / ln2
/** Added to k so that `| 0` (truncation) rounds a positive number; a multiple of 256. */
export const SF_OFFSET = 1 << 20;
/** T[j] = 2^(−j/256), j = 0…255. */
export const SF_EXP_T = new Float64Array(256);
for (let j = 0; j < 256; j++) SF_EXP_T[j] = 2 ** (-j / 256);

/** fastExp's tables of 2^(P_ZERO − i) (exact powers of two, ±limits outside the range). */
export { EXP_P as SF_EXP_P, P_ZERO as SF_P_ZERO };

/** e^v with a relative error ≤ 3.2 ulp (see the derivation above). */
export function sfExp(v: number): number {
  if (!(v >= -745.2 && v <= 709)) return v < -745.2 ? 0 : Math.exp(v);
  const kk = (SF_OFFSET + 0.5 - v * SF_LOG2E_256) | 0; // OFFSET + round(−256v/ln2), positive
  const k = kk - SF_OFFSET;
  const r = v + k * SF_LN2_HI_256 + k * SF_LN2_LO_256;
  const r2 = r * r;
  const p = 1 + r + r2 * (1 / 2 + r * (1 / 6) + r2 * (1 / 24));
  return p * SF_EXP_T[kk & 255] * EXP_P[(k >> 8) + P_ZERO];
}
