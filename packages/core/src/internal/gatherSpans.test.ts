import { type IndexInput, nllLoss } from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SPAN_ROWS,
  spanSums,
  spanSumsF32,
  spanSumsF64,
  spanSumsWordsF32,
  spanSumsWordsF64,
} from './gatherSpans.js';

type LabelType = 'i32' | 'u8' | 'u32' | 'big' | 'u64' | 'f64' | 'array';

function labelsAs(t: LabelType, ys: number[]): IndexInput {
  switch (t) {
    case 'i32':
      return Int32Array.from(ys);
    case 'u8':
      return Uint8Array.from(ys);
    case 'u32':
      return Uint32Array.from(ys);
    case 'big':
      return BigInt64Array.from(ys.map(BigInt));
    case 'u64':
      return BigUint64Array.from(ys.map(BigInt));
    case 'f64':
      // accepted at run time when integral (indexArg), as BigInt64Array labels become
      return Float64Array.from(ys) as unknown as IndexInput;
    default:
      return ys;
  }
}

/** A value of label type t outside [0, cols) that a careless int32 conversion would bring back. */
function badLabel(t: LabelType, cols: number, pick: number): number {
  if (t === 'u8') {
    // not cols + 3: that is the u8 cases' ignoreIndex
    const v = cols + (pick % (256 - cols));
    return v === cols + 3 ? cols + 4 : v;
  }
  if (t === 'u32') return pick % 2 === 0 ? 2 ** 32 - 1 : 2 ** 31 + 1;
  if (t === 'i32') return pick % 2 === 0 ? -1 : cols;
  if (t === 'u64') return pick % 2 === 0 ? 2 ** 32 + 1 : 2 ** 40 + 2; // low words 1 and 2
  return pick % 2 === 0 ? 2 ** 32 + 1 : -7; // big, f64, array: 2³² + 1 wraps to 1 as int32
}

