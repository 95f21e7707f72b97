// binaryCrossEntropyWithLogitsGrad over float32 logits and targets (unweighted, one scale k) in
// WebAssembly SIMD (bwSimd.wat "grad"): gᵢ = k·(σ(xᵢ) − yᵢ); and the reduced forward ("loss",
// below). The JavaScript loop spends ~4 ns an
// element on σ (spSigmoidFine); the kernel does two elements per step in float64 lanes, plus the
// copies of x and y into the module's memory and one set() of the results out per chunk.
//
// Per element, with v = −|x| and h = [x > 0] (u = 2⁻⁵³, 1 ulp = 2u near 1):
//  • e = exp(v) by lseSimd.wat's method (lseRows.ts's header derives it) with a table of 2048
//    instead of 256 and a polynomial of degree 3 instead of 4 (two operations fewer a step;
//    with the table index masked in scalar code and the scale's exponent added in one shift,
//    the kernel's arithmetic takes ~11% less time: ~24 → ~21 ms over 10M pairs in cache on the
//    Intel runner). For v ∈ [−700, 0], where the result is normal (v is exact: float32 →
//    float64 is exact, the sign bit is set):
//      K = round(v·2048/ln2) to within 0.5 + 3e−11, so |r| ≤ ln2/4096·(1 + 1e−10) ≤
//      1.6923e−4; |K| < 2²¹ (700·2048/ln2 < 2.07e6), so K·LN2HI/2048 is exact (32 + 21 bits)
//      and so is v − K·LN2HI/2048 (Sterbenz, K ≠ 0); K·LN2LO/2048 (< 2e−7) and the last
//      subtraction round: |r̂ − r| ≤ u·|r| + 2e−7·u ≤ 0.0002u, its relative error in exp(r);
//      exp(r) by its Taylor polynomial of degree 3: remainder ≤ |r|⁴/24·e^|r| ≤ 3.42e−17 =
//      0.31u relative; evaluated as (1 + r) + r²·(1/2 + r/6): 1 + r rounds (≤ u), the r² part
//      (< 1.5e−8) carries ≤ 4u relative (< 6e−8·u absolute), the last addition rounds (≤ u):
//      ≤ 2.001u on a value ≥ 0.9998; the rounded 1/6 adds < 1e−11·u;
//      T[i] = 2^(i/2048) from the exponentiation operator: ≤ 1 ulp = 2u relative (bwSimd.test.ts
//      checks all 2048 entries in exact integer arithmetic); 2^⌊K/2048⌋ joins it exactly (the
//      kernel adds it to the exponent field as an integer, and T' − i·2⁴¹ + i·2⁴¹ = T);
//      the product p·scale rounds: ≤ u.
//    Total: ≤ 0.31 + 0.0002 + 2.001 + 2 + 1 ≤ 5.4u = 2.7 ulp relative, the bound of the
//    256-entry method (whose degree-4 remainder was 0.35u).
//  • s = e/(1 + e) = σ(−|x|) ≤ ½: the relative condition of e ↦ e/(1 + e) is 1/(1 + e) ≤ 1, so
//    e's error carries ≤ 5.4u; 1 + e rounds (≤ u relative, so ≤ u in the quotient), the
//    division rounds (≤ u): s within 7.4u (+ O(u²)) relative.
//  • g/k = (h − y) + (1 − 2h)·s, the JavaScript loop's formula (there s is spSigmoidFine's,
//    within 5u): h − y is 1 − y or −y (one rounding for 1 − y, none for y = 0 or y ∈ [2⁻²⁹, 1]
//    in float32), the sign flip is exact, the addition rounds once. At x = ±0 the kernel takes
//    h = 0 (½ − y), the loop h = 1 ((1 − y) − ½): the same value whenever 1 − y is exact.
//    For y ∈ {0, 1} the result is −s, s (exact from s), 1 − s or s − 1, whose magnitude is
//    ≥ ½ ≥ s: ≤ 7.4u + u = 8.4u relative. In general |error| ≤ 7.4u·s + u·h·|1 − y| + u·|g/k|.
//  • The product with k rounds once more (≤ u).
// So for targets in {0, 1}: gᵢ within 9.4u ≈ 1.05e−15 relative of k·(σ(xᵢ) − yᵢ) (the
// JavaScript loop: 6.5u); every target: |ĝ − g| ≤ |k|·(7.4u·s + u·h·|1 − y|) + 2u·|g|.
//
// Limits: a lane with |x| > 700 (±∞ included) would need e below the table method's normal
// range, so the kernel reports its chunk and the chunk is redone by the JavaScript loop
// (`redo`), which gives fastExp's tiny σ(−|x|), 0 at ±∞ and so the limits k·(1 − y) and
// −k·y. NaN x propagates through every step, and so does a NaN y.
//
// The forward (reduced, bwLossSumSimd): Σᵢ ℓᵢ with ℓ = (y·max(−x, 0) + (1 − y)·max(x, 0)) + l,
// l = log1p(e^−|x|) computed exactly as spFineTail.ts's spSoftplusFine (its table, rebuilt here
// in the module's memory by the same formulas, and its Estrin form), so l is within its 5u
// (u = 2⁻⁵³) for |x| ≤ 40. At a tie 512|x| = j + ½ the kernel's shifter rounds j to even where
// spSoftplusFine rounds up: the other grid point, still |d| ≤ 2⁻¹⁰, inside that derivation.
// Both parts are ≥ 0: 1 − y, the two products, their sum and the addition of l round once
// each, so ℓ within 5u + 4u ≤ 9u relative (the JavaScript loop's `term`: softplusTail's 3u and
// the same roundings). Each lane adds its ≤ 512 terms of a block of 1024 in order, the two lanes
// are added, the blocks compensated (Neumaier): Σ within (9 + 511 + 1 + 2)u·S ≤ 523u·S ≈ 5.8e−14
// relative (the JavaScript loop: (1023 + 2)u·S plus its per-term error). This is a ~2.7× gain
// over the JavaScript loop: no exp and no log per element, five table entries per element
// loaded as two 16-byte loads and one 8-byte load per lane.
// A chunk with |x| > 40 (the table's end; ±∞ included) or a block sum that is not finite (NaN,
// or overflow) is summed by the JavaScript loop (`redo`), as is an odd last element: that loop
// has the exact fallback for ±∞ (no 0·∞) and gives NaN for NaN.
//
// Memory: one module instance, compiled on first use and kept: the 16 KiB table, the constants,
// per call up to BW_CHUNK logits and targets (float32, copied in with one set() each) and their
// float64 gradients (copied out with one set()), and the 1.3 MB softplus table (20481 points
// filled; the loops touch the points their data reach: |x| ≤ 12 is 246 KB).
import { BW_SIMD_WASM } from './bwSimdBytes.js';
import { copyPairIn } from './touchLines.js';
import { EXP256, fillExp2Table, lazySimdKernel } from './wasmSimd.js';

