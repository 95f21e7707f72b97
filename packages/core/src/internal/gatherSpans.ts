// The gather of nllLoss.ts (Σₙ −xₙ,yₙ over an [N, C] input) over spans of SPAN_ROWS rows, as four
// streams: the block sums its loop would compute, computed four blocks at a time.
//
// Why four streams. On an input larger than the caches the gather is bound by how many of its
// cache-line misses are in flight, not by bandwidth: one float per 40-byte row (C = 10), at an
// offset the index picks, is a stream the hardware prefetchers follow only partly. Plain node on
// the 2-core Xeon of BENCHMARKS.md, 1M×10 float32, medians of 21 (BENCHMARKS.md, "nllLoss: four
// streams"): this loop alone 4.8–7.6 ms; a loop touching one float per cache line of the same 40 MB
// 1.5–2.2 ms; the same gather with the index forced to 0 (a fixed stride) 1.8–3.3 ms; and the
// gather of four streams at once, rows a span's quarter apart, 2.4–3.3 ms. So inputs of at least
// SPAN_ROWS rows (and ignoreIndex outside [0, C), the grouped case) go through spans of SPAN_ROWS
// rows: spanSumsF32/F64 add the span's blocks, four at a time from its four quarters, each block
// exactly as the loop adds it, into `spanSums`; the loop then takes each block's sum from there, in
// order, and sums a block itself where the span flagged it (an index out of range or ignored) or
// the sum is not finite. So the result, the ignored count and the reported bad index are the
// loop's, bit for bit.
// Labels of other integer types than Int32Array are read per span into `spanLabelBuf` (spanLabels,
// and spanBigLabels for int64 targets); float-typed and plain-array labels take the loop alone.
// spanSumsWordsF32/F64 read int64 labels in place instead (their 32-bit words), and
// spanWeightedF32/F64 serve nllLoss's weighted and 'none' paths (weights, row values, and the
// weight sums), through the same four streams.

import { bigIndicesInto } from './bigIndices.js';

/** log₂ of the rows per block (nllLoss.ts's BLOCK). */
export const GATHER_BLOCK_SHIFT = 6;
const BLOCK = 1 << GATHER_BLOCK_SHIFT;
/** Blocks per stream in a span. */
const SPAN_K = 64;
const SPAN_BLOCKS = 4 * SPAN_K;
/** Rows per span: inputs with fewer rows take the loop alone. */
export const SPAN_ROWS = SPAN_BLOCKS * BLOCK;
/** The block sums of the last span (NaN: flagged). */
export const spanSums = new Float64Array(SPAN_BLOCKS);
/** The block weight sums (Σ w[yₙ]) of the last spanWeighted* call. */
export const spanDens = new Float64Array(SPAN_BLOCKS);
const spanLabelBuf = new Int32Array(SPAN_ROWS);

/**
 * Whether indices `y` (not an Int32Array) take spans: integer typed arrays, read per span by
 * {@link spanLabels}. Float typed arrays and plain arrays keep the loop alone (converting them
 * value by value, checked, cost more than the spans save).
 */
export function spannable(y: ArrayLike<number>): boolean {
  return ArrayBuffer.isView(y) && !(y instanceof Float64Array) && !(y instanceof Float32Array);
}

/**
 * Rows [r0, r0 + SPAN_ROWS) of indices `y`, an integer typed array ({@link spannable}), as
 * int32 for spanSums*, by one set(): exact for 8- and 16-bit types; a Uint32 value ≥ 2³¹ wraps
 * to a negative one, still out of range.
 */
export function spanLabels(y: ArrayLike<number>, r0: number): Int32Array {
  spanLabelBuf.set((y as Uint32Array).subarray(r0, r0 + SPAN_ROWS));
  return spanLabelBuf;
}

/**
 * Labels [r0, r0 + len) (len ≤ SPAN_ROWS) of an int64 target as int32, in the buffer spanLabels
 * uses (valid until the next spanLabels or spanBigLabels call); null when some label does not fit
 * in int32 (see bigIndicesInto).
 */
export function spanBigLabels(
  y: BigInt64Array | BigUint64Array,
  r0: number,
  len: number,
): Int32Array | null {
  return bigIndicesInto(y, r0, len, spanLabelBuf) ? spanLabelBuf : null;
}

