// The hot row loops of softmaxFocal and distillation (forward and gradient), specialised by array
// type like softmaxRows.ts: one body that sees Float32Array, Float64Array and number[] makes V8's
// element access polymorphic and slow, so each loop comes in three textually identical copies
// (…F32, …F64, …Any; keep them identical) chosen once per call with `instanceof`.
//
// The exp. Every term is sfExp's computation (sfExp.ts has the method and the derivation of its
// bound, fastExp's with a 256-entry table: ≤ 3.2 ulp relative for normal results; ≤ 2⁻¹⁰⁷⁴ +
// 3.2 ulp absolute below) inlined without its range test, as softmaxRows.ts does with fastExp. A
// row is checked once, after its loop, for an argument v outside sfExp's range (or NaN):
//  • |v| < 5.8e6 but out of range: the table index i = ⌊k/256⌋ + 2048 leaves [1, 3123]; indices
//    in [0, 4096) still read the right limit (EXP_P holds +∞ below 1024 and 0 above 3122), and
//    `bad |= i` has a bit outside 0…4095 set as soon as one index leaves [0, 4096) (|v| ≳ 1419).
//    A +∞ limit (v > 709) makes the row's sum +∞, which the sum test below catches;
//  • |v| ≥ 5.8e6: `| 0` wraps k by a multiple of 2³², so |r| > 1e7 while a valid r has
//    |r| < 0.0014: Σr² < 1e6 fails;
//  • NaN or ±∞ anywhere in the row: r or a term is NaN, or a sum is ∞: Σr² < 1e6 or the sum test
//    fails (NaN fails every comparison).
// A row that fails is recomputed by the row's textbook max-shifted formula with Math.exp (the
// code these loops replaced), which also gives the non-finite semantics: NaN anywhere → NaN,
// ±∞ logits → the limits. sfRows.test.ts checks both paths against such a reference.
import { LITTLE_ENDIAN, logF64Words } from './logF64Words.js';
import {
  SF_EXP_P,
  SF_EXP_T,
  SF_LN2_HI_256,
  SF_LN2_LO_256,
  SF_LOG2E_256,
  SF_OFFSET,
  SF_P_ZERO,
} from './sfExp.js';

// ─── softmaxFocal ────────────────────────────────────────────────────────────────────────────
//
// The shift is the target's own logit: with eⱼ = exp(xⱼ − x_y) the target's term is exactly 1, so
// O = Σ_{j≠y} eⱼ (a sum of non-negative terms, no cancellation) gives everything the focal loss
// needs without a row maximum and without cancellation:
//   p = 1/(1 + O),  1 − p = O/(1 + O),  −log p = log1p(O),  p·(−log p)/(1 − p) = log1p(O)/O,
// the last → 1 as O → 0 (taken as 1 at O = 0). Error: each eⱼ is within 3.2 ulp and the C − 1
// positive terms add with ≤ (C − 2)u relative error, so O is within (C + 2)u relative (u = 2⁻⁵³).
// The range test needs O finite (no target logit more than ~709 below another) and x_y finite
// (which the other terms show, except in a one-column row); other rows take the fallback.
//
// log1p(O) without Math.log1p (a call that costs as much as the row's exps): with S = fl(1 + O),
// log1p(O) = O·log(S)/(S − 1) for S ≠ 1 and = O for S = 1 (Goldberg, "What every computer
// scientist should know about floating-point arithmetic", Thm 4), log(S) by logF64Words (≤ 3u
// relative, from S's two words; S ≥ 1 is a normal double). Bound: μ(z) = log1p(z)/z has
// |d log μ/dz| ≤ 1/(1 + z) for z ≥ 0, and z = S − 1 differs from O by ≤ u·(1 + O) (the rounding
// of 1 + O; S − 1 itself is exact up to 2⁵³ and rounds once beyond, where it adds ≤ u), so
// μ(S − 1) is within ~u of μ(O); with log(S)'s 3u and the division and product (u each):
// |result − log1p(O)| ≤ 6u·log1p(O) (+ O(u²)). At S = 1, O ≤ u and log1p(O) = O·(1 − O/2 + …)
// is O within u. sfRows.test.ts sweeps O over [0, 1e300] against Math.log1p. So −log p is within
// (C + 8)u relative, 1 − p and p within (C + 4)u: full relative precision even for p → 1
// (−log p ≈ O tiny) and for p → 0 (−log p large). Where typed arrays are big-endian (the word
// order logF64Words assumes is little-endian) Math.log1p is used.
//
// The loop over the other classes runs as two loops, j < y and j > y (an index wrap-around in one
// loop costs ~10%).
//

// The rows go in chunks of CHUNK, in two passes: the exps and O of every row of the chunk, then
// the per-row logs and scaling. Fused into one pass, each row's log and divisions wait on its
// exps (a long dependency chain); as a separate pass the rows' logs overlap (~20% faster).
const CHUNK = 256;
/** Per chunk row: O ≥ 0 (fast row), or IGNORED, or EXACT (values in QA, IA, RA). */
const OA = new Float64Array(CHUNK);
/** Per chunk row: S = 1 + O; its two words in SW (high at 2i + 1, low at 2i). */
const SA = new Float64Array(CHUNK);
const SW = new Int32Array(SA.buffer);
/** Exact rows: 1 − p, 1/s and p·(−log p)/(1 − p) (gradient) or −log p (forward). */
const QA = new Float64Array(CHUNK);
const IA = new Float64Array(CHUNK);
const RA = new Float64Array(CHUNK);
const IGNORED = -1;
const EXACT = -2;

/** Side results of {@link exactFocalRow}, overwritten by each call. */
const exact = { q: 0, inv: 0, pNlpOverQ: 0 };

/**
 * −log softmax(x)ₖ of one row by the max-shifted formula (classification.ts's targetRow, with
 * Math.exp): with m = max (0 if ±∞), eⱼ = e^(xⱼ − m), e_k the target's term, o = Σ_{j≠k} eⱼ:
 * −log p = log1p(o/e_k) when e_k ≥ o, else log s + (m − x_k). `exact.q` = o/s = 1 − p,
 * `exact.inv` = 1/s, `exact.pNlpOverQ` = e_k·(−log p)/o (1 at o = 0, 0 at e_k = 0). With `e`
 * given, writes eⱼ to e[b + j] (softmax(x)ⱼ = eⱼ·inv).
 */
