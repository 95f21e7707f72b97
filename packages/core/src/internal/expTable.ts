// e^v for the element-wise kernels whose exponents are of moderate size (exponential's −y·f):
// one table read and a short polynomial for |v| ≤ 32, fastExp beyond.
//
// Method: j = round(32v) ∈ [−1024, 1024], d = v − j/32 (exact: j = 0 gives v itself, otherwise
// v and j/32 have one sign and lie within a factor 2: Sterbenz), |d| ≤ 1/64, and
//   e^v = E[j]·e^d,   E[j] = e^(j/32) from Math.exp (< 1 ulp),
//   e^d = 1 + d·(1 + d·(1/2 + d·(1/6 + d·(1/24 + d·(1/120 + d/720))))),
// whose remainder is ≤ |d|⁷/7!·e^|d| < 4.6e−17 < 0.42u (u = 2⁻⁵³). In Horner's form the inner
// part d·(…) has |…| < 1.01 and |d| ≤ 2⁻⁶, so its rounding is < 0.02u of the result; the last
// add rounds once (≤ 0.5 ulp of e^d ≈ 1, i.e. ≤ 1u relative since e^d ≥ 0.98); the constants
// 1/6, 1/24, … are rounded, which moves terms < d³/6 by < u of themselves.
// The product with E[j] (≤ 2u) rounds once more (≤ 1u). Total: ≤ 4.5u ≈ 5e−16 relative
// (2.25 ulp) for |v| ≤ 32. Beyond (and for ±∞, NaN) fastExp (≤ 3.2 ulp). `expTable.test.ts`
// sweeps [−40, 40] and fastExp's ranges against Math.exp.
import { fastExp } from './fastExp.js';

const STEP = 32;
const RANGE = 32;
const MID = RANGE * STEP;
/** E[j + 1024] = e^(j/32), j = −1024…1024. */
const E = new Float64Array(2 * MID + 1);
for (let i = 0; i <= 2 * MID; i++) E[i] = Math.exp((i - MID) / STEP);

/** e^v, relative error ≤ 4.5u for |v| ≤ 32 and fastExp's 3.2 ulp elsewhere (see above). */
export function expTable(v: number): number {
  if (!(v >= -RANGE && v <= RANGE)) return fastExp(v);
  const i = (v * STEP + (MID + 0.5)) | 0; // j + 1024 with j = round(32v): the sum is ≥ 0.5
  const d = v - (i - MID) * (1 / STEP);
  return (
    E[i] * (1 + d * (1 + d * (1 / 2 + d * (1 / 6 + d * (1 / 24 + d * (1 / 120 + d * (1 / 720)))))))
  );
}
