import { LossShapeError } from './errors.js';
import { floatArg, numberOption, optionsArg } from './internal/args.js';
import { floatPair, rowExpShifted, rowLogSumShifted, rowMax } from './internal/classification.js';
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

/** Options of {@link distillation}. */
export interface DistillationOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** Softmax temperature T > 0 (default 1); higher T softens both distributions. */
  temperature?: number;
}

/** Options of {@link distillationGrad}. */
export type DistillationGradOptions = Omit<DistillationOptions, 'reduction' | 'out'> & GradOptions;

function read(
  fn: string,
  student: unknown,
  teacher: unknown,
  o: Partial<Omit<DistillationOptions, 'out' | 'reduction'>>,
) {
  const temperature = numberOption(
    fn,
    'temperature',
    o.temperature,
    1,
    (t) => t > 0 && Number.isFinite(t),
    'a finite number > 0',
  );
  const p = floatPair(fn, 'student', student, 'teacher', teacher);
  if (p.shape.length !== 2) {
    throw new LossShapeError(
      fn,
      'student',
      `student must be 2-D [N, C]; got shape [${p.shape.join(', ')}] (pass {data, shape: [N, C]} when C cannot be inferred)`,
    );
  }
  return { s: p.a, t: p.b, rows: p.shape[0], cols: p.shape[1], temperature };
}

/**
 * Knowledge-distillation loss (Hinton et al. 2015) between `student` and `teacher` logits
 * `[N, C]`: ℓₙ = T²·KL(softmax(teacherₙ/T) ‖ softmax(studentₙ/T)) = T²·Σⱼ qⱼ·(log qⱼ − log pⱼ)
 * with q the teacher's and p the student's tempered softmax, 0·log 0 = 0. The T² keeps the
 * gradient's scale independent of T. `mean` divides by the rows N (PyTorch's
 * `kl_div(…, reduction='batchmean') * T**2`).
 *
 * @example
 * ```ts
 * import { distillation } from '@losskit/core';
 * const logits = { data: [1, 2, 3], shape: [1, 3] };
 * distillation(logits, logits, { temperature: 4 }).value; // 0: identical distributions
 * ```
 */
export function distillation<R extends Reduction = 'mean'>(
  student: FloatTensorLike,
  teacher: FloatTensorLike,
  options?: DistillationOptions<R>,
): LossResult<R> {
  const fn = 'distillation';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { s: xs, t: xt, rows, cols, temperature } = read(fn, student, teacher, o);
  const a = 1 / temperature;
  const t2 = temperature * temperature;
  const out = reduction === 'none' ? outputBuffer(fn, o.out, rows) : null;
  const et = new Float64Array(cols); // the teacher row's e^((tⱼ − mₜ)/T), reused row to row
  let s = 0;
  let c = 0;
  for (let n = 0; n < rows; n++) {
    const base = n * cols;
    // Both log-softmaxes from shifted log-sum-exps: with mₜ, mₛ the row maxima and
    // Lₜ = log Σ e^((tⱼ − mₜ)/T), log qⱼ = (tⱼ − mₜ)/T − Lₜ and log pⱼ = (sⱼ − mₛ)/T − Lₛ.
    // Every exponent is ≤ 0 (no overflow), and nothing is formed as a ratio of probabilities;
    // qⱼ = e^((tⱼ − mₜ)/T) / Σₜ ≤ 1 reuses the terms of Lₜ's sum. A qⱼ that underflows to 0
    // contributes 0 (xlogy), never 0·(−∞).
    const mt = rowMax(xt, base, cols);
    const ms = rowMax(xs, base, cols);
    const st = rowExpShifted(xt, base, cols, mt, a, et, 0);
    const lt = Math.log(st);
    const ls = rowLogSumShifted(xs, base, cols, ms, a);
    let v = 0;
    for (let j = 0; j < cols; j++) {
      const q = et[j] / st;
      if (q !== 0) v += q * (a * (xt[base + j] - mt) - lt - (a * (xs[base + j] - ms) - ls));
    }
    v *= t2;
    if (out !== null) out[n] = v;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, rows, rows, rows, 0);
}

/**
 * Gradient of {@link distillation} with respect to `student`: ∂ℓₙ/∂sₙⱼ = T·(pⱼ − qⱼ) (the T²
 * times the softmax-KL gradient (pⱼ − qⱼ)/T). The teacher is treated as a constant.
 */
export function distillationGrad(
  student: FloatTensorLike,
  teacher: FloatTensorLike,
  options?: DistillationGradOptions,
): Gradients {
  const fn = 'distillationGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { s: xs, t: xt, rows, cols, temperature } = read(fn, student, teacher, o);
  const a = 1 / temperature;
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, rows, rows, g, rows);
  const gs = gradBuffer(fn, o.out, 'student', rows * cols);
  const et = new Float64Array(cols); // the teacher row's e^((tⱼ − mₜ)/T), reused row to row
  for (let n = 0; n < rows; n++) {
    const base = n * cols;
    // pⱼ = e^((sⱼ − mₛ)/T) / Σₛ and qⱼ likewise, from the shifted terms (see distillation);
    // the student's terms are parked in the output row itself before it is overwritten.
    const st = rowExpShifted(xt, base, cols, rowMax(xt, base, cols), a, et, 0);
    const ss = rowExpShifted(xs, base, cols, rowMax(xs, base, cols), a, gs, base);
    const k = temperature * (per === null ? scale : scale * per[n]);
    for (let j = 0; j < cols; j++) gs[base + j] = k * (gs[base + j] / ss - et[j] / st);
  }
  return { student: gs };
}

/** {@link distillation} for generic callers. */
export const distillationInfo: KernelInfo = {
  name: 'distillation',
  inputs: [
    { name: 'student', kind: 'float', rank: 2, differentiable: true },
    { name: 'teacher', kind: 'float', rank: 2, differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => distillation(i.student as FloatTensorLike, i.teacher as FloatTensorLike, o),
  gradient: (i, o) =>
    distillationGrad(i.student as FloatTensorLike, i.teacher as FloatTensorLike, o),
};
