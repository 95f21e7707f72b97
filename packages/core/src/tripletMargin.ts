import { booleanOption, floatArg, numberOption, optionsArg } from './internal/args.js';
import { embeddingRows } from './internal/embeddingRows.js';
import { fastExp } from './internal/fastExp.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
import type { KernelInfo } from './KernelInfo.js';
import type {
  FloatTensorLike,
  Gradients,
  GradOptions,
  LossOptions,
  LossResult,
  Reduction,
} from './types.js';

/** Options of {@link tripletMargin}, as PyTorch's `F.triplet_margin_loss`. */
export interface TripletMarginOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** The negative must be this much farther from the anchor than the positive (default 1). */
  margin?: number;
  /** The norm of the distances: any p > 0, `Infinity` for the max norm (default 2). */
  p?: number;
  /** Added to every coordinate of each difference, as PyTorch's `pairwise_distance` (default 1e-6). */
  eps?: number;
  /** Use min(d(a, n), d(p, n)) as the negative distance ("distance swap", default false). */
  swap?: boolean;
}

interface Prepared {
  a: Float32Array | Float64Array;
  pos: Float32Array | Float64Array;
  neg: Float32Array | Float64Array;
  rows: number;
  cols: number;
  margin: number;
  p: number;
  eps: number;
  swap: boolean;
}

function prepare(
  fn: string,
  anchor: unknown,
  positive: unknown,
  negative: unknown,
  o: { margin?: unknown; p?: unknown; eps?: unknown; swap?: unknown },
): Prepared {
  const m = embeddingRows(fn, ['anchor', 'positive', 'negative'], [anchor, positive, negative]);
  const margin = numberOption(fn, 'margin', o.margin, 1);
  const p = numberOption(fn, 'p', o.p, 2, (v) => v > 0, 'a number > 0 (Infinity for the max norm)');
  const eps = numberOption(fn, 'eps', o.eps, 1e-6);
  const swap = booleanOption(fn, 'swap', o.swap, false);
  const [a, pos, neg] = m.data;
  return { a, pos, neg, rows: m.rows, cols: m.cols, margin, p, eps, swap };
}

// The fast paths, p = 2 and p = 1: both distances of a row, d(a, p) and d(a, n), in one pass that
// reads each anchor entry once, with two partial sums per distance (two independent add chains).
// The sums are left in module scratch (fastP, fastN) so the loops allocate nothing. Each comes in
// a Float32Array and a Float64Array copy (see allFloat32 in embeddingRows.ts): keep the copies of
// each loop identical. Overflowing or NaN rows are detected afterwards (a sum that is not < ∞)
// and recomputed by the general path (rowZ), which rescales them and propagates NaN.
let fastP = 0;
let fastN = 0;
let fastS = 0;

/** Σ(aⱼ − pⱼ + e)² into fastP and Σ(aⱼ − nⱼ + e)² into fastN over one row (float32 inputs). */
function squares32(
  a: Float32Array,
  p: Float32Array,
  n: Float32Array,
  b: number,
  cols: number,
  e: number,
): void {
  let p0 = 0;
  let p1 = 0;
  let n0 = 0;
  let n1 = 0;
  const end = b + cols - 1;
  let j = b;
  for (; j < end; j += 2) {
    const x0 = a[j];
    const x1 = a[j + 1];
    const u0 = x0 - p[j] + e;
    const u1 = x1 - p[j + 1] + e;
    const v0 = x0 - n[j] + e;
    const v1 = x1 - n[j + 1] + e;
    p0 += u0 * u0;
    p1 += u1 * u1;
    n0 += v0 * v0;
    n1 += v1 * v1;
  }
  if (j === end) {
    const u = a[j] - p[j] + e;
    const v = a[j] - n[j] + e;
    p0 += u * u;
    n0 += v * v;
  }
  fastP = p0 + p1;
  fastN = n0 + n1;
}