function exactFocalRow(
  x: ArrayLike<number>,
  b: number,
  cols: number,
  k: number,
  e: Float64Array | null,
): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < cols; j++) {
    const v = x[b + j];
    if (v > m) m = v;
  }
  if (m === Number.POSITIVE_INFINITY || m === Number.NEGATIVE_INFINITY) m = 0;
  let others = 0;
  let ek = 0;
  for (let j = 0; j < cols; j++) {
    const v = Math.exp(x[b + j] - m);
    if (e !== null) e[b + j] = v;
    if (j === k) ek = v;
    else others += v;
  }
  const s = ek + others;
  const nlp = ek >= others ? Math.log1p(others / ek) : Math.log(s) + (m - x[b + k]);
  exact.q = others / s;
  exact.inv = 1 / s;
  exact.pNlpOverQ = others === 0 ? 1 : ek === 0 ? 0 : ek * (nlp / others);
  return nlp;
}

/**
 * softmaxFocal over rows `r0 ≤ n < r1`: ℓₙ = α[yₙ]·(1 − pₙ)^γ·(−log pₙ) (α omitted: 1), written
 * to `out[n]` when `out` is given (0 for ignored rows), and Σℓ as a Neumaier pair in
 * `acc[0] + acc[1]`, the count of rows whose target is `ignoreIndex` in `acc[2]`.
 */
export function sfFocalRows(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  ignoreIndex: number,
  gamma: number,
  alpha: ArrayLike<number> | undefined,
  out: Float64Array | null,
  acc: Float64Array,
): void {
  if (x instanceof Float32Array) focalF32(x, y, r0, r1, cols, ignoreIndex, gamma, alpha, out, acc);
  else if (x instanceof Float64Array)
    focalF64(x, y, r0, r1, cols, ignoreIndex, gamma, alpha, out, acc);
  else focalAny(x, y, r0, r1, cols, ignoreIndex, gamma, alpha, out, acc);
}

/**
 * softmaxFocalGrad over rows `r0 ≤ n < r1` into `gx` (row-major like `x`): with
 * F = (1 − p)^γ·(1 + γ·p·(−log p)/(1 − p)) and aₙ = α[y]·F·scale·(per ? per[n] : 1),
 * gxₙⱼ = aₙ·pⱼ for j ≠ y and gxₙ,y = −aₙ·(1 − p); ignored rows get 0. One exp per logit
 * (j ≠ y), parked in gx and scaled in place while the row is in cache.
 */
export function sfFocalGradRows(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  ignoreIndex: number,
  gamma: number,
  alpha: ArrayLike<number> | undefined,
  scale: number,
  per: ArrayLike<number> | null,
  gx: Float64Array,
): void {
  if (x instanceof Float32Array)
    focalGradF32(x, y, r0, r1, cols, ignoreIndex, gamma, alpha, scale, per, gx);
  else if (x instanceof Float64Array)
    focalGradF64(x, y, r0, r1, cols, ignoreIndex, gamma, alpha, scale, per, gx);
  else focalGradAny(x, y, r0, r1, cols, ignoreIndex, gamma, alpha, scale, per, gx);
}

function focalF32(
  x: Float32Array,
  y: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  ignoreIndex: number,
  gamma: number,
  alpha: ArrayLike<number> | undefined,
  out: Float64Array | null,
  acc: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = SF_EXP_T;
  const P = SF_EXP_P;
  const hi = SF_LN2_HI_256;
  const lo = SF_LN2_LO_256;
  const l2e = SF_LOG2E_256;
  const off = SF_OFFSET;
  const zero = SF_P_ZERO;
  const oa = OA;
  const sa = SA;
  const sw = SW;
  const qa = QA;
  const ra = RA;
  const le = LITTLE_ENDIAN;
  const chunk = CHUNK;
  const ignoredRow = IGNORED;
  const exactRow = EXACT;
  let s = 0;
  let c = 0;
  let ignored = 0;
  for (let n0 = r0; n0 < r1; n0 += chunk) {
    const n1 = Math.min(r1, n0 + chunk);
    for (let n = n0; n < n1; n++) {
      const t = y[n];
      if (t === ignoreIndex) {
        oa[n - n0] = ignoredRow;
        continue;
      }
      const b = n * cols;
      const xt = x[b + t];
      let o = 0;
      let sr = 0;
      let bad = 0;
      for (let j = 0; j < t; j++) {
        const v = x[b + j] - xt;
        const kk = (off + 0.5 - v * l2e) | 0;
        const k = kk - off;
        const r = v + k * hi + k * lo;
        const q = r * r;
        const i = (k >> 8) + zero;
        bad |= i;
        sr += q;
        const e = (1 + r + q * (1 / 2 + r * (1 / 6) + q * (1 / 24))) * T[kk & 255] * P[i & 4095];
        o += e;
      }
      for (let j = t + 1; j < cols; j++) {
        const v = x[b + j] - xt;
        const kk = (off + 0.5 - v * l2e) | 0;
        const k = kk - off;
        const r = v + k * hi + k * lo;
        const q = r * r;
        const i = (k >> 8) + zero;
        bad |= i;
        sr += q;
        const e = (1 + r + q * (1 / 2 + r * (1 / 6) + q * (1 / 24))) * T[kk & 255] * P[i & 4095];
        o += e;
      }
      if ((bad & -4096) === 0 && sr < 1e6 && o < Infinity && xt - xt === 0) {
        oa[n - n0] = o;
        sa[n - n0] = 1 + o;
      } else {
        oa[n - n0] = exactRow;
        ra[n - n0] = exactFocalRow(x, b, cols, t, null);
        qa[n - n0] = exact.q;
      }
    }
    for (let n = n0; n < n1; n++) {
      const i = n - n0;
      const o = oa[i];
      let nlp: number;
      let q: number;
      if (o >= 0) {
        const S = sa[i];
        if (S === 1) nlp = o;
        else if (le) nlp = o * (logF64Words(sw[2 * i + 1], sw[2 * i]) / (S - 1));
        else nlp = Math.log1p(o);
        q = o / S;
      } else if (o === exactRow) {
        nlp = ra[i];
        q = qa[i];
      } else {
        ignored++;
        if (out !== null) out[n] = 0;
        continue;
      }
      let v = nlp * (gamma === 2 ? q * q : q ** gamma);
      if (alpha !== undefined) v *= alpha[y[n]];
      if (out !== null) out[n] = v;
      const u = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
      s = u;
    }
  }
  acc[0] = s;
  acc[1] = c;
  acc[2] = ignored;
}