/** Inputs shorter than this stay in JavaScript (the copies' setup costs more than it saves). */
export const BW_SIMD_MIN = 4096;
/** Elements per kernel call: x and y 64 KiB each, g 128 KiB, so a chunk stays in L2. */
export const BW_CHUNK = 1 << 14;

/** Entries of the grad's exp table T' (i64 words at byte 0; bwSimd.wat). */
const TABLE_SIZE = 2048;
/**
 * Byte offset of the constants (bwSimd.wat's list), 16 bytes each; constant 11 is the scale k,
 * set per call. Exported for tools/bench/bceGradThreads.mjs.
 */
export const BW_CONST = 8 * TABLE_SIZE;
const CONST = BW_CONST;
const K_SLOT = CONST / 8 + 22;
/** Block sums of the forward (one per 1024 elements of a chunk). */
const SUMS = CONST + 16 * 14;
const X = SUMS + 8 * (BW_CHUNK / 1024);
const Y = X + 4 * BW_CHUNK;
const G = Y + 4 * BW_CHUNK;
/** spFineTail.ts's softplus table (for the forward): 32768 points of 5 f64 (40 bytes). */
const STEP = 512;
const LAST = 40 * STEP;
const SP_TABLE = G + 8 * BW_CHUNK;
const END = SP_TABLE + 40 * 32768;

