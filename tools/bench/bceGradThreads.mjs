// Would a worker thread make binaryCrossEntropyWithLogitsGrad faster? (BENCHMARKS.md, "Worker
// threads": measured, and not shipped.) An experiment, not a kernel: it runs core's own
// bwSimd.wat kernel ("grad", the same bytes but importing a *shared* memory, which a worker can
// use too) on two threads and times it against core's binaryCrossEntropyWithLogitsGrad in the
// same process.
// Run from the repository root, after `pnpm build`, in plain node (no loader, see CONTRIBUTING):
//
//   node tools/bench/bceGradThreads.mjs [--worker-only]      (SLOTS=n: the worker's queue, 4)
//
// The design: the worker cannot read the caller's arrays (an ordinary ArrayBuffer cannot be
// shared, and transferring it would detach it), so the main thread copies every chunk's x and y
// into a slot of the shared memory, the worker runs the kernel on the slot, and the main thread
// copies the float64 results out; between refills the main thread also computes chunks of its
// own (copy in, kernel, copy out), so the split adapts to both threads' speed (with
// `--worker-only` it only copies, and waits when the worker's queue is full). The results are
// checked bit for bit against core's. Printed per round (medians of 11 calls, 10M elements):
// wall and process CPU time of both, how many chunks each thread computed, and the main thread's
// time in the copies for the worker, the copies out of its results and its own chunks.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const root = new URL('../../', import.meta.url);
const core = new URL('packages/core/', root);
const { binaryCrossEntropyWithLogitsGrad } = await import(new URL('dist/index.js', core).href);
const { BW_CONST, fillBwConstants } = await import(
  new URL('dist/internal/bwSigmoid.js', core).href
);
const wabtInit = createRequire(new URL('package.json', core))('wabt');

// bwSimd.wat with its memory import made shared (the only change), compiled by core's wabt
// (read and changed as bytes: wabt's JavaScript API mangles non-ASCII text, i.e. the comments)
const wat = readFileSync(new URL('src/internal/bwSimd.wat', core), 'latin1');
const plain = '(import "env" "memory" (memory 1))';
if (!wat.includes(plain)) throw new Error(`bwSimd.wat no longer imports ${plain}`);
const wabt = await wabtInit();
const parsed = wabt.parseWat(
  'bwShared.wat',
  Buffer.from(wat.replace(plain, '(import "env" "memory" (memory 1 16384 shared))'), 'latin1'),
  { simd: true, threads: true },
);
parsed.validate({ simd: true, threads: true });
const module = new WebAssembly.Module(parsed.toBinary({}).buffer);
parsed.destroy();

// bwSigmoid.ts's layout up to the constants (the table, then 14 constants of 16 bytes from
// BW_CONST; the scale k is constant 11: its K_SLOT), filled by its fillBwConstants
const CONST = BW_CONST;
const K_SLOT = CONST / 8 + 22;
const CTL = CONST + 16 * 14; // i32 words: 0 jobs posted, 1 jobs done, 2 worker ready
const PAIRS = 4; // i32 words 4…7: pairs of each worker slot
const CHUNK = 1 << 14; // elements per chunk, as bwSigmoid.ts
/** The worker's slots (its queue); one more slot is the main thread's own. */
const SLOTS = Number(process.env.SLOTS ?? 4);
const SLOT0 = CTL + 64;
const SLOT_BYTES = 16 * CHUNK; // x float32, y float32, g float64
const END = SLOT0 + (SLOTS + 1) * SLOT_BYTES;
const pages = Math.ceil(END / 65536);
const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
const buf = memory.buffer;
fillBwConstants(buf);
const f64 = new Float64Array(buf);
const grad = new WebAssembly.Instance(module, { env: { memory } }).exports.grad;
const ctl = new Int32Array(buf, CTL, 16);
const at = (s) => SLOT0 + s * SLOT_BYTES;
const slots = Array.from({ length: SLOTS + 1 }, (_, s) => ({
  xs: new Float32Array(buf, at(s), CHUNK),
  ys: new Float32Array(buf, at(s) + 4 * CHUNK, CHUNK),
  gs: new Float64Array(buf, at(s) + 8 * CHUNK, CHUNK),
}));

const workerCode = `
const { workerData } = require('node:worker_threads');
const { module, memory, CTL, PAIRS, SLOT0, SLOT_BYTES, CHUNK, SLOTS } = workerData;
const grad = new WebAssembly.Instance(module, { env: { memory } }).exports.grad;
const ctl = new Int32Array(memory.buffer, CTL, 16);
Atomics.store(ctl, 2, 1);
for (let j = 0; ; j++) {
  while (Atomics.load(ctl, 0) === j) Atomics.wait(ctl, 0, j);
  const s = j % SLOTS;
  const x = SLOT0 + s * SLOT_BYTES;
  grad(x, x + 4 * CHUNK, ctl[PAIRS + s], x + 8 * CHUNK);
  Atomics.store(ctl, 1, j + 1);
  Atomics.notify(ctl, 1);
}`;
const worker = new Worker(workerCode, {
  eval: true,
  workerData: { module, memory, CTL, PAIRS, SLOT0, SLOT_BYTES, CHUNK, SLOTS },
});
worker.unref();
while (Atomics.load(ctl, 2) === 0) Atomics.wait(ctl, 2, 0, 50);