/** Σ(aⱼ − pⱼ + e)² into fastP and Σ(aⱼ − nⱼ + e)² into fastN over one row (float64 inputs). */
function squares64(
  a: Float64Array,
  p: Float64Array,
  n: Float64Array,
  b: number,
  cols: number,
  e: number,
): void {
  let p0 = 0;
  let p1 = 0;
  let n0 = 0;
  let n1 = 0;
  const end = b + cols - 1;
  let j = b;
  for (; j < end; j += 2) {
    const x0 = a[j];
    const x1 = a[j + 1];
    const u0 = x0 - p[j] + e;
    const u1 = x1 - p[j + 1] + e;
    const v0 = x0 - n[j] + e;
    const v1 = x1 - n[j + 1] + e;
    p0 += u0 * u0;
    p1 += u1 * u1;
    n0 += v0 * v0;
    n1 += v1 * v1;
  }
  if (j === end) {
    const u = a[j] - p[j] + e;
    const v = a[j] - n[j] + e;
    p0 += u * u;
    n0 += v * v;
  }
  fastP = p0 + p1;
  fastN = n0 + n1;
}

/** Σ|aⱼ − pⱼ + e| into fastP and Σ|aⱼ − nⱼ + e| into fastN over one row (float32 inputs). */
function absSums32(
  a: Float32Array,
  p: Float32Array,
  n: Float32Array,
  b: number,
  cols: number,
  e: number,
): void {
  let p0 = 0;
  let p1 = 0;
  let n0 = 0;
  let n1 = 0;
  const end = b + cols - 1;
  let j = b;
  for (; j < end; j += 2) {
    const x0 = a[j];
    const x1 = a[j + 1];
    p0 += Math.abs(x0 - p[j] + e);
    p1 += Math.abs(x1 - p[j + 1] + e);
    n0 += Math.abs(x0 - n[j] + e);
    n1 += Math.abs(x1 - n[j + 1] + e);
  }
  if (j === end) {
    p0 += Math.abs(a[j] - p[j] + e);
    n0 += Math.abs(a[j] - n[j] + e);
  }
  fastP = p0 + p1;
  fastN = n0 + n1;
}

/** Σ|aⱼ − pⱼ + e| into fastP and Σ|aⱼ − nⱼ + e| into fastN over one row (float64 inputs). */
function absSums64(
  a: Float64Array,
  p: Float64Array,
  n: Float64Array,
  b: number,
  cols: number,
  e: number,
): void {
  let p0 = 0;
  let p1 = 0;
  let n0 = 0;
  let n1 = 0;
  const end = b + cols - 1;
  let j = b;
  for (; j < end; j += 2) {
    const x0 = a[j];
    const x1 = a[j + 1];
    p0 += Math.abs(x0 - p[j] + e);
    p1 += Math.abs(x1 - p[j + 1] + e);
    n0 += Math.abs(x0 - n[j] + e);
    n1 += Math.abs(x1 - n[j + 1] + e);
  }
  if (j === end) {
    p0 += Math.abs(a[j] - p[j] + e);
    n0 += Math.abs(a[j] - n[j] + e);
  }
  fastP = p0 + p1;
  fastN = n0 + n1;
}

/**
 * The fast paths' distances of row `base` into fastP / fastN: d = √Σ for p = 2, Σ for p = 1.
 * Returns false when the row needs the general path (a sum that is not finite: overflow or NaN).
 * With swap, d(p, n) goes to fastS.
 */
