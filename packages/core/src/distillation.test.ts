import {
  distillation,
  distillationGrad,
  distillationInfo,
  klDiv,
  LossOptionError,
  LossShapeError,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, matrix, splitPoints, worstRatio } from '../test/helpers.js';

/** log_softmax(x / T) of each row, in float64. */
function logSoftmax(data: ArrayLike<number>, cols: number, T: number): Float64Array {
  const out = new Float64Array(data.length);
  for (let b = 0; b < data.length; b += cols) {
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < cols; j++) m = Math.max(m, data[b + j] / T);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(data[b + j] / T - m);
    for (let j = 0; j < cols; j++) out[b + j] = data[b + j] / T - m - Math.log(s);
  }
  return out;
}

/** Student and teacher logits of one shape, a temperature and a row split. */
const pair = (lim = 6) =>
  matrix({ maxRows: 8, maxCols: 6, lim }).chain((m) =>
    fc.tuple(
      fc.constant(m),
      fc.float64Array({
        minLength: m.data.length,
        maxLength: m.data.length,
        min: -lim,
        max: lim,
        noNaN: true,
      }),
      fc.constantFrom(0.5, 1, 2, 4, 10),
      splitPoints(m.rows),
    ),
  );

describe('distillation', () => {
  it('is T²·KL(teacher ‖ student) over tempered softmaxes, worked by hand', () => {
    // teacher [log 3, 0] at T = 1: q = [¾, ¼]; student [0, 0]: p = [½, ½]
    const kl = 0.75 * Math.log(0.75 / 0.5) + 0.25 * Math.log(0.25 / 0.5);
    const s = { data: [0, 0], shape: [1, 2] };
    expect(distillation(s, { data: [Math.log(3), 0], shape: [1, 2] }).value).toBeCloseTo(kl, 15);
    // the same q at T = 2 from teacher [2 log 3, 0], scaled by T² = 4
    const t2 = { data: [2 * Math.log(3), 0], shape: [1, 2] };
    expect(distillation(s, t2, { temperature: 2 }).value).toBeCloseTo(4 * kl, 14);
    // identical logits: 0 at any temperature
    const same = { data: [1, 2, 3, -1, 0, 5], shape: [2, 3] };
    expect(distillation(same, same, { temperature: 3, reduction: 'sum' }).value).toBe(0);
  });

  it('equals T²·klDiv(log_softmax(s/T), softmax(t/T), batchmean)', () => {
    fc.assert(
      fc.property(pair(), ([m, t, T]) => {
        const teacher = { data: t, shape: m.shape };
        const a = distillation(m, teacher, { temperature: T }).value;
        const ls = { data: logSoftmax(m.data, m.cols, T), shape: m.shape };
        const lt = { data: logSoftmax(t, m.cols, T), shape: m.shape };
        const b = T * T * klDiv(ls, lt, { logTarget: true, reduction: 'batchmean' }).value;
        expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
      }),
      { numRuns: 60 },
    );
  });

  it('is invariant to adding a constant to a row of either input', () => {
    fc.assert(
      fc.property(pair(), fc.double({ min: -50, max: 50, noNaN: true }), ([m, t, T], k) => {
        const teacher = { data: t, shape: m.shape };
        const a = distillation(m, teacher, { temperature: T, reduction: 'none' }).value;
        const shifted = { data: m.data.map((v) => v + k), shape: m.shape };
        const b = distillation(shifted, teacher, { temperature: T, reduction: 'none' }).value;
        expect(worstRatio(b, a, 1e-9, 1e-9)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 50 },
    );
  });

  it('stays finite at logits of ±1e4 and near the float64 limit with T < 1', () => {
    const s = { data: [1e4, -1e4, 0, -1e4], shape: [2, 2] };
    const t = { data: [-1e4, 1e4, 0, 1e4], shape: [2, 2] };
    const r = distillation(s, t, { reduction: 'none' }).value;
    expect(r[0]).toBe(2e4); // q = [0, 1], log p₁ = −2e4
    expect(r[1]).toBe(1e4);
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), {
          minLength: 12,
          maxLength: 12,
        }),
        fc.constantFrom(0.25, 1, 4),
        (data, temperature) => {
          const student = { data: data.slice(0, 6), shape: [2, 3] };
          const teacher = { data: data.slice(6), shape: [2, 3] };
          const opts = { temperature };
          for (const v of distillation(student, teacher, { ...opts, reduction: 'none' }).value)
            expect(Number.isNaN(v)).toBe(false);
          for (const v of distillationGrad(student, teacher, opts).student)
            expect(Number.isNaN(v)).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('has student gradients that agree with central finite differences', () => {
    fc.assert(
      fc.property(
        pair(4),
        fc.constantFrom('mean' as const, 'sum' as const, 'none' as const),
        ([m, t, temperature], reduction) => {
          const teacher = { data: t, shape: m.shape };
          const up = Float64Array.from({ length: m.rows }, (_, i) => 0.5 + i);
          const f = (z: Float64Array) => {
            const r = distillation({ data: z, shape: m.shape }, teacher, {
              temperature,
              reduction,
            });
            return typeof r.value === 'number'
              ? r.value
              : r.value.reduce((s, v, i) => s + up[i] * v, 0);
          };
          const g = distillationGrad(m, teacher, {
            temperature,
            reduction,
            gradOutput: reduction === 'none' ? up : undefined,
          }).student;
          // The loss is T²·KL, so the central differences carry T² times the rounding noise of
          // the per-row values (T = 10: a gradient of exactly −7.1e−14 read −1.2e−7 in one case
          // fast-check found, with the default atol 1e−7): the atol scales with T².
          const atol = 1e-7 * Math.max(1, temperature * temperature);
          expect(worstRatio(g, finiteDifference(f, m.data), 1e-5, atol)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sum = mean × N, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(pair(), ([m, t, temperature, ranges]) => {
        const teacher = { data: t, shape: m.shape };
        const whole = distillation(m, teacher, { temperature });
        const sum = distillation(m, teacher, { temperature, reduction: 'sum' }).value;
        expect(whole.sumDenominator).toBe(m.rows);
        expect(Math.abs(sum - whole.value * m.rows)).toBeLessThanOrEqual(1e-12 * Math.max(1, sum));
        let s = 0;
        let d = 0;
        for (const [a, b] of ranges) {
          const lo = a * m.cols;
          const hi = b * m.cols;
          const part = distillation(
            { data: m.data.subarray(lo, hi), shape: [b - a, m.cols] },
            { data: t.subarray(lo, hi), shape: [b - a, m.cols] },
            { temperature },
          );
          s += part.sumValue;
          d += part.sumDenominator;
        }
        expect(d).toBe(m.rows);
        expect(Math.abs(s / d - whole.value)).toBeLessThanOrEqual(1e-12 * Math.max(1, whole.value));
      }),
      { numRuns: 60 },
    );
  });

  it('writes into caller buffers', () => {
    const s = { data: [0, 0], shape: [1, 2] };
    const t = { data: [1, 0], shape: [1, 2] };
    const out = new Float64Array(1);
    expect(distillation(s, t, { reduction: 'none', out }).value).toBe(out);
    const gs = new Float64Array(2);
    expect(distillationGrad(s, t, { out: { student: gs } }).student).toBe(gs);
    expect(gs[0]).toBeCloseTo(-gs[1], 15);
  });

  it('throws typed errors naming the function, argument and value', () => {
    const s = { data: new Float64Array(6), shape: [2, 3] };
    expect(() => distillation(s, s, { temperature: 0 })).toThrow(LossOptionError);
    expect(() => distillation(s, s, { temperature: 0 })).toThrow(
      'distillation: option temperature = 0 is invalid; expected a finite number > 0',
    );
    expect(() => distillation([0, 1, 2], [0, 1, 2])).toThrow(LossShapeError);
    expect(() => distillation([0, 1, 2], [0, 1, 2])).toThrow(
      'distillation: student must be 2-D [N, C]',
    );
    expect(() => distillation(s, { data: new Float64Array(4), shape: [2, 2] })).toThrow(
      'distillation: teacher has 4 elements',
    );
    expect(() => distillationGrad(s, s, { temperature: -1 })).toThrow(
      'distillationGrad: option temperature = -1',
    );
  });

  it('takes the shape from the teacher when only it is shaped', () => {
    const t = { data: [1, 0, 0, 1], shape: [2, 2] };
    expect(distillation([0, 0, 0, 0], t).value).toBe(
      distillation({ data: [0, 0, 0, 0], shape: [2, 2] }, t).value,
    );
  });

  it('names student and teacher as its inputs, the student differentiable', () => {
    expect(distillationInfo.inputs.map((i) => [i.name, i.differentiable])).toEqual([
      ['student', true],
      ['teacher', false],
    ]);
  });
});
