import { exponential, exponentialGrad, poissonNll, poissonNllGrad } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { expectExp2Table } from '../../test/expectExp2Table.js';
import { seededRandom } from '../../test/helpers.js';
import { watBase64 } from '../../test/watBase64.js';
import {
  EX_BLOCK,
  EX_CHUNK,
  EX_SIMD_MIN,
  exGradSimd,
  exSimdAvailable,
  exSimdTable,
  exSumSimd,
  PN_BLOCK,
  pnGradSimd,
  pnSumSimd,
} from './exSimd.js';
import { EX_SIMD_WASM } from './exSimdBytes.js';

const U = 2 ** -53;
/** Slack for results below float64's normal range (k·e^v for tiny k). */
const TINY = 2 ** -1070;

/** Neumaier's sum of f(i), 0 ≤ i < n: the float64 references' sums (≤ 2u·|S| + O(nu²)). */
function neumaier(n: number, f: (i: number) => number): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const v = f(i);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return s + c;
}

/**
 * Random float32 scores (normal ×3; with `wide`, 5% ×20, many beyond ±32) and ±1 labels;
 * counts 0…5 for poissonNll.
 */
function data(n: number, seed: number, wide = true) {
  const r = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
  const x = Float32Array.from({ length: n }, () => normal() * (wide && r() < 0.05 ? 20 : 3));
  const y = Float32Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1));
  const c = Float32Array.from({ length: n }, () => Math.floor(6 * r()));
  return { x, y, c };
}

const LENGTHS = [
  1,
  2,
  3,
  4,
  5,
  7,
  EX_SIMD_MIN - 1,
  EX_SIMD_MIN,
  EX_SIMD_MIN + 1,
  EX_SIMD_MIN + 3,
  EX_CHUNK - 1,
  EX_CHUNK,
  EX_CHUNK + 1,
  EX_CHUNK + 4,
  2 * EX_CHUNK + 3,
];

/** Calls a kernel's sum directly, recording the ranges handed to `exact` (which sums them). */
function sumWithSpy(
  sum: typeof exSumSimd,
  x: Float32Array,
  y: Float32Array,
  term: (i: number) => number,
) {
  const handed: [number, number][] = [];
  const v = sum(x, y, x.length, (i0, i1) => {
    handed.push([i0, i1]);
    let s = 0;
    for (let i = i0; i < i1; i++) s += term(i);
    return s;
  });
  return { v: v as number, handed };
}

/** The ranges a sum hands back for in-range data: only the last n mod 4 elements. */
const tailOf = (n: number): [number, number][] => (n % 4 === 0 ? [] : [[n - (n % 4), n]]);