function fastDistances(q: Prepared, f32: boolean, base: number): boolean {
  const { p, cols, eps } = q;
  let ds = 0;
  if (q.swap) {
    // d(p, n) through the same loop (as the pair (p, n), (p, n)), so that it is summed in the
    // same order as the other two distances and a tie d(p, n) = d(a, n) is seen as one.
    if (p === 2) {
      if (f32)
        squares32(
          q.pos as Float32Array,
          q.neg as Float32Array,
          q.neg as Float32Array,
          base,
          cols,
          eps,
        );
      else
        squares64(
          q.pos as Float64Array,
          q.neg as Float64Array,
          q.neg as Float64Array,
          base,
          cols,
          eps,
        );
      ds = Math.sqrt(fastP);
    } else {
      if (f32)
        absSums32(
          q.pos as Float32Array,
          q.neg as Float32Array,
          q.neg as Float32Array,
          base,
          cols,
          eps,
        );
      else
        absSums64(
          q.pos as Float64Array,
          q.neg as Float64Array,
          q.neg as Float64Array,
          base,
          cols,
          eps,
        );
      ds = fastP;
    }
    if (!(ds < Number.POSITIVE_INFINITY)) return false;
  }
  fastS = ds;
  if (p === 2) {
    if (f32)
      squares32(q.a as Float32Array, q.pos as Float32Array, q.neg as Float32Array, base, cols, eps);
    else
      squares64(q.a as Float64Array, q.pos as Float64Array, q.neg as Float64Array, base, cols, eps);
    if (!(fastP < Number.POSITIVE_INFINITY && fastN < Number.POSITIVE_INFINITY)) return false;
    fastP = Math.sqrt(fastP);
    fastN = Math.sqrt(fastN);
    return true;
  }
  if (f32)
    absSums32(q.a as Float32Array, q.pos as Float32Array, q.neg as Float32Array, base, cols, eps);
  else
    absSums64(q.a as Float64Array, q.pos as Float64Array, q.neg as Float64Array, base, cols, eps);
  return fastP < Number.POSITIVE_INFINITY && fastN < Number.POSITIVE_INFINITY;
}

/**
 * tᵖ for 0 ≤ t ≤ 1 (the general-p loops below only raise |dⱼ|/max|d| or |dⱼ|/‖d‖ₚ, both in
 * [0, 1]) as e^(p·ln t): one call (Math.log) and an inlined fastExp instead of `**`'s pow, about
 * twice as fast. Error: ln t is within 1 ulp, the product rounds once, so the exponent is off by
 * ≤ 2u·|p ln t| absolutely and e^(·) by that relatively, plus fastExp's 3.2u (fastExp.ts): a
 * relative error ≤ (2|p ln t| + 3.2)·u per term. In the sum Σ tⱼᵖ, which is ≥ 1 (its max term is
 * t = 1, computed exactly: ln 1 = 0, fastExp(0) = 1) each term's absolute error is ≤
 * 2u·tᵖ|p ln t| + 3.2u·tᵖ ≤ 2u/e + 3.2u·tᵖ (x|ln x| ≤ 1/e on (0, 1]), so the sum's relative
 * error is ≤ (0.74·D + 3.2)·u, ~1e-14 at D = 128. In the gradient (p − 1 < 0 for p < 1) a
 * single term's relative error is ≤ (2|q ln t| + 3.2)u < 1500u even where tᵠ nears overflow.
 * t = 0 gives 0 for p > 0 and +∞ for p < 0 (ln 0 = −∞), NaN gives NaN: as `**`.
 * p = 2, 3, 4 (also q = p − 1 of the gradient at p = 3, 4, 5) are products instead: exact to
 * ≤ 2 roundings, and faster still.
 */
function unitPow(t: number, p: number): number {
  if (p === 3) return t * t * t; // the common integer powers by products: ≤ 2 roundings
  if (p === 4) {
    const t2 = t * t;
    return t2 * t2;
  }
  if (p === 2) return t * t;
  return fastExp(p * Math.log(t));
}

/**
 * ‖x·inv − y·inv + eps·inv‖ₚ over one row: PyTorch's `pairwise_distance(x, y, p, eps)` =
 * ‖x − y + eps‖ₚ when inv = 1, and that distance divided by s when inv = 1/s (the overflow
 * fallback below). p = 2, 1 and ∞ are direct; any other p is computed as
 * m·(Σ(|dⱼ|/m)ᵖ)^(1/p) with m = maxⱼ|dⱼ|, which equals (Σ|dⱼ|ᵖ)^(1/p) but cannot overflow.
 */
