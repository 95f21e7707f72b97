// The hot loops of the softmax kernels, specialised by array type. One function body that sees
// Float32Array, Float64Array and number[] makes V8's element access polymorphic (and slow) in
// every kernel sharing it; three textually identical bodies each stay monomorphic. Keep the three
// copies of each loop identical.
import {
  EXP_P,
  EXP_T,
  fastExp,
  LN2_HI_64,
  LN2_LO_64,
  LOG2E_64,
  OFFSET,
  P_ZERO,
} from './fastExp.js';

// The shift. log Σⱼ exp(xⱼ) = m + log Σⱼ exp(xⱼ − m) for any m; the usual m = maxⱼ xⱼ costs a
// pass of dependent compares (a third of the kernel's time at C = 10). These loops shift by the
// row's first logit instead, m = x₀, so the term j = 0 is exp(0) = 1 and Σ ≥ 1: nothing underflows
// to log 0. What can go wrong is the other end, a logit far above x₀: a term overflows, or Σ gets
// large and log Σ loses absolute precision (its rounding is ~u·log Σ). Both are caught by one
// test, Σ < 2¹⁰⁰ (so log Σ < 70 and |error| ≲ 70u, the size of the rounding of m + log Σ itself).
//
// The exp. Each term is fastExp's computation (fastExp.ts: same steps, same 3.2-ulp bound)
// inlined without its range test, which costs ~40% of the loop. Instead the row is checked once,
// after the loop, for what an argument v = xⱼ − m outside [−745.2, 709] (or NaN) does:
//  • |v| < 2.3e7 but out of range: the table index i = ⌊k/64⌋ + 2048 leaves [1, 3123]; indices
//    in [0, 4096) still read the right limit (EXP_P holds +∞ below 1024 and 0 above 3122), and
//    `bad |= i` has a bit outside 0…4095 set as soon as one index leaves [0, 4096);
//  • |v| ≥ 2.3e7: `| 0` wraps k, so k is off by a multiple of 2³² and |r| > 4e7, while a valid r
//    has |r| < 0.0055: Σr² < 1e6 fails (valid rows have Σr² < cols·3e−5);
//  • NaN or ±∞ (in the row or as x₀): r or the product is NaN, or Σ is ∞: Σr² < 1e6 or
//    Σ < 2¹⁰⁰ fails.
// A row that fails is recomputed by the classic max-shifted loop (with the checked fastExp),
// which also gives the non-finite semantics: a +∞ logit gives lse = +∞, an all-(−∞) row −∞, a
// NaN anywhere NaN. softmaxRows.test.ts sweeps v over the whole range through these loops.
const SHIFT_LIMIT = 2 ** 100;

/** Classic max-shifted log-sum-exp of one row (the rare fallback; also lseRows.ts's). */
export function exactLse(x: ArrayLike<number>, b: number, cols: number): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < cols; j++) {
    const v = x[b + j];
    if (v > m) m = v;
  }
  if (m === Number.POSITIVE_INFINITY || m === Number.NEGATIVE_INFINITY) m = 0;
  let s = 0;
  for (let j = 0; j < cols; j++) s += fastExp(x[b + j] - m);
  return m + Math.log(s);
}

/** Max-shifted softmax numerators of one row into `e`, returning their sum (the rare fallback). */
function exactNumerators(x: ArrayLike<number>, b: number, cols: number, e: Float64Array): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < cols; j++) {
    const v = x[b + j];
    if (v > m) m = v;
  }
  if (m === Number.POSITIVE_INFINITY || m === Number.NEGATIVE_INFINITY) m = 0;
  let s = 0;
  for (let j = 0; j < cols; j++) {
    const v = fastExp(x[b + j] - m);
    e[b + j] = v;
    s += v;
  }
  return s;
}

