import { LossRangeError, LossShapeError } from './errors.js';
import { booleanOption, floatArg, fmt, numberOption, optionsArg } from './internal/args.js';
import { logF32Bits } from './internal/logF32Bits.js';
import { gradOutputArg } from './internal/marginRegressionArgs.js';
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

/** Options of {@link gaussianNll}, as PyTorch's `F.gaussian_nll_loss`. */
export interface GaussianNllOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** Add the constant ½·log(2π) to every element (default `false`). */
  full?: boolean;
  /** Variances below eps are clamped up to eps, as PyTorch (default 1e−6, ≥ 0). */
  eps?: number;
}

interface Prepared {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  v: ArrayLike<number>;
  n: number;
  rows: number;
  /** Consecutive elements sharing one variance: 1, or the input's last dimension. */
  group: number;
  full: boolean;
  eps: number;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

function prepare(
  fn: string,
  input: unknown,
  target: unknown,
  variance: unknown,
  o: Partial<Omit<GaussianNllOptions, 'reduction' | 'out'>>,
): Prepared {
  const full = booleanOption(fn, 'full', o.full, false);
  const eps = numberOption(
    fn,
    'eps',
    o.eps,
    1e-6,
    (e) => e >= 0 && e < Infinity,
    'a finite number ≥ 0',
  );
  const xv = floatArg(fn, 'input', input);
  const y = floatArg(fn, 'target', target).data;
  const vv = floatArg(fn, 'var', variance);
  const n = xv.data.length;
  if (y.length !== n) {
    throw new LossShapeError(fn, 'target', `target has ${y.length} elements but input has ${n}`);
  }
  let group = 1;
  if (vv.data.length !== n) {
    // PyTorch's homoscedastic shapes: var is input.shape[:-1], or that plus a trailing 1; one
    // variance then serves every element of the input's last dimension.
    const xs = xv.shape;
    const vs = vv.shape;
    const lead = xs.slice(0, -1);
    const ok =
      xs.length >= 1 &&
      (sameDims(vs, lead) ||
        (vs.length === xs.length && vs[vs.length - 1] === 1 && sameDims(vs.slice(0, -1), lead)));
    if (!ok) {
      throw new LossShapeError(
        fn,
        'var',
        `var has shape [${vs.join(', ')}] but input has shape [${xs.join(', ')}]; expected the input's shape, [${lead.join(', ')}] or [${[...lead, 1].join(', ')}]`,
      );
    }
    group = xs[xs.length - 1];
  }
  return {
    x: xv.data,
    y,
    v: vv.data,
    n,
    rows: xv.shape.length > 0 ? xv.shape[0] : 1,
    group,
    full,
    eps,
  };
}

function negativeVar(fn: string, k: number, v: number): LossRangeError {
  return new LossRangeError(fn, 'var', `var[${k}] = ${fmt(v)} is negative`);
}

/**
 * Gaussian negative log-likelihood, PyTorch's `gaussian_nll_loss`: `input` is the predicted
 * mean μ, `target` the observation y, `var` the predicted variance σ² ≥ 0 (clamped up to
 * `eps`): ℓᵢ = ½·(log σ²ᵢ + (μᵢ − yᵢ)²/σ²ᵢ) (+ ½·log 2π with `full`). `var` has the input's
 * shape, or (homoscedastic) the input's shape without its last dimension, optionally with a
 * trailing 1. Element-wise; `mean` divides by the input's element count. A negative variance is
 * a {@link LossRangeError}, as in PyTorch.
 *
 * @example
 * ```ts
 * import { gaussianNll } from '@losskit/core';
 * gaussianNll([1], [3], [4]).value; // ½·(ln 4 + 2²/4)
 * ```
 */
export function gaussianNll<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  variance: FloatTensorLike,
  options?: GaussianNllOptions<R>,
): LossResult<R> {
  const fn = 'gaussianNll';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { x, y, v, n, rows, group, full, eps } = prepare(fn, input, target, variance, o);
  if (
    reduction !== 'none' &&
    group === 1 &&
    eps >= F32_MIN_NORMAL &&
    x instanceof Float32Array &&
    y instanceof Float32Array &&
    v instanceof Float32Array
  ) {
    return finish(reduction, null, sumF32(fn, x, y, v, n, full, eps), n, rows, n, 0);
  }
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  const nv = v.length;
  let s = 0;
  let c = 0;
  let i = 0;
  for (let k = 0; k < nv; k++) {
    const raw = v[k];
    if (raw < 0) throw negativeVar(fn, k, raw);
    const vk = Math.max(raw, eps); // NaN stays NaN
    const logV = Math.log(vk);
    for (let j = 0; j < group; j++, i++) {
      const d = x[i] - y[i];
      let val = 0.5 * (logV + (d * d) / vk);
      if (full) val += HALF_LOG_2PI;
      if (out !== null) out[i] = val;
      const u = s + val;
      c += Math.abs(s) >= Math.abs(val) ? s - u + val : val - u + s;
      s = u;
    }
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, n, rows, n, 0);
}