/**
 * The sums of the SPAN_BLOCKS blocks of rows [r0, r0 + SPAN_ROWS) into `spanSums`, each added
 * as the gather* copies add a block (row 4j + i into aᵢ, then (a₀ + a₁) + (a₂ + a₃)), through
 * four streams SPAN_K blocks apart. The index of row n is y[n − y0]. Where a step meets an index
 * outside [0, cols), its four blocks get NaN (the caller sums them itself, skipping ignored rows
 * and reporting the bad index at its row).
 */
export function spanSumsF32(
  x: Float32Array,
  y: Int32Array,
  y0: number,
  r0: number,
  cols: number,
): void {
  const sums = spanSums;
  const rowsApart = SPAN_K * BLOCK;
  const apart = rowsApart * cols;
  for (let j = 0; j < SPAN_K; j++) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    let c3 = 0;
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    let n = r0 + j * BLOCK;
    let m = n - y0;
    const e = n + BLOCK;
    for (; n < e; n += 4, m += 4) {
      const k0 = y[m];
      const k1 = y[m + 1];
      const k2 = y[m + 2];
      const k3 = y[m + 3];
      const l0 = y[m + rowsApart];
      const l1 = y[m + rowsApart + 1];
      const l2 = y[m + rowsApart + 2];
      const l3 = y[m + rowsApart + 3];
      const o0 = y[m + 2 * rowsApart];
      const o1 = y[m + 2 * rowsApart + 1];
      const o2 = y[m + 2 * rowsApart + 2];
      const o3 = y[m + 2 * rowsApart + 3];
      const p0 = y[m + 3 * rowsApart];
      const p1 = y[m + 3 * rowsApart + 1];
      const p2 = y[m + 3 * rowsApart + 2];
      const p3 = y[m + 3 * rowsApart + 3];
      if (
        (k0 | k1 | k2 | k3 | l0 | l1 | l2 | l3 | o0 | o1 | o2 | o3 | p0 | p1 | p2 | p3) < 0 ||
        k0 >= cols ||
        k1 >= cols ||
        k2 >= cols ||
        k3 >= cols ||
        l0 >= cols ||
        l1 >= cols ||
        l2 >= cols ||
        l3 >= cols ||
        o0 >= cols ||
        o1 >= cols ||
        o2 >= cols ||
        o3 >= cols ||
        p0 >= cols ||
        p1 >= cols ||
        p2 >= cols ||
        p3 >= cols
      ) {
        break;
      }
      const base = n * cols;
      a0 -= x[base + k0];
      a1 -= x[base + cols + k1];
      a2 -= x[base + 2 * cols + k2];
      a3 -= x[base + 3 * cols + k3];
      const base1 = base + apart;
      b0 -= x[base1 + l0];
      b1 -= x[base1 + cols + l1];
      b2 -= x[base1 + 2 * cols + l2];
      b3 -= x[base1 + 3 * cols + l3];
      const base2 = base1 + apart;
      c0 -= x[base2 + o0];
      c1 -= x[base2 + cols + o1];
      c2 -= x[base2 + 2 * cols + o2];
      c3 -= x[base2 + 3 * cols + o3];
      const base3 = base2 + apart;
      d0 -= x[base3 + p0];
      d1 -= x[base3 + cols + p1];
      d2 -= x[base3 + 2 * cols + p2];
      d3 -= x[base3 + 3 * cols + p3];
    }
    const ok = n === e;
    sums[j] = ok ? a0 + a1 + (a2 + a3) : Number.NaN;
    sums[j + SPAN_K] = ok ? b0 + b1 + (b2 + b3) : Number.NaN;
    sums[j + 2 * SPAN_K] = ok ? c0 + c1 + (c2 + c3) : Number.NaN;
    sums[j + 3 * SPAN_K] = ok ? d0 + d1 + (d2 + d3) : Number.NaN;
  }
}

/**
 * The sums of the SPAN_BLOCKS blocks of rows [r0, r0 + SPAN_ROWS) into `spanSums`, each added
 * as the gather* copies add a block (row 4j + i into aᵢ, then (a₀ + a₁) + (a₂ + a₃)), through
 * four streams SPAN_K blocks apart. The index of row n is y[n − y0]. Where a step meets an index
 * outside [0, cols), its four blocks get NaN (the caller sums them itself, skipping ignored rows
 * and reporting the bad index at its row).
 */
