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

// The gradient's fast loops (branch-free, one copy per array type, handing ±∞/NaN elements back)
// against the direct formula, bit for bit (−0 included), on data that reaches every path:
// random values with ±0, ±∞, NaN, huge, tiny and tie values mixed in at random positions (so the
// unrolled steps break off anywhere), every array type, every reduction, with gradOutput.
/** `n` pairs from seed `seed`; about 1 in 8 elements gets a special x (and often a special y). */
function edgyPair(n: number, seed: number, ties: number[]): [Float64Array, Float64Array] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const special = [0, -0, Infinity, -Infinity, Number.NaN, 1e308, -1e308, 5e-324, -5e-324];
  for (const t of ties) special.push(t, -t);
  const pick = () => special[Math.floor(rnd() * special.length)];
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = (rnd() - 0.5) * 6;
    y[i] = (rnd() - 0.5) * 6;
    if (rnd() < 0.125) {
      x[i] = pick();
      y[i] = rnd() < 0.5 ? 0 : pick();
    }
  }
  return [x, y];
}

/** The same data as Float64Array, Float32Array, number[] and a mix. */
function arrayTypes(x: Float64Array, y: Float64Array): [Arr, Arr][] {
  return [
    [x, y],
    [Float32Array.from(x), Float32Array.from(y)],
    [Array.from(x), Array.from(y)],
    [Float32Array.from(x), y],
  ];
}

function expectSameBits(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) expect([i, got[i]]).toEqual([i, want[i]]);
  }
}

type Arr = Float64Array | Float32Array | number[];
type Grad = (x: Arr, y: Arr, o: object) => Float64Array;

/** `grad` against k·term(xᵢ − yᵢ), k = the reduction's scale (times gradOutput). */
export function expectFastLoopsMatch(
  grad: Grad,
  term: (e: number) => number,
  ties: number[],
): void {
  // 5000 elements carry a few hundred non-finite ones: past 64 the rest takes the direct formula.
  for (const n of [0, 1, 3, 4, 5, 9, 64, 1000, 5000]) {
    for (let seed = 1; seed <= 3; seed++) {
      const [x64, y64] = edgyPair(n, seed * 7919 + n, ties);
      const per = edgyPair(n, seed * 31 + 5, [])[0];
      for (const [x, y] of arrayTypes(x64, y64)) {
        const want = (k: number, p: ArrayLike<number> | null) =>
          Float64Array.from(
            { length: n },
            (_, i) => (p === null ? k : k * p[i]) * term(x[i] - y[i]),
          );
        expectSameBits(grad(x, y, {}), want(1 / n, null));
        expectSameBits(grad(x, y, { reduction: 'sum' }), want(1, null));
        const out = new Float64Array(n).fill(12345);
        expectSameBits(grad(x, y, { reduction: 'none', out: { input: out } }), want(1, null));
        expectSameBits(grad(x, y, { reduction: 'none', gradOutput: per }), want(1, per));
      }
    }
  }
}
