import { LossRangeError } from './errors.js';
import { elementOption, floatArg, fmt, optionsArg } from './internal/args.js';
import { BL_BLOCK, BL_CHUNK, blChunk, blKernel } from './internal/blSimd.js';
import { floatPair } from './internal/classification.js';
import { LITTLE_ENDIAN, logF64Words } from './internal/logF64Words.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
import type { KernelInfo } from './KernelInfo.js';
import type {
  FloatTensorLike,
  Gradients,
  GradOptions,
  LossOptions,
  LossResult,
  Reduction,
} from './types.js';

/** Options of {@link binaryCrossEntropy}, as PyTorch's `F.binary_cross_entropy`. */
export interface BinaryCrossEntropyOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /**
   * Per-element weights, one per input element (split with the rows by a stream). They
   * multiply each element's loss; `mean` still divides by the element count, as PyTorch.
   */
  weight?: FloatTensorLike;
}

/** Options of {@link binaryCrossEntropyGrad}. */
export type BinaryCrossEntropyGradOptions = Omit<BinaryCrossEntropyOptions, 'reduction' | 'out'> &
  GradOptions;

/** PyTorch clamps each log at −100, so a saturated wrong prediction costs exactly 100. */
const LOG_FLOOR = -100;
/** PyTorch's backward divides by max(p(1 − p), 1e-12). */
const GRAD_EPS = 1e-12;

function read(
  fn: string,
  input: unknown,
  target: unknown,
  o: Partial<Omit<BinaryCrossEntropyOptions, 'out' | 'reduction'>>,
) {
  const p = floatPair(fn, 'input', input, 'target', target);
  const w = elementOption(fn, 'weight', o.weight, p.n, "the input's element count");
  return { ...p, w };
}

/** Throws for the first input outside [0, 1] in [from, to) (NaN passes: it propagates). */
function checkRange(fn: string, x: ArrayLike<number>, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const v = x[i];
    if (v < 0 || v > 1) throw rangeError(fn, i, v);
  }
}

function rangeError(fn: string, i: number, v: number): LossRangeError {
  return new LossRangeError(fn, 'input', `input[${i}] = ${fmt(v)} is outside [0, 1]`);
}

/**
 * Binary cross-entropy between probabilities `input` and targets `target` (same shape, any
 * rank), PyTorch's `binary_cross_entropy`:
 * ℓᵢ = −wᵢ·(yᵢ·max(log pᵢ, −100) + (1 − yᵢ)·max(log(1 − pᵢ), −100)).
 * Probabilities outside [0, 1] throw a `LossRangeError`; NaN propagates. On logits prefer
 * `binaryCrossEntropyWithLogits`, which does not saturate.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropy } from '@losskit/core';
 * binaryCrossEntropy([0.9, 0.2], [1, 0]).value; // −(log 0.9 + log 0.8) / 2
 * ```
 */
export function binaryCrossEntropy<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: BinaryCrossEntropyOptions<R>,
): LossResult<R> {
  const fn = 'binaryCrossEntropy';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { a: x, b: y, n, rows, w } = read(fn, input, target, o);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let sum: number;
  if (w === undefined && x instanceof Float32Array && y instanceof Float32Array && LITTLE_ENDIAN) {
    sum = bceF32(fn, x, y, n, out);
  } else {
    checkRange(fn, x, 0, n);
    let s = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      let v = exactTerm(x[i], y[i]);
      if (w !== undefined) v *= w[i];
      if (out !== null) out[i] = v;
      const t = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      s = t;
    }
    sum = Number.isFinite(s) ? s + c : s;
  }
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link binaryCrossEntropy} with respect to `input`, PyTorch's:
 * ∂ℓᵢ/∂pᵢ = wᵢ·(pᵢ − yᵢ) / max(pᵢ(1 − pᵢ), 1e-12) — finite at p = 0 and p = 1 (±1e12 there).
 */
