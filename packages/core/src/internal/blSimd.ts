// Binary cross-entropy of float32 probabilities and hard float32 targets in WebAssembly SIMD
// (blSimd.wat), for binaryCrossEntropy.ts's unweighted float32 sum: the JavaScript loop spent
// ~4.3 ns an element on logF64Words and ~2.7 ns forming t; the kernel does both for four
// elements per step (two pairs of float64 lanes), plus the copies of the inputs into the
// module's memory: ~4.3 ns an element in all.
//
// Per element (as binaryCrossEntropy.ts's JavaScript fast path, whose header derives it): that
// path forms t = q + y·(p − q), q = 1 − p, and accepts the element when y·y = y, t ≥ 2⁻²⁹ and
// (t ≤ 1 − 2⁻²⁹ or p = y); then t is exactly p (y = 1) or 1 − p (y = 0). The kernel tests the
// same condition on the float32 values, four at a time,
//   (y = 0 ∨ y = 1) ∧ ((2⁻²⁹ ≤ p ≤ 1 ∧ p ≠ 1 − y) ∨ p = y):
// y·y = y ⇔ y ∈ {0, 1} (±0 included; y² is exact); for y = 1, t = p and the path's test is
// 2⁻²⁹ ≤ p ≤ 1 − 2⁻²⁹ or p = 1, i.e. 2⁻²⁹ ≤ p ≤ 1 for a float32 p (none lies in (1 − 2⁻²⁴, 1));
// for y = 0, t = fl(1 − p) ≥ 2⁻²⁹ ⇔ p < 1, and fl(1 − p) ≤ 1 − 2⁻²⁹ ⇔ p ≥ 2⁻²⁹ (the largest
// float32 below 2⁻²⁹ gives 1 − 2⁻²⁹ + 2⁻⁵³ exactly; negative p give t > 1), or p = y = ±0: so
// 2⁻²⁹ ≤ p < 1 or p = 0. NaN fails every comparison but ≠, which is and-ed with others.
// blSimd.test.ts checks the kernel against the path's own test on edge values. It then takes
// t = p where y = 1, else 1 − p (a lane select), the value the path forms.
// The term is −log t with log t computed as logF64Words.ts (read-only there; its header and
// logF32Bits.ts's derive the bound): the same 256 cells and expansion points c, e = the
// exponent of t relative to [0.75, 1.5), and
//   z = (m − c)·(1/c)  with m = 2⁻ᵉ·t ∈ [0.75, 1.5),
// where logF64Words forms z = (r − off)·(ulp/c) from integers. Both are the same float64:
// (r − off)·ulp = m − c exactly (m and c lie in one cell, multiples of the ulp, |m − c| < 2⁻⁸, so
// the subtraction is exact), and the stored 1/c rounds as ulp/c does (ulp a power of 2), so the
// one rounded product is the same number. The polynomial, the table values and the final
// additions are evaluated in the same order with the same constants, so each term is bitwise
// logF64Words's: ≤ 3u relative to log t (u = 2⁻⁵³); blSimd.test.ts checks the equality on every
// float32 of [1/16, 1) and on random data. (t ∈ [2⁻²⁹, 1] is a positive normal float64.)
//
// Sums: per block of 256 elements each of four lanes adds its ≤ 64 terms (≥ 0) in order
// (element 4i + r to lane r) and the block sum is (lane 0 + lane 2) + (lane 1 + lane 3): within
// the bound binaryCrossEntropy.ts states for its JavaScript blocks (≤ 128u·Σ per block); a block with any failed check comes back NaN and the caller
// recomputes it by the reference formula (which also throws for a p outside [0, 1]).
//
// Memory: one module instance, compiled on first use and kept (like a lazily built table): the
// 8 KiB table, the block sums and two chunks of BL_CHUNK float32 (128 KiB): each chunk stays in
// L2 between its copy in and the kernel's pass.
import { BL_SIMD_WASM } from './blSimdBytes.js';
import { copyPairIn } from './touchLines.js';
import { lazySimdKernel } from './wasmSimd.js';

/** Elements per kernel call: a multiple of the 256-element block. */
export const BL_CHUNK = 16384;
/** Elements per block sum. */
export const BL_BLOCK = 256;

const CELLS = 256;
const TABLE_BYTES = 32 * CELLS;
const OUT = TABLE_BYTES;
const P = OUT + 8 * (BL_CHUNK / BL_BLOCK);
const Y = P + 4 * BL_CHUNK + 16;

type SumsFn = (p: number, y: number, pairs: number, out: number) => void;

/** The instance with views over its memory (which never grows, so the views stay valid). */
export interface BlKernel {
  sums: SumsFn;
  /** The probabilities' chunk, float32 from element 0. */
  p: Float32Array;
  /** The targets' chunk. */
  y: Float32Array;
  /** The block sums (NaN: recompute the block). */
  res: Float64Array;
  /** The table: (c, 1/c, log c, 0) per cell. */
  table: Float64Array;
}

/** The kernel (table filled in), or null where WebAssembly or its SIMD is missing. */
export const blKernel = lazySimdKernel(
  BL_SIMD_WASM,
  Y + 4 * BL_CHUNK + 16,
  ({ exports, memory }): BlKernel => {
    const table = new Float64Array(memory.buffer, 0, 4 * CELLS);
    // logF64Words.ts's cells: [0.75, 1) in 128 of width 2⁻⁹, [1, 1.5) in 128 of width 2⁻⁸;
    // c = the midpoint, except c = 1 for the two cells that meet at 1.
    for (let k = 0; k < CELLS; k++) {
      const start = k < 128 ? 0.75 + k * 2 ** -9 : 1 + (k - 128) * 2 ** -8;
      const width = k < 128 ? 2 ** -9 : 2 ** -8;
      const c = k === 127 || k === 128 ? 1 : start + width / 2;
      table[4 * k] = c;
      table[4 * k + 1] = 1 / c;
      table[4 * k + 2] = Math.log(c);
    }
    return {
      sums: exports.sums as SumsFn,
      p: new Float32Array(memory.buffer, P, BL_CHUNK + 4),
      y: new Float32Array(memory.buffer, Y, BL_CHUNK + 4),
      res: new Float64Array(memory.buffer, OUT, BL_CHUNK / BL_BLOCK),
      table,
    };
  },
);

/**
 * Copies p[b, e) and y[b, e) (e − b ≤ BL_CHUNK) into the kernel's memory and writes into
 * k.res the block sums Σ −log t of the elements [b + 256j, min(e, b + 256j + 256)), NaN for a
 * block where a check failed.
 */
export function blChunk(k: BlKernel, x: Float32Array, y: Float32Array, b: number, e: number): void {
  const m = e - b;
  copyPairIn(x, y, b, e, k.p, k.y, 8 * x.length);
  // pad to a multiple of 4 with p = y = 1: t = 1, terms +0 that pass the checks
  for (let i = m; (i & 3) !== 0; i++) {
    k.p[i] = 1;
    k.y[i] = 1;
  }
  k.sums(P, Y, (m + 3) >> 2, OUT);
}
