import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TOUCH_MIN_BYTES, touchLines } from './touchLines.js';

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
});
