// A stand-in training process: appends an Arrow IPC stream to a file in odd-sized pieces (so
// messages arrive cut in the middle), pausing between writes, then ends the stream.
// usage: node appendWriter.mjs <path> <batches> <rowsPerBatch>
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Field,
  Float32,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
} from 'apache-arrow';

const [path, nb, nr] = process.argv.slice(2);
const batches = Number(nb);
const rows = Number(nr);
const fields = [new Field('id', new Float32(), false), new Field('zero', new Float32(), false)];
const schema = new Schema(fields);
const list = [];
for (let b = 0; b < batches; b++) {
  const id = Float32Array.from({ length: rows }, (_, i) => b * rows + i);
  const children = [
    makeData({ type: new Float32(), length: rows, data: id }),
    makeData({ type: new Float32(), length: rows, data: new Float32Array(rows) }),
  ];
  list.push(
    new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows, children })),
  );
}
const bytes = RecordBatchStreamWriter.writeAll(list).toUint8Array(true);
let seed = 12345;
const rand = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 4294967296;
};
for (let o = 0; o < bytes.length; ) {
  const n = Math.min(bytes.length - o, 1 + Math.floor(rand() * 700));
  appendFileSync(path, bytes.subarray(o, o + n));
  o += n;
  await sleep(Math.floor(rand() * 4));
}
process.stdout.write('done\n');
