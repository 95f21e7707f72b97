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
const ORDER = 4;
const W = ORDER + 1;
/** Point j (W entries): f(aⱼ) = log1p(e^−aⱼ), then (−1)ⁿ·Pₙ(σⱼ)/n! for n = 1…4. */
const SOFTPLUS = new Float64Array((LAST + 1) * W);
/** Point j (W entries): σⱼ = σ(−aⱼ), then (−1)ⁿ·Pₙ₊₁(σⱼ)/n! for n = 1…4. */
const SIGMOID = new Float64Array((LAST + 1) * W);
{
  // Pₙ as coefficient lists in σ: P₁ = σ, Pₙ₊₁ = Pₙ′·(σ − σ²).
  const polys: number[][] = [[0, 1]];
  for (let n = 1; n <= ORDER; n++) {
    const p = polys[n - 1];
    const dp = p.slice(1).map((c, i) => c * (i + 1));
    const next = new Array<number>(dp.length + 2).fill(0);
    for (let i = 0; i < dp.length; i++) {
      next[i + 1] += dp[i];
      next[i + 2] -= dp[i];
    }
    polys.push(next);
  }
  for (let j = 0; j <= LAST; j++) {
    const t = Math.exp(-j / STEP);
    const s = t / (1 + t);
    SOFTPLUS[j * W] = Math.log1p(t);
    SIGMOID[j * W] = s;
    let fact = 1;
    for (let n = 1; n <= ORDER; n++) {
      fact *= n;
      const sign = n % 2 === 1 ? -1 : 1;
      SOFTPLUS[j * W + n] = (sign * evaluate(polys[n - 1], s)) / fact;
      SIGMOID[j * W + n] = (sign * evaluate(polys[n], s)) / fact;
    }
  }
}

/** A polynomial (coefficients from degree 0) at x, by Horner. */
function evaluate(p: readonly number[], x: number): number {
  let v = 0;
  for (let i = p.length - 1; i >= 0; i--) v = v * x + p[i];
  return v;
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
