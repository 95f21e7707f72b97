import { describe, expect, it } from 'vitest';
import { fastExp } from './fastExp.js';

const ULP1 = 2 ** -52; // relative spacing of doubles
const TINY = 2 ** -1074; // the smallest subnormal
const MIN_NORMAL = 2 ** -1022;
// fastExp's proven bound is 3.2 ulp; Math.exp, the reference, is itself up to 1 ulp off.
const REL = 4.2 * ULP1;

/** Largest error of fastExp against Math.exp over `points`, in units of the allowed bound. */
function worst(points: Iterable<number>): { ratio: number; at: number } {
  let ratio = 0;
  let at = Number.NaN;
  for (const v of points) {
    const e = Math.exp(v);
    const a = fastExp(v);
    const allowed = e >= MIN_NORMAL ? REL * e : 2 * TINY + REL * e;
    const q = Math.abs(a - e) / allowed;
    if (!(q <= ratio)) {
      ratio = q;
      at = v;
    }
  }
  return { ratio, at };
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

describe('fastExp', () => {
  it('is within its proven bound of exp over its whole range', () => {
    // A step of 3.7e-4 visits every one of the 64 table entries thousands of times.
    expect(worst(sweep(-745.2, 0, 2_000_000)).ratio).toBeLessThanOrEqual(1);
    expect(worst(sweep(0, 709, 2_000_000)).ratio).toBeLessThanOrEqual(1);
    expect(worst(seeded(0, 709, 200_000)).ratio).toBeLessThanOrEqual(1);
    expect(worst(seeded(-1, 1, 200_000)).ratio).toBeLessThanOrEqual(1);
    expect(worst(seeded(-745.2, 0, 500_000)).ratio).toBeLessThanOrEqual(1);
    // Near 0, where the softmax kernels spend most of their calls, and the subnormal tail.
    expect(worst(seeded(-1, 0, 200_000)).ratio).toBeLessThanOrEqual(1);
    expect(worst(seeded(-1e-6, 0, 10_000)).ratio).toBeLessThanOrEqual(1);
    expect(worst(sweep(-745.2, -700, 100_000)).ratio).toBeLessThanOrEqual(1);
  });

  it('is exact where exp is a power of two or 1, and handles the edges', () => {
    expect(fastExp(0)).toBe(1);
    expect(fastExp(-0)).toBe(1);
    expect(fastExp(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(fastExp(-746)).toBe(0);
    expect(fastExp(-1e300)).toBe(0);
    expect(fastExp(Number.NaN)).toBeNaN();
    expect(fastExp(-Number.MIN_VALUE)).toBe(1);
    // exp(−745.1) rounds to the smallest subnormal; at −745.13 the last rounding may give 0
    // (an absolute error of at most 2⁻¹⁰⁷⁴, as documented).
    expect(fastExp(-745.1)).toBe(TINY);
    expect(Math.abs(fastExp(-745.13) - Math.exp(-745.13))).toBeLessThanOrEqual(TINY);
    expect(Math.abs(fastExp(-708.39) - Math.exp(-708.39))).toBeLessThanOrEqual(
      REL * Math.exp(-708.39),
    );
  });

  it('falls back to Math.exp above 709, where exp nears overflow', () => {
    for (const v of [709.1, 709.7, 709.78, 710, 1e6, Number.POSITIVE_INFINITY]) {
      expect(fastExp(v)).toBe(Math.exp(v));
    }
    expect(Math.abs(fastExp(709) - Math.exp(709))).toBeLessThanOrEqual(REL * Math.exp(709));
    expect(fastExp(1e-300)).toBe(1);
  });

  it('would notice a coarser polynomial: the bound is tight enough to fail on one', () => {
    // Degree 4 instead of 5 leaves a remainder of |r|^5/120 ≈ 4e-14: ~170 ulp at |r| = ln2/128.
    const r = Math.LN2 / 128;
    const degree4 = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24))));
    expect(Math.abs(degree4 - Math.exp(r)) / Math.exp(r)).toBeGreaterThan(REL);
  });
});
