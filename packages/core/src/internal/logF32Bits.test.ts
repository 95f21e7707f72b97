import { describe, expect, it } from 'vitest';
import { F32_INF_BITS, F32_NORMAL_MIN_BITS, logF32Bits } from './logF32Bits.js';

const U = 2 ** -53;
const f32 = new Float32Array(1);
const bits = new Int32Array(f32.buffer);

/** Largest |logF32Bits(b) − Math.log(t)| / (|Math.log(t)|·u) over the bit patterns. */
function worst(patterns: Iterable<number>): { ratio: number; at: number } {
  let ratio = 0;
  let at = Number.NaN;
  for (const b of patterns) {
    bits[0] = b;
    const t = f32[0];
    const r = Math.log(t);
    const q =
      r === 0
        ? logF32Bits(b) === 0
          ? 0
          : Number.POSITIVE_INFINITY
        : Math.abs(logF32Bits(b) - r) / (Math.abs(r) * U);
    if (!(q <= ratio)) {
      ratio = q;
      at = t;
    }
  }
  return { ratio, at };
}

function* binade(exponentField: number): Generator<number> {
  for (let m = 0; m < 1 << 23; m++) yield (exponentField << 23) | m;
}

function* stride(step: number): Generator<number> {
  for (let b = F32_NORMAL_MIN_BITS; b < F32_INF_BITS; b += step) yield b;
  yield F32_INF_BITS - 1; // the largest float32
}

describe('logF32Bits', () => {
  // Proven ≤ 3u; Math.log is itself within 1 ulp (≤ 1u relative here), so allow 4u.
  it('is within its bound of Math.log for every float32 in [0.5, 2) (the cells around 1)', () => {
    expect(worst(binade(126)).ratio).toBeLessThanOrEqual(4);
    expect(worst(binade(127)).ratio).toBeLessThanOrEqual(4);
  });

  it('is within its bound of Math.log across every positive normal float32', () => {
    expect(worst(stride(997)).ratio).toBeLessThanOrEqual(4);
    // the cell edges of every binade: mantissas 0, 1, …, with k changing every 2¹⁵
    const edges: number[] = [];
    for (let e = 1; e < 255; e++)
      for (let k = 0; k < 256; k++)
        for (const r of [0, 1, 0x3fff, 0x4000, 0x7ffe, 0x7fff])
          edges.push(((e << 23) | ((k << 15) + r)) >>> 0);
    expect(worst(edges.filter((b) => b < F32_INF_BITS)).ratio).toBeLessThanOrEqual(4);
  });

  it('is exact at powers of two near 1 and 0 at 1', () => {
    f32[0] = 1;
    expect(logF32Bits(bits[0])).toBe(0);
    f32[0] = 0.5;
    expect(logF32Bits(bits[0])).toBe(-Math.LN2);
    f32[0] = 2;
    expect(logF32Bits(bits[0])).toBe(Math.LN2);
  });
});
