import { huberGrad, mse } from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/helpers.js';
import { pairChunk, TOUCH_MIN_BYTES, TOUCHED_CHUNK, touchLines } from './touchLines.js';

describe('touchLines', () => {
  it('reads an element of every 64-byte line that [i0, i1) reaches, in both arrays, and none outside', () => {
    // Lines are counted from the buffer's start, so views at every float32 offset are tried:
    // a stride of 32, a missing last line or a read past i1 each fail here.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 300 }),
        fc.nat(),
        fc.boolean(),
        (offset, i0, len, pick, inB) => {
          const n = i0 + len;
          const buf = new ArrayBuffer(4 * (offset + n + 32));
          const a = new Float32Array(buf, 4 * offset, n + 16);
          const b = new Float32Array(new ArrayBuffer(buf.byteLength), 4 * offset, n + 16);
          // NaN past i1: a read there would show
          a.fill(Number.NaN, n);
          b.fill(Number.NaN, n);
          // ones over one line of the range (clipped to it), zeros elsewhere
          const lines = new Set<number>();
          for (let i = i0; i < n; i++) lines.add((offset + i) >> 4);
          const line = [...lines][pick % lines.size];
          const marked = inB ? b : a;
          for (let i = i0; i < n; i++) if ((offset + i) >> 4 === line) marked[i] = 1;
          const s = touchLines(a, b, i0, n, TOUCH_MIN_BYTES);
          expect(Number.isNaN(s)).toBe(false);
          expect(s).toBeGreaterThan(0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads nothing for an empty range or a footprint below TOUCH_MIN_BYTES', () => {
    const a = new Float32Array([Number.NaN, 1, 2]);
    expect(touchLines(a, a, 2, 2, TOUCH_MIN_BYTES)).toBe(0);
    expect(touchLines(a, a, 3, 1, TOUCH_MIN_BYTES)).toBe(0);
    expect(touchLines(a, a, 1, 3, TOUCH_MIN_BYTES)).toBe(6);
    expect(touchLines(a, a, 1, 3, TOUCH_MIN_BYTES - 1)).toBe(0);
  });

  it('takes the smaller chunk exactly where the touch runs', () => {
    expect(pairChunk(1 << 14, TOUCH_MIN_BYTES)).toBe(TOUCHED_CHUNK);
    expect(pairChunk(1 << 14, TOUCH_MIN_BYTES - 1)).toBe(1 << 14);
  });

  it('leaves the kernels’ results as they were where the kernels touch (footprint ≥ TOUCH_MIN_BYTES)', () => {
    // The touch only reads, and the smaller chunks of a touching call (pairChunk) split the
    // same blocks: a call large enough to touch gives the bits of calls too small to, and
    // leaves its inputs as they were. The references are computed first. n is not a multiple
    // of either chunk size, so each call ends with a short chunk.
    const rand = seededRandom(7);
    const n = TOUCH_MIN_BYTES / 8 + 4099;
    const x = new Float32Array(n);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = (rand() - 0.5) * 8;
      y[i] = (rand() - 0.5) * 8;
    }
    const x0 = x.slice();
    const y0 = y.slice();
    // mse (8 bytes an element): the float64 copy of the values through the JavaScript loop,
    // which the float32 kernel matches bit for bit
    const ref = mse(Float64Array.from(x), Float64Array.from(y), { reduction: 'sum' }).value;
    // huberGrad (16 bytes an element): pieces below the threshold
    const m = TOUCH_MIN_BYTES / 16 + 3;
    const pieces = new Float64Array(m);
    for (let i0 = 0; i0 < m; i0 += 65539) {
      const i1 = Math.min(m, i0 + 65539);
      pieces.set(huberGrad(x.subarray(i0, i1), y.subarray(i0, i1), { reduction: 'sum' }).input, i0);
    }
    expect(Object.is(mse(x, y, { reduction: 'sum' }).value, ref)).toBe(true);
    const g = huberGrad(x.subarray(0, m), y.subarray(0, m), { reduction: 'sum' }).input;
    let differ = 0;
    for (let i = 0; i < m; i++) if (!Object.is(pieces[i], g[i])) differ++;
    for (let i = 0; i < n; i++) if (!Object.is(x[i], x0[i]) || !Object.is(y[i], y0[i])) differ++;
    expect(differ).toBe(0);
  });
});