export function binaryCrossEntropyGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: BinaryCrossEntropyGradOptions,
): Gradients {
  const fn = 'binaryCrossEntropyGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { a: x, b: y, n, rows, w } = read(fn, input, target, o);
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, n, rows, g, n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  if (w === undefined && per === null && x instanceof Float32Array && y instanceof Float32Array) {
    gradF32(fn, x, y, n, scale, gx);
  } else if (
    w === undefined &&
    per === null &&
    x instanceof Float64Array &&
    y instanceof Float64Array
  ) {
    gradF64(fn, x, y, n, scale, gx);
  } else {
    checkRange(fn, x, 0, n);
    for (let i = 0; i < n; i++) {
      const p = x[i];
      let d = (p - y[i]) / Math.max(p * (1 - p), GRAD_EPS);
      if (w !== undefined) d *= w[i];
      gx[i] = per === null ? scale * d : scale * per[i] * d;
    }
  }
  return { input: gx };
}

/**
 * One element by the reference formula. log(1 − p) as log1p(−p): exact for small p, where
 * 1 − p would round away p's low bits. max(·, −100) also maps log 0 = −∞ to −100, so 0·log 0
 * never forms 0·∞ = NaN. A term whose coefficient is 0 is skipped (one log instead of two for
 * hard labels); both terms read p, so a NaN p still propagates through the other.
 */
function exactTerm(p: number, yi: number): number {
  let v = 0;
  if (yi !== 0) v -= yi * Math.max(Math.log(p), LOG_FLOOR);
  if (yi !== 1) v -= (1 - yi) * Math.max(Math.log1p(-p), LOG_FLOOR);
  return v;
}

// The float32 forward without weights, in blocks of BLOCK elements and two passes per block.
// (For mean and sum, `bceSimd` runs the same blocks, checks and terms in WebAssembly SIMD,
// internal/blSimd.ts, where the runtime has it; this JavaScript path remains for `none` with
// its per-element output, and without WebAssembly SIMD. The caller's LITTLE_ENDIAN test also
// covers the kernel: WebAssembly memory is little-endian.)
// Pass 1 forms, for a hard label y ∈ {0, 1}, the one probability whose log is needed,
//   t = q + y·(p − q),  q = 1 − p   (t = p for y = 1; t = q for y = 0),
// exactly in float64: q is exact for a float32 p ≥ 2⁻²⁹ (p's last bit is ≥ 2⁻⁵², and q ≥ ½ has
// ulp 2⁻⁵³), p − q = 2p − 1 is exact (float32 p), and q + (2p − 1) = p is exact. It writes t into
// a float64 scratch and checks y² = y (y is 0 or 1; NaN fails) and 2⁻²⁹ ≤ t ≤ 1 − 2⁻²⁹ (which,
// with y ∈ {0, 1}, means 2⁻²⁹ ≤ p ≤ 1 − 2⁻²⁹ for y = 0 — so q is exact; a p < 2⁻²⁹ gives a
// rounded t > 1 − 2⁻²⁹ — and 2⁻²⁹ ≤ p < 1 for y = 1; NaN fails), or p = y (a saturated right
// answer, p = 1 for y = 1 or p = 0 for y = 0: then t = 1 exactly, and logF64Words(1) = 0
// exactly, since the cell at 1 expands around c = 1). Pass 2 reads t's two words back through an
// Int32Array view of the scratch and takes 0 − log t (so a 0 term is +0, as the reference's)
// with logF64Words (≤ 3u relative; t is a positive normal float64): the term has the reference
// value −log p or −log1p(−p) within 3u (the clamp at −100 cannot apply: log t ≥ log 2⁻²⁹ > −21).
// A block where any check fails (soft or odd labels, p within 2⁻²⁹ of the wrong end for its
// label, p out of range, NaN) is recomputed by `exactTerm`, which also throws for the first p
// outside [0, 1] — so errors name the same index as before.
// Summation: the terms are ≥ 0; two accumulators of ≤ 128 terms per block (≤ 128u·Σ), the block
// sums compensated (Neumaier, ≤ 2u·S): with the 3u of each term, |Ŝ − S| ≤ 133u·S ≈ 1.5e−14·S.
const BLOCK = 256;
const T_LO = 2 ** -29;
const T_HI = 1 - 2 ** -29;
const scratch = new Float64Array(BLOCK);
const words = new Int32Array(scratch.buffer);

