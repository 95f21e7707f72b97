// exponential, exponentialGrad, poissonNll and poissonNllGrad over float32 inputs and targets in
// WebAssembly SIMD (exSimd.wat), for their common paths: exponential with reduction sum or mean
// (labels ±1), its gradient without a per-element gradOutput; poissonNll with logInput and
// without full (sum or mean), its gradient without a per-element gradOutput. The JavaScript
// loops spend their time on one e^v per element (expTable, inlined or called: ~5 ns an
// element); the kernel does four elements a step in two float64 lanes (~2 ns an element), plus
// the copies of x and y into the module's memory and, for the gradients, one set() of the
// results out per chunk.
//
// The exp (u = 2⁻⁵³, 1 ulp = 2u near 1), for an exponent v ∈ [−700, 700] (exSimd.wat's steps;
// lseRows.ts's method, but for its last step):
//  • v is exact: a float32 value promoted (poissonNll's x), or −p with p = y·x computed in
//    float32, exact for y = ±1 (exponential).
//  • k = round(v·256/ln2) to within 0.5 + 3e−11 (the product rounds: ≤ u·258530), so
//    r = v − k·ln2/256 has |r| ≤ 0.0013539. k·LN2HI is exact (LN2HI has 32 significant bits,
//    |k| < 2¹⁸), v − k·LN2HI is exact (Sterbenz, k ≠ 0), k·LN2LO (< 2e−7) and the last
//    subtraction round: |r̂ − r| ≤ 0.0014u, a relative 0.0014u in e^r.
//  • q = r + r²·((1/2 + r/6) + r²/24), Taylor's e^r − 1 of degree 4: remainder ≤
//    |r|⁵/120·e^|r| ≤ 3.82e−17 ≤ 0.35u·e^r. The r² part (< 9.2e−7) carries ≤ 4u of itself
//    (< 4e−6·u); the addition of r rounds (≤ u·|q| ≤ 0.0014u): q̂ within 0.0014u of q.
//  • S = T[k mod 256]·2^⌊k/256⌋ exactly (the exponent field; ⌊k/256⌋ ∈ [−1010, 1009], so S is
//    normal), T[i] = 2^(i/256) from the exponentiation operator, ≤ 1 ulp: ≤ 2u relative
//    (exSimd.test.ts checks all 256 entries in exact integer arithmetic).
//  • ê = S + S·q̂: the product rounds (≤ u·S·|q̂| ≤ 0.0014u·S), the sum rounds (≤ u·S·(1 + q̂));
//    against S·e^r (e^r ≥ 0.9986) that is ≤ (0.0014 + 0.0014 + 0.0014 + 1.0001 + 0.35)u/0.9986
//    ≤ 1.36u, and T's 2u: |ê − e^v| ≤ 3.4u·e^v (+ O(u²)) ≈ 3.8e−16·e^v.
//    (lseSimd.wat's (1 + r) + r²·(…) then ·S rounds twice near 1: 5.4u. The JavaScript loops:
//    expTable ≤ 4.5u for |v| ≤ 32 (the inlined copy in exponentialGrad 5.5u), fastExp's
//    3.2 ulp = 6.4u beyond.)
// Per element, then:
//  • exponentialGrad: ĝ = ê·(y·(−k)), y·(−k) exact: |ĝ − g| ≤ 4.4u·|g| ≈ 4.9e−16·|g| (the
//    JavaScript loops: ≤ 6.5u).
//  • poissonNllGrad: ĝ = (ê − y)·k, two roundings: |ĝ − g| ≤ 3.4u·|k|·e^x + 2u·|g| (the
//    JavaScript loops: 4.5u, 6.4u past |x| = 32, in place of 3.4u).
//  • poissonNll's term ℓ = e^x − y·x: y·x is exact in float64 (two float32 values: ≤ 48
//    significant bits, inside the normal range), the difference rounds:
//      |ℓ̂ − ℓ| ≤ 3.4u·e^x + u·|ℓ|.
//  • exponential's term ℓ = e^v: ≤ 3.4u·ℓ.
// Sums (Higham §4.2), counted as exponential.ts and poissonNll.ts count theirs: per block, two
// accumulators × two lanes each add their terms in order and three additions combine them:
// exponential's blocks of 1024 (its BLOCK) give each lane ≤ 256 terms, ≤ 258u·Σ|ℓᵢ| over the
// block; poissonNll's blocks of 256 (its mixed-sign BLOCK) ≤ 64 terms, ≤ 66u·Σ|ℓᵢ|. The block
// sums are added with Neumaier's compensation (sumChunkedBlocks: ≤ 2u·|S| + O(n·u²)·Σ|ℓᵢ|).
// So, to first order:
//  • exponential (every term ≥ 0): |Ŝ − S| ≤ (3.4 + 258 + 2)u·S ≤ 264u·S ≈ 2.9e−14·S; the
//    JavaScript loops ≤ (6.4 + 258 + 2)u·S. The two results differ by ≤ 530u ≈ 5.9e−14 relative.
//  • poissonNll (terms of either sign: an absolute bound, as poissonNll.ts's):
//      |Ŝ − S| ≤ 3.4u·Σe^xᵢ + (1 + 66 + 2)u·Σ|ℓᵢ| ≤ 73u·Σ(e^xᵢ + |yᵢ·xᵢ|)
//              ≈ 8.1e−15·Σ(e^xᵢ + |yᵢ·xᵢ|)
//    (|ℓ| ≤ e^x + |y·x|); the JavaScript loops ≤ 6.4u·Σe^xᵢ + 69u·Σ|ℓᵢ|, so the two differ by
//    ≤ 148u·Σ(e^xᵢ + |yᵢ·xᵢ|) ≈ 1.7e−14·Σ(e^xᵢ + |yᵢ·xᵢ|).
// The gradients differ from the JavaScript loops' by at most the sum of the two bounds:
// ≤ 10.9u ≈ 1.2e−15 relative (exponentialGrad), ≤ 9.8u·|k|·e^x + 4u·|g| (poissonNllGrad).
// Gradients below float64's normal range (k·e^v < 2⁻¹⁰²² for tiny k) carry an absolute 2⁻¹⁰⁷⁵
// more, as in JavaScript.
//
// Limits: the kernel checks the float32 bits: a lane with |x| > 700 (±∞ and NaN included) or,
// for exponential, a label other than ±1 (NaN included) marks its block (sums: the block's sum
// comes back NaN) or its chunk (gradients: the call returns 1). Such a block is summed by
// `exact(i0, i1)`, such a chunk's gradients computed by `redo(i0, i1)`: the callers pass their
// JavaScript loops, which give exactly today's ∞, NaN, limits and errors (the label error at
// the first bad label's index, since blocks and chunks are handled in order; a redone chunk's
// kernel values are not copied out, so a throw leaves `out` written up to the bad label only).
// A block whose sum is otherwise not finite (poissonNll: an ∞ or NaN target) goes to `exact`
// too. The last n mod 4 elements of a sum are summed by `exact`; the gradients pad the last
// group with harmless values (x = 0, y = 1 or 0) whose results are not copied out.
//
// Memory: one module instance, compiled on first use and kept, sized up front (never grown):
// the 2 KiB table, the constants, per call up to EX_CHUNK inputs and targets (float32, copied
// in with one set() each), their float64 gradients (copied out with one set()) or block sums.
import { EX_SIMD_WASM } from './exSimdBytes.js';
import { copyPairIn } from './touchLines.js';
import { EXP256, fillExp2Table, lazySimdKernel, sumChunkedBlocks } from './wasmSimd.js';

