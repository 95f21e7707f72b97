// softMargin's sum over float32 scores and labels in WebAssembly SIMD (smSimd.wat):
// Σ softplus(zᵢ), zᵢ = −yᵢ·xᵢ, softplus(z) = max(z, 0) + log1p(e^−|z|). The JavaScript loop of
// softMargin.ts spends ~4.5 ns an element on spSoftplusFine's table lookup and polynomial; the
// kernel does the same steps for two elements at a time in float64 lanes, plus the copies of x
// and y into the module's memory.
//
// Per element (u = 2⁻⁵³):
//  • z = −y·x is exact in float64 (a product of two float32 values has ≤ 48 significant bits),
//    the same z as the JavaScript loop's; a = |z| exact.
//  • log1p(e^−a) for a ≤ 40 by spFineTail.ts's method and table (its header derives the bound):
//    the grid aⱼ = j/512, five entries per point (the value and four Taylor terms), built here
//    with the same code from Math.exp and Math.log1p, the four Taylor terms divided by 512ⁿ
//    (exact: powers of 2, no entry near the subnormals). The kernel takes s = 512·a (exact),
//    rounds it to j with the 1.5·2⁵² shifter (to even at ties, where spSoftplusFine rounds up:
//    either way |a − j/512| ≤ 2⁻¹⁰, which is all the derivation needs) and d = s − j (exact:
//    Sterbenz for j ≥ 1, d = s for j = 0), 512 times spFineTail's d. The polynomial
//    T₀ + (d·T₁ + d²·((T₂ + d·T₃) + d²·T₄)) is spSoftplusFine's expression in the same order,
//    each product equal to its counterpart up to an exact power of 2: < 5u relative.
//  • ℓ = max(z, 0) + that (pmax, exact): both parts ≥ 0, the addition rounds once: ℓ within
//    (1 + 5u)(1 + u) − 1 < 6.1u relative of the exact softplus of z.
// Sums: each lane adds its ≤ 512 terms of a block of 1024 elements in order and the two lanes are
// added (Higham §4.2: ≤ 512u·Σ|ℓᵢ| over the block), the blocks are added here with Neumaier
// (≤ 2u·|S| + O(nu²)·Σ|ℓᵢ|). Every term is ≥ 0, so the total is within (6.1 + 512 + 2)u ≈ 521u
// ≈ 5.8e−14 relative of the exact Σ softplus(zᵢ) (softMargin.ts's JavaScript loop: 1025u).
//
// Blocks the kernel flags (NaN sum: some |z| > 40, beyond the table — ±∞ included — or a NaN
// score or label) and the odd last element are computed by `exact(i0, i1)` (softMargin.ts's
// reference loop: Math.max, spSoftplusFine with its fastExp tail, per-element Neumaier), so
// they get exactly the JavaScript loop's values and limits (+∞ for z = +∞, 0 for z = −∞, NaN).
// The blocks are those of the JavaScript loop (1024 elements from 0; the chunks hold whole
// blocks), so a non-finite total arises the same way.
//
// Memory: one module instance, compiled on first use and kept: the constants, the table
// (32768 points × 64 bytes = 2 MiB, of which 20481 points are filled: masked indices of huge or
// non-finite a stay inside it; the loop's data touch only the points its |z| reach, |z| ≤ 8 is
// 4097 points, 256 KiB), then per call up to SM_CHUNK scores and labels (float32, copied in with
// one set() each) and their block sums.
import { SM_SIMD_WASM } from './smSimdBytes.js';
import { copyPairIn } from './touchLines.js';
import { lazySimdKernel, sumChunkedBlocks } from './wasmSimd.js';

/** Inputs shorter than this stay in JavaScript (the table's first build costs ~3 ms). */
export const SM_SIMD_MIN = 4096;
/** Elements per block (the JavaScript loop's BLOCK) and per kernel call (x, y 64 KiB each). */
export const SM_BLOCK = 1024;
export const SM_CHUNK = 1 << 14;

const STEP = 512;
const LAST = 40 * STEP;
const POINTS = 32768;
const TABLE = 256;
const X = TABLE + 64 * POINTS;
const Y = X + 4 * SM_CHUNK;
const OUT = Y + 4 * SM_CHUNK;
const END = OUT + 8 * (SM_CHUNK / SM_BLOCK);

/** Elements per step of the kernel's loop (a pair: its two lanes). */
const GROUP = 2;

type SumsFn = (px: number, py: number, groups: number, out: number) => void;
interface Kernel {
  sums: SumsFn;
  xs: Float32Array;
  ys: Float32Array;
  res: Float64Array;
}

/**
 * spFineTail.ts's SOFTPLUS table (same formulas: log1p(e^−aⱼ), then (−1)ⁿ·Pₙ(σⱼ)/n!, n = 1…4),
 * point j at f64 index 8j.
 */
function fillTable(T: Float64Array): void {
  for (let j = 0; j <= LAST; j++) {
    const t = Math.exp(-j / STEP);
    const s = t / (1 + t);
    const q = s * (1 - s);
    const p3 = q * (1 - 2 * s);
    const p4 = q * (1 - 6 * q);
    const b = 8 * j;
    T[b] = Math.log1p(t);
    T[b + 1] = -s / STEP;
    T[b + 2] = q / 2 / STEP ** 2;
    T[b + 3] = -p3 / 6 / STEP ** 3;
    T[b + 4] = p4 / 24 / STEP ** 4;
  }
}

/** The kernel's instance (table filled in), or null where WebAssembly or its SIMD is missing. */
const smKernel = lazySimdKernel(SM_SIMD_WASM, END, ({ exports, memory }): Kernel => {
  const buf = memory.buffer;
  const f64 = new Float64Array(buf);
  // smSimd.wat's constants, both lanes: 512, 1.5·2⁵², i64 32767, 512·40, the sign bit
  f64.fill(STEP, 0, 2);
  f64.fill(1.5 * 2 ** 52, 2, 4);
  new BigInt64Array(buf).fill(32767n, 4, 6);
  f64.fill(STEP * 40, 6, 8);
  new BigInt64Array(buf).fill(-(2n ** 63n), 8, 10);
  fillTable(new Float64Array(buf, TABLE, 8 * POINTS));
  return {
    sums: exports.sums as SumsFn,
    xs: new Float32Array(buf, X, SM_CHUNK),
    ys: new Float32Array(buf, Y, SM_CHUNK),
    res: new Float64Array(buf, OUT, SM_CHUNK / SM_BLOCK),
  };
});

/** Whether this runtime runs the SIMD kernel (Node ≥ 16.4, current browsers). */
export function smSimdAvailable(): boolean {
  return smKernel() !== null;
}

/**
 * Σ softplus(−y[i]·x[i]) over 0 ≤ i < n: the blocks' kernel sums added with Neumaier; a block
 * the kernel flags, and the odd last element, take `exact(i0, i1)` instead. Returns the
 * total (non-finite as the JavaScript loop's), or null, touching nothing, without the kernel.
 */
export function softMarginSumSimd(
  x: Float32Array,
  y: Float32Array,
  n: number,
  exact: (i0: number, i1: number) => number,
): number | null {
  const kern = smKernel();
  if (kern === null) return null;
  const { sums, xs, ys, res } = kern;
  const run = (i0: number, i1: number): number => {
    copyPairIn(x, y, i0, i1, xs, ys, 8 * n);
    const groups = Math.floor((i1 - i0) / GROUP);
    sums(X, Y, groups, OUT);
    return groups * GROUP;
  };
  return sumChunkedBlocks(n, SM_CHUNK, SM_BLOCK, res, run, exact);
}
