import { floatArg, integerOption, optionsArg, vectorOption } from './internal/args.js';
import { indexedRows } from './internal/classification.js';
import { cwRows, cwTargetError } from './internal/cwRows.js';
import {
  GATHER_BLOCK_SHIFT,
  SPAN_ROWS,
  spanLabels,
  spannable,
  spanSums,
  spanSumsF32,
  spanSumsF64,
} from './internal/gatherSpans.js';
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
  const ignoreIndex = integerOption(fn, 'ignoreIndex', o.ignoreIndex, -100);
  // Types and shapes only: the loops below check each index against [0, C) themselves.
  const { x, rows, cols, y } = cwRows(fn, input, target);
  const w = vectorOption(fn, 'weight', o.weight, cols, 'the class count C');
  const out = reduction === 'none' ? outputBuffer(fn, o.out, rows) : null;
  if (w === undefined && out === null) {
    const sum =
      x instanceof Float32Array
        ? y instanceof Int32Array
          ? gatherF32I32(fn, x, y, rows, cols, ignoreIndex)
          : gatherF32(fn, x, y, rows, cols, ignoreIndex)
        : x instanceof Float64Array
          ? y instanceof Int32Array
            ? gatherF64I32(fn, x, y, rows, cols, ignoreIndex)
            : gatherF64(fn, x, y, rows, cols, ignoreIndex)
          : gatherAny(fn, x, y, rows, cols, ignoreIndex);
    const ignored = gatherIgnored;
    return finish(reduction, null, sum, rows - ignored, rows, rows, ignored);
  }
  // the weights as float64 (exact), or ones: −1·x = −x and Σ 1 are exact, as without weights
  const wv = w === undefined ? onesOf(cols) : w instanceof Float64Array ? w : Float64Array.from(w);
  const sum =
    x instanceof Float32Array
      ? weightedRowsF32(fn, x, y, wv, out, rows, cols, ignoreIndex)
      : x instanceof Float64Array
        ? weightedRowsF64(fn, x, y, wv, out, rows, cols, ignoreIndex)
        : weightedRowsAny(fn, x, y, wv, out, rows, cols, ignoreIndex);
  return finish(reduction, out, sum, weightedDen, rows, rows, weightedIgnored);
}

// The weighted and 'none' paths: Σₙ −w[yₙ]·xₙ,yₙ with Σₙ w[yₙ] (the mean's denominator) and the
// ignored rows (left in weightedDen and weightedIgnored). Without `out` (weights, mean or sum):
// as the gathers above, four rows a step into four accumulators over blocks of 64 rows (when
// ignoreIndex is outside [0, C); a group with another index finishes its block row by row), the
// block sums Neumaier-compensated: |Ŝ − S| ≤ 2u·|S| + 64u·Σ|vₙ| (the gathers' bound), and the
// denominator summed plainly, within blocks and then over them (for weights ≥ 0 its error is at
// most (63 + ⌈N/64⌉)·u·Σw, against (N − 1)·u·Σw for the row-by-row sum it replaces). With `out` ('none'): row by row,
// each row's value written (0 for an ignored row) and added with Neumaier's compensation. One copy
// per scores type (Float32Array / Float64Array / other): the row loop used to sit inside nllLoss,
// shared by every case, and once both weights and 'none' had run in a process it took 21 ms over
// [1M, 10] float32 where the first calls took 7.7–9.6 ms (plain node, medians of 21). Keep the
// copies identical.

/** The denominator and ignored rows of the last weightedRows* call. */
let weightedDen = 0;
let weightedIgnored = 0;
/** Ones for the unweighted 'none' path, grown to the largest class count seen. */
let ones = new Float64Array(0);

function onesOf(cols: number): Float64Array {
  if (ones.length < cols) ones = new Float64Array(cols).fill(1);
  return ones;
}