/** Inputs shorter than this stay in JavaScript (the copies' setup costs more than it saves). */
export const EX_SIMD_MIN = 4096;
/** Elements per kernel call: x and y 64 KiB each, g 128 KiB, so a chunk stays in L2. */
export const EX_CHUNK = 1 << 14;
/** Elements per block sum: exponential.ts's and poissonNll.ts's BLOCK. */
export const EX_BLOCK = 1024;
export const PN_BLOCK = 256;

const TABLE_SIZE = 256;
/** The constants (exSimd.wat's list), 16 bytes each; slots 9 and 10 are k and −k, per call. */
const CONST = 8 * TABLE_SIZE;
const K_SLOT = CONST / 8 + 18;
/** Block sums (one per PN_BLOCK elements of a chunk at most). */
const SUMS = CONST + 16 * 13;
const X = SUMS + 8 * (EX_CHUNK / PN_BLOCK);
const Y = X + 4 * EX_CHUNK;
const G = Y + 4 * EX_CHUNK;
const END = G + 8 * EX_CHUNK;

type SumFn = (px: number, py: number, quads: number, out: number) => void;
type GradFn = (px: number, py: number, quads: number, out: number) => number;
interface Kernel {
  expSum: SumFn;
  expGrad: GradFn;
  pnSum: SumFn;
  pnGrad: GradFn;
  sums: Float64Array;
  xs: Float32Array;
  ys: Float32Array;
  gs: Float64Array;
  table: Float64Array;
  /** The memory as f64, for the scale k and −k in constant slots 9 and 10. */
  f64: Float64Array;
}