export function spanSumsF64(
  x: Float64Array,
  y: Int32Array,
  y0: number,
  r0: number,
  cols: number,
): void {
  const sums = spanSums;
  const rowsApart = SPAN_K * BLOCK;
  const apart = rowsApart * cols;
  for (let j = 0; j < SPAN_K; j++) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    let c3 = 0;
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    let n = r0 + j * BLOCK;
    let m = n - y0;
    const e = n + BLOCK;
    for (; n < e; n += 4, m += 4) {
      const k0 = y[m];
      const k1 = y[m + 1];
      const k2 = y[m + 2];
      const k3 = y[m + 3];
      const l0 = y[m + rowsApart];
      const l1 = y[m + rowsApart + 1];
      const l2 = y[m + rowsApart + 2];
      const l3 = y[m + rowsApart + 3];
      const o0 = y[m + 2 * rowsApart];
      const o1 = y[m + 2 * rowsApart + 1];
      const o2 = y[m + 2 * rowsApart + 2];
      const o3 = y[m + 2 * rowsApart + 3];
      const p0 = y[m + 3 * rowsApart];
      const p1 = y[m + 3 * rowsApart + 1];
      const p2 = y[m + 3 * rowsApart + 2];
      const p3 = y[m + 3 * rowsApart + 3];
      if (
        (k0 | k1 | k2 | k3 | l0 | l1 | l2 | l3 | o0 | o1 | o2 | o3 | p0 | p1 | p2 | p3) < 0 ||
        k0 >= cols ||
        k1 >= cols ||
        k2 >= cols ||
        k3 >= cols ||
        l0 >= cols ||
        l1 >= cols ||
        l2 >= cols ||
        l3 >= cols ||
        o0 >= cols ||
        o1 >= cols ||
        o2 >= cols ||
        o3 >= cols ||
        p0 >= cols ||
        p1 >= cols ||
        p2 >= cols ||
        p3 >= cols
      ) {
        break;
      }
      const base = n * cols;
      a0 -= x[base + k0];
      a1 -= x[base + cols + k1];
      a2 -= x[base + 2 * cols + k2];
      a3 -= x[base + 3 * cols + k3];
      const base1 = base + apart;
      b0 -= x[base1 + l0];
      b1 -= x[base1 + cols + l1];
      b2 -= x[base1 + 2 * cols + l2];
      b3 -= x[base1 + 3 * cols + l3];
      const base2 = base1 + apart;
      c0 -= x[base2 + o0];
      c1 -= x[base2 + cols + o1];
      c2 -= x[base2 + 2 * cols + o2];
      c3 -= x[base2 + 3 * cols + o3];
      const base3 = base2 + apart;
      d0 -= x[base3 + p0];
      d1 -= x[base3 + cols + p1];
      d2 -= x[base3 + 2 * cols + p2];
      d3 -= x[base3 + 3 * cols + p3];
    }
    const ok = n === e;
    sums[j] = ok ? a0 + a1 + (a2 + a3) : Number.NaN;
    sums[j + SPAN_K] = ok ? b0 + b1 + (b2 + b3) : Number.NaN;
    sums[j + 2 * SPAN_K] = ok ? c0 + c1 + (c2 + c3) : Number.NaN;
    sums[j + 3 * SPAN_K] = ok ? d0 + d1 + (d2 + d3) : Number.NaN;
  }
}

/**
 * spanSumsF32/F64 for an int64 target read in place: `w` holds its 64-bit words as int32 pairs
 * (low word first), the index of row n at w[2n] and its high word at w[2n + 1]. A block is
 * flagged (NaN) where a step meets an index outside [0, cols) or a high word other than 0 (an
 * index beyond int32, or negative). The labels ride the same four streams as the scores; a
 * sequential pass of its own is slow here: converting 4M int64 labels 16,384 at a time took
 * 14.4–14.9 ms through one stream (6.3 through four), and nllLoss over [4M, 10] float32 took
 * 31–33 ms converting first, 18.4–19.6 reading in place (16–17 with Int32Array labels; PyTorch
 * 21 on its int64 labels), plain node, medians of 21.
 */
