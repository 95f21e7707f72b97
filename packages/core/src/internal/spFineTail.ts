// log1p(e^−a) and σ(−a) = 1/(1 + e^a) for a ≥ 0, as softplusTail.ts computes them, on a finer grid
// with a shorter polynomial: step 1/512 and degree 4 (five table entries per point) instead of step
// 1/32 and degree 7 (eight). Fewer loads and multiplications per element: ~17% less time in the
// gradient loops of softMargin and binaryCrossEntropyWithLogits, where σ is most of the work. The
// tables are larger (20481 points × 5 entries × 8 bytes = 820 KB each, built on first import), but
// the points a loop touches are those its data reach: |a| ≤ 12 is 6144 points, 246 KB.
//
// Method (softplusTail.ts's): f(a) = log1p(e^−a) = g(−a) with g = softplus, g′ = σ and
// g⁽ⁿ⁺¹⁾ = Pₙ′(σ)·σ(1 − σ) when g⁽ⁿ⁾ = Pₙ(σ) (P₁ = σ), so σ⁽ⁿ⁾ = Pₙ₊₁(σ). Around the grid point
// aⱼ = j/512 (j = round(512a), d = a − aⱼ, |d| ≤ 2⁻¹⁰), Taylor's formula gives
//   f(aⱼ + d) = f(aⱼ) + Σₙ₌₁⁴ (−1)ⁿ·Pₙ(σⱼ)·dⁿ/n! + R,   σ(−a) = σⱼ + Σₙ₌₁⁴ (−1)ⁿ·Pₙ₊₁(σⱼ)·dⁿ/n! + R′,
// with σⱼ = σ(−aⱼ) ≤ ½.
//  • d = a − j/512 is exact (j = 0: d = a; j ≥ 1: a and j/512 lie within a factor 2, Sterbenz).
//  • Truncation: R = −g⁽⁵⁾(−ξ)·d⁵/5! and R′ = −P₆(σ(−ξ))·d⁵/5! with ξ ≥ 0 between aⱼ and a. On
//    σ ∈ (0, ½], |P₅(σ)|/(5!·σ) ≤ 0.00834 and |P₆(σ)|/(5!·σ) ≤ 0.00833 (the polynomials evaluated on
//    a grid of 2·10⁵ points; both are smooth there), and σ(−ξ) ≤ e^(2⁻¹⁰)·σⱼ, so
//    |R|, |R′| ≤ 0.0084·2⁻⁵⁰·σⱼ < 0.07u·σⱼ (u = 2⁻⁵³), and σⱼ ≤ f(aⱼ) (log1p(t) ≥ t/(1 + t)).
//  • Table entries: t = Math.exp(−aⱼ) is within 1 ulp (≤ 2u; aⱼ = j/512 is exact); log1p has
//    relative condition t/((1 + t)·log1p(t)) ≤ 1 and Math.log1p adds ≤ 1 ulp: f(aⱼ) within 4u.
//    σⱼ = t/(1 + t): condition 1/(1 + t) ≤ 1, and two roundings (≤ 1u each): within 4u.
//  • The terms beyond the first: |Pₙ(σ)|/n! ≤ σ and |Pₙ₊₁(σ)|/n! ≤ σ for n ≥ 1 on (0, ½] (same
//    grid), so with |d| ≤ 2⁻¹⁰ they add up to < 2⁻¹⁰·1.001·σⱼ; their coefficients' own errors (a
//    few u each) and the rounding of Estrin's form move the result by < 0.01u; the final add
//    rounds once (≤ 0.5u of a result ≥ σⱼ·(1 − 2⁻⁹)).
// Total: ≤ 4 + 0.07 + 0.01 + 0.51 < 5u relative for 0 ≤ a ≤ 40, both functions. Beyond 40,
// e^−a < 4.3e−18, so log1p(e^−a) = e^−a·(1 − e^−a/2 + …) and σ(−a) = e^−a·(1 − e^−a + …) equal
// e^−a to < 4.3e−18 relative, and fastExp(−a) (≤ 3.2 ulp) is used; +∞ gives 0, NaN gives NaN.
// Negative a is not supported. The index j is masked with `& 32767` (a no-op for a ≤ 40,
// j ≤ 20480) so that V8 sees its range and drops the overflow checks on j·5 + n.
// `spFineTail.test.ts` sweeps [0, 800] against the Math.* formulas (themselves within ~4u).
import { fastExp } from './fastExp.js';

const STEP = 512;
const LAST = 40 * STEP;
const W = 5; // entries per point: the value and four derivative terms
/** Point j (W entries): f(aⱼ) = log1p(e^−aⱼ), then (−1)ⁿ·Pₙ(σⱼ)/n! for n = 1…4. */
const SOFTPLUS = new Float64Array((LAST + 1) * W);
/** Point j (W entries): σⱼ = σ(−aⱼ), then (−1)ⁿ·Pₙ₊₁(σⱼ)/n! for n = 1…4. */
const SIGMOID = new Float64Array((LAST + 1) * W);
// Pₙ(σ) in closed form (from P₁ = σ, Pₙ₊₁ = Pₙ′·(σ − σ²)), with q = σ(1 − σ):
// P₂ = q, P₃ = q·(1 − 2σ), P₄ = q·(1 − 6q), P₅ = q·(1 − 2σ)·(1 − 12q). The entries are
// (−1)ⁿ·Pₙ(σⱼ)/n! for the softplus and (−1)ⁿ·Pₙ₊₁(σⱼ)/n! for the sigmoid, n = 1…4; in closed form
// the table builds in a few milliseconds at import (a generic polynomial loop took ~20 ms).
for (let j = 0; j <= LAST; j++) {
  const t = Math.exp(-j / STEP);
  const s = t / (1 + t);
  const q = s * (1 - s);
  const p3 = q * (1 - 2 * s);
  const p4 = q * (1 - 6 * q);
  const p5 = p3 * (1 - 12 * q);
  const b = j * W;
  SOFTPLUS[b] = Math.log1p(t);
  SOFTPLUS[b + 1] = -s;
  SOFTPLUS[b + 2] = q / 2;
  SOFTPLUS[b + 3] = -p3 / 6;
  SOFTPLUS[b + 4] = p4 / 24;
  SIGMOID[b] = s;
  SIGMOID[b + 1] = -q;
  SIGMOID[b + 2] = p3 / 2;
  SIGMOID[b + 3] = -p4 / 6;
  SIGMOID[b + 4] = p5 / 24;
}

/** log1p(e^−a) for a ≥ 0 (or +∞, NaN), relative error < 5u (derivation above). */
export function spSoftplusFine(a: number): number {
  if (!(a <= 40)) return fastExp(-a);
  const j = ((a * STEP + 0.5) | 0) & 32767;
  const d = a - j * (1 / STEP);
  const b = j * W;
  const T = SOFTPLUS;
  const d2 = d * d;
  return T[b] + (d * T[b + 1] + d2 * (T[b + 2] + d * T[b + 3] + d2 * T[b + 4]));
}

/** σ(−a) = 1/(1 + e^a) for a ≥ 0 (or +∞, NaN), relative error < 5u (derivation above). */
export function spSigmoidFine(a: number): number {
  if (!(a <= 40)) return fastExp(-a);
  const j = ((a * STEP + 0.5) | 0) & 32767;
  const d = a - j * (1 / STEP);
  const b = j * W;
  const T = SIGMOID;
  const d2 = d * d;
  return T[b] + (d * T[b + 1] + d2 * (T[b + 2] + d * T[b + 3] + d2 * T[b + 4]));
}
