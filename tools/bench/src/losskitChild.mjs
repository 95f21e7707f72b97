// Times one losskit kernel or gradient in a fresh, plain Node process running the built package
// (`@losskit/core`'s dist/, as an application runs it), not in the bench's own process. That one
// runs TypeScript through tsx's loader thread and hosts TF.js's WebAssembly backend, and either
// detaches an ArrayBuffer; once any ArrayBuffer has been detached, V8 guards every typed-array
// access for the rest of the process (its "detaching protector" is gone), which slows the
// JavaScript loops: measured here with one WebAssembly.Memory.grow, mse +19%, l1 +33%, mseGrad
// +46%, the WebAssembly kernels unchanged. BENCHMARKS.md, "How it is measured", has the figures.
//
// Plain JavaScript, so that no loader runs: `node losskitChild.mjs` (losskitPeer.ts starts it),
// one JSON request per line on stdin, {kernel, grad, options, arrays: {name: {file, dtype,
// shape}}, reps, budgetMs, warmups, freshResult?}; one answer per line on stdout, {times, cpu,
// check, fresh} (ms per repetition, process CPU ms per repetition, the loss or first gradient
// entry, whether a gradient call returned arrays of its own rather than `out`) or {error}. The
// timing loop is measure.ts's `measure`, step for step.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A full collection before each workload's warm-up, so that the arrays of the workloads before
// it are not collected (on V8's helper threads, counted in the process's CPU time) while this
// one is timed. Exposed at run time: the process keeps no node flags (see above).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

/** A call slower than this is not repeated as a warm-up: it counts as the first repetition. */
const SLOW_MS = 2000;

function load({ file, dtype }) {
  const b = readFileSync(file);
  // a copy into a buffer of its own (readFileSync may hand out a slice of a shared pool)
  const bytes = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  if (dtype === 'int32') return new Int32Array(bytes);
  if (dtype === 'int64') return new BigInt64Array(bytes);
  return new Float32Array(bytes);
}

function firstValue(r) {
  if (r !== null && typeof r === 'object' && 'value' in r) return Number(r.value);
  if (r !== null && typeof r === 'object') {
    const first = Object.values(r)[0];
    if (first instanceof Float64Array) return first[0];
  }
  return Number.NaN;
}

async function answer(req) {
  // what the process runs, for the tests: no loader flags, the built package
  if (req.op === 'probe')
    return { execArgv: process.execArgv, core: import.meta.resolve('@losskit/core') };
  let core;
  try {
    core = await import('@losskit/core');
  } catch (e) {
    return { error: `@losskit/core does not load: ${e.message}` };
  }
  const info = core.kernels[req.kernel];
  if (info === undefined) return { error: `@losskit/core has no kernel ${req.kernel}` };
  const named = {};
  for (const [k, a] of Object.entries(req.arrays)) named[k] = { data: load(a), shape: a.shape };
  let fn;
  const out = {};
  if (req.grad) {
    if (info.gradient === undefined) return { error: `${req.kernel} has no gradient yet` };
    // The gradients are written into a caller's buffers (`out`), as a training loop would: one
    // per differentiable input (e.g. `{input1, input2}` for pair losses). With `freshResult`, no
    // `out`: each call allocates its results, whose pages the system zero-fills on first write.
    if (!req.freshResult)
      for (const i of info.inputs)
        if (i.differentiable) out[i.name] = new Float64Array(named[i.name].data.length);
    const options = req.freshResult ? req.options : { ...req.options, out };
    fn = () => info.gradient(named, options);
  } else {
    fn = () => info.compute(named, req.options);
  }
  let check;
  let fresh = false;
  try {
    const result = fn();
    check = firstValue(result);
    // whether a gradient came back in arrays of its own (not `out`): the path that was asked for
    if (req.grad) fresh = !Object.values(out).includes(Object.values(result)[0]);
  } catch (e) {
    return { error: e.message };
  }
  gc();
  const times = [];
  const cpu = [];
  let spent = 0;
  let timed = 0;
  const minMs = req.minMs ?? 0;
  // measure.ts's wantsMore, step for step
  const more = () =>
    times.length === 0 ||
    (spent < req.budgetMs &&
      (times.length < req.reps || (timed < minMs && times.length < 5 * req.reps)));
  for (let w = 0; w < req.warmups; w++) {
    const t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    spent += dt;
    if (dt > SLOW_MS) {
      times.push(dt);
      break;
    }
  }
  while (more()) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    times.push(dt);
    spent += dt;
    timed += dt;
  }
  return { times, cpu, check, fresh };
}

for await (const line of createInterface({ input: process.stdin })) {
  let reply;
  try {
    reply = await answer(JSON.parse(line));
  } catch (e) {
    reply = { error: e.message };
  }
  process.stdout.write(`${JSON.stringify(reply)}\n`);
}
