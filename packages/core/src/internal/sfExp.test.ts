import { describe, expect, it } from 'vitest';
import { sfExp } from './sfExp.js';

const ULP1 = 2 ** -52; // relative spacing of doubles
const TINY = 2 ** -1074; // the smallest subnormal
const MIN_NORMAL = 2 ** -1022;
// sfExp's proven bound is 3.2 ulp; Math.exp, the reference, is itself up to 1 ulp off.
const REL = 4.2 * ULP1;

/** Largest error of sfExp against Math.exp over `points`, in units of the allowed bound. */
function worst(points: Iterable<number>): number {
  let ratio = 0;
  for (const v of points) {
    const e = Math.exp(v);
    const allowed = e >= MIN_NORMAL ? REL * e : 2 * TINY + REL * e;
    const q = Math.abs(sfExp(v) - e) / allowed;
    if (!(q <= ratio)) ratio = q;
  }
  return ratio;
}

function* sweep(lo: number, hi: number, n: number): Generator<number> {
  for (let i = 0; i <= n; i++) yield lo + ((hi - lo) * i) / n;
}

function* seeded(lo: number, hi: number, n: number): Generator<number> {
  let s = 0x2545f491;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    yield lo + ((hi - lo) * s) / 4294967296;
  }
}

describe('sfExp', () => {
  it('is within its proven bound of exp over its whole range', () => {
    // A step of 3.7e-4 visits every one of the 256 table entries hundreds of times.
    expect(worst(sweep(-745.2, 0, 2_000_000))).toBeLessThanOrEqual(1);
    expect(worst(sweep(0, 709, 2_000_000))).toBeLessThanOrEqual(1);
    expect(worst(seeded(0, 709, 200_000))).toBeLessThanOrEqual(1);
    expect(worst(seeded(-745.2, 0, 500_000))).toBeLessThanOrEqual(1);
    // Near 0, where the row loops spend most of their calls; table cell edges; the subnormal tail.
    expect(worst(seeded(-1, 1, 400_000))).toBeLessThanOrEqual(1);
    expect(worst(seeded(-1e-6, 1e-6, 10_000))).toBeLessThanOrEqual(1);
    const edges = Array.from({ length: 4096 }, (_, k) => ((k - 2048) * Math.LN2) / 512);
    expect(
      worst(edges.flatMap((v) => [v, v * (1 + 2 ** -50), v * (1 - 2 ** -50)])),
    ).toBeLessThanOrEqual(1);
    expect(worst(sweep(-745.2, -700, 100_000))).toBeLessThanOrEqual(1);
  });

  it('is exact at 0 and handles the edges', () => {
    expect(sfExp(0)).toBe(1);
    expect(sfExp(-0)).toBe(1);
    expect(sfExp(-Number.MIN_VALUE)).toBe(1);
    expect(sfExp(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(sfExp(-746)).toBe(0);
    expect(sfExp(-1e300)).toBe(0);
    expect(sfExp(Number.NaN)).toBeNaN();
    expect(sfExp(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(sfExp(709.5)).toBe(Math.exp(709.5));
    expect(sfExp(710)).toBe(Number.POSITIVE_INFINITY);
  });
});