export function spanSumsWordsF32(x: Float32Array, w: Int32Array, r0: number, cols: number): void {
  const sums = spanSums;
  const rowsApart = SPAN_K * BLOCK;
  const wordsApart = 2 * rowsApart;
  const apart = rowsApart * cols;
  for (let j = 0; j < SPAN_K; j++) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    let c3 = 0;
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    let n = r0 + j * BLOCK;
    let m = 2 * n;
    const e = n + BLOCK;
    for (; n < e; n += 4, m += 8) {
      const k0 = w[m];
      const k1 = w[m + 2];
      const k2 = w[m + 4];
      const k3 = w[m + 6];
      const l0 = w[m + wordsApart];
      const l1 = w[m + wordsApart + 2];
      const l2 = w[m + wordsApart + 4];
      const l3 = w[m + wordsApart + 6];
      const o0 = w[m + 2 * wordsApart];
      const o1 = w[m + 2 * wordsApart + 2];
      const o2 = w[m + 2 * wordsApart + 4];
      const o3 = w[m + 2 * wordsApart + 6];
      const p0 = w[m + 3 * wordsApart];
      const p1 = w[m + 3 * wordsApart + 2];
      const p2 = w[m + 3 * wordsApart + 4];
      const p3 = w[m + 3 * wordsApart + 6];
      // the high words: 0 for every index in [0, 2³¹) (BigInt64 and BigUint64 alike)
      const hi =
        w[m + 1] |
        w[m + 3] |
        w[m + 5] |
        w[m + 7] |
        w[m + wordsApart + 1] |
        w[m + wordsApart + 3] |
        w[m + wordsApart + 5] |
        w[m + wordsApart + 7] |
        w[m + 2 * wordsApart + 1] |
        w[m + 2 * wordsApart + 3] |
        w[m + 2 * wordsApart + 5] |
        w[m + 2 * wordsApart + 7] |
        w[m + 3 * wordsApart + 1] |
        w[m + 3 * wordsApart + 3] |
        w[m + 3 * wordsApart + 5] |
        w[m + 3 * wordsApart + 7];
      if (
        (k0 | k1 | k2 | k3 | l0 | l1 | l2 | l3 | o0 | o1 | o2 | o3 | p0 | p1 | p2 | p3) < 0 ||
        hi !== 0 ||
        k0 >= cols ||
        k1 >= cols ||
        k2 >= cols ||
        k3 >= cols ||
        l0 >= cols ||
        l1 >= cols ||
        l2 >= cols ||
        l3 >= cols ||
        o0 >= cols ||
        o1 >= cols ||
        o2 >= cols ||
        o3 >= cols ||
        p0 >= cols ||
        p1 >= cols ||
        p2 >= cols ||
        p3 >= cols
      ) {
        break;
      }
      const base = n * cols;
      a0 -= x[base + k0];
      a1 -= x[base + cols + k1];
      a2 -= x[base + 2 * cols + k2];
      a3 -= x[base + 3 * cols + k3];
      const base1 = base + apart;
      b0 -= x[base1 + l0];
      b1 -= x[base1 + cols + l1];
      b2 -= x[base1 + 2 * cols + l2];
      b3 -= x[base1 + 3 * cols + l3];
      const base2 = base1 + apart;
      c0 -= x[base2 + o0];
      c1 -= x[base2 + cols + o1];
      c2 -= x[base2 + 2 * cols + o2];
      c3 -= x[base2 + 3 * cols + o3];
      const base3 = base2 + apart;
      d0 -= x[base3 + p0];
      d1 -= x[base3 + cols + p1];
      d2 -= x[base3 + 2 * cols + p2];
      d3 -= x[base3 + 3 * cols + p3];
    }
    const ok = n === e;
    sums[j] = ok ? a0 + a1 + (a2 + a3) : Number.NaN;
    sums[j + SPAN_K] = ok ? b0 + b1 + (b2 + b3) : Number.NaN;
    sums[j + 2 * SPAN_K] = ok ? c0 + c1 + (c2 + c3) : Number.NaN;
    sums[j + 3 * SPAN_K] = ok ? d0 + d1 + (d2 + d3) : Number.NaN;
  }
}

/**
 * spanSumsF32/F64 for an int64 target read in place: `w` holds its 64-bit words as int32 pairs
 * (low word first), the index of row n at w[2n] and its high word at w[2n + 1]. A block is
 * flagged (NaN) where a step meets an index outside [0, cols) or a high word other than 0 (an
 * index beyond int32, or negative). The labels ride the same four streams as the scores; a
 * sequential pass of its own is slow here: converting 4M int64 labels 16,384 at a time took
 * 14.4–14.9 ms through one stream (6.3 through four), and nllLoss over [4M, 10] float32 took
 * 31–33 ms converting first, 18.4–19.6 reading in place (16–17 with Int32Array labels; PyTorch
 * 21 on its int64 labels), plain node, medians of 21.
 */
