import { crossEntropy } from '@losskit/core';
import { type RecordBatch, Table, tableFromArrays, tableToIPC } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arrowStreamPieces } from '../demo/arrowStreamPieces.js';
import { demoSchema, mulberry32, simulatedBatch } from '../demo/simulatedBatch.js';
import { ArrowIpcParser } from './ArrowIpcParser.js';
import { lossSampler } from './lossSampler.js';
import { parseLossSpec } from './parseLossSpec.js';
import { scalarColumns } from './scalarColumns.js';
import type { Sample } from './types.js';

function pushInPieces(p: ArrowIpcParser, bytes: Uint8Array, cuts: number[]) {
  const at = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
  const samples: Sample[] = [];
  const problems = [];
  for (let i = 0; i + 1 < at.length; i++) {
    const out = p.push(bytes.subarray(at[i], at[i + 1]));
    samples.push(...out.samples);
    problems.push(...out.problems);
  }
  return { samples, problems };
}

describe('ArrowIpcParser', () => {
  const table = tableFromArrays({
    step: new Int32Array([0, 1, 2, 3, 4, 5]),
    loss: new Float64Array([2, 1.5, Number.NaN, 1, 0.8, 0.7]),
    acc: new Int32Array([0, 1, 1, 1, 1, 1]),
  });

  it('reads numeric scalar columns; step is the x axis; a stream split anywhere reads the same', () => {
    const batches = [table.slice(0, 2), table.slice(2, 5), table.slice(5)].flatMap(
      (t) => t.batches,
    );
    const { schema, batches: pieces } = arrowStreamPieces(table.schema, batches);
    const bytes = Uint8Array.from(Buffer.concat([schema, ...pieces]));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 10 }),
        (cuts) => {
          const p = new ArrowIpcParser(scalarColumns());
          const { samples, problems } = pushInPieces(p, bytes, cuts);
          expect(problems).toEqual([]);
          expect(samples.filter((s) => s.series === 'loss').map((s) => [s.step, s.value])).toEqual([
            [0, 2],
            [1, 1.5],
            [2, Number.NaN],
            [3, 1],
            [4, 0.8],
            [5, 0.7],
          ]);
          expect(samples.filter((s) => s.series === 'acc')).toHaveLength(6);
          expect(p.pending).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reads the IPC file format (ARROW1 magic) and Int64 steps', () => {
    const t = tableFromArrays({
      global_step: new BigInt64Array([10n, 20n]),
      v: new Float64Array([1, 2]),
    });
    const p = new ArrowIpcParser(scalarColumns());
    const out = p.push(tableToIPC(t, 'file'));
    expect(out.samples.map((s) => [s.series, s.step, s.value])).toEqual([
      ['v', 10, 1],
      ['v', 20, 2],
    ]);
  });

  it('reads a file of several batches in pieces, as the stream of the same batches', () => {
    const t = tableFromArrays({
      step: Int32Array.from({ length: 30 }, (_, i) => i),
      loss: Float64Array.from({ length: 30 }, (_, i) => 1 / (i + 1)),
    });
    const multi = new Table([0, 10, 20].flatMap((s) => t.slice(s, s + 10).batches));
    expect(multi.batches).toHaveLength(3);
    const file = tableToIPC(multi, 'file');
    const viaStream = new ArrowIpcParser(scalarColumns()).push(tableToIPC(multi, 'stream'));
    const p = new ArrowIpcParser(scalarColumns());
    const samples: Sample[] = [];
    for (let i = 0; i < file.length; i += 97)
      samples.push(...p.push(file.subarray(i, i + 97)).samples);
    const points = (xs: typeof samples) => xs.map((x) => [x.series, x.step, x.value]);
    expect(samples).toHaveLength(30);
    expect(points(samples)).toEqual(points(viaStream.samples));
    expect(p.consumed).toBe(file.length);
  });

  it('reports a file whose footer length is corrupt, and one whose message runs into the footer', () => {
    const t = tableFromArrays({ step: new Int32Array([1, 2]), loss: new Float64Array([3, 4]) });
    const file = tableToIPC(t, 'file');
    const badFooter = Uint8Array.from(file);
    new DataView(badFooter.buffer).setInt32(file.length - 10, 1 << 30, true);
    const a = new ArrowIpcParser(scalarColumns()).push(badFooter);
    expect(a.samples).toEqual([]);
    expect(a.problems.map((q) => q.message)).toEqual([
      `unreadable Arrow IPC file (footer length ${1 << 30})`,
    ]);
    // Bytes before the footer that start a message longer than the room left before it.
    const footerLength = new DataView(file.buffer, file.byteOffset).getInt32(
      file.length - 10,
      true,
    );
    const footerStart = file.length - 10 - footerLength;
    // apache-arrow ends the message section with an end-of-stream marker: insert before it.
    expect([...file.subarray(footerStart - 8, footerStart)]).toEqual([
      255, 255, 255, 255, 0, 0, 0, 0,
    ]);
    const at = footerStart - 8;
    const cut = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x40, 0, 0, 0, 1, 2, 3, 4]);
    const overrun = Uint8Array.from(Buffer.concat([file.subarray(0, at), cut, file.subarray(at)]));
    const b = new ArrowIpcParser(scalarColumns()).push(overrun);
    expect(b.samples.map((x) => x.value)).toEqual([3, 4]);
    expect(b.problems).toEqual([
      {
        where: `byte ${at}`,
        message: 'an Arrow IPC message runs into the file’s footer; the rest is ignored',
      },
    ]);
  });

  it('with --loss: one point per batch; the running mean is the one-shot mean over all rows', () => {
    const schema = demoSchema(5);
    const rand = mulberry32(7);
    const batches: RecordBatch[] = [];
    for (let step = 0; step < 6; step++)
      batches.push(simulatedBatch(schema, step * 10 + 3, 4 + step, rand).batch);
    const { schema: head, batches: pieces } = arrowStreamPieces(schema, batches);
    const bytes = Uint8Array.from(Buffer.concat([head, ...pieces]));
    const sampler = lossSampler([parseLossSpec('crossEntropy:input=logits,target=label')]);
    const p = new ArrowIpcParser(sampler());
    const { samples, problems } = pushInPieces(p, bytes, [5, 100, 401, bytes.length - 3]);
    expect(problems).toEqual([]);
    expect(samples.map((s) => [s.series, s.step, s.rows])).toEqual(
      batches.map((b, i) => ['crossEntropy', i * 10 + 3, b.numRows]),
    );
    // the whole stream at once, by the kernel
    const logits: number[] = [];
    const labels: number[] = [];
    for (const b of batches) {
      const l = b.getChild('logits')!.data[0].children[0].values as Float32Array;
      logits.push(...l);
      labels.push(...(b.getChild('label')!.toArray() as Int32Array));
    }
    const whole = crossEntropy(
      { data: logits, shape: [labels.length, 5] },
      Int32Array.from(labels),
    );
    expect(samples.at(-1)!.runningMean).toBeCloseTo(whole.value as number, 12);
    const first = crossEntropy(
      {
        data: Array.from(batches[0].getChild('logits')!.data[0].children[0].values as Float32Array),
        shape: [4, 5],
      },
      batches[0].getChild('label')!.toArray() as Int32Array,
    );
    expect(samples[0].value).toBeCloseTo(first.value as number, 12);
  });

  it('with --loss on a batch without the columns: reported once, the stream reads on', () => {
    const sampler = lossSampler([parseLossSpec('crossEntropy:input=logits,target=label')]);
    const p = new ArrowIpcParser(sampler());
    const { schema, batches } = arrowStreamPieces(table.schema, table.batches);
    const out1 = p.push(Uint8Array.from(Buffer.concat([schema, ...batches])));
    const out2 = p.push(
      Uint8Array.from(Buffer.concat(arrowStreamPieces(table.schema, table.batches).batches)),
    );
    expect(out1.samples).toEqual([]);
    expect(out1.problems).toHaveLength(1);
    expect(out2.problems).toEqual([]);
  });

  it('reports a corrupt message length and a schema change', () => {
    const { schema, batches } = arrowStreamPieces(table.schema, table.batches);
    const other = tableFromArrays({ x: new Float64Array([1]) });
    const p = new ArrowIpcParser(scalarColumns());
    const o = arrowStreamPieces(other.schema, other.batches);
    const out = p.push(
      Uint8Array.from(Buffer.concat([schema, ...batches, o.schema, ...o.batches])),
    );
    expect(out.problems.map((q) => q.message)).toEqual([
      'a second schema in the stream; reading on with the new schema',
    ]);
    expect(out.samples.filter((s) => s.series === 'x')).toHaveLength(1);
    const bad = new ArrowIpcParser(scalarColumns());
    const garbage = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    expect(bad.push(Uint8Array.from(Buffer.concat([schema, garbage]))).problems).toHaveLength(1);
  });
});
