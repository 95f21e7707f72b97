// log1p(t) for t ∈ [0, 1], the range of the softplus tail log1p(e^−|x|) and of log cosh's
// log1p(2·sinh²(e/2)). V8's Math.log1p is a call into C++ per element; this is plain arithmetic
// that TurboFan inlines. Arguments outside [0, 1] are not supported (callers never pass them);
// NaN gives NaN.
//
// Method (table-driven, as Tang's log): j = round(128·t) ∈ [0, 128], F = 1 + j/128, and
//   log1p(t) = log(F + (t − j/128)) = log F + log1p(s),   s = (t − j/128)/F.
//  • d = t − j/128 is exact: for j = 0 it is t itself; for j ≥ 1, |t − j/128| ≤ 1/256 and
//    t ≥ 1/256 put j/128 within [t/2, 2t] (Sterbenz).
//  • s = d·(1/F) with 1/F rounded: |ŝ − s| ≤ 2u·|s| (u = 2⁻⁵³), and |s| ≤ (1/256)/F ≤ 2⁻⁸.
//  • log1p(s) by its Taylor polynomial s − s²/2 + … + s⁷/7: the remainder is ≤ |s|⁸/8 ≤ 2⁻⁵⁹|s|.
//    In the form s + s²·q the correction s²·q is < |s|/500, so its own rounding (a few u of it)
//    is < 0.01u·|s|; the final add rounds once: |p̂ − log1p(s)| ≤ 2.6u·|s| (with ŝ's error).
//  • log F from Math.log1p (< 1 ulp; exactly 0 for j = 0).
//  • The sum log F + p: for j = 0 it is p alone (≤ 2.6u relative, s ≈ log1p(t)). For j ≥ 1,
//    log F ≥ log(1 + 1/128) > 2|p|, so the result exceeds (log F)/2 and
//    |error| ≤ 2u·log F + 2.6u·|p| + u·result ≤ (4u + 2.6u + u)·result.
// Total: |fastLog1p(t) − log1p(t)| ≤ 8u·log1p(t) ≈ 8.9e−16 relative, over all of [0, 1]
// (subnormal t included: j = 0 and p = s = t·1 exactly up to the polynomial, which is then t).
// `fastLog1p.test.ts` sweeps [0, 1] against Math.log1p.

/** F[j] = log(1 + j/128), j = 0…128. */
const LOG_F = new Float64Array(129);
/** INV[j] = 1/(1 + j/128), rounded. */
const INV_F = new Float64Array(129);
for (let j = 0; j <= 128; j++) {
  LOG_F[j] = Math.log1p(j / 128);
  INV_F[j] = 1 / (1 + j / 128);
}

/** log1p(t) for 0 ≤ t ≤ 1, relative error ≤ 8u ≈ 8.9e−16 (derivation above). NaN → NaN. */
export function fastLog1p(t: number): number {
  const j = (t * 128 + 0.5) | 0;
  const s = (t - j * (1 / 128)) * INV_F[j];
  const s2 = s * s;
  return (
    LOG_F[j] +
    (s + s2 * (-1 / 2 + s * (1 / 3) + s2 * (-1 / 4 + s * (1 / 5) + s2 * (-1 / 6 + s * (1 / 7)))))
  );
}