/**
 * Shifted exp-sums of rows `r0 ≤ n < r1` of a row-major `[N, cols]` matrix: for each row,
 * `shift[n − r0]` = m and `sums[n − r0]` = Σⱼ exp(xₙⱼ − m), so lseₙ = m + log Σ (one log per row,
 * which callers may batch: Σₙ log Σₙ = log Πₙ Σₙ). 1 ≤ Σ < 2¹⁰⁰. A fallback row has m = its
 * exact lse and Σ = 1; a +∞ logit gives lse = +∞, an all-(−∞) row −∞, a NaN anywhere NaN.
 */
export function rowShiftedSums(
  x: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  shift: Float64Array,
  sums: Float64Array,
): void {
  if (x instanceof Float32Array) sumsF32(x, r0, r1, cols, shift, sums);
  else if (x instanceof Float64Array) sumsF64(x, r0, r1, cols, shift, sums);
  else sumsAny(x, r0, r1, cols, shift, sums);
}

function sumsF32(
  x: Float32Array,
  r0: number,
  r1: number,
  cols: number,
  shift: Float64Array,
  sums: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = EXP_T;
  const P = EXP_P;
  const hi = LN2_HI_64;
  const lo = LN2_LO_64;
  const l2e = LOG2E_64;
  const off = OFFSET;
  const zero = P_ZERO;
  for (let n = r0; n < r1; n++) {
    const b = n * cols;
    const m = x[b];
    let s = 0;
    let sr = 0;
    let bad = 0;
    for (let j = 0; j < cols; j++) {
      const v = x[b + j] - m;
      const kk = (off + 0.5 - v * l2e) | 0;
      const k = kk - off;
      const r = v + k * hi + k * lo;
      const r2 = r * r;
      const i = (k >> 6) + zero;
      bad |= i;
      sr += r2;
      s +=
        (1 + r + r2 * (1 / 2 + r * (1 / 6) + r2 * (1 / 24 + r * (1 / 120)))) *
        T[kk & 63] *
        P[i & 4095];
    }
    if ((bad & -4096) === 0 && sr < 1e6 && s < SHIFT_LIMIT) {
      shift[n - r0] = m;
      sums[n - r0] = s;
    } else {
      shift[n - r0] = exactLse(x, b, cols);
      sums[n - r0] = 1;
    }
  }
}

function sumsF64(
  x: Float64Array,
  r0: number,
  r1: number,
  cols: number,
  shift: Float64Array,
  sums: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = EXP_T;
  const P = EXP_P;
  const hi = LN2_HI_64;
  const lo = LN2_LO_64;
  const l2e = LOG2E_64;
  const off = OFFSET;
  const zero = P_ZERO;
  for (let n = r0; n < r1; n++) {
    const b = n * cols;
    const m = x[b];
    let s = 0;
    let sr = 0;
    let bad = 0;
    for (let j = 0; j < cols; j++) {
      const v = x[b + j] - m;
      const kk = (off + 0.5 - v * l2e) | 0;
      const k = kk - off;
      const r = v + k * hi + k * lo;
      const r2 = r * r;
      const i = (k >> 6) + zero;
      bad |= i;
      sr += r2;
      s +=
        (1 + r + r2 * (1 / 2 + r * (1 / 6) + r2 * (1 / 24 + r * (1 / 120)))) *
        T[kk & 63] *
        P[i & 4095];
    }
    if ((bad & -4096) === 0 && sr < 1e6 && s < SHIFT_LIMIT) {
      shift[n - r0] = m;
      sums[n - r0] = s;
    } else {
      shift[n - r0] = exactLse(x, b, cols);
      sums[n - r0] = 1;
    }
  }
}

