import { floatArg, integerOption, optionsArg, vectorOption } from './internal/args.js';
import { bigIndicesToNumbers, bigWords } from './internal/bigIndices.js';
import { indexedRows } from './internal/classification.js';
import { cwRows, cwTargetError } from './internal/cwRows.js';
import {
  GATHER_BLOCK_SHIFT,
  SPAN_ROWS,
  spanBigLabels,
  spanDens,
  spanLabels,
  spannable,
  spanSums,
  spanSumsF32,
  spanSumsF64,
  spanSumsWordsF32,
  spanSumsWordsF64,
  spanWeightedF32,
  spanWeightedF64,
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
  // (int64 targets are kept as they are: gatherBig reads them range by range)
  const { x, rows, cols, y: yn, big } = cwRows(fn, input, target, true);
  const w = vectorOption(fn, 'weight', o.weight, cols, 'the class count C');
  const out = reduction === 'none' ? outputBuffer(fn, o.out, rows) : null;
  if (w === undefined && out === null) {
    let sum = big === null ? undefined : gatherBig(fn, x, big, rows, cols, ignoreIndex);
    if (sum === undefined) {
      sum = gather(fn, x, big === null ? yn : bigIndicesToNumbers(big), rows, cols, ignoreIndex);
    }
    const ignored = gatherIgnored;
    return finish(reduction, null, sum, rows - ignored, rows, rows, ignored);
  }
  const y = big === null ? yn : bigIndicesToNumbers(big);
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
// ignored rows (left in weightedDen and weightedIgnored); with `out` ('none') each row's value
// vₙ is written too (0 for an ignored row). As the gathers above, in blocks of 64 rows: four rows
// a step into four accumulators (when ignoreIndex is outside [0, C); a group with another index
// finishes its block row by row), and inputs of SPAN_ROWS rows or more take their blocks from
// spanWeighted* (internal/gatherSpans.ts: four streams, which also write the rows' values); the
// block sums Neumaier-compensated: |Ŝ − S| ≤ 2u·|S| + 64u·Σ|vₙ| (the gathers' bound), and the
// denominator summed plainly, within blocks and then over them (for weights ≥ 0 its error is at
// most (63 + ⌈N/64⌉)·u·Σw). [1M, 10] float32, plain node, medians of 21 in each of 5 processes:
// weighted mean 6.2–6.7 ms → 4.1–4.4, 'none' with `out` 9.3–10.0 → 4.6–5.2 (PyTorch 1.13, one
// thread, the same hour: 4.9–5.1 and 5.8–6.0). One copy per scores type (Float32Array / Float64Array / other; plain-array scores
// take no spans): the row loop used to sit inside nllLoss, shared by every case, and once both
// weights and 'none' had run in a process it took 21 ms over [1M, 10] float32 where the first
// calls took 7.7–9.6 ms. Keep the copies identical.

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
  const grouped = !(ignoreIndex >= 0 && ignoreIndex < cols);
  const direct = y instanceof Int32Array;
  const spans = grouped && (direct || spannable(y));
  let spanStart = 0;
  let spanEnd = 0;
  for (let b = 0; b < rows; b += BLOCK) {
    if (spans && b >= spanEnd && rows - b >= SPAN_ROWS) {
      if (direct) spanWeightedF32(x, y as Int32Array, 0, w, out, b, cols);
      else spanWeightedF32(x, spanLabels(y, b), b, w, out, b, cols);
      spanStart = b;
      spanEnd = b + SPAN_ROWS;
    }
    // The span's sums of this block, else NaN; a block without them (past the spans, or flagged
    // by the span, or not finite) is summed here.
    const at = (b - spanStart) >> BLOCK_SHIFT;
    let acc = b < spanEnd ? spanSums[at] : Number.NaN;
    let dacc = 0;
    if (acc - acc === 0) {
      dacc = spanDens[at];
    } else {
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
        const v0 = -w0 * x[base + k0];
        const v1 = -w1 * x[base + cols + k1];
        const v2 = -w2 * x[base + 2 * cols + k2];
        const v3 = -w3 * x[base + 3 * cols + k3];
        if (out !== null) {
          out[n] = v0;
          out[n + 1] = v1;
          out[n + 2] = v2;
          out[n + 3] = v3;
        }
        a0 += v0;
        a1 += v1;
        a2 += v2;
        a3 += v3;
        d0 += w0 + w1;
        d1 += w2 + w3;
      }
      for (; n < e; n++) {
        const k = y[n];
        if (k === ignoreIndex) {
          ignored++;
          if (out !== null) out[n] = 0;
          continue;
        }
        if (!(k >= 0 && k < cols)) throw cwTargetError(fn, n, k, cols);
        const wk = w[k];
        const v = -wk * x[n * cols + k];
        if (out !== null) out[n] = v;
        a0 += v;
        d0 += wk;
      }
      acc = a0 + a1 + (a2 + a3);
      dacc = d0 + d1;
    }
    const t = s + acc;
    c += Math.abs(s) >= Math.abs(acc) ? s - t + acc : acc - t + s;
    s = t;
    den += dacc;
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
  const grouped = !(ignoreIndex >= 0 && ignoreIndex < cols);
  const direct = y instanceof Int32Array;
  const spans = grouped && (direct || spannable(y));
  let spanStart = 0;
  let spanEnd = 0;
  for (let b = 0; b < rows; b += BLOCK) {
    if (spans && b >= spanEnd && rows - b >= SPAN_ROWS) {
      if (direct) spanWeightedF64(x, y as Int32Array, 0, w, out, b, cols);
      else spanWeightedF64(x, spanLabels(y, b), b, w, out, b, cols);
      spanStart = b;
      spanEnd = b + SPAN_ROWS;
    }
    // The span's sums of this block, else NaN; a block without them (past the spans, or flagged
    // by the span, or not finite) is summed here.
    const at = (b - spanStart) >> BLOCK_SHIFT;
    let acc = b < spanEnd ? spanSums[at] : Number.NaN;
    let dacc = 0;
    if (acc - acc === 0) {
      dacc = spanDens[at];
    } else {
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
        const v0 = -w0 * x[base + k0];
        const v1 = -w1 * x[base + cols + k1];
        const v2 = -w2 * x[base + 2 * cols + k2];
        const v3 = -w3 * x[base + 3 * cols + k3];
        if (out !== null) {
          out[n] = v0;
          out[n + 1] = v1;
          out[n + 2] = v2;
          out[n + 3] = v3;
        }
        a0 += v0;
        a1 += v1;
        a2 += v2;
        a3 += v3;
        d0 += w0 + w1;
        d1 += w2 + w3;
      }
      for (; n < e; n++) {
        const k = y[n];
        if (k === ignoreIndex) {
          ignored++;
          if (out !== null) out[n] = 0;
          continue;
        }
        if (!(k >= 0 && k < cols)) throw cwTargetError(fn, n, k, cols);
        const wk = w[k];
        const v = -wk * x[n * cols + k];
        if (out !== null) out[n] = v;
        a0 += v;
        d0 += wk;
      }
      acc = a0 + a1 + (a2 + a3);
      dacc = d0 + d1;
    }
    const t = s + acc;
    c += Math.abs(s) >= Math.abs(acc) ? s - t + acc : acc - t + s;
    s = t;
    den += dacc;
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
  const grouped = !(ignoreIndex >= 0 && ignoreIndex < cols);
  // plain-array scores take no spans (internal/gatherSpans.ts reads typed scores): every block
  // is summed here
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
      const v0 = -w0 * x[base + k0];
      const v1 = -w1 * x[base + cols + k1];
      const v2 = -w2 * x[base + 2 * cols + k2];
      const v3 = -w3 * x[base + 3 * cols + k3];
      if (out !== null) {
        out[n] = v0;
        out[n + 1] = v1;
        out[n + 2] = v2;
        out[n + 3] = v3;
      }
      a0 += v0;
      a1 += v1;
      a2 += v2;
      a3 += v3;
      d0 += w0 + w1;
      d1 += w2 + w3;
    }
    for (; n < e; n++) {
      const k = y[n];
      if (k === ignoreIndex) {
        ignored++;
        if (out !== null) out[n] = 0;
        continue;
      }
      if (!(k >= 0 && k < cols)) throw cwTargetError(fn, n, k, cols);
      const wk = w[k];
      const v = -wk * x[n * cols + k];
      if (out !== null) out[n] = v;
      a0 += v;
      d0 += wk;
    }
    const acc = a0 + a1 + (a2 + a3);
    const dacc = d0 + d1;
    const t = s + acc;
    c += Math.abs(s) >= Math.abs(acc) ? s - t + acc : acc - t + s;
    s = t;
    den += dacc;
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
/**
 * The running Neumaier sum [s, compensation c] that gatherF32I32/gatherF64I32 add rows [r0, r1)
 * to: they carry it from one range to the next, so summing a target range by range (gatherBig)
 * adds exactly what one call over all rows adds, in the same order. A Float64Array rather than
 * two module variables, whose values the optimized loop cannot assume to be numbers: over
 * [1M, 10] float32 with Int32Array labels (8 separate processes each, medians) the two-variable
 * form took 2.70–2.76 ms, this one 2.48–2.87, the code before ranges 2.24–2.88; single runs
 * spread wider than these differences.
 */
