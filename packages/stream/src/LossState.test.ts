import fc from 'fast-check';
import { from, lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batchOf, ceBatch, f32 } from '../test/arrowBatches.js';
import {
  initialState,
  type LossState,
  mergeStates,
  runningLoss,
  StreamStateError,
  stateFromJSON,
  stateToJSON,
  stateValue,
} from './index.js';

function stateOf(values: number[], loss = 'mse'): LossState {
  return {
    ...initialState(loss),
    sumValue: [values.reduce((a, b) => a + b, 0), 0],
    sumDenominator: [values.length, 0],
    rows: values.length,
    elements: values.length,
    batches: 1,
  };
}

const finite = fc.double({ min: -1e12, max: 1e12, noNaN: true, noDefaultInfinity: true });

describe('LossState', () => {
  it('merges with counts added exactly and sums compensated: 1e16 + 1 − 1e16 = 1', () => {
    const m = [stateOf([1e16]), stateOf([1]), stateOf([-1e16])].reduce(mergeStates);
    expect(stateValue(m, 'sum')).toBe(1);
    expect(m.rows).toBe(3);
    expect(stateValue(m, 'mean')).toBe(1 / 3);
  });

  it('merging in any order gives the same total (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(finite, { maxLength: 5 }), { minLength: 1, maxLength: 8 }),
        fc.integer(),
        (parts, seed) => {
          const states = parts.map((p) => stateOf(p));
          const forward = states.reduce(mergeStates);
          // A seeded shuffle and a balanced tree: both must agree with the left fold.
          const shuffled = states.slice();
          let s = seed >>> 0;
          for (let i = shuffled.length - 1; i > 0; i--) {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            const j = s % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
          }
          const tree = (xs: LossState[]): LossState =>
            xs.length === 1
              ? xs[0]
              : mergeStates(tree(xs.slice(0, xs.length >> 1)), tree(xs.slice(xs.length >> 1)));
          const a = stateValue(forward, 'sum') as number;
          for (const other of [
            shuffled.reduceRight((acc, x) => mergeStates(x, acc)),
            tree(shuffled),
          ]) {
            expect(other.rows).toBe(forward.rows);
            expect(other.batches).toBe(forward.batches);
            const b = stateValue(other, 'sum') as number;
            const scale = parts.flat().reduce((m, x) => m + Math.abs(x), 0);
            expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-15 * scale);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('merging the states of two shards equals one pass over all batches, groups included', async () => {
    const batches = [0, 1, 2, 3, 4].map((i) => ceBatch(40 + i, 5, i));
    const spec = {
      loss: 'crossEntropy',
      columns: { input: 'logits', target: 'label' },
      groupBy: 'label',
    };
    const final = (bs: typeof batches) => lastValueFrom(from(bs).pipe(runningLoss(spec)));
    const [all, s1, s2] = await Promise.all([
      final(batches),
      final(batches.slice(0, 2)),
      final(batches.slice(2)),
    ]);
    const merged = mergeStates(s2.state, s1.state);
    expect(merged.rows).toBe(all.state.rows);
    expect(stateValue(merged)).toBeCloseTo(all.value as number, 14);
    expect(Object.keys(merged.groups).sort()).toEqual(Object.keys(all.state.groups).sort());
    for (const k of Object.keys(merged.groups)) {
      expect(stateValue(merged.groups[k])).toBeCloseTo(
        stateValue(all.state.groups[k]) as number,
        14,
      );
    }
  });

  it('round-trips through JSON exactly, NaN, ±Infinity and −0 included', () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { maxLength: 4 }), fc.double(), (xs, c) => {
        const s = stateOf(xs.filter(Number.isFinite));
        s.sumValue = [xs[0] ?? -0, c];
        s.groups = {
          a: {
            sumValue: [c, -0],
            sumDenominator: [1, 0],
            rows: 1,
            elements: 1,
            ignored: 0,
            skippedNaN: 0,
            skippedNull: 0,
          },
        };
        const back = stateFromJSON(stateToJSON(s));
        expect(Object.is(back.sumValue[0], s.sumValue[0])).toBe(true);
        expect(Object.is(back.sumValue[1], s.sumValue[1])).toBe(true);
        expect(back).toEqual(s);
      }),
      { numRuns: 200 },
    );
    const running = stateOf([1, Number.POSITIVE_INFINITY]);
    expect(stateFromJSON(stateToJSON(running)).sumValue[0]).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses to merge different losses and to parse malformed state', () => {
    expect(() => mergeStates(stateOf([1]), stateOf([1], 'l1'))).toThrow(StreamStateError);
    expect(() => stateFromJSON('{"format":"other"}')).toThrow(StreamStateError);
    expect(() => stateFromJSON('not json')).toThrow(StreamStateError);
    const bad = JSON.parse(stateToJSON(stateOf([1])));
    bad.rows = -1;
    expect(() => stateFromJSON(JSON.stringify(bad))).toThrow(/rows/);
  });

  it('a running state snapshot does not change when later batches arrive', async () => {
    const updates: LossState[] = [];
    await lastValueFrom(
      from([1, 2, 3].map((x) => batchOf({ x: f32([x]), y: f32([0]) }))).pipe(
        runningLoss({ loss: 'mse', columns: { input: 'x', target: 'y' } }),
      ),
    ).then(() => undefined);
    from([1, 2].map((x) => batchOf({ x: f32([x]), y: f32([0]) })))
      .pipe(runningLoss({ loss: 'mse', columns: { input: 'x', target: 'y' } }))
      .subscribe((u) => updates.push(u.state));
    expect(updates.map((s) => s.rows)).toEqual([1, 2]);
    expect(stateValue(updates[0], 'sum')).toBe(1);
  });
});