function sumsAny(
  x: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  shift: Float64Array,
  sums: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = EXP_T;
  const P = EXP_P;
  const hi = LN2_HI_64;
  const lo = LN2_LO_64;
  const l2e = LOG2E_64;
  const off = OFFSET;
  const zero = P_ZERO;
  for (let n = r0; n < r1; n++) {
    const b = n * cols;
    const m = x[b];
    let s = 0;
    let sr = 0;
    let bad = 0;
    for (let j = 0; j < cols; j++) {
      const v = x[b + j] - m;
      const kk = (off + 0.5 - v * l2e) | 0;
      const k = kk - off;
      const r = v + k * hi + k * lo;
      const r2 = r * r;
      const i = (k >> 6) + zero;
      bad |= i;
      sr += r2;
      s +=
        (1 + r + r2 * (1 / 2 + r * (1 / 6) + r2 * (1 / 24 + r * (1 / 120)))) *
        T[kk & 63] *
        P[i & 4095];
    }
    if ((bad & -4096) === 0 && sr < 1e6 && s < SHIFT_LIMIT) {
      shift[n - r0] = m;
      sums[n - r0] = s;
    } else {
      shift[n - r0] = exactLse(x, b, cols);
      sums[n - r0] = 1;
    }
  }
}

/**
 * Softmax numerators of rows `r0 ≤ n < r1`: `e[n·cols + j] = exp(xₙⱼ − mₙ)` (shifted as
 * described above) and `sums[n − r0] = Σⱼ eₙⱼ`, so softmax(xₙ)ⱼ = eₙⱼ / sumₙ with one exp per
 * logit. In the fallback (m = max, or 0 for a ±∞ maximum) eₙⱼ / sumₙ equals exp(xₙⱼ − lseₙ) in
 * every non-finite case too (a +∞ logit: NaN there, 0 elsewhere; all −∞: NaN; NaN: NaN).
 */
export function rowSoftmaxNumerators(
  x: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  e: Float64Array,
  sums: Float64Array,
): void {
  if (x instanceof Float32Array) numF32(x, r0, r1, cols, e, sums);
  else if (x instanceof Float64Array) numF64(x, r0, r1, cols, e, sums);
  else numAny(x, r0, r1, cols, e, sums);
}

function numF32(
  x: Float32Array,
  r0: number,
  r1: number,
  cols: number,
  e: Float64Array,
  sums: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = EXP_T;
  const P = EXP_P;
  const hi = LN2_HI_64;
  const lo = LN2_LO_64;
  const l2e = LOG2E_64;
  const off = OFFSET;
  const zero = P_ZERO;
  for (let n = r0; n < r1; n++) {
    const b = n * cols;
    const m = x[b];
    let s = 0;
    let sr = 0;
    let bad = 0;
    for (let j = 0; j < cols; j++) {
      const v = x[b + j] - m;
      const kk = (off + 0.5 - v * l2e) | 0;
      const k = kk - off;
      const r = v + k * hi + k * lo;
      const r2 = r * r;
      const i = (k >> 6) + zero;
      bad |= i;
      sr += r2;
      const ej =
        (1 + r + r2 * (1 / 2 + r * (1 / 6) + r2 * (1 / 24 + r * (1 / 120)))) *
        T[kk & 63] *
        P[i & 4095];
      e[b + j] = ej;
      s += ej;
    }
    sums[n - r0] =
      (bad & -4096) === 0 && sr < 1e6 && s < SHIFT_LIMIT ? s : exactNumerators(x, b, cols, e);
  }
}

function numF64(
  x: Float64Array,
  r0: number,
  r1: number,
  cols: number,
  e: Float64Array,
  sums: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = EXP_T;
  const P = EXP_P;
  const hi = LN2_HI_64;
  const lo = LN2_LO_64;
  const l2e = LOG2E_64;
  const off = OFFSET;
  const zero = P_ZERO;
  for (let n = r0; n < r1; n++) {
    const b = n * cols;
    const m = x[b];
    let s = 0;
    let sr = 0;
    let bad = 0;
    for (let j = 0; j < cols; j++) {
      const v = x[b + j] - m;
      const kk = (off + 0.5 - v * l2e) | 0;
      const k = kk - off;
      const r = v + k * hi + k * lo;
      const r2 = r * r;
      const i = (k >> 6) + zero;
      bad |= i;
      sr += r2;
      const ej =
        (1 + r + r2 * (1 / 2 + r * (1 / 6) + r2 * (1 / 24 + r * (1 / 120)))) *
        T[kk & 63] *
        P[i & 4095];
      e[b + j] = ej;
      s += ej;
    }
    sums[n - r0] =
      (bad & -4096) === 0 && sr < 1e6 && s < SHIFT_LIMIT ? s : exactNumerators(x, b, cols, e);
  }
}

