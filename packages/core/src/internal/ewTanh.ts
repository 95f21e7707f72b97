// tanh e for the element-wise gradients (logCoshGrad's hot loop) from a table and the addition
// formula, instead of Math.tanh (a call into C++ per element).
//
// Method: with j = round(32e) ∈ [−640, 640], eⱼ = j/32 and d = e − eⱼ (|d| ≤ 1/64),
//   tanh e = (τ + t)/(1 + τ·t),   τ = tanh eⱼ (tabulated, Math.tanh),   t = tanh d,
// and t from its Taylor series d·(1 − d²/3 + 2d⁴/15 − 17d⁶/315 + 62d⁸/2835). Tabulated for |e| ≤ 20;
// beyond, tanh e rounds to ±1 (1 − tanh 20 ≈ 8.5e−18 < 2⁻⁵⁴, half an ulp below 1) and callers
// hand |e| > 20 (and NaN, ±∞) to Math.tanh, which returns exactly that.
// Error (u = 2⁻⁵³; relative errors unless said otherwise):
//  • d = e − j/32 is exact (j = 0: d = e; otherwise e and j/32 have one sign and are within a
//    factor 2: Sterbenz).
//  • t: the Lagrange remainder of the degree-10 expansion is ≤ max_{τ∈[−1,1]} |tanh⁽¹¹⁾|/11!
//    · |d|¹¹ ≤ 8.9e−3·|d|¹¹, i.e. ≤ 8.9e−3·2⁻⁶⁰·|d| < 0.0001u of |t| (|t| ≥ 0.99|d|). In
//    t = d·(1 + d²·P), d²·P is ≤ |d|²/3 < 8.2e−5 and carries ≤ 4u of itself (d², P's rounded
//    constants and Horner steps, one product): < 0.001u; 1 + d²·P ∈ (0.9999, 1] rounds once
//    (≤ 2⁻⁵⁴, i.e. ≤ 0.51u of it) and the product once (≤ 1u). So εt ≤ 1.52u. (The factored form
//    also keeps the sign of d = ±0, which d + d·d²·P would lose: −0 + +0 = +0.)
//  • τ = Math.tanh(eⱼ): ετ ≤ 2u (1 ulp; the test checks the whole table against a 200-bit
//    reference). τ₀ is stored as −0, so that e = ±0 gives ±0: −0 + t = t for t = ±0.
//  • Numerator τ + t: where the signs differ (|e| < |eⱼ|), |τ| ≤ 2·|τ + t| and |t| ≤ |τ + t|
//    (worst at j = ±1: |τ| ≈ 0.0312, |t| ≤ 0.0156), so the inputs' errors give ≤ 2·2u + 1.52u,
//    and the sum rounds once (1u): ≤ 6.52u. Same signs: ≤ 2u + 1u.
//  • Denominator 1 + τ·t ≥ 0.984: the product (|τ·t| ≤ 0.0157, ≤ 4.1u of itself) adds ≤ 0.07u,
//    the sum rounds once (≤ 1.02u): ≤ 1.09u.
//  • The division rounds once (1u).
// Total: |tanhTable(e) − tanh e| ≤ 8.7u·|tanh e| ≈ 9.7e−16 relative for |e| ≤ 20 (j = 0: t/1,
// ≤ 1.6u).
// `ewTanh.test.ts` sweeps [−21, 21] against Math.tanh and a 200-bit reference.

const STEP = 32;
const RANGE = 20;
const MID = RANGE * STEP;

/** The largest |e| the table covers; beyond it (and for NaN) use Math.tanh. */
export const TANH_RANGE = RANGE;

/** TANH_J[j + 640] = tanh(j/32), j = −640…640 (Math.tanh; −0 at j = 0). */
export const TANH_J = new Float64Array(2 * MID + 1);
for (let j = -MID; j <= MID; j++) TANH_J[j + MID] = Math.tanh(j / STEP);
TANH_J[MID] = -0;

/**
 * tanh e for |e| ≤ 20 (callers test the range: outside it this reads past the table and gives
 * NaN), relative error ≤ 8.7u (derivation above); ±0 keeps its sign.
 */
export function tanhTable(e: number): number {
  const i = (e * STEP + (MID + 0.5)) | 0; // j + 640, j = round(32e): the sum is ≥ 0.5
  const d = e - (i - MID) * (1 / STEP);
  const d2 = d * d;
  const t = d * (1 + d2 * (-1 / 3 + d2 * (2 / 15 + d2 * (-17 / 315 + d2 * (62 / 2835)))));
  const tau = TANH_J[i];
  return (tau + t) / (1 + tau * t);
}