function focalF64(
  x: Float64Array,
  y: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  ignoreIndex: number,
  gamma: number,
  alpha: ArrayLike<number> | undefined,
  out: Float64Array | null,
  acc: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = SF_EXP_T;
  const P = SF_EXP_P;
  const hi = SF_LN2_HI_256;
  const lo = SF_LN2_LO_256;
  const l2e = SF_LOG2E_256;
  const off = SF_OFFSET;
  const zero = SF_P_ZERO;
  const oa = OA;
  const sa = SA;
  const sw = SW;
  const qa = QA;
  const ra = RA;
  const le = LITTLE_ENDIAN;
  const chunk = CHUNK;
  const ignoredRow = IGNORED;
  const exactRow = EXACT;
  let s = 0;
  let c = 0;
  let ignored = 0;
  for (let n0 = r0; n0 < r1; n0 += chunk) {
    const n1 = Math.min(r1, n0 + chunk);
    for (let n = n0; n < n1; n++) {
      const t = y[n];
      if (t === ignoreIndex) {
        oa[n - n0] = ignoredRow;
        continue;
      }
      const b = n * cols;
      const xt = x[b + t];
      let o = 0;
      let sr = 0;
      let bad = 0;
      for (let j = 0; j < t; j++) {
        const v = x[b + j] - xt;
        const kk = (off + 0.5 - v * l2e) | 0;
        const k = kk - off;
        const r = v + k * hi + k * lo;
        const q = r * r;
        const i = (k >> 8) + zero;
        bad |= i;
        sr += q;
        const e = (1 + r + q * (1 / 2 + r * (1 / 6) + q * (1 / 24))) * T[kk & 255] * P[i & 4095];
        o += e;
      }
      for (let j = t + 1; j < cols; j++) {
        const v = x[b + j] - xt;
        const kk = (off + 0.5 - v * l2e) | 0;
        const k = kk - off;
        const r = v + k * hi + k * lo;
        const q = r * r;
        const i = (k >> 8) + zero;
        bad |= i;
        sr += q;
        const e = (1 + r + q * (1 / 2 + r * (1 / 6) + q * (1 / 24))) * T[kk & 255] * P[i & 4095];
        o += e;
      }
      if ((bad & -4096) === 0 && sr < 1e6 && o < Infinity && xt - xt === 0) {
        oa[n - n0] = o;
        sa[n - n0] = 1 + o;
      } else {
        oa[n - n0] = exactRow;
        ra[n - n0] = exactFocalRow(x, b, cols, t, null);
        qa[n - n0] = exact.q;
      }
    }
    for (let n = n0; n < n1; n++) {
      const i = n - n0;
      const o = oa[i];
      let nlp: number;
      let q: number;
      if (o >= 0) {
        const S = sa[i];
        if (S === 1) nlp = o;
        else if (le) nlp = o * (logF64Words(sw[2 * i + 1], sw[2 * i]) / (S - 1));
        else nlp = Math.log1p(o);
        q = o / S;
      } else if (o === exactRow) {
        nlp = ra[i];
        q = qa[i];
      } else {
        ignored++;
        if (out !== null) out[n] = 0;
        continue;
      }
      let v = nlp * (gamma === 2 ? q * q : q ** gamma);
      if (alpha !== undefined) v *= alpha[y[n]];
      if (out !== null) out[n] = v;
      const u = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
      s = u;
    }
  }
  acc[0] = s;
  acc[1] = c;
  acc[2] = ignored;
}

function focalAny(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  ignoreIndex: number,
  gamma: number,
  alpha: ArrayLike<number> | undefined,
  out: Float64Array | null,
  acc: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = SF_EXP_T;
  const P = SF_EXP_P;
  const hi = SF_LN2_HI_256;
  const lo = SF_LN2_LO_256;
  const l2e = SF_LOG2E_256;
  const off = SF_OFFSET;
  const zero = SF_P_ZERO;
  const oa = OA;
  const sa = SA;
  const sw = SW;
  const qa = QA;
  const ra = RA;
  const le = LITTLE_ENDIAN;
  const chunk = CHUNK;
  const ignoredRow = IGNORED;
  const exactRow = EXACT;
  let s = 0;
  let c = 0;
  let ignored = 0;
  for (let n0 = r0; n0 < r1; n0 += chunk) {
    const n1 = Math.min(r1, n0 + chunk);
    for (let n = n0; n < n1; n++) {
      const t = y[n];
      if (t === ignoreIndex) {
        oa[n - n0] = ignoredRow;
        continue;
      }
      const b = n * cols;
      const xt = x[b + t];
      let o = 0;
      let sr = 0;
      let bad = 0;
      for (let j = 0; j < t; j++) {
        const v = x[b + j] - xt;
        const kk = (off + 0.5 - v * l2e) | 0;
        const k = kk - off;
        const r = v + k * hi + k * lo;
        const q = r * r;
        const i = (k >> 8) + zero;
        bad |= i;
        sr += q;
        const e = (1 + r + q * (1 / 2 + r * (1 / 6) + q * (1 / 24))) * T[kk & 255] * P[i & 4095];
        o += e;
      }
      for (let j = t + 1; j < cols; j++) {
        const v = x[b + j] - xt;
        const kk = (off + 0.5 - v * l2e) | 0;
        const k = kk - off;
        const r = v + k * hi + k * lo;
        const q = r * r;
        const i = (k >> 8) + zero;
        bad |= i;
        sr += q;
        const e = (1 + r + q * (1 / 2 + r * (1 / 6) + q * (1 / 24))) * T[kk & 255] * P[i & 4095];
        o += e;
      }
      if ((bad & -4096) === 0 && sr < 1e6 && o < Infinity && xt - xt === 0) {
        oa[n - n0] = o;
        sa[n - n0] = 1 + o;
      } else {
        oa[n - n0] = exactRow;
        ra[n - n0] = exactFocalRow(x, b, cols, t, null);
        qa[n - n0] = exact.q;
      }
    }
    for (let n = n0; n < n1; n++) {
      const i = n - n0;
      const o = oa[i];
      let nlp: number;
      let q: number;
      if (o >= 0) {
        const S = sa[i];
        if (S === 1) nlp = o;
        else if (le) nlp = o * (logF64Words(sw[2 * i + 1], sw[2 * i]) / (S - 1));
        else nlp = Math.log1p(o);
        q = o / S;
      } else if (o === exactRow) {
        nlp = ra[i];
        q = qa[i];
      } else {
        ignored++;
        if (out !== null) out[n] = 0;
        continue;
      }
      let v = nlp * (gamma === 2 ? q * q : q ** gamma);
      if (alpha !== undefined) v *= alpha[y[n]];
      if (out !== null) out[n] = v;
      const u = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
      s = u;
    }
  }
  acc[0] = s;
  acc[1] = c;
  acc[2] = ignored;
}

