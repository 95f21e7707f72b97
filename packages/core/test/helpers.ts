// Shared test helpers for kernel property tests: seeded float64 references, central finite
// differences, and fast-check arbitraries for shapes and values.
import fc from 'fast-check';
import { expect } from 'vitest';

/** Central finite difference of `f` at `x` along every coordinate (float64 copies). */
export function finiteDifference(
  f: (x: Float64Array) => number,
  x: ArrayLike<number>,
  h = 1e-6,
): Float64Array {
  const base = Float64Array.from(x);
  const g = new Float64Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const xi = base[i];
    const step = h * Math.max(1, Math.abs(xi));
    base[i] = xi + step;
    const up = f(base);
    base[i] = xi - step;
    const down = f(base);
    base[i] = xi;
    g[i] = (up - down) / (2 * step);
  }
  return g;
}

/** Max |a − b| / (atol + rtol·|b|) over the arrays: ≤ 1 means close. */
export function worstRatio(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  rtol = 1e-5,
  atol = 1e-7,
): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const r = Math.abs(a[i] - b[i]) / (atol + rtol * Math.abs(b[i]));
    if (!(r <= worst)) worst = r;
  }
  return worst;
}

/** A finite float64 in [-lim, lim], no NaN. */
export const finite = (lim = 10) =>
  fc.double({ min: -lim, max: lim, noNaN: true, noDefaultInfinity: true });

/** A matrix `[rows, cols]` of finite values, as `{data, shape}` plus its dimensions. */
export const matrix = (
  opts: {
    minRows?: number;
    maxRows?: number;
    minCols?: number;
    maxCols?: number;
    lim?: number;
  } = {},
) =>
  fc
    .record({
      rows: fc.integer({ min: opts.minRows ?? 1, max: opts.maxRows ?? 12 }),
      cols: fc.integer({ min: opts.minCols ?? 1, max: opts.maxCols ?? 8 }),
    })
    .chain(({ rows, cols }) =>
      fc
        .float64Array({
          minLength: rows * cols,
          maxLength: rows * cols,
          min: -(opts.lim ?? 10),
          max: opts.lim ?? 10,
          noNaN: true,
          noDefaultInfinity: true,
        })
        .map((data) => ({ data, rows, cols, shape: [rows, cols] as number[] })),
    );

/** Cuts [0, n) at sorted random points: the row ranges of a random split. */
export const splitPoints = (n: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: n }), { maxLength: 5 }).map((cuts) => {
    const pts = [0, ...cuts.sort((a, b) => a - b), n];
    const ranges: [number, number][] = [];
    for (let i = 0; i + 1 < pts.length; i++) ranges.push([pts[i], pts[i + 1]]);
    return ranges;
  });

/** A seeded uniform [0, 1) generator (mulberry32), for reproducible float64 references. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * For the element-wise kernels with blocked sums: on every array type (Float64Array,
 * Float32Array, number[]), the 'none' values and the 'sum' agree with the direct formula `ref`
 * across several 1024-element blocks, and a non-finite input (`bad`) at index 1500 sends its
 * block to the exact fallback without disturbing the others. `x` and `y` need ≥ 3000 elements.
 */
export function expectBlockedSumsMatch(
  loss: (input: never, target: never, options: never) => unknown,
  ref: (xi: number, yi: number) => number,
  x: Float64Array,
  y: Float64Array,
  opts: object,
  bad: number,
): void {
  const call = loss as unknown as (
    input: ArrayLike<number>,
    target: ArrayLike<number>,
    options: object,
  ) => { value: Float64Array | number; sumValue: number };
  for (const [xs, ys] of [
    [x, y],
    [Float32Array.from(x), Float32Array.from(y)],
    [Array.from(x), Array.from(y)],
  ] as const) {
    const xa = Float64Array.from(xs as ArrayLike<number>);
    const ya = Float64Array.from(ys as ArrayLike<number>);
    const want = xa.map((xi, i) => ref(xi, ya[i]));
    const none = call(xs, ys, { ...opts, reduction: 'none' }).value as Float64Array;
    expect(worstRatio(none, want, 1e-13, 1e-300)).toBeLessThanOrEqual(1);
    const sum = call(xs, ys, { ...opts, reduction: 'sum' }).value as number;
    const total = want.reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - total)).toBeLessThanOrEqual(1e-13 * Math.abs(total));
    const badX = Array.from(xa);
    badX[1500] = bad;
    const wantBad = ref(badX[1500], ya[1500]);
    const r = call(badX, Array.from(ya), { ...opts, reduction: 'none' });
    const values = r.value as Float64Array;
    expect(values[1500]).toBe(wantBad);
    expect(
      worstRatio(values.subarray(0, 1500), want.subarray(0, 1500), 1e-13, 1e-300),
    ).toBeLessThanOrEqual(1);
    expect(r.sumValue).toBe(Number.isNaN(wantBad) ? Number.NaN : wantBad + total - want[1500]);
  }
}