describe('exSimd (WebAssembly SIMD exponential and poissonNll, float32)', () => {
  it('commits the bytes wabt 1.0.39 makes of exSimd.wat', async () => {
    expect(await watBase64(new URL('./exSimd.wat', import.meta.url))).toBe(EX_SIMD_WASM);
  });

  it('runs here (Node 20 has WebAssembly SIMD)', () => {
    expect(exSimdAvailable()).toBe(true);
  });

  it('has a table T[i] within 1 ulp of 2^(i/256), checked in exact integer arithmetic', () => {
    expectExp2Table(exSimdTable()!);
  });

  describe('the exp over its whole range [−700, 700] (every table index and exponent)', () => {
    // 1.4M float32 values: a fine grid near 0, a coarser one out to ±700, and the ends.
    const xs: number[] = [];
    for (let i = -200000; i <= 200000; i++) xs.push(i * 1e-5);
    for (let i = -500000; i <= 500000; i++) xs.push(i * 0.0014);
    xs.push(700, -700, 699.99, -699.99, 1.4e-45, -1.4e-45, 1e-40, -1e-40, 0, -0);
    const x = Float32Array.from(xs);
    const n = x.length;
    // The reference: Math.exp, within 1 ulp (2u) itself.
    const ex = Float64Array.from(x, (v) => Math.exp(v));
    const enx = Float64Array.from(x, (v) => Math.exp(-v));

    it('gives exponentialGrad −y·k·e^(−y·x) within 4.4u (+ Math.exp’s 2u, the reference’s u)', () => {
      const y = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : 1));
      for (const k of [1, 1 / n, 3.5]) {
        const gx = new Float64Array(n);
        const redone: [number, number][] = [];
        expect(exGradSimd(x, y, n, k, gx, (i0, i1) => redone.push([i0, i1]))).toBe(true);
        expect(redone).toEqual([]);
        // k = 1: ĝ = ±ê exactly, and the reference ±Math.exp: within 3.4u + 2u
        const tol = k === 1 ? 5.4 : 7.4;
        for (let i = 0; i < n; i++) {
          const want = -y[i] * k * (y[i] === 1 ? enx[i] : ex[i]);
          if (!(Math.abs(gx[i] - want) <= tol * U * Math.abs(want) + TINY))
            expect({ i, x: x[i], y: y[i], k, g: gx[i] }).toEqual(want);
        }
      }
    });

    it('gives poissonNllGrad k·(e^x − y) within 3.4u·k·e^x + 2u·|g| (+ the reference’s)', () => {
      const y = Float32Array.from({ length: n }, (_, i) => [0, 0, 1, 3, 0.5][i % 5]);
      for (const k of [1, 1 / n]) {
        const gx = new Float64Array(n);
        const redone: [number, number][] = [];
        expect(pnGradSimd(x, y, n, k, gx, (i0, i1) => redone.push([i0, i1]))).toBe(true);
        expect(redone).toEqual([]);
        for (let i = 0; i < n; i++) {
          const want = k * (ex[i] - y[i]);
          const tol = 5.4 * U * k * ex[i] + 4 * U * Math.abs(want) + TINY;
          if (!(Math.abs(gx[i] - want) <= tol))
            expect({ i, x: x[i], y: y[i], k, g: gx[i] }).toEqual(want);
        }
      }
    });

    it('gives the sums’ terms within their bounds (four equal elements sum to exactly 4ℓ̂)', () => {
      // Each lane holds the same term, so the block's sum ((ℓ̂ + ℓ̂) + (ℓ̂ + ℓ̂)) is exactly 4ℓ̂.
      for (let i = 0; i < n; i += 23) {
        const xv = new Float32Array(4).fill(x[i]);
        const sign = i % 2 === 0 ? 1 : -1;
        const e = sumWithSpy(exSumSimd, xv, new Float32Array(4).fill(sign), () => Number.NaN);
        const want = sign === 1 ? enx[i] : ex[i];
        expect(e.handed).toEqual([]);
        if (!(Math.abs(e.v / 4 - want) <= 5.4 * U * want))
          expect({ i, x: x[i], sign, v: e.v / 4 }).toEqual(want);
        const yv = [0, 1, 2.5, 5][i % 4];
        const p = sumWithSpy(pnSumSimd, xv, new Float32Array(4).fill(yv), () => Number.NaN);
        const l = ex[i] - yv * x[i];
        expect(p.handed).toEqual([]);
        if (!(Math.abs(p.v / 4 - l) <= 5.4 * U * ex[i] + 2 * U * Math.abs(l)))
          expect({ i, x: x[i], yv, v: p.v / 4 }).toEqual(l);
      }
    });
  });

  it('matches the JavaScript loops and the Math reference on random data, every length near the threshold and chunk edges', () => {
    for (const n of LENGTHS) {
      // below EX_SIMD_MIN the JavaScript loops run: their bounds (expTable's 6.4u, not 3.4u)
      const simd = n >= EX_SIMD_MIN;
      const { x, y, c } = data(n, n * 13 + 1);
      const x64 = Float64Array.from(x);
      const y64 = Float64Array.from(y);
      const c64 = Float64Array.from(c);
      // exponential: every term ≥ 0; within 264u of the exact sum, 530u of the JavaScript loop's
      const eRef = neumaier(n, (i) => Math.exp(-y[i] * x[i]));
      for (const reduction of ['sum', 'mean'] as const) {
        const k = reduction === 'mean' ? 1 / n : 1;
        const v = exponential(x, y, { reduction }).value;
        const js = exponential(x64, y64, { reduction }).value;
        expect(Math.abs(v - k * eRef)).toBeLessThanOrEqual((simd ? 268 : 271) * U * k * eRef);
        expect(Math.abs(v - js)).toBeLessThanOrEqual(530 * U * js);
      }
      // poissonNll: an absolute bound in Σe^x and Σ|ℓ| (≤ Σ(e^x + |y·x|))
      const pRef = neumaier(n, (i) => Math.exp(x[i]) - c[i] * x[i]);
      let se = 0;
      let sl = 0;
      let sm = 0;
      for (let i = 0; i < n; i++) {
        se += Math.exp(x[i]);
        sl += Math.abs(Math.exp(x[i]) - c[i] * x[i]);
        sm += Math.exp(x[i]) + Math.abs(c[i] * x[i]);
      }
      for (const reduction of ['sum', 'mean'] as const) {
        const k = reduction === 'mean' ? 1 / n : 1;
        const v = poissonNll(x, c, { reduction }).value;
        const js = poissonNll(x64, c64, { reduction }).value;
        const eb = simd ? 5.4 : 8.4;
        expect(Math.abs(v - k * pRef)).toBeLessThanOrEqual(k * (eb * U * se + 72 * U * sl));
        expect(Math.abs(v - js)).toBeLessThanOrEqual(148 * U * k * sm);
      }
      // the kernels hand back nothing but the last n mod 4 elements of a sum, no gradient chunk
      if (n >= 4) {
        expect(sumWithSpy(exSumSimd, x, y, (i) => Math.exp(-y[i] * x[i])).handed).toEqual(
          tailOf(n),
        );
        expect(sumWithSpy(pnSumSimd, x, c, (i) => Math.exp(x[i]) - c[i] * x[i]).handed).toEqual(
          tailOf(n),
        );
      }
      // gradients, every reduction and a caller's buffer
      for (const o of [
        { reduction: 'mean' as const },
        { reduction: 'sum' as const },
        { reduction: 'none' as const },
      ]) {
        const k = o.reduction === 'mean' ? 1 / n : 1;
        const out = new Float64Array(n).fill(7);
        const g = exponentialGrad(x, y, { ...o, out: { input: out } }).input;
        expect(g).toBe(out);
        const gjs = exponentialGrad(x64, y64, o).input;
        const h = poissonNllGrad(x, c, o).input;
        const hjs = poissonNllGrad(x64, c64, o).input;
        for (let i = 0; i < n; i++) {
          const want = -y[i] * k * Math.exp(-y[i] * x[i]);
          const gTol = (simd ? 7.4 : 9.5) * U * Math.abs(want) + TINY;
          const gjsTol = 10.9 * U * Math.abs(gjs[i]) + TINY;
          if (!(Math.abs(g[i] - want) <= gTol && Math.abs(g[i] - gjs[i]) <= gjsTol))
            expect({ n, i, x: x[i], g: g[i], js: gjs[i] }).toEqual(want);
          const ei = Math.exp(x[i]);
          const hw = k * (ei - c[i]);
          const hTol = (simd ? 5.4 : 8.4) * U * k * ei + 4 * U * Math.abs(hw) + TINY;
          const hjsTol = 9.8 * U * k * ei + 4 * U * Math.abs(hjs[i]) + TINY;
          if (!(Math.abs(h[i] - hw) <= hTol && Math.abs(h[i] - hjs[i]) <= hjsTol))
            expect({ n, i, x: x[i], h: h[i], js: hjs[i] }).toEqual(hw);
        }
      }
    }
  });

  describe('special values in every lane and chunk position give what the JavaScript loops give', () => {
    const n = 2 * EX_CHUNK + 5; // the last chunk: one group and one element past it
    const AT = [0, 1, 2, 3, 1023, 1024, EX_CHUNK - 1, EX_CHUNK, EX_CHUNK + 2, n - 2, n - 1];
    // Scores within ±32: exponentialGrad's JavaScript loop then takes one path (its fast loop)
    // for every element but the special one, in a redone chunk as in the whole array (past 64
    // exponents beyond ±32 it switches to expTable for the rest of its range, ≤ 1 ulp apart).
    const base = data(n, 99, false);
    /** The chunk [c0, c1) of element `at`. */
    const chunkOf = (at: number): [number, number] => {
      const c0 = at - (at % EX_CHUNK);
      return [c0, Math.min(n, c0 + EX_CHUNK)];
    };
    /** The sum's block of element `at` (the last n mod 4 elements are one range of their own). */
    const blockOf = (at: number, block: number): [number, number] => {
      const done = n - (n % 4);
      if (at >= done) return [done, n];
      const b0 = at - (at % block);
      return [b0, Math.min(done, b0 + block)];
    };
    const attempt = <T>(f: () => T): { ok: T } | { error: string } => {
      try {
        return { ok: f() };
      } catch (e) {
        return { error: (e as Error).message };
      }
    };

    /**
     * The float32 call (the kernel) against the float64 one (the JavaScript loops) on the same
     * values: the same errors, the same ∞ and NaN; finite sums within `sumTol`; gradients
     * element by element, bit for bit in the chunk the kernel hands back (and at ±0), else
     * within `gradTol`; `out` left as the JavaScript loop leaves it after an error.
     */
    function compare(
      sum: (
        x: Float32Array | Float64Array,
        y: Float32Array | Float64Array,
        o: object,
      ) => {
        value: unknown;
      },
      grad: (x: Float32Array | Float64Array, y: Float32Array | Float64Array, o: object) => unknown,
      x: Float32Array,
      y: Float32Array,
      at: number,
      flagged: boolean,
      sumTol: (js: number) => number,
      gradTol: (js: number, i: number) => number,
    ): void {
      const x64 = Float64Array.from(x);
      const y64 = Float64Array.from(y);
      const what = { at, x: x[at], y: y[at] };
      for (const reduction of ['sum', 'mean'] as const) {
        const v = attempt(() => sum(x, y, { reduction }).value as number);
        const js = attempt(() => sum(x64, y64, { reduction }).value as number);
        if ('error' in js) expect(v, JSON.stringify(what)).toEqual(js);
        else if ('error' in v || !Number.isFinite(js.ok))
          expect(v, JSON.stringify(what)).toEqual(js);
        else if (!(Math.abs(v.ok - js.ok) <= sumTol(js.ok)))
          expect({ ...what, reduction, v: v.ok }).toEqual(js.ok);
      }
      const out = new Float64Array(n).fill(12345);
      const out64 = new Float64Array(n).fill(12345);
      const g = attempt(() => grad(x, y, { out: { input: out } }));
      const gjs = attempt(() => grad(x64, y64, { out: { input: out64 } }));
      expect('error' in g ? g : 'ok', JSON.stringify(what)).toEqual('error' in gjs ? gjs : 'ok');
      const [c0, c1] = chunkOf(at);
      for (let i = 0; i < n; i++) {
        const exact = (flagged && i >= c0 && i < c1) || x[i] === 0 || !Number.isFinite(out64[i]);
        const ok = exact
          ? Object.is(out[i], out64[i])
          : Math.abs(out[i] - out64[i]) <= gradTol(out64[i], i);
        if (!ok) expect({ ...what, i, xi: x[i], g: out[i] }).toEqual(out64[i]);
      }
    }

    it('exponential and exponentialGrad: labels other than ±1, ±∞, NaN, |x| beyond 700, zeros', () => {
      const sumTol = (js: number) => 530 * U * Math.abs(js);
      const gradTol = (js: number) => 10.9 * U * Math.abs(js) + TINY;
      const f = Math.fround;
      const xSpecials = [
        Infinity,
        -Infinity,
        Number.NaN,
        100,
        -100,
        800,
        -800,
        f(700.0001),
        -f(700.0001),
        700,
        -700,
        0,
        -0,
        1.4e-45,
        -1.4e-45,
        1e30,
      ];
      const ySpecials = [0, 0.5, 2, -0, Number.NaN, Infinity, -3];
      for (const at of AT) {
        for (const [sx, sy] of [
          ...xSpecials.map((v) => [v, null] as const),
          ...ySpecials.map((v) => [null, v] as const),
        ]) {
          const x = base.x.slice();
          const y = base.y.slice();
          if (sx !== null) x[at] = sx;
          if (sy !== null) y[at] = sy;
          const flagged = !(Math.abs(x[at]) <= 700) || Math.abs(y[at]) !== 1;
          compare(exponential, exponentialGrad, x, y, at, flagged, sumTol, gradTol);
          // the kernels hand back exactly the special's block (sum) and chunk (gradient)
          const s = sumWithSpy(exSumSimd, x, y, () => 0);
          const tail = tailOf(n);
          const want = flagged ? [blockOf(at, EX_BLOCK)] : [];
          expect(s.handed).toEqual(
            [...want, ...tail].filter((r, j, a) => a.findIndex((q) => q[0] === r[0]) === j),
          );
          const redone: [number, number][] = [];
          exGradSimd(x, y, n, 1, new Float64Array(n), (i0, i1) => redone.push([i0, i1]));
          expect(redone).toEqual(flagged ? [chunkOf(at)] : []);
        }
      }
    });

    it('poissonNll and poissonNllGrad: ±∞, NaN, |x| beyond 700, zeros, non-finite counts', () => {
      const c = base.c;
      let sm = 0;
      for (let i = 0; i < n; i++) sm += Math.exp(base.x[i]) + Math.abs(c[i] * base.x[i]);
      // the special element's own term is the JavaScript loop's (its block is handed back) or
      // within the bound (in range): add its e^x + |y·x| to the scale
      const f = Math.fround;
      const xSpecials = [
        Infinity,
        -Infinity,
        Number.NaN,
        100,
        -100,
        800,
        -800,
        f(700.0001),
        -f(700.0001),
        700,
        -700,
        0,
        -0,
        1.4e-45,
        1e30,
      ];
      const ySpecials = [Infinity, -Infinity, Number.NaN, 3e38, -2, 0];
      for (const at of AT) {
        for (const [sx, sy] of [
          ...xSpecials.map((v) => [v, null] as const),
          ...ySpecials.map((v) => [null, v] as const),
        ]) {
          const x = base.x.slice();
          const y = c.slice();
          if (sx !== null) x[at] = sx;
          if (sy !== null) y[at] = sy;
          const flagged = !(Math.abs(x[at]) <= 700);
          const extra = Math.exp(Math.min(x[at], 700)) + Math.abs(y[at] * x[at]);
          const scale = Number.isFinite(extra) ? sm + extra : sm;
          const sumTol = () => 148 * U * scale;
          const gradTol = (js: number, i: number) =>
            (9.8 * U * Math.exp(x[i])) / n + 4 * U * Math.abs(js) + TINY;
          compare(poissonNll, poissonNllGrad, x, y, at, flagged, sumTol, gradTol);
          // handed back: the special's block when flagged or when its sum is not finite
          const s = sumWithSpy(pnSumSimd, x, y, () => 0);
          const blockSum = (() => {
            const [b0, b1] = blockOf(at, PN_BLOCK);
            let v = 0;
            for (let i = b0; i < b1; i++) v += Math.exp(x[i]) - y[i] * x[i];
            return v;
          })();
          const handsBack = flagged || !Number.isFinite(blockSum);
          const want = handsBack ? [blockOf(at, PN_BLOCK)] : [];
          expect(s.handed).toEqual(
            [...want, ...tailOf(n)].filter((r, j, a) => a.findIndex((q) => q[0] === r[0]) === j),
          );
          const redone: [number, number][] = [];
          pnGradSimd(x, y, n, 1, new Float64Array(n), (i0, i1) => redone.push([i0, i1]));
          expect(redone).toEqual(flagged ? [chunkOf(at)] : []);
        }
      }
    });

    it('a label error leaves `out` as the JavaScript loop leaves it: written up to the bad label', () => {
      for (const at of AT) {
        const y = base.y.slice();
        y[at] = 0.5;
        const out = new Float64Array(n).fill(12345);
        expect(() => exponentialGrad(base.x, y, { out: { input: out } })).toThrow(
          `exponentialGrad: target[${at}] = 0.5 is not -1 or 1`,
        );
        expect(() => exponential(base.x, y)).toThrow(
          `exponential: target[${at}] = 0.5 is not -1 or 1`,
        );
        for (let i = at; i < n; i++) if (out[i] !== 12345) expect({ at, i }).toBe('untouched');
        for (let i = 0; i < at; i++) if (out[i] === 12345) expect({ at, i }).toBe('written');
      }
    });
  });

  it('gives exact values at ±0: e^0 = 1, so −y·k and k·(1 − y)', () => {
    const n = EX_SIMD_MIN + 5;
    const x = new Float32Array(n).fill(0);
    for (let i = 1; i < n; i += 2) x[i] = -0;
    const y = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : -1));
    const c = Float32Array.from({ length: n }, (_, i) => i % 4);
    const g = exponentialGrad(x, y, { reduction: 'sum' }).input;
    const h = poissonNllGrad(x, c, { reduction: 'sum' }).input;
    for (let i = 0; i < n; i++) {
      expect(g[i]).toBe(-y[i]);
      expect(h[i]).toBe(1 - c[i]);
    }
    expect(exponential(x, y, { reduction: 'sum' }).value).toBe(n);
    expect(poissonNll(x, c, { reduction: 'sum' }).value).toBe(n);
  });
});