export function spanSumsWordsF64(x: Float64Array, w: Int32Array, r0: number, cols: number): void {
  const sums = spanSums;
  const rowsApart = SPAN_K * BLOCK;
  const wordsApart = 2 * rowsApart;
  const apart = rowsApart * cols;
  for (let j = 0; j < SPAN_K; j++) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    let c3 = 0;
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    let n = r0 + j * BLOCK;
    let m = 2 * n;
    const e = n + BLOCK;
    for (; n < e; n += 4, m += 8) {
      const k0 = w[m];
      const k1 = w[m + 2];
      const k2 = w[m + 4];
      const k3 = w[m + 6];
      const l0 = w[m + wordsApart];
      const l1 = w[m + wordsApart + 2];
      const l2 = w[m + wordsApart + 4];
      const l3 = w[m + wordsApart + 6];
      const o0 = w[m + 2 * wordsApart];
      const o1 = w[m + 2 * wordsApart + 2];
      const o2 = w[m + 2 * wordsApart + 4];
      const o3 = w[m + 2 * wordsApart + 6];
      const p0 = w[m + 3 * wordsApart];
      const p1 = w[m + 3 * wordsApart + 2];
      const p2 = w[m + 3 * wordsApart + 4];
      const p3 = w[m + 3 * wordsApart + 6];
      // the high words: 0 for every index in [0, 2³¹) (BigInt64 and BigUint64 alike)
      const hi =
        w[m + 1] |
        w[m + 3] |
        w[m + 5] |
        w[m + 7] |
        w[m + wordsApart + 1] |
        w[m + wordsApart + 3] |
        w[m + wordsApart + 5] |
        w[m + wordsApart + 7] |
        w[m + 2 * wordsApart + 1] |
        w[m + 2 * wordsApart + 3] |
        w[m + 2 * wordsApart + 5] |
        w[m + 2 * wordsApart + 7] |
        w[m + 3 * wordsApart + 1] |
        w[m + 3 * wordsApart + 3] |
        w[m + 3 * wordsApart + 5] |
        w[m + 3 * wordsApart + 7];
      if (
        (k0 | k1 | k2 | k3 | l0 | l1 | l2 | l3 | o0 | o1 | o2 | o3 | p0 | p1 | p2 | p3) < 0 ||
        hi !== 0 ||
        k0 >= cols ||
        k1 >= cols ||
        k2 >= cols ||
        k3 >= cols ||
        l0 >= cols ||
        l1 >= cols ||
        l2 >= cols ||
        l3 >= cols ||
        o0 >= cols ||
        o1 >= cols ||
        o2 >= cols ||
        o3 >= cols ||
        p0 >= cols ||
        p1 >= cols ||
        p2 >= cols ||
        p3 >= cols
      ) {
        break;
      }
      const base = n * cols;
      a0 -= x[base + k0];
      a1 -= x[base + cols + k1];
      a2 -= x[base + 2 * cols + k2];
      a3 -= x[base + 3 * cols + k3];
      const base1 = base + apart;
      b0 -= x[base1 + l0];
      b1 -= x[base1 + cols + l1];
      b2 -= x[base1 + 2 * cols + l2];
      b3 -= x[base1 + 3 * cols + l3];
      const base2 = base1 + apart;
      c0 -= x[base2 + o0];
      c1 -= x[base2 + cols + o1];
      c2 -= x[base2 + 2 * cols + o2];
      c3 -= x[base2 + 3 * cols + o3];
      const base3 = base2 + apart;
      d0 -= x[base3 + p0];
      d1 -= x[base3 + cols + p1];
      d2 -= x[base3 + 2 * cols + p2];
      d3 -= x[base3 + 3 * cols + p3];
    }
    const ok = n === e;
    sums[j] = ok ? a0 + a1 + (a2 + a3) : Number.NaN;
    sums[j + SPAN_K] = ok ? b0 + b1 + (b2 + b3) : Number.NaN;
    sums[j + 2 * SPAN_K] = ok ? c0 + c1 + (c2 + c3) : Number.NaN;
    sums[j + 3 * SPAN_K] = ok ? d0 + d1 + (d2 + d3) : Number.NaN;
  }
}

