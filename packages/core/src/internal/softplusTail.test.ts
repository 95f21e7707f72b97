import { describe, expect, it } from 'vitest';
import { sigmoidTail, softplusTail } from './softplusTail.js';

const U = 2 ** -53;

/** Largest error against Math.log1p(Math.exp(−a)) over `points`, in units of `rel`. */
function worst(points: Iterable<number>, rel: number): { ratio: number; at: number } {
  let ratio = 0;
  let at = Number.NaN;
  for (const a of points) {
    const e = Math.log1p(Math.exp(-a));
    const allowed = Math.max(rel * e, Number.MIN_VALUE);
    const q = Math.abs(softplusTail(a) - e) / allowed;
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
  let s = 0x27d4eb2f;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    yield lo + ((hi - lo) * s) / 4294967296;
  }
}

/** Every grid point j/32 and the cell edges (j ± ½)/32, one ulp either side. */
function* grid(): Generator<number> {
  for (let j = 0; j <= 2 * 40 * 32 + 2; j++) {
    const a = j / 64;
    yield a;
    yield a * (1 + 2 * U);
    if (a > 0) yield a * (1 - 2 * U);
  }
}

describe('softplusTail', () => {
  it('is within its proven bound of log1p(exp(−a)) over the whole range', () => {
    // ≤ 3u proven up to a = 40; the reference is itself up to ~2u off.
    expect(worst(sweep(0, 40, 2_000_000), 5 * U).ratio).toBeLessThanOrEqual(1);
    expect(worst(seeded(0, 40, 500_000), 5 * U).ratio).toBeLessThanOrEqual(1);
    expect(worst(seeded(0, 1e-3, 50_000), 5 * U).ratio).toBeLessThanOrEqual(1);
    expect(worst(grid(), 5 * U).ratio).toBeLessThanOrEqual(1);
    // Beyond 40: fastExp's 3.2 ulp (6.4u) plus the reference's own error.
    expect(worst(sweep(40, 746, 500_000), 8.5 * U).ratio).toBeLessThanOrEqual(1);
  });

  it('handles the edges', () => {
    expect(softplusTail(0)).toBe(Math.LN2);
    expect(softplusTail(Number.POSITIVE_INFINITY)).toBe(0);
    expect(softplusTail(800)).toBe(0);
    expect(softplusTail(Number.NaN)).toBeNaN();
    expect(softplusTail(Number.MIN_VALUE)).toBe(Math.LN2);
  });
});

describe('sigmoidTail', () => {
  /** Largest error against e^−a/(1 + e^−a) (itself ≤ 3u off), in units of `rel`. */
  function worstSig(points: Iterable<number>, rel: number): number {
    let ratio = 0;
    for (const a of points) {
      const t = Math.exp(-a);
      const e = t / (1 + t);
      const q = Math.abs(sigmoidTail(a) - e) / Math.max(rel * e, Number.MIN_VALUE);
      if (!(q <= ratio)) ratio = q;
    }
    return ratio;
  }

  it('is within its proven bound of σ(−a) over the whole range', () => {
    // ≤ 4u proven up to a = 40, plus the reference's 3u.
    expect(worstSig(sweep(0, 40, 2_000_000), 7 * U)).toBeLessThanOrEqual(1);
    expect(worstSig(seeded(0, 40, 500_000), 7 * U)).toBeLessThanOrEqual(1);
    expect(worstSig(grid(), 7 * U)).toBeLessThanOrEqual(1);
    expect(worstSig(sweep(40, 746, 500_000), 9.5 * U)).toBeLessThanOrEqual(1);
  });

  it('handles the edges', () => {
    expect(sigmoidTail(0)).toBe(0.5);
    expect(sigmoidTail(Number.POSITIVE_INFINITY)).toBe(0);
    expect(sigmoidTail(800)).toBe(0);
    expect(sigmoidTail(Number.NaN)).toBeNaN();
  });
});
