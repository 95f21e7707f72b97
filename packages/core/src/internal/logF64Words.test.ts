import { describe, expect, it } from 'vitest';
import { F64_INF_HI, F64_NORMAL_MIN_HI, LITTLE_ENDIAN, logF64Words } from './logF64Words.js';

const U = 2 ** -53;
const f64 = new Float64Array(1);
const words = new Int32Array(f64.buffer);
const [LO, HI] = LITTLE_ENDIAN ? [0, 1] : [1, 0];

/** Largest |logF64Words − Math.log| / (|Math.log|·u) over the values. */
function worst(values: Iterable<number>): { ratio: number; at: number } {
  let ratio = 0;
  let at = Number.NaN;
  for (const t of values) {
    f64[0] = t;
    const r = Math.log(t);
    const v = logF64Words(words[HI], words[LO]);
    const q =
      r === 0 ? (v === 0 ? 0 : Number.POSITIVE_INFINITY) : Math.abs(v - r) / (Math.abs(r) * U);
    if (!(q <= ratio)) {
      ratio = q;
      at = t;
    }
  }
  return { ratio, at };
}

function* seeded(n: number, map: (u: number, v: number) => number): Generator<number> {
  let s = 0x9e3779b9;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  for (let i = 0; i < n; i++) yield map(next(), next());
}

/** Every cell edge and midpoint of [0.75, 1.5), a few ulp either side, in several binades. */
function* edges(): Generator<number> {
  for (const scale of [1, 2, 0.5, 2 ** 20, 2 ** -20, 2 ** 1000, 2 ** -1000]) {
    for (let k = 0; k <= 256; k++) {
      const start = k < 128 ? 0.75 + k * 2 ** -9 : 1 + (k - 128) * 2 ** -8;
      const width = k < 128 ? 2 ** -9 : 2 ** -8;
      for (const p of [start, start + width / 2]) {
        for (let d = -3; d <= 3; d++) yield p * scale * (1 + d * 2 * U);
      }
    }
  }
}

describe('logF64Words', () => {
  // Proven ≤ 3u; Math.log is itself within 1 ulp (≤ 1u relative here), so allow 4u.
  it('is within its bound of Math.log near 1, on [0.5, 2) and across every binade', () => {
    expect(LITTLE_ENDIAN).toBe(true); // the platforms Node and browsers run on
    expect(worst(seeded(500_000, (u) => 0.5 + 1.5 * u)).ratio).toBeLessThanOrEqual(4);
    expect(worst(seeded(200_000, (u) => 1 + (u - 0.5) * 2 ** -12)).ratio).toBeLessThanOrEqual(4);
    const wide = seeded(500_000, (u, v) => 2 ** Math.floor(u * 2046 - 1022) * (1 + v));
    expect(worst(wide).ratio).toBeLessThanOrEqual(4);
    expect(worst(edges()).ratio).toBeLessThanOrEqual(4);
    expect(worst([Number.MAX_VALUE, 2 ** -1022, 1 - U, 1 + 2 * U]).ratio).toBeLessThanOrEqual(4);
  });

  it('is exact at 1 and at 2^±1, and the range constants bound the normal floats', () => {
    for (const [t, want] of [
      [1, 0],
      [2, Math.LN2],
      [0.5, -Math.LN2],
    ]) {
      f64[0] = t;
      expect(logF64Words(words[HI], words[LO])).toBe(want);
    }
    f64[0] = 2 ** -1022;
    expect(words[HI]).toBe(F64_NORMAL_MIN_HI);
    f64[0] = Number.POSITIVE_INFINITY;
    expect(words[HI]).toBe(F64_INF_HI);
  });
});