function weightedRowsF32(
  fn: string,
  x: Float32Array,
  y: ArrayLike<number>,
  w: Float64Array,
  out: Float64Array | null,
  rows: number,
  cols: number,
  ignoreIndex: number,
): number {
  let s = 0;
  let c = 0;
  let den = 0;
  let ignored = 0;
  if (out === null) {
    const grouped = !(ignoreIndex >= 0 && ignoreIndex < cols);
    for (let b = 0; b < rows; b += BLOCK) {
      const e = Math.min(rows, b + BLOCK);
      const g = grouped ? e : b;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let d0 = 0;
      let d1 = 0;
      let n = b;
      for (; n + 3 < g; n += 4) {
        const k0 = y[n];
        const k1 = y[n + 1];
        const k2 = y[n + 2];
        const k3 = y[n + 3];
        // an index out of range (or ignored): the rest of the block goes row by row
        if (
          !(
            k0 >= 0 &&
            k0 < cols &&
            k1 >= 0 &&
            k1 < cols &&
            k2 >= 0 &&
            k2 < cols &&
            k3 >= 0 &&
            k3 < cols
          )
        ) {
          break;
        }
        const w0 = w[k0];
        const w1 = w[k1];
        const w2 = w[k2];
        const w3 = w[k3];
        const base = n * cols;
        a0 -= w0 * x[base + k0];
        a1 -= w1 * x[base + cols + k1];
        a2 -= w2 * x[base + 2 * cols + k2];
        a3 -= w3 * x[base + 3 * cols + k3];
        d0 += w0 + w1;
        d1 += w2 + w3;
      }
      for (; n < e; n++) {
        const k = y[n];
        if (k === ignoreIndex) {
          ignored++;
          continue;
        }
        if (!(k >= 0 && k < cols)) throw cwTargetError(fn, n, k, cols);
        const wk = w[k];
        a0 -= wk * x[n * cols + k];
        d0 += wk;
      }
      const acc = a0 + a1 + (a2 + a3);
      const t = s + acc;
      c += Math.abs(s) >= Math.abs(acc) ? s - t + acc : acc - t + s;
      s = t;
      den += d0 + d1;
    }
  } else {
    for (let n = 0; n < rows; n++) {
      const k = y[n];
      if (k === ignoreIndex) {
        ignored++;
        out[n] = 0;
        continue;
      }
      if (!(k >= 0 && k < cols)) throw cwTargetError(fn, n, k, cols);
      const wk = w[k];
      const v = -wk * x[n * cols + k];
      den += wk;
      out[n] = v;
      const t = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      s = t;
    }
  }
  weightedDen = den;
  weightedIgnored = ignored;
  return Number.isFinite(s) ? s + c : s;
}

