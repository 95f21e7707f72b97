// The demo's simulated training run, as its own process: writes an Arrow IPC stream of model
// outputs (outputs.arrows: step, logits, label) and a JSON-lines scalar log (metrics.jsonl:
// step, lr, accuracy, grad_norm) into a directory, batch by batch, until told to stop.
//   node demoWriter.js <dir> [--rate N batches/s] [--rows R] [--classes C] [--seed S] [--steps N]
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arrowStreamPieces } from './arrowStreamPieces.js';
import { demoSchema, mulberry32, simulatedBatch } from './simulatedBatch.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: demoWriter <dir> [--rate N] [--rows R] [--classes C] [--seed S]\n');
  process.exit(2);
}
const rate = arg('rate', 20);
const rows = arg('rows', 64);
const classes = arg('classes', 10);
const maxSteps = arg('steps', Number.POSITIVE_INFINITY);
const rand = mulberry32(arg('seed', 1));
const schema = demoSchema(classes);
const outputs = join(dir, 'outputs.arrows');
const metrics = join(dir, 'metrics.jsonl');
writeFileSync(outputs, arrowStreamPieces(schema, []).schema);
writeFileSync(metrics, '');
// Tell the monitor the run has started (its --duration counts from here).
process.send?.('ready');

let step = 0;
const timer = setInterval(() => {
  const { batch, accuracy } = simulatedBatch(schema, step, rows, rand);
  appendFileSync(outputs, arrowStreamPieces(schema, [batch]).batches[0]);
  const lr = 0.1 * 0.5 * (1 + Math.cos((Math.PI * (step % 2000)) / 2000));
  const gradNorm = 2 * Math.exp(-step / 600) + 0.2 * rand();
  appendFileSync(
    metrics,
    `${JSON.stringify({ step, lr, accuracy, grad_norm: gradNorm, wall_time: Date.now() / 1000 })}\n`,
  );
  step++;
  if (step >= maxSteps) stop();
}, 1000 / rate);

function stop(): void {
  clearInterval(timer);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Forked by the monitor: when the monitor goes away (even killed), so does the run.
process.on('disconnect', stop);
