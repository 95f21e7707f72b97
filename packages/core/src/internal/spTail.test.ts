import { describe, expect, it } from 'vitest';
import { sigmoidTail, softplusTail } from './softplusTail.js';
import { spSigmoidTail, spSoftplusTail } from './spTail.js';

const U = 2 ** -53;

/** Points over [0, 800]: a dense sweep, seeded random ones, every cell edge ± 1 ulp, the edges. */
function* points(): Generator<number> {
  for (let i = 0; i <= 1_000_000; i++) yield (40 * i) / 1_000_000;
  for (let i = 0; i <= 100_000; i++) yield 40 + (760 * i) / 100_000;
  let s = 0x2545f491;
  for (let i = 0; i < 300_000; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    yield (41 * s) / 4294967296;
  }
  for (let j = 0; j <= 2 * 40 * 32 + 2; j++) {
    const a = j / 64;
    yield a;
    yield a * (1 + 2 * U);
    if (a > 0) yield a * (1 - 2 * U);
  }
  yield* [0, Number.MIN_VALUE, 1e-300, 40, 40 * (1 + 2 * U), 745, 746, 1e300];
  yield* [Number.POSITIVE_INFINITY, Number.NaN];
}

describe('spSoftplusTail / spSigmoidTail', () => {
  it('equal softplusTail / sigmoidTail bit for bit (so their proven bounds carry over)', () => {
    let n = 0;
    for (const a of points()) {
      const p = spSoftplusTail(a);
      const q = spSigmoidTail(a);
      // Object.is: NaN equals NaN, and every finite value must match exactly
      if (!Object.is(p, softplusTail(a))) expect([a, p]).toEqual([a, softplusTail(a)]);
      if (!Object.is(q, sigmoidTail(a))) expect([a, q]).toEqual([a, sigmoidTail(a)]);
      n++;
    }
    expect(n).toBeGreaterThan(1_400_000);
  });

  it('stay within the proven bounds of the Math.* formulas (spot checks)', () => {
    for (const a of [0, 0.01, 0.5, 1, 2.3, 7.77, 17, 39.99, 40, 55, 300]) {
      const t = Math.exp(-a);
      const sp = Math.log1p(t);
      const sg = t / (1 + t);
      // ≤ 3u and ≤ 4u (fastExp's 6.4u past 40), plus the references' own ~2–3u
      expect(Math.abs(spSoftplusTail(a) - sp)).toBeLessThanOrEqual(8.5 * U * sp);
      expect(Math.abs(spSigmoidTail(a) - sg)).toBeLessThanOrEqual(9.5 * U * sg);
    }
    expect(spSoftplusTail(0)).toBe(Math.LN2);
    expect(spSigmoidTail(0)).toBe(0.5);
    expect(spSoftplusTail(Number.POSITIVE_INFINITY)).toBe(0);
    expect(spSigmoidTail(800)).toBe(0);
    expect(spSigmoidTail(Number.NaN)).toBeNaN();
  });
});