function weightedRowsF64(
  fn: string,
  x: Float64Array,
  y: ArrayLike<number>,
  w: Float64Array,
  out: Float64Array | null,
  rows: number,
  cols: number,
  ignoreIndex: number,
): number {
  let s = 0;
  let c = 0;
  let den = 0;
  let ignored = 0;
  if (out === null) {
    const grouped = !(ignoreIndex >= 0 && ignoreIndex < cols);
    for (let b = 0; b < rows; b += BLOCK) {
      const e = Math.min(rows, b + BLOCK);
      const g = grouped ? e : b;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let d0 = 0;
      let d1 = 0;
      let n = b;
      for (; n + 3 < g; n += 4) {
        const k0 = y[n];
        const k1 = y[n + 1];
        const k2 = y[n + 2];
        const k3 = y[n + 3];
        // an index out of range (or ignored): the rest of the block goes row by row
        if (
          !(
            k0 >= 0 &&
            k0 < cols &&
            k1 >= 0 &&
            k1 < cols &&
            k2 >= 0 &&
            k2 < cols &&
            k3 >= 0 &&
            k3 < cols
          )
        ) {
          break;
        }
        const w0 = w[k0];
        const w1 = w[k1];
        const w2 = w[k2];
        const w3 = w[k3];
        const base = n * cols;
        a0 -= w0 * x[base + k0];
        a1 -= w1 * x[base + cols + k1];
        a2 -= w2 * x[base + 2 * cols + k2];
        a3 -= w3 * x[base + 3 * cols + k3];
        d0 += w0 + w1;
        d1 += w2 + w3;
      }
      for (; n < e; n++) {
        const k = y[n];
        if (k === ignoreIndex) {
          ignored++;
          continue;
        }
        if (!(k >= 0 && k < cols)) throw cwTargetError(fn, n, k, cols);
        const wk = w[k];
        a0 -= wk * x[n * cols + k];
        d0 += wk;
      }
      const acc = a0 + a1 + (a2 + a3);
      const t = s + acc;
      c += Math.abs(s) >= Math.abs(acc) ? s - t + acc : acc - t + s;
      s = t;
      den += d0 + d1;
    }
  } else {
    for (let n = 0; n < rows; n++) {
      const k = y[n];
      if (k === ignoreIndex) {
        ignored++;
        out[n] = 0;
        continue;
      }
      if (!(k >= 0 && k < cols)) throw cwTargetError(fn, n, k, cols);
      const wk = w[k];
      const v = -wk * x[n * cols + k];
      den += wk;
      out[n] = v;
      const t = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      s = t;
    }
  }
  weightedDen = den;
  weightedIgnored = ignored;
  return Number.isFinite(s) ? s + c : s;
}

function weightedRowsAny(
  fn: string,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  w: Float64Array,
  out: Float64Array | null,
  rows: number,
  cols: number,
  ignoreIndex: number,
): number {
  let s = 0;
  let c = 0;
  let den = 0;
  let ignored = 0;
  if (out === null) {
    const grouped = !(ignoreIndex >= 0 && ignoreIndex < cols);
    for (let b = 0; b < rows; b += BLOCK) {
      const e = Math.min(rows, b + BLOCK);
      const g = grouped ? e : b;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let d0 = 0;
      let d1 = 0;
      let n = b;
      for (; n + 3 < g; n += 4) {
        const k0 = y[n];
        const k1 = y[n + 1];
        const k2 = y[n + 2];
        const k3 = y[n + 3];
        // an index out of range (or ignored): the rest of the block goes row by row
        if (
          !(
            k0 >= 0 &&
            k0 < cols &&
            k1 >= 0 &&
            k1 < cols &&
            k2 >= 0 &&
            k2 < cols &&
            k3 >= 0 &&
            k3 < cols
          )
        ) {
          break;
        }
        const w0 = w[k0];
        const w1 = w[k1];
        const w2 = w[k2];
        const w3 = w[k3];
        const base = n * cols;
        a0 -= w0 * x[base + k0];
        a1 -= w1 * x[base + cols + k1];
        a2 -= w2 * x[base + 2 * cols + k2];
        a3 -= w3 * x[base + 3 * cols + k3];
        d0 += w0 + w1;
        d1 += w2 + w3;
      }
      for (; n < e; n++) {
        const k = y[n];
        if (k === ignoreIndex) {
          ignored++;
          continue;
        }
        if (!(k >= 0 && k < cols)) throw cwTargetError(fn, n, k, cols);
        const wk = w[k];
        a0 -= wk * x[n * cols + k];
        d0 += wk;
      }
      const acc = a0 + a1 + (a2 + a3);
      const t = s + acc;
      c += Math.abs(s) >= Math.abs(acc) ? s - t + acc : acc - t + s;
      s = t;
      den += d0 + d1;
    }
  } else {
    for (let n = 0; n < rows; n++) {
      const k = y[n];
      if (k === ignoreIndex) {
        ignored++;
        out[n] = 0;
        continue;
      }
      if (!(k >= 0 && k < cols)) throw cwTargetError(fn, n, k, cols);
      const wk = w[k];
      const v = -wk * x[n * cols + k];
      den += wk;
      out[n] = v;
      const t = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      s = t;
    }
  }
  weightedDen = den;
  weightedIgnored = ignored;
  return Number.isFinite(s) ? s + c : s;
}

