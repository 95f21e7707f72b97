import { crossEntropy, LossError, LossRangeError, mse } from '@losskit/core';
import {
  Dictionary,
  Int32,
  Int64,
  makeData,
  TimestampMillisecond,
  Uint8,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batchOf, ceBatch, f32, i32, list32 } from '../test/arrowBatches.js';
import {
  type LossSpec,
  type RunningLossUpdate,
  runningLoss,
  StreamColumnError,
  StreamNanError,
} from './index.js';

const CE: LossSpec = { loss: 'crossEntropy', columns: { input: 'logits', target: 'label' } };

function run(batches: ReturnType<typeof batchOf>[], spec: LossSpec): Promise<RunningLossUpdate[]> {
  return lastValueFrom(from(batches).pipe(runningLoss(spec), toArray()));
}

function errorOf(batches: ReturnType<typeof batchOf>[], spec: LossSpec): Promise<unknown> {
  return new Promise((resolve, reject) => {
    from(batches)
      .pipe(runningLoss(spec))
      .subscribe({ error: resolve, complete: () => reject(new Error('completed without error')) });
  });
}

describe('runningLoss', () => {
  it('keeps the exact running mean of mse over batches: (1 + 4) / 2, then (1 + 4 + 9) / 3', async () => {
    const b1 = batchOf({ x: f32([1, 2]), y: f32([0, 0]) });
    const b2 = batchOf({ x: f32([3]), y: f32([0]) });
    const u = await run([b1, b2], { loss: 'mse', columns: { input: 'x', target: 'y' } });
    expect(u.map((x) => x.value)).toEqual([(1 + 4) / 2, (1 + 4 + 9) / 3]);
    expect(u.map((x) => x.batch.value)).toEqual([(1 + 4) / 2, 9]);
    expect(u[1]).toMatchObject({ index: 1, rows: 3, denominator: 3, sum: 14, elements: 3 });
    expect(u[1].state.batches).toBe(2);
  });

  it('matches crossEntropy one-shot on the concatenation, with weights and ignoreIndex', async () => {
    const a = ceBatch(50, 4, 1);
    const b = ceBatch(31, 4, 2);
    const options = { weight: [0.5, 1, 2, 0.25], ignoreIndex: 2 };
    const u = await run([a, b], { ...CE, options });
    const logits = new Float32Array(81 * 4);
    logits.set(a.data.children[0].children[0].values as Float32Array);
    logits.set(b.data.children[0].children[0].values as Float32Array, 50 * 4);
    const labels = new Int32Array(81);
    labels.set(a.data.children[1].values as Int32Array);
    labels.set(b.data.children[1].values as Int32Array, 50);
    const whole = crossEntropy({ data: logits, shape: [81, 4] }, labels, options);
    expect(u[1].value).toBeCloseTo(whole.value, 14);
    expect(u[1].denominator).toBeCloseTo(whole.sumDenominator, 14);
    expect(u[1].skipped.ignored).toBe(whole.ignored);
    expect(whole.ignored).toBeGreaterThan(0);
  });

  it('skips rows with an Arrow null in any used column and counts them (validity bitmap, not toArray)', async () => {
    // Row 1's label is null; its stored value 0 must not count as class 0.
    const b = batchOf({ logits: list32([0, 0, 5, 0, 0, 7], 2), label: i32([1, 0, 0], [1]) });
    const [u] = await run([b], CE);
    const expected = crossEntropy({ data: [0, 0, 0, 7], shape: [2, 2] }, [1, 0]).value;
    expect(u.value).toBeCloseTo(expected, 15);
    expect(u.rows).toBe(2);
    expect(u.skipped).toEqual({ nan: 0, null: 1, ignored: 0 });
  });

  it('honours a sliced batch (offsets into the list child and the validity bitmap)', async () => {
    const full = batchOf({
      logits: list32([9, 0, 0, 9, 1, 2, 3, 1, 4, 4], 2),
      label: i32([0, 1, 1, 0, 1], [0, 3]),
    });
    const sliced = full.slice(1, 5); // rows 1..4: labels [1, 1, null, 1]
    const [u] = await run([sliced], CE);
    const expected = crossEntropy({ data: [0, 9, 1, 2, 4, 4], shape: [3, 2] }, [1, 1, 1]).value;
    expect(u.value).toBeCloseTo(expected, 15);
    expect(u.skipped.null).toBe(1);
  });

  it('applies the NaN policies: propagate (default), skip (counted), error (typed)', async () => {
    const b = batchOf({ x: f32([1, Number.NaN, 3]), y: f32([0, 0, 0]) });
    const spec: LossSpec = { loss: 'mse', columns: { input: 'x', target: 'y' } };
    expect((await run([b], spec))[0].value).toBeNaN();
    const [s] = await run([b], { ...spec, nan: 'skip' });
    expect(s.value).toBe((1 + 9) / 2);
    expect(s.skipped.nan).toBe(1);
    const err = await errorOf([b], { ...spec, nan: 'error' });
    expect(err).toBeInstanceOf(StreamNanError);
    expect((err as StreamNanError).row).toBe(1);
    expect((err as Error).message).toContain('column "x"');
  });

  it('shows the empty value while the denominator is 0: NaN by default, or what the spec says', async () => {
    const allIgnored = batchOf({ logits: list32([1, 2, 3, 4], 2), label: i32([-100, -100]) });
    expect((await run([allIgnored], CE))[0].value).toBeNaN();
    const [u] = await run([allIgnored], { ...CE, empty: null });
    expect(u.value).toBeNull();
    expect(u.mean).toBeNull();
    expect(u.skipped.ignored).toBe(2);
  });

  it('reduction sum, batchmean and none: sum = Σ, none carries the per-element values', async () => {
    const b1 = batchOf({ x: f32([1, 2]), y: f32([0, 0]) });
    const b2 = batchOf({ x: f32([3]), y: f32([1]) });
    const spec: LossSpec = { loss: 'mse', columns: { input: 'x', target: 'y' } };
    const s = await run([b1, b2], { ...spec, options: { reduction: 'sum' } });
    expect(s.map((u) => u.value)).toEqual([5, 9]);
    const none = await run([b1, b2], { ...spec, options: { reduction: 'none' } });
    expect(none.map((u) => Array.from(u.batch.values ?? []))).toEqual([[1, 4], [4]]);
    expect(none[1].value).toBe(3);
  });

  it('reads labels from Int8–Int64, Uint8 and Dictionary columns', async () => {
    const logits = list32([3, 1, 0, 0, 2, 5], 3);
    const expected = crossEntropy({ data: [3, 1, 0, 0, 2, 5], shape: [2, 3] }, [0, 2]).value;
    const int64 = vectorFromArray([0n, 2n], new Int64()).data[0];
    const uint8 = makeData({ type: new Uint8(), length: 2, data: Uint8Array.from([0, 2]) });
    const dictNames = vectorFromArray(['cat', 'fish'], new Dictionary(new Utf8(), new Int32()))
      .data[0];
    for (const label of [int64, uint8]) {
      expect((await run([batchOf({ logits, label })], CE))[0].value).toBeCloseTo(expected, 15);
    }
    // Class names: the key is the class (cat = 0, fish = 1).
    const byKey = crossEntropy({ data: [3, 1, 0, 0, 2, 5], shape: [2, 3] }, [0, 1]).value;
    expect((await run([batchOf({ logits, label: dictNames })], CE))[0].value).toBeCloseTo(
      byKey,
      15,
    );
  });

  it('signals a missing or mistyped column as a StreamColumnError naming it, the expectation and the columns', async () => {
    const b = batchOf({ logits: list32([1, 2], 2), y: i32([0]) });
    const missing = (await errorOf([b], CE)) as StreamColumnError;
    expect(missing).toBeInstanceOf(StreamColumnError);
    expect(missing).toBeInstanceOf(LossError);
    expect(missing.column).toBe('label');
    expect(missing.found).toBe('no such column');
    expect(missing.columns).toEqual(['logits', 'y']);
    const wrong = (await errorOf(
      [batchOf({ logits: f32([1, 2]), label: i32([0, 1]) })],
      CE,
    )) as StreamColumnError;
    expect(wrong.column).toBe('logits');
    expect(wrong.found).toBe('Float32');
    expect(wrong.message).toContain('FixedSizeList');
  });

  it('names the column when its list size disagrees with the options', async () => {
    const b = batchOf({ logits: list32([1, 2, 3, 4], 2), label: i32([0, 1]) });
    const err = (await errorOf([b], {
      ...CE,
      options: { weight: [1, 1, 1] },
    })) as StreamColumnError;
    expect(err).toBeInstanceOf(StreamColumnError);
    expect(err.kind).toBe('shape');
    expect(err.message).toContain('"logits"');
    expect(err.message).toContain('FixedSizeList[2]<Float32>');
  });

  it('delivers kernel errors and bad specs as error notifications, never as a throw from subscribe', async () => {
    const b = batchOf({ logits: list32([1, 2], 2), label: i32([5]) });
    expect(await errorOf([b], CE)).toBeInstanceOf(LossRangeError);
    expect(await errorOf([b], { ...CE, loss: 'noSuchLoss' })).toBeInstanceOf(LossError);
    expect(await errorOf([b], { ...CE, options: { reduction: 'avg' } })).toBeInstanceOf(LossError);
    expect(await errorOf([b], { ...CE, smoothing: 1 })).toBeInstanceOf(LossError);
  });

  it('keeps exact windows over the last N rows (cut inside a batch) and the last K batches', async () => {
    const xs = [1, 2, 3, 4, 5, 6, 7];
    const bs = [
      batchOf({ x: f32([1, 2, 3]), y: f32([0, 0, 0]) }),
      batchOf({ x: f32([4, 5]), y: f32([0, 0]) }),
      batchOf({ x: f32([6, 7]), y: f32([0, 0]) }),
    ];
    const u = await run(bs, {
      loss: 'mse',
      columns: { input: 'x', target: 'y' },
      window: { rows: 3, batches: 2 },
    });
    const meanSq = (v: number[]) => v.reduce((a, x) => a + x * x, 0) / v.length;
    expect(u.map((x) => x.window.rows?.value)).toEqual([
      meanSq([1, 2, 3]),
      meanSq([3, 4, 5]),
      meanSq([5, 6, 7]),
    ]);
    expect(u.map((x) => x.window.batches?.value)).toEqual([
      meanSq([1, 2, 3]),
      meanSq([1, 2, 3, 4, 5]),
      meanSq([4, 5, 6, 7]),
    ]);
    expect(u[2].window.rows?.rows).toBe(3);
    expect(u[2].value).toBe(meanSq(xs));
  });

  it('keeps a time window by a timestamp column', async () => {
    const b = (t: number, x: number) => batchOf({ t: f32([t]), x: f32([x]), y: f32([0]) });
    const u = await run([b(0, 1), b(500, 2), b(1200, 3)], {
      loss: 'mse',
      columns: { input: 'x', target: 'y' },
      window: { time: { ms: 1000, column: 't' } },
    });
    // At t = 1200 the window (200, 1200] holds the batches at 500 and 1200.
    expect(u.map((x) => x.window.time?.value)).toEqual([1, (1 + 4) / 2, (4 + 9) / 2]);
    expect(u.map((x) => x.time)).toEqual([0, 500, 1200]);
  });

  it('keeps a time window by an Arrow Timestamp column (milliseconds)', async () => {
    const b = (t: number, x: number) =>
      batchOf({
        t: vectorFromArray([t], new TimestampMillisecond()).data[0],
        x: f32([x]),
        y: f32([0]),
      });
    const u = await run([b(1_000, 1), b(1_600, 2), b(2_500, 3)], {
      loss: 'mse',
      columns: { input: 'x', target: 'y' },
      window: { time: { ms: 1000, column: 't' } },
    });
    expect(u.map((x) => x.time)).toEqual([1_000, 1_600, 2_500]);
    expect(u.map((x) => x.window.time?.rows)).toEqual([1, 2, 2]);
  });

  it("smooths batch values with TensorBoard's debiased EMA, skipping non-finite values", async () => {
    const bs = [2, Number.NaN, 4, 8].map((x) => batchOf({ x: f32([x]), y: f32([0]) }));
    const u = await run(bs, { loss: 'l1', columns: { input: 'x', target: 'y' }, smoothing: 0.5 });
    // last: 0.5·0 + 0.5·2 = 1 (÷(1 − 0.5)) = 2; NaN skipped; 0.5·1 + 0.5·4 = 2.5 (÷ 0.75);
    // 0.5·2.5 + 0.5·8 = 5.25 (÷ 0.875).
    expect(u.map((x) => x.smoothed)).toEqual([2, 2, 2.5 / 0.75, 5.25 / 0.875]);
  });

  it('keeps per-group statistics alongside the total', async () => {
    const b1 = batchOf({ x: f32([1, 2, 3]), y: f32([0, 0, 0]), split: i32([0, 1, 0]) });
    const b2 = batchOf({ x: f32([4]), y: f32([0]), split: i32([1]) });
    const u = await run([b1, b2], {
      loss: 'mse',
      columns: { input: 'x', target: 'y' },
      groupBy: 'split',
    });
    expect(u[1].groups?.['0'].value).toBe((1 + 9) / 2);
    expect(u[1].groups?.['1'].value).toBe((4 + 16) / 2);
    expect(u[1].value).toBe((1 + 4 + 9 + 16) / 4);
    expect(u[1].state.groups['1'].rows).toBe(2);
  });

  it('the row window equals the kernel over the last N rows, for any split (property)', () => {
    fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(40), { maxLength: 5 }),
        fc.integer({ min: 1, max: 45 }),
        async (xs, cutsRaw, N) => {
          const n = xs.length;
          const cuts = [0, ...cutsRaw.map((c) => c % (n + 1)).sort((a, b) => a - b), n];
          const batches = cuts
            .slice(1)
            .map((to, k) =>
              batchOf({ x: f32(xs.slice(cuts[k], to)), y: f32(new Array(to - cuts[k]).fill(0)) }),
            );
          const u = await run(batches, {
            loss: 'mse',
            columns: { input: 'x', target: 'y' },
            window: { rows: N },
          });
          for (let k = 0; k < u.length; k++) {
            const tail = xs.slice(Math.max(0, cuts[k + 1] - N), cuts[k + 1]);
            expect(u[k].window.rows?.rows).toBe(tail.length);
            expect(u[k].window.rows?.sum).toBe(tail.reduce((a, x) => a + x * x, 0));
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('reads a per-element option from a column (BCE weight), nulls in it skipping the row', async () => {
    const b = batchOf({ p: f32([0.5, 0.25, 0.9]), y: f32([1, 0, 1]), w: i32([2, 0, 1], [2]) });
    const [u] = await run([b], {
      loss: 'binaryCrossEntropy',
      columns: { input: 'p', target: 'y', weight: 'w' },
      options: { reduction: 'sum' },
    });
    // Row 2's weight is null: skipped. Σ w·ℓ = 2·(−ln 0.5) + 0·(−ln 0.75).
    expect(u.value).toBeCloseTo(2 * Math.LN2, 14);
    expect(u.skipped.null).toBe(1);
  });

  it('maps Dictionary keys through integer dictionary values', async () => {
    const logits = list32([3, 1, 0, 0, 2, 5], 3);
    const label = vectorFromArray([2, 0], new Dictionary(new Int32(), new Int32())).data[0];
    const expected = crossEntropy({ data: [3, 1, 0, 0, 2, 5], shape: [2, 3] }, [2, 0]).value;
    expect((await run([batchOf({ logits, label })], CE))[0].value).toBeCloseTo(expected, 15);
  });

  it('gives the same final values for any split of the rows (property)', () => {
    fc.assert(
      fc.asyncProperty(
        fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.nat(60), { maxLength: 6 }),
        async (xs, cutsRaw) => {
          const n = xs.length;
          const cuts = [0, ...cutsRaw.map((c) => c % (n + 1)).sort((a, b) => a - b), n];
          const ys = xs.map((_, i) => (i % 7) - 3);
          const spec: LossSpec = {
            loss: 'mse',
            columns: { input: 'x', target: 'y' },
            options: { reduction: 'sum' },
          };
          const batches = cuts
            .slice(1)
            .map((to, k) =>
              batchOf({ x: f32(xs.slice(cuts[k], to)), y: f32(ys.slice(cuts[k], to)) }),
            );
          const u = await run(batches, spec);
          const whole = mse(Float32Array.from(xs), Float32Array.from(ys), { reduction: 'sum' });
          const last = u[u.length - 1];
          expect(last.rows).toBe(n);
          expect(Math.abs((last.value as number) - whole.value)).toBeLessThanOrEqual(
            1e-12 * Math.max(1, whole.value),
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
