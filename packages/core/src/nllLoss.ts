import { floatArg, integerOption, optionsArg, vectorOption } from './internal/args.js';
import { indexedRows } from './internal/classification.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
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

/** Options of {@link nllLoss}, as PyTorch's `F.nll_loss`. */
export interface NllLossOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** Per-class weights `[C]`; `mean` divides Σ w[yₙ]·ℓₙ by Σ w[yₙ] over non-ignored rows. */
  weight?: FloatTensorLike;
  /** Rows whose target equals this index contribute nothing (default −100). */
  ignoreIndex?: number;
}

/** Options of {@link nllLossGrad}. */
export type NllLossGradOptions = Omit<NllLossOptions, 'reduction' | 'out'> & GradOptions;

function read(
  fn: string,
  input: unknown,
  target: unknown,
  o: Partial<Omit<NllLossOptions, 'out' | 'reduction'>>,
) {
  const ignoreIndex = integerOption(fn, 'ignoreIndex', o.ignoreIndex, -100);
  const r = indexedRows(fn, input, target, ignoreIndex);
  const w = vectorOption(fn, 'weight', o.weight, r.cols, 'the class count C');
  return { ...r, w, ignoreIndex };
}

/**
 * Negative log-likelihood of log-probabilities `input` `[N, C]` at class indices `target`
 * `[N]`, PyTorch's `nll_loss`: ℓₙ = −w[yₙ]·xₙ,yₙ (0 for ignored rows), and `mean` divides
 * Σₙ ℓₙ by Σₙ w[yₙ] over non-ignored rows (all ignored: 0/0 = NaN, as PyTorch).
 * Feed it `log_softmax` output; on raw logits use `crossEntropy`.
 *
 * @example
 * ```ts
 * import { nllLoss } from '@losskit/core';
 * const logp = { data: [Math.log(0.5), Math.log(0.5), Math.log(0.9), Math.log(0.1)], shape: [2, 2] };
 * nllLoss(logp, [0, 1]).value; // (log 2 + log 10) / 2
 * ```
 */
export function nllLoss<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: IndexTensorLike,
  options?: NllLossOptions<R>,
): LossResult<R> {
  const fn = 'nllLoss';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { x, rows, cols, y, w, ignoreIndex } = read(fn, input, target, o);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, rows) : null;
  let s = 0;
  let c = 0;
  let den = 0;
  let ignored = 0;
  for (let n = 0; n < rows; n++) {
    const k = y[n];
    if (k === ignoreIndex) {
      ignored++;
      if (out !== null) out[n] = 0;
      continue;
    }
    const wk = w === undefined ? 1 : w[k];
    const v = -wk * x[n * cols + k];
    den += wk;
    if (out !== null) out[n] = v;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, den, rows, rows, ignored);
}

/**
 * Gradient of {@link nllLoss} with respect to `input`: ∂ℓₙ/∂xₙ,ⱼ = −w[yₙ] at j = yₙ and 0
 * elsewhere (and 0 on ignored rows), scaled by the reduction (`mean`: 1 / Σ w[yₙ]).
 */
export function nllLossGrad(
  input: FloatTensorLike,
  target: IndexTensorLike,
  options?: NllLossGradOptions,
): Gradients {
  const fn = 'nllLossGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { rows, cols, y, w, ignoreIndex } = read(fn, input, target, o);
  let den = 0;
  for (let n = 0; n < rows; n++) {
    const k = y[n];
    if (k !== ignoreIndex) den += w === undefined ? 1 : w[k];
  }
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, den, rows, g, rows);
  const gx = gradBuffer(fn, o.out, 'input', rows * cols);
  gx.fill(0);
  for (let n = 0; n < rows; n++) {
    const k = y[n];
    if (k === ignoreIndex) continue;
    const wk = w === undefined ? 1 : w[k];
    gx[n * cols + k] = -wk * (per === null ? scale : scale * per[n]);
  }
  return { input: gx };
}

/** {@link nllLoss} for generic callers. */
export const nllLossInfo: KernelInfo = {
  name: 'nllLoss',
  inputs: [
    { name: 'input', kind: 'float', rank: 2, differentiable: true },
    { name: 'target', kind: 'index', rank: 1, differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => nllLoss(i.input as FloatTensorLike, i.target as IndexTensorLike, o),
  gradient: (i, o) => nllLossGrad(i.input as FloatTensorLike, i.target as IndexTensorLike, o),
};
