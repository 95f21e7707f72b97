// log t for a float64 t > 0 given by its two 32-bit words (an Int32Array view over the
// Float64Array's buffer, little-endian: lo at 2i, hi at 2i + 1): logF32Bits's method
// (logF32Bits.ts has the derivation) on the 52-bit mantissa, with no float-to-bits aliasing
// per element.
//
// t = 2ᵉ·m, m ∈ [0.75, 1.5), tmp = hi − hi(0.75), e = tmp >> 20; the cell k is bits 12…19 of tmp
// (the same 256 cells), r = the 44 bits below it, (tmp & 0xfff)·2³² + lo (exact: < 2⁴⁴), in
// units of the ulp of m (2⁻⁵³ on [0.75, 1), 2⁻⁵² on [1, 1.5)). With the expansion point c at
// off = 2⁴³ (the midpoint), 2⁴⁴ (the cell ending at 1) or 0 (the cell starting at 1):
//   z = (r − off)·(ulp/c),  log t = e·ln2 + log c + log1p(z).
// r − off is exact (integers below 2⁴⁵), so every step and bound of logF32Bits.ts holds as
// stated there (|e| ≤ 1023 < 2¹¹, so e·LN2_HI, with 32 significant bits, is still exact):
// |logF64Words(hi, lo) − log t| ≤ 3u·|log t| for every positive normal float64 t.
// Callers test `hi >= F64_NORMAL_MIN_HI && hi < F64_INF_HI` and use Math.log otherwise (zero,
// subnormals, negatives, ∞, NaN), and use this only where the platform is little-endian
// (LITTLE_ENDIAN). `logF64Words.test.ts` sweeps it against Math.log.

/** High word of the smallest positive normal float64, 2⁻¹⁰²²: hi ≥ this (and hi ≥ 0). */
export const F64_NORMAL_MIN_HI = 0x00100000;
/** High word of +∞ (every finite positive float64 has a smaller one). */
export const F64_INF_HI = 0x7ff00000;
/** Whether typed arrays are little-endian here (the word order the callers assume). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;

/** Row k: (off, ulp/c, log c) of cell k, as logF32Bits.ts's with the float64 ulps. */
const TABLE = new Float64Array(256 * 3);
for (let k = 0; k < 256; k++) {
  const start = k < 128 ? 0.75 + k * 2 ** -9 : 1 + (k - 128) * 2 ** -8;
  const ulp = k < 128 ? 2 ** -53 : 2 ** -52;
  const off = k === 127 ? 2 ** 44 : k === 128 ? 0 : 2 ** 43;
  const c = start + off * ulp;
  TABLE[3 * k] = off;
  TABLE[3 * k + 1] = ulp / c;
  TABLE[3 * k + 2] = Math.log(c);
}

/**
 * log t for the float64 t whose high and low words are `hi` and `lo` (as signed 32-bit
 * integers), which must be a positive normal float64 (F64_NORMAL_MIN_HI ≤ hi < F64_INF_HI).
 * Relative error ≤ 3u (see above).
 */
export function logF64Words(hi: number, lo: number): number {
  const tmp = (hi - 0x3fe80000) | 0;
  const e = tmp >> 20;
  const j = ((tmp >> 12) & 0xff) * 3;
  const T = TABLE;
  const z = ((tmp & 0xfff) * 4294967296 + (lo >>> 0) - T[j]) * T[j + 1];
  const z2 = z * z;
  const p =
    z + z2 * (-0.5 + z * (1 / 3) + z2 * (-0.25 + z * (1 / 5) + z2 * (-1 / 6 + z * (1 / 7))));
  return e * LN2_HI + (T[j + 2] + (p + e * LN2_LO));
}
