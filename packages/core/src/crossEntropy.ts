import { LossRangeError, LossShapeError } from './errors.js';
import {
  type FloatView,
  floatArg,
  fmt,
  indexArg,
  integerOption,
  isIntegerTyped,
  numberOption,
  optionsArg,
  toMatrix,
  unwrap,
  vectorOption,
} from './internal/args.js';
import { crossEntropyGradIndexRowsSimd, crossEntropyIndexRowsSimd } from './internal/lseRows.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
import {
  crossEntropyIndexRows,
  rowShiftedSums,
  rowSoftmaxNumerators,
} from './internal/softmaxRows.js';
import type { KernelInfo } from './KernelInfo.js';
import type {
  FloatTensorLike,
  Gradients,
  GradOptions,
  IndexTensorLike,
  LossOptions,
  LossResult,
  Reduction,
} from './types.js';

/** Options of {@link crossEntropy}, as PyTorch's `F.cross_entropy`. */
export interface CrossEntropyOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** Per-class weights `[C]`. With index targets `mean` divides by Σ w[yₙ] over non-ignored rows. */
  weight?: FloatTensorLike;
  /** Rows whose target equals this index contribute nothing (default −100). Index targets only. */
  ignoreIndex?: number;
  /** ε ∈ [0, 1]: the target becomes (1 − ε)·onehot + ε/C (default 0). */
  labelSmoothing?: number;
}

interface Prepared {
  x: ArrayLike<number>;
  rows: number;
  cols: number;
  /** Class indices, or null for probability targets. */
  index: ArrayLike<number> | null;
  probs: ArrayLike<number> | null;
  w: ArrayLike<number> | undefined;
  ignoreIndex: number;
  eps: number;
}

/** Decides between class-index and probability targets and validates everything. */
function prepare(
  fn: string,
  input: unknown,
  target: unknown,
  o: Partial<Omit<CrossEntropyOptions, 'out' | 'reduction'>>,
): Prepared {
  const xv: FloatView = floatArg(fn, 'input', input);
  const t = unwrap(fn, 'target', target);
  const tLength = (t.data as ArrayLike<unknown> | null)?.length;
  // Probability targets have the input's shape; class indices have one entry per row. An integer
  // typed array is always indices; with C = 1 a float array is taken as probabilities.
  let cols: number | undefined;
  if (xv.shape.length === 2) cols = xv.shape[1];
  else if (typeof tLength === 'number' && tLength > 0 && !(t.shape && t.shape.length === 2))
    cols = xv.data.length / tLength;
  else if (t.shape?.length === 2) cols = t.shape[1];
  if (cols !== undefined && !Number.isInteger(cols)) cols = undefined;
  const m = toMatrix(fn, 'input', xv, cols);
  const isProb =
    !isIntegerTyped(t.data) &&
    tLength === m.rows * m.cols &&
    (t.shape === null
      ? m.cols > 1 || !(Array.isArray(t.data) && t.data.every(Number.isInteger))
      : t.shape.length === 2);
  const eps = numberOption(
    fn,
    'labelSmoothing',
    o.labelSmoothing,
    0,
    (v) => v >= 0 && v <= 1,
    'a number in [0, 1]',
  );
  const ignoreIndex = integerOption(fn, 'ignoreIndex', o.ignoreIndex, -100);
  const w = vectorOption(fn, 'weight', o.weight, m.cols, 'the class count C');
  if (isProb) {
    const p = floatArg(fn, 'target', target);
    return {
      x: m.data,
      rows: m.rows,
      cols: m.cols,
      index: null,
      probs: p.data,
      w,
      ignoreIndex,
      eps,
    };
  }
  const iv = indexArg(fn, 'target', target);
  if (iv.data.length !== m.rows) {
    throw new LossShapeError(
      fn,
      'target',
      `target has ${iv.data.length} entries but input has ${m.rows} rows (shape [${m.rows}, ${m.cols}])`,
    );
  }
  const y = iv.data;
  for (let n = 0; n < m.rows; n++) {
    const c = y[n];
    if (c !== ignoreIndex && !(c >= 0 && c < m.cols)) {
      throw new LossRangeError(fn, 'target', `target[${n}] = ${fmt(c)} is outside [0, ${m.cols})`);
    }
  }
  return { x: m.data, rows: m.rows, cols: m.cols, index: y, probs: null, w, ignoreIndex, eps };
}