const gatherSC = new Float64Array(2);

/** Starts a range-by-range gather (gatherF32I32 / gatherF64I32). */
function gatherStart(): void {
  gatherSC[0] = 0;
  gatherSC[1] = 0;
  gatherIgnored = 0;
}

/** The sum of the range-by-range gather (the compensation dropped when it is not finite). */
function gatherTotal(): number {
  const s = gatherSC[0];
  return Number.isFinite(s) ? s + gatherSC[1] : s;
}

/** Σₙ −xₙ,yₙ over all rows, through the copy for the scores' and labels' types. */
function gather(
  fn: string,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  ignoreIndex: number,
): number {
  if (x instanceof Float32Array) {
    if (!(y instanceof Int32Array)) return gatherF32(fn, x, y, rows, cols, ignoreIndex);
    gatherStart();
    gatherF32I32(fn, x, y, 0, 0, rows, cols, ignoreIndex, -1);
    return gatherTotal();
  }
  if (x instanceof Float64Array) {
    if (!(y instanceof Int32Array)) return gatherF64(fn, x, y, rows, cols, ignoreIndex);
    gatherStart();
    gatherF64I32(fn, x, y, 0, 0, rows, cols, ignoreIndex, -1);
    return gatherTotal();
  }
  return gatherAny(fn, x, y, rows, cols, ignoreIndex);
}