function dist(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  base: number,
  cols: number,
  p: number,
  eps: number,
  inv: number,
): number {
  const end = base + cols;
  const e = eps * inv;
  if (p === 2) {
    let s = 0;
    for (let j = base; j < end; j++) {
      const d = x[j] * inv - y[j] * inv + e;
      s += d * d;
    }
    return Math.sqrt(s);
  }
  if (p === 1) {
    let s = 0;
    for (let j = base; j < end; j++) s += Math.abs(x[j] * inv - y[j] * inv + e);
    return s;
  }
  let m = 0;
  for (let j = base; j < end; j++) {
    const d = Math.abs(x[j] * inv - y[j] * inv + e);
    if (!(d <= m)) m = d; // NaN wins
  }
  if (p === Number.POSITIVE_INFINITY || m === 0 || !(m < Number.POSITIVE_INFINITY)) return m;
  let s = 0;
  for (let j = base; j < end; j++) s += unitPow(Math.abs(x[j] * inv - y[j] * inv + e) / m, p);
  return m * s ** (1 / p);
}

/**
 * One row of the p = 2 gradient without swap, written (not added): with u = a − p + eps and
 * v = a − n + eps, ∂/∂a = kp·u − kn·v, ∂/∂p = −kp·u, ∂/∂n = kn·v, where kp = k/d(a, p) and
 * kn = k/d(a, n) (0 at zero distance). Float32 inputs; keep identical to grad2of64.
 */
function grad2of32(
  a: Float32Array,
  p: Float32Array,
  n: Float32Array,
  b: number,
  cols: number,
  e: number,
  kp: number,
  kn: number,
  ga: Float64Array,
  gp: Float64Array,
  gn: Float64Array,
): void {
  for (let j = b, end = b + cols; j < end; j++) {
    const x = a[j];
    const u = kp * (x - p[j] + e);
    const v = kn * (x - n[j] + e);
    ga[j] = u - v;
    gp[j] = 0 - u; // not −u: u = 0 (a zero distance) gives +0, as the general path
    gn[j] = v;
  }
}

/** {@link grad2of32} for float64 inputs; keep the two identical. */
function grad2of64(
  a: Float64Array,
  p: Float64Array,
  n: Float64Array,
  b: number,
  cols: number,
  e: number,
  kp: number,
  kn: number,
  ga: Float64Array,
  gp: Float64Array,
  gn: Float64Array,
): void {
  for (let j = b, end = b + cols; j < end; j++) {
    const x = a[j];
    const u = kp * (x - p[j] + e);
    const v = kn * (x - n[j] + e);
    ga[j] = u - v;
    gp[j] = 0 - u; // not −u: u = 0 (a zero distance) gives +0, as the general path
    gn[j] = v;
  }
}

/**
 * One row of the p = 1 gradient without swap, written (not added): ∂‖u‖₁/∂u = sign(u) (sign 0 =
 * 0, as PyTorch), so ∂/∂a = k·(sign(u) − sign(v)), ∂/∂p = −k·sign(u), ∂/∂n = k·sign(v) with
 * u = a − p + eps, v = a − n + eps. Float32 inputs; keep identical to grad1of64.
 */
function grad1of32(
  a: Float32Array,
  p: Float32Array,
  n: Float32Array,
  b: number,
  cols: number,
  e: number,
  k: number,
  ga: Float64Array,
  gp: Float64Array,
  gn: Float64Array,
): void {
  for (let j = b, end = b + cols; j < end; j++) {
    const x = a[j];
    const u = k * Math.sign(x - p[j] + e);
    const v = k * Math.sign(x - n[j] + e);
    ga[j] = u - v;
    gp[j] = 0 - u; // not −u: keeps +0 where u = 0, as the general path
    gn[j] = v;
  }
}