/**
 * nllLoss's weighted and 'none' paths over a span, through four streams as spanSumsF32/F64: for
 * rows [r0, r0 + SPAN_ROWS), vₙ = −w[yₙ]·xₙ,yₙ written to out[n] (when `out` is not null), each
 * block's Σ vₙ into `spanSums` and Σ w[yₙ] into `spanDens`. The index of row n is y[n − y0].
 * Each block is added two rows a step, in row order ((v₀ + v₁), then (v₂ + v₃), …), so its sum is
 * a plain sum of its 64 values: error ≤ 63u·Σ|vₙ|, as the block loop's four accumulators. A step
 * that meets an index outside [0, cols) flags its four blocks (NaN in spanSums): the caller sums
 * them, and writes their rows, itself.
 */
export function spanWeightedF32(
  x: Float32Array,
  y: Int32Array,
  y0: number,
  w: Float64Array,
  out: Float64Array | null,
  r0: number,
  cols: number,
): void {
  const sums = spanSums;
  const dens = spanDens;
  const rowsApart = SPAN_K * BLOCK;
  const apart = rowsApart * cols;
  for (let j = 0; j < SPAN_K; j++) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let e0 = 0;
    let e1 = 0;
    let e2 = 0;
    let e3 = 0;
    let n = r0 + j * BLOCK;
    let m = n - y0;
    const e = n + BLOCK;
    for (; n < e; n += 2, m += 2) {
      const k0 = y[m];
      const k1 = y[m + 1];
      const l0 = y[m + rowsApart];
      const l1 = y[m + rowsApart + 1];
      const o0 = y[m + 2 * rowsApart];
      const o1 = y[m + 2 * rowsApart + 1];
      const p0 = y[m + 3 * rowsApart];
      const p1 = y[m + 3 * rowsApart + 1];
      if (
        (k0 | k1 | l0 | l1 | o0 | o1 | p0 | p1) < 0 ||
        k0 >= cols ||
        k1 >= cols ||
        l0 >= cols ||
        l1 >= cols ||
        o0 >= cols ||
        o1 >= cols ||
        p0 >= cols ||
        p1 >= cols
      ) {
        break;
      }
      const wk0 = w[k0];
      const wk1 = w[k1];
      const wl0 = w[l0];
      const wl1 = w[l1];
      const wo0 = w[o0];
      const wo1 = w[o1];
      const wp0 = w[p0];
      const wp1 = w[p1];
      const base = n * cols;
      const vk0 = -wk0 * x[base + k0];
      const vk1 = -wk1 * x[base + cols + k1];
      const base1 = base + apart;
      const vl0 = -wl0 * x[base1 + l0];
      const vl1 = -wl1 * x[base1 + cols + l1];
      const base2 = base1 + apart;
      const vo0 = -wo0 * x[base2 + o0];
      const vo1 = -wo1 * x[base2 + cols + o1];
      const base3 = base2 + apart;
      const vp0 = -wp0 * x[base3 + p0];
      const vp1 = -wp1 * x[base3 + cols + p1];
      if (out !== null) {
        out[n] = vk0;
        out[n + 1] = vk1;
        out[n + rowsApart] = vl0;
        out[n + rowsApart + 1] = vl1;
        out[n + 2 * rowsApart] = vo0;
        out[n + 2 * rowsApart + 1] = vo1;
        out[n + 3 * rowsApart] = vp0;
        out[n + 3 * rowsApart + 1] = vp1;
      }
      a0 += vk0 + vk1;
      a1 += vl0 + vl1;
      a2 += vo0 + vo1;
      a3 += vp0 + vp1;
      e0 += wk0 + wk1;
      e1 += wl0 + wl1;
      e2 += wo0 + wo1;
      e3 += wp0 + wp1;
    }
    const ok = n === e;
    sums[j] = ok ? a0 : Number.NaN;
    sums[j + SPAN_K] = ok ? a1 : Number.NaN;
    sums[j + 2 * SPAN_K] = ok ? a2 : Number.NaN;
    sums[j + 3 * SPAN_K] = ok ? a3 : Number.NaN;
    dens[j] = e0;
    dens[j + SPAN_K] = e1;
    dens[j + 2 * SPAN_K] = e2;
    dens[j + 3 * SPAN_K] = e3;
  }
}