function numAny(
  x: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  e: Float64Array,
  sums: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = EXP_T;
  const P = EXP_P;
  const hi = LN2_HI_64;
  const lo = LN2_LO_64;
  const l2e = LOG2E_64;
  const off = OFFSET;
  const zero = P_ZERO;
  for (let n = r0; n < r1; n++) {
    const b = n * cols;
    const m = x[b];
    let s = 0;
    let sr = 0;
    let bad = 0;
    for (let j = 0; j < cols; j++) {
      const v = x[b + j] - m;
      const kk = (off + 0.5 - v * l2e) | 0;
      const k = kk - off;
      const r = v + k * hi + k * lo;
      const r2 = r * r;
      const i = (k >> 6) + zero;
      bad |= i;
      sr += r2;
      const ej =
        (1 + r + r2 * (1 / 2 + r * (1 / 6) + r2 * (1 / 24 + r * (1 / 120)))) *
        T[kk & 63] *
        P[i & 4095];
      e[b + j] = ej;
      s += ej;
    }
    sums[n - r0] =
      (bad & -4096) === 0 && sr < 1e6 && s < SHIFT_LIMIT ? s : exactNumerators(x, b, cols, e);
  }
}

/** A run of row exp-sums (each < 2¹⁰⁰) is logged once its product reaches this. */
const RUN_LIMIT = 2 ** 900;

/**
 * Unweighted cross-entropy with class-index targets over rows `r0 ≤ n < r1`, fused in one pass:
 * `acc[0] + acc[1]` = Σₙ (lseₙ − xₙ,yₙ) as a compensated pair, `acc[2]` = rows whose target is
 * `ignoreIndex` (skipped). With lseₙ = mₙ + log Σₙ (shift as above), the sum is
 * Σₙ (mₙ − xₙ,yₙ) + Σₙ log Σₙ, and Σₙ log Σₙ = log Πₙ Σₙ: one log per run of rows instead of one
 * per row (Math.log is a call into C++ that costs as much as a row's ten exps). Each Σₙ ∈ [1,
 * 2¹⁰⁰), so a run is closed before its product could pass 2¹⁰⁰⁰. Error: a run of g rows has g
 * roundings in the product (≤ g·u absolute in its log) and one in the log (≤ u·|log Π| ≤ 694u);
 * per row that is ≤ u + u·log Σₙ on average, no worse than a log per row. mₙ − xₙ,yₙ is exact for
 * float32 logits. Fallback rows add their exact lse − xₙ,yₙ directly.
 */
export function crossEntropyIndexRows(
  x: ArrayLike<number>,
  index: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  ignoreIndex: number,
  acc: Float64Array,
): void {
  if (x instanceof Float32Array) ceF32(x, index, r0, r1, cols, ignoreIndex, acc);
  else if (x instanceof Float64Array) ceF64(x, index, r0, r1, cols, ignoreIndex, acc);
  else ceAny(x, index, r0, r1, cols, ignoreIndex, acc);
}

