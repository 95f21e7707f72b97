import {
  floatArg,
  integerOption,
  numberOption,
  optionsArg,
  vectorOption,
} from './internal/args.js';
import { indexedRows } from './internal/classification.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
import { sfFocalGradRows, sfFocalRows } from './internal/sfRows.js';
import { sfFocalGradRowsSimd, sfFocalRowsSimd } from './internal/sfSimd.js';
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

/** Options of {@link softmaxFocal}. */
export interface SoftmaxFocalOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** Per-class weights α `[C]` (default: 1 for every class). They do not enter `mean`'s divisor. */
  alpha?: FloatTensorLike;
  /** Focusing exponent γ ≥ 0: easy examples lose weight as γ grows (default 2; 0 is cross-entropy). */
  gamma?: number;
  /** Rows whose target equals this index contribute nothing (default −100). */
  ignoreIndex?: number;
}

/** Options of {@link softmaxFocalGrad}. */
export type SoftmaxFocalGradOptions = Omit<SoftmaxFocalOptions, 'reduction' | 'out'> & GradOptions;

function read(
  fn: string,
  input: unknown,
  target: unknown,
  o: Partial<Omit<SoftmaxFocalOptions, 'out' | 'reduction'>>,
) {
  const ignoreIndex = integerOption(fn, 'ignoreIndex', o.ignoreIndex, -100);
  const r = indexedRows(fn, input, target, ignoreIndex);
  const alpha = vectorOption(fn, 'alpha', o.alpha, r.cols, 'the class count C');
  const gamma = numberOption(
    fn,
    'gamma',
    o.gamma,
    2,
    (g) => g >= 0 && Number.isFinite(g),
    'a finite number ≥ 0',
  );
  return { ...r, alpha, gamma, ignoreIndex };
}

/**
 * Softmax focal loss on logits `input` `[N, C]` at class indices `target` `[N]` (Lin et al.
 * 2017, multi-class): ℓₙ = −α[yₙ]·(1 − pₙ)^γ·log pₙ with pₙ = softmax(xₙ)[yₙ]; ignored rows
 * give 0 and `mean` divides by the number of non-ignored rows. With O = Σ_{j≠y} e^(xⱼ − x_y),
 * −log p = log1p(O) and 1 − p = O/(1 + O), both to full relative precision (exact as p → 1 and
 * as p → 0), never log(clip(p)). With γ = 0 and no α it is `crossEntropy`.
 *
 * @example
 * ```ts
 * import { softmaxFocal } from '@losskit/core';
 * // two equal logits: p = ½, so ℓ = −(½)²·log ½
 * softmaxFocal({ data: [0, 0], shape: [1, 2] }, [0]).value; // 0.25 · log 2
 * ```
 */
export function softmaxFocal<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: IndexTensorLike,
  options?: SoftmaxFocalOptions<R>,
): LossResult<R> {
  const fn = 'softmaxFocal';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { x, rows, cols, y, alpha, gamma, ignoreIndex } = read(fn, input, target, o);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, rows) : null;
  // One pass, one exp per non-target logit and one log1p per row (internal/sfRows.ts): shifted
  // by the target's logit, O = Σ_{j≠y} e^(xⱼ − x_y) gives −log p = log1p(O) and 1 − p = O/(1 + O)
  // with full relative precision, never log(clip(p)), and exact as p → 1.
  const acc = new Float64Array(3);
  // Float32 logits: O from the WebAssembly SIMD kernel where the runtime has it (sfSimd.ts).
  if (
    !(
      x instanceof Float32Array &&
      sfFocalRowsSimd(x, y, rows, cols, ignoreIndex, gamma, alpha, out, acc)
    )
  )
    sfFocalRows(x, y, 0, rows, cols, ignoreIndex, gamma, alpha, out, acc);
  const s = acc[0];
  const ignored = acc[2];
  const sum = Number.isFinite(s) ? s + acc[1] : s;
  return finish(reduction, out, sum, rows - ignored, rows, rows, ignored);
}

/**
 * Gradient of {@link softmaxFocal} with respect to `input`. With q = 1 − p, ∂(−log p)/∂xⱼ = pⱼ − δⱼᵧ
 * and ∂q/∂xⱼ = p·(pⱼ − δⱼᵧ):
 * ∂ℓ/∂xⱼ = α[y]·(pⱼ − δⱼᵧ)·F, F = q^γ + γ·p·q^(γ−1)·(−log p) = q^γ·(1 + γ·p·(−log p)/q).
 * p·(−log p)/q → 1 as q → 0, so it is taken at that limit where q = 0 and q^(γ−1) is never
 * formed; the target's own entry, p − 1 = −q, comes without cancellation.
 */
export function softmaxFocalGrad(
  input: FloatTensorLike,
  target: IndexTensorLike,
  options?: SoftmaxFocalGradOptions,
): Gradients {
  const fn = 'softmaxFocalGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { x, rows, cols, y, alpha, gamma, ignoreIndex } = read(fn, input, target, o);
  let kept = 0;
  for (let n = 0; n < rows; n++) if (y[n] !== ignoreIndex) kept++;
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, kept, rows, g, rows);
  const gx = gradBuffer(fn, o.out, 'input', rows * cols);
  // One exp per non-target logit, parked in gx and scaled in place (internal/sfRows.ts); float32
  // logits in WebAssembly SIMD where the runtime has it (internal/sfSimd.ts, the same steps).
  if (
    !(
      x instanceof Float32Array &&
      sfFocalGradRowsSimd(x, y, rows, cols, ignoreIndex, gamma, alpha, scale, per, gx)
    )
  )
    sfFocalGradRows(x, y, 0, rows, cols, ignoreIndex, gamma, alpha, scale, per, gx);
  return { input: gx };
}

/** {@link softmaxFocal} for generic callers. */
export const softmaxFocalInfo: KernelInfo = {
  name: 'softmaxFocal',
  inputs: [
    { name: 'input', kind: 'float', rank: 2, differentiable: true },
    { name: 'target', kind: 'index', rank: 1, differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => softmaxFocal(i.input as FloatTensorLike, i.target as IndexTensorLike, o),
  gradient: (i, o) => softmaxFocalGrad(i.input as FloatTensorLike, i.target as IndexTensorLike, o),
};
