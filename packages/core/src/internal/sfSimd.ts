// distillation, softmaxFocal and their gradients over float32 logits in WebAssembly SIMD (sfSimd.wat): the
// JavaScript loops of sfRows.ts spend ~5 ns a logit on a float64 exp; the kernels do two logits
// per step in float64 lanes.
//
// distillationGrad: per row the kernel computes what sfRows.ts's distillGrad loop computes: the
// shifts s₀, t₀ (each row's first logit), vsⱼ = a·(sⱼ − s₀), vtⱼ = a·(tⱼ − t₀), the exps, their
// sums Ss, St ≥ 1, and gsⱼ = k·(e^vsⱼ/Ss − e^vtⱼ/St).
//
// Error of one term exp(v) (the kernel's steps, u = 2⁻⁵³, 1 ulp = 2u near 1):
//  • k = round(v·256/ln2) (to within 0.5 + 3e−11 after the rounding of the product), so
//    |r| ≤ ln2/512·(1 + 1e−10) ≤ 0.0013539. k·LN2HI is exact (LN2HI has 32 significant bits,
//    |k| < 2¹⁸), v − k·LN2HI is exact (Sterbenz, k ≠ 0), the product k·LN2LO (< 2e−7) and the
//    final subtraction round: |r̂ − r| ≤ u·|r| + 2e−7·u ≤ 0.0014u, the relative error it causes;
//  • exp(r) by its Taylor polynomial of degree 4: remainder ≤ |r|⁵/120·e^|r| ≤ 3.82e−17 = 0.35u
//    relative; (1 + r) rounds (≤ u), the r² part (< 9.2e−7) carries ≤ 4u relative, the last
//    addition rounds (≤ u): ≤ 2.02u relative;
//  • T[i] = 2^(i/256) from Math.pow: ≤ 1 ulp = 2u; 2^⌊k/256⌋ joins it exactly (exponent field;
//    v ∈ [−700, 69] keeps the result normal);
//  • the product rounds: ≤ u.
// Total: ≤ 5.4u = 2.7 ulp relative per term (sfExp's bound is 3.2 ulp). Each lane adds its terms
// in order and the lanes are added at the end: Ss and St within (C/2 + 1)u + 5.4u relative, as
// the JavaScript loop's (C − 1)u + 6.4u. So gsⱼ matches that loop's to a few ulp of k·max(p, q).
//
// distillation: "distill" gives per row d = Σ e^vtⱼ·(vtⱼ − vsⱼ), St and Ss, and KL = d/St +
// log(Ss/St) is formed here as sfRows.ts's forward loop forms it (lanes: d within the same order
// of error as that loop's, ≲ (C + 8)u·maxⱼ(|vtⱼ| + |vsⱼ|)).
//
// Rows the kernel flags (a v outside [−700, 69], where a term would overflow or must show exp's
// own tiny values rather than a clamp's, or a NaN or ±∞ logit) are recomputed by the JavaScript
// loop (sfRows.ts), which has the exact fallback and the non-finite semantics.
//
// softmaxFocalGrad: "focalExp" shifts each row by its target's logit and stores eⱼ = exp(xⱼ − x_y)
// and O = Σ_{j≠y} eⱼ (the target's lane masked out of the sum: O is a sum of the other terms only,
// within (C/2 + 1)u + 5.4u relative); the per-row factors (one log each, sfRows.ts's formulas,
// log1p(O) = O·log(S)/(S − 1) with logF64Words) are formed here, and "focalScale" scales the
// rows and sets the target's entry. Flagged rows (a logit above x_y + 69 or below x_y − 700, NaN,
// ±∞) and ignored rows are then redone by the JavaScript loop.
//
// Memory: one module instance, compiled on first use and kept: the 2 KiB table, and per call
// up to SIMD_CHUNK logits of each input (copied in with one set() each) and their f64 result
// (copied out with one set()).
import { LITTLE_ENDIAN, logF64Words } from './logF64Words.js';
import { sfDistillGradRows, sfDistillRows, sfFocalGradRows, sfFocalRows } from './sfRows.js';
import { SF_SIMD_WASM } from './sfSimdBytes.js';
import { fillExp2Table, simdKernelWith, WASM_PAGE, type WasmMemory } from './wasmSimd.js';