function focalGradF32(
  x: Float32Array,
  y: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  ignoreIndex: number,
  gamma: number,
  alpha: ArrayLike<number> | undefined,
  scale: number,
  per: ArrayLike<number> | null,
  gx: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = SF_EXP_T;
  const P = SF_EXP_P;
  const hi = SF_LN2_HI_256;
  const lo = SF_LN2_LO_256;
  const l2e = SF_LOG2E_256;
  const off = SF_OFFSET;
  const zero = SF_P_ZERO;
  const oa = OA;
  const sa = SA;
  const sw = SW;
  const qa = QA;
  const ra = RA;
  const le = LITTLE_ENDIAN;
  const chunk = CHUNK;
  const ignoredRow = IGNORED;
  const exactRow = EXACT;
  const ia = IA;
  for (let n0 = r0; n0 < r1; n0 += chunk) {
    const n1 = Math.min(r1, n0 + chunk);
    for (let n = n0; n < n1; n++) {
      const t = y[n];
      const b = n * cols;
      if (t === ignoreIndex) {
        for (let j = 0; j < cols; j++) gx[b + j] = 0;
        oa[n - n0] = ignoredRow;
        continue;
      }
      const xt = x[b + t];
      let o = 0;
      let sr = 0;
      let bad = 0;
      for (let j = 0; j < t; j++) {
        const v = x[b + j] - xt;
        const kk = (off + 0.5 - v * l2e) | 0;
        const k = kk - off;
        const r = v + k * hi + k * lo;
        const q = r * r;
        const i = (k >> 8) + zero;
        bad |= i;
        sr += q;
        const e = (1 + r + q * (1 / 2 + r * (1 / 6) + q * (1 / 24))) * T[kk & 255] * P[i & 4095];
        gx[b + j] = e;
        o += e;
      }
      for (let j = t + 1; j < cols; j++) {
        const v = x[b + j] - xt;
        const kk = (off + 0.5 - v * l2e) | 0;
        const k = kk - off;
        const r = v + k * hi + k * lo;
        const q = r * r;
        const i = (k >> 8) + zero;
        bad |= i;
        sr += q;
        const e = (1 + r + q * (1 / 2 + r * (1 / 6) + q * (1 / 24))) * T[kk & 255] * P[i & 4095];
        gx[b + j] = e;
        o += e;
      }
      if ((bad & -4096) === 0 && sr < 1e6 && o < Infinity && xt - xt === 0) {
        oa[n - n0] = o;
        sa[n - n0] = 1 + o;
      } else {
        oa[n - n0] = exactRow;
        exactFocalRow(x, b, cols, t, gx);
        qa[n - n0] = exact.q;
        ia[n - n0] = exact.inv;
        ra[n - n0] = exact.pNlpOverQ;
      }
    }
    for (let n = n0; n < n1; n++) {
      const i = n - n0;
      const o = oa[i];
      let q: number;
      let inv: number;
      let ratio: number; // p·(−log p)/(1 − p) = log1p(O)/O
      if (o >= 0) {
        const S = sa[i];
        inv = 1 / S;
        q = o * inv;
        if (gamma === 0 || S === 1) ratio = 1;
        else if (le) ratio = logF64Words(sw[2 * i + 1], sw[2 * i]) / (S - 1);
        else ratio = Math.log1p(o) / o;
      } else if (o === exactRow) {
        q = qa[i];
        inv = ia[i];
        ratio = ra[i];
      } else continue;
      const t = y[n];
      const b = n * cols;
      let f = 1;
      if (gamma !== 0) f = (gamma === 2 ? q * q : q ** gamma) * (1 + gamma * ratio);
      if (alpha !== undefined) f *= alpha[t];
      const a = f * (per === null ? scale : scale * per[n]);
      const ai = a * inv;
      for (let j = 0; j < cols; j++) gx[b + j] *= ai;
      gx[b + t] = -a * q;
    }
  }
}

function focalGradF64(
  x: Float64Array,
  y: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  ignoreIndex: number,
  gamma: number,
  alpha: ArrayLike<number> | undefined,
  scale: number,
  per: ArrayLike<number> | null,
  gx: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = SF_EXP_T;
  const P = SF_EXP_P;
  const hi = SF_LN2_HI_256;
  const lo = SF_LN2_LO_256;
  const l2e = SF_LOG2E_256;
  const off = SF_OFFSET;
  const zero = SF_P_ZERO;
  const oa = OA;
  const sa = SA;
  const sw = SW;
  const qa = QA;
  const ra = RA;
  const le = LITTLE_ENDIAN;
  const chunk = CHUNK;
  const ignoredRow = IGNORED;
  const exactRow = EXACT;
  const ia = IA;
  for (let n0 = r0; n0 < r1; n0 += chunk) {
    const n1 = Math.min(r1, n0 + chunk);
    for (let n = n0; n < n1; n++) {
      const t = y[n];
      const b = n * cols;
      if (t === ignoreIndex) {
        for (let j = 0; j < cols; j++) gx[b + j] = 0;
        oa[n - n0] = ignoredRow;
        continue;
      }
      const xt = x[b + t];
      let o = 0;
      let sr = 0;
      let bad = 0;
      for (let j = 0; j < t; j++) {
        const v = x[b + j] - xt;
        const kk = (off + 0.5 - v * l2e) | 0;
        const k = kk - off;
        const r = v + k * hi + k * lo;
        const q = r * r;
        const i = (k >> 8) + zero;
        bad |= i;
        sr += q;
        const e = (1 + r + q * (1 / 2 + r * (1 / 6) + q * (1 / 24))) * T[kk & 255] * P[i & 4095];
        gx[b + j] = e;
        o += e;
      }
      for (let j = t + 1; j < cols; j++) {
        const v = x[b + j] - xt;
        const kk = (off + 0.5 - v * l2e) | 0;
        const k = kk - off;
        const r = v + k * hi + k * lo;
        const q = r * r;
        const i = (k >> 8) + zero;
        bad |= i;
        sr += q;
        const e = (1 + r + q * (1 / 2 + r * (1 / 6) + q * (1 / 24))) * T[kk & 255] * P[i & 4095];
        gx[b + j] = e;
        o += e;
      }
      if ((bad & -4096) === 0 && sr < 1e6 && o < Infinity && xt - xt === 0) {
        oa[n - n0] = o;
        sa[n - n0] = 1 + o;
      } else {
        oa[n - n0] = exactRow;
        exactFocalRow(x, b, cols, t, gx);
        qa[n - n0] = exact.q;
        ia[n - n0] = exact.inv;
        ra[n - n0] = exact.pNlpOverQ;
      }
    }
    for (let n = n0; n < n1; n++) {
      const i = n - n0;
      const o = oa[i];
      let q: number;
      let inv: number;
      let ratio: number; // p·(−log p)/(1 − p) = log1p(O)/O
      if (o >= 0) {
        const S = sa[i];
        inv = 1 / S;
        q = o * inv;
        if (gamma === 0 || S === 1) ratio = 1;
        else if (le) ratio = logF64Words(sw[2 * i + 1], sw[2 * i]) / (S - 1);
        else ratio = Math.log1p(o) / o;
      } else if (o === exactRow) {
        q = qa[i];
        inv = ia[i];
        ratio = ra[i];
      } else continue;
      const t = y[n];
      const b = n * cols;
      let f = 1;
      if (gamma !== 0) f = (gamma === 2 ? q * q : q ** gamma) * (1 + gamma * ratio);
      if (alpha !== undefined) f *= alpha[t];
      const a = f * (per === null ? scale : scale * per[n]);
      const ai = a * inv;
      for (let j = 0; j < cols; j++) gx[b + j] *= ai;
      gx[b + t] = -a * q;
    }
  }
}

