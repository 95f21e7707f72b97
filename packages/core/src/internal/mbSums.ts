// hinge's sum over float32 scores and labels in WebAssembly SIMD (mbSimd.wat): Σ max(0, m − yᵢ·xᵢ).
// The JavaScript loop of hinge.ts takes ~1.7 ns an element (float32 → float64 conversions, the
// label test and the scalar adds: instruction-bound, not memory-bound); the kernel does four
// elements a step in two float64 lanes, plus the copies of x and y into the module's memory
// (~0.57 ns an element of the ~1.04): 17.4 → 10.4 ms on 10M elements (timing script). The
// kernel flips x's sign by the label's sign bit in float32 rather than multiplying in float64,
// and tests four labels' bits at once: ~20 instead of ~26 instructions a step, the same bits
// out; in a clean process (CPU-time medians of 21, 10M elements) 11.8–12.7 → 11.4 ms.
//
// Per element (u = 2⁻⁵³): z = m − y·x rounds once (y·x is exact in float64), the same z as
// hinge.ts's loop, and pmax(z, 0) = max(0, z) exactly: the same terms as the JavaScript loop.
// Sums: four running sums (two accumulators × two lanes) of ≤ 256 terms each per block of 1024
// elements, combined by three additions: ≤ 258u·Σ|ℓᵢ| over the block (Higham §4.2); the blocks
// are added here with Neumaier (≤ 2u·|S| + O(nu²)·Σ|ℓᵢ|). Every term is ≥ 0, so the total is
// within (258 + 2)u ≈ 2.9e−14 relative of the exact Σ max(0, m − yᵢ·xᵢ), the bound of hinge.ts's
// JavaScript loop.
//
// Blocks the kernel flags (a label other than ±1 or NaN, a NaN score, z = +∞, a sum that
// overflows) and the last 0–3 elements are computed by `exact(i0, i1)` (hinge.ts's reference
// loop: Math.max, per-element Neumaier, the label error at the first bad index of the block), so
// they get exactly the JavaScript loop's values, limits and errors. The blocks are those of the
// JavaScript loop (1024 elements from 0; the chunks hold whole blocks) and are taken in order,
// so the first bad label is the one reported.
//
// Memory: one module instance, compiled on first use and kept: per call up to MB_CHUNK scores
// and labels (float32, copied in with one set() each: 32 KiB each, which stay in L2) and their
// block sums.
import { MB_SIMD_WASM } from './mbSimdBytes.js';
import { copyPairIn } from './touchLines.js';
import { lazySimdKernel, sumChunkedBlocks } from './wasmSimd.js';

/** Inputs shorter than this stay in JavaScript. */
export const MB_SIMD_MIN = 4096;
/** Elements per block (hinge.ts's BLOCK) and per kernel call. */
export const MB_BLOCK = 1024;
export const MB_CHUNK = 8192;

const X = 0;
const Y = X + 4 * MB_CHUNK;
const OUT = Y + 4 * MB_CHUNK;
const END = OUT + 8 * (MB_CHUNK / MB_BLOCK);

/** Elements per step of the kernel's loop (two pairs of lanes). */
const GROUP = 4;

type HingeFn = (px: number, py: number, quads: number, out: number, margin: number) => void;
interface Kernel {
  hinge: HingeFn;
  xs: Float32Array;
  ys: Float32Array;
  res: Float64Array;
}

/** The kernel's instance, or null where WebAssembly or its SIMD is missing. */
const mbKernel = lazySimdKernel(MB_SIMD_WASM, END, ({ exports, memory }): Kernel => {
  const buf = memory.buffer;
  return {
    hinge: exports.hinge as HingeFn,
    xs: new Float32Array(buf, X, MB_CHUNK),
    ys: new Float32Array(buf, Y, MB_CHUNK),
    res: new Float64Array(buf, OUT, MB_CHUNK / MB_BLOCK),
  };
});

/** Whether this runtime runs the SIMD kernel (Node ≥ 16.4, current browsers). */
export function mbSimdAvailable(): boolean {
  return mbKernel() !== null;
}

/**
 * Σ max(0, margin − y[i]·x[i]) over 0 ≤ i < n: the blocks' kernel sums added with Neumaier; a
 * block the kernel flags, and the last n mod 4 elements, take `exact(i0, i1)` instead (which
 * may throw). Returns the total (non-finite as the JavaScript loop's), or null, touching
 * nothing, without the kernel.
 */
export function hingeSumSimd(
  x: Float32Array,
  y: Float32Array,
  n: number,
  margin: number,
  exact: (i0: number, i1: number) => number,
): number | null {
  const kern = mbKernel();
  if (kern === null) return null;
  const { hinge, xs, ys, res } = kern;
  const run = (i0: number, i1: number): number => {
    copyPairIn(x, y, i0, i1, xs, ys, 8 * n);
    const quads = Math.floor((i1 - i0) / GROUP);
    hinge(X, Y, quads, OUT, margin);
    return quads * GROUP;
  };
  return sumChunkedBlocks(n, MB_CHUNK, MB_BLOCK, res, run, exact);
}
