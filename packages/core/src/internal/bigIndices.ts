// BigInt64Array / BigUint64Array class indices (PyTorch's int64 labels, Arrow's Int64 columns) as
// numbers. Reading an element of a BigInt array makes a BigInt, and Number() of each costs ~17 ns
// (1M labels: 17–26 ms in plain node here, several times the nllLoss they feed). Instead the
// 64-bit words are read as two int32 halves through an Int32Array over the same bytes (low word
// first: little-endian platforms; elsewhere Number() per element):
//  • When every value fits in int32 (hi is lo's sign extension: hi = lo >> 31 for BigInt64,
//    hi = 0 and lo ≥ 0 for BigUint64), the result is an Int32Array of the low words: the same
//    numbers, and the kernels' Int32Array loops take them. Class indices and ignoreIndex values
//    always fit; only out-of-range labels (an error for every kernel) do not.
//  • Otherwise a Float64Array of v = hi·2³² + lo (lo as unsigned; hi signed for BigInt64,
//    unsigned for BigUint64): hi·2³² and lo are exact, and their sum rounds once to nearest, ties
//    to even, the rounding Number(bigint) applies to the exact value: Number(data[i]) bit for bit,
//    beyond 2⁵³ too.
//
// The Int32Array is a view into one buffer that later conversions reuse (up to LABEL_SCRATCH_MAX
// labels; longer inputs get a fresh array). A fresh array costs a page fault per 4 KiB on its
// first write: with 1M int64 labels, nllLoss over [1M, 10] float32 took 8.0–8.7 ms with a fresh
// array per call and 7.3–7.4 reusing one, against 1.9–2.3 with Int32Array labels (plain node,
// medians of 21). nllLoss's unweighted mean and sum now read the words in place instead
// (gatherBig in nllLoss.ts, bigWords and bigIndicesInto here). This is safe because of how core
// uses it: bigIndicesToNumbers is called by indexArg and, for the targets indexArg kept as they
// were, by nllLoss; each kernel call converts one target (once) and uses it only until it
// returns, no kernel calls another kernel, and nothing returns or keeps the converted labels. A
// caller that needs two converted targets at once must copy the first.

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The 64-bit words of `data` as int32 pairs, low word first (a view of the same bytes), or null
 * on a big-endian platform.
 */
export function bigWords(data: BigInt64Array | BigUint64Array): Int32Array | null {
  return littleEndian ? new Int32Array(data.buffer, data.byteOffset, 2 * data.length) : null;
}

/** Labels converted into the reused buffer at most (16 MiB); longer inputs get a fresh one. */
export const LABEL_SCRATCH_MAX = 1 << 22;
let scratch = new Int32Array(0);

/** An Int32Array of length n: a view into the reused buffer, or a fresh one past the cap. */
function int32Labels(n: number): Int32Array {
  if (n > LABEL_SCRATCH_MAX) return new Int32Array(n);
  if (scratch.length < n) {
    // room to the next power of two (capped), so that slowly growing batches do not reallocate
    scratch = new Int32Array(Math.min(LABEL_SCRATCH_MAX, 2 ** Math.ceil(Math.log2(n))));
  }
  return scratch.subarray(0, n);
}

/**
 * The numbers Number(data[i]): an Int32Array when all fit in int32 (valid until the next call:
 * see above), else a Float64Array.
 */
export function bigIndicesToNumbers(
  data: BigInt64Array | BigUint64Array,
): Int32Array | Float64Array {
  const n = data.length;
  const words = bigWords(data);
  if (words === null) return Float64Array.from(data, Number);
  const small = int32Labels(n);
  if (bigIndicesInto(data, 0, n, small)) return small;
  return wideNumbers(words, n, data instanceof BigInt64Array, new Float64Array(n));
}

/**
 * The numbers Number(data[i]) as a Float64Array of its own, in one pass over the words when
 * every value fits in int32 (the labels of marginRanking, hingeEmbedding and the other ±1 or 0/1
 * targets, which their loops read as floats): 10M int64 labels took 87 ms through
 * bigIndicesToNumbers and a Float64Array copy of its result, ~17 ns a label through Number().
 */
export function bigIndicesToFloat64(data: BigInt64Array | BigUint64Array): Float64Array {
  const n = data.length;
  const words = bigWords(data);
  if (words === null) return Float64Array.from(data, Number);
  const signed = data instanceof BigInt64Array;
  const out = new Float64Array(n);
  // as in bigIndicesToNumbers: 0 iff every value fits in int32, and then out[i] = lo exactly
  let wide = 0;
  if (signed) {
    for (let i = 0; i < n; i++) {
      const lo = words[2 * i];
      wide |= words[2 * i + 1] ^ (lo >> 31);
      out[i] = lo;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const lo = words[2 * i];
      wide |= words[2 * i + 1] | (lo >> 31);
      out[i] = lo;
    }
  }
  return wide === 0 ? out : wideNumbers(words, n, signed, out);
}

/** out[i] = hi·2³² + lo (lo unsigned; hi signed for BigInt64): Number() of each word pair. */
function wideNumbers(words: Int32Array, n: number, signed: boolean, out: Float64Array) {
  for (let i = 0; i < n; i++) {
    const hi = signed ? words[2 * i + 1] : words[2 * i + 1] >>> 0;
    out[i] = hi * 4294967296 + (words[2 * i] >>> 0);
  }
  return out;
}

/**
 * Labels [start, start + len) of `data` into `into` as int32 when each fits in int32 (then
 * into[i] = Number(data[start + i])); false, with `into` partly written, when some label does not
 * (or on a big-endian platform). One pass over the words, as bigIndicesToNumbers.
 */
export function bigIndicesInto(
  data: BigInt64Array | BigUint64Array,
  start: number,
  len: number,
  into: Int32Array,
): boolean {
  if (!littleEndian) return false;
  const words = new Int32Array(data.buffer, data.byteOffset + 8 * start, 2 * len);
  let wide = 0;
  if (data instanceof BigInt64Array) {
    for (let i = 0; i < len; i++) {
      const lo = words[2 * i];
      wide |= words[2 * i + 1] ^ (lo >> 31);
      into[i] = lo;
    }
  } else {
    for (let i = 0; i < len; i++) {
      const lo = words[2 * i];
      wide |= words[2 * i + 1] | (lo >> 31);
      into[i] = lo;
    }
  }
  return wide === 0;
}
