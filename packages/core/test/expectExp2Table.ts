import { expect } from 'vitest';

/**
 * Checks a kernel's exp table (wasmSimd.ts's fillExp2Table, as the module holds it): 256 entries,
 * T[0] = 1, and every T[i] within 1 ulp of 2^(i/256), in exact integer arithmetic: with T[i] =
 * m·2⁻⁵² (m an integer, which T[i] ∈ [1, 2) makes it), (m − 1)²⁵⁶ < 2^(i + 52·256) < (m + 1)²⁵⁶.
 */
export function expectExp2Table(t: Float64Array): void {
  expect(t).toHaveLength(256);
  expect(t[0]).toBe(1);
  for (let i = 0; i < 256; i++) {
    const mant = BigInt(t[i] * 2 ** 52);
    expect(Number(mant)).toBe(t[i] * 2 ** 52);
    const target = 1n << BigInt(i + 52 * 256);
    expect((mant - 1n) ** 256n < target && target < (mant + 1n) ** 256n).toBe(true);
  }
}