/** {@link grad1of32} for float64 inputs; keep the two identical. */
function grad1of64(
  a: Float64Array,
  p: Float64Array,
  n: Float64Array,
  b: number,
  cols: number,
  e: number,
  k: number,
  ga: Float64Array,
  gp: Float64Array,
  gn: Float64Array,
): void {
  for (let j = b, end = b + cols; j < end; j++) {
    const x = a[j];
    const u = k * Math.sign(x - p[j] + e);
    const v = k * Math.sign(x - n[j] + e);
    ga[j] = u - v;
    gp[j] = 0 - u; // not −u: keeps +0 where u = 0, as the general path
    gn[j] = v;
  }
}

/**
 * One row of the general-p gradient without swap, written (not added): with u = a − p + eps,
 * v = a − n + eps and q = p − 1, ∂d/∂uⱼ = sign(uⱼ)(|uⱼ|/d)^q (addDistGrad), so
 * ∂/∂a = k(∂d(a,p)/∂u − ∂d(a,n)/∂v), ∂/∂p = −k·∂d(a,p)/∂u, ∂/∂n = k·∂d(a,n)/∂v. invP = 1/d(a, p)
 * and invN = 1/d(a, n) (0 at zero distance). Float32 inputs; keep identical to gradPof64.
 */
function gradPof32(
  a: Float32Array,
  p: Float32Array,
  n: Float32Array,
  b: number,
  cols: number,
  e: number,
  k: number,
  invP: number,
  invN: number,
  q: number,
  ga: Float64Array,
  gp: Float64Array,
  gn: Float64Array,
): void {
  for (let j = b, end = b + cols; j < end; j++) {
    const x = a[j];
    const u = x - p[j] + e;
    const v = x - n[j] + e;
    // 0 where the coordinate or the distance is 0 (invP = 0), as addDistGrad
    const gu = u === 0 || invP === 0 ? 0 : k * Math.sign(u) * unitPow(Math.abs(u) * invP, q);
    const gv = v === 0 || invN === 0 ? 0 : k * Math.sign(v) * unitPow(Math.abs(v) * invN, q);
    ga[j] = gu - gv;
    gp[j] = 0 - gu; // not −gu: keeps +0, as the general path
    gn[j] = gv;
  }
}

/** {@link gradPof32} for float64 inputs; keep the two identical. */
function gradPof64(
  a: Float64Array,
  p: Float64Array,
  n: Float64Array,
  b: number,
  cols: number,
  e: number,
  k: number,
  invP: number,
  invN: number,
  q: number,
  ga: Float64Array,
  gp: Float64Array,
  gn: Float64Array,
): void {
  for (let j = b, end = b + cols; j < end; j++) {
    const x = a[j];
    const u = x - p[j] + e;
    const v = x - n[j] + e;
    // 0 where the coordinate or the distance is 0 (invP = 0), as addDistGrad
    const gu = u === 0 || invP === 0 ? 0 : k * Math.sign(u) * unitPow(Math.abs(u) * invP, q);
    const gv = v === 0 || invN === 0 ? 0 : k * Math.sign(v) * unitPow(Math.abs(v) * invN, q);
    ga[j] = gu - gv;
    gp[j] = 0 - gu; // not −gu: keeps +0, as the general path
    gn[j] = gv;
  }
}

/**
 * Adds c·∂r/∂d to gx and subtracts it from gy over one row, r = dist(x, y) (above), following
 * PyTorch's norm backward exactly where the norm is not differentiable:
 * p = 2: dⱼ/r, and 0 when r = 0 (zero distance: no NaN); p = 1: sign(dⱼ) (sign 0 = 0);
 * p = ∞: sign(dⱼ) on the coordinates where |dⱼ| = r, shared evenly among ties;
 * other p: sign(dⱼ)·(|dⱼ|/r)^(p−1) = sign(dⱼ)|dⱼ|^(p−1)/r^(p−1), and 0 when r = 0 or dⱼ = 0.
 * These are scale-invariant, so the rescaled differences of the fallback give the same result.
 */