/**
 * nllLoss's weighted and 'none' paths over a span, through four streams as spanSumsF32/F64: for
 * rows [r0, r0 + SPAN_ROWS), vₙ = −w[yₙ]·xₙ,yₙ written to out[n] (when `out` is not null), each
 * block's Σ vₙ into `spanSums` and Σ w[yₙ] into `spanDens`. The index of row n is y[n − y0].
 * Each block is added two rows a step, in row order ((v₀ + v₁), then (v₂ + v₃), …), so its sum is
 * a plain sum of its 64 values: error ≤ 63u·Σ|vₙ|, as the block loop's four accumulators. A step
 * that meets an index outside [0, cols) flags its four blocks (NaN in spanSums): the caller sums
 * them, and writes their rows, itself.
 */
export function spanWeightedF64(
  x: Float64Array,
  y: Int32Array,
  y0: number,
  w: Float64Array,
  out: Float64Array | null,
  r0: number,
  cols: number,
): void {
  const sums = spanSums;
  const dens = spanDens;
  const rowsApart = SPAN_K * BLOCK;
  const apart = rowsApart * cols;
  for (let j = 0; j < SPAN_K; j++) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let e0 = 0;
    let e1 = 0;
    let e2 = 0;
    let e3 = 0;
    let n = r0 + j * BLOCK;
    let m = n - y0;
    const e = n + BLOCK;
    for (; n < e; n += 2, m += 2) {
      const k0 = y[m];
      const k1 = y[m + 1];
      const l0 = y[m + rowsApart];
      const l1 = y[m + rowsApart + 1];
      const o0 = y[m + 2 * rowsApart];
      const o1 = y[m + 2 * rowsApart + 1];
      const p0 = y[m + 3 * rowsApart];
      const p1 = y[m + 3 * rowsApart + 1];
      if (
        (k0 | k1 | l0 | l1 | o0 | o1 | p0 | p1) < 0 ||
        k0 >= cols ||
        k1 >= cols ||
        l0 >= cols ||
        l1 >= cols ||
        o0 >= cols ||
        o1 >= cols ||
        p0 >= cols ||
        p1 >= cols
      ) {
        break;
      }
      const wk0 = w[k0];
      const wk1 = w[k1];
      const wl0 = w[l0];
      const wl1 = w[l1];
      const wo0 = w[o0];
      const wo1 = w[o1];
      const wp0 = w[p0];
      const wp1 = w[p1];
      const base = n * cols;
      const vk0 = -wk0 * x[base + k0];
      const vk1 = -wk1 * x[base + cols + k1];
      const base1 = base + apart;
      const vl0 = -wl0 * x[base1 + l0];
      const vl1 = -wl1 * x[base1 + cols + l1];
      const base2 = base1 + apart;
      const vo0 = -wo0 * x[base2 + o0];
      const vo1 = -wo1 * x[base2 + cols + o1];
      const base3 = base2 + apart;
      const vp0 = -wp0 * x[base3 + p0];
      const vp1 = -wp1 * x[base3 + cols + p1];
      if (out !== null) {
        out[n] = vk0;
        out[n + 1] = vk1;
        out[n + rowsApart] = vl0;
        out[n + rowsApart + 1] = vl1;
        out[n + 2 * rowsApart] = vo0;
        out[n + 2 * rowsApart + 1] = vo1;
        out[n + 3 * rowsApart] = vp0;
        out[n + 3 * rowsApart + 1] = vp1;
      }
      a0 += vk0 + vk1;
      a1 += vl0 + vl1;
      a2 += vo0 + vo1;
      a3 += vp0 + vp1;
      e0 += wk0 + wk1;
      e1 += wl0 + wl1;
      e2 += wo0 + wo1;
      e3 += wp0 + wp1;
    }
    const ok = n === e;
    sums[j] = ok ? a0 : Number.NaN;
    sums[j + SPAN_K] = ok ? a1 : Number.NaN;
    sums[j + 2 * SPAN_K] = ok ? a2 : Number.NaN;
    sums[j + 3 * SPAN_K] = ok ? a3 : Number.NaN;
    dens[j] = e0;
    dens[j + SPAN_K] = e1;
    dens[j + 2 * SPAN_K] = e2;
    dens[j + 3 * SPAN_K] = e3;
  }
}
