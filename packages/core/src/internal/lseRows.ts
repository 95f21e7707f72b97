// Cross-entropy over float32 logits with the row exp-sums in WebAssembly SIMD (lseSimd.wat).
// The JavaScript loops of softmaxRows.ts spend ~4.7 ns a logit on one float64 exp; the SIMD
// kernels do two logits per step in float64 lanes, ~2 ns a logit, plus the copies in and out
// of the module's memory (~0.3 ns a logit in, memcpy speed out).
//  • Wide rows (C ≥ 1024, a language model's vocabulary), the forward: "rows", per row
//    m = max_j x_j and S = Σ_j exp(x_j − m), then lse = m + log S here (one Math.log per row)
//    and the loss term (m − x_y) + log S.
//  • Narrow rows, the forward, and every width, the gradient: "softmax", shifted by the row's
//    first logit as in softmaxRows.ts (no pass for the maximum), with or without the
//    numerators k·exp(x_j − m)/S written out; rows whose shift is not finite, or with a logit
//    outside [x₀ − 700, x₀ + 69], come back flagged and are recomputed by the JavaScript steps
//    (so −∞ logits keep exact 0 gradients). Each lane sums ≤ ⌈C/2⌉ terms in order: relative
//    error of S ≤ (5.4 + ⌈C/2⌉ + 1)·u (the JavaScript loops' sequential sum allows C·u).
//
// Error of one term exp(v), v = x_j − m (both kernels' steps, u = 2⁻⁵³, 1 ulp = 2u near 1):
//  • v itself is x_j − m in float64: exact for float32 inputs whose exponents differ by ≤ 28
//    (else one rounding, ≤ u·|v|, as in every float64 loop of this package);
//  • k = round(v·256/ln2) (to within 0.5 + 3e−11 after the rounding of the product), so
//    |r| ≤ ln2/512·(1 + 1e−10) ≤ 0.0013539. k·LN2HI is exact (LN2HI has 32 significant bits,
//    |k| < 2¹⁸), v − k·LN2HI is exact (Sterbenz, k ≠ 0), the product k·LN2LO (< 2e−7) and the
//    final subtraction round: |r̂ − r| ≤ u·|r| + 2e−7·u ≤ 0.0014u, which is the relative error
//    it causes in exp(r);
//  • exp(r) by its Taylor polynomial of degree 4: remainder ≤ |r|⁵/120·e^|r| ≤ 3.82e−17 = 0.35u
//    relative. Evaluated as (1 + r) + r²·(1/2 + r/6 + r²/24): 1 + r rounds (≤ u), the r² part
//    (< 9.2e−7) carries ≤ 4u relative (< 4e−6·u absolute), the last addition rounds (≤ u):
//    ≤ 2.01u on a value ≥ 0.9986, so ≤ 2.02u relative; the rounded 1/6 and 1/24 add < 1e−9·u;
//  • T[i] = 2^(i/256) from Math.pow: ≤ 1 ulp = 2u relative (lseRows.test.ts checks all 256
//    entries against exact integer arithmetic); 2^⌊k/256⌋ joins it exactly (exponent field);
//  • the product p·scale rounds: ≤ u.
// Total: ≤ 0.35 + 0.0014 + 2.02 + 2 + 1 ≤ 5.4u = 2.7 ulp relative (fastExp's is 3.2 ulp).
// (v ∈ [−700, 69] keeps |k| < 2¹⁸ and the result normal: "rows" clamps v below −700,
// "softmax" flags the row.) In "rows", a term with v < −700 (< 1e−304) becomes ≤ 1.02e−304,
// and S ≥ 1 (the maximum's term is exactly 1: v = 0 gives k = 0, r = 0, T[0] = 1), so the
// change is far below u·S (S gains at most C·1.02e−304).
//
// The sum in "rows": each lane adds ≤ 128 positive terms per block of 256, the blocks are
// added into a row total, the two lanes at the end: relative error of S ≤ (5.4 + 127 +
// ⌈C/256⌉ + 1)·u, e.g. ≤ 259u ≈ 2.9e−14 for C = 32000 (the JavaScript loop's sequential sum
// allows C·u). Then lse = m + log S is off by ≤ that plus the roundings of the log and the
// addition.
//
// Non-finite rows in "rows": the maximum skips NaN (pmax) and S picks it up (NaN − m is NaN,
// and max(NaN, −700) stays NaN); a ±∞ maximum (any +∞ logit, or all −∞) is not finite. Such
// rows — m = ±∞ or S = NaN — are recomputed by softmaxRows.ts's exactLse, which gives
// PyTorch's limits (+∞, −∞, NaN). A −∞ logit in a finite row is just a term 0 (clamped).
//
// Memory: one module instance, compiled on first use and kept (like a lazily built table):
// the 2 KiB table, the results and up to 512 KiB of rows for "rows" (more for a single row
// wider than that, up to LSE_SIMD_MAX_COLS), 16384 logits in and out for "softmax". Each chunk
// stays in L2 between its copy in, the kernel's passes and its copy out.
import { LSE_SIMD_WASM } from './lseSimdBytes.js';
import { exactLse, rowSoftmaxNumerators } from './softmaxRows.js';
import { fillExp2Table, simdKernelWith, type WasmMemory } from './wasmSimd.js';