function addDistGrad(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  base: number,
  cols: number,
  p: number,
  eps: number,
  inv: number,
  r: number,
  c: number,
  gx: Float64Array,
  gy: Float64Array,
): void {
  if (r === 0 || c === 0) return;
  const end = base + cols;
  const e = eps * inv;
  if (p === 2) {
    const k = c / r;
    for (let j = base; j < end; j++) {
      const g = k * (x[j] * inv - y[j] * inv + e);
      gx[j] += g;
      gy[j] -= g;
    }
  } else if (p === 1) {
    for (let j = base; j < end; j++) {
      const g = c * Math.sign(x[j] * inv - y[j] * inv + e);
      gx[j] += g;
      gy[j] -= g;
    }
  } else if (p === Number.POSITIVE_INFINITY) {
    let ties = 0;
    for (let j = base; j < end; j++) if (Math.abs(x[j] * inv - y[j] * inv + e) === r) ties++;
    const k = c / ties;
    for (let j = base; j < end; j++) {
      const d = x[j] * inv - y[j] * inv + e;
      if (Math.abs(d) === r) {
        const g = k * Math.sign(d);
        gx[j] += g;
        gy[j] -= g;
      }
    }
  } else {
    const q = p - 1;
    for (let j = base; j < end; j++) {
      const d = x[j] * inv - y[j] * inv + e;
      if (d === 0) continue;
      const g = c * Math.sign(d) * unitPow(Math.abs(d) / r, q);
      gx[j] += g;
      gy[j] -= g;
    }
  }
}

/** max(1, max |entry|) over one row of the three inputs. */
function rowScale(q: Prepared, base: number): number {
  let s = 1;
  for (let j = base, end = base + q.cols; j < end; j++) {
    const v = Math.max(Math.abs(q.a[j]), Math.abs(q.pos[j]), Math.abs(q.neg[j]));
    if (!(v <= s)) s = v; // NaN wins
  }
  return s;
}

// One row's evaluation, left in module scratch so the loops allocate nothing.
let rowInv = 1;
let rowDp = 0;
let rowDn = 0;
let rowDs = 0;

/**
 * The hinge argument z = margin + d(a, p) − d⁻ of row `base`, d⁻ = d(a, n) or, with swap,
 * min(d(a, n), d(p, n)) (NaN propagates, as at::min). Overflow: if a distance is not finite
 * though every entry is (entries beyond ~1e154 overflow the sum of squares; beyond ~1e308 the
 * difference itself), all three rows are divided by s = max|entry| (so the scaled distances
 * are ≤ 2·√D + ε) and z = margin + s·(d′(a, p) − d′⁻): the exact value rounded once more,
 * ±∞ only if the true value is beyond float64, and never the NaN of ∞ − ∞.
 */
function rowZ(q: Prepared, base: number): number {
  const { a, pos, neg, cols, p, eps, swap, margin } = q;
  let s = 1;
  let inv = 1;
  let dp = dist(a, pos, base, cols, p, eps, 1);
  let dn = dist(a, neg, base, cols, p, eps, 1);
  let ds = swap ? dist(pos, neg, base, cols, p, eps, 1) : 0;
  if (
    !(dp < Number.POSITIVE_INFINITY && dn < Number.POSITIVE_INFINITY) ||
    !(ds < Number.POSITIVE_INFINITY)
  ) {
    const m = rowScale(q, base);
    if (m < Number.POSITIVE_INFINITY) {
      s = m;
      inv = 1 / s;
      dp = dist(a, pos, base, cols, p, eps, inv);
      dn = dist(a, neg, base, cols, p, eps, inv);
      ds = swap ? dist(pos, neg, base, cols, p, eps, inv) : 0;
    }
  }
  rowInv = inv;
  rowDp = dp;
  rowDn = dn;
  rowDs = ds;
  const dneg = swap && !(dn <= ds) ? ds : dn;
  return s === 1 ? margin + dp - dneg : margin + s * (dp - dneg);
}