function focalGradAny(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  ignoreIndex: number,
  gamma: number,
  alpha: ArrayLike<number> | undefined,
  scale: number,
  per: ArrayLike<number> | null,
  gx: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = SF_EXP_T;
  const P = SF_EXP_P;
  const hi = SF_LN2_HI_256;
  const lo = SF_LN2_LO_256;
  const l2e = SF_LOG2E_256;
  const off = SF_OFFSET;
  const zero = SF_P_ZERO;
  const oa = OA;
  const sa = SA;
  const sw = SW;
  const qa = QA;
  const ra = RA;
  const le = LITTLE_ENDIAN;
  const chunk = CHUNK;
  const ignoredRow = IGNORED;
  const exactRow = EXACT;
  const ia = IA;
  for (let n0 = r0; n0 < r1; n0 += chunk) {
    const n1 = Math.min(r1, n0 + chunk);
    for (let n = n0; n < n1; n++) {
      const t = y[n];
      const b = n * cols;
      if (t === ignoreIndex) {
        for (let j = 0; j < cols; j++) gx[b + j] = 0;
        oa[n - n0] = ignoredRow;
        continue;
      }
      const xt = x[b + t];
      let o = 0;
      let sr = 0;
      let bad = 0;
      for (let j = 0; j < t; j++) {
        const v = x[b + j] - xt;
        const kk = (off + 0.5 - v * l2e) | 0;
        const k = kk - off;
        const r = v + k * hi + k * lo;
        const q = r * r;
        const i = (k >> 8) + zero;
        bad |= i;
        sr += q;
        const e = (1 + r + q * (1 / 2 + r * (1 / 6) + q * (1 / 24))) * T[kk & 255] * P[i & 4095];
        gx[b + j] = e;
        o += e;
      }
      for (let j = t + 1; j < cols; j++) {
        const v = x[b + j] - xt;
        const kk = (off + 0.5 - v * l2e) | 0;
        const k = kk - off;
        const r = v + k * hi + k * lo;
        const q = r * r;
        const i = (k >> 8) + zero;
        bad |= i;
        sr += q;
        const e = (1 + r + q * (1 / 2 + r * (1 / 6) + q * (1 / 24))) * T[kk & 255] * P[i & 4095];
        gx[b + j] = e;
        o += e;
      }
      if ((bad & -4096) === 0 && sr < 1e6 && o < Infinity && xt - xt === 0) {
        oa[n - n0] = o;
        sa[n - n0] = 1 + o;
      } else {
        oa[n - n0] = exactRow;
        exactFocalRow(x, b, cols, t, gx);
        qa[n - n0] = exact.q;
        ia[n - n0] = exact.inv;
        ra[n - n0] = exact.pNlpOverQ;
      }
    }
    for (let n = n0; n < n1; n++) {
      const i = n - n0;
      const o = oa[i];
      let q: number;
      let inv: number;
      let ratio: number; // p·(−log p)/(1 − p) = log1p(O)/O
      if (o >= 0) {
        const S = sa[i];
        inv = 1 / S;
        q = o * inv;
        if (gamma === 0 || S === 1) ratio = 1;
        else if (le) ratio = logF64Words(sw[2 * i + 1], sw[2 * i]) / (S - 1);
        else ratio = Math.log1p(o) / o;
      } else if (o === exactRow) {
        q = qa[i];
        inv = ia[i];
        ratio = ra[i];
      } else continue;
      const t = y[n];
      const b = n * cols;
      let f = 1;
      if (gamma !== 0) f = (gamma === 2 ? q * q : q ** gamma) * (1 + gamma * ratio);
      if (alpha !== undefined) f *= alpha[t];
      const a = f * (per === null ? scale : scale * per[n]);
      const ai = a * inv;
      for (let j = 0; j < cols; j++) gx[b + j] *= ai;
      gx[b + t] = -a * q;
    }
  }
}