// The unweighted path (`mean`/`sum` without weights): Σₙ −xₙ,yₙ over the rows whose index is not
// ignoreIndex, one gather per row. Five identical copies, one per pair of array types (scores
// Float32Array / Float64Array / other × indices Int32Array / other), so that each loop's element
// accesses stay monomorphic (a shared body is several times slower); keep them identical, except
// that the Int32Array copies test a group's indices with one OR and four compares
// ((k₀|k₁|k₂|k₃) < 0 finds a negative int32), the copies differ in their span call (below), and
// gatherAny (plain-array scores) takes no spans. Each also counts the ignored rows (left in
// `gatherIgnored`) and throws the range error for an index outside [0, C).
// Rows go four at a time into four accumulators (one chain of dependent adds would cost more than
// the loads) when ignoreIndex is outside [0, C) (the default −100): then a group whose indices are
// all in range has no ignored row, and a group with any other index sends the rest of its block
// through the row-by-row loop, which skips or throws. With ignoreIndex a class, every row takes
// the row-by-row loop.
// Inputs of SPAN_ROWS rows or more (ignoreIndex outside [0, C)) take their blocks' sums from
// internal/gatherSpans.ts, which reads four streams at once (the gather is bound by misses in
// flight there: ~2× faster on 1M×10) and adds each block exactly as the loop would; the loop
// sums the blocks a span flags, and those after the last span.
// Summation: plainly over blocks of 64 rows (four accumulators, then two adds), Neumaier over
// the block sums. A block's plain sum carries ≤ 63u·Σ|vₙ| over its rows (u = 2⁻⁵³, Higham §4.2),
// the compensated sum of the blocks adds ≤ 2u·|S| + O(n·u²)·Σ|vₙ|: in all
// |Ŝ − S| ≤ 2u·|S| + 64u·Σ|vₙ| (≤ 66u·|S| ≈ 7.3e−15·|S| for log-probabilities, all ≤ 0). A non-finite block sum propagates as in plain summation (the
// compensation is dropped when s is not finite).
const BLOCK_SHIFT = GATHER_BLOCK_SHIFT;
const BLOCK = 1 << BLOCK_SHIFT;
/** Ignored rows counted by the last gather* call. */
let gatherIgnored = 0;
// Reading ahead: at each block the loop also loads the score AHEAD elements further on (≥ 8 KB
// ahead: two 4 KB pages for float32) and keeps it in `gatherSink` (so the load is not dropped).
// The hardware prefetchers follow the stream only within a 4 KB page; this load starts each new
// page's first miss early. On the 1M×10 gather (memory-bound: every cache line of the scores is
// touched) it saved ~15% (2.26 → 1.93 ms).
const AHEAD = 2048;
const gatherSink = { value: 0 };