/** The kernel's instance (table and constants filled in), or null without WebAssembly SIMD. */
const exKernel = lazySimdKernel(EX_SIMD_WASM, END, ({ exports, memory }): Kernel => {
  const buf = memory.buffer;
  const table = new Float64Array(buf, 0, TABLE_SIZE);
  fillExp2Table(table);
  const f64 = new Float64Array(buf);
  const i32 = new Int32Array(buf);
  // slots 0…10 as f64, both lanes
  const c = [
    EXP256.log2e,
    -EXP256.log2e,
    EXP256.shifter,
    EXP256.ln2hi,
    -EXP256.ln2hi,
    EXP256.ln2lo,
    0.5,
    EXP256.c3,
    EXP256.c4,
    0, // k, per call
    0, // −k, per call
  ];
  for (let j = 0; j < c.length; j++) f64.fill(c[j], CONST / 8 + 2 * j, CONST / 8 + 2 * j + 2);
  // slots 11 and 12 as four i32 lanes: the bits of 1.0f and of 700f, shifted left by one
  i32.fill(0x7f000000, CONST / 4 + 44, CONST / 4 + 48);
  i32.fill(0x885e0000 | 0, CONST / 4 + 48, CONST / 4 + 52);
  return {
    expSum: exports.expSum as SumFn,
    expGrad: exports.expGrad as GradFn,
    pnSum: exports.pnSum as SumFn,
    pnGrad: exports.pnGrad as GradFn,
    sums: new Float64Array(buf, SUMS, EX_CHUNK / PN_BLOCK),
    xs: new Float32Array(buf, X, EX_CHUNK),
    ys: new Float32Array(buf, Y, EX_CHUNK),
    gs: new Float64Array(buf, G, EX_CHUNK),
    table,
    f64,
  };
});

/** Whether this runtime runs the SIMD kernel (Node ≥ 16.4, current browsers). */
export function exSimdAvailable(): boolean {
  return exKernel() !== null;
}

/** The kernel's table T[i] = 2^(i/256) (for the tests), or null without the kernel. */
export function exSimdTable(): Float64Array | null {
  const k = exKernel();
  return k === null ? null : k.table.slice();
}

/** The block sums of `fn` over 0 ≤ i < n (see {@link exSumSimd}). */
function blockSums(
  kern: Kernel,
  fn: SumFn,
  block: number,
  x: Float32Array,
  y: Float32Array,
  n: number,
  exact: (i0: number, i1: number) => number,
): number {
  const { xs, ys, sums } = kern;
  const run = (i0: number, i1: number): number => {
    const len = i1 - i0;
    copyPairIn(x, y, i0, i1, xs, ys, 8 * n);
    fn(X, Y, len >> 2, SUMS);
    return len & ~3;
  };
  return sumChunkedBlocks(n, EX_CHUNK, block, sums, run, exact);
}

