// C = α·A·Bᵀ over float64, row-major: the similarity matrix of infoNce and the products of its
// gradient. A plain dot product per entry reads two rows of length K per two flops and keeps one
// add chain busy; this kernel is the usual blocked, register-tiled form instead:
//  • register tile: 2 rows of A × 4 rows of B, 8 independent accumulators. Each step of the
//    inner loop loads 6 numbers for 8 multiply-adds, and the 8 add chains hide the FPU latency.
//    (V8 on x64 uses 16 vector registers for doubles: 8 accumulators + 6 loads fit; a 4 × 4 tile
//    spills and measured no faster.)
//  • cache blocks: the inner dimension in slices of KB and the rows of B in panels of JB, so a
//    panel (JB·KB·8 bytes = 256 KiB) stays in L2 while every row pair of A streams past it; the
//    rows of A are read once per panel instead of once per row of B.
//  • WebAssembly SIMD (matmulSimd.wat): where the runtime has it and the problem is large, the
//    2 × 4 tiles run in f64x2 lanes (two k per step), ~3× the scalar JavaScript; the edges
//    (a last odd row, columns past the last group of 4) stay in JavaScript, reading the caller's
//    arrays. The kernel reads packed operands (per slice, A's row pairs and each panel's quads of
//    B's rows laid out step by step; the layout is in the .wat), written here into a fresh wasm
//    memory per call (packing is O((m + n)·k) against the O(m·n·k) product: 4096×4096×256 went
//    from 700 to 575 ms CPU), and the result copied out, so no memory is kept between calls.
// Rounding: each entry is still a sum over k of A[i,k]·B[j,k], in a different order than a naive
// loop (by slices of KB, within a slice sequentially per accumulator): the usual bound
// |ĉ − c| ≤ K·u·Σ|aₖbₖ| of recursive summation holds, with K replaced by KB + ⌈K/KB⌉ (in the SIMD
// path: KB/2 + 1 + ⌈K/KB⌉, two lanes summed at the end of each slice).

import { MATMUL_SIMD_WASM } from './matmulSimdBytes.js';

/** Inner-dimension slice length (see the file comment). */
const KB = 256;
/** Rows of B per panel. */
const JB = 128;

/** m·n·k below which the SIMD path is not worth a module instance and two copies. */
const SIMD_MIN_WORK = 1 << 15;
/** Byte offsets in the SIMD kernel are i32: its memory (packed slices, C) must stay below 2 GiB. */
const SIMD_MAX_BYTES = 2 ** 31 - 65536;

type Packed = (
  pa: number,
  pb: number,
  pc: number,
  pairs: number,
  quads: number,
  n: number,
  steps: number,
  alpha: number,
) => void;

/** The part of the WebAssembly API used here (core's TypeScript lib has no WebAssembly types). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

const wasm = (globalThis as { WebAssembly?: Wasm }).WebAssembly;
let simdModule: object | null | undefined;

/** The compiled SIMD module, or null where WebAssembly or its SIMD is missing. */
function simdKernel(): object | null {
  if (simdModule === undefined) {
    try {
      const bytes = Uint8Array.from(atob(MATMUL_SIMD_WASM), (ch) => ch.charCodeAt(0));
      simdModule = wasm === undefined ? null : new wasm.Module(bytes);
    } catch {
      simdModule = null; // no SIMD: the module does not validate
    }
  }
  return simdModule;
}

/** Whether this runtime runs the SIMD kernel (Node ≥ 16.4, current browsers). */
export function matmulSimdAvailable(): boolean {
  return simdKernel() !== null;
}

/**
 * Writes C = alpha·A·Bᵀ into `c`: A is `[m, k]`, B is `[n, k]`, C is `[m, n]`, all row-major
 * Float64Arrays (C must not alias A or B). Entry (i, j) is alpha times the dot product of row i
 * of A and row j of B. Uses the SIMD kernel when it can (see the file comment).
 */
export function matmulNT(
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
  m: number,
  n: number,
  k: number,
  alpha: number,
): void {
  const m2 = m & ~1;
  const slice = Math.min(k, KB);
  // the heap: A's row pairs packed for one slice, one panel of B packed, then C
  const opa = 0;
  const opb = m2 * slice;
  const oc = opb + JB * slice;
  const bytes = (oc + m * n) * 8;
  const mod =
    k % 2 === 0 && m * n * k >= SIMD_MIN_WORK && bytes <= SIMD_MAX_BYTES ? simdKernel() : null;
  if (mod === null || wasm === undefined) {
    matmulNTScalar(a, b, c, m, n, k, alpha);
    return;
  }
  const memory = new wasm.Memory({ initial: Math.ceil(bytes / 65536) });
  const packed = new wasm.Instance(mod, { env: { memory } }).exports.packed as Packed;
  const heap = new Float64Array(memory.buffer); // fresh: C's region is zero
  for (let k0 = 0; k0 < k; k0 += KB) {
    const k1 = Math.min(k, k0 + KB);
    const len = k1 - k0; // even, as k and KB are
    packPairs(a, heap, opa, m2, k, k0, len);
    for (let j0 = 0; j0 < n; j0 += JB) {
      const j1 = Math.min(n, j0 + JB);
      const j4 = j0 + ((j1 - j0) & ~3);
      packQuads(b, heap, opb, j0, j4, k, k0, len);
      packed(opa * 8, opb * 8, (oc + j0) * 8, m2 >> 1, (j4 - j0) >> 2, n, len >> 1, alpha);
      panel(a, b, heap, 0, 0, oc, m, n, k, alpha, k0, k1, j0, j1, false);
    }
  }
  c.set(heap.subarray(oc, oc + m * n));
}