/** `--worker-only`: the main thread only copies (in for the worker, its results out). */
const workerOnly = process.argv.includes('--worker-only');
let posted = 0;
let collected = 0;
const spent = { fill: 0, collect: 0, own: 0, mainChunks: 0, workerChunks: 0 };

/** Loads one chunk x[i0…i1), y[i0…i1) into a slot; returns its pair count. */
function load(s, x, y, i0, i1) {
  const v = slots[s];
  v.xs.set(x.subarray(i0, i1));
  v.ys.set(y.subarray(i0, i1));
  const len = i1 - i0;
  if (len & 1) {
    v.xs[len] = 0;
    v.ys[len] = 0;
  }
  return (len + 1) >> 1;
}

/** gx[i] = k·(σ(x[i]) − y[i]) on two threads (finite logits only: no chunk is redone). */
function twoThreads(x, y, k, gx) {
  const n = x.length;
  f64[K_SLOT] = k;
  f64[K_SLOT + 1] = k;
  const starts = new Array(SLOTS).fill(0);
  const collect = (wait) => {
    for (;;) {
      const done = Atomics.load(ctl, 1);
      for (; collected < done; collected++) {
        const s = collected % SLOTS;
        const len = Math.min(CHUNK, n - starts[s]);
        gx.set(len === CHUNK ? slots[s].gs : slots[s].gs.subarray(0, len), starts[s]);
      }
      if (!wait || collected === posted) return;
      Atomics.wait(ctl, 1, done, 1000);
    }
  };
  let next = 0;
  while (next < n) {
    const t0 = performance.now();
    while (next < n && posted - collected < SLOTS) {
      const s = posted % SLOTS;
      const i1 = Math.min(n, next + CHUNK);
      ctl[PAIRS + s] = load(s, x, y, next, i1);
      starts[s] = next;
      next = i1;
      posted++;
      spent.workerChunks++;
      Atomics.store(ctl, 0, posted);
      Atomics.notify(ctl, 0);
    }
    const t1 = performance.now();
    collect(false);
    const t2 = performance.now();
    if (next < n && !workerOnly) {
      const i1 = Math.min(n, next + CHUNK);
      grad(at(SLOTS), at(SLOTS) + 4 * CHUNK, load(SLOTS, x, y, next, i1), at(SLOTS) + 8 * CHUNK);
      const gs = slots[SLOTS].gs;
      gx.set(i1 - next === CHUNK ? gs : gs.subarray(0, i1 - next), next);
      next = i1;
      spent.mainChunks++;
    }
    const t3 = performance.now();
    spent.fill += t1 - t0;
    spent.collect += t2 - t1;
    spent.own += t3 - t2;
    if (workerOnly && next < n && posted - collected === SLOTS) {
      Atomics.wait(ctl, 1, collected, 1000); // the queue is full: wait for the worker
      collect(false);
    }
  }
  const t4 = performance.now();
  collect(true);
  spent.collect += performance.now() - t4;
}

const N = 10_000_000;
const REPS = 11;
let seed = 1;
const uniform = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32;
};
const x = new Float32Array(N);
const y = new Float32Array(N);
for (let i = 0; i < N; i++) {
  x[i] = (uniform() - 0.5) * 8;
  y[i] = uniform() < 0.5 ? 1 : 0;
}
const g1 = new Float64Array(N);
const g2 = new Float64Array(N);
const timed = (f) => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return [wall, (c.user + c.system) / 1000];
};
const median = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
const ms = (v) => v.toFixed(1);
for (let round = 0; round < 3; round++) {
  const one = { wall: [], cpu: [] };
  const two = { wall: [], cpu: [] };
  for (const key of Object.keys(spent)) spent[key] = 0;
  for (let r = 0; r < REPS; r++) {
    const [w1, c1] = timed(() => binaryCrossEntropyWithLogitsGrad(x, y, { out: { input: g1 } }));
    const [w2, c2] = timed(() => twoThreads(x, y, 1 / N, g2));
    one.wall.push(w1);
    one.cpu.push(c1);
    two.wall.push(w2);
    two.cpu.push(c2);
  }
  let differ = 0;
  for (let i = 0; i < N; i++) if (!Object.is(g1[i], g2[i])) differ++;
  console.log(
    `core, one thread: ${ms(median(one.wall))} ms wall, ${ms(median(one.cpu))} ms CPU | ` +
      `two threads: ${ms(median(two.wall))} ms wall, ${ms(median(two.cpu))} ms CPU | ` +
      `${differ} results differ`,
  );
  console.log(
    `  chunks per call: main ${ms(spent.mainChunks / REPS)}, worker ${ms(spent.workerChunks / REPS)}; ` +
      `main thread per call: copies for the worker ${ms(spent.fill / REPS)} ms, ` +
      `its results out ${ms(spent.collect / REPS)} ms, own chunks ${ms(spent.own / REPS)} ms`,
  );
}
