import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/helpers.js';
import { sfDistillGradRows, sfDistillRows, sfFocalGradRows, sfFocalRows } from './sfRows.js';

const U = 2 ** -53;
const INF = Number.POSITIVE_INFINITY;

// ─── references: the textbook max-shifted formulas with Math.exp/log/log1p ─────────────────

/** −log softmax(row)ₖ, 1 − p and p·(−log p)/(1 − p), as classification.ts's targetRow. */
function refFocalRow(row: ArrayLike<number>, k: number) {
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < row.length; j++) if (row[j] > m) m = row[j];
  if (m === INF || m === -INF) m = 0;
  let others = 0;
  let ek = 0;
  const e = new Float64Array(row.length);
  for (let j = 0; j < row.length; j++) {
    e[j] = Math.exp(row[j] - m);
    if (j === k) ek = e[j];
    else others += e[j];
  }
  const s = ek + others;
  const nlp = ek >= others ? Math.log1p(others / ek) : Math.log(s) + (m - row[k]);
  const ratio = others === 0 ? 1 : ek === 0 ? 0 : ek * (nlp / others);
  return { nlp, q: others / s, ratio, p: e.map((v) => v / s) };
}

interface FocalCase {
  x: ArrayLike<number>;
  y: Int32Array;
  cols: number;
  gamma: number;
  alpha?: Float64Array;
  ignoreIndex: number;
}

function refFocal(c: FocalCase): Float64Array {
  const rows = c.y.length;
  const x = Array.from(c.x);
  const out = new Float64Array(rows);
  for (let n = 0; n < rows; n++) {
    const k = c.y[n];
    if (k === c.ignoreIndex) continue;
    const { nlp, q } = refFocalRow(x.slice(n * c.cols, (n + 1) * c.cols), k);
    out[n] = nlp * q ** c.gamma * (c.alpha === undefined ? 1 : c.alpha[k]);
  }
  return out;
}

function refFocalGrad(c: FocalCase, scale: number, per: Float64Array | null): Float64Array {
  const rows = c.y.length;
  const x = Array.from(c.x);
  const g = new Float64Array(rows * c.cols);
  for (let n = 0; n < rows; n++) {
    const k = c.y[n];
    if (k === c.ignoreIndex) continue;
    const { q, ratio, p } = refFocalRow(x.slice(n * c.cols, (n + 1) * c.cols), k);
    const f = c.gamma === 0 ? 1 : q ** c.gamma * (1 + c.gamma * ratio);
    const a = (c.alpha === undefined ? 1 : c.alpha[k]) * f * scale * (per === null ? 1 : per[n]);
    for (let j = 0; j < c.cols; j++) g[n * c.cols + j] = a * p[j];
    g[n * c.cols + k] = -a * q;
  }
  return g;
}

/** Log-softmax of a row at temperature T by the max shift, and its softmax. */
function logSoftmax(row: ArrayLike<number>, a: number) {
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < row.length; j++) if (row[j] > m) m = row[j];
  if (m === INF || m === -INF) m = 0;
  let s = 0;
  for (let j = 0; j < row.length; j++) s += Math.exp(a * (row[j] - m));
  const ls = Array.from(row, (v) => a * (v - m) - Math.log(s));
  return { ls, p: ls.map(Math.exp) };
}

function refDistill(xs: ArrayLike<number>, xt: ArrayLike<number>, cols: number, T: number) {
  const rows = xs.length / cols;
  const out = new Float64Array(rows);
  const sa = Array.from(xs);
  const ta = Array.from(xt);
  for (let n = 0; n < rows; n++) {
    const s = logSoftmax(sa.slice(n * cols, (n + 1) * cols), 1 / T);
    const t = logSoftmax(ta.slice(n * cols, (n + 1) * cols), 1 / T);
    let v = 0;
    for (let j = 0; j < cols; j++) if (t.p[j] !== 0) v += t.p[j] * (t.ls[j] - s.ls[j]);
    out[n] = T * T * v;
  }
  return out;
}

