// The gradients of huber (k·clamp(e, −δ, δ)) and smoothL1 (k·clamp(e/β, −1, 1), β > 0) over
// float32 inputs and targets (no per-element gradOutput) in WebAssembly SIMD (hgSimd.wat).
// The JavaScript loops are bound by the clamp (V8 compiles comparisons and Math.min/max to
// branches or long sequences); the kernel clamps two float64 lanes with one f64x2.pmax and one
// f64x2.pmin, four elements a step, plus the copies of x and y into the module's memory and one
// set() of the results out per chunk.
//
// The values equal huber.ts's and smoothL1.ts's JavaScript paths bit for bit (hgSimd.test.ts
// checks it), for every k > 0 (the only scales without gradOutput: 1/N or 1):
//  • e = x − y: both promote the float32 values to float64 exactly and subtract once.
//  • huber: the JavaScript `clampTerm` is exactly k·clamp(e, −δ, δ) (k·e, or ±k·δ), and so is
//    the kernel's k·pmin(pmax(e, −δ), δ) (k·(−δ) = −(k·δ)). e = ±∞ gives ±k·δ and NaN gives NaN
//    in both (Math.min/max there, pmax/pmin with e as first operand here: see hgSimd.wat).
//  • smoothL1: the JavaScript `slopeTerm` gives k·(e/β) where |e| < β (there |e/β| ≤ 1, so the
//    clamp keeps e/β, also when it rounds to ±1) and ±k (k·(±0) ∓ k, exact) elsewhere; the
//    kernel gives k·(e/β) and k·(±1) (e/β ≥ 1 in magnitude there, ±∞ included when e/β
//    overflows). ±∞ and NaN as huber. For β a normal power of two the kernel forms e·(1/β)
//    instead ("smoothMul"): 1/β is exact, so that is the same real number as e/β, rounded alike.
//  • Zeros: e = ±0 gives k·(±0) = ±0 in both; k·e underflowing gives the sign of e in both.
//    (With k < 0 the JavaScript blend would give +0 where k·e = −0; PyTorch's norm·x gives −0,
//    as the kernel. No caller passes k < 0 here.)
//
// Memory: one module instance, compiled on first use and kept: the constants, per call up to
// HG_CHUNK inputs and targets (float32, copied in with one set() each) and their float64
// gradients (copied out with one set()).
import { HG_SIMD_WASM } from './hgSimdBytes.js';
import { copyPairIn, pairChunk } from './touchLines.js';
import { lazySimdKernel } from './wasmSimd.js';

/** Inputs shorter than this stay in JavaScript (the copies' setup costs more than it saves). */
export const HG_SIMD_MIN = 4096;
/**
 * Elements per kernel call: x and y 64 KiB each, g 128 KiB, so a chunk stays in L2 (calls past
 * TOUCH_MIN_BYTES take touchLines.ts's smaller TOUCHED_CHUNK).
 */
export const HG_CHUNK = 1 << 14;

/** The constants lo, hi, k, β: 16 bytes each (two equal lanes). */
const X = 64;
const Y = X + 4 * HG_CHUNK;
const G = Y + 4 * HG_CHUNK;
const END = G + 8 * HG_CHUNK;

type ClampFn = (px: number, py: number, quads: number, out: number) => void;
interface Kernel {
  huber: ClampFn;
  smooth: ClampFn;
  smoothMul: ClampFn;
  xs: Float32Array;
  ys: Float32Array;
  gs: Float64Array;
  /** The constants lo, hi, k, β, two lanes each. */
  consts: Float64Array;
}

/** The kernel's instance, or null where WebAssembly or its SIMD is missing. */
const hgKernel = lazySimdKernel(HG_SIMD_WASM, END, ({ exports, memory }): Kernel => {
  const buf = memory.buffer;
  return {
    huber: exports.huber as ClampFn,
    smooth: exports.smooth as ClampFn,
    smoothMul: exports.smoothMul as ClampFn,
    xs: new Float32Array(buf, X, HG_CHUNK),
    ys: new Float32Array(buf, Y, HG_CHUNK),
    gs: new Float64Array(buf, G, HG_CHUNK),
    consts: new Float64Array(buf, 0, 8),
  };
});

/** Whether this runtime runs the SIMD kernel (Node ≥ 16.4, current browsers). */
export function hgSimdAvailable(): boolean {
  return hgKernel() !== null;
}

/**
 * gx[i] = k·clamp(x[i] − y[i], −bound, bound) for 0 ≤ i < n (huberGrad, bound = δ, beta = 0),
 * or k·clamp((x[i] − y[i])/beta, −1, 1) (smoothL1Grad, beta > 0; bound is then ignored),
 * through the kernel, chunk by chunk. Returns false, touching nothing, where the kernel is
 * missing.
 */
export function hgClampGradSimd(
  x: Float32Array,
  y: Float32Array,
  n: number,
  k: number,
  bound: number,
  beta: number,
  gx: Float64Array,
): boolean {
  const kern = hgKernel();
  if (kern === null) return false;
  const { xs, ys, gs, consts } = kern;
  const hi = beta > 0 ? 1 : bound;
  // β a normal power of two: m = 1/β is exact (a power of two ≥ 2⁻¹⁰²³), so e·m and e/β are
  // the same real number, rounded alike (also where they overflow or underflow): "smoothMul"
  // saves the division (~15% of the time at β = 1, the default).
  const mul = beta > 0 && powerOfTwo(beta);
  const c = mul ? 1 / beta : beta;
  consts.set([-hi, -hi, hi, hi, k, k, c, c]);
  const run = beta > 0 ? (mul ? kern.smoothMul : kern.smooth) : kern.huber;
  const chunk = pairChunk(HG_CHUNK, 16 * n);
  // the results of a whole chunk, as one view made once per call
  const gsChunk = chunk === HG_CHUNK ? gs : gs.subarray(0, chunk);
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const i1 = Math.min(n, i0 + chunk);
    const len = i1 - i0;
    copyPairIn(x, y, i0, i1, xs, ys, 16 * n);
    // the last group's missing elements: harmless partners (their results are not copied out)
    for (let j = len; (j & 3) !== 0; j++) {
      xs[j] = 0;
      ys[j] = 0;
    }
    run(X, Y, (len + 3) >> 2, G);
    gx.set(len === chunk ? gsChunk : gs.subarray(0, len), i0);
  }
  return true;
}

const bits = new DataView(new ArrayBuffer(8));

/** Whether v is a normal float64 2^j (exponent field not 0, fraction 0); v finite. */
export function powerOfTwo(v: number): boolean {
  bits.setFloat64(0, v);
  const hi = bits.getUint32(0);
  return bits.getUint32(4) === 0 && (hi & 0xfffff) === 0 && (hi & 0x7ff00000) !== 0;
}
