// Several kernels take a fast path only for Float32Array inputs (WebAssembly SIMD, typed loops
// with their own tables); Float64Array inputs go through the JavaScript loops. Fed the same values
// both ways, every kernel and gradient must give the same answers within the stated few-ulp
// bounds, throw the same errors, and treat NaN and ±∞ alike — on inputs large enough (20k
// elements, past the 4096-element thresholds and the 16384-element copy chunks) to take the fast
// paths, with special values sprinkled into the unconstrained input. No call may write its
// inputs (the README promises it; the fast paths copy and transpose into scratch memory).
import { describe, expect, it } from 'vitest';
import { type KernelInfo, kernels } from '../src/index.js';
import { seededRandom } from './helpers.js';

/** Losses whose float target is a ±1 label. */
const SIGN = new Set([
  'hinge',
  'squaredHinge',
  'softMargin',
  'hingeEmbedding',
  'cosineEmbedding',
  'marginRanking',
  'exponential',
]);
const SPECIALS = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e30,
  -1e30,
  0,
  -0,
  700,
  -700,
  40.5,
  -40.5,
  1e-30,
];

type Inputs = Record<string, { data: Float32Array | Int32Array; shape: number[] }>;

function makeInputs(
  info: KernelInfo,
  rows: number,
  cols: number,
  seed: number,
  withNaN: boolean,
): Inputs {
  const rnd = seededRandom(seed);
  const normal = () => {
    const u = Math.max(rnd(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  };
  // Without NaN the sums stay comparable (one NaN makes both sums NaN, whatever the paths did).
  const specials = withNaN ? SPECIALS : SPECIALS.filter((v) => !Number.isNaN(v));
  const out: Inputs = {};
  info.inputs.forEach((inp, k) => {
    const shape = inp.rank === 1 ? [rows] : inp.rank === 2 ? [rows, cols] : [rows * cols];
    const n = shape.reduce((a, b) => a * b, 1);
    if (inp.kind !== 'float') {
      out[inp.name] = {
        data: Int32Array.from({ length: rows }, () => Math.floor(rnd() * cols)),
        shape: [rows],
      };
      return;
    }
    const name = info.name;
    let f: () => number;
    if (k === 0 && name === 'binaryCrossEntropy')
      f = () =>
        rnd() < 0.003
          ? [0, 1, 2 ** -149, withNaN ? Number.NaN : 0.5][Math.floor(rnd() * 4)]
          : rnd();
    else if (k === 0)
      f = () => (rnd() < 0.003 ? specials[Math.floor(rnd() * specials.length)] : 3 * normal());
    else if (inp.name === 'var') f = () => 0.1 + 2 * rnd();
    else if (inp.name !== 'target') f = () => normal();
    else if (SIGN.has(name)) f = () => (rnd() < 0.5 ? -1 : 1);
    else if (name === 'contrastive') f = () => (rnd() < 0.5 ? 0 : 1);
    else if (
      name === 'binaryCrossEntropy' ||
      name === 'binaryCrossEntropyWithLogits' ||
      name === 'sigmoidFocal'
    )
      f = () => (rnd() < 0.02 ? rnd() : rnd() < 0.5 ? 0 : 1);
    else if (name === 'klDiv') f = () => 0.2 * rnd();
    else if (name === 'poissonNll') f = () => Math.floor(6 * rnd());
    else f = () => normal();
    out[inp.name] = { data: Float32Array.from({ length: n }, f), shape };
  });
  return out;
}

function widen(inputs: Inputs): Inputs {
  const out: Inputs = {};
  for (const [k, v] of Object.entries(inputs)) {
    out[k] =
      v.data instanceof Float32Array
        ? { data: Float64Array.from(v.data) as never, shape: v.shape }
        : v;
  }
  return out;
}

type Outcome = { ok: true; value: unknown } | { ok: false; message: string };
function attempt(f: () => unknown): Outcome {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

/** Same NaN and ±∞ positions; finite values within `rel` of the larger finite magnitude. */
function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, rel: number, what: string): void {
  expect(a.length, what).toBe(b.length);
  let scale = 0;
  for (let i = 0; i < b.length; i++)
    if (Number.isFinite(b[i])) scale = Math.max(scale, Math.abs(b[i]));
  const tol = rel * scale + 1e-300;
  const off: string[] = [];
  for (let i = 0; i < b.length && off.length < 5; i++) {
    const x = a[i];
    const y = b[i];
    const same = Number.isFinite(y) ? Math.abs(x - y) <= tol : Object.is(x, y);
    if (!same) off.push(`[${i}] ${x} vs ${y}`);
  }
  expect(off, what).toEqual([]);
}

/** The bytes of every input, to compare after the calls. */
function bytesOf(inputs: Inputs): Buffer[] {
  return Object.values(inputs).map((v) =>
    Buffer.from(v.data.buffer.slice(v.data.byteOffset, v.data.byteOffset + v.data.byteLength)),
  );
}

const SHAPES: [number, number][] = [
  [2003, 10],
  [9, 1030],
];

describe('Float32Array fast paths agree with the Float64Array loops', () => {
  for (const [name, info] of Object.entries(kernels)) {
    it(name, () => {
      for (const [[r, c], withNaN] of SHAPES.flatMap((sh) => [
        [sh, false] as const,
        [sh, true] as const,
      ])) {
        const rows = info.inputs.every((i) => i.rank !== 2) ? r * c : r;
        const cols = info.inputs.every((i) => i.rank !== 2) ? 1 : c;
        const f32 = makeInputs(info, rows, cols, rows * 7 + cols, withNaN);
        const f64 = widen(f32);
        const what = `${name} ${rows}x${cols}${withNaN ? ' with NaN' : ''}`;
        const before = [...bytesOf(f32), ...bytesOf(f64)];
        const none32 = attempt(() => info.compute(f32, { reduction: 'none' }).value);
        const none64 = attempt(() => info.compute(f64, { reduction: 'none' }).value);
        // The data are valid for every kernel: both calls must compute (else nothing is compared).
        if (!none64.ok || !none32.ok)
          throw new Error(`${what}: ${JSON.stringify([none32, none64])}`);
        const terms = none64.value as Float64Array;
        expectClose(none32.value as Float64Array, terms, 1e-12, `${what} 'none'`);
        const sum32 = info.compute(f32, { reduction: 'sum' }).value as number;
        const sum64 = info.compute(f64, { reduction: 'sum' }).value as number;
        let abs = 0;
        for (const t of terms) abs += Math.abs(t);
        if (Number.isFinite(sum64))
          expect(Math.abs(sum32 - sum64), `${what} sum`).toBeLessThanOrEqual(1e-12 * abs + 1e-300);
        else expect(sum32, `${what} sum`).toBe(sum64);
        if (info.gradient !== undefined) {
          const g32 = info.gradient(f32, { reduction: 'mean' });
          const g64 = info.gradient(f64, { reduction: 'mean' });
          expect(Object.keys(g32).sort(), what).toEqual(Object.keys(g64).sort());
          for (const k of Object.keys(g64)) {
            expectClose(
              g32[k] as Float64Array,
              g64[k] as Float64Array,
              1e-12,
              `${what} gradient ${k}`,
            );
          }
        }
        const after = [...bytesOf(f32), ...bytesOf(f64)];
        expect(
          after.map((b, k) => b.equals(before[k])),
          `${what}: inputs unchanged`,
        ).toEqual(before.map(() => true));
      }
    });
  }
});
