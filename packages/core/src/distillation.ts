import { LossShapeError } from './errors.js';
import { floatArg, numberOption, optionsArg } from './internal/args.js';
import { floatPair } from './internal/classification.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
import { sfDistillGradRows, sfDistillRows } from './internal/sfRows.js';
import { sfDistillGradRowsSimd, sfDistillRowsSimd } from './internal/sfSimd.js';
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
  // Both log-softmaxes from shifted exp-sums, one exp per logit and one log per row, no log per
  // element: KL = Σⱼ qⱼ·(vtⱼ − vsⱼ) + log(Ss/St) with v the shifted tempered logits (derivation
  // and error bound in internal/sfRows.ts). A qⱼ that underflows to 0 contributes 0 (xlogy),
  // never 0·(−∞); rows with non-finite or extreme logits take the max-shifted formula.
  const acc = new Float64Array(2);
  // Float32 logits: the sums from the WebAssembly SIMD kernel where the runtime has it (sfSimd.ts).
  if (
    !(
      xs instanceof Float32Array &&
      xt instanceof Float32Array &&
      sfDistillRowsSimd(xs, xt, rows, cols, a, t2, out, acc)
    )
  )
    sfDistillRows(xs, xt, 0, rows, cols, a, t2, out, acc);
  const s = acc[0];
  const sum = Number.isFinite(s) ? s + acc[1] : s;
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
  // pⱼ and qⱼ from shifted exp-sums (see distillation), one exp per logit of each input; the
  // student's terms are parked in the output row itself, the teacher's in a scratch row.
  // Float32 logits go through the WebAssembly SIMD kernel (internal/sfSimd.ts: the same steps,
  // two logits per instruction) where the runtime has it.
  const e = new Float64Array(cols);
  if (
    !(
      xs instanceof Float32Array &&
      xt instanceof Float32Array &&
      sfDistillGradRowsSimd(xs, xt, rows, cols, a, temperature, scale, per, gs, e)
    )
  )
    sfDistillGradRows(xs, xt, 0, rows, cols, a, temperature, scale, per, gs, e);
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