/** A's rows 0 … m2 − 1 in pairs, columns k0 … k0 + len − 1, as matmulSimd.wat reads them. */
function packPairs(
  a: Float64Array,
  heap: Float64Array,
  at: number,
  m2: number,
  k: number,
  k0: number,
  len: number,
): void {
  let w = at;
  for (let i = 0; i < m2; i += 2) {
    const r0 = i * k + k0;
    const r1 = r0 + k;
    for (let t = 0; t < len; t += 2) {
      heap[w] = a[r0 + t];
      heap[w + 1] = a[r0 + t + 1];
      heap[w + 2] = a[r1 + t];
      heap[w + 3] = a[r1 + t + 1];
      w += 4;
    }
  }
}

/** B's rows j0 … j4 − 1 in quads, columns k0 … k0 + len − 1, as matmulSimd.wat reads them. */
function packQuads(
  b: Float64Array,
  heap: Float64Array,
  at: number,
  j0: number,
  j4: number,
  k: number,
  k0: number,
  len: number,
): void {
  let w = at;
  for (let j = j0; j < j4; j += 4) {
    const r0 = j * k + k0;
    const r1 = r0 + k;
    const r2 = r1 + k;
    const r3 = r2 + k;
    for (let t = 0; t < len; t += 2) {
      heap[w] = b[r0 + t];
      heap[w + 1] = b[r0 + t + 1];
      heap[w + 2] = b[r1 + t];
      heap[w + 3] = b[r1 + t + 1];
      heap[w + 4] = b[r2 + t];
      heap[w + 5] = b[r2 + t + 1];
      heap[w + 6] = b[r3 + t];
      heap[w + 7] = b[r3 + t + 1];
      w += 8;
    }
  }
}

/** {@link matmulNT} in plain JavaScript (also the SIMD path's reference in the tests). */
export function matmulNTScalar(
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
  m: number,
  n: number,
  k: number,
  alpha: number,
): void {
  c.fill(0, 0, m * n);
  for (let k0 = 0; k0 < k; k0 += KB) {
    const k1 = Math.min(k, k0 + KB);
    for (let j0 = 0; j0 < n; j0 += JB) {
      const j1 = Math.min(n, j0 + JB);
      panel(a, b, c, 0, 0, 0, m, n, k, alpha, k0, k1, j0, j1, true);
    }
  }
}

/**
 * Adds alpha·Σ_{k0 ≤ t < k1} A[i,t]·B[j,t] into C[i,j] for all i and j0 ≤ j < j1, with A, B, C
 * starting at offsets oa, ob, oc of their arrays. With `tiles` false only the entries outside
 * the 2 × 4 tiles (the SIMD kernel's share): the columns past the last group of 4 and an odd m's
 * last row.
 */
function panel(
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
  oa: number,
  ob: number,
  oc: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  k0: number,
  k1: number,
  j0: number,
  j1: number,
  tiles: boolean,
): void {
  const len = k1 - k0;
  const j4 = j0 + ((j1 - j0) & ~3); // end of the whole 4-row groups of B
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const a0 = oa + i * k + k0;
    const a1 = a0 + k;
    const c0 = oc + i * n;
    const c1 = c0 + n;
    let j = tiles ? j0 : j4;
    for (; j < j4; j += 4) {
      const b0 = ob + j * k + k0;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let t = 0; t < len; t++) {
        const x0 = a[a0 + t];
        const x1 = a[a1 + t];
        let y = b[b0 + t];
        s00 += x0 * y;
        s10 += x1 * y;
        y = b[b1 + t];
        s01 += x0 * y;
        s11 += x1 * y;
        y = b[b2 + t];
        s02 += x0 * y;
        s12 += x1 * y;
        y = b[b3 + t];
        s03 += x0 * y;
        s13 += x1 * y;
      }
      c[c0 + j] += alpha * s00;
      c[c0 + j + 1] += alpha * s01;
      c[c0 + j + 2] += alpha * s02;
      c[c0 + j + 3] += alpha * s03;
      c[c1 + j] += alpha * s10;
      c[c1 + j + 1] += alpha * s11;
      c[c1 + j + 2] += alpha * s12;
      c[c1 + j + 3] += alpha * s13;
    }
    for (; j < j1; j++) {
      const bj = ob + j * k + k0;
      let s0 = 0;
      let s1 = 0;
      for (let t = 0; t < len; t++) {
        const y = b[bj + t];
        s0 += a[a0 + t] * y;
        s1 += a[a1 + t] * y;
      }
      c[c0 + j] += alpha * s0;
      c[c1 + j] += alpha * s1;
    }
  }
  if (i < m) {
    // the last row of an odd m
    const ai = oa + i * k + k0;
    const ci = oc + i * n;
    for (let j = j0; j < j1; j++) {
      const bj = ob + j * k + k0;
      let s = 0;
      for (let t = 0; t < len; t++) s += a[ai + t] * b[bj + t];
      c[ci + j] += alpha * s;
    }
  }
}