/**
 * The gather over int64 class indices (BigInt64Array / BigUint64Array), read in place, SPAN_ROWS
 * rows at a time. A full span (ignoreIndex outside [0, C)) takes its block sums from
 * spanSumsWords*, which reads the labels' 64-bit words in the scores' four streams; only a span
 * with a flagged or non-finite block has its labels converted (spanBigLabels: one buffer of
 * SPAN_ROWS int32, 64 KB), and so do the rows past the last span. gatherF32I32/F64I32 then add
 * the range as they add an Int32Array target: the same blocks, sums and order, so the result, the
 * ignored count and a reported bad index are those of the same labels as an Int32Array, bit for
 * bit. Returns undefined when a label to convert does not fit in int32 (never a class index; it
 * may be ignoreIndex, or an error to report), for plain-array scores, or on a big-endian
 * platform: the caller then converts the whole target and takes the general path.
 * Converting the whole target first (bigIndicesToNumbers) cost more than the conversion itself:
 * [1M, 10] float32, 7.3–7.9 ms against 2.1–2.7 for the same labels as an Int32Array, the
 * conversion alone 1.9–2.0 (plain node, medians of 21): its one sequential stream is slow here.
 */
function gatherBig(
  fn: string,
  x: ArrayLike<number>,
  big: BigInt64Array | BigUint64Array,
  rows: number,
  cols: number,
  ignoreIndex: number,
): number | undefined {
  const words = bigWords(big);
  if (words === null || !(x instanceof Float32Array || x instanceof Float64Array)) return undefined;
  const grouped = !(ignoreIndex >= 0 && ignoreIndex < cols);
  gatherStart();
  for (let r0 = 0; r0 < rows; r0 += SPAN_ROWS) {
    const r1 = Math.min(rows, r0 + SPAN_ROWS);
    let ready = -1;
    let y: Int32Array | null = null;
    if (grouped && r1 - r0 === SPAN_ROWS) {
      if (x instanceof Float32Array) spanSumsWordsF32(x, words, r0, cols);
      else spanSumsWordsF64(x, words, r0, cols);
      ready = r0;
      // every block summed: the loop reads no label
      if (allFinite(spanSums)) y = NO_LABELS;
    }
    if (y === null) {
      y = spanBigLabels(big, r0, r1 - r0);
      if (y === null) return undefined;
    }
    if (x instanceof Float32Array) gatherF32I32(fn, x, y, r0, r0, r1, cols, ignoreIndex, ready);
    else gatherF64I32(fn, x, y, r0, r0, r1, cols, ignoreIndex, ready);
  }
  return gatherTotal();
}

const NO_LABELS = new Int32Array(0);

function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!(a[i] - a[i] === 0)) return false;
  return true;
}
// Reading ahead: at each block the loop also loads the score AHEAD elements further on (≥ 8 KB
// ahead: two 4 KB pages for float32) and keeps it in `gatherSink` (so the load is not dropped).
// The hardware prefetchers follow the stream only within a 4 KB page; this load starts each new
// page's first miss early. On the 1M×10 gather (memory-bound: every cache line of the scores is
// touched) it saved ~15% (2.26 → 1.93 ms).
const AHEAD = 2048;
const gatherSink = { value: 0 };

