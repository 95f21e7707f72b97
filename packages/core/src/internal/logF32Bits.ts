// log t for a float32 t > 0 given by its bit pattern b (an Int32Array view over the
// Float32Array's buffer, read once per element): integer operations, one table row and a short
// polynomial instead of Math.log, and no float-to-bits aliasing per element (the bits are in
// memory already, which is why this pays off only for float32 data).
//
// Method: t = 2ᵉ·m with m ∈ [0.75, 1.5) (musl's offset: tmp = b − bits(0.75), e = tmp >> 23),
// so that log t = e·ln2 + log m never cancels badly (m near 1 has e = 0). The 23-bit mantissa of
// m splits into k (8 bits: 128 cells of width 2⁻⁹ on [0.75, 1), 128 of width 2⁻⁸ on [1, 1.5)) and
// r (15 bits). Each cell has an expansion point c = its start + off·(cell ulp): its midpoint
// (off = 2¹⁴), except the two cells that meet at 1, which expand around 1 itself (off = 2¹⁵ for
// [1 − 2⁻⁹, 1), off = 0 for [1, 1 + 2⁻⁸)), so that log t near 1 is the polynomial alone, with no
// table value to cancel against. Then
//   m = c·(1 + z),  z = (r − off)·ulp/c,  log t = e·ln2 + log c + log1p(z),
//   log1p(z) = z − z²/2 + z³/3 − … − z⁶/6 + z⁷/7 (truncated).
// Bounds (u = 2⁻⁵³):
//  • (r − off)·ulp = m − c is exact (an integer of ≤ 16 bits times a power of 2); q = ulp/c
//    rounds once and z = (r − off)·q once: |δz| ≤ 1u·|z| (exact in the two cells at 1: c = 1).
//  • |z| ≤ 2⁻⁹ except in [1, 1 + 2⁻⁸) where |z| < 2⁻⁸. The series remainder is ≤ |z|⁸/8·1.01, i.e.
//    ≤ 0.02u of |log1p(z)| ≥ |z|·(1 − 2⁻⁹). The terms beyond z add up to ≤ |z|/500, so their
//    rounding (and that of the constants 1/3, 1/5, …) is < 0.03u of |z|; the add to z rounds once:
//    the polynomial is within 1.6u of log1p(z) (0.6u where z is exact).
//  • e = 0, the cells at 1: log t is the polynomial: ≤ 0.6u.
//  • e = 0, other cells: |log t| ≥ log(1 + 2⁻⁸) or |log(1 − 2⁻⁹)|, |log c| ≤ 1.5·|log t| and
//    |log1p(z)| ≤ 0.5·|log t|; log c = Math.log(c) is within 1u: ≤ 1.5u + 0.8u + 0.5u (final add)
//    = 2.8u.
//  • e ≠ 0: |log t| ≥ ln2 − log 1.5 > 0.288, e·ln2 is e·LN2_HI (exact: LN2_HI has 32 significant
//    bits and |e| < 2⁸) plus e·LN2_LO (< 1e−7, its error negligible), |log c| ≤ 0.405:
//    ≤ (1u·0.405 + 0.5u·0.41 (inner add) + 0.005u)/0.288 + 0.5u ≤ 2.7u.
// Total: |logF32Bits(b) − log t| ≤ 3u·|log t| (1.5 ulp) for every positive normal float32 t.
// Zero, subnormals, negatives, ∞ and NaN are not handled: callers test
// `b >= F32_NORMAL_MIN_BITS && b < F32_INF_BITS` and use Math.log otherwise.
// `logF32Bits.test.ts` checks every mantissa of two binades and a stride over all normal floats.

/** Bits of the smallest positive normal float32, 2⁻¹²⁶. */
export const F32_NORMAL_MIN_BITS = 0x00800000;
/** Bits of +∞ as a float32 (every finite positive float32 lies below). */
export const F32_INF_BITS = 0x7f800000;
/** Bits of the largest finite float32 (F32_INF_BITS − 1). */
export const F32_MAX_BITS = 0x7f7fffff;

/** ln 2 split as fdlibm's: the high part has 32 significant bits, so e·LN2_HI is exact. */
export const LN2_HI = 0.6931471803691238;
export const LN2_LO = 1.9082149292705877e-10;

/**
 * Row k: (off, ulp/c, log c) of cell k (see above). Exported for loops that inline
 * logF32Bits's body (klDiv); they must keep it step for step.
 */
export const logF32Table = new Float64Array(256 * 3);
const TABLE = logF32Table;
for (let k = 0; k < 256; k++) {
  const start = k < 128 ? 0.75 + k * 2 ** -9 : 1 + (k - 128) * 2 ** -8;
  const ulp = k < 128 ? 2 ** -24 : 2 ** -23;
  const off = k === 127 ? 2 ** 15 : k === 128 ? 0 : 2 ** 14;
  const c = start + off * ulp;
  TABLE[3 * k] = off;
  TABLE[3 * k + 1] = ulp / c;
  TABLE[3 * k + 2] = Math.log(c);
}

/**
 * log t for the float32 t whose bits are `b`, which must be a positive normal float32
 * (F32_NORMAL_MIN_BITS ≤ b < F32_INF_BITS). Relative error ≤ 3u (derivation above).
 */
export function logF32Bits(b: number): number {
  const tmp = (b - 0x3f400000) | 0;
  const e = tmp >> 23;
  const j = ((tmp >> 15) & 0xff) * 3;
  const T = TABLE;
  const z = ((tmp & 0x7fff) - T[j]) * T[j + 1];
  const z2 = z * z;
  const p =
    z + z2 * (-0.5 + z * (1 / 3) + z2 * (-0.25 + z * (1 / 5) + z2 * (-1 / 6 + z * (1 / 7))));
  return e * LN2_HI + (T[j + 2] + (p + e * LN2_LO));
}