// ─── distillation ────────────────────────────────────────────────────────────────────────────
//
// With a = 1/T, each input shifted by its row's first logit (vtⱼ = a·(tⱼ − t₀), vsⱼ = a·(sⱼ − s₀);
// term j = 0 is exactly 1, so both sums St = Σ e^vt, Ss = Σ e^vs are ≥ 1 and nothing underflows to
// log 0), log qⱼ = vtⱼ − log St and log pⱼ = vsⱼ − log Ss, so with Σⱼ qⱼ = 1
//   KL(q ‖ p) = Σⱼ qⱼ·(log qⱼ − log pⱼ) = (Σⱼ e^vtⱼ·(vtⱼ − vsⱼ)) / St + log(Ss / St):
// one exp per logit of each input and one log per row, no per-element log. A qⱼ that underflows
// to 0 contributes 0·(vtⱼ − vsⱼ) = 0 (both finite on this path). Identical rows give exactly 0.
// Error (absolute, per row, u = 2⁻⁵³): vtⱼ, vsⱼ carry ≤ 2u relative each (the difference and the
// product by a; exact for float32 logits at a = 1), the terms e^v ≤ 3.2 ulp and their sums
// ≤ (C − 2)u relative, so the first part is off by ≲ (C + 8)u·maxⱼ(|vtⱼ| + |vsⱼ|) and the log
// by ≲ (2C + 8)u + u·|log(Ss/St)|: ≲ (2C + 10)u·(1 + maxⱼ(|vtⱼ| + |vsⱼ|)), the same order as
// forming each log qⱼ − log pⱼ from max-shifted log-softmaxes (u times the logit range). The
// range test also asks St, Ss < 2¹⁰⁰ (so |log(Ss/St)| < 70, and a row whose first logit sits far
// below the others takes the max-shifted fallback instead).
const SUM_LIMIT = 2 ** 100;

/** T²-free KL of one row by max-shifted log-softmaxes with Math.exp (the fallback). */
function exactDistillRow(
  xs: ArrayLike<number>,
  xt: ArrayLike<number>,
  b: number,
  cols: number,
  a: number,
): number {
  const mt = rowMax(xt, b, cols);
  const ms = rowMax(xs, b, cols);
  let st = 0;
  let ss = 0;
  for (let j = 0; j < cols; j++) {
    st += Math.exp(a * (xt[b + j] - mt));
    ss += Math.exp(a * (xs[b + j] - ms));
  }
  const lt = Math.log(st);
  const ls = Math.log(ss);
  let v = 0;
  for (let j = 0; j < cols; j++) {
    const q = Math.exp(a * (xt[b + j] - mt)) / st;
    if (q !== 0) v += q * (a * (xt[b + j] - mt) - lt - (a * (xs[b + j] - ms) - ls));
  }
  return v;
}

/** Max-shifted softmax numerators of both rows into e[b + j] (student) and et[j] (teacher). */
function exactDistillNumerators(
  xs: ArrayLike<number>,
  xt: ArrayLike<number>,
  b: number,
  cols: number,
  a: number,
  e: Float64Array,
  et: Float64Array,
): void {
  const mt = rowMax(xt, b, cols);
  const ms = rowMax(xs, b, cols);
  let st = 0;
  let ss = 0;
  for (let j = 0; j < cols; j++) {
    const vt = Math.exp(a * (xt[b + j] - mt));
    const vs = Math.exp(a * (xs[b + j] - ms));
    et[j] = vt;
    e[b + j] = vs;
    st += vt;
    ss += vs;
  }
  exactDistill.invS = 1 / ss;
  exactDistill.invT = 1 / st;
}

/** Side results of {@link exactDistillNumerators}: 1/Σ of the student's and the teacher's terms. */
const exactDistill = { invS: 0, invT: 0 };

/** The largest entry of a row; 0 when it is ±∞ (no ∞ − ∞ in the shift); NaN entries skipped. */
function rowMax(x: ArrayLike<number>, b: number, cols: number): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < cols; j++) {
    const v = x[b + j];
    if (v > m) m = v;
  }
  return m === Number.POSITIVE_INFINITY || m === Number.NEGATIVE_INFINITY ? 0 : m;
}

/**
 * distillation over rows `r0 ≤ n < r1`: ℓₙ = T²·KL(softmax(tₙ/T) ‖ softmax(sₙ/T)) (`a` = 1/T,
 * `t2` = T²) into `out[n]` when given, Σℓ as a Neumaier pair in `acc[0] + acc[1]`.
 */
export function sfDistillRows(
  xs: ArrayLike<number>,
  xt: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  a: number,
  t2: number,
  out: Float64Array | null,
  acc: Float64Array,
): void {
  if (xs instanceof Float32Array && xt instanceof Float32Array)
    distillF32(xs, xt, r0, r1, cols, a, t2, out, acc);
  else if (xs instanceof Float64Array && xt instanceof Float64Array)
    distillF64(xs, xt, r0, r1, cols, a, t2, out, acc);
  else distillAny(xs, xt, r0, r1, cols, a, t2, out, acc);
}

/**
 * distillationGrad over rows `r0 ≤ n < r1` into `gs`: gsₙⱼ = kₙ·(pⱼ − qⱼ) with
 * kₙ = T·scale·(per ? per[n] : 1) (`temperature` = T, `a` = 1/T); `et` is a scratch row of
 * `cols` entries. The student's terms are parked in gs's row and scaled in place.
 */
export function sfDistillGradRows(
  xs: ArrayLike<number>,
  xt: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  a: number,
  temperature: number,
  scale: number,
  per: ArrayLike<number> | null,
  gs: Float64Array,
  et: Float64Array,
): void {
  if (xs instanceof Float32Array && xt instanceof Float32Array)
    distillGradF32(xs, xt, r0, r1, cols, a, temperature, scale, per, gs, et);
  else if (xs instanceof Float64Array && xt instanceof Float64Array)
    distillGradF64(xs, xt, r0, r1, cols, a, temperature, scale, per, gs, et);
  else distillGradAny(xs, xt, r0, r1, cols, a, temperature, scale, per, gs, et);
}

function distillF32(
  xs: Float32Array,
  xt: Float32Array,
  r0: number,
  r1: number,
  cols: number,
  a: number,
  t2: number,
  out: Float64Array | null,
  acc: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = SF_EXP_T;
  const P = SF_EXP_P;
  const hi = SF_LN2_HI_256;
  const lo = SF_LN2_LO_256;
  const l2e = SF_LOG2E_256;
  const off = SF_OFFSET;
  const zero = SF_P_ZERO;
  let s = 0;
  let c = 0;
  for (let n = r0; n < r1; n++) {
    const b = n * cols;
    const t0 = xt[b];
    const s0 = xs[b];
    let st = 1;
    let ss = 1;
    let d = 0;
    let sr = 0;
    let bad = 0;
    for (let j = 1; j < cols; j++) {
      const vt = a * (xt[b + j] - t0);
      const vs = a * (xs[b + j] - s0);
      const kkt = (off + 0.5 - vt * l2e) | 0;
      const kt = kkt - off;
      const rt = vt + kt * hi + kt * lo;
      const qt = rt * rt;
      const it = (kt >> 8) + zero;
      bad |= it;
      sr += qt;
      const et =
        (1 + rt + qt * (1 / 2 + rt * (1 / 6) + qt * (1 / 24))) * T[kkt & 255] * P[it & 4095];
      const kks = (off + 0.5 - vs * l2e) | 0;
      const ks = kks - off;
      const rs = vs + ks * hi + ks * lo;
      const qs = rs * rs;
      const is = (ks >> 8) + zero;
      bad |= is;
      sr += qs;
      const es =
        (1 + rs + qs * (1 / 2 + rs * (1 / 6) + qs * (1 / 24))) * T[kks & 255] * P[is & 4095];
      st += et;
      ss += es;
      d += et * (vt - vs);
    }
    let v =
      (bad & -4096) === 0 && sr < 1e6 && st < SUM_LIMIT && ss < SUM_LIMIT
        ? d / st + Math.log(ss / st)
        : exactDistillRow(xs, xt, b, cols, a);
    v *= t2;
    if (out !== null) out[n] = v;
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  }
  acc[0] = s;
  acc[1] = c;
}