/** Rows at least this wide take "rows" (a copy per row, −∞ padding); narrower, "softmax". */
export const LSE_SIMD_MIN_COLS = 1024;
/** Rows wider stay in JavaScript (bounds the memory kept: 1 MiB a row, 3 MiB a gradient row). */
export const LSE_SIMD_MAX_COLS = 1 << 18;

/** Byte offsets in the module's memory: the table, the results (16 bytes a row), the rows. */
const TABLE_SIZE = 256;
const OUT = 8 * TABLE_SIZE;
const SLOTS = 64;
const DATA = OUT + 16 * SLOTS;
/** Bytes of rows copied per kernel call (at least one row). */
const CHUNK_BYTES = 1 << 19;

type RowsFn = (p: number, rows: number, stride: number, out: number) => void;
type SoftmaxFn = (
  p: number,
  rows: number,
  cols: number,
  out: number,
  stats: number,
  kScale: number,
  write: number,
) => void;

interface Kernel {
  memory: WasmMemory;
  rows: RowsFn;
  softmax: SoftmaxFn;
}
let kernel: Kernel | null | undefined;

/**
 * The kernel with at least `bytes` of memory (default: the table, the results and one chunk;
 * table filled in), or null where WebAssembly or its SIMD is missing.
 */
function lseKernel(bytes = DATA + CHUNK_BYTES): Kernel | null {
  kernel = simdKernelWith(kernel, LSE_SIMD_WASM, bytes, ({ exports, memory }) => {
    fillExp2Table(new Float64Array(memory.buffer, 0, TABLE_SIZE));
    return {
      memory,
      rows: exports.rows as RowsFn,
      softmax: exports.softmax as SoftmaxFn,
    };
  });
  return kernel;
}

/** Whether this runtime runs the SIMD kernel (Node ≥ 16.4, current browsers). */
export function lseSimdAvailable(): boolean {
  return lseKernel() !== null;
}

/** The kernel's table T[i] = 2^(i/256) (for the tests), or null without the kernel. */
export function lseSimdTable(): Float64Array | null {
  const k = lseKernel();
  return k === null ? null : new Float64Array(k.memory.buffer, 0, TABLE_SIZE).slice();
}

/** The kernel's memory laid out for rows of `cols` logits (see `setup`). */
interface Layout {
  rows: RowsFn;
  /** The memory as float32: the row slots start at DATA / 4, `stride` apart. */
  heap: Float32Array;
  /** The kernel's results: m, S of slot i at 2i, 2i + 1. */
  res: Float64Array;
  stride: number;
  /** Rows per kernel call. */
  slots: number;
}

/**
 * The kernel with memory enough for rows of `cols` logits and the slots' −∞ padding
 * (stride = cols rounded up to a multiple of 4) written, or null without the kernel or when
 * cols is outside [LSE_SIMD_MIN_COLS, LSE_SIMD_MAX_COLS].
 */
function setup(cols: number): Layout | null {
  if (!(cols >= LSE_SIMD_MIN_COLS && cols <= LSE_SIMD_MAX_COLS)) return null;
  const stride = (cols + 3) & ~3;
  const slots = Math.max(1, Math.min(SLOTS, Math.floor(CHUNK_BYTES / (4 * stride))));
  const k = lseKernel(DATA + slots * 4 * stride);
  if (k === null) return null;
  const heap = new Float32Array(k.memory.buffer);
  const d = DATA / 4;
  for (let i = 0; i < slots; i++) {
    heap.fill(Number.NEGATIVE_INFINITY, d + i * stride + cols, d + (i + 1) * stride);
  }
  return {
    rows: k.rows,
    heap,
    res: new Float64Array(k.memory.buffer, OUT, 2 * SLOTS),
    stride,
    slots,
  };
}