/** Rows per chunk of the per-row scratch (shifts, exp-sums): 2 × 8 KiB, reused. */
const CHUNK = 1024;

/**
 * Cross-entropy between logits `input` `[N, C]` and `target`: class indices `[N]` or class
 * probabilities `[N, C]`, with PyTorch's `weight`, `ignoreIndex` and `labelSmoothing`.
 *
 * Index targets: ℓₙ = (1 − ε)·w[yₙ]·(lseₙ − xₙ,yₙ) + (ε/C)·Σ_c w_c·(lseₙ − xₙ,c), and `mean`
 * divides Σℓ by Σ w[yₙ] over non-ignored rows (all ignored: 0/0 = NaN, as PyTorch).
 * Probability targets: ℓₙ = Σ_c w_c·y′ₙ,c·(lseₙ − xₙ,c) with y′ = (1 − ε)·y + ε/C; `mean` divides by N.
 *
 * @example
 * ```ts
 * import { crossEntropy } from '@losskit/core';
 * const logits = { data: new Float32Array([2, 0, 0, 0, 3, 0]), shape: [2, 3] };
 * const r = crossEntropy(logits, new Int32Array([0, 1]));
 * r.value;                              // mean loss
 * r.sumValue / r.sumDenominator;        // the same, from the sufficient statistics
 * ```
 */
export function crossEntropy<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: IndexTensorLike | FloatTensorLike,
  options?: CrossEntropyOptions<R>,
): LossResult<R> {
  const fn = 'crossEntropy';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const p = prepare(fn, input, target, o);
  const { x, rows, cols, w, eps } = p;
  const out = reduction === 'none' ? outputBuffer(fn, o.out, rows) : null;
  const keep = 1 - eps;
  const spread = eps / cols;
  let s = 0;
  let c = 0;
  let den = 0;
  let ignored = 0;
  if (p.index !== null && w === undefined && eps === 0 && out === null) {
    // The common case, unweighted index targets, in one fused pass (one exp per logit, one log
    // per run of rows; see internal/softmaxRows.ts). Float32 logits take the WebAssembly SIMD
    // row sums where the runtime has them (internal/lseRows.ts).
    const acc = new Float64Array(3);
    if (
      !(
        x instanceof Float32Array &&
        crossEntropyIndexRowsSimd(x, p.index, 0, rows, cols, p.ignoreIndex, acc)
      )
    )
      crossEntropyIndexRows(x, p.index, 0, rows, cols, p.ignoreIndex, acc);
    s = acc[0];
    c = acc[1];
    ignored = acc[2];
    den = rows - ignored;
  } else {
    // Row exp-sums a chunk at a time (internal/softmaxRows.ts: one exp per logit, loops
    // specialised by array type): lseₙ = shiftₙ + log sumₙ.
    const shift = new Float64Array(Math.min(rows, CHUNK));
    const sums = new Float64Array(Math.min(rows, CHUNK));
    for (let n0 = 0; n0 < rows; n0 += CHUNK) {
      const n1 = Math.min(rows, n0 + CHUNK);
      rowShiftedSums(x, n0, n1, cols, shift, sums);
      for (let n = n0; n < n1; n++) {
        const base = n * cols;
        let v: number;
        if (p.index !== null) {
          const y = p.index[n];
          if (y === p.ignoreIndex) {
            ignored++;
            if (out !== null) out[n] = 0;
            continue;
          }
          const lse = shift[n - n0] + Math.log(sums[n - n0]);
          const wy = w === undefined ? 1 : w[y];
          v = keep * wy * (lse - x[base + y]);
          if (eps > 0) {
            let sm = 0;
            for (let j = 0; j < cols; j++) sm += (w === undefined ? 1 : w[j]) * (lse - x[base + j]);
            v += spread * sm;
          }
          den += wy;
        } else {
          const lse = shift[n - n0] + Math.log(sums[n - n0]);
          const q = p.probs!;
          v = 0;
          for (let j = 0; j < cols; j++) {
            const yj = keep * q[base + j] + spread;
            v += (w === undefined ? 1 : w[j]) * yj * (lse - x[base + j]);
          }
          den += 1;
        }
        if (out !== null) out[n] = v;
        const t = s + v;
        c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
        s = t;
      }
    }
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, den, rows, rows, ignored);
}