// gatherF32I32 / gatherF64I32: rows [r0, r1) (r0 a multiple of BLOCK), the index of row n at
// y[n − y0], added to gatherSC and gatherIgnored. `ready`: the first row of a span whose sums are
// already in spanSums (gatherBig), else −1.
function gatherF32I32(
  fn: string,
  x: Float32Array,
  y: Int32Array,
  y0: number,
  r0: number,
  r1: number,
  cols: number,
  ignoreIndex: number,
  ready: number,
): void {
  let s = gatherSC[0];
  let c = gatherSC[1];
  let ignored = gatherIgnored;
  const grouped = !(ignoreIndex >= 0 && ignoreIndex < cols);
  const len = x.length;
  let early = 0;
  let spanStart = 0;
  let spanEnd = 0;
  for (let b = r0; b < r1; b += BLOCK) {
    if (grouped && b >= spanEnd && r1 - b >= SPAN_ROWS) {
      if (b !== ready) spanSumsF32(x, y, y0, b, cols);
      spanStart = b;
      spanEnd = b + SPAN_ROWS;
    }
    // The span's sum of this block, else NaN; a block without one (past the spans, or flagged
    // by the span, or not finite) is summed here.
    let acc = b < spanEnd ? spanSums[(b - spanStart) >> BLOCK_SHIFT] : Number.NaN;
    if (!(acc - acc === 0)) {
      const e = Math.min(r1, b + BLOCK);
      const g = grouped ? e : b;
      const ahead = b * cols + AHEAD;
      if (ahead < len) early += x[ahead];
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let n = b;
      let m = b - y0;
      for (; n + 3 < g; n += 4, m += 4) {
        const k0 = y[m];
        const k1 = y[m + 1];
        const k2 = y[m + 2];
        const k3 = y[m + 3];
        // An index out of range (or ignored: ignoreIndex is out of range here): the rest of
        // the block goes row by row.
        if ((k0 | k1 | k2 | k3) < 0 || k0 >= cols || k1 >= cols || k2 >= cols || k3 >= cols) break;
        const base = n * cols;
        a0 -= x[base + k0];
        a1 -= x[base + cols + k1];
        a2 -= x[base + 2 * cols + k2];
        a3 -= x[base + 3 * cols + k3];
      }
      for (; n < e; n++, m++) {
        const k = y[m];
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
  gatherSC[0] = s;
  gatherSC[1] = c;
  gatherIgnored = ignored;
  gatherSink.value = early;
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
  y0: number,
  r0: number,
  r1: number,
  cols: number,
  ignoreIndex: number,
  ready: number,
): void {
  let s = gatherSC[0];
  let c = gatherSC[1];
  let ignored = gatherIgnored;
  const grouped = !(ignoreIndex >= 0 && ignoreIndex < cols);
  const len = x.length;
  let early = 0;
  let spanStart = 0;
  let spanEnd = 0;
  for (let b = r0; b < r1; b += BLOCK) {
    if (grouped && b >= spanEnd && r1 - b >= SPAN_ROWS) {
      if (b !== ready) spanSumsF64(x, y, y0, b, cols);
      spanStart = b;
      spanEnd = b + SPAN_ROWS;
    }
    // The span's sum of this block, else NaN; a block without one (past the spans, or flagged
    // by the span, or not finite) is summed here.
    let acc = b < spanEnd ? spanSums[(b - spanStart) >> BLOCK_SHIFT] : Number.NaN;
    if (!(acc - acc === 0)) {
      const e = Math.min(r1, b + BLOCK);
      const g = grouped ? e : b;
      const ahead = b * cols + AHEAD;
      if (ahead < len) early += x[ahead];
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let n = b;
      let m = b - y0;
      for (; n + 3 < g; n += 4, m += 4) {
        const k0 = y[m];
        const k1 = y[m + 1];
        const k2 = y[m + 2];
        const k3 = y[m + 3];
        // An index out of range (or ignored: ignoreIndex is out of range here): the rest of
        // the block goes row by row.
        if ((k0 | k1 | k2 | k3) < 0 || k0 >= cols || k1 >= cols || k2 >= cols || k3 >= cols) break;
        const base = n * cols;
        a0 -= x[base + k0];
        a1 -= x[base + cols + k1];
        a2 -= x[base + 2 * cols + k2];
        a3 -= x[base + 3 * cols + k3];
      }
      for (; n < e; n++, m++) {
        const k = y[m];
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
  gatherSC[0] = s;
  gatherSC[1] = c;
  gatherIgnored = ignored;
  gatherSink.value = early;
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