function gatherF32I32(
  fn: string,
  x: Float32Array,
  y: Int32Array,
  rows: number,
  cols: number,
  ignoreIndex: number,
): number {
  let s = 0;
  let c = 0;
  let ignored = 0;
  const grouped = !(ignoreIndex >= 0 && ignoreIndex < cols);
  const len = x.length;
  let early = 0;
  let spanStart = 0;
  let spanEnd = 0;
  for (let b = 0; b < rows; b += BLOCK) {
    if (grouped && b >= spanEnd && rows - b >= SPAN_ROWS) {
      spanSumsF32(x, y, 0, b, cols);
      spanStart = b;
      spanEnd = b + SPAN_ROWS;
    }
    // The span's sum of this block, else NaN; a block without one (past the spans, or flagged
    // by the span, or not finite) is summed here.
    let acc = b < spanEnd ? spanSums[(b - spanStart) >> BLOCK_SHIFT] : Number.NaN;
    if (!(acc - acc === 0)) {
      const e = Math.min(rows, b + BLOCK);
      const g = grouped ? e : b;
      const ahead = b * cols + AHEAD;
      if (ahead < len) early += x[ahead];
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let n = b;
      for (; n + 3 < g; n += 4) {
        const k0 = y[n];
        const k1 = y[n + 1];
        const k2 = y[n + 2];
        const k3 = y[n + 3];
        // An index out of range (or ignored: ignoreIndex is out of range here): the rest of
        // the block goes row by row.
        if ((k0 | k1 | k2 | k3) < 0 || k0 >= cols || k1 >= cols || k2 >= cols || k3 >= cols) break;
        const base = n * cols;
        a0 -= x[base + k0];
        a1 -= x[base + cols + k1];
        a2 -= x[base + 2 * cols + k2];
        a3 -= x[base + 3 * cols + k3];
      }
      for (; n < e; n++) {
        const k = y[n];
        if (k === ignoreIndex) {
          ignored++;
          continue;
        }
        if (!(k >= 0 && k < cols)) throw cwTargetError(fn, n, k, cols);
        a0 -= x[n * cols + k];
      }
      acc = a0 + a1 + (a2 + a3);
    }
    const t = s + acc;
    c += Math.abs(s) >= Math.abs(acc) ? s - t + acc : acc - t + s;
    s = t;
  }
  gatherIgnored = ignored;
  gatherSink.value = early;
  return Number.isFinite(s) ? s + c : s;
}

function gatherF32(
  fn: string,
  x: Float32Array,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  ignoreIndex: number,
): number {
  let s = 0;
  let c = 0;
  let ignored = 0;
  const grouped = !(ignoreIndex >= 0 && ignoreIndex < cols);
  const len = x.length;
  let early = 0;
  const spans = grouped && spannable(y);
  let spanStart = 0;
  let spanEnd = 0;
  for (let b = 0; b < rows; b += BLOCK) {
    if (spans && b >= spanEnd && rows - b >= SPAN_ROWS) {
      spanSumsF32(x, spanLabels(y, b), b, b, cols);
      spanStart = b;
      spanEnd = b + SPAN_ROWS;
    }
    // The span's sum of this block, else NaN; a block without one (past the spans, or flagged
    // by the span, or not finite) is summed here.
    let acc = b < spanEnd ? spanSums[(b - spanStart) >> BLOCK_SHIFT] : Number.NaN;
    if (!(acc - acc === 0)) {
      const e = Math.min(rows, b + BLOCK);
      const g = grouped ? e : b;
      const ahead = b * cols + AHEAD;
      if (ahead < len) early += x[ahead];
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let n = b;
      for (; n + 3 < g; n += 4) {
        const k0 = y[n];
        const k1 = y[n + 1];
        const k2 = y[n + 2];
        const k3 = y[n + 3];
        // An index out of range (or ignored: ignoreIndex is out of range here): the rest of
        // the block goes row by row.
        if (
          !(
            k0 >= 0 &&
            k0 < cols &&
            k1 >= 0 &&
            k1 < cols &&
            k2 >= 0 &&
            k2 < cols &&
            k3 >= 0 &&
            k3 < cols
          )
        ) {
          break;
        }
        const base = n * cols;
        a0 -= x[base + k0];
        a1 -= x[base + cols + k1];
        a2 -= x[base + 2 * cols + k2];
        a3 -= x[base + 3 * cols + k3];
      }
      for (; n < e; n++) {
        const k = y[n];
        if (k === ignoreIndex) {
          ignored++;
          continue;
        }
        if (!(k >= 0 && k < cols)) throw cwTargetError(fn, n, k, cols);
        a0 -= x[n * cols + k];
      }
      acc = a0 + a1 + (a2 + a3);
    }
    const t = s + acc;
    c += Math.abs(s) >= Math.abs(acc) ? s - t + acc : acc - t + s;
    s = t;
  }
  gatherIgnored = ignored;
  gatherSink.value = early;
  return Number.isFinite(s) ? s + c : s;
}

