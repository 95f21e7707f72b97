import { describe, expect, it } from 'vitest';
import { watBase64 } from '../../test/watBase64.js';
import { BL_BLOCK, BL_CHUNK, blChunk, blKernel } from './blSimd.js';
import { BL_SIMD_WASM } from './blSimdBytes.js';
import { LITTLE_ENDIAN, logF64Words } from './logF64Words.js';

const U = 2 ** -53;
const f64 = new Float64Array(1);
const words = new Int32Array(f64.buffer);
const [LO, HI] = LITTLE_ENDIAN ? [0, 1] : [1, 0];
const logW = (t: number) => {
  f64[0] = t;
  return logF64Words(words[HI], words[LO]);
};

/**
 * The block sums the kernel must write for p[b, e), y[b, e), with binaryCrossEntropy.ts's
 * JavaScript checks: per block, lane r adds the terms 0 − log t of the elements 4i + r in order,
 * then (lane 0 + lane 2) + (lane 1 + lane 3); NaN where a check fails.
 */
function expected(p: Float32Array, y: Float32Array, b: number, e: number): number[] {
  const res: number[] = [];
  for (let s = b; s < e; s += BL_BLOCK) {
    const acc = [0, 0, 0, 0];
    let bad = false;
    for (let i = s; i < Math.min(e, s + BL_BLOCK); i++) {
      const pi = p[i];
      const yi = y[i];
      const q = 1 - pi;
      const t = q + yi * (pi - q);
      if (!(yi * yi === yi && t >= 2 ** -29 && (t <= 1 - 2 ** -29 || pi === yi))) bad = true;
      else acc[(i - s) & 3] -= logW(t);
    }
    res.push(bad ? Number.NaN : acc[0] + acc[2] + (acc[1] + acc[3]));
  }
  return res;
}

/** Checks the kernel's block sums against {@link expected}; returns how many were not NaN. */
function check(p: Float32Array, y: Float32Array): number {
  const k = blKernel()!;
  let valid = 0;
  for (let b = 0; b < p.length; b += BL_CHUNK) {
    const e = Math.min(p.length, b + BL_CHUNK);
    blChunk(k, p, y, b, e);
    const want = expected(p, y, b, e);
    const got = Array.from(k.res.subarray(0, want.length));
    if (!got.every((v, j) => Object.is(v, want[j]))) expect(got).toEqual(want);
    valid += want.filter((v) => !Number.isNaN(v)).length;
  }
  return valid;
}

describe('blSimd (WebAssembly SIMD binary cross-entropy sums)', () => {
  it('commits the bytes wabt 1.0.39 makes of blSimd.wat', async () => {
    expect(await watBase64(new URL('./blSimd.wat', import.meta.url))).toBe(BL_SIMD_WASM);
  });

  it('runs here (Node 20 has WebAssembly SIMD)', () => {
    expect(blKernel()).not.toBeNull();
  });

  it('has logF64Words cells: c, 1/c, log c with c = 1 for the two cells at 1', () => {
    const t = blKernel()!.table;
    for (let k = 0; k < 256; k++) {
      const c = t[4 * k];
      const start = k < 128 ? 0.75 + k * 2 ** -9 : 1 + (k - 128) * 2 ** -8;
      const width = k < 128 ? 2 ** -9 : 2 ** -8;
      expect(c).toBe(k === 127 || k === 128 ? 1 : start + width / 2);
      expect(t[4 * k + 1]).toBe(1 / c);
      expect(t[4 * k + 2]).toBe(Math.log(c));
    }
  });

  it('sums logF64Words bitwise over every float32 p in [1/16, 1), with y = 0 and with y = 1', () => {
    // t = p (y = 1) runs every float32 of four binades; t = 1 − p (y = 0) every 1 − p of those.
    const n = 1 << 25;
    const p = new Float32Array(n);
    const bits = new Int32Array(p.buffer);
    for (let i = 0; i < n; i++) bits[i] = 0x3d800000 + i;
    const y = new Float32Array(n);
    for (let i = 0; i < n; i += 2) y[i] = 1;
    const blocks = n / BL_BLOCK;
    expect(check(p, y)).toBe(blocks);
    for (let i = 0; i < n; i++) y[i] = 1 - y[i];
    expect(check(p, y)).toBe(blocks);
  });

  it('sums logF64Words bitwise on random data and edge values, and flags failed blocks NaN', () => {
    let st = 12345;
    const rnd = () => {
      st = (Math.imul(st, 1103515245) + 12345) >>> 0;
      return st / 2 ** 32;
    };
    const special = [0, 1, 2 ** -29, 2 ** -29 * (1 - 2 ** -24), 2 ** -30, 2 ** -149, 1 - 2 ** -24];
    for (const n of [1, 2, 3, 255, 256, 257, 511, BL_CHUNK - 1, BL_CHUNK + 3, 3 * BL_CHUNK + 1]) {
      for (const rate of [0, 0.001, 0.05]) {
        const p = new Float32Array(n);
        const y = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const r = rnd();
          p[i] =
            r < rate
              ? special[Math.floor(rnd() * special.length)]
              : 2 ** -28 + rnd() ** 4 * (1 - 2 ** -23);
          y[i] = rnd() < 0.5 ? 0 : 1;
          if (rnd() < rate) y[i] = [0.5, -1, 2, Number.NaN, -0][Math.floor(rnd() * 5)];
          if (rnd() < rate) p[i] = [-0.5, 1.5, Number.NaN, -0, 2 ** -149, 1][Math.floor(rnd() * 6)];
        }
        const valid = check(p, y);
        if (rate === 0) expect(valid).toBe(Math.ceil(n / BL_BLOCK));
      }
    }
  });

  it('gives −log t within 3u of Math.log term by term (one element per block)', () => {
    const k = blKernel()!;
    const p = new Float32Array(BL_CHUNK).fill(1);
    const y = new Float32Array(BL_CHUNK).fill(1);
    let st = 99;
    const rnd = () => {
      st = (Math.imul(st, 1103515245) + 12345) >>> 0;
      return st / 2 ** 32;
    };
    let worst = 0;
    for (let r = 0; r < 2000; r++) {
      const want: number[] = [];
      for (let j = 0; j < BL_CHUNK; j += BL_BLOCK) {
        const pi = Math.fround(2 ** (-29 * rnd()));
        const yi = rnd() < 0.5 ? 0 : 1;
        p[j + (r & 1)] = pi;
        y[j + (r & 1)] = yi;
        want.push(yi === 1 ? -Math.log(pi) : -Math.log1p(-pi));
      }
      blChunk(k, p, y, 0, BL_CHUNK);
      want.forEach((v, j) => {
        const got = k.res[j];
        if (!(got > 0 && v > 0)) expect([got, v]).toEqual([0, 0]);
        else worst = Math.max(worst, Math.abs(got - v) / (v * U));
      });
      for (let j = 0; j < BL_CHUNK; j += BL_BLOCK) p[j + (r & 1)] = y[j + (r & 1)] = 1;
    }
    expect(worst).toBeLessThanOrEqual(3);
  });
});
