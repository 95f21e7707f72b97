// The forwards (sums) of huber and smoothL1 over float32 inputs and targets in WebAssembly SIMD
// (hfSimd.wat). The JavaScript loops of huber.ts and smoothL1.ts are compute-bound (~2.3 ns an
// element: float32 → float64 conversions, the blend, scalar adds); the kernel does four elements
// a step in two float64 lanes, plus the copies of x and y into the module's memory (as
// mbSums.ts and hgClamp.ts).
//
// Terms (hfSimd.test.ts checks them bit for bit against the JavaScript `term`s): e = x − y is
// the same float64 in both (the float32 values promoted exactly, one rounding); a = |e| is
// exact, and e is 0 or ≥ 2⁻¹⁴⁹ in magnitude (a difference of float32 values), never a float64
// subnormal, so ½a is exact.
//  • huber, c = pmin(a, δ): where a < δ, c = a and a − ½a = ½a exactly, so c·(a − ½c) =
//    a·(½a) = (½e)·e with the single rounding of huber.ts's 0.5·e·e; where a ≥ δ, c = δ and
//    δ·(a − ½δ) are the same operations as huber.ts's δ·(a − halfDelta) (halfDelta = 0.5·δ).
//    huber.ts's blend h·q + (1 − h)·l is exactly the chosen piece when both pieces are finite,
//    which holds for every finite e of float32 inputs when δ ≤ HF_HUBER_MAX_DELTA: ½e² ≤ 2.4e77,
//    |δ·(a − ½δ)| ≤ 1e150·5e149 < 1e300.
//  • smoothL1: the kernel picks (a·a)·(½/β) or a − ½β by the lane mask a < β, the operations
//    of smoothL1.ts's e·e·halfInvBeta (a·a = e·e) and a − 0.5·β; its blend is exactly the chosen
//    piece when both are finite, which holds for every finite e when β ≥ HF_SMOOTH_MIN_BETA
//    (e²·(½/β) ≤ 4.7e77·5e199 < 1e278).
//  • Zeros: every term is ≥ 0 and e = ±0 gives +0 in both (the blend adds ±0 to +0).
// Non-finite terms: e = ±∞ gives ∞ and e = NaN gives NaN in the kernel (pmin(NaN, δ) = NaN,
// NaN < β is false), so such a block's sum is not finite; in the JavaScript loop too. Within
// the limits of δ and β below no finite term exceeds 1e300 (huber: δ·a ≤ 1e150·6.9e38 and
// ½a² < 2.4e77; smoothL1: ½a²/β < ½β ≤ 5e299 and a − ½β < 6.9e38), so a block of ≤ 1024
// finite terms never overflows: a block's sum is non-finite in the kernel exactly when it is in
// the JavaScript loop, and such blocks are redone by `exact(i0, i1)` (the file's `exactBlock`):
// ±∞ and NaN give exactly the JavaScript values.
//
// Sums (u = 2⁻⁵³): four running sums (two accumulators × two lanes) of ≤ 256 terms each per
// block of 1024 elements, combined by three additions: ≤ 258u·Σ|ℓᵢ| over the block (Higham
// §4.2); the blocks are added here with Neumaier (≤ 2u·|S| + O(nu²)·Σ|ℓᵢ|). Every term is ≥ 0,
// so the total is within (258 + 2)u ≈ 2.9e−14 relative of the exact Σℓᵢ: the bound of the
// JavaScript loops (mbSums.ts derives the same).
//
// Memory: one module instance, compiled on first use and kept: the constants, per call up to
// HF_CHUNK inputs and targets (float32, copied in with one set() each) and their block sums.
import { HF_SIMD_WASM } from './hfSimdBytes.js';
import { copyPairIn, pairChunk } from './touchLines.js';
import { lazySimdKernel, sumChunkedBlocks } from './wasmSimd.js';

/** Inputs shorter than this stay in JavaScript (the copies' setup costs more than it saves). */
export const HF_SIMD_MIN = 4096;
/** Elements per block (huber.ts's and smoothL1.ts's BLOCK). */
export const HF_BLOCK = 1024;
/**
 * Elements per kernel call (calls past TOUCH_MIN_BYTES take touchLines.ts's smaller
 * TOUCHED_CHUNK; the blocks and their order are the same either way).
 */
export const HF_CHUNK = 1 << 14;
/** The largest δ the kernel takes (see above); larger δ stay in JavaScript. */
export const HF_HUBER_MAX_DELTA = 1e150;
/** The range of β the kernel takes (see above); others stay in JavaScript. */
export const HF_SMOOTH_MIN_BETA = 1e-200;
export const HF_SMOOTH_MAX_BETA = 1e300;

/** The constants: 16 bytes each (two equal lanes). */
const X = 64;
const Y = X + 4 * HF_CHUNK;
const OUT = Y + 4 * HF_CHUNK;
const END = OUT + 8 * (HF_CHUNK / HF_BLOCK);

type SumFn = (px: number, py: number, quads: number, out: number) => void;
/** "sq" and "abs" take the element count, not groups of four. */
type CountSumFn = (px: number, py: number, count: number, out: number) => void;
interface Kernel {
  huber: SumFn;
  smooth: SumFn;
  sq: CountSumFn;
  abs: CountSumFn;
  xs: Float32Array;
  ys: Float32Array;
  res: Float64Array;
  /** The constants δ (β), ½δ (½β), ½ (½/β), two lanes each. */
  consts: Float64Array;
}