type GradFn = (px: number, py: number, pairs: number, out: number) => number;
type LossFn = (px: number, py: number, pairs: number, out: number, tab: number) => number;
interface Kernel {
  grad: GradFn;
  loss: LossFn;
  /** The forward's block sums. */
  sums: Float64Array;
  xs: Float32Array;
  ys: Float32Array;
  gs: Float64Array;
  /** The memory as f64, for the scale k in the constant slot 11. */
  f64: Float64Array;
}

/**
 * Fills in what bwSimd.wat's "grad" and "loss" read at fixed offsets of a memory running the
 * module: the table T'[i] = bits(2^(i/2048)) − i·2⁴¹ at byte 0 and the constants of the .wat's
 * list from byte {@link BW_CONST}, both lanes, the scale k 0 (the grad sets it per call).
 * Exported for tools/bench/bceGradThreads.mjs, which runs the module on a memory of its own.
 */
export function fillBwConstants(buf: ArrayBufferLike): void {
  fillExp2Table(new Float64Array(buf, 0, TABLE_SIZE));
  const bits = new BigInt64Array(buf, 0, TABLE_SIZE);
  for (let i = 0; i < TABLE_SIZE; i++) bits[i] -= BigInt(i) << 41n;
  const f64 = new Float64Array(buf, 0, SUMS / 8);
  const i64 = new BigInt64Array(buf, 0, SUMS / 8);
  // the constants of bwSimd.wat's list (slots 0, 6 and 9 unused), both lanes; EXP256's are for
  // a table of 256, and 2048 = 8·256 scales them exactly
  const c = [
    0,
    8 * EXP256.log2e,
    EXP256.shifter,
    EXP256.ln2hi / 8,
    EXP256.ln2lo / 8,
    1,
    0,
    0.5,
    EXP256.c3,
    0,
    0, // the sign bit, below
    0, // k, per call
    STEP,
    1 / STEP,
  ];
  for (let j = 0; j < c.length; j++) f64.fill(c[j], CONST / 8 + 2 * j, CONST / 8 + 2 * j + 2);
  i64.fill(-(2n ** 63n), CONST / 8 + 20, CONST / 8 + 22);
}

/** The kernel's instance (table filled in), or null where WebAssembly or its SIMD is missing. */
const bwKernel = lazySimdKernel(BW_SIMD_WASM, END, ({ exports, memory }): Kernel => {
  const buf = memory.buffer;
  fillBwConstants(buf);
  const f64 = new Float64Array(buf);
  // spFineTail.ts's SOFTPLUS entries, by the same formulas (points past 40 stay 0)
  for (let j = 0; j <= LAST; j++) {
    const t = Math.exp(-j / STEP);
    const sj = t / (1 + t);
    const q = sj * (1 - sj);
    const p3 = q * (1 - 2 * sj);
    const p4 = q * (1 - 6 * q);
    const b = SP_TABLE / 8 + 5 * j;
    f64[b] = Math.log1p(t);
    f64[b + 1] = -sj;
    f64[b + 2] = q / 2;
    f64[b + 3] = -p3 / 6;
    f64[b + 4] = p4 / 24;
  }
  return {
    grad: exports.grad as GradFn,
    loss: exports.loss as LossFn,
    sums: new Float64Array(buf, SUMS, BW_CHUNK / 1024),
    xs: new Float32Array(buf, X, BW_CHUNK),
    ys: new Float32Array(buf, Y, BW_CHUNK),
    gs: new Float64Array(buf, G, BW_CHUNK),
    f64,
  };
});

