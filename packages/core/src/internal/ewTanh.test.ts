import { describe, expect, it } from 'vitest';
import { TANH_J, TANH_RANGE, tanhTable } from './ewTanh.js';

const u = 2 ** -53;
const BITS = 256n;
const ONE = 1n << BITS;

/** v·2²⁵⁶ exactly, for a double v with no bits below 2⁻²⁵⁶. */
function fixed(v: number): bigint {
  if (v === 0) return 0n;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  if (biased > 0) mant |= 1n << 52n;
  const shift = 256 + (biased > 0 ? biased - 1075 : -1074);
  if (shift < 0) throw new Error(`fixed: ${v} has bits below 2^-256`);
  return (bits >> 63n ? -1n : 1n) * (mant << BigInt(shift));
}

/** e^(x/2²⁵⁶)·2²⁵⁶ for |x/2²⁵⁶| ≤ 42: Taylor's series of e^(x/2¹²), squared 12 times. */
function expFixed(x: bigint): bigint {
  const r = x >> 12n;
  let sum = ONE;
  let term = ONE;
  for (let k = 1n; term !== 0n; k++) {
    term = ((term * r) >> BITS) / k;
    sum += term;
  }
  for (let i = 0; i < 12; i++) sum = (sum * sum) >> BITS;
  return sum;
}

/** tanh a·2²⁵⁶ to ~240 bits: (e^2a − 1)/(e^2a + 1) for a ≥ 0, odd. */
function tanhFixed(a: number): bigint {
  if (a < 0) return -tanhFixed(-a);
  const e = expFixed(2n * fixed(a));
  return ((e - ONE) << BITS) / (e + ONE);
}

/** |v − tanh a| / |tanh a| in units of u, from the 200-bit reference. */
function errorInU(v: number, a: number): number {
  const ref = tanhFixed(a);
  const diff = fixed(v) - ref;
  const abs = (b: bigint) => (b < 0n ? -b : b);
  return Number((abs(diff) << 63n) / abs(ref)) / 2 ** 10;
}

describe('ewTanh', () => {
  it('tabulates tanh(j/32) within 1 ulp of a 200-bit reference (the bound assumes it)', () => {
    for (let j = -640; j <= 640; j++) {
      if (j === 0) continue;
      expect(errorInU(TANH_J[j + 640], j / 32)).toBeLessThanOrEqual(2);
    }
    expect(Object.is(TANH_J[640], -0)).toBe(true);
  });

  it('is within its 8.7u bound of a 200-bit reference across [−20, 20]', () => {
    // Every table interval at its centre and both ends (where |d| = 1/64 and, at j = ±1, the
    // numerator cancels most), pseudo-random points, and small |e| down to 2⁻⁴⁰.
    const pts: number[] = [];
    for (let j = -640; j <= 640; j++) pts.push(j / 32, (j + 0.4999) / 32, (j - 0.4999) / 32);
    let s = 12345;
    for (let k = 0; k < 3000; k++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      pts.push((s / 2 ** 32 - 0.5) * 40);
    }
    for (let k = 1; k <= 40; k++) pts.push(2 ** -k, -(2 ** -k) * 1.37);
    let worst = 0;
    for (const a of pts) {
      if (a === 0) continue;
      const err = errorInU(tanhTable(a), a);
      if (!(err <= 8.7)) expect([a, err]).toEqual([a, '≤ 8.7u']);
      worst = Math.max(worst, err);
    }
    // The bound is not vacuous: the observed error is a few u.
    expect(worst).toBeGreaterThan(0.1);
  });

  it('agrees with Math.tanh within 10.7u (its bound + Math.tanh’s ulp) on a fine sweep of ±21', () => {
    for (let k = -21 * 4096; k <= 21 * 4096; k++) {
      const a = k / 4096 + 1 / 7919;
      const want = Math.tanh(a);
      if (Math.abs(a) > TANH_RANGE) {
        expect(Math.abs(want)).toBe(1);
        continue;
      }
      const got = tanhTable(a);
      if (!(Math.abs(got - want) <= 10.7 * u * Math.abs(want))) expect([a, got]).toEqual([a, want]);
    }
  });

  it('keeps the sign of zero, is exact at tiny |e| and covers exactly [−20, 20]', () => {
    expect(Object.is(tanhTable(0), 0)).toBe(true);
    expect(Object.is(tanhTable(-0), -0)).toBe(true);
    for (const a of [1e-300, -5e-324, 2 ** -30]) expect(tanhTable(a)).toBe(a);
    expect(tanhTable(TANH_RANGE)).toBe(Math.tanh(TANH_RANGE));
    expect(tanhTable(-TANH_RANGE)).toBe(Math.tanh(-TANH_RANGE));
    expect(Math.tanh(TANH_RANGE + 2 ** -40)).toBe(1);
  });
});
