import { describe, expect, it } from 'vitest';
import { logCoshAbs } from './logCoshAbs.js';

const U = 2 ** -53;
// The proven bound is 24u; the reference forms are themselves a few ulp off.
const REL = 30 * U;

/** log cosh a by the two Math forms (no cancellation in either range). */
function ref(a: number): number {
  if (a < 1) {
    const h = Math.sinh(0.5 * a);
    return Math.log1p(2 * h * h);
  }
  return a - Math.LN2 + Math.log1p(Math.exp(-2 * a));
}

function worst(points: Iterable<number>): { ratio: number; at: number } {
  let ratio = 0;
  let at = Number.NaN;
  for (const a of points) {
    const e = ref(a);
    const q = Math.abs(logCoshAbs(a) - e) / Math.max(REL * e, Number.MIN_VALUE);
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
  let s = 0x165667b1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    yield lo + ((hi - lo) * s) / 4294967296;
  }
}

/** Grid points j/32, cell edges (j ± ½)/32 one ulp either side, and powers of two down to 0. */
function* edges(): Generator<number> {
  for (let j = 0; j <= 2 * 20 * 32 + 2; j++) {
    const a = j / 64;
    yield a;
    yield a * (1 + 2 * U);
    if (a > 0) yield a * (1 - 2 * U);
  }
  for (let k = 0; k <= 1074; k++) yield 2 ** -k;
}

describe('logCoshAbs', () => {
  it('is within its proven bound of log cosh over the whole range', () => {
    expect(worst(sweep(0, 20.5, 2_000_000)).ratio).toBeLessThanOrEqual(1);
    expect(worst(seeded(0, 1, 300_000)).ratio).toBeLessThanOrEqual(1);
    expect(worst(seeded(0, 0.05, 100_000)).ratio).toBeLessThanOrEqual(1);
    expect(worst(edges()).ratio).toBeLessThanOrEqual(1);
    expect(worst(sweep(20, 1000, 100_000)).ratio).toBeLessThanOrEqual(1);
  });

  it('handles the edges', () => {
    expect(logCoshAbs(0)).toBe(0);
    expect(logCoshAbs(1000)).toBe(1000 - Math.LN2);
    expect(logCoshAbs(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(logCoshAbs(Number.NaN)).toBeNaN();
  });
});