function gatherF64I32(
  fn: string,
  x: Float64Array,
  y: Int32Array,
  rows: number,
  cols: number,
  ignoreIndex: number,
): number {
  let s = 0;
  let c = 0;
  let ignored = 0;
  const grouped = !(ignoreIndex >= 0 && ignoreIndex < cols);
  const len = x.length;
  let early = 0;
  let spanStart = 0;
  let spanEnd = 0;
  for (let b = 0; b < rows; b += BLOCK) {
    if (grouped && b >= spanEnd && rows - b >= SPAN_ROWS) {
      spanSumsF64(x, y, 0, b, cols);
      spanStart = b;
      spanEnd = b + SPAN_ROWS;
    }
    // The span's sum of this block, else NaN; a block without one (past the spans, or flagged
    // by the span, or not finite) is summed here.
    let acc = b < spanEnd ? spanSums[(b - spanStart) >> BLOCK_SHIFT] : Number.NaN;
    if (!(acc - acc === 0)) {
      const e = Math.min(rows, b + BLOCK);
      const g = grouped ? e : b;
      const ahead = b * cols + AHEAD;
      if (ahead < len) early += x[ahead];
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let n = b;
      for (; n + 3 < g; n += 4) {
        const k0 = y[n];
        const k1 = y[n + 1];
        const k2 = y[n + 2];
        const k3 = y[n + 3];
        // An index out of range (or ignored: ignoreIndex is out of range here): the rest of
        // the block goes row by row.
        if ((k0 | k1 | k2 | k3) < 0 || k0 >= cols || k1 >= cols || k2 >= cols || k3 >= cols) break;
        const base = n * cols;
        a0 -= x[base + k0];
        a1 -= x[base + cols + k1];
        a2 -= x[base + 2 * cols + k2];
        a3 -= x[base + 3 * cols + k3];
      }
      for (; n < e; n++) {
        const k = y[n];
        if (k === ignoreIndex) {
          ignored++;
          continue;
        }
        if (!(k >= 0 && k < cols)) throw cwTargetError(fn, n, k, cols);
        a0 -= x[n * cols + k];
      }
      acc = a0 + a1 + (a2 + a3);
    }
    const t = s + acc;
    c += Math.abs(s) >= Math.abs(acc) ? s - t + acc : acc - t + s;
    s = t;
  }
  gatherIgnored = ignored;
  gatherSink.value = early;
  return Number.isFinite(s) ? s + c : s;
}

function gatherF64(
  fn: string,
  x: Float64Array,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  ignoreIndex: number,
): number {
  let s = 0;
  let c = 0;
  let ignored = 0;
  const grouped = !(ignoreIndex >= 0 && ignoreIndex < cols);
  const len = x.length;
  let early = 0;
  const spans = grouped && spannable(y);
  let spanStart = 0;
  let spanEnd = 0;
  for (let b = 0; b < rows; b += BLOCK) {
    if (spans && b >= spanEnd && rows - b >= SPAN_ROWS) {
      spanSumsF64(x, spanLabels(y, b), b, b, cols);
      spanStart = b;
      spanEnd = b + SPAN_ROWS;
    }
    // The span's sum of this block, else NaN; a block without one (past the spans, or flagged
    // by the span, or not finite) is summed here.
    let acc = b < spanEnd ? spanSums[(b - spanStart) >> BLOCK_SHIFT] : Number.NaN;
    if (!(acc - acc === 0)) {
      const e = Math.min(rows, b + BLOCK);
      const g = grouped ? e : b;
      const ahead = b * cols + AHEAD;
      if (ahead < len) early += x[ahead];
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let n = b;
      for (; n + 3 < g; n += 4) {
        const k0 = y[n];
        const k1 = y[n + 1];
        const k2 = y[n + 2];
        const k3 = y[n + 3];
        // An index out of range (or ignored: ignoreIndex is out of range here): the rest of
        // the block goes row by row.
        if (
          !(
            k0 >= 0 &&
            k0 < cols &&
            k1 >= 0 &&
            k1 < cols &&
            k2 >= 0 &&
            k2 < cols &&
            k3 >= 0 &&
            k3 < cols
          )
        ) {
          break;
        }
        const base = n * cols;
        a0 -= x[base + k0];
        a1 -= x[base + cols + k1];
        a2 -= x[base + 2 * cols + k2];
        a3 -= x[base + 3 * cols + k3];
      }
      for (; n < e; n++) {
        const k = y[n];
        if (k === ignoreIndex) {
          ignored++;
          continue;
        }
        if (!(k >= 0 && k < cols)) throw cwTargetError(fn, n, k, cols);
        a0 -= x[n * cols + k];
      }
      acc = a0 + a1 + (a2 + a3);
    }
    const t = s + acc;
    c += Math.abs(s) >= Math.abs(acc) ? s - t + acc : acc - t + s;
    s = t;
  }
  gatherIgnored = ignored;
  gatherSink.value = early;
  return Number.isFinite(s) ? s + c : s;
}

