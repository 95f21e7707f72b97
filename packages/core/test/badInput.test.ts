// Issue 7: every exported kernel, fed arbitrary inputs — wrong lengths and shapes, empty arrays,
// NaN, ±Infinity, −0, 1e308, class indices out of range or fractional, wrong array types,
// `undefined` and strings where arrays belong, invalid options — either returns a well-formed
// result or throws one of the library's typed errors. Never another exception, never a hang.
// CI runs LOSSKIT_FUZZ_RUNS (default 150) cases per kernel; `pnpm fuzz` runs many more.
import { type InputInfo, kernels, LossError } from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const RUNS = Number(process.env.LOSSKIT_FUZZ_RUNS ?? 150);

const nasty = fc.constantFrom(
  0,
  -0,
  1,
  -1,
  0.5,
  2,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1e308,
  -1e308,
  5e-324,
  1e4,
  -1e4,
  800,
  -800,
);
const value = fc.oneof(nasty, fc.double());
const garbage = fc.constantFrom<unknown>(
  undefined,
  null,
  'abc',
  '',
  42,
  true,
  {},
  [],
  ['a', 'b'],
  [1, 'x'],
  () => 1,
  Symbol.for('x'),
  new Map(),
);

/** A float array of `n` values in one of the accepted containers (or a wrong one). */
function floatData(n: number): fc.Arbitrary<unknown> {
  return fc
    .array(value, { minLength: n, maxLength: n })
    .chain((vals) =>
      fc.constantFrom<unknown>(
        Float32Array.from(vals),
        Float64Array.from(vals),
        vals,
        Int32Array.from(vals.map((v) => (Number.isFinite(v) ? Math.trunc(v) % 1000 : 0))),
        BigInt64Array.from(vals.map((v) => BigInt(Number.isFinite(v) ? Math.trunc(v) % 1000 : 0))),
      ),
    );
}

function indexData(n: number, classes: number): fc.Arbitrary<unknown> {
  const idx = fc.oneof(
    fc.integer({ min: 0, max: Math.max(0, classes - 1) }),
    fc.constantFrom(-100, -1, classes, 2 ** 31 - 1),
    fc.constantFrom(0.5, Number.NaN, 1e308),
  );
  return fc
    .array(idx, { minLength: n, maxLength: n })
    .chain((vals) =>
      fc.constantFrom<unknown>(
        vals,
        Int32Array.from(vals.map((v) => (Number.isFinite(v) ? v : 0))),
        Uint8Array.from(vals.map((v) => (Number.isFinite(v) ? v : 0))),
        BigInt64Array.from(vals.map((v) => BigInt(Number.isFinite(v) ? Math.trunc(v) : 0))),
        Float32Array.from(vals),
      ),
    );
}

/** One input: mostly well-shaped `[rows, cols]` data, sometimes off by one, empty or garbage. */
function inputArb(info: InputInfo, rows: number, cols: number): fc.Arbitrary<unknown> {
  const n = info.rank === 1 ? rows : rows * cols;
  const shape = info.rank === 1 ? [rows] : [rows, cols];
  const data =
    info.kind === 'index'
      ? indexData(n, cols)
      : info.kind === 'float-or-index'
        ? fc.oneof(indexData(rows, cols), floatData(n))
        : floatData(n);
  return fc.oneof(
    {
      weight: 6,
      arbitrary: data.map((d) => ({
        data: d,
        shape: (d as ArrayLike<unknown>)?.length === rows ? [rows] : shape,
      })),
    },
    { weight: 3, arbitrary: data },
    { weight: 1, arbitrary: floatData(Math.max(0, n - 1)) },
    { weight: 1, arbitrary: floatData(0) },
    { weight: 1, arbitrary: data.map((d) => ({ data: d, shape: [rows + 1, cols] })) },
    { weight: 1, arbitrary: data.map((d) => ({ data: d, shape: ['x', -1] })) },
    { weight: 1, arbitrary: garbage },
  );
}

const OPTION_NAMES = [
  'weight',
  'ignoreIndex',
  'labelSmoothing',
  'posWeight',
  'alpha',
  'gamma',
  'logTarget',
  'temperature',
  'margin',
  'p',
  'eps',
  'swap',
  'beta',
  'delta',
  'logInput',
  'full',
  'symmetric',
  'k',
  'reduction',
  'out',
];

function optionValue(name: string, cols: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    value,
    garbage,
    fc.constantFrom('mean', 'sum', 'none', 'batchmean', 'avg'),
    fc.boolean(),
    fc.integer({ min: -3, max: cols + 2 }),
    floatData(cols),
    floatData(cols + 1),
    fc.constant(name === 'out' ? new Float64Array(1) : new Float64Array(cols)),
  );
}

function optionsArb(cols: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .dictionary(fc.constantFrom(...OPTION_NAMES), fc.constant(null))
        .chain((d) =>
          fc.record(Object.fromEntries(Object.keys(d).map((k) => [k, optionValue(k, cols)]))),
        ),
    },
    { weight: 1, arbitrary: garbage },
  );
}

function checkOutcome(name: string, run: () => unknown): void {
  let result: unknown;
  try {
    result = run();
  } catch (err) {
    if (!(err instanceof LossError))
      throw new Error(
        `${name} threw a non-LossError: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`,
      );
    expect(err.message.startsWith(`${err.fn}: `)).toBe(true);
    expect(err.fn.startsWith(name)).toBe(true);
    return;
  }
  expect(result).toBeTypeOf('object');
}

describe.each(Object.keys(kernels))('%s under arbitrary input', (name) => {
  const k = kernels[name];
  it('returns a result or throws a typed LossError', () => {
    fc.assert(
      fc.property(
        fc
          .record({ rows: fc.integer({ min: 0, max: 5 }), cols: fc.integer({ min: 1, max: 4 }) })
          .chain(({ rows, cols }) =>
            fc.tuple(
              fc.record(Object.fromEntries(k.inputs.map((i) => [i.name, inputArb(i, rows, cols)]))),
              optionsArb(cols),
            ),
          ),
        ([inputs, options]) => {
          checkOutcome(name, () => k.compute(inputs, options as object));
          if (k.gradient) checkOutcome(name, () => k.gradient!(inputs, options as object));
        },
      ),
      { numRuns: RUNS },
    );
  });
});
