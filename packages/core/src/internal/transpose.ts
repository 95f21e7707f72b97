// Transposition of row-major float64 matrices, in 32 × 32 blocks so that both the rows read and
// the columns written stay in cache (a column-by-column walk would touch a new cache line per
// element on one side). Used to turn infoNce's gradient products into matmulNT's A·Bᵀ form.

const BLOCK = 32;

/** Writes Xᵀ (`[cols, rows]`) into `out` for X `[rows, cols]` (out must not alias x). */
export function transpose(
  x: ArrayLike<number>,
  rows: number,
  cols: number,
  out: Float64Array,
): void {
  for (let i0 = 0; i0 < rows; i0 += BLOCK) {
    const i1 = Math.min(rows, i0 + BLOCK);
    for (let j0 = 0; j0 < cols; j0 += BLOCK) {
      const j1 = Math.min(cols, j0 + BLOCK);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) out[j * rows + i] = x[i * cols + j];
      }
    }
  }
}

/** Transposes the square `[n, n]` matrix x in place. */
export function transposeSquareInPlace(x: Float64Array, n: number): void {
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const i1 = Math.min(n, i0 + BLOCK);
    for (let j0 = i0; j0 < n; j0 += BLOCK) {
      const j1 = Math.min(n, j0 + BLOCK);
      for (let i = i0; i < i1; i++) {
        // within the diagonal block only the entries above the diagonal swap
        for (let j = j0 === i0 ? i + 1 : j0; j < j1; j++) {
          const t = x[i * n + j];
          x[i * n + j] = x[j * n + i];
          x[j * n + i] = t;
        }
      }
    }
  }
}