function bceF32(
  fn: string,
  x: Float32Array,
  y: Float32Array,
  n: number,
  out: Float64Array | null,
): number {
  if (out === null) {
    const k = blKernel();
    if (k !== null) return bceSimd(fn, x, y, n, k);
  }
  const F = scratch;
  const W = words;
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let ok = 1;
    let i = b;
    let j = 0;
    for (; i + 1 < e; i += 2, j += 2) {
      const p0 = x[i];
      const p1 = x[i + 1];
      const y0 = y[i];
      const y1 = y[i + 1];
      const q0 = 1 - p0;
      const q1 = 1 - p1;
      const t0 = q0 + y0 * (p0 - q0);
      const t1 = q1 + y1 * (p1 - q1);
      F[j] = t0;
      F[j + 1] = t1;
      ok &=
        Number(y0 * y0 === y0) &
        Number(t0 >= T_LO) &
        (Number(t0 <= T_HI) | Number(p0 === y0)) &
        Number(y1 * y1 === y1) &
        Number(t1 >= T_LO) &
        (Number(t1 <= T_HI) | Number(p1 === y1));
    }
    if (i < e) {
      const p0 = x[i];
      const y0 = y[i];
      const q0 = 1 - p0;
      const t0 = q0 + y0 * (p0 - q0);
      F[j] = t0;
      ok &= Number(y0 * y0 === y0) & Number(t0 >= T_LO) & (Number(t0 <= T_HI) | Number(p0 === y0));
    }
    const acc =
      ok === 0
        ? exactBlock(fn, x, y, b, e, out)
        : out === null
          ? sumNegLogs(W, 2 * (e - b))
          : negLogsInto(W, 2 * (e - b), out, b);
    const t = s + acc;
    c += Math.abs(s) >= Math.abs(acc) ? s - t + acc : acc - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

/**
 * {@link bceF32}'s sum in WebAssembly SIMD (internal/blSimd.ts): the same t, checks, blocks and
 * terms (bitwise: the kernel's log is logF64Words's), block sums compensated as there; a block
 * that fails a check comes back NaN and is recomputed by `exactBlock` here, in order, so the
 * first p outside [0, 1] throws as before.
 */
function bceSimd(
  fn: string,
  x: Float32Array,
  y: Float32Array,
  n: number,
  k: NonNullable<ReturnType<typeof blKernel>>,
): number {
  const res = k.res;
  let s = 0;
  let c = 0;
  for (let b0 = 0; b0 < n; b0 += BL_CHUNK) {
    const e0 = Math.min(n, b0 + BL_CHUNK);
    blChunk(k, x, y, b0, e0);
    for (let j = 0, b = b0; b < e0; j++, b += BL_BLOCK) {
      let acc = res[j];
      if (Number.isNaN(acc)) acc = exactBlock(fn, x, y, b, Math.min(e0, b + BL_BLOCK), null);
      const t = s + acc;
      c += Math.abs(s) >= Math.abs(acc) ? s - t + acc : acc - t + s;
      s = t;
    }
  }
  return Number.isFinite(s) ? s + c : s;
}

/** Σ −log t over the m / 2 float64 words pairs (lo, hi) of W. */
function sumNegLogs(W: Int32Array, m: number): number {
  // The imported function in a local: under the source-mapped loader (tsx) an import reads a
  // getter, and a getter per element cost ~2× here once V8 re-optimised this loop.
  const log = logF64Words;
  let a0 = 0;
  let a1 = 0;
  let k = 0;
  for (; k + 3 < m; k += 4) {
    a0 -= log(W[k + 1], W[k]);
    a1 -= log(W[k + 3], W[k + 2]);
  }
  if (k < m) a0 -= log(W[k + 1], W[k]);
  return a0 + a1;
}

/** {@link sumNegLogs}, also writing each −log t to out[b + k]. */
function negLogsInto(W: Int32Array, m: number, out: Float64Array, b: number): number {
  const log = logF64Words;
  let a0 = 0;
  let a1 = 0;
  let k = 0;
  for (; k + 3 < m; k += 4) {
    const v0 = 0 - log(W[k + 1], W[k]);
    const v1 = 0 - log(W[k + 3], W[k + 2]);
    out[b + (k >> 1)] = v0;
    out[b + (k >> 1) + 1] = v1;
    a0 += v0;
    a1 += v1;
  }
  if (k < m) {
    const v = 0 - log(W[k + 1], W[k]);
    out[b + (k >> 1)] = v;
    a0 += v;
  }
  return a0 + a1;
}

/** Elements [b, e) by the reference formula, throwing for a p outside [0, 1]; their plain sum. */
function exactBlock(
  fn: string,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  b: number,
  e: number,
  out: Float64Array | null,
): number {
  let acc = 0;
  for (let k = b; k < e; k++) {
    const p = x[k];
    if (p < 0 || p > 1) throw rangeError(fn, k, p);
    const v = exactTerm(p, y[k]);
    if (out !== null) out[k] = v;
    acc += v;
  }
  return acc;
}

// The gradient without weights or gradOutput, one copy per array type (monomorphic loads): the
// reference formula per element, four at a time, with the [0, 1] check in the same loop (never
// taken on valid data; NaN passes) instead of a separate pass over the input. A group holding an
// out-of-range p falls to the element loop, which writes the elements before it and throws at it.
function gradF32(
  fn: string,
  x: Float32Array,
  y: Float32Array,
  n: number,
  scale: number,
  gx: Float64Array,
): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const p0 = x[i];
    const p1 = x[i + 1];
    const p2 = x[i + 2];
    const p3 = x[i + 3];
    if (p0 < 0 || p0 > 1 || p1 < 0 || p1 > 1 || p2 < 0 || p2 > 1 || p3 < 0 || p3 > 1) break;
    gx[i] = scale * ((p0 - y[i]) / Math.max(p0 * (1 - p0), GRAD_EPS));
    gx[i + 1] = scale * ((p1 - y[i + 1]) / Math.max(p1 * (1 - p1), GRAD_EPS));
    gx[i + 2] = scale * ((p2 - y[i + 2]) / Math.max(p2 * (1 - p2), GRAD_EPS));
    gx[i + 3] = scale * ((p3 - y[i + 3]) / Math.max(p3 * (1 - p3), GRAD_EPS));
  }
  for (; i < n; i++) {
    const p = x[i];
    if (p < 0 || p > 1) throw rangeError(fn, i, p);
    gx[i] = scale * ((p - y[i]) / Math.max(p * (1 - p), GRAD_EPS));
  }
}