function gatherAny(
  fn: string,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  ignoreIndex: number,
): number {
  let s = 0;
  let c = 0;
  let ignored = 0;
  const grouped = !(ignoreIndex >= 0 && ignoreIndex < cols);
  const len = x.length;
  let early = 0;
  for (let b = 0; b < rows; b += BLOCK) {
    const e = Math.min(rows, b + BLOCK);
    const g = grouped ? e : b;
    const ahead = b * cols + AHEAD;
    if (ahead < len) early += x[ahead];
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let n = b;
    for (; n + 3 < g; n += 4) {
      const k0 = y[n];
      const k1 = y[n + 1];
      const k2 = y[n + 2];
      const k3 = y[n + 3];
      // An index out of range (or ignored: ignoreIndex is out of range here): the rest of
      // the block goes row by row.
      if (
        !(
          k0 >= 0 &&
          k0 < cols &&
          k1 >= 0 &&
          k1 < cols &&
          k2 >= 0 &&
          k2 < cols &&
          k3 >= 0 &&
          k3 < cols
        )
      ) {
        break;
      }
      const base = n * cols;
      a0 -= x[base + k0];
      a1 -= x[base + cols + k1];
      a2 -= x[base + 2 * cols + k2];
      a3 -= x[base + 3 * cols + k3];
    }
    for (; n < e; n++) {
      const k = y[n];
      if (k === ignoreIndex) {
        ignored++;
        continue;
      }
      if (!(k >= 0 && k < cols)) throw cwTargetError(fn, n, k, cols);
      a0 -= x[n * cols + k];
    }
    const acc = a0 + a1 + (a2 + a3);
    const t = s + acc;
    c += Math.abs(s) >= Math.abs(acc) ? s - t + acc : acc - t + s;
    s = t;
  }
  gatherIgnored = ignored;
  gatherSink.value = early;
  return Number.isFinite(s) ? s + c : s;
}

/** Gradient entries zeroed per block in nllLossGrad (32 KB of float64). */
const GRAD_BLOCK = 4096;

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
  // Zeroed and scattered a block of rows at a time (~32 KB of gradient, or one longer row), so
  // the scatter writes lines the fill has just brought into cache instead of making a second
  // pass over the whole gradient.
  const blockRows = Math.max(1, Math.floor(GRAD_BLOCK / cols));
  for (let b = 0; b < rows; b += blockRows) {
    const e = Math.min(rows, b + blockRows);
    gx.fill(0, b * cols, e * cols);
    for (let n = b; n < e; n++) {
      const k = y[n];
      if (k === ignoreIndex) continue;
      const wk = w === undefined ? 1 : w[k];
      gx[n * cols + k] = -wk * (per === null ? scale : scale * per[n]);
    }
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
