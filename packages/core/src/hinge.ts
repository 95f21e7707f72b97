import { numberOption, optionsArg } from './internal/args.js';
import { gradOutputArg, notSignError, readPair } from './internal/marginRegressionArgs.js';
import { hingeSumSimd, MB_SIMD_MIN } from './internal/mbSums.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
import { exactRangeSum } from './internal/sum.js';
import type { KernelInfo } from './KernelInfo.js';
import type {
  FloatTensorLike,
  Gradients,
  GradOptions,
  LossOptions,
  LossResult,
  Reduction,
} from './types.js';

/** Options of {@link hinge}. */
export interface HingeOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** The margin m in max(0, m − y·f) (default 1). Any finite number. */
  margin?: number;
}

/**
 * Binary hinge loss (the SVM loss) on scores `input` and labels `target` ∈ {−1, 1}:
 * ℓᵢ = max(0, m − yᵢ·fᵢ). Element-wise over inputs of any shape; `mean` divides by the element
 * count. Labels are taken as given — unlike TF.js's `hingeLoss`, {0, 1} labels are not remapped;
 * anything but −1 or 1 is a {@link LossRangeError} (NaN propagates).
 *
 * @example
 * ```ts
 * import { hinge } from '@losskit/core';
 * hinge([2, 0.5, -1], [1, 1, 1]).value; // (0 + 0.5 + 2) / 3
 * ```
 */