/** |got − want| ≤ tol(want) entry by entry, and identical where either is not finite. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: (w: number) => number) {
  expect(got.length).toBe(want.length);
  let bad = -1;
  for (let i = 0; i < want.length && bad < 0; i++) {
    const g = got[i];
    const w = want[i];
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (!Object.is(g, w) && !(Number.isNaN(g) && Number.isNaN(w))) bad = i;
    } else if (!(Math.abs(g - w) <= tol(w))) bad = i;
  }
  if (bad >= 0) expect([bad, got[bad]]).toEqual([bad, want[bad]]);
}

function focalOut(c: FocalCase): { out: Float64Array; acc: Float64Array } {
  const rows = c.y.length;
  const out = new Float64Array(rows).fill(Number.NaN);
  const acc = new Float64Array(3);
  sfFocalRows(c.x, c.y, 0, rows, c.cols, c.ignoreIndex, c.gamma, c.alpha, out, acc);
  return { out, acc };
}

function focalGrad(c: FocalCase, scale: number, per: Float64Array | null): Float64Array {
  const g = new Float64Array(c.y.length * c.cols).fill(Number.NaN); // every entry is written
  sfFocalGradRows(c.x, c.y, 0, c.y.length, c.cols, c.ignoreIndex, c.gamma, c.alpha, scale, per, g);
  return g;
}

/** Random rows (normal logits times `spread`), some ignored, in the three array types. */
function randomFocal(seed: number, rows: number, cols: number, spread: number) {
  const rnd = seededRandom(seed);
  const x = new Float64Array(rows * cols).map(() => {
    const u = rnd() || 1e-12;
    return spread * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  });
  const y = Int32Array.from({ length: rows }, () => (rnd() < 0.05 ? -1 : (rnd() * cols) | 0));
  const alpha = Float64Array.from({ length: cols }, () => 0.1 + 2 * rnd());
  const per = Float64Array.from({ length: rows }, () => rnd() - 0.3);
  return { x, y, alpha, per };
}

const arrayTypes = (x: Float64Array) => [x, Float32Array.from(x), Array.from(x)];