/**
 * Σ e^(−y[i]·x[i]) over 0 ≤ i < n (exponential's sum): the kernel's sums of the blocks of
 * EX_BLOCK elements added with Neumaier; a block with a label other than ±1 or an |x| beyond
 * 700 (or NaN), and the last n mod 4 elements, take `exact(i0, i1)` (exponential.ts's loop over
 * that block) instead. Returns null, touching nothing, without the kernel.
 */
export function exSumSimd(
  x: Float32Array,
  y: Float32Array,
  n: number,
  exact: (i0: number, i1: number) => number,
): number | null {
  const kern = exKernel();
  return kern === null ? null : blockSums(kern, kern.expSum, EX_BLOCK, x, y, n, exact);
}

/**
 * Σ (e^x[i] − y[i]·x[i]) over 0 ≤ i < n (poissonNll's sum, log input): as {@link exSumSimd}
 * with blocks of PN_BLOCK; a block with an |x| beyond 700 (or NaN) or a sum that is not finite
 * takes `exact(i0, i1)`. Returns null, touching nothing, without the kernel.
 */
export function pnSumSimd(
  x: Float32Array,
  y: Float32Array,
  n: number,
  exact: (i0: number, i1: number) => number,
): number | null {
  const kern = exKernel();
  return kern === null ? null : blockSums(kern, kern.pnSum, PN_BLOCK, x, y, n, exact);
}

/** The gradients of `fn` chunk by chunk (see {@link exGradSimd}); `pad` is y's padding. */
function grads(
  kern: Kernel,
  fn: GradFn,
  pad: number,
  x: Float32Array,
  y: Float32Array,
  n: number,
  k: number,
  gx: Float64Array,
  redo: (i0: number, i1: number) => void,
): void {
  const { xs, ys, gs, f64 } = kern;
  f64.fill(k, K_SLOT, K_SLOT + 2);
  f64.fill(-k, K_SLOT + 2, K_SLOT + 4);
  for (let i0 = 0; i0 < n; i0 += EX_CHUNK) {
    const i1 = Math.min(n, i0 + EX_CHUNK);
    const len = i1 - i0;
    copyPairIn(x, y, i0, i1, xs, ys, 16 * n);
    // the last group's missing elements: harmless partners (their results are not copied out)
    for (let j = len; (j & 3) !== 0; j++) {
      xs[j] = 0;
      ys[j] = pad;
    }
    if (fn(X, Y, (len + 3) >> 2, G) === 0) gx.set(len === EX_CHUNK ? gs : gs.subarray(0, len), i0);
    else redo(i0, i1);
  }
}

/**
 * gx[i] = −y[i]·k·e^(−y[i]·x[i]) for 0 ≤ i < n (exponentialGrad, no per-element gradOutput)
 * through the kernel, chunk by chunk; a chunk with a label other than ±1 or an |x| beyond 700
 * (or NaN) is left to `redo(i0, i1)` (nothing of it copied out). Returns false, touching
 * nothing, where the kernel is missing.
 */
export function exGradSimd(
  x: Float32Array,
  y: Float32Array,
  n: number,
  k: number,
  gx: Float64Array,
  redo: (i0: number, i1: number) => void,
): boolean {
  const kern = exKernel();
  if (kern === null) return false;
  grads(kern, kern.expGrad, 1, x, y, n, k, gx, redo);
  return true;
}

/**
 * gx[i] = k·(e^x[i] − y[i]) for 0 ≤ i < n (poissonNllGrad, log input, no per-element
 * gradOutput), as {@link exGradSimd}; a chunk with an |x| beyond 700 (or NaN) is left to
 * `redo(i0, i1)`. Returns false, touching nothing, where the kernel is missing.
 */
export function pnGradSimd(
  x: Float32Array,
  y: Float32Array,
  n: number,
  k: number,
  gx: Float64Array,
  redo: (i0: number, i1: number) => void,
): boolean {
  const kern = exKernel();
  if (kern === null) return false;
  grads(kern, kern.pnGrad, 0, x, y, n, k, gx, redo);
  return true;
}