export function hinge<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: HingeOptions<R>,
): LossResult<R> {
  const fn = 'hinge';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const margin = numberOption(fn, 'margin', o.margin, 1);
  const { x, y, n, rows } = readPair(fn, input, target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  const sum =
    x instanceof Float32Array && y instanceof Float32Array
      ? sumF32(x, y, n, out, margin)
      : x instanceof Float64Array && y instanceof Float64Array
        ? sumF64(x, y, n, out, margin)
        : sumAny(x, y, n, out, margin);
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link hinge}: ∂ℓᵢ/∂fᵢ = −yᵢ where m − yᵢ·fᵢ > 0, else 0 (0 at the kink),
 * scaled by the reduction.
 */
export function hingeGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: Omit<HingeOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'hingeGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const margin = numberOption(fn, 'margin', o.margin, 1);
  const { x, y, n } = readPair(fn, input, target);
  const [scale, per] = gradScale(fn, reduction, n, n, gradOutputArg(fn, o.gradOutput), n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  if (per !== null) {
    for (let i = 0; i < n; i++) {
      const t = y[i];
      if (t * t !== 1 && !Number.isNaN(t)) throw notSignError(fn, i, t);
      gx[i] = margin - t * x[i] > 0 ? -t * (scale * per[i]) : 0;
    }
  } else {
    // The fast loops stop at a label other than ±1 and return its index (-1 when done): NaN
    // gives 0 (the comparison is false), anything else is an error.
    const f32 = x instanceof Float32Array && y instanceof Float32Array;
    const f64 = x instanceof Float64Array && y instanceof Float64Array;
    let stops = 0;
    for (let i = 0; i < n; i++) {
      i = f32
        ? gradF32(x, y as Float32Array, i, n, margin, scale, gx)
        : f64
          ? gradF64(x as Float64Array, y as Float64Array, i, n, margin, scale, gx)
          : gradAny(x, y, i, n, margin, scale, gx);
      if (i < 0) break;
      const t = y[i];
      if (!Number.isNaN(t)) throw notSignError(fn, i, t);
      gx[i] = 0;
      if (++stops === 64) {
        // Such elements are common in this input: finish with the direct formula (a return to
        // this loop per element would cost more).
        for (let j = i + 1; j < n; j++) {
          const tj = y[j];
          if (tj * tj !== 1 && !Number.isNaN(tj)) throw notSignError(fn, j, tj);
          gx[j] = margin - tj * x[j] > 0 ? -tj * scale : 0;
        }
        break;
      }
    }
  }
  return { input: gx };
}

// The gradient's hot loops, one copy per array type as the sums below (keep them identical),
// free of the gradOutput test. The active test is blended in: 0 − h·(t·k) with h = [m − t·f > 0]
// is −t·k where active and +0 elsewhere (0 − ±0 = +0), exactly the branchy formula (k > 0 here),
// without its misprediction on random data. The label test is a branch ±1 labels never take.
function gradF32(
  x: Float32Array,
  y: Float32Array,
  i0: number,
  n: number,
  margin: number,
  k: number,
  gx: Float64Array,
): number {
  let i = i0;
  for (; i + 3 < n; i += 4) {
    const t0 = y[i];
    const t1 = y[i + 1];
    const t2 = y[i + 2];
    const t3 = y[i + 3];
    if (!(t0 * t0 === 1 && t1 * t1 === 1 && t2 * t2 === 1 && t3 * t3 === 1)) break;
    gx[i] = 0 - Number(margin - t0 * x[i] > 0) * (t0 * k);
    gx[i + 1] = 0 - Number(margin - t1 * x[i + 1] > 0) * (t1 * k);
    gx[i + 2] = 0 - Number(margin - t2 * x[i + 2] > 0) * (t2 * k);
    gx[i + 3] = 0 - Number(margin - t3 * x[i + 3] > 0) * (t3 * k);
  }
  for (; i < n; i++) {
    const t = y[i];
    if (t * t !== 1) return i;
    gx[i] = 0 - Number(margin - t * x[i] > 0) * (t * k);
  }
  return -1;
}

function gradF64(
  x: Float64Array,
  y: Float64Array,
  i0: number,
  n: number,
  margin: number,
  k: number,
  gx: Float64Array,
): number {
  let i = i0;
  for (; i + 3 < n; i += 4) {
    const t0 = y[i];
    const t1 = y[i + 1];
    const t2 = y[i + 2];
    const t3 = y[i + 3];
    if (!(t0 * t0 === 1 && t1 * t1 === 1 && t2 * t2 === 1 && t3 * t3 === 1)) break;
    gx[i] = 0 - Number(margin - t0 * x[i] > 0) * (t0 * k);
    gx[i + 1] = 0 - Number(margin - t1 * x[i + 1] > 0) * (t1 * k);
    gx[i + 2] = 0 - Number(margin - t2 * x[i + 2] > 0) * (t2 * k);
    gx[i + 3] = 0 - Number(margin - t3 * x[i + 3] > 0) * (t3 * k);
  }
  for (; i < n; i++) {
    const t = y[i];
    if (t * t !== 1) return i;
    gx[i] = 0 - Number(margin - t * x[i] > 0) * (t * k);
  }
  return -1;
}

function gradAny(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  n: number,
  margin: number,
  k: number,
  gx: Float64Array,
): number {
  let i = i0;
  for (; i + 3 < n; i += 4) {
    const t0 = y[i];
    const t1 = y[i + 1];
    const t2 = y[i + 2];
    const t3 = y[i + 3];
    if (!(t0 * t0 === 1 && t1 * t1 === 1 && t2 * t2 === 1 && t3 * t3 === 1)) break;
    gx[i] = 0 - Number(margin - t0 * x[i] > 0) * (t0 * k);
    gx[i + 1] = 0 - Number(margin - t1 * x[i + 1] > 0) * (t1 * k);
    gx[i + 2] = 0 - Number(margin - t2 * x[i + 2] > 0) * (t2 * k);
    gx[i + 3] = 0 - Number(margin - t3 * x[i + 3] > 0) * (t3 * k);
  }
  for (; i < n; i++) {
    const t = y[i];
    if (t * t !== 1) return i;
    gx[i] = 0 - Number(margin - t * x[i] > 0) * (t * k);
  }
  return -1;
}

// The hot loops. Three identical copies for Float32Array, Float64Array and anything else
// (number[], mixed types), so each sees one array type: a shared body makes V8's element access
// polymorphic. Keep them identical. Without 'none' outputs, four elements a step: the labels are
// tested four at a time (a branch ±1 labels never take; the step with another label, and the
// rest of its block, go to the one-element loop), then max(0, z), z = m − t·f, is added as
// 2·max(0, z) = z + |z| (exact for |z| < 2¹⁰²³, branch-free) and the block's sum halved
// (exact, but for a sum below 2⁻¹⁰²¹: ≤ 2⁻¹⁰⁷⁵ absolute). This is ~0.85× the time of a per-element
// label test inside `term` (timing script, 10M pairs: float64 16.4 → 14.0 ms, float32 in
// 4000-element calls 17.8 → 14.7 ms). The
// one-element loop takes `term` and adds it doubled.
// Sums: plain float64 in four accumulators over blocks of 1024 elements, then Neumaier over the
// block sums. Each accumulator adds ≤ 256 terms and three adds combine them (with 'none', or
// after a step with a label other than ±1, v0 takes the rest of the block: its sum is then NaN
// or, for 'none', within 1026u), so a block's
// rounding is ≤ 258u·Σ|vᵢ| over its terms (u = 2⁻⁵³; Higham §4.2), and the whole is
// ≤ (258 + 2)u·Σ|vᵢ| ≈ 2.9e−14·Σ|vᵢ| (per-element Neumaier: ~2u·|S|, at about twice the time).
// Every term is ≥ 0, so that is a relative error ≤ 2.9e−14.
// A block whose sum is not finite (an ∞ or NaN term, a label other than ±1, for which `term` gives
// NaN so that `exactBlock` throws at its index, a doubled term or a sum that overflows) is
// recomputed by `exactBlock`, the reference loop, which also rewrites its 'none' outputs.
// Float32 sums without 'none' outputs of ≥ MB_SIMD_MIN elements run in WebAssembly SIMD
// (internal/mbSums.ts: the same terms, blocks and bound).
const BLOCK = 1024;

function sumF32(
  x: Float32Array,
  y: Float32Array,
  n: number,
  out: Float64Array | null,
  margin: number,
): number {
  if (out === null && n >= MB_SIMD_MIN) {
    // The sum in WebAssembly SIMD (internal/mbSums.ts: the same terms, blocks and bound, its
    // flagged blocks redone by exactBlock); null where the runtime has no WebAssembly SIMD.
    const v = hingeSumSimd(x, y, n, margin, (i0, i1) => exactBlock(x, y, i0, i1, null, margin));
    if (v !== null) return v;
  }
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v0 = 0;
    let v1 = 0;
    let v2 = 0;
    let v3 = 0;
    let i = b;
    if (out === null) {
      for (; i + 3 < e; i += 4) {
        const t0 = y[i];
        const t1 = y[i + 1];
        const t2 = y[i + 2];
        const t3 = y[i + 3];
        if (!(t0 * t0 === 1 && t1 * t1 === 1 && t2 * t2 === 1 && t3 * t3 === 1)) break;
        const z0 = margin - t0 * x[i];
        const z1 = margin - t1 * x[i + 1];
        const z2 = margin - t2 * x[i + 2];
        const z3 = margin - t3 * x[i + 3];
        v0 += z0 + Math.abs(z0);
        v1 += z1 + Math.abs(z1);
        v2 += z2 + Math.abs(z2);
        v3 += z3 + Math.abs(z3);
      }
    }
    for (; i < e; i++) {
      const t = term(x[i], y[i], margin);
      if (out !== null) out[i] = t;
      v0 += t + t;
    }
    let v = 0.5 * (v0 + v1 + (v2 + v3));
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out, margin);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

function sumF64(
  x: Float64Array,
  y: Float64Array,
  n: number,
  out: Float64Array | null,
  margin: number,
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v0 = 0;
    let v1 = 0;
    let v2 = 0;
    let v3 = 0;
    let i = b;
    if (out === null) {
      for (; i + 3 < e; i += 4) {
        const t0 = y[i];
        const t1 = y[i + 1];
        const t2 = y[i + 2];
        const t3 = y[i + 3];
        if (!(t0 * t0 === 1 && t1 * t1 === 1 && t2 * t2 === 1 && t3 * t3 === 1)) break;
        const z0 = margin - t0 * x[i];
        const z1 = margin - t1 * x[i + 1];
        const z2 = margin - t2 * x[i + 2];
        const z3 = margin - t3 * x[i + 3];
        v0 += z0 + Math.abs(z0);
        v1 += z1 + Math.abs(z1);
        v2 += z2 + Math.abs(z2);
        v3 += z3 + Math.abs(z3);
      }
    }
    for (; i < e; i++) {
      const t = term(x[i], y[i], margin);
      if (out !== null) out[i] = t;
      v0 += t + t;
    }
    let v = 0.5 * (v0 + v1 + (v2 + v3));
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out, margin);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

function sumAny(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  out: Float64Array | null,
  margin: number,
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v0 = 0;
    let v1 = 0;
    let v2 = 0;
    let v3 = 0;
    let i = b;
    if (out === null) {
      for (; i + 3 < e; i += 4) {
        const t0 = y[i];
        const t1 = y[i + 1];
        const t2 = y[i + 2];
        const t3 = y[i + 3];
        if (!(t0 * t0 === 1 && t1 * t1 === 1 && t2 * t2 === 1 && t3 * t3 === 1)) break;
        const z0 = margin - t0 * x[i];
        const z1 = margin - t1 * x[i + 1];
        const z2 = margin - t2 * x[i + 2];
        const z3 = margin - t3 * x[i + 3];
        v0 += z0 + Math.abs(z0);
        v1 += z1 + Math.abs(z1);
        v2 += z2 + Math.abs(z2);
        v3 += z3 + Math.abs(z3);
      }
    }
    for (; i < e; i++) {
      const t = term(x[i], y[i], margin);
      if (out !== null) out[i] = t;
      v0 += t + t;
    }
    let v = 0.5 * (v0 + v1 + (v2 + v3));
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out, margin);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

/**
 * max(0, m − t·f) as (z + |z|)/2 with z = m − t·f: exact for |z| < 2¹⁰²³ (z + z doubles, z + −z
 * is 0) and, unlike Math.max, without a branch (on random data it mispredicts half the time).
 * A label other than ±1 gives NaN (see above).
 */
function term(xi: number, ti: number, margin: number): number {
  if (ti * ti !== 1) return Number.NaN;
  const z = margin - ti * xi;
  return 0.5 * (z + Math.abs(z));
}

/** The reference loop over [i0, i1), per-element Neumaier; writes `out` if given. */
function exactBlock(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  i1: number,
  out: Float64Array | null,
  margin: number,
): number {
  return exactRangeSum(i0, i1, out, (i) => {
    const t = y[i];
    // t·t = 1 only for t = ±1 in float64; unlike t !== 1 && t !== −1, this branch is
    // predictable on random labels. NaN labels propagate.
    if (t * t !== 1 && !Number.isNaN(t)) throw notSignError('hinge', i, t);
    // Math.max propagates NaN, as PyTorch's clamp does.
    return Math.max(0, margin - t * x[i]);
  });
}

/** {@link hinge} for generic callers. */
export const hingeInfo: KernelInfo = {
  name: 'hinge',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => hinge(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => hingeGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
