import {
  Field,
  FixedSizeList,
  Float32,
  Int32,
  makeData,
  RecordBatch,
  Schema,
  Struct,
} from 'apache-arrow';

/** The demo's model-output schema: `step`, `logits` (FixedSizeList<Float32>[classes]), `label`. */
export function demoSchema(classes: number): Schema {
  return new Schema([
    new Field('step', new Int32(), false),
    new Field('logits', new FixedSizeList(classes, new Field('item', new Float32(), false)), false),
    new Field('label', new Int32(), false),
  ]);
}

/** A seeded PRNG (mulberry32) so demo runs and tests are reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export interface SimulatedBatch {
  batch: RecordBatch;
  /** Fraction of rows whose largest logit is the label. */
  accuracy: number;
}

/**
 * One batch of a simulated classifier's outputs at `step`: the true class's logit grows as
 * training goes on (so cross-entropy falls), with noise and an occasional bad batch (a spike a
 * good chart must keep).
 */
export function simulatedBatch(
  schema: Schema,
  step: number,
  rows: number,
  rand: () => number,
): SimulatedBatch {
  const listType = schema.fields[1].type as FixedSizeList<Float32>;
  const classes = listType.listSize;
  const signal = 4 * (1 - Math.exp(-step / 400));
  const spike = rand() < 0.01 ? 6 : 1;
  const logits = new Float32Array(rows * classes);
  const labels = new Int32Array(rows);
  const steps = new Int32Array(rows).fill(step);
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const y = Math.floor(rand() * classes);
    labels[r] = y;
    let best = 0;
    for (let c = 0; c < classes; c++) {
      const v = gaussian(rand) * spike + (c === y ? signal : 0);
      logits[r * classes + c] = v;
      if (v > logits[r * classes + best]) best = c;
    }
    if (best === y) correct++;
  }
  const child = makeData({ type: new Float32(), length: rows * classes, data: logits });
  const data = makeData({
    type: new Struct(schema.fields),
    length: rows,
    nullCount: 0,
    children: [
      makeData({ type: new Int32(), length: rows, data: steps }),
      makeData({ type: listType, length: rows, nullCount: 0, child }),
      makeData({ type: new Int32(), length: rows, data: labels }),
    ],
  });
  return { batch: new RecordBatch(schema, data), accuracy: correct / rows };
}
