import { expect } from 'vitest';

/**
 * Checks a kernel's exp table (wasmSimd.ts's fillExp2Table, as the module holds it): `size`
 * entries (256 unless said), T[0] = 1, and every T[i] within 1 ulp of 2^(i/size), in exact
 * integer arithmetic: with T[i] = m·2⁻⁵² (m an integer, which T[i] ∈ [1, 2) makes it),
 * (m − 1)^size < 2^(i + 52·size) < (m + 1)^size.
 */
export function expectExp2Table(t: Float64Array, size = 256): void {
  expect(t).toHaveLength(size);
  expect(t[0]).toBe(1);
  const n = BigInt(size);
  for (let i = 0; i < size; i++) {
    const mant = BigInt(t[i] * 2 ** 52);
    expect(Number(mant)).toBe(t[i] * 2 ** 52);
    const target = 1n << BigInt(i + 52 * size);
    expect((mant - 1n) ** n < target && target < (mant + 1n) ** n).toBe(true);
  }
}
