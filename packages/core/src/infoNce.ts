import { booleanOption, floatArg, numberOption, optionsArg } from './internal/args.js';
import { embeddingRows } from './internal/embeddingRows.js';
import { fastExp } from './internal/fastExp.js';
import { matmulNT } from './internal/matmulNT.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
import { transpose, transposeSquareInPlace } from './internal/transpose.js';
import type { KernelInfo } from './KernelInfo.js';
import type {
  FloatTensorLike,
  Gradients,
  GradOptions,
  LossOptions,
  LossResult,
  Reduction,
} from './types.js';

/** Options of {@link infoNce}. */
export interface InfoNceOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** τ > 0: the logits are cosine similarities divided by τ (default 0.1). */
  temperature?: number;
  /** Average the input1→input2 and input2→input1 directions, as CLIP (default false). */
  symmetric?: boolean;
}

/** `F.normalize`'s eps: rows are divided by max(‖x‖, 1e-12). */
const NORM_EPS = 1e-12;

interface Prepared {
  x1: ArrayLike<number>;
  x2: ArrayLike<number>;
  rows: number;
  cols: number;
  tau: number;
  symmetric: boolean;
}

function prepare(
  fn: string,
  input1: unknown,
  input2: unknown,
  o: { temperature?: unknown; symmetric?: unknown },
): Prepared {
  const m = embeddingRows(fn, ['input1', 'input2'], [input1, input2]);
  const tau = numberOption(
    fn,
    'temperature',
    o.temperature,
    0.1,
    (v) => v > 0 && v < Number.POSITIVE_INFINITY,
    'a finite number > 0',
  );
  const symmetric = booleanOption(fn, 'symmetric', o.symmetric, false);
  return { x1: m.data[0], x2: m.data[1], rows: m.rows, cols: m.cols, tau, symmetric };
}

/**
 * Rows of x divided by max(‖x‖₂, 1e-12), as PyTorch's `F.normalize(x, dim=1)`: a zero row stays
 * zero (no 0/0). ‖x‖ is Σx² under a square root; if that sum overflows (entries beyond ~1e154)
 * the row is measured as m·√Σ(x/m)² with m = max|x| instead, which is the same norm without
 * the overflow. Writes z and the unclamped norms.
 */
function normalizeRows(
  x: ArrayLike<number>,
  rows: number,
  cols: number,
  z: Float64Array,
  norms: Float64Array,
): void {
  for (let n = 0; n < rows; n++) {
    const base = n * cols;
    const end = base + cols;
    let s = 0;
    for (let j = base; j < end; j++) s += x[j] * x[j];
    let r = Math.sqrt(s);
    if (r === Number.POSITIVE_INFINITY) {
      let m = 0;
      for (let j = base; j < end; j++) {
        const a = Math.abs(x[j]);
        if (!(a <= m)) m = a;
      }
      if (m < Number.POSITIVE_INFINITY) {
        s = 0;
        for (let j = base; j < end; j++) {
          const a = x[j] / m;
          s += a * a;
        }
        r = m * Math.sqrt(s);
      }
    }
    norms[n] = r;
    const den = Math.max(r, NORM_EPS); // NaN stays NaN, as clamp_min
    for (let j = base; j < end; j++) z[j] = x[j] / den;
  }
}

/**
 * The logits S = z1·z2ᵀ / τ, `[N, N]` row-major: Sᵢⱼ is row i of input1 against row j of input2.
 * A blocked, register-tiled product (matmulNT.ts); the 1/τ is applied as a product, within an
 * ulp of the division.
 */
function logits(
  z1: Float64Array,
  z2: Float64Array,
  rows: number,
  cols: number,
  tau: number,
): Float64Array {
  const S = new Float64Array(rows * rows);
  matmulNT(z1, z2, S, rows, rows, cols, 1 / tau);
  return S;
}

/** Log-sum-exp of the rows (or columns) of S, split as lse = max + tail (see {@link lseOf}). */
interface Lse {
  readonly max: Float64Array;
  readonly tail: Float64Array;
}

/**
 * Log-sum-exp of every row (`byRow`) or every column of S, stable and split in two parts:
 * lse = m + log Σ exp(s − m) = m + log1p(Σ′ exp(s − m)), m the max and Σ′ skipping one entry that
 * equals it (its term is exp(0) = 1). Every exponent is ≤ 0, so nothing overflows, and the log's
 * argument is ≥ 1, never log 0; |S| ≤ 1/τ, so this holds for any temperature. Keeping m and
 * tail = log1p(Σ′) apart lets ℓₙ = (m − Sₙₙ) + tail be exact when the positive is the max (a
 * well-trained batch, ℓ ≈ e^(−1/τ) tiny): lse − Sₙₙ would cancel m against Sₙₙ and keep only
 * ~1e-16 absolute accuracy. NaN in a row (column) makes its tail NaN. The exponentials are
 * fastExp's (≤ 3.2 ulp each, fastExp.ts), so the sum of positive terms is within ~3.2u + the
 * summation's rounding of its exact value.
 */