/** The kernel's instance, or null where WebAssembly or its SIMD is missing. */
const hfKernel = lazySimdKernel(HF_SIMD_WASM, END, ({ exports, memory }): Kernel => {
  const buf = memory.buffer;
  return {
    huber: exports.huber as SumFn,
    smooth: exports.smooth as SumFn,
    sq: exports.sq as CountSumFn,
    abs: exports.abs as CountSumFn,
    xs: new Float32Array(buf, X, HF_CHUNK),
    ys: new Float32Array(buf, Y, HF_CHUNK),
    res: new Float64Array(buf, OUT, HF_CHUNK / HF_BLOCK),
    consts: new Float64Array(buf, 0, 6),
  };
});

/** Whether this runtime runs the SIMD kernel (Node ≥ 16.4, current browsers). */
export function hfSimdAvailable(): boolean {
  return hfKernel() !== null;
}

/**
 * Σ huber term (beta = 0; 0 < delta ≤ HF_HUBER_MAX_DELTA) or Σ smoothL1 term (delta ignored;
 * HF_SMOOTH_MIN_BETA ≤ beta ≤ HF_SMOOTH_MAX_BETA) over 0 ≤ i < n: the blocks' kernel sums added
 * with Neumaier; a block whose kernel sum is not finite takes `exact(i0, i1)` instead. Returns
 * the total (non-finite as the JavaScript loop's), or null, touching nothing, without the
 * kernel.
 */
export function hfSumSimd(
  x: Float32Array,
  y: Float32Array,
  n: number,
  delta: number,
  beta: number,
  exact: (i0: number, i1: number) => number,
): number | null {
  const kern = hfKernel();
  if (kern === null) return null;
  const { xs, ys, res, consts } = kern;
  const smooth = beta > 0;
  const d = smooth ? beta : delta;
  // The same constants as the JavaScript loops: halfDelta = 0.5·δ, 0.5·β, halfInvBeta = 0.5/β.
  const hd = 0.5 * d;
  const k = smooth ? 0.5 / beta : 0.5;
  consts.set([d, d, hd, hd, k, k]);
  const kernel = smooth ? kern.smooth : kern.huber;
  const run = (i0: number, i1: number): number => {
    const len = i1 - i0;
    copyPairIn(x, y, i0, i1, xs, ys, 8 * n);
    // the last group's missing elements: x = y = 0, whose term is +0 in both kernels
    for (let j = len; (j & 3) !== 0; j++) {
      xs[j] = 0;
      ys[j] = 0;
    }
    kernel(X, Y, (len + 3) >> 2, OUT);
    return len;
  };
  return sumChunkedBlocks(n, pairChunk(HF_CHUNK, 8 * n), HF_BLOCK, res, run, exact);
}

/**
 * Σ (x[i] − y[i])² (kind 'sq', mse.ts) or Σ |x[i] − y[i]| ('abs', l1.ts) over 0 ≤ i < n through
 * the kernel's "sq"/"abs": their block sums are the JavaScript loops' (sumSqF32, l1.ts's sumF32)
 * bit for bit, the same operations in the same order (hfSimd.wat), and sumChunkedBlocks adds
 * them with the loops' Neumaier step; a block whose sum is not finite takes `exact(i0, i1)`
 * (what the calling loop does with such a block). So the total is the JavaScript loop's, bit for
 * bit. Returns null, touching nothing, without the kernel.
 *
 * Why a kernel for two loops that are a subtraction and an add per element: it reads the inputs
 * with one memcpy a chunk (TypedArray.set, after touchLines has brought the chunk's lines in) and
 * then works in cache. On some machines a scalar JavaScript loop streaming from memory gets far
 * less of the memory bandwidth than a copy: on this project's Intel Xeon runner, mse over 10M
 * float32 pairs took 22.5 ms in the loop (3.6 GB/s) and 11.0 ms through this kernel before the
 * touch (~2 ms less with it, touchLines.ts); on the AMD EPYC one the loop was slightly faster,
 * 8.1–8.4 ms against 8.5–8.6 ms for such a kernel (BENCHMARKS.md). The kernel is the one without
 * a slow case. It is also faster on data in cache: 2.0 against 4.2 µs for 4096 pairs, 30 against
 * 65 µs for 65536 (Intel, plain node).
 */
export function hfSumSqAbsSimd(
  x: Float32Array,
  y: Float32Array,
  n: number,
  kind: 'sq' | 'abs',
  exact: (i0: number, i1: number) => number,
): number | null {
  const kern = hfKernel();
  if (kern === null) return null;
  const { xs, ys, res } = kern;
  const kernel = kern[kind];
  const run = (i0: number, i1: number): number => {
    copyPairIn(x, y, i0, i1, xs, ys, 8 * n);
    kernel(X, Y, i1 - i0, OUT);
    return i1 - i0;
  };
  return sumChunkedBlocks(n, pairChunk(HF_CHUNK, 8 * n), HF_BLOCK, res, run, exact);
}