type DistillGradFn = (
  ps: number,
  pt: number,
  rows: number,
  cols: number,
  out: number,
  scr: number,
  kp: number,
  stats: number,
  a: number,
) => void;
type FocalExpFn = (
  p: number,
  ys: number,
  rows: number,
  cols: number,
  out: number,
  stats: number,
) => void;
type FocalScaleFn = (
  out: number,
  ys: number,
  rows: number,
  cols: number,
  fac: number,
  tv: number,
) => void;
type DistillFn = (
  ps: number,
  pt: number,
  rows: number,
  cols: number,
  stats: number,
  a: number,
) => void;
interface Kernel {
  memory: WasmMemory;
  distill: DistillFn;
  distillGrad: DistillGradFn;
  focalExp: FocalExpFn;
  focalScale: FocalScaleFn;
}

const TABLE_SIZE = 256;
/** Logits per kernel call (64 KiB of each input in, 128 KiB out: they stay in L2). */
const SIMD_CHUNK = 1 << 14;
/** Rows wider than this stay in JavaScript (bounds the memory kept). */
const SIMD_MAX_COLS = 1 << 18;
/** sfRows.ts's bound on the exp-sums of the distillation's fast path. */
const SUM_LIMIT = 2 ** 100;
let kernel: Kernel | null | undefined;

/** The kernel with at least `bytes` of memory (table filled in), or null without WebAssembly SIMD. */
function sfKernel(bytes: number): Kernel | null {
  kernel = simdKernelWith(kernel, SF_SIMD_WASM, bytes, ({ exports, memory }) => {
    fillExp2Table(new Float64Array(memory.buffer, 0, TABLE_SIZE));
    return {
      memory,
      distill: exports.distill as DistillFn,
      distillGrad: exports.distillGrad as DistillGradFn,
      focalExp: exports.focalExp as FocalExpFn,
      focalScale: exports.focalScale as FocalScaleFn,
    };
  });
  return kernel;
}

/** Whether this runtime runs the SIMD kernel (Node ≥ 16.4, current browsers). */
export function sfSimdAvailable(): boolean {
  return sfKernel(WASM_PAGE) !== null;
}

/**
 * sfRows.ts's `sfDistillGradRows` contract for float32 student and teacher logits (rows
 * `0 ≤ n < rows`) through the SIMD kernel. Returns false, touching nothing, where the kernel is
 * missing or cols is outside [2, SIMD_MAX_COLS].
 */
export function sfDistillGradRowsSimd(
  xs: Float32Array,
  xt: Float32Array,
  rows: number,
  cols: number,
  a: number,
  temperature: number,
  scale: number,
  per: ArrayLike<number> | null,
  gs: Float64Array,
  e: Float64Array,
): boolean {
  if (!(cols >= 2 && cols <= SIMD_MAX_COLS)) return false;
  const n = Math.max(1, Math.floor(SIMD_CHUNK / cols)); // rows per call
  const len = n * cols;
  const stats = 8 * TABLE_SIZE;
  const kp = stats + 8 * n;
  const ps = kp + 8 * n;
  const pt = ps + ((4 * len + 4 + 15) & ~15); // 4 readable bytes past the rows
  const out = pt + ((4 * len + 4 + 15) & ~15);
  const scr = out + 8 * len;
  const need = scr + 8 * cols + 16;
  const kern = sfKernel(need);
  if (kern === null) return false;
  const buf = kern.memory.buffer;
  const sF32 = new Float32Array(buf, ps, len);
  const tF32 = new Float32Array(buf, pt, len);
  const outF64 = new Float64Array(buf, out, len);
  const st = new Float64Array(buf, stats, n);
  const ks = new Float64Array(buf, kp, n);
  for (let n0 = 0; n0 < rows; n0 += n) {
    const n1 = Math.min(rows, n0 + n);
    const m = (n1 - n0) * cols;
    sF32.set(xs.subarray(n0 * cols, n0 * cols + m));
    tF32.set(xt.subarray(n0 * cols, n0 * cols + m));
    // k as the JavaScript loop forms it
    if (per === null) ks.fill(temperature * scale);
    else for (let i = n0; i < n1; i++) ks[i - n0] = temperature * (scale * per[i]);
    kern.distillGrad(ps, pt, n1 - n0, cols, out, scr, kp, stats, a);
    gs.set(m === len ? outF64 : outF64.subarray(0, m), n0 * cols);
    for (let i = n0; i < n1; i++) {
      if (!Number.isFinite(st[i - n0]))
        sfDistillGradRows(xs, xt, i, i + 1, cols, a, temperature, scale, per, gs, e);
    }
  }
  return true;
}

/**
 * sfRows.ts's `sfFocalGradRows` contract for float32 logits (rows `0 ≤ n < rows`) through the
 * SIMD kernels. Returns false, touching nothing, where the kernels are missing or cols is
 * outside [2, SIMD_MAX_COLS].
 */
