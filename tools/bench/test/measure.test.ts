import { describe, expect, it } from 'vitest';
import { measure, wantsMore } from '../src/measure.js';

describe('wantsMore', () => {
  const o = { reps: 5, minMs: 250, budgetMs: 30_000 };
  it('times reps, then more while less than minMs is timed, up to 5 × reps', () => {
    expect(wantsMore(0, 0, 0, o)).toBe(true);
    expect(wantsMore(4, 400, 400, o)).toBe(true); // below reps
    expect(wantsMore(5, 500, 500, o)).toBe(false); // reps done, minMs reached
    expect(wantsMore(5, 10, 10, o)).toBe(true); // fast: on towards minMs
    expect(wantsMore(24, 240, 240, o)).toBe(true);
    expect(wantsMore(25, 245, 245, o)).toBe(false); // 5 × reps
  });
  it('stops at the budget (but always times one)', () => {
    expect(wantsMore(0, 0, 40_000, o)).toBe(true);
    expect(wantsMore(1, 40_000, 40_000, o)).toBe(false);
    expect(wantsMore(3, 10, 30_000, o)).toBe(false); // budget spent in warm-ups
  });
});

describe('measure', () => {
  it('takes reps repetitions without a minimum, up to 5 × reps for a fast call with one', () => {
    let calls = 0;
    const f = () => ++calls;
    expect(measure(f, 4, 10_000, 1).times).toHaveLength(4);
    expect(calls).toBe(5); // one warm-up
    expect(measure(f, 4, 10_000, 0, 60_000).times).toHaveLength(20);
  });
});
