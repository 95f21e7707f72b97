// Why core's hot loops come in one copy per array type (CONTRIBUTING, "Performance work" 1):
// times a loop on Float32Array data after the same process has also run it on Float64Array (and
// number[]) data, against the loop run only on Float32Array. Run from the repository root:
//
//   node --conditions=@losskit/source --import tsx tools/bench/polymorphicLoops.ts
//
// Two cases: (1) a shared body, as one function literal (closures of one literal share V8's
// type feedback, so a factory does not help either), against a copy that only ever sees
// Float32Array; (2) core's l1Grad and mse, which dispatch to per-type copies, in a process
// that has called them with all three array kinds, against their Float32Array-only numbers in a
// fresh child process. CPU time per call (process.cpuUsage), median of 9 after 3 warm-ups.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { l1Grad, mse } from '@losskit/core';
import { Rng } from './src/rng.js';

const N = 10_000_000;

function cpuMedian(f: () => unknown): number {
  for (let i = 0; i < 3; i++) f();
  const ts: number[] = [];
  for (let i = 0; i < 9; i++) {
    const a = process.cpuUsage();
    f();
    const b = process.cpuUsage(a);
    ts.push((b.user + b.system) / 1000);
  }
  ts.sort((p, q) => p - q);
  return ts[4];
}

/** Σ (xᵢ − yᵢ)², four accumulators: the shape of the element-wise sums. */
function sumShared(x: ArrayLike<number>, y: ArrayLike<number>, n: number): number {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  for (let i = 0; i + 3 < n; i += 4) {
    const e0 = x[i] - y[i];
    const e1 = x[i + 1] - y[i + 1];
    const e2 = x[i + 2] - y[i + 2];
    const e3 = x[i + 3] - y[i + 3];
    a += e0 * e0;
    b += e1 * e1;
    c += e2 * e2;
    d += e3 * e3;
  }
  return a + b + c + d;
}

/** The same body, textually copied, that only ever sees Float32Array. */
function sumF32(x: Float32Array, y: Float32Array, n: number): number {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  for (let i = 0; i + 3 < n; i += 4) {
    const e0 = x[i] - y[i];
    const e1 = x[i + 1] - y[i + 1];
    const e2 = x[i + 2] - y[i + 2];
    const e3 = x[i + 3] - y[i + 3];
    a += e0 * e0;
    b += e1 * e1;
    c += e2 * e2;
    d += e3 * e3;
  }
  return a + b + c + d;
}

const rng = new Rng(7);
const x = rng.normal(N);
const y = rng.normal(N);
const out = new Float64Array(N);
const core = () => ({
  l1Grad: cpuMedian(() => l1Grad(x, y, { out: { input: out } })),
  mse: cpuMedian(() => mse(x, y)),
});

if (process.argv[2] === '--float32-only') {
  process.stdout.write(JSON.stringify(core()));
} else {
  const m = 100_000;
  const x64 = Float64Array.from(x.subarray(0, m));
  const y64 = Float64Array.from(y.subarray(0, m));
  const xs = Array.from(x64);
  const ys = Array.from(y64);
  for (let r = 0; r < 50; r++) {
    sumShared(x64, y64, m);
    sumShared(xs, ys, m);
    l1Grad(x64, y64);
    l1Grad(xs, ys);
    mse(x64, y64);
    mse(xs, ys);
  }
  const shared = cpuMedian(() => sumShared(x, y, N));
  const copy = cpuMedian(() => sumF32(x, y, N));
  const mixed = core();
  const fresh = JSON.parse(
    execFileSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--float32-only'],
      { encoding: 'utf8' },
    ),
  ) as { l1Grad: number; mse: number };
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  console.log(`Float32Array, ${N} elements, CPU ms per call (median of 9):`);
  console.log(
    `  shared body, also run on Float64Array and number[]: ${ms(shared)}; per-type copy: ${ms(copy)} (${(shared / copy).toFixed(2)}×)`,
  );
  for (const k of ['l1Grad', 'mse'] as const) {
    console.log(
      `  core ${k} after all three array kinds: ${ms(mixed[k])}; Float32Array only (fresh process): ${ms(fresh[k])}`,
    );
  }
}