export function sfFocalGradRowsSimd(
  x: Float32Array,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  ignoreIndex: number,
  gamma: number,
  alpha: ArrayLike<number> | undefined,
  scale: number,
  per: ArrayLike<number> | null,
  gx: Float64Array,
): boolean {
  if (!(cols >= 2 && cols <= SIMD_MAX_COLS)) return false;
  const n = Math.max(1, Math.floor(SIMD_CHUNK / cols)); // rows per call
  const len = n * cols;
  const stats = 8 * TABLE_SIZE;
  const fac = stats + 8 * n;
  const tv = fac + 8 * n;
  const ys = tv + 8 * n;
  const p = ys + ((4 * n + 15) & ~15);
  const out = p + ((4 * len + 4 + 15) & ~15); // 4 readable bytes past the rows
  const need = out + 8 * len;
  const kern = sfKernel(need);
  if (kern === null) return false;
  const buf = kern.memory.buffer;
  const xF32 = new Float32Array(buf, p, len);
  const outF64 = new Float64Array(buf, out, len);
  const oa = new Float64Array(buf, stats, n);
  const fa = new Float64Array(buf, fac, n);
  const ta = new Float64Array(buf, tv, n);
  const ya = new Int32Array(buf, ys, n);
  const sa = new Float64Array(1);
  const sw = new Int32Array(sa.buffer);
  const le = LITTLE_ENDIAN;
  for (let n0 = 0; n0 < rows; n0 += n) {
    const n1 = Math.min(rows, n0 + n);
    const m = (n1 - n0) * cols;
    xF32.set(x.subarray(n0 * cols, n0 * cols + m));
    let redo = false;
    for (let i = n0; i < n1; i++) {
      const t = y[i];
      ya[i - n0] = t === ignoreIndex ? 0 : t;
    }
    kern.focalExp(p, ys, n1 - n0, cols, out, stats);
    for (let i = n0; i < n1; i++) {
      const o = oa[i - n0];
      const t = y[i];
      if (t === ignoreIndex || !(o >= 0)) {
        redo = true;
        fa[i - n0] = 0;
        ta[i - n0] = 0;
        continue;
      }
      // sfRows.ts's focalGrad, pass 2 (the same expressions)
      const S = 1 + o;
      const inv = 1 / S;
      const q = o * inv;
      let ratio: number; // p·(−log p)/(1 − p) = log1p(O)/O
      if (gamma === 0 || S === 1) ratio = 1;
      else if (le) {
        sa[0] = S;
        ratio = logF64Words(sw[1], sw[0]) / (S - 1);
      } else ratio = Math.log1p(o) / o;
      let f = 1;
      if (gamma !== 0) f = (gamma === 2 ? q * q : q ** gamma) * (1 + gamma * ratio);
      if (alpha !== undefined) f *= alpha[t];
      const a = f * (per === null ? scale : scale * per[i]);
      fa[i - n0] = a * inv;
      ta[i - n0] = -a * q;
    }
    kern.focalScale(out, ys, n1 - n0, cols, fac, tv);
    gx.set(m === len ? outF64 : outF64.subarray(0, m), n0 * cols);
    if (redo) {
      for (let i = n0; i < n1; i++) {
        if (y[i] === ignoreIndex || !(oa[i - n0] >= 0))
          sfFocalGradRows(x, y, i, i + 1, cols, ignoreIndex, gamma, alpha, scale, per, gx);
      }
    }
  }
  return true;
}

/**
 * sfRows.ts's `sfFocalRows` contract (rows `0 ≤ n < rows`, Σℓ as a Neumaier pair in `acc[0] +
 * acc[1]`, the ignored rows' count in `acc[2]`, ℓₙ into `out` when given) for float32 logits:
 * O from the "focalExp" kernel, the rest as sfRows.ts's forward loop forms it. Returns false,
 * touching nothing, where the kernels are missing or cols is outside [2, SIMD_MAX_COLS].
 */
