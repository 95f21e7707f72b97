// C = α·A·Bᵀ over float64, row-major: the similarity matrix of infoNce and the products of its
// gradient. A plain dot product per entry reads two rows of length K per two flops and keeps one
// add chain busy; this kernel is the usual blocked, register-tiled form instead:
//  • register tile: 2 rows of A × 4 rows of B, 8 independent accumulators. Each step of the
//    inner loop loads 6 numbers for 8 multiply-adds, and the 8 add chains hide the FPU latency.
//    (V8 on x64 uses 16 vector registers for doubles: 8 accumulators + 6 loads fit; a 4 × 4 tile
//    spills and measured slower.)
//  • cache blocks: the inner dimension in slices of KB and the rows of B in panels of JB, so a
//    panel (JB·KB·8 bytes = 256 KiB) stays in L2 while every row pair of A streams past it; the
//    rows of A are read once per panel instead of once per row of B.
// Rounding: each entry is still a sum over k of A[i,k]·B[j,k], in a different order than a naive
// loop (by slices of KB, within a slice sequentially per accumulator): the usual bound
// |ĉ − c| ≤ K·u·Σ|aₖbₖ| of recursive summation holds, with K replaced by KB + ⌈K/KB⌉.

/** Inner-dimension slice length (see the file comment). */
const KB = 256;
/** Rows of B per panel. */
const JB = 128;

/**
 * Writes C = alpha·A·Bᵀ into `c`: A is `[m, k]`, B is `[n, k]`, C is `[m, n]`, all row-major
 * Float64Arrays (C must not alias A or B). Entry (i, j) is alpha times the dot product of row i
 * of A and row j of B.
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
  c.fill(0, 0, m * n);
  for (let k0 = 0; k0 < k; k0 += KB) {
    const k1 = Math.min(k, k0 + KB);
    for (let j0 = 0; j0 < n; j0 += JB) {
      const j1 = Math.min(n, j0 + JB);
      panel(a, b, c, m, n, k, alpha, k0, k1, j0, j1);
    }
  }
}

/** Adds alpha·Σ_{k0 ≤ t < k1} A[i,t]·B[j,t] into C[i,j] for all i and j0 ≤ j < j1. */
function panel(
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
  m: number,
  n: number,
  k: number,
  alpha: number,
  k0: number,
  k1: number,
  j0: number,
  j1: number,
): void {
  const len = k1 - k0;
  const j4 = j0 + ((j1 - j0) & ~3); // end of the whole 4-row groups of B
  let i = 0;
  for (; i + 1 < m; i += 2) {
    const a0 = i * k + k0;
    const a1 = a0 + k;
    const c0 = i * n;
    const c1 = c0 + n;
    let j = j0;
    for (; j < j4; j += 4) {
      const b0 = j * k + k0;
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
      const bj = j * k + k0;
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
    const ai = i * k + k0;
    const ci = i * n;
    for (let j = j0; j < j1; j++) {
      const bj = j * k + k0;
      let s = 0;
      for (let t = 0; t < len; t++) s += a[ai + t] * b[bj + t];
      c[ci + j] += alpha * s;
    }
  }
}