/**
 * Unweighted cross-entropy with class-index targets over rows `r0 ≤ n < r1` of the float32
 * logits `x` `[N, cols]`, the contract of softmaxRows.ts's `crossEntropyIndexRows`: `acc[0] +
 * acc[1]` = Σₙ (lseₙ − xₙ,yₙ) as a compensated pair, `acc[2]` = rows whose target is
 * `ignoreIndex` (skipped). Returns false, touching nothing, where the SIMD kernel is missing or
 * cols is outside [LSE_SIMD_MIN_COLS, LSE_SIMD_MAX_COLS].
 */
export function crossEntropyIndexRowsSimd(
  x: Float32Array,
  index: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  ignoreIndex: number,
  acc: Float64Array,
): boolean {
  if (cols < LSE_SIMD_MIN_COLS) return narrowRows(x, index, r0, r1, cols, ignoreIndex, acc);
  const l = setup(cols);
  if (l === null) return false;
  const { heap, res, stride, slots } = l;
  const d = DATA / 4;
  const pending = new Int32Array(slots);
  let s = 0;
  let c = 0;
  let ignored = 0;
  let n = r0;
  while (n < r1) {
    // copy the next rows that are not ignored into the slots
    let count = 0;
    for (; n < r1 && count < slots; n++) {
      if (index[n] === ignoreIndex) {
        ignored++;
        continue;
      }
      const b = n * cols;
      heap.set(x.subarray(b, b + cols), d + count * stride);
      pending[count++] = n;
    }
    if (count === 0) break;
    l.rows(DATA, count, stride, OUT);
    for (let i = 0; i < count; i++) {
      const b = pending[i] * cols;
      const xy = x[b + index[pending[i]]];
      const m = res[2 * i];
      const sum = res[2 * i + 1];
      const v =
        Number.isFinite(m) && Number.isFinite(sum)
          ? m - xy + Math.log(sum)
          : exactLse(x, b, cols) - xy;
      const t = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      s = t;
    }
  }
  acc[0] = s;
  acc[1] = c;
  acc[2] = ignored;
  return true;
}

/** A run of row exp-sums (each < 2¹¹⁰ here) is logged once its product reaches this. */
const RUN_LIMIT = 2 ** 900;

/**
 * {@link crossEntropyIndexRowsSimd} for rows of 2 ≤ cols < LSE_SIMD_MIN_COLS: the "softmax"
 * kernel without its output (write = 0) gives each row's shift mₙ = xₙ,₀ and Sₙ ∈ [1, C·e⁶⁹]
 * (or flags it), and the logs are batched as in softmaxRows.ts's crossEntropyIndexRows:
 * Σₙ log Sₙ = log Πₙ Sₙ, one Math.log per run of rows whose product stays below 2¹⁰¹⁰.
 * Flagged rows add their exact lse − xₙ,yₙ.
 */
function narrowRows(
  x: Float32Array,
  index: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  ignoreIndex: number,
  acc: Float64Array,
): boolean {
  if (cols < 2) return false;
  const per = Math.max(1, Math.floor(GRAD_CHUNK / cols));
  const stats = OUT;
  const input = stats + 16 * per;
  const need = input + 4 * per * cols + 4;
  const kern = lseKernel(need);
  if (kern === null) return false;
  const buf = kern.memory.buffer;
  const inF32 = new Float32Array(buf, input, per * cols);
  const st = new Float64Array(buf, stats, 2 * per);
  let s = 0;
  let c = 0;
  let lp = 0;
  let lc = 0;
  let prod = 1;
  let ignored = 0;
  for (let n0 = r0; n0 < r1; n0 += per) {
    const n1 = Math.min(r1, n0 + per);
    inF32.set(x.subarray(n0 * cols, n1 * cols));
    kern.softmax(input, n1 - n0, cols, 0, stats, 1, 0);
    for (let n = n0; n < n1; n++) {
      const y = index[n];
      if (y === ignoreIndex) {
        ignored++;
        continue;
      }
      const b = n * cols;
      const m = st[2 * (n - n0)];
      const rs = st[2 * (n - n0) + 1];
      let v: number;
      if (Number.isFinite(m) && Number.isFinite(rs)) {
        v = m - x[b + y];
        if (prod >= RUN_LIMIT) {
          const l = Math.log(prod);
          const u = lp + l;
          lc += Math.abs(lp) >= Math.abs(l) ? lp - u + l : l - u + lp;
          lp = u;
          prod = 1;
        }
        prod *= rs;
      } else v = exactLse(x, b, cols) - x[b + y];
      const t = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      s = t;
    }
  }
  const l = Math.log(prod);
  const u = lp + l;
  lc += Math.abs(lp) >= Math.abs(l) ? lp - u + l : l - u + lp;
  lp = u;
  // The two compensated sums, added as one: (s + c) + (lp + lc).
  const t = s + lp;
  c += Math.abs(s) >= Math.abs(lp) ? s - t + lp : lp - t + s;
  acc[0] = t;
  acc[1] = c + lc;
  acc[2] = ignored;
  return true;
}

