import { describe, expect, it } from 'vitest';
import { expTable } from './expTable.js';

const U = 2 ** -53;
const TINY = 2 ** -1074;
const MIN_NORMAL = 2 ** -1022;

/** Largest error against Math.exp (itself < 1 ulp = 2u off) in units of `rel`. */
function worst(points: Iterable<number>, rel: number): { ratio: number; at: number } {
  let ratio = 0;
  let at = Number.NaN;
  for (const v of points) {
    const e = Math.exp(v);
    const allowed = e >= MIN_NORMAL ? rel * e : 2 * TINY + rel * e;
    const q = Math.abs(expTable(v) - e) / allowed;
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
  let s = 0xd3a2646c;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    yield lo + ((hi - lo) * s) / 4294967296;
  }
}

/** Grid points j/32 and cell edges (j ± ½)/32, one ulp either side, over [−32, 32]. */
function* edges(): Generator<number> {
  for (let j = -2048; j <= 2048; j++) {
    const v = j / 64;
    yield v;
    yield v * (1 + 2 * U);
    yield v * (1 - 2 * U);
  }
}

describe('expTable', () => {
  it('is within its proven bound of exp over the whole range', () => {
    // ≤ 4.5u proven for |v| ≤ 32, plus Math.exp's own 2u.
    expect(worst(sweep(-32, 32, 2_000_000), 6.5 * U).ratio).toBeLessThanOrEqual(1);
    expect(worst(seeded(-32, 32, 500_000), 6.5 * U).ratio).toBeLessThanOrEqual(1);
    expect(worst(seeded(-1e-3, 1e-3, 50_000), 6.5 * U).ratio).toBeLessThanOrEqual(1);
    expect(worst(edges(), 6.5 * U).ratio).toBeLessThanOrEqual(1);
    // Beyond: fastExp's 3.2 ulp (6.4u) plus Math.exp's.
    expect(worst(sweep(-745.2, -32, 500_000), 8.4 * U).ratio).toBeLessThanOrEqual(1);
    expect(worst(sweep(32, 709.7, 500_000), 8.4 * U).ratio).toBeLessThanOrEqual(1);
  });

  it('handles the edges', () => {
    expect(expTable(0)).toBe(1);
    expect(expTable(-0)).toBe(1);
    expect(expTable(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(expTable(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(expTable(710)).toBe(Number.POSITIVE_INFINITY);
    expect(expTable(-800)).toBe(0);
    expect(expTable(Number.NaN)).toBeNaN();
  });
});