describe('gatherSpans (nllLoss over SPAN_ROWS rows and more)', () => {
  it('gives the block loop’s sum bit for bit, its ignored count and its first bad row', () => {
    // nllLoss's unweighted mean/sum takes spans of four streams from SPAN_ROWS rows on (typed
    // scores, ignoreIndex outside [0, C)); plain-array scores take the block loop alone, so
    // the two must give the same bits, on every label type, with ignored rows, non-finite
    // scores, and spans followed by a tail.
    fc.assert(
      fc.property(
        fc.integer({ min: SPAN_ROWS, max: 2 * SPAN_ROWS + 300 }),
        fc.constantFrom(1, 2, 10),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom('f32', 'f64'),
        fc.constantFrom<LabelType>('i32', 'u8', 'u32', 'big', 'u64', 'f64', 'array'),
        fc.constantFrom('none', 'few', 'class'),
        fc.boolean(),
        (rows, cols, seed, xt, yt, ign, special) => {
          let st = seed;
          const rnd = () => {
            st = (Math.imul(st, 1103515245) + 12345) >>> 0;
            return st / 2 ** 32;
          };
          // ignoreIndex: outside [0, C) and representable in the label type, or a class
          const ii =
            ign === 'class' ? 0 : yt === 'u8' || yt === 'u32' || yt === 'u64' ? cols + 3 : -100;
          const xs = Array.from({ length: rows * cols }, () => (rnd() - 0.9) * 10);
          if (special) {
            for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
              xs[Math.floor(rnd() * xs.length)] = v;
            }
          }
          const ys = Array.from({ length: rows }, () => Math.floor(rnd() * cols));
          let ignoredRows = 0;
          if (ign !== 'none') {
            for (let i = 0; i < 5; i++) ys[Math.floor(rnd() * rows)] = ii;
          }
          for (const v of ys) if (v === ii) ignoredRows++;
          const x = xt === 'f32' ? Float32Array.from(xs) : Float64Array.from(xs);
          // the same (float32-rounded) values as a plain array: the block loop without spans
          const plain = Array.from(x);
          const y = labelsAs(yt, ys);
          for (const reduction of ['sum', 'mean'] as const) {
            const got = nllLoss({ data: x, shape: [rows, cols] }, y, {
              reduction,
              ignoreIndex: ii,
            });
            const want = nllLoss({ data: plain, shape: [rows, cols] }, y, {
              reduction,
              ignoreIndex: ii,
            });
            expect(Object.is(got.sumValue, want.sumValue)).toBe(true);
            expect(got.ignored).toBe(ignoredRows);
            expect(want.ignored).toBe(ignoredRows);
            expect(Object.is(got.value, want.value)).toBe(true);
          }
          // Two bad labels, the later one in an earlier stream of its span as often as not:
          // the error names the first row.
          const bad = ys.slice();
          const r1 = Math.floor(rnd() * rows);
          const r2 = Math.floor(rnd() * rows);
          bad[r1] = badLabel(yt, cols, Math.floor(rnd() * 1000));
          bad[r2] = badLabel(yt, cols, Math.floor(rnd() * 1000));
          const first = Math.min(r1, r2);
          expect(() =>
            nllLoss({ data: x, shape: [rows, cols] }, labelsAs(yt, bad), {
              reduction: 'sum',
              ignoreIndex: ii,
            }),
          ).toThrow(`nllLoss: target[${first}] = ${bad[first]} is outside [0, ${cols})`);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reports labels that an int32 view would wrap into range', () => {
    // one span and a bit; the bad row sits in the span's third stream
    const rows = SPAN_ROWS + 100;
    const cols = 10;
    const x = new Float32Array(rows * cols).fill(-1);
    const at = Math.floor(SPAN_ROWS / 2) + 17;
    const ys = new Array<number>(rows).fill(3);
    const cases: [IndexInput, number][] = [];
    ys[at] = 2 ** 32 + 3; // 3 as int32
    cases.push([Float64Array.from(ys) as unknown as IndexInput, ys[at]], [ys.slice(), ys[at]]);
    cases.push([BigInt64Array.from(ys.map(BigInt)), ys[at]]);
    cases.push([BigUint64Array.from(ys.map(BigInt)), ys[at]]);
    ys[at] = 2 ** 32 - 1; // −1 as int32
    cases.push([Uint32Array.from(ys), ys[at]]);
    for (const [y, v] of cases) {
      expect(() => nllLoss({ data: x, shape: [rows, cols] }, y)).toThrow(
        `nllLoss: target[${at}] = ${v} is outside [0, ${cols})`,
      );
    }
    // and without it, every row counts: Σ 1 over the rows
    ys[at] = 3;
    expect(nllLoss({ data: x, shape: [rows, cols] }, Uint32Array.from(ys)).value).toBe(1);
  });

  it('adds each block of a span as the block loop does, bit for bit', () => {
    // Block j of a span: rows 4i + q into a_q (q = 0..3), then (a₀ + a₁) + (a₂ + a₃); values
    // spread over many magnitudes, so that any other order of the additions changes bits.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom(1, 3, 10),
        fc.constantFrom(0, 64, 1000),
        fc.boolean(),
        (seed, cols, r0, f32) => {
          let st = seed;
          const rnd = () => {
            st = (Math.imul(st, 1103515245) + 12345) >>> 0;
            return st / 2 ** 32;
          };
          const rows = r0 + SPAN_ROWS;
          const data = Array.from(
            { length: rows * cols },
            () => (rnd() - 0.5) * 10 ** (rnd() * 12),
          );
          const x = f32 ? Float32Array.from(data) : Float64Array.from(data);
          const y = Int32Array.from({ length: rows }, () => Math.floor(rnd() * cols));
          // the same labels as int64 words (low word first), read in place by spanSumsWords*
          const words = new Int32Array(BigInt64Array.from(y, BigInt).buffer);
          for (const inPlace of [false, true]) {
            spanSums.fill(0);
            if (f32) {
              if (inPlace) spanSumsWordsF32(x as Float32Array, words, r0, cols);
              else spanSumsF32(x as Float32Array, y, 0, r0, cols);
            } else if (inPlace) spanSumsWordsF64(x as Float64Array, words, r0, cols);
            else spanSumsF64(x as Float64Array, y, 0, r0, cols);
            for (let j = 0; j < SPAN_ROWS / 64; j++) {
              const a = [0, 0, 0, 0];
              for (let n = r0 + 64 * j; n < r0 + 64 * (j + 1); n++) {
                a[n % 4] -= x[n * cols + y[n]];
              }
              expect(Object.is(spanSums[j], a[0] + a[1] + (a[2] + a[3]))).toBe(true);
            }
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it('flags the blocks whose int64 labels have high words, and ignores a label past int32', () => {
    // In place, a block is summed only when every label's high word is 0 and its low word in
    // [0, C): 2³² + 3 (low word 3), −1 (high word −1) and 2⁶² (low word 0) are flagged, each in
    // another stream; a step reads the four streams' blocks together and flags all four.
    const cols = 10;
    const rows = SPAN_ROWS;
    const x = Float32Array.from({ length: rows * cols }, (_, i) => -(i % 7) - 1);
    const labels = BigInt64Array.from({ length: rows }, (_, n) => BigInt(n % cols));
    const flagged = [5, SPAN_ROWS / 4 + 70, SPAN_ROWS - 1];
    labels[flagged[0]] = 2n ** 32n + 3n;
    labels[flagged[1]] = -1n;
    labels[flagged[2]] = 2n ** 62n;
    spanSumsWordsF32(x, new Int32Array(labels.buffer), 0, cols);
    const nan = [...spanSums].flatMap((v, j) => (Number.isNaN(v) ? [j] : []));
    const steps = flagged.map((n) => Math.floor(n / 64) % 64);
    expect(nan).toEqual(
      [0, 1, 2, 3].flatMap((q) => steps.map((j) => j + 64 * q)).sort((a, b) => a - b),
    );
    // An ignoreIndex past int32, and labels equal to it over the span: those rows are ignored
    // (nllLoss converts the whole target then), the others summed as with int32 labels.
    const ii = 2 ** 33;
    const ys = Array.from({ length: rows + 50 }, (_, n) => (n % 1000 === 999 ? ii : n % cols));
    const xs = Float32Array.from({ length: ys.length * cols }, (_, i) => -(i % 5) / 4);
    const input = { data: xs, shape: [ys.length, cols] };
    const kept = ys.map((v) => (v === ii ? 0 : v));
    const want = nllLoss(input, Int32Array.from(kept), { reduction: 'none' }).value;
    let sum = 0;
    for (let n = 0; n < ys.length; n++) if (ys[n] !== ii) sum += want[n];
    for (const y of [BigInt64Array.from(ys.map(BigInt)), BigUint64Array.from(ys.map(BigInt))]) {
      const got = nllLoss(input, y, { reduction: 'sum', ignoreIndex: ii });
      expect(got.ignored).toBe(ys.filter((v) => v === ii).length);
      expect(got.sumValue).toBe(sum);
    }
  });

  it('weights and writes every row through spans: values, sums, denominators, first bad row', () => {
    // nllLoss with class weights, or with reduction 'none', takes spanWeighted* from SPAN_ROWS
    // rows on. Each written value is −w[y]·x rounded once, exactly as a row alone gives it; the
    // sums and denominators are those of the rows within their bound (weights that are
    // multiples of 1/8 make the denominators exact).
    fc.assert(
      fc.property(
        fc.integer({ min: SPAN_ROWS, max: 2 * SPAN_ROWS + 300 }),
        fc.constantFrom(1, 3, 10),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom('f32', 'f64'),
        fc.constantFrom<LabelType>('i32', 'u8', 'big', 'array'),
        fc.constantFrom('none', 'few', 'class'),
        fc.boolean(),
        fc.boolean(),
        (rows, cols, seed, xt, yt, ign, special, weighted) => {
          let st = seed;
          const rnd = () => {
            st = (Math.imul(st, 1103515245) + 12345) >>> 0;
            return st / 2 ** 32;
          };
          const ii = ign === 'class' ? 0 : yt === 'u8' ? cols + 3 : -100;
          const xs = Array.from({ length: rows * cols }, () => (rnd() - 0.9) * 10);
          if (special) {
            for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
              xs[Math.floor(rnd() * xs.length)] = v;
            }
          }
          const ys = Array.from({ length: rows }, () => Math.floor(rnd() * cols));
          if (ign !== 'none') for (let i = 0; i < 7; i++) ys[Math.floor(rnd() * rows)] = ii;
          const x = xt === 'f32' ? Float32Array.from(xs) : Float64Array.from(xs);
          const weight = weighted
            ? Float64Array.from({ length: cols }, () => Math.ceil(rnd() * 32) / 8)
            : undefined;
          const wk = (k: number) => (weight === undefined ? 1 : weight[k]);
          // the rows one by one
          const want = new Float64Array(rows);
          let den = 0;
          let ignored = 0;
          let abs = 0;
          let finite = true;
          for (let n = 0; n < rows; n++) {
            if (ys[n] === ii) {
              ignored++;
              continue;
            }
            want[n] = -wk(ys[n]) * x[n * cols + ys[n]];
            den += wk(ys[n]);
            if (Number.isFinite(want[n])) abs += Math.abs(want[n]);
            else finite = false;
          }
          const input = { data: x, shape: [rows, cols] };
          const y = labelsAs(yt, ys);
          const out = new Float64Array(rows).fill(7);
          const none = nllLoss(input, y, { reduction: 'none', weight, ignoreIndex: ii, out });
          expect(none.value).toBe(out);
          let diff = -1;
          for (let n = 0; n < rows && diff < 0; n++) if (!Object.is(out[n], want[n])) diff = n;
          expect(diff).toBe(-1);
          const plain = nllLoss({ data: Array.from(x), shape: [rows, cols] }, y, {
            reduction: 'sum',
            weight,
            ignoreIndex: ii,
          });
          for (const r of [
            none,
            nllLoss(input, y, { reduction: 'sum', weight, ignoreIndex: ii }),
          ]) {
            expect(r.ignored).toBe(ignored);
            expect(r.sumDenominator).toBe(den);
            if (finite) {
              expect(Math.abs(r.sumValue - plain.sumValue)).toBeLessThanOrEqual(1e-13 * abs);
            } else expect(Number.isFinite(r.sumValue)).toBe(false);
          }
          // a bad label: the error names its row, in 'none' and in the weighted sum
          const bad = ys.slice();
          const at = Math.floor(rnd() * rows);
          bad[at] = cols + (yt === 'u8' ? 1 : Math.floor(rnd() * 3));
          if (bad[at] === ii) bad[at]++;
          for (const reduction of ['none', 'sum'] as const) {
            expect(() =>
              nllLoss(input, labelsAs(yt, bad), { reduction, weight, ignoreIndex: ii }),
            ).toThrow(`nllLoss: target[${at}] = ${bad[at]} is outside [0, ${cols})`);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('rejects a label ≥ C at each of the eight rows a spanned weighted step reads', () => {
    // Unweighted 'none' reads a vector of ones, kept as long as the widest C seen: a label past
    // C would read a 1 there (and a score of the next row) instead of failing on its own.
    nllLoss({ data: new Float32Array(40), shape: [1, 40] }, [0], { reduction: 'none' });
    const cols = 3;
    const x = new Float32Array(SPAN_ROWS * cols).fill(-0.5);
    const quarter = SPAN_ROWS / 4;
    for (let q = 0; q < 8; q++) {
      const at = (q >> 1) * quarter + 64 * 5 + 2 + (q & 1);
      const y = new Int32Array(SPAN_ROWS).fill(1);
      y[at] = cols + q;
      for (const weight of [undefined, Float64Array.of(1, 2, 3)]) {
        for (const reduction of ['none', 'sum'] as const) {
          if (weight === undefined && reduction === 'sum') continue; // the gather's path
          expect(() =>
            nllLoss({ data: x, shape: [SPAN_ROWS, cols] }, y, { reduction, weight }),
          ).toThrow(`nllLoss: target[${at}] = ${cols + q} is outside [0, ${cols})`);
        }
      }
    }
  });
});