/**
 * Triplet margin loss, PyTorch's `triplet_margin_loss`, over rows of `anchor`, `positive` and
 * `negative` `[N, D]`: ℓₙ = max(0, margin + d(aₙ, pₙ) − d(aₙ, nₙ)) with
 * d(x, y) = ‖x − y + eps‖ₚ (PyTorch's `pairwise_distance`: eps is added to every coordinate of
 * the difference). With `swap`, d(aₙ, nₙ) is replaced by min(d(aₙ, nₙ), d(pₙ, nₙ)).
 * `mean` divides by N. D cannot be inferred from bare arrays: give at least one input as
 * `{data, shape: [N, D]}` (the others may be bare arrays of N·D numbers).
 *
 * @example
 * ```ts
 * import { tripletMargin } from '@losskit/core';
 * const anchor = { data: [0, 0], shape: [1, 2] };
 * tripletMargin(anchor, [0, 1], [0, 1.5], { eps: 0 }).value; // max(0, 1 + 1 − 1.5) = 0.5
 * ```
 */
export function tripletMargin<R extends Reduction = 'mean'>(
  anchor: FloatTensorLike,
  positive: FloatTensorLike,
  negative: FloatTensorLike,
  options?: TripletMarginOptions<R>,
): LossResult<R> {
  const fn = 'tripletMargin';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const q = prepare(fn, anchor, positive, negative, o);
  const { rows, cols } = q;
  const out = reduction === 'none' ? outputBuffer(fn, o.out, rows) : null;
  const fast = q.p === 2 || q.p === 1;
  const f32 = q.a instanceof Float32Array;
  const { margin, swap } = q;
  let s = 0;
  let c = 0;
  for (let n = 0; n < rows; n++) {
    const base = n * cols;
    let z: number;
    if (fast && fastDistances(q, f32, base)) {
      // d⁻ = min(d(a, n), d(p, n)) with swap (no NaN here: the sums were finite)
      z = margin + fastP - (swap && fastS < fastN ? fastS : fastN);
    } else z = rowZ(q, base);
    const v = Math.max(z, 0); // clamp_min(·, 0) keeping NaN
    if (out !== null) out[n] = v;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, rows, rows, rows, 0);
}

/**
 * Gradient of {@link tripletMargin} w.r.t. `anchor`, `positive` and `negative`. Where the hinge
 * is active (z ≥ 0; at the kink the active slope, as PyTorch's clamp_min):
 * ∂/∂a = u(a−p) − w·u(a−n), ∂/∂p = −u(a−p) − w′·u(p−n), ∂/∂n = w·u(a−n) + w′·u(p−n), with
 * u the norm's gradient (zero-distance rows give 0, as PyTorch's norm backward — never NaN),
 * w = 1, w′ = 0 without swap; with swap the smaller distance takes weight 1, ties ½ each (as
 * PyTorch's min backward).
 */
