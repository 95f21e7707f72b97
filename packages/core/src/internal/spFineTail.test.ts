import { describe, expect, it } from 'vitest';
import { spSigmoidFine, spSoftplusFine } from './spFineTail.js';

const U = 2 ** -53;

const refSoftplus = (a: number) => Math.log1p(Math.exp(-a));
const refSigmoid = (a: number) => {
  const t = Math.exp(-a);
  return t / (1 + t);
};

/** Largest |f(a) − ref(a)| / (rel·ref(a)) over `points`. */
function worst(
  f: (a: number) => number,
  ref: (a: number) => number,
  points: Iterable<number>,
  rel: number,
): { ratio: number; at: number } {
  let ratio = 0;
  let at = Number.NaN;
  for (const a of points) {
    const e = ref(a);
    const q = Math.abs(f(a) - e) / Math.max(rel * e, Number.MIN_VALUE);
    if (!(q <= ratio)) {
      ratio = q;
      at = a;
    }
  }
  return { ratio, at };
}

function* sweep(lo: number, hi: number, n: number): Generator<number> {
  for (let i = 0; i <= n; i++) yield lo + ((hi - lo) * i) / n;
}

function* seeded(lo: number, hi: number, n: number): Generator<number> {
  let s = 0x6c8e9cf5;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    yield lo + ((hi - lo) * s) / 4294967296;
  }
}

/** Every grid point j/512 and the cell edges (j ± ½)/512, one ulp either side. */
function* grid(): Generator<number> {
  for (let j = 0; j <= 2 * 40 * 512 + 2; j++) {
    const a = j / 1024;
    yield a;
    yield a * (1 + 2 * U);
    if (a > 0) yield a * (1 - 2 * U);
  }
}

for (const [name, f, ref] of [
  ['spSoftplusFine', spSoftplusFine, refSoftplus],
  ['spSigmoidFine', spSigmoidFine, refSigmoid],
] as const) {
  describe(name, () => {
    it('is within its proven bound of the Math.* formula over the whole range', () => {
      // < 5u proven up to a = 40, plus the reference's own ≤ 4u.
      expect(worst(f, ref, sweep(0, 40, 2_000_000), 9 * U).ratio).toBeLessThanOrEqual(1);
      expect(worst(f, ref, seeded(0, 40, 500_000), 9 * U).ratio).toBeLessThanOrEqual(1);
      expect(worst(f, ref, seeded(0, 1e-3, 50_000), 9 * U).ratio).toBeLessThanOrEqual(1);
      expect(worst(f, ref, grid(), 9 * U).ratio).toBeLessThanOrEqual(1);
      // Beyond 40: fastExp's 3.2 ulp (6.4u) plus the reference's own error.
      expect(worst(f, ref, sweep(40, 746, 500_000), 10.5 * U).ratio).toBeLessThanOrEqual(1);
    });

    it('handles the edges', () => {
      expect(f(0)).toBe(ref(0));
      expect(f(Number.MIN_VALUE)).toBe(ref(0));
      expect(f(Number.POSITIVE_INFINITY)).toBe(0);
      expect(f(800)).toBe(0);
      expect(f(Number.NaN)).toBeNaN();
      for (const a of [40, 40 * (1 + 2 * U)])
        expect(Math.abs(f(a) - ref(a))).toBeLessThanOrEqual(10.5 * U * ref(a));
    });
  });
}