function gradF64(
  fn: string,
  x: Float64Array,
  y: Float64Array,
  n: number,
  scale: number,
  gx: Float64Array,
): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const p0 = x[i];
    const p1 = x[i + 1];
    const p2 = x[i + 2];
    const p3 = x[i + 3];
    if (p0 < 0 || p0 > 1 || p1 < 0 || p1 > 1 || p2 < 0 || p2 > 1 || p3 < 0 || p3 > 1) break;
    gx[i] = scale * ((p0 - y[i]) / Math.max(p0 * (1 - p0), GRAD_EPS));
    gx[i + 1] = scale * ((p1 - y[i + 1]) / Math.max(p1 * (1 - p1), GRAD_EPS));
    gx[i + 2] = scale * ((p2 - y[i + 2]) / Math.max(p2 * (1 - p2), GRAD_EPS));
    gx[i + 3] = scale * ((p3 - y[i + 3]) / Math.max(p3 * (1 - p3), GRAD_EPS));
  }
  for (; i < n; i++) {
    const p = x[i];
    if (p < 0 || p > 1) throw rangeError(fn, i, p);
    gx[i] = scale * ((p - y[i]) / Math.max(p * (1 - p), GRAD_EPS));
  }
}

/** {@link binaryCrossEntropy} for generic callers. */
export const binaryCrossEntropyInfo: KernelInfo = {
  name: 'binaryCrossEntropy',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: ['weight'],
  rowCoupled: false,
  compute: (i, o) => binaryCrossEntropy(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) =>
    binaryCrossEntropyGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