function ceF32(
  x: Float32Array,
  index: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  ignoreIndex: number,
  acc: Float64Array,
): void {
  const T = EXP_T;
  const P = EXP_P;
  const hi = LN2_HI_64;
  const lo = LN2_LO_64;
  const l2e = LOG2E_64;
  const off = OFFSET;
  const zero = P_ZERO;
  let s = 0;
  let c = 0;
  let lp = 0;
  let lc = 0;
  let prod = 1;
  let ignored = 0;
  for (let n = r0; n < r1; n++) {
    const y = index[n];
    if (y === ignoreIndex) {
      ignored++;
      continue;
    }
    const b = n * cols;
    const m = x[b];
    let rs = 0;
    let sr = 0;
    let bad = 0;
    for (let j = 0; j < cols; j++) {
      const v = x[b + j] - m;
      const kk = (off + 0.5 - v * l2e) | 0;
      const k = kk - off;
      const r = v + k * hi + k * lo;
      const r2 = r * r;
      const i = (k >> 6) + zero;
      bad |= i;
      sr += r2;
      rs +=
        (1 + r + r2 * (1 / 2 + r * (1 / 6) + r2 * (1 / 24 + r * (1 / 120)))) *
        T[kk & 63] *
        P[i & 4095];
    }
    let v: number;
    if ((bad & -4096) === 0 && sr < 1e6 && rs < SHIFT_LIMIT) {
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
}

function ceF64(
  x: Float64Array,
  index: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  ignoreIndex: number,
  acc: Float64Array,
): void {
  const T = EXP_T;
  const P = EXP_P;
  const hi = LN2_HI_64;
  const lo = LN2_LO_64;
  const l2e = LOG2E_64;
  const off = OFFSET;
  const zero = P_ZERO;
  let s = 0;
  let c = 0;
  let lp = 0;
  let lc = 0;
  let prod = 1;
  let ignored = 0;
  for (let n = r0; n < r1; n++) {
    const y = index[n];
    if (y === ignoreIndex) {
      ignored++;
      continue;
    }
    const b = n * cols;
    const m = x[b];
    let rs = 0;
    let sr = 0;
    let bad = 0;
    for (let j = 0; j < cols; j++) {
      const v = x[b + j] - m;
      const kk = (off + 0.5 - v * l2e) | 0;
      const k = kk - off;
      const r = v + k * hi + k * lo;
      const r2 = r * r;
      const i = (k >> 6) + zero;
      bad |= i;
      sr += r2;
      rs +=
        (1 + r + r2 * (1 / 2 + r * (1 / 6) + r2 * (1 / 24 + r * (1 / 120)))) *
        T[kk & 63] *
        P[i & 4095];
    }
    let v: number;
    if ((bad & -4096) === 0 && sr < 1e6 && rs < SHIFT_LIMIT) {
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
}

function ceAny(
  x: ArrayLike<number>,
  index: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  ignoreIndex: number,
  acc: Float64Array,
): void {
  const T = EXP_T;
  const P = EXP_P;
  const hi = LN2_HI_64;
  const lo = LN2_LO_64;
  const l2e = LOG2E_64;
  const off = OFFSET;
  const zero = P_ZERO;
  let s = 0;
  let c = 0;
  let lp = 0;
  let lc = 0;
  let prod = 1;
  let ignored = 0;
  for (let n = r0; n < r1; n++) {
    const y = index[n];
    if (y === ignoreIndex) {
      ignored++;
      continue;
    }
    const b = n * cols;
    const m = x[b];
    let rs = 0;
    let sr = 0;
    let bad = 0;
    for (let j = 0; j < cols; j++) {
      const v = x[b + j] - m;
      const kk = (off + 0.5 - v * l2e) | 0;
      const k = kk - off;
      const r = v + k * hi + k * lo;
      const r2 = r * r;
      const i = (k >> 6) + zero;
      bad |= i;
      sr += r2;
      rs +=
        (1 + r + r2 * (1 / 2 + r * (1 / 6) + r2 * (1 / 24 + r * (1 / 120)))) *
        T[kk & 63] *
        P[i & 4095];
    }
    let v: number;
    if ((bad & -4096) === 0 && sr < 1e6 && rs < SHIFT_LIMIT) {
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
}