describe('sfFocalRows / sfFocalGradRows', () => {
  it('take −log p = log1p(O) within the bound over the whole range of O', () => {
    // Rows [v, 0] with target 1: O = e^v by the inlined exp (≤ 3.2 ulp), so −log p = log1p(e^v)
    // is within 3.2 ulp (its condition number is ≤ 1) plus the 6u of the log1p step. Swept from
    // O = 0 (v below −745) through O ≈ 1 to e^709, the largest O the fast path takes.
    const N = 200_001;
    const x = new Float64Array(2 * N);
    for (let i = 0; i < N; i++) x[2 * i] = -760 + (760 + 709) * (i / (N - 1));
    const y = new Int32Array(N).fill(1);
    const { out } = focalOut({ x, y, cols: 2, gamma: 0, ignoreIndex: -100 });
    let worst = 0;
    for (let i = 0; i < N; i++) {
      const v = x[2 * i];
      const o = Math.exp(v);
      // reference log1p(e^v): Math.log1p (≤ 1 ulp), and v + log1p(e^−v) where e^v is huge
      const want = v > 30 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(o);
      const allowed = (2 * 3.2 + 6 + 2 + 1) * U * want + 2 * 2 ** -1074;
      worst = Math.max(worst, Math.abs(out[i] - want) / allowed);
    }
    expect(worst).toBeLessThanOrEqual(1);
    // and densely around O = 1 and where 1 + O rounds to 1 (the S = 1 branch)
    const vs = [0, 2 ** -30, -(2 ** -30), Math.log(2 ** -52), Math.log(2 ** -53), -37, -36.7];
    const z = new Float64Array(vs.flatMap((v) => [v, 0]));
    const r = focalOut({
      x: z,
      y: new Int32Array(vs.length).fill(1),
      cols: 2,
      gamma: 0,
      ignoreIndex: -100,
    });
    vs.forEach((v, i) => {
      const want = Math.log1p(Math.exp(v));
      expect(Math.abs(r.out[i] - want)).toBeLessThanOrEqual(13 * U * want);
    });
  });

  it('match the max-shifted reference on random rows, every array type, γ, α, ignore, chunk edges', () => {
    for (const [seed, cols, spread] of [
      [1, 10, 1],
      [2, 3, 5],
      [3, 1, 2],
      [4, 37, 3],
      [5, 2, 30],
    ] as const) {
      const rows = 700; // several 256-row chunks
      const { x, y, alpha, per } = randomFocal(seed, rows, cols, spread);
      for (const xa of arrayTypes(x)) {
        for (const gamma of [0, 1.5, 2]) {
          for (const a of [undefined, alpha]) {
            const c: FocalCase = { x: xa, y, cols, gamma, alpha: a, ignoreIndex: -1 };
            const want = refFocal(c);
            const { out, acc } = focalOut(c);
            // −log p within (C + 8)u, 1 − p within (C + 4)u; the reference adds its own ~C u
            const rel = (4 * cols + 40) * U;
            expectClose(out, want, (w) => rel * Math.abs(w) + 1e-300);
            const total = want.reduce((s, v) => s + v, 0);
            expect(Math.abs(acc[0] + acc[1] - total)).toBeLessThanOrEqual(rel * total + 1e-300);
            expect(acc[2]).toBe(y.filter((k) => k === -1).length);
            for (const p of [null, per]) {
              const g = focalGrad(c, 0.37, p);
              const gw = refFocalGrad(c, 0.37, p);
              let big = 0;
              for (const v of gw) big = Math.max(big, Math.abs(v));
              expectClose(g, gw, (w) => rel * Math.abs(w) + 2 * cols * U * big);
            }
          }
        }
      }
    }
  });

  it('keep the reference semantics of one-column rows, non-finite ones included', () => {
    // the only term is the target's own: p = 1 for a finite logit, NaN for ±∞ or NaN (∞ − ∞)
    const x = Float64Array.from([
      3,
      Number.NaN,
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      -1e300,
    ]);
    const y = new Int32Array(5);
    for (const gamma of [0, 2]) {
      const c: FocalCase = { x, y, cols: 1, gamma, ignoreIndex: -1 };
      expectClose(focalOut(c).out, refFocal(c), () => 0);
      expectClose(focalGrad(c, 1, null), refFocalGrad(c, 1, null), () => 0);
    }
  });

  it('fall back row by row for extreme and non-finite logits, with the reference semantics', () => {
    const rows: [number[], number][] = [
      [[0, 1e4, -1e4], 0], // target 1e4 below: O overflows
      [[-1e4, 1e4, 0], 0],
      [[1e4, -1e4, 0], 0], // p = 1: O = 0
      [[800, 0, 0], 1], // O = e^800 overflows
      [[-800, 0, 5], 0],
      [[0, 710, 709], 0],
      [[1e300, -1e300, 0], 1], // v = ±∞ from a finite difference
      [[3e7, 0, 1], 1], // wrapped k
      [[-3e7, 0, 1], 0],
      [[0, INF, 1], 0], // +∞ elsewhere: p = 0
      [[0, INF, 1], 1], // +∞ at the target
      [[0, -INF, 1], 1], // −∞ at the target
      [[0, -INF, 1], 0],
      [[-INF, -INF, -INF], 2],
      [[INF, INF, 0], 0],
      [[0, Number.NaN, 1], 0],
      [[Number.NaN, 0, 1], 0],
      [[1000, 980, 0], 0], // p → 1 at large logits: −log p ≈ 2.06e−9
      [[0, 0, 0], 1],
      [[1, 2, 3], 2],
    ];
    // the same rows twice, around a chunk boundary, between ordinary rows
    const { x: fill, y: fy } = randomFocal(9, 300, 3, 2);
    const data = Array.from(fill.slice(0, 250 * 3));
    const ys = Array.from(fy.slice(0, 250));
    for (const [row, k] of [...rows, ...rows]) {
      data.push(...row);
      ys.push(k);
    }
    const y = Int32Array.from(ys);
    for (const xa of [Float64Array.from(data), data]) {
      for (const gamma of [0, 2, 0.5]) {
        const c: FocalCase = { x: xa, y, cols: 3, gamma, ignoreIndex: -1 };
        const rel = 60 * U;
        expectClose(focalOut(c).out, refFocal(c), (w) => rel * Math.abs(w) + 1e-300);
        expectClose(
          focalGrad(c, 1, null),
          refFocalGrad(c, 1, null),
          (w) => rel * Math.abs(w) + 1e-300,
        );
      }
    }
  });
});