function distillF64(
  xs: Float64Array,
  xt: Float64Array,
  r0: number,
  r1: number,
  cols: number,
  a: number,
  t2: number,
  out: Float64Array | null,
  acc: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = SF_EXP_T;
  const P = SF_EXP_P;
  const hi = SF_LN2_HI_256;
  const lo = SF_LN2_LO_256;
  const l2e = SF_LOG2E_256;
  const off = SF_OFFSET;
  const zero = SF_P_ZERO;
  let s = 0;
  let c = 0;
  for (let n = r0; n < r1; n++) {
    const b = n * cols;
    const t0 = xt[b];
    const s0 = xs[b];
    let st = 1;
    let ss = 1;
    let d = 0;
    let sr = 0;
    let bad = 0;
    for (let j = 1; j < cols; j++) {
      const vt = a * (xt[b + j] - t0);
      const vs = a * (xs[b + j] - s0);
      const kkt = (off + 0.5 - vt * l2e) | 0;
      const kt = kkt - off;
      const rt = vt + kt * hi + kt * lo;
      const qt = rt * rt;
      const it = (kt >> 8) + zero;
      bad |= it;
      sr += qt;
      const et =
        (1 + rt + qt * (1 / 2 + rt * (1 / 6) + qt * (1 / 24))) * T[kkt & 255] * P[it & 4095];
      const kks = (off + 0.5 - vs * l2e) | 0;
      const ks = kks - off;
      const rs = vs + ks * hi + ks * lo;
      const qs = rs * rs;
      const is = (ks >> 8) + zero;
      bad |= is;
      sr += qs;
      const es =
        (1 + rs + qs * (1 / 2 + rs * (1 / 6) + qs * (1 / 24))) * T[kks & 255] * P[is & 4095];
      st += et;
      ss += es;
      d += et * (vt - vs);
    }
    let v =
      (bad & -4096) === 0 && sr < 1e6 && st < SUM_LIMIT && ss < SUM_LIMIT
        ? d / st + Math.log(ss / st)
        : exactDistillRow(xs, xt, b, cols, a);
    v *= t2;
    if (out !== null) out[n] = v;
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  }
  acc[0] = s;
  acc[1] = c;
}

function distillAny(
  xs: ArrayLike<number>,
  xt: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  a: number,
  t2: number,
  out: Float64Array | null,
  acc: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = SF_EXP_T;
  const P = SF_EXP_P;
  const hi = SF_LN2_HI_256;
  const lo = SF_LN2_LO_256;
  const l2e = SF_LOG2E_256;
  const off = SF_OFFSET;
  const zero = SF_P_ZERO;
  let s = 0;
  let c = 0;
  for (let n = r0; n < r1; n++) {
    const b = n * cols;
    const t0 = xt[b];
    const s0 = xs[b];
    let st = 1;
    let ss = 1;
    let d = 0;
    let sr = 0;
    let bad = 0;
    for (let j = 1; j < cols; j++) {
      const vt = a * (xt[b + j] - t0);
      const vs = a * (xs[b + j] - s0);
      const kkt = (off + 0.5 - vt * l2e) | 0;
      const kt = kkt - off;
      const rt = vt + kt * hi + kt * lo;
      const qt = rt * rt;
      const it = (kt >> 8) + zero;
      bad |= it;
      sr += qt;
      const et =
        (1 + rt + qt * (1 / 2 + rt * (1 / 6) + qt * (1 / 24))) * T[kkt & 255] * P[it & 4095];
      const kks = (off + 0.5 - vs * l2e) | 0;
      const ks = kks - off;
      const rs = vs + ks * hi + ks * lo;
      const qs = rs * rs;
      const is = (ks >> 8) + zero;
      bad |= is;
      sr += qs;
      const es =
        (1 + rs + qs * (1 / 2 + rs * (1 / 6) + qs * (1 / 24))) * T[kks & 255] * P[is & 4095];
      st += et;
      ss += es;
      d += et * (vt - vs);
    }
    let v =
      (bad & -4096) === 0 && sr < 1e6 && st < SUM_LIMIT && ss < SUM_LIMIT
        ? d / st + Math.log(ss / st)
        : exactDistillRow(xs, xt, b, cols, a);
    v *= t2;
    if (out !== null) out[n] = v;
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  }
  acc[0] = s;
  acc[1] = c;
}