export function sfFocalRowsSimd(
  x: Float32Array,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  ignoreIndex: number,
  gamma: number,
  alpha: ArrayLike<number> | undefined,
  out: Float64Array | null,
  acc: Float64Array,
): boolean {
  if (!(cols >= 2 && cols <= SIMD_MAX_COLS)) return false;
  const n = Math.max(1, Math.floor(SIMD_CHUNK / cols)); // rows per call
  const len = n * cols;
  const stats = 8 * TABLE_SIZE;
  const ys = stats + 8 * n;
  const p = ys + ((4 * n + 15) & ~15);
  const exps = p + ((4 * len + 4 + 15) & ~15); // 4 readable bytes past the rows
  const need = exps + 8 * len;
  const kern = sfKernel(need);
  if (kern === null) return false;
  const buf = kern.memory.buffer;
  const xF32 = new Float32Array(buf, p, len);
  const oa = new Float64Array(buf, stats, n);
  const ya = new Int32Array(buf, ys, n);
  const sa = new Float64Array(1);
  const sw = new Int32Array(sa.buffer);
  const one = new Float64Array(3);
  const le = LITTLE_ENDIAN;
  let s = 0;
  let c = 0;
  let ignored = 0;
  for (let n0 = 0; n0 < rows; n0 += n) {
    const n1 = Math.min(rows, n0 + n);
    xF32.set(x.subarray(n0 * cols, n1 * cols));
    for (let i = n0; i < n1; i++) {
      const t = y[i];
      ya[i - n0] = t === ignoreIndex ? 0 : t;
    }
    kern.focalExp(p, ys, n1 - n0, cols, exps, stats);
    for (let i = n0; i < n1; i++) {
      const t = y[i];
      if (t === ignoreIndex) {
        ignored++;
        if (out !== null) out[i] = 0;
        continue;
      }
      const o = oa[i - n0];
      let v: number;
      if (o >= 0) {
        // sfRows.ts's focal loop, pass 2 (the same expressions)
        const S = 1 + o;
        let nlp: number;
        if (S === 1) nlp = o;
        else if (le) {
          sa[0] = S;
          nlp = o * (logF64Words(sw[1], sw[0]) / (S - 1));
        } else nlp = Math.log1p(o);
        const q = o / S;
        v = nlp * (gamma === 2 ? q * q : q ** gamma);
        if (alpha !== undefined) v *= alpha[t];
        if (out !== null) out[i] = v;
      } else {
        sfFocalRows(x, y, i, i + 1, cols, ignoreIndex, gamma, alpha, out, one);
        v = one[0];
      }
      const u = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
      s = u;
    }
  }
  acc[0] = s;
  acc[1] = c;
  acc[2] = ignored;
  return true;
}

/**
 * sfRows.ts's `sfDistillRows` contract (rows `0 ≤ n < rows`: ℓₙ = T²·KL into `out` when given,
 * Σℓ as a Neumaier pair in `acc[0] + acc[1]`) for float32 student and teacher logits, the sums
 * from the "distill" kernel. Returns false, touching nothing, where the kernel is missing or
 * cols is outside [2, SIMD_MAX_COLS].
 */
export function sfDistillRowsSimd(
  xs: Float32Array,
  xt: Float32Array,
  rows: number,
  cols: number,
  a: number,
  t2: number,
  out: Float64Array | null,
  acc: Float64Array,
): boolean {
  if (!(cols >= 2 && cols <= SIMD_MAX_COLS)) return false;
  const n = Math.max(1, Math.floor(SIMD_CHUNK / cols)); // rows per call
  const len = n * cols;
  const stats = 8 * TABLE_SIZE;
  const ps = stats + 24 * n;
  const pt = ps + ((4 * len + 4 + 15) & ~15); // 4 readable bytes past the rows
  const need = pt + ((4 * len + 4 + 15) & ~15);
  const kern = sfKernel(need);
  if (kern === null) return false;
  const buf = kern.memory.buffer;
  const sF32 = new Float32Array(buf, ps, len);
  const tF32 = new Float32Array(buf, pt, len);
  const st = new Float64Array(buf, stats, 3 * n);
  const one = new Float64Array(2);
  let s = 0;
  let c = 0;
  for (let n0 = 0; n0 < rows; n0 += n) {
    const n1 = Math.min(rows, n0 + n);
    sF32.set(xs.subarray(n0 * cols, n1 * cols));
    tF32.set(xt.subarray(n0 * cols, n1 * cols));
    kern.distill(ps, pt, n1 - n0, cols, stats, a);
    for (let i = n0; i < n1; i++) {
      const d = st[3 * (i - n0)];
      const sT = st[3 * (i - n0) + 1];
      const sS = st[3 * (i - n0) + 2];
      let v: number;
      // sfRows.ts's distill loop (the same expressions, the same range test on the sums)
      if (d - d === 0 && sT < SUM_LIMIT && sS < SUM_LIMIT) {
        v = (d / sT + Math.log(sS / sT)) * t2;
        if (out !== null) out[i] = v;
      } else {
        sfDistillRows(xs, xt, i, i + 1, cols, a, t2, out, one);
        v = one[0];
      }
      const u = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
      s = u;
    }
  }
  acc[0] = s;
  acc[1] = c;
  return true;
}