describe('sfDistillRows / sfDistillGradRows', () => {
  const cases = (seed: number, rows: number, cols: number, spread: number) => {
    const rnd = seededRandom(seed);
    const g = () =>
      spread * Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());
    const xs = Float64Array.from({ length: rows * cols }, g);
    const xt = Float64Array.from({ length: rows * cols }, g);
    const per = Float64Array.from({ length: rows }, () => rnd() - 0.3);
    return { xs, xt, per };
  };

  function run(xs: ArrayLike<number>, xt: ArrayLike<number>, cols: number, T: number) {
    const rows = xs.length / cols;
    const out = new Float64Array(rows).fill(Number.NaN);
    const acc = new Float64Array(2);
    sfDistillRows(xs, xt, 0, rows, cols, 1 / T, T * T, out, acc);
    return { out, sum: acc[0] + acc[1] };
  }

  function grad(
    xs: ArrayLike<number>,
    xt: ArrayLike<number>,
    cols: number,
    T: number,
    per: Float64Array | null,
  ) {
    const g = new Float64Array(xs.length).fill(Number.NaN);
    sfDistillGradRows(
      xs,
      xt,
      0,
      xs.length / cols,
      cols,
      1 / T,
      T,
      0.37,
      per,
      g,
      new Float64Array(cols),
    );
    return g;
  }

  function refGrad(
    xs: ArrayLike<number>,
    xt: ArrayLike<number>,
    cols: number,
    T: number,
    per: Float64Array | null,
  ) {
    const g = new Float64Array(xs.length);
    const sa = Array.from(xs);
    const ta = Array.from(xt);
    for (let n = 0; n < xs.length / cols; n++) {
      const s = logSoftmax(sa.slice(n * cols, (n + 1) * cols), 1 / T);
      const t = logSoftmax(ta.slice(n * cols, (n + 1) * cols), 1 / T);
      const k = T * 0.37 * (per === null ? 1 : per[n]);
      for (let j = 0; j < cols; j++) g[n * cols + j] = k * (s.p[j] - t.p[j]);
    }
    return g;
  }

  it('match the max-shifted reference on random rows, every array type and temperature', () => {
    for (const [seed, cols, spread] of [
      [1, 10, 2],
      [2, 1, 1],
      [3, 2, 20],
      [4, 33, 4],
    ] as const) {
      const { xs, xt, per } = cases(seed, 300, cols, spread);
      for (const T of [0.25, 1, 4]) {
        const want = refDistill(xs, xt, cols, T);
        // absolute, per row: ≲ (2C + 10)u·(1 + logit range / T), times T², plus the reference's
        const tol = (4 * cols + 40) * U * (1 + (12 * spread) / T) * T * T;
        const pairs: [ArrayLike<number>, ArrayLike<number>][] = [
          [Float32Array.from(xs), Float32Array.from(xt)],
          [xs, xt],
          [Array.from(xs), Array.from(xt)],
          [Float32Array.from(xs), xt], // mixed types take the generic loop
        ];
        for (const [a, b] of pairs) {
          const w = a instanceof Float32Array ? refDistill(a, b, cols, T) : want;
          const { out, sum } = run(a, b, cols, T);
          expectClose(out, w, () => tol);
          expect(Math.abs(sum - w.reduce((s, v) => s + v, 0))).toBeLessThanOrEqual(tol * w.length);
          for (const p of [null, per]) {
            const gw = refGrad(a, b, cols, T, p);
            expectClose(grad(a, b, cols, T, p), gw, (v) => 8 * cols * U * (Math.abs(v) + T));
          }
        }
      }
    }
  });

  it('gives exactly 0 for identical rows and falls back for extreme and non-finite logits', () => {
    const same = Float64Array.from([1, 2, 3, -4, 0, 5]);
    expect(Array.from(run(same, same, 3, 0.5).out)).toEqual([0, 0]);
    const pairs: [number[], number[]][] = [
      [
        [1e4, -1e4, 0],
        [-1e4, 1e4, 0],
      ],
      [
        [0, 800, 1],
        [0, 1, 2],
      ], // a sum overflows
      [
        [0, 80, 1],
        [0, 1, 2],
      ], // a sum passes 2¹⁰⁰
      [
        [0, 1, 2],
        [-3e7, 0, 1],
      ], // wrapped k
      [
        [1e300, -1e300, 0],
        [0, 1, 2],
      ],
      [
        [0, INF, 1],
        [0, 1, 2],
      ],
      [
        [0, 1, 2],
        [0, INF, 1],
      ],
      [
        [0, -INF, 1],
        [0, 1, 2],
      ], // p = 0 where q > 0: +∞
      [
        [0, 1, 2],
        [0, -INF, 1],
      ], // q = 0: contributes 0
      [
        [0, Number.NaN, 1],
        [0, 1, 2],
      ],
      [
        [0, 1, 2],
        [Number.NaN, 1, 2],
      ],
      [
        [-INF, -INF, -INF],
        [0, 1, 2],
      ],
      [
        [5, 5, 5],
        [-900, 0, 900],
      ],
    ];
    const xs = pairs.flatMap(([s]) => s);
    const xt = pairs.flatMap(([, t]) => t);
    for (const T of [0.25, 1, 3]) {
      for (const [a, b] of [
        [Float64Array.from(xs), Float64Array.from(xt)],
        [xs, xt],
      ] as const) {
        expectClose(run(a, b, 3, T).out, refDistill(a, b, 3, T), (w) => 1e-13 * (1 + Math.abs(w)));
        expectClose(grad(a, b, 3, T, null), refGrad(a, b, 3, T, null), () => 1e-15 * T);
      }
    }
  });
});