// ---- The hot loop (Float32Array input, target and var of one shape; mean/sum) -----------------
//
// ℓ = ½·(log v′ + d²/v′) (+ ½·log 2π with `full`), v′ = max(v, eps), d = x − y, as the
// reference loop above, with two changes:
//  • log v′: v < eps (v′ = eps) takes logEps = Math.log(eps), computed once; otherwise v ≥ eps ≥
//    2⁻¹²⁶ (the path requires eps ≥ the smallest normal float32), so v is a positive normal
//    float32 or +∞, and log v by logF32Bits from its bit pattern (an Int32Array view over the
//    buffer), ≤ 3u·|log v| (u = 2⁻⁵³), instead of Math.log. The two candidates are blended with
//    m = Number(v < eps) ∈ {0, 1}: a·(1 − m) + b·m is exactly a or b for finite a, b (logF32Bits
//    of any bit pattern is finite: integer operations and one table row), and v′ = v·(1 − m) +
//    eps·m likewise (a NaN v gives NaN, a negative v gives −0 + eps = eps). The rest of the term
//    are the reference operations, so with ℓ the reference loop's term, a term differs from ℓ
//    by ≤ 1.5u·(1 + 2u)·|log v′| (½ of logF32Bits's error, through the inner add) plus the
//    different rounding of that add and of `+ h` (each ≤ 1u of the two results: ≤ 2u·|ℓ| in all
//    up to terms of order u²).
//  • Sums: four plain float64 accumulators over blocks of 64 elements (terms have both signs when
//    v′ < 1), Neumaier over the block sums: a block's rounding is ≤ 63u·Σ|ℓ| over it, the whole
//    ≤ 65u·Σ|ℓ| (≈ 7.2e−15·Σ|ℓ|). With the terms: |sumF32 − Σℓ| ≤ 68u·Σ|ℓ| + 1.6u·Σ|log v′|
//    (tested against the Math.log reference with per-element Neumaier).
//  Blocks are redone by exactBlock, the reference loop (Math.log, per-element Neumaier), when
//  their sum is not finite (an infinite or NaN x, y or v, v′ = 0 cannot occur) or when some v has
//  its sign bit set (negative: the reference's error at the first one; −0, −NaN) or is +∞/NaN
//  (bits ≥ 0x7f800000, whose logF32Bits is garbage though finite): flag ORs b | (b + 2²³), whose
//  sign bit is set exactly then (b + 2²³ wraps past 2³¹ for b ≥ 0x7f800000). So ±∞, NaN and the
//  LossRangeError come out exactly as from the reference loop.
const BLOCK = 64;
/** 2⁻¹²⁶, the smallest positive normal float32. */
const F32_MIN_NORMAL = 2 ** -126;

/** The reference loop over [i0, i1) (one variance per element), per-element Neumaier. */
function exactBlock(
  fn: string,
  x: Float32Array,
  y: Float32Array,
  v: Float32Array,
  i0: number,
  i1: number,
  h: number,
  eps: number,
): number {
  let s = 0;
  let c = 0;
  for (let i = i0; i < i1; i++) {
    const raw = v[i];
    if (raw < 0) throw negativeVar(fn, i, raw);
    const vk = Math.max(raw, eps);
    const d = x[i] - y[i];
    let val = 0.5 * (Math.log(vk) + (d * d) / vk);
    if (h !== 0) val += h;
    const u = s + val;
    c += Math.abs(s) >= Math.abs(val) ? s - u + val : val - u + s;
    s = u;
  }
  return Number.isFinite(s) ? s + c : s;
}

