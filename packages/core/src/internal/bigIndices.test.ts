import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bigIndicesToFloat64, bigIndicesToNumbers, LABEL_SCRATCH_MAX } from './bigIndices.js';

function expectNumberOfEach(data: BigInt64Array | BigUint64Array): void {
  // the float64 labels of the ±1 and 0/1 targets: Number(x) for every x, always a Float64Array
  const floats = bigIndicesToFloat64(data);
  expect(floats).toBeInstanceOf(Float64Array);
  expect(floats.length).toBe(data.length);
  for (let i = 0; i < data.length; i++) {
    if (!Object.is(floats[i], Number(data[i]))) {
      throw new Error(`float64 element ${i}: ${data[i]} gave ${floats[i]}`);
    }
  }
  const got = bigIndicesToNumbers(data);
  // an Int32Array exactly when every value fits in int32 (the kernels' fast label loops)
  let fits = true;
  for (const v of data) fits &&= v >= -(2n ** 31n) && v < 2n ** 31n;
  expect(got).toBeInstanceOf(fits ? Int32Array : Float64Array);
  expect(got.length).toBe(data.length);
  for (let i = 0; i < data.length; i++) {
    if (!Object.is(got[i], Number(data[i]))) {
      throw new Error(`element ${i}: ${data[i]} gave ${got[i]}, Number() gives ${Number(data[i])}`);
    }
  }
}

describe('bigIndicesToNumbers and bigIndicesToFloat64', () => {
  // Words around the sign, the 32-bit halves and 2⁵³ (where the sum must round as Number() does,
  // ties to even), and the ends of both ranges.
  const edges = [
    0n,
    1n,
    -1n,
    -100n,
    9n,
    2n ** 31n - 1n,
    2n ** 31n,
    -(2n ** 31n),
    2n ** 32n - 1n,
    2n ** 32n,
    2n ** 32n + 3n,
    -(2n ** 32n) - 3n,
    2n ** 53n - 1n,
    2n ** 53n,
    2n ** 53n + 1n,
    2n ** 53n + 3n,
    2n ** 54n + 2n,
    2n ** 54n + 6n,
    -(2n ** 53n) - 1n,
    2n ** 63n - 1n,
    -(2n ** 63n),
    2n ** 63n - 2n ** 10n,
    -(2n ** 62n) - 2n ** 9n,
  ];

  it('gives Number(x) bit for bit for signed words at the edges', () => {
    expectNumberOfEach(BigInt64Array.from(edges));
  });

  it('gives Number(x) bit for bit for unsigned words at the edges', () => {
    const u = edges.map((v) => BigInt.asUintN(64, v));
    u.push(2n ** 64n - 1n, 2n ** 63n, 2n ** 63n + 1n, 2n ** 64n - 2n ** 11n);
    expectNumberOfEach(BigUint64Array.from(u));
  });

  it('gives an Int32Array for class indices, and a Float64Array once one value does not fit', () => {
    const labels = [3n, 0n, -100n, 9n, 2n ** 31n - 1n, -(2n ** 31n)];
    expectNumberOfEach(BigInt64Array.from(labels));
    for (const wide of [2n ** 31n, -(2n ** 31n) - 1n, 2n ** 32n + 3n, -(2n ** 32n)]) {
      expectNumberOfEach(BigInt64Array.from([...labels, wide, 1n]));
      expectNumberOfEach(BigUint64Array.from([3n, 0n, 9n, BigInt.asUintN(64, wide), 1n]));
    }
    expectNumberOfEach(BigUint64Array.from([3n, 2n ** 31n - 1n]));
  });

  it('gives Number(x) for any 64-bit words, also from views into a larger buffer', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
            fc.bigInt({ min: -(2n ** 32n), max: 2n ** 32n }),
            fc.bigInt({ min: -200n, max: 200n }),
          ),
          { maxLength: 40 },
        ),
        fc.nat(5),
        (values, skip) => {
          const signed = BigInt64Array.from(values);
          expectNumberOfEach(signed);
          expectNumberOfEach(signed.subarray(Math.min(skip, signed.length)));
          const unsigned = BigUint64Array.from(values.map((v) => BigInt.asUintN(64, v)));
          expectNumberOfEach(unsigned.subarray(Math.min(skip, unsigned.length)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('bigIndicesToNumbers into the reused buffer', () => {
  it('gives each call its own values, whatever the lengths before it', () => {
    // lengths that grow the buffer, fit inside it, and cross the power of two it rounds to
    const lengths = [5, 3, 1000, 1, 1024, 1025, 0, 4096, 7];
    lengths.forEach((n, k) => {
      const data = BigInt64Array.from({ length: n }, (_, i) => BigInt(((i * 7 + k) % 21) - 10));
      expectNumberOfEach(data);
    });
  });

  it('converts past the cap into a fresh array', () => {
    const n = LABEL_SCRATCH_MAX + 3;
    const data = new BigInt64Array(n);
    data[0] = 5n;
    data[n - 1] = -7n;
    const got = bigIndicesToNumbers(data);
    expect([got.length, got[0], got[1], got[n - 1]]).toEqual([n, 5, 0, -7]);
    // a smaller conversion afterwards does not touch it
    expectNumberOfEach(BigInt64Array.from([9n, 8n]));
    expect([got[0], got[n - 1]]).toEqual([5, -7]);
  });
});
