import { describe, expect, it } from 'vitest';
import { fastLog1p } from './fastLog1p.js';

const U = 2 ** -53;
// The proven bound is 8u; Math.log1p, the reference, is itself up to 1 ulp (2u) off.
const REL = 10 * U;

function worst(points: Iterable<number>): { ratio: number; at: number } {
  let ratio = 0;
  let at = Number.NaN;
  for (const t of points) {
    const e = Math.log1p(t);
    // Below 2⁻⁹⁷⁰ the allowed error REL·e would underflow: there it is one subnormal step.
    const q = Math.abs(fastLog1p(t) - e) / Math.max(REL * e, Number.MIN_VALUE);
    if (!(q <= ratio)) {
      ratio = q;
      at = t;
    }
  }
  return { ratio, at };
}

function* sweep(lo: number, hi: number, n: number): Generator<number> {
  for (let i = 0; i <= n; i++) yield lo + ((hi - lo) * i) / n;
}

function* seeded(lo: number, hi: number, n: number): Generator<number> {
  let s = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    yield lo + ((hi - lo) * s) / 4294967296;
  }
}

/** Every table boundary (j ± ½)/128 and its neighbours one ulp away. */
function* boundaries(): Generator<number> {
  for (let j = 0; j <= 256; j++) {
    const b = j / 256;
    yield b;
    yield b * (1 + 2 * U);
    yield b * (1 - 2 * U);
  }
}

/** Powers of two down to the smallest subnormal (where log1p(t) = t). */
function* tiny(): Generator<number> {
  for (let k = 0; k <= 1074; k++) {
    yield 2 ** -k;
    if (k > 0) yield 1.5 * 2 ** -k;
  }
}

describe('fastLog1p', () => {
  it('is within its proven bound of log1p over the whole of [0, 1]', () => {
    expect(worst(sweep(0, 1, 2_000_000)).ratio).toBeLessThanOrEqual(1);
    expect(worst(seeded(0, 1, 500_000)).ratio).toBeLessThanOrEqual(1);
    expect(worst(seeded(0, 1 / 128, 200_000)).ratio).toBeLessThanOrEqual(1);
    expect(worst(boundaries()).ratio).toBeLessThanOrEqual(1);
    expect(worst(tiny()).ratio).toBeLessThanOrEqual(1);
  });

  it('is exact at 0 and tiny arguments, and propagates NaN', () => {
    expect(fastLog1p(0)).toBe(0);
    expect(fastLog1p(Number.MIN_VALUE)).toBe(Number.MIN_VALUE);
    expect(fastLog1p(1e-300)).toBe(1e-300);
    expect(fastLog1p(1)).toBe(Math.LN2);
    expect(fastLog1p(Number.NaN)).toBeNaN();
  });
});
