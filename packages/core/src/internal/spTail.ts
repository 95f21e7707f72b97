// softplusTail and sigmoidTail (softplusTail.ts) with the same tables and the same arithmetic, so
// the same results bit for bit and the same proven bounds (≤ 3u and ≤ 4u relative, u = 2⁻⁵³, for
// 0 ≤ a ≤ 40; fastExp's 3.2 ulp beyond; +∞ → 0, NaN → NaN; derivation in softplusTail.ts), but
// indexed so that V8 can see the table index's range: j = round(32a) is masked with `& 2047`
// (a no-op: a ≤ 40 gives j ≤ 1280) and the row offset is j << 3. Without the mask the index is an
// arbitrary int32 and every one of the eight loads carries an overflow check on `j·8 + n` besides
// its bounds check; with it they are gone. That, and calling them several times per loop
// iteration (several elements share the loop's checks of the arrays), is what the gradient loops
// of softMargin and binaryCrossEntropyWithLogits gain ~20% from.
// `spTail.test.ts` checks equality with softplusTail/sigmoidTail over the whole range.
import { fastExp } from './fastExp.js';

const STEP = 32;
const LAST = 40 * STEP;
const ORDER = 7;
/** Row j (8 entries): f(aⱼ) = log1p(e^−aⱼ), then (−1)ⁿ·Pₙ(σⱼ)/n! for n = 1…7. */
const TABLE = new Float64Array((LAST + 1) * 8);
/** Row j (8 entries): σⱼ = σ(−aⱼ), then (−1)ⁿ·Pₙ₊₁(σⱼ)/n! for n = 1…7. */
const SIG = new Float64Array((LAST + 1) * 8);
{
  // Pₙ as coefficient lists in σ: P₁ = σ, Pₙ₊₁ = Pₙ′·(σ − σ²) (softplusTail.ts).
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

/** log1p(e^−a) for a ≥ 0 (or +∞, NaN): softplusTail's value, ≤ 3u. */
export function spSoftplusTail(a: number): number {
  if (!(a <= 40)) return fastExp(-a);
  const j = ((a * STEP + 0.5) | 0) & 2047;
  const d = a - j * (1 / STEP);
  const b = j << 3;
  const T = TABLE;
  const d2 = d * d;
  return (
    T[b] +
    (d * T[b + 1] +
      d2 *
        (T[b + 2] + d * T[b + 3] + d2 * (T[b + 4] + d * T[b + 5] + d2 * (T[b + 6] + d * T[b + 7]))))
  );
}

/** σ(−a) = 1/(1 + e^a) for a ≥ 0 (or +∞, NaN): sigmoidTail's value, ≤ 4u. */
export function spSigmoidTail(a: number): number {
  if (!(a <= 40)) return fastExp(-a);
  const j = ((a * STEP + 0.5) | 0) & 2047;
  const d = a - j * (1 / STEP);
  const b = j << 3;
  const T = SIG;
  const d2 = d * d;
  return (
    T[b] +
    (d * T[b + 1] +
      d2 *
        (T[b + 2] + d * T[b + 3] + d2 * (T[b + 4] + d * T[b + 5] + d2 * (T[b + 6] + d * T[b + 7]))))
  );
}
