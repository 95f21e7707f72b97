// Reading a chunk's cache lines before TypedArray.set() copies it into a kernel's memory.
//
// The WebAssembly kernels (hfSums.ts, hgClamp.ts, bwSigmoid.ts, …) copy each chunk of their
// float32 inputs into the module's memory with one set() per array, then work in cache. On this
// project's Intel Xeon runner the copies were the larger part of the time for inputs beyond the
// caches: libc's memcpy (which set() calls) keeps few of its reads in flight, and 80 MB of mse's
// inputs took ~10 ms to copy in chunks, where a JavaScript loop that reads one float per 64-byte
// line of the same arrays took ~5.5 ms (plain node, 10M float32 pairs, same process). Its loads
// are independent of each other, so the core keeps many misses in flight; after it the copy
// reads from L1/L2. Touching first, then copying: ~7.5 ms where the copies alone took ~9–10
// (BENCHMARKS.md, "Touching the lines first").
//
// The touch changes no value: the kernels read what they read before. Reads land at i0, i0 + 16,
// … (one float32 per 64 bytes from wherever i0 falls in its line) and at i1 − 1, so every line
// holding an element of [i0, i1) is read once: consecutive reads are 64 bytes apart, and the
// elements after the last of them span fewer than 64 bytes, so at most one more line, the one
// i1 − 1 lies in.

/** float32 elements per 64-byte cache line. */
const LINE = 16;

/**
 * The least footprint (bytes a call reads and writes in all) for which the touch pays. Below it
 * the data may sit in the last-level cache, where the copies stream well without help and the
 * touch only adds its loads (~5 µs per 65,536 pairs in cache: mse 34 → 40 µs). Measured on the
 * Intel runner, repeated calls on the same arrays, before → after touching: mse (8 bytes an
 * element) 2M 1.60 → 1.72 ms, 4M 4.37 → 4.58, 6M 7.26 → 7.23, 8M 10.7 → 10.1, 10M 13.8 → 11.9;
 * huberGrad (16 bytes an element with its float64 output) 2M 2.77 → 3.01 ms, 4M 10.4 → 9.7,
 * 8M 21.1 → 18.4. The crossover lies near 48 MiB for both, about this machine's last-level
 * cache; other machines will differ, and the loss below it is small (≤ 13%) next to the gain
 * above (10–20%).
 */
export const TOUCH_MIN_BYTES = 48 * 2 ** 20;

/**
 * Elements of x and of y per kernel call for calls that touch (footprint ≥ TOUCH_MIN_BYTES):
 * 16 KiB of each, so that the touched lines are still in L1 when set() copies them and the
 * copies still are when the kernel reads them (48 KiB of L1 data cache per core on the Intel
 * runner). Measured there, plain node, 10M float32 pairs, chunks of 16,384 → 4,096 elements,
 * medians of 21 alternating: mse 11.6 → 11.1 ms, l1 12.1 → 11.4, huberGrad 21.8 → 21.1,
 * smoothL1Grad 22.9 → 22.4; 2,048 gained no more, 8,192 little. Calls in cache keep their
 * larger chunks: there the smaller ones cost 2–4% (more set() and kernel calls per element:
 * huberGrad over 1M pairs 1.21 → 1.26 ms). A multiple of every block size (1024) and of 4.
 */
export const TOUCHED_CHUNK = 4096;

/**
 * The chunk (elements per kernel call) for a call whose footprint (bytes read and written in
 * all) is `footprint`: {@link TOUCHED_CHUNK} where the call touches, `chunk` otherwise.
 */
export function pairChunk(chunk: number, footprint: number): number {
  return footprint >= TOUCH_MIN_BYTES ? Math.min(chunk, TOUCHED_CHUNK) : chunk;
}

/**
 * What the last touch read, summed. Kept in a module variable so that the compiler cannot drop
 * the loads as unused.
 */
let touched = 0;

/**
 * Reads one element of a and of b per 64-byte line of [i0, i1) (i1 ≤ both lengths), so that the
 * lines are in cache when they are copied next; nothing when the call's `footprint` (bytes read
 * and written in all) is below {@link TOUCH_MIN_BYTES}. Returns the sum of what it read (for the
 * test; callers ignore it).
 */
export function touchLines(
  a: Float32Array,
  b: Float32Array,
  i0: number,
  i1: number,
  footprint: number,
): number {
  if (i1 <= i0 || footprint < TOUCH_MIN_BYTES) return 0;
  let s = a[i1 - 1] + b[i1 - 1];
  for (let i = i0; i < i1; i += LINE) s += a[i] + b[i];
  touched = s;
  return touched;
}

/**
 * Copies x[i0, i1) into xs and y[i0, i1) into ys (each from its element 0): the chunk copy of
 * the kernels over float32 pairs, after {@link touchLines} has read the chunk's lines (when the
 * call's `footprint`, bytes read and written in all, reaches {@link TOUCH_MIN_BYTES}).
 */
export function copyPairIn(
  x: Float32Array,
  y: Float32Array,
  i0: number,
  i1: number,
  xs: Float32Array,
  ys: Float32Array,
  footprint: number,
): void {
  touchLines(x, y, i0, i1, footprint);
  xs.set(x.subarray(i0, i1));
  ys.set(y.subarray(i0, i1));
}
