import { LossOptionError } from '@losskit/core';

/**
 * A positive integer option (`window.rows`, `chunkSize`, `pollMs`, …) of the function `fn`:
 * the value, or undefined when absent; anything else, or a value above `max`, is a
 * LossOptionError naming the function and the option (thrown where the option is read, e.g.
 * when an IPC source is created: a chunk size of 0 would otherwise read nothing and end the
 * stream empty).
 */
export function countOption(
  fn: string,
  name: string,
  v: unknown,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    const expected =
      max === Number.MAX_SAFE_INTEGER ? 'a positive integer' : `an integer from 1 to ${max}`;
    throw new LossOptionError(
      fn,
      name,
      `option ${name} = ${String(v)} is invalid; expected ${expected}`,
    );
  }
  return v;
}
