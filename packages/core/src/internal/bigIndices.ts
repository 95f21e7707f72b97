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

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The numbers Number(data[i]): an Int32Array when all fit in int32, else a Float64Array. */
export function bigIndicesToNumbers(
  data: BigInt64Array | BigUint64Array,
): Int32Array | Float64Array {
  const n = data.length;
  if (!littleEndian) return Float64Array.from(data, Number);
  const words = new Int32Array(data.buffer, data.byteOffset, 2 * n);
  const signed = data instanceof BigInt64Array;
  const small = new Int32Array(n);
  // OR over all elements of hi XOR lo's sign extension (BigUint64: hi OR lo's sign bit spread):
  // 0 iff every value fits in int32
  let wide = 0;
  if (signed) {
    for (let i = 0; i < n; i++) {
      const lo = words[2 * i];
      wide |= words[2 * i + 1] ^ (lo >> 31);
      small[i] = lo;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const lo = words[2 * i];
      wide |= words[2 * i + 1] | (lo >> 31);
      small[i] = lo;
    }
  }
  if (wide === 0) return small;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const hi = signed ? words[2 * i + 1] : words[2 * i + 1] >>> 0;
    out[i] = hi * 4294967296 + (words[2 * i] >>> 0);
  }
  return out;
}