function distillGradF32(
  xs: Float32Array,
  xt: Float32Array,
  r0: number,
  r1: number,
  cols: number,
  a: number,
  temperature: number,
  scale: number,
  per: ArrayLike<number> | null,
  gs: Float64Array,
  e: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = SF_EXP_T;
  const P = SF_EXP_P;
  const hi = SF_LN2_HI_256;
  const lo = SF_LN2_LO_256;
  const l2e = SF_LOG2E_256;
  const off = SF_OFFSET;
  const zero = SF_P_ZERO;
  for (let n = r0; n < r1; n++) {
    const b = n * cols;
    const t0 = xt[b];
    const s0 = xs[b];
    let st = 1;
    let ss = 1;
    let sr = 0;
    let bad = 0;
    e[0] = 1;
    gs[b] = 1;
    for (let j = 1; j < cols; j++) {
      const vt = a * (xt[b + j] - t0);
      const vs = a * (xs[b + j] - s0);
      const kkt = (off + 0.5 - vt * l2e) | 0;
      const kt = kkt - off;
      const rt = vt + kt * hi + kt * lo;
      const qt = rt * rt;
      const it = (kt >> 8) + zero;
      bad |= it;
      sr += qt;
      const et =
        (1 + rt + qt * (1 / 2 + rt * (1 / 6) + qt * (1 / 24))) * T[kkt & 255] * P[it & 4095];
      const kks = (off + 0.5 - vs * l2e) | 0;
      const ks = kks - off;
      const rs = vs + ks * hi + ks * lo;
      const qs = rs * rs;
      const is = (ks >> 8) + zero;
      bad |= is;
      sr += qs;
      const es =
        (1 + rs + qs * (1 / 2 + rs * (1 / 6) + qs * (1 / 24))) * T[kks & 255] * P[is & 4095];
      e[j] = et;
      gs[b + j] = es;
      st += et;
      ss += es;
    }
    let is: number;
    let it: number;
    if ((bad & -4096) === 0 && sr < 1e6 && st < SUM_LIMIT && ss < SUM_LIMIT) {
      is = 1 / ss;
      it = 1 / st;
    } else {
      exactDistillNumerators(xs, xt, b, cols, a, gs, e);
      is = exactDistill.invS;
      it = exactDistill.invT;
    }
    const k = temperature * (per === null ? scale : scale * per[n]);
    is *= k;
    it *= k;
    for (let j = 0; j < cols; j++) gs[b + j] = gs[b + j] * is - e[j] * it;
  }
}

function distillGradF64(
  xs: Float64Array,
  xt: Float64Array,
  r0: number,
  r1: number,
  cols: number,
  a: number,
  temperature: number,
  scale: number,
  per: ArrayLike<number> | null,
  gs: Float64Array,
  e: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = SF_EXP_T;
  const P = SF_EXP_P;
  const hi = SF_LN2_HI_256;
  const lo = SF_LN2_LO_256;
  const l2e = SF_LOG2E_256;
  const off = SF_OFFSET;
  const zero = SF_P_ZERO;
  for (let n = r0; n < r1; n++) {
    const b = n * cols;
    const t0 = xt[b];
    const s0 = xs[b];
    let st = 1;
    let ss = 1;
    let sr = 0;
    let bad = 0;
    e[0] = 1;
    gs[b] = 1;
    for (let j = 1; j < cols; j++) {
      const vt = a * (xt[b + j] - t0);
      const vs = a * (xs[b + j] - s0);
      const kkt = (off + 0.5 - vt * l2e) | 0;
      const kt = kkt - off;
      const rt = vt + kt * hi + kt * lo;
      const qt = rt * rt;
      const it = (kt >> 8) + zero;
      bad |= it;
      sr += qt;
      const et =
        (1 + rt + qt * (1 / 2 + rt * (1 / 6) + qt * (1 / 24))) * T[kkt & 255] * P[it & 4095];
      const kks = (off + 0.5 - vs * l2e) | 0;
      const ks = kks - off;
      const rs = vs + ks * hi + ks * lo;
      const qs = rs * rs;
      const is = (ks >> 8) + zero;
      bad |= is;
      sr += qs;
      const es =
        (1 + rs + qs * (1 / 2 + rs * (1 / 6) + qs * (1 / 24))) * T[kks & 255] * P[is & 4095];
      e[j] = et;
      gs[b + j] = es;
      st += et;
      ss += es;
    }
    let is: number;
    let it: number;
    if ((bad & -4096) === 0 && sr < 1e6 && st < SUM_LIMIT && ss < SUM_LIMIT) {
      is = 1 / ss;
      it = 1 / st;
    } else {
      exactDistillNumerators(xs, xt, b, cols, a, gs, e);
      is = exactDistill.invS;
      it = exactDistill.invT;
    }
    const k = temperature * (per === null ? scale : scale * per[n]);
    is *= k;
    it *= k;
    for (let j = 0; j < cols; j++) gs[b + j] = gs[b + j] * is - e[j] * it;
  }
}

function distillGradAny(
  xs: ArrayLike<number>,
  xt: ArrayLike<number>,
  r0: number,
  r1: number,
  cols: number,
  a: number,
  temperature: number,
  scale: number,
  per: ArrayLike<number> | null,
  gs: Float64Array,
  e: Float64Array,
): void {
  // Imported bindings are re-checked on every access; local copies are plain registers.
  const T = SF_EXP_T;
  const P = SF_EXP_P;
  const hi = SF_LN2_HI_256;
  const lo = SF_LN2_LO_256;
  const l2e = SF_LOG2E_256;
  const off = SF_OFFSET;
  const zero = SF_P_ZERO;
  for (let n = r0; n < r1; n++) {
    const b = n * cols;
    const t0 = xt[b];
    const s0 = xs[b];
    let st = 1;
    let ss = 1;
    let sr = 0;
    let bad = 0;
    e[0] = 1;
    gs[b] = 1;
    for (let j = 1; j < cols; j++) {
      const vt = a * (xt[b + j] - t0);
      const vs = a * (xs[b + j] - s0);
      const kkt = (off + 0.5 - vt * l2e) | 0;
      const kt = kkt - off;
      const rt = vt + kt * hi + kt * lo;
      const qt = rt * rt;
      const it = (kt >> 8) + zero;
      bad |= it;
      sr += qt;
      const et =
        (1 + rt + qt * (1 / 2 + rt * (1 / 6) + qt * (1 / 24))) * T[kkt & 255] * P[it & 4095];
      const kks = (off + 0.5 - vs * l2e) | 0;
      const ks = kks - off;
      const rs = vs + ks * hi + ks * lo;
      const qs = rs * rs;
      const is = (ks >> 8) + zero;
      bad |= is;
      sr += qs;
      const es =
        (1 + rs + qs * (1 / 2 + rs * (1 / 6) + qs * (1 / 24))) * T[kks & 255] * P[is & 4095];
      e[j] = et;
      gs[b + j] = es;
      st += et;
      ss += es;
    }
    let is: number;
    let it: number;
    if ((bad & -4096) === 0 && sr < 1e6 && st < SUM_LIMIT && ss < SUM_LIMIT) {
      is = 1 / ss;
      it = 1 / st;
    } else {
      exactDistillNumerators(xs, xt, b, cols, a, gs, e);
      is = exactDistill.invS;
      it = exactDistill.invT;
    }
    const k = temperature * (per === null ? scale : scale * per[n]);
    is *= k;
    it *= k;
    for (let j = 0; j < cols; j++) gs[b + j] = gs[b + j] * is - e[j] * it;
  }
}