function lseOf(S: Float64Array, rows: number, byRow: boolean): Lse {
  const max = new Float64Array(rows).fill(Number.NEGATIVE_INFINITY);
  const tail = new Float64Array(rows);
  if (byRow) {
    for (let i = 0; i < rows; i++) {
      const b = i * rows;
      let m = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < rows; j++) if (S[b + j] > m) m = S[b + j];
      let s = 0;
      let skip = true;
      for (let j = 0; j < rows; j++) {
        const v = S[b + j];
        if (skip && v === m) skip = false;
        else s += fastExp(v - m);
      }
      max[i] = m;
      tail[i] = Math.log1p(s);
    }
    return { max, tail };
  }
  const seen = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const b = i * rows;
    for (let j = 0; j < rows; j++) if (S[b + j] > max[j]) max[j] = S[b + j];
  }
  for (let i = 0; i < rows; i++) {
    const b = i * rows;
    for (let j = 0; j < rows; j++) {
      const v = S[b + j];
      if (seen[j] === 0 && v === max[j]) seen[j] = 1;
      else tail[j] += fastExp(v - max[j]);
    }
  }
  for (let j = 0; j < rows; j++) tail[j] = Math.log1p(tail[j]);
  return { max, tail };
}

/**
 * InfoNCE (the NT-Xent / CLIP contrastive loss) over a batch of pairs `input1`, `input2`
 * `[N, D]`, row n of `input1` pairing with row n of `input2`: rows are L2-normalised (as
 * `F.normalize`, dividing by max(‖x‖, 1e-12)), Sᵢⱼ = z1ᵢ·z2ⱼ / τ, and
 * ℓₙ = −log softmax(Sₙ,·)ₙ = logsumexpⱼ Sₙⱼ − Sₙₙ: cross-entropy of row n against class n, the
 * other rows of the batch being the negatives. With `symmetric`,
 * ℓₙ = ½(logsumexpⱼ Sₙⱼ + logsumexpᵢ Sᵢₙ) − Sₙₙ, the mean of both directions. `mean` divides by
 * N. D cannot be inferred from bare arrays: give at least one input as `{data, shape: [N, D]}`.
 *
 * The rows are coupled (`infoNceInfo.rowCoupled`): the loss depends on which rows share a batch,
 * so a stream computes it per batch and a split of the rows does not add up to the whole.
 *
 * @example
 * ```ts
 * import { infoNce } from '@losskit/core';
 * const a = { data: [1, 0, 0, 1], shape: [2, 2] };
 * // perfectly aligned orthogonal pairs: ℓ = log(e^(1/τ) + e^0) − 1/τ = log(1 + e^(−1/τ))
 * infoNce(a, [1, 0, 0, 1], { temperature: 1 }).value; // log(1 + e^−1) ≈ 0.3133
 * ```
 */
export function infoNce<R extends Reduction = 'mean'>(
  input1: FloatTensorLike,
  input2: FloatTensorLike,
  options?: InfoNceOptions<R>,
): LossResult<R> {
  const fn = 'infoNce';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { x1, x2, rows, cols, tau, symmetric } = prepare(fn, input1, input2, o);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, rows) : null;
  const z1 = new Float64Array(rows * cols);
  const z2 = new Float64Array(rows * cols);
  const norms = new Float64Array(rows);
  normalizeRows(x1, rows, cols, z1, norms);
  normalizeRows(x2, rows, cols, z2, norms);
  const S = logits(z1, z2, rows, cols, tau);
  const lr = lseOf(S, rows, true);
  const lc = symmetric ? lseOf(S, rows, false) : null;
  let s = 0;
  let c = 0;
  for (let n = 0; n < rows; n++) {
    const diag = S[n * rows + n];
    const forward = lr.max[n] - diag + lr.tail[n];
    const v = lc === null ? forward : (forward + (lc.max[n] - diag + lc.tail[n])) / 2;
    if (out !== null) out[n] = v;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, rows, rows, rows, 0);
}

/**
 * Gradient of {@link infoNce} w.r.t. `input1` and `input2`. With Pᵢⱼ = softmax over row i of S
 * and Qᵢⱼ = softmax over column j, ∂L/∂Sᵢⱼ = cᵢ·(Pᵢⱼ − δᵢⱼ) (+ cⱼ·(Qᵢⱼ − δᵢⱼ) when symmetric)
 * with cₙ the upstream weight of ℓₙ (halved when symmetric); ∂L/∂z1 = (∂L/∂S)·z2/τ,
 * ∂L/∂z2 = (∂L/∂S)ᵀ·z1/τ; then through the normalisation z = x/max(r, ε):
 * ∂L/∂x = (g − z·(z·g))/r when r ≥ ε, and g/ε when r < ε (the clamped norm is constant there, as
 * PyTorch's clamp_min backward): finite, never NaN, for zero rows.
 */
