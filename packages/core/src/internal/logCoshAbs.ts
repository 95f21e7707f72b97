// log cosh a for a ≥ 0 from one table-driven polynomial (logCosh's hot loop), instead of a sinh
// or an exp and a log1p per element.
//
// Method: L(a) = log cosh a has L′ = tanh and, with τ = tanh a, L⁽ⁿ⁺¹⁾ = Pₙ′(τ)·(1 − τ²) when
// L⁽ⁿ⁾ = Pₙ(τ) (P₁ = τ). Around aⱼ = j/32 (j = round(32a), d = a − aⱼ, |d| ≤ 1/64):
//   L(aⱼ + d) = L(aⱼ) + Σₙ₌₁⁹ Pₙ(τⱼ)·dⁿ/n!,   tabulated for a ≤ 20 (641 rows of 10).
// Beyond 20, log cosh a = a − ln 2 + log1p(e^−2a) and the last term is < 4.3e−18 of the rest:
// the result is a − ln 2 (one rounding).
//  • d = a − j/32 is exact (j = 0: d = a; j ≥ 1: Sterbenz).
//  • Truncation: L is analytic for |Im a| < π/2 (cosh's zeros) with |L| ≤ |a| + 1 there, so by
//    Cauchy's estimate on a circle of radius 1.5 the 10th-order remainder is
//    ≤ 2.3·(|d|/1.5)¹⁰·… ≤ 3e−21 absolute; near 0, where L ≈ a²/2 is small, the series
//    a²/2 − a⁴/12 + a⁶/45 − 17a⁸/2520 + 31a¹⁰/14175 − … gives a remainder ≤ 0.0022·d¹⁰, i.e.
//    ≤ 0.0044·d⁸ ≤ 1.6e−17 relative. Both are below 0.1u of L.
//  • Rounding: the table's L(aⱼ) is within 3 ulp (Math.sinh/log1p/exp), its coefficients within a
//    few u of themselves; Horner's sum of terms whose magnitudes add up to at most 9·L(a) (the
//    worst case j = 1, a = 1/64: L(aⱼ) ≈ L′(aⱼ)·|d| ≈ 4·L(a)) rounds to ≤ 9·2u·L(a).
// Total: |logCoshAbs(a) − log cosh a| ≤ 24u·log cosh a ≈ 2.7e−15 relative. +∞ gives +∞, NaN
// gives NaN. `logCoshAbs.test.ts` sweeps [0, 1000] against the two Math forms.

const STEP = 32;
const LAST = 20 * STEP;
const ORDER = 9;
const W = ORDER + 1;
/** Row j (10 entries): L(aⱼ), then Pₙ(τⱼ)/n! for n = 1…9. */
const TABLE = new Float64Array((LAST + 1) * W);
{
  // Pₙ as coefficient lists in τ: P₁ = τ, Pₙ₊₁ = Pₙ′·(1 − τ²).
  const polys: number[][] = [[0, 1]];
  for (let n = 1; n < ORDER; n++) {
    const p = polys[n - 1];
    const dp = p.slice(1).map((c, i) => c * (i + 1));
    const next = new Array<number>(dp.length + 2).fill(0);
    for (let i = 0; i < dp.length; i++) {
      next[i] += dp[i];
      next[i + 2] -= dp[i];
    }
    polys.push(next);
  }
  for (let j = 0; j <= LAST; j++) {
    const a = j / STEP;
    const tau = Math.tanh(a);
    const h = Math.sinh(0.5 * a);
    TABLE[j * W] = a < 1 ? Math.log1p(2 * h * h) : a - Math.LN2 + Math.log1p(Math.exp(-2 * a));
    let fact = 1;
    for (let n = 1; n <= ORDER; n++) {
      fact *= n;
      const p = polys[n - 1];
      let v = 0;
      for (let i = p.length - 1; i >= 0; i--) v = v * tau + p[i];
      TABLE[j * W + n] = v / fact;
    }
  }
}

/** log cosh a for a ≥ 0 (or +∞, NaN), relative error ≤ 24u (derivation above). */
export function logCoshAbs(a: number): number {
  if (!(a <= 20)) return a - Math.LN2;
  const j = (a * STEP + 0.5) | 0;
  const d = a - j * (1 / STEP);
  const b = j * W;
  const T = TABLE;
  return (
    T[b] +
    d *
      (T[b + 1] +
        d *
          (T[b + 2] +
            d *
              (T[b + 3] +
                d *
                  (T[b + 4] +
                    d *
                      (T[b + 5] +
                        d * (T[b + 6] + d * (T[b + 7] + d * (T[b + 8] + d * T[b + 9]))))))))
  );
}