/** Whether this runtime runs the SIMD kernel (Node ≥ 16.4, current browsers). */
export function bwSimdAvailable(): boolean {
  return bwKernel() !== null;
}

/**
 * The values T[i] = 2^(i/2048) that the kernel's table T' stands for (T'[i] + i·2⁴¹ as float64
 * bits; for the tests), or null without the kernel.
 */
export function bwSimdTable(): Float64Array | null {
  const k = bwKernel();
  if (k === null) return null;
  const bits = new BigInt64Array(k.f64.buffer, 0, TABLE_SIZE).slice();
  for (let i = 0; i < TABLE_SIZE; i++) bits[i] += BigInt(i) << 41n;
  return new Float64Array(bits.buffer);
}

/**
 * gx[i] = k·(σ(x[i]) − y[i]) for 0 ≤ i < n through the kernel, chunk by chunk; a chunk with a
 * logit beyond ±700 (or ±∞) is handed to `redo(i0, i1)` after the kernel's values were copied
 * (redo overwrites gx[i0…i1)). Returns false, touching nothing, where the kernel is missing.
 */
export function bwSigmoidGradSimd(
  x: Float32Array,
  y: Float32Array,
  n: number,
  k: number,
  gx: Float64Array,
  redo: (i0: number, i1: number) => void,
): boolean {
  const kern = bwKernel();
  if (kern === null) return false;
  const { grad, xs, ys, gs, f64 } = kern;
  f64[K_SLOT] = k;
  f64[K_SLOT + 1] = k;
  for (let i0 = 0; i0 < n; i0 += BW_CHUNK) {
    const i1 = Math.min(n, i0 + BW_CHUNK);
    const len = i1 - i0;
    copyPairIn(x, y, i0, i1, xs, ys, 16 * n);
    if (len & 1) {
      // the odd last element's pair: a harmless partner (its result is not copied out)
      xs[len] = 0;
      ys[len] = 0;
    }
    const flagged = grad(X, Y, (len + 1) >> 1, G);
    gx.set(len === BW_CHUNK ? gs : gs.subarray(0, len), i0);
    if (flagged !== 0) redo(i0, i1);
  }
  return true;
}

/**
 * Σᵢ ℓᵢ over 0 ≤ i < n (binaryCrossEntropyWithLogits.ts's unweighted term, pos = y) through the
 * kernel's "loss": per block of 1024 elements a lane-wise plain sum, the blocks added here with
 * Neumaier's compensation. A chunk with a logit beyond ±700 (or ±∞), or whose block sums are not
 * all finite (NaN, or the sum overflows), and an odd last element are summed by `redo(i0, i1)`
 * (the JavaScript loop) instead. Returns null, touching nothing, where the kernel is missing.
 */
export function bwLossSumSimd(
  x: Float32Array,
  y: Float32Array,
  n: number,
  redo: (i0: number, i1: number) => number,
): number | null {
  const kern = bwKernel();
  if (kern === null) return null;
  const { loss, xs, ys, sums } = kern;
  let s = 0;
  let c = 0;
  const even = n & ~1;
  for (let i0 = 0; i0 < even; i0 += BW_CHUNK) {
    const i1 = Math.min(even, i0 + BW_CHUNK);
    copyPairIn(x, y, i0, i1, xs, ys, 8 * n);
    const flagged = loss(X, Y, (i1 - i0) >> 1, SUMS, SP_TABLE);
    const blocks = (i1 - i0 + 1023) >> 10;
    let ok = flagged === 0;
    for (let b = 0; ok && b < blocks; b++) ok = Number.isFinite(sums[b]);
    if (ok) {
      for (let b = 0; b < blocks; b++) {
        const v = sums[b];
        const t = s + v;
        c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
        s = t;
      }
    } else {
      const v = redo(i0, i1);
      const t = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      s = t;
    }
  }
  if (even < n) {
    const v = redo(even, n);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}