export function infoNceGrad(
  input1: FloatTensorLike,
  input2: FloatTensorLike,
  options?: Omit<InfoNceOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'infoNceGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { x1, x2, rows, cols, tau, symmetric } = prepare(fn, input1, input2, o);
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, rows, rows, g, rows);
  const size = rows * cols;
  const g1 = gradBuffer(fn, o.out, 'input1', size);
  const g2 = gradBuffer(fn, o.out, 'input2', size);
  const z1 = new Float64Array(size);
  const z2 = new Float64Array(size);
  const r1 = new Float64Array(rows);
  const r2 = new Float64Array(rows);
  normalizeRows(x1, rows, cols, z1, r1);
  normalizeRows(x2, rows, cols, z2, r2);
  const S = logits(z1, z2, rows, cols, tau);
  const lr = lseOf(S, rows, true);
  const lc = symmetric ? lseOf(S, rows, false) : null;
  const half = symmetric ? 0.5 : 1;
  // S becomes ∂L/∂S in place.
  if (lc === null) {
    for (let i = 0; i < rows; i++) {
      const b = i * rows;
      const ci = half * (per === null ? scale : scale * per[i]);
      const li = lr.max[i] + lr.tail[i];
      for (let j = 0; j < rows; j++) S[b + j] = ci * fastExp(S[b + j] - li);
      S[b + i] -= ci;
    }
  } else {
    // per-column weights and log-sum-exps, hoisted out of the N² loop
    const cc = new Float64Array(rows);
    const lcol = new Float64Array(rows);
    for (let j = 0; j < rows; j++) {
      cc[j] = half * (per === null ? scale : scale * per[j]);
      lcol[j] = lc.max[j] + lc.tail[j];
    }
    for (let i = 0; i < rows; i++) {
      const b = i * rows;
      const ci = cc[i];
      const li = lr.max[i] + lr.tail[i];
      for (let j = 0; j < rows; j++) {
        const sij = S[b + j];
        S[b + j] = ci * fastExp(sij - li) + cc[j] * fastExp(sij - lcol[j]);
      }
      S[b + i] -= 2 * ci;
    }
  }
  // ∂L/∂z1 = G·z2/τ = G·(z2ᵀ)ᵀ/τ into g1, and ∂L/∂z2 = Gᵀ·z1/τ into g2: both in matmulNT's A·Bᵀ
  // form, with z2ᵀ, z1ᵀ `[D, N]` and G transposed in place (it is square) between the two.
  const zt = new Float64Array(size);
  transpose(z2, rows, cols, zt);
  matmulNT(S, zt, g1, rows, cols, rows, 1 / tau);
  transposeSquareInPlace(S, rows);
  transpose(z1, rows, cols, zt);
  matmulNT(S, zt, g2, rows, cols, rows, 1 / tau);
  normalizeBackward(g1, z1, r1, rows, cols);
  normalizeBackward(g2, z2, r2, rows, cols);
  return { input1: g1, input2: g2 };
}

/** In place: g ← ∂L/∂x from g = ∂L/∂z for z = x / max(r, ε) (see {@link infoNceGrad}). */
function normalizeBackward(
  g: Float64Array,
  z: Float64Array,
  norms: Float64Array,
  rows: number,
  cols: number,
): void {
  for (let n = 0; n < rows; n++) {
    const base = n * cols;
    const end = base + cols;
    const r = norms[n];
    if (r < NORM_EPS) {
      for (let j = base; j < end; j++) g[j] /= NORM_EPS;
    } else {
      let d = 0;
      for (let j = base; j < end; j++) d += z[j] * g[j];
      for (let j = base; j < end; j++) g[j] = (g[j] - z[j] * d) / r;
    }
  }
}

/** {@link infoNce} for generic callers. Rows are coupled: the value depends on the batching. */
export const infoNceInfo: KernelInfo = {
  name: 'infoNce',
  inputs: [
    { name: 'input1', kind: 'float', rank: 2, differentiable: true },
    { name: 'input2', kind: 'float', rank: 2, differentiable: true },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: true,
  compute: (i, o) => infoNce(i.input1 as FloatTensorLike, i.input2 as FloatTensorLike, o),
  gradient: (i, o) => infoNceGrad(i.input1 as FloatTensorLike, i.input2 as FloatTensorLike, o),
};
