// log1p(e^−a) for a ≥ 0: the tail of softplus, softplus(z) = max(z, 0) + log1p(e^−|z|). One
// table-driven polynomial instead of an exp and a log1p per element.
//
// Method: f(a) = log1p(e^−a) = g(−a) with g = softplus, whose derivatives are polynomials in
// σ = σ(u) = 1/(1 + e^−u): g′ = σ and g⁽ⁿ⁺¹⁾ = Pₙ′(σ)·σ(1 − σ) when g⁽ⁿ⁾ = Pₙ(σ). Around the grid
// point aⱼ = j/32 (j = round(32a), d = a − aⱼ, |d| ≤ 1/64), Taylor's formula gives
//   f(aⱼ + d) = f(aⱼ) + Σₙ₌₁⁷ (−1)ⁿ·Pₙ(σⱼ)·dⁿ/n!,  σⱼ = σ(−aⱼ) = e^−aⱼ/(1 + e^−aⱼ) ≤ ½.
// The coefficients are tabulated for a ≤ 40 (1281 entries of 8, one 64-byte line each).
//  • d = a − j/32 is exact (j = 0: d = a; j ≥ 1: a is within a factor 2 of j/32, Sterbenz).
//  • Truncation: g is analytic in the strip |Im u| < π, so |g⁽⁸⁾(ξ)|/8! ≤ 1.1·σ(ξ)·π⁻⁸ on the
//    segment, and with σ(ξ) ≤ e^(1/64)·σⱼ and |d|⁸ ≤ 2⁻⁴⁸ the remainder is ≤ 4e−19·σⱼ, while
//    f(aⱼ) ≥ log1p(e^−aⱼ) ≥ σⱼ: < 0.004u relative.
//  • Rounding: f(aⱼ) = Math.log1p(Math.exp(−aⱼ)) is within 2 ulp; Σ|terms beyond f(aⱼ)| ≤
//    σⱼ/64·1.02 < f(aⱼ)/60, so Horner's rounding and the coefficients' own (≤ a few u each,
//    from evaluating Pₙ at σⱼ) add < 0.1u; the final add rounds once (0.5 ulp).
// Total: |softplusTail(a) − log1p(e^−a)| ≤ 3u·f(a) ≈ 3.3e−16 relative for 0 ≤ a ≤ 40. Beyond 40,
// e^−a < 4.3e−18, so log1p(e^−a) = e^−a·(1 − e^−a/2 + …) equals e^−a to < 2.2e−18 relative, and
// fastExp(−a) (≤ 3.2 ulp) is used; +∞ gives 0, NaN gives NaN. Negative a is not supported.
// `softplusTail.test.ts` sweeps [0, 800] against Math.log1p(Math.exp(−a)).
//
// sigmoidTail(a) = σ(−a) = 1/(1 + e^a) = −f′(a), for a ≥ 0, the small one of σ(±x): the same
// Taylor scheme on its own table, SIG row j = σⱼ, then (−1)ⁿ·Pₙ₊₁(σⱼ)/n! for n = 1…7 (σ′ = σ(1 − σ),
// so the derivatives of σ are P₂, P₃, …). σ is analytic for |Im u| < π as well, the terms
// beyond σⱼ add up to < σⱼ/60, σⱼ = t/(1 + t) (t = Math.exp(−aⱼ)) is within 3u: in all
// ≤ 4u·σ(−a) for a ≤ 40; beyond, σ(−a) = e^−a·(1 − e^−a + …) is e^−a to < 4.3e−18 relative and
// fastExp(−a) is used. The test sweeps [0, 800] against Math.exp(−a)/(1 + Math.exp(−a)).
import { fastExp } from './fastExp.js';

const STEP = 32;
const LAST = 40 * STEP;
const ORDER = 7;
/** Row j (8 entries): f(aⱼ), then (−1)ⁿ·Pₙ(σⱼ)/n! for n = 1…7. */
const TABLE = new Float64Array((LAST + 1) * 8);
/** Row j (8 entries): σⱼ = σ(−aⱼ), then (−1)ⁿ·Pₙ₊₁(σⱼ)/n! for n = 1…7. */
const SIG = new Float64Array((LAST + 1) * 8);
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
    TABLE[j * 8] = Math.log1p(t);
    SIG[j * 8] = s;
    let fact = 1;
    for (let n = 1; n <= ORDER; n++) {
      fact *= n;
      const sign = n % 2 === 1 ? -1 : 1;
      TABLE[j * 8 + n] = (sign * evaluate(polys[n - 1], s)) / fact;
      SIG[j * 8 + n] = (sign * evaluate(polys[n], s)) / fact;
    }
  }
}

/** A polynomial (coefficients from degree 0) at x, by Horner. */
function evaluate(p: readonly number[], x: number): number {
  let v = 0;
  for (let i = p.length - 1; i >= 0; i--) v = v * x + p[i];
  return v;
}

/** log1p(e^−a) for a ≥ 0 (or +∞, NaN), relative error ≤ 3u (derivation above). */
export function softplusTail(a: number): number {
  if (!(a <= 40)) return fastExp(-a);
  const j = (a * STEP + 0.5) | 0;
  const d = a - j * (1 / STEP);
  const b = j * 8;
  const T = TABLE;
  // Estrin's form: a shorter dependency chain than Horner's, the same rounding bound here (the
  // terms beyond T[b] add up to < 1/60 of it).
  const d2 = d * d;
  return (
    T[b] +
    (d * T[b + 1] +
      d2 *
        (T[b + 2] + d * T[b + 3] + d2 * (T[b + 4] + d * T[b + 5] + d2 * (T[b + 6] + d * T[b + 7]))))
  );
}

/** σ(−a) = 1/(1 + e^a) for a ≥ 0 (or +∞, NaN), relative error ≤ 4u (derivation above). */
export function sigmoidTail(a: number): number {
  if (!(a <= 40)) return fastExp(-a);
  const j = (a * STEP + 0.5) | 0;
  const d = a - j * (1 / STEP);
  const b = j * 8;
  const T = SIG;
  // Estrin's form: a shorter dependency chain than Horner's, the same rounding bound here (the
  // terms beyond T[b] add up to < 1/60 of it).
  const d2 = d * d;
  return (
    T[b] +
    (d * T[b + 1] +
      d2 *
        (T[b + 2] + d * T[b + 3] + d2 * (T[b + 4] + d * T[b + 5] + d2 * (T[b + 6] + d * T[b + 7]))))
  );
}