function sumF32(
  fn: string,
  x: Float32Array,
  y: Float32Array,
  v: Float32Array,
  n: number,
  full: boolean,
  eps: number,
): number {
  const bits = new Int32Array(v.buffer, v.byteOffset, n);
  const h = full ? HALF_LOG_2PI : 0;
  const logEps = Math.log(eps);
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    const e4 = b + ((e - b) & ~3);
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let flag = 0;
    let i = b;
    for (; i < e4; i += 4) {
      const b0 = bits[i];
      const v0 = v[i];
      const m0 = Number(v0 < eps);
      const w0 = v0 * (1 - m0) + eps * m0;
      const d0 = x[i] - y[i];
      a0 += 0.5 * (logF32Bits(b0) * (1 - m0) + logEps * m0 + (d0 * d0) / w0) + h;
      const b1 = bits[i + 1];
      const v1 = v[i + 1];
      const m1 = Number(v1 < eps);
      const w1 = v1 * (1 - m1) + eps * m1;
      const d1 = x[i + 1] - y[i + 1];
      a1 += 0.5 * (logF32Bits(b1) * (1 - m1) + logEps * m1 + (d1 * d1) / w1) + h;
      const b2 = bits[i + 2];
      const v2 = v[i + 2];
      const m2 = Number(v2 < eps);
      const w2 = v2 * (1 - m2) + eps * m2;
      const d2 = x[i + 2] - y[i + 2];
      a2 += 0.5 * (logF32Bits(b2) * (1 - m2) + logEps * m2 + (d2 * d2) / w2) + h;
      const b3 = bits[i + 3];
      const v3 = v[i + 3];
      const m3 = Number(v3 < eps);
      const w3 = v3 * (1 - m3) + eps * m3;
      const d3 = x[i + 3] - y[i + 3];
      a3 += 0.5 * (logF32Bits(b3) * (1 - m3) + logEps * m3 + (d3 * d3) / w3) + h;
      flag |= b0 | (b0 + 0x00800000) | b1 | (b1 + 0x00800000);
      flag |= b2 | (b2 + 0x00800000) | b3 | (b3 + 0x00800000);
    }
    for (; i < e; i++) {
      const b0 = bits[i];
      const v0 = v[i];
      const m0 = Number(v0 < eps);
      const w0 = v0 * (1 - m0) + eps * m0;
      const d0 = x[i] - y[i];
      a0 += 0.5 * (logF32Bits(b0) * (1 - m0) + logEps * m0 + (d0 * d0) / w0) + h;
      flag |= b0 | (b0 + 0x00800000);
    }
    let t = a0 + a1 + (a2 + a3);
    if (flag < 0 || !Number.isFinite(t)) t = exactBlock(fn, x, y, v, b, e, h, eps);
    const u = s + t;
    c += Math.abs(s) >= Math.abs(t) ? s - u + t : t - u + s;
    s = u;
  }
  return Number.isFinite(s) ? s + c : s;
}

/**
 * Gradients of {@link gaussianNll}, with σ′² = max(σ², eps):
 * ∂ℓᵢ/∂μᵢ = (μᵢ − yᵢ)/σ′²ᵢ and ∂ℓᵢ/∂σ²ᵢ = ½·(1/σ′²ᵢ − (μᵢ − yᵢ)²/σ′⁴ᵢ), scaled by the
 * reduction; a shared (homoscedastic) variance sums its elements' terms. As in PyTorch the
 * clamp itself is not differentiated: a variance below eps still gets the gradient at eps.
 * Returns `{ input, var }`.
 */
export function gaussianNllGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  variance: FloatTensorLike,
  options?: Omit<GaussianNllOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'gaussianNllGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { x, y, v, n, group, eps } = prepare(fn, input, target, variance, o);
  const [scale, per] = gradScale(fn, reduction, n, n, gradOutputArg(fn, o.gradOutput), n);
  const nv = v.length;
  const gx = gradBuffer(fn, o.out, 'input', n);
  const gv = gradBuffer(fn, o.out, 'var', nv);
  let i = 0;
  for (let k = 0; k < nv; k++) {
    const raw = v[k];
    if (raw < 0) throw negativeVar(fn, k, raw);
    const vk = Math.max(raw, eps);
    const inv = 1 / vk;
    let acc = 0;
    for (let j = 0; j < group; j++, i++) {
      const kk = per === null ? scale : scale * per[i];
      const r = (x[i] - y[i]) * inv;
      gx[i] = kk * r;
      acc += kk * 0.5 * (inv - r * r);
    }
    gv[k] = acc;
  }
  return { input: gx, var: gv };
}

/** {@link gaussianNll} for generic callers (inputs `input`, `target`, `var`). */
export const gaussianNllInfo: KernelInfo = {
  name: 'gaussianNll',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
    { name: 'var', kind: 'float', rank: 'any', differentiable: true },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) =>
    gaussianNll(
      i.input as FloatTensorLike,
      i.target as FloatTensorLike,
      i.var as FloatTensorLike,
      o,
    ),
  gradient: (i, o) =>
    gaussianNllGrad(
      i.input as FloatTensorLike,
      i.target as FloatTensorLike,
      i.var as FloatTensorLike,
      o,
    ),
};