/**
 * Gradient of {@link crossEntropy} with respect to the logits, with pⱼ = softmax(x)ⱼ:
 * index targets ∂ℓ/∂xⱼ = (1 − ε)·w[y]·(pⱼ − δⱼy) + (ε/C)·(pⱼ·Σ_c w_c − wⱼ);
 * probability targets ∂ℓ/∂xⱼ = pⱼ·Σ_c w_c·y′_c − wⱼ·y′ⱼ. Ignored rows get 0.
 */
export function crossEntropyGrad(
  input: FloatTensorLike,
  target: IndexTensorLike | FloatTensorLike,
  options?: Omit<CrossEntropyOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'crossEntropyGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const p = prepare(fn, input, target, o);
  const { x, rows, cols, w, eps } = p;
  const keep = 1 - eps;
  const spread = eps / cols;
  let W = cols;
  if (w !== undefined) {
    W = 0;
    for (let j = 0; j < cols; j++) W += w[j];
  }
  let den = rows;
  if (p.index !== null) {
    den = 0;
    for (let n = 0; n < rows; n++) {
      const y = p.index[n];
      if (y !== p.ignoreIndex) den += w === undefined ? 1 : w[y];
    }
  }
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, den, rows, g, rows);
  const gx = gradBuffer(fn, o.out, 'input', rows * cols);
  // The common case — float32 logits, unweighted index targets, one scale for every row — in
  // WebAssembly SIMD where the runtime has it (internal/lseRows.ts): k·(softmax − onehot).
  if (
    x instanceof Float32Array &&
    p.index !== null &&
    w === undefined &&
    eps === 0 &&
    per === null &&
    crossEntropyGradIndexRowsSimd(x, p.index, rows, cols, p.ignoreIndex, scale, gx)
  )
    return { input: gx };
  // One exp per logit: gx first receives the softmax numerators eⱼ = exp(xⱼ − m) and each row's
  // Σeⱼ (internal/softmaxRows.ts), then pⱼ = eⱼ / Σe is turned into the gradient in place.
  const sums = new Float64Array(Math.min(rows, CHUNK));
  for (let n0 = 0; n0 < rows; n0 += CHUNK) {
    const n1 = Math.min(rows, n0 + CHUNK);
    rowSoftmaxNumerators(x, n0, n1, cols, gx, sums);
    for (let n = n0; n < n1; n++) {
      const base = n * cols;
      const k = per === null ? scale : scale * per[n];
      const inv = 1 / sums[n - n0];
      if (p.index !== null) {
        const y = p.index[n];
        if (y === p.ignoreIndex) {
          for (let j = 0; j < cols; j++) gx[base + j] = 0;
          continue;
        }
        const a = keep * (w === undefined ? 1 : w[y]);
        if (eps === 0) {
          const ka = k * a * inv;
          for (let j = 0; j < cols; j++) gx[base + j] *= ka;
        } else {
          for (let j = 0; j < cols; j++) {
            const pj = gx[base + j] * inv;
            gx[base + j] = k * (a * pj + spread * (pj * W - (w === undefined ? 1 : w[j])));
          }
        }
        gx[base + y] -= k * a;
      } else {
        const q = p.probs!;
        let wy = 0;
        for (let j = 0; j < cols; j++)
          wy += (w === undefined ? 1 : w[j]) * (keep * q[base + j] + spread);
        for (let j = 0; j < cols; j++) {
          const pj = gx[base + j] * inv;
          gx[base + j] =
            k * (pj * wy - (w === undefined ? 1 : w[j]) * (keep * q[base + j] + spread));
        }
      }
    }
  }
  return { input: gx };
}

/** {@link crossEntropy} for generic callers. */
export const crossEntropyInfo: KernelInfo = {
  name: 'crossEntropy',
  inputs: [
    { name: 'input', kind: 'float', rank: 2, differentiable: true },
    { name: 'target', kind: 'float-or-index', rank: 1, differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => crossEntropy(i.input as FloatTensorLike, i.target as IndexTensorLike, o),
  gradient: (i, o) => crossEntropyGrad(i.input as FloatTensorLike, i.target as IndexTensorLike, o),
};