/**
 * softmaxRows.ts's `rowShiftedSums` contract for float32 rows `r0 ≤ n < r1` through the "rows"
 * kernel (the tests read each row's m and S through it; crossEntropy's general path — weights,
 * label smoothing, 'none', probabilities — still calls `rowShiftedSums`, and could call this): `shift[n − r0]` = mₙ, `sums[n − r0]` = Sₙ with lseₙ = mₙ + log Sₙ, 1 ≤ Sₙ ≤ cols; a
 * non-finite row gets its exact lse as the shift and S = 1. Returns false, touching nothing,
 * where the SIMD kernel is missing or cols is outside [LSE_SIMD_MIN_COLS, LSE_SIMD_MAX_COLS].
 */
export function rowShiftedSumsSimd(
  x: Float32Array,
  r0: number,
  r1: number,
  cols: number,
  shift: Float64Array,
  sums: Float64Array,
): boolean {
  const l = setup(cols);
  if (l === null) return false;
  const { heap, res, stride, slots } = l;
  const d = DATA / 4;
  for (let n0 = r0; n0 < r1; n0 += slots) {
    const n1 = Math.min(r1, n0 + slots);
    for (let n = n0; n < n1; n++)
      heap.set(x.subarray(n * cols, n * cols + cols), d + (n - n0) * stride);
    l.rows(DATA, n1 - n0, stride, OUT);
    for (let n = n0; n < n1; n++) {
      const m = res[2 * (n - n0)];
      const sum = res[2 * (n - n0) + 1];
      if (Number.isFinite(m) && Number.isFinite(sum)) {
        shift[n - r0] = m;
        sums[n - r0] = sum;
      } else {
        shift[n - r0] = exactLse(x, n * cols, cols);
        sums[n - r0] = 1;
      }
    }
  }
  return true;
}

/** Logits per call of the softmax kernel (64 KiB in, 128 KiB out: both stay in L2). */
const GRAD_CHUNK = 1 << 14;

/**
 * The gradient of unweighted cross-entropy with class-index targets over float32 logits `x`
 * `[rows, cols]`, every row scaled by `k`: `gx[n·cols + j] = k·(softmax(xₙ)ⱼ − [j = yₙ])`, 0 for
 * rows whose target is `ignoreIndex`, as crossEntropyGrad's JavaScript loop computes it. Rows
 * the kernel flags (non-finite, or a logit more than 700 below the row's maximum) are
 * recomputed by that loop's steps. Returns false, touching nothing, where the SIMD kernel is
 * missing or cols is outside [2, LSE_SIMD_MAX_COLS].
 */
export function crossEntropyGradIndexRowsSimd(
  x: Float32Array,
  index: ArrayLike<number>,
  rows: number,
  cols: number,
  ignoreIndex: number,
  k: number,
  gx: Float64Array,
): boolean {
  if (!(cols >= 2 && cols <= LSE_SIMD_MAX_COLS)) return false;
  const per = Math.max(1, Math.floor(GRAD_CHUNK / cols)); // rows per call
  const stats = OUT;
  const input = stats + 16 * per;
  const output = input + ((4 * per * cols + 4 + 15) & ~15); // 4 readable bytes past the rows
  const need = output + 8 * per * cols;
  const kern = lseKernel(need);
  if (kern === null) return false;
  const buf = kern.memory.buffer;
  const inF32 = new Float32Array(buf, input, per * cols);
  const outF64 = new Float64Array(buf, output, per * cols);
  const st = new Float64Array(buf, stats, 2 * per);
  const one = new Float64Array(1);
  for (let n0 = 0; n0 < rows; n0 += per) {
    const n1 = Math.min(rows, n0 + per);
    const len = (n1 - n0) * cols;
    inF32.set(x.subarray(n0 * cols, n0 * cols + len));
    kern.softmax(input, n1 - n0, cols, output, stats, k, 1);
    gx.set(len === outF64.length ? outF64 : outF64.subarray(0, len), n0 * cols);
    for (let n = n0; n < n1; n++) {
      const b = n * cols;
      const y = index[n];
      if (y === ignoreIndex) {
        gx.fill(0, b, b + cols);
        continue;
      }
      const i = n - n0;
      if (!(Number.isFinite(st[2 * i]) && Number.isFinite(st[2 * i + 1]))) {
        rowSoftmaxNumerators(x, n, n + 1, cols, gx, one);
        const f = k / one[0];
        for (let j = 0; j < cols; j++) gx[b + j] *= f;
      }
      gx[b + y] -= k;
    }
  }
  return true;
}
