// Hostile bytes: every reader, fed arbitrary or corrupted bytes in arbitrary pieces, reports
// problems and never throws nor hangs (a throw would stall the file's follower, a hang the
// monitor).
import { Table, tableFromArrays, tableToIPC } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fileVersionRecord,
  lightningCsv,
  scalarRecord,
  trainerState,
} from '../../test/logWriters.js';
import { arrowStreamPieces } from '../demo/arrowStreamPieces.js';
import { demoSchema, mulberry32, simulatedBatch } from '../demo/simulatedBatch.js';
import { ArrowIpcParser } from './ArrowIpcParser.js';
import { JsonLinesParser } from './JsonLinesParser.js';
import { LightningCsvParser } from './LightningCsvParser.js';
import { lossSampler } from './lossSampler.js';
import { parseLossSpec } from './parseLossSpec.js';
import { scalarColumns } from './scalarColumns.js';
import { TfEventsParser } from './TfEventsParser.js';
import { TrainerStateParser } from './TrainerStateParser.js';
import type { AppendParser } from './types.js';

/** CI runs the default count; `pnpm fuzz` sets LOSSKIT_FUZZ_RUNS for a longer run. */
const fuzzRuns = (n: number): number =>
  process.env.LOSSKIT_FUZZ_RUNS ? Number(process.env.LOSSKIT_FUZZ_RUNS) : n;

const table = tableFromArrays({
  step: Int32Array.from({ length: 30 }, (_, i) => i),
  loss: Float64Array.from({ length: 30 }, (_, i) => i / 7),
});
const arrowBytes = (() => {
  const p = arrowStreamPieces(
    table.schema,
    [0, 10, 20].flatMap((s) => table.slice(s, s + 10).batches),
  );
  return Uint8Array.from(Buffer.concat([p.schema, ...p.batches]));
})();
const tfBytes = Uint8Array.from(
  Buffer.concat([
    fileVersionRecord(),
    ...Array.from({ length: 8 }, (_, i) => scalarRecord('l', i, i)),
  ]),
);
const jsonBytes = new TextEncoder().encode('{"step":1,"a":1}\n{"step":2,"a":NaN}\n{"step":3}\n');

/** The bytes with some flipped and cut at some points, and where to split them. */
const corrupted = (bytes: Uint8Array) =>
  fc
    .record({
      flips: fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 })), {
        maxLength: 6,
      }),
      cut: fc.integer({ min: 0, max: bytes.length }),
      splits: fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 6 }),
    })
    .map(({ flips, cut, splits }) => {
      const b = Uint8Array.from(bytes);
      for (const [i, x] of flips) b[i] ^= x;
      const c = b.subarray(0, cut);
      const at = [0, ...splits.filter((s) => s < cut).sort((x, y) => x - y), cut];
      return at.slice(0, -1).map((s, i) => c.subarray(s, at[i + 1]));
    });

function feed(parser: AppendParser, pieces: Uint8Array[]) {
  for (const p of pieces) parser.push(p);
  expect(parser.consumed + parser.pending).toBeLessThanOrEqual(
    pieces.reduce((a, p) => a + p.length, 0),
  );
}

describe('readers on corrupt bytes never throw', () => {
  it('Arrow IPC: byte flips, truncation anywhere, any split', () => {
    fc.assert(
      fc.property(corrupted(arrowBytes), (pieces) =>
        feed(new ArrowIpcParser(scalarColumns()), pieces),
      ),
      {
        numRuns: fuzzRuns(150),
      },
    );
  });

  it('Arrow IPC model outputs with --loss: byte flips, truncation anywhere, any split', () => {
    const schema = demoSchema(3);
    const rand = mulberry32(5);
    const p = arrowStreamPieces(
      schema,
      [0, 1, 2].map((i) => simulatedBatch(schema, i, 6, rand).batch),
    );
    const bytes = Uint8Array.from(Buffer.concat([p.schema, ...p.batches]));
    const sampler = lossSampler([parseLossSpec('crossEntropy:input=logits,target=label')]);
    fc.assert(
      fc.property(corrupted(bytes), (pieces) => feed(new ArrowIpcParser(sampler()), pieces)),
      {
        numRuns: fuzzRuns(100),
      },
    );
  });

  it('Arrow IPC: a schema without columns and a batch claiming 5.6e14 rows reads as nothing', () => {
    // Found by a 40,000-case run of the fuzz above (it hung the monitor before): flip 53 empties
    // the schema's field list, flip 270 sets a high byte of the first batch's length.
    const b = Uint8Array.from(arrowBytes);
    b[53] ^= 2;
    b[270] ^= 2;
    const out = new ArrowIpcParser(scalarColumns()).push(b);
    expect(out.samples).toEqual([]);
  });

  it('Arrow IPC file format: byte flips, truncation anywhere, any split', () => {
    const file = tableToIPC(
      new Table([0, 10, 20].flatMap((s) => table.slice(s, s + 10).batches)),
      'file',
    );
    fc.assert(
      fc.property(corrupted(file), (pieces) => feed(new ArrowIpcParser(scalarColumns()), pieces)),
      { numRuns: fuzzRuns(150) },
    );
  });

  it('Arrow IPC: wrong magic / arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) =>
        feed(new ArrowIpcParser(scalarColumns()), [bytes]),
      ),
      { numRuns: fuzzRuns(150) },
    );
  });

  it('tfevents: byte flips, truncation, arbitrary bytes', () => {
    fc.assert(
      fc.property(corrupted(tfBytes), (pieces) => feed(new TfEventsParser(), pieces)),
      { numRuns: fuzzRuns(150) },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => feed(new TfEventsParser(), [b])),
      {
        numRuns: fuzzRuns(100),
      },
    );
  });

  it('JSON lines, CSV and trainer_state: arbitrary bytes', () => {
    fc.assert(
      fc.property(corrupted(jsonBytes), (pieces) => feed(new JsonLinesParser(), pieces)),
      { numRuns: fuzzRuns(150) },
    );
    const csv = new TextEncoder().encode(lightningCsv(['step', 'a'], [{ step: 1, a: 2 }]));
    const state = new TextEncoder().encode(trainerState([{ step: 1, loss: 2 }]));
    fc.assert(
      fc.property(corrupted(csv), corrupted(state), (c, s) => {
        new LightningCsvParser().read(Buffer.concat(c));
        new TrainerStateParser().read(Buffer.concat(s));
      }),
      { numRuns: fuzzRuns(150) },
    );
  });
});