export function tripletMarginGrad(
  anchor: FloatTensorLike,
  positive: FloatTensorLike,
  negative: FloatTensorLike,
  options?: Omit<TripletMarginOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'tripletMarginGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const q = prepare(fn, anchor, positive, negative, o);
  const { a, pos, neg, rows, cols, p, eps, swap } = q;
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, rows, rows, g, rows);
  const size = rows * cols;
  const ga = gradBuffer(fn, o.out, 'anchor', size);
  const gp = gradBuffer(fn, o.out, 'positive', size);
  const gn = gradBuffer(fn, o.out, 'negative', size);
  const fresh = o.out === undefined; // new buffers are zero already
  const fast = (p === 2 || p === 1) && !swap;
  const powers = !fast && !swap && p < Number.POSITIVE_INFINITY;
  const f32 = a instanceof Float32Array;
  for (let n = 0; n < rows; n++) {
    const base = n * cols;
    if (fast && fastDistances(q, f32, base)) {
      const k = q.margin + fastP - fastN >= 0 ? (per === null ? scale : scale * per[n]) : 0;
      if (k === 0) {
        // an inactive row: +0 (k times a negative coordinate would write −0)
        ga.fill(0, base, base + cols);
        gp.fill(0, base, base + cols);
        gn.fill(0, base, base + cols);
      } else if (p === 1) {
        if (f32)
          grad1of32(
            a as Float32Array,
            pos as Float32Array,
            neg as Float32Array,
            base,
            cols,
            eps,
            k,
            ga,
            gp,
            gn,
          );
        else
          grad1of64(
            a as Float64Array,
            pos as Float64Array,
            neg as Float64Array,
            base,
            cols,
            eps,
            k,
            ga,
            gp,
            gn,
          );
      } else {
        // ∂d/∂a = (a − p + eps)/d, and 0 at d = 0 (see addDistGrad)
        const kp = fastP === 0 ? 0 : k / fastP;
        const kn = fastN === 0 ? 0 : k / fastN;
        if (f32)
          grad2of32(
            a as Float32Array,
            pos as Float32Array,
            neg as Float32Array,
            base,
            cols,
            eps,
            kp,
            kn,
            ga,
            gp,
            gn,
          );
        else
          grad2of64(
            a as Float64Array,
            pos as Float64Array,
            neg as Float64Array,
            base,
            cols,
            eps,
            kp,
            kn,
            ga,
            gp,
            gn,
          );
      }
      continue;
    }
    const z = rowZ(q, base);
    if (powers && rowInv === 1 && z >= 0) {
      // general finite p without swap, active and not rescaled: one pass writes the three rows
      const k = per === null ? scale : scale * per[n];
      if (k === 0) {
        ga.fill(0, base, base + cols);
        gp.fill(0, base, base + cols);
        gn.fill(0, base, base + cols);
        continue;
      }
      const ip = rowDp === 0 ? 0 : 1 / rowDp;
      const iN = rowDn === 0 ? 0 : 1 / rowDn;
      if (f32) {
        gradPof32(
          a as Float32Array,
          pos as Float32Array,
          neg as Float32Array,
          base,
          cols,
          eps,
          k,
          ip,
          iN,
          p - 1,
          ga,
          gp,
          gn,
        );
      } else {
        gradPof64(
          a as Float64Array,
          pos as Float64Array,
          neg as Float64Array,
          base,
          cols,
          eps,
          k,
          ip,
          iN,
          p - 1,
          ga,
          gp,
          gn,
        );
      }
      continue;
    }
    if (!fresh) {
      ga.fill(0, base, base + cols);
      gp.fill(0, base, base + cols);
      gn.fill(0, base, base + cols);
    }
    if (!(z >= 0)) continue;
    const k = per === null ? scale : scale * per[n];
    const inv = rowInv;
    addDistGrad(a, pos, base, cols, p, eps, inv, rowDp, k, ga, gp);
    let wn = 1;
    let ws = 0;
    if (swap) {
      if (rowDs < rowDn) {
        wn = 0;
        ws = 1;
      } else if (rowDs === rowDn) {
        wn = 0.5;
        ws = 0.5;
      }
    }
    if (wn !== 0) addDistGrad(a, neg, base, cols, p, eps, inv, rowDn, -k * wn, ga, gn);
    if (ws !== 0) addDistGrad(pos, neg, base, cols, p, eps, inv, rowDs, -k * ws, gp, gn);
  }
  return { anchor: ga, positive: gp, negative: gn };
}

/** {@link tripletMargin} for generic callers. */
export const tripletMarginInfo: KernelInfo = {
  name: 'tripletMargin',
  inputs: [
    { name: 'anchor', kind: 'float', rank: 2, differentiable: true },
    { name: 'positive', kind: 'float', rank: 2, differentiable: true },
    { name: 'negative', kind: 'float', rank: 2, differentiable: true },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) =>
    tripletMargin(
      i.anchor as FloatTensorLike,
      i.positive as FloatTensorLike,
      i.negative as FloatTensorLike,
      o,
    ),
  gradient: (i, o) =>
    tripletMarginGrad(
      i.anchor as FloatTensorLike,
      i.positive as FloatTensorLike,
      i.negative as FloatTensorLike,
      o,
    ),
};
