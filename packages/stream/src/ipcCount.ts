import { LossOptionError } from '@losskit/core';

/**
 * A positive integer option of the IPC sources (`chunkSize`, `pollMs`), or its default when
 * absent; anything else is a LossOptionError naming the function and the option, thrown when the
 * source is created (a chunk size of 0 would otherwise read nothing and end the stream empty).
 */
export function ipcCount(fn: string, name: string, v: unknown, def: number, max: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw new LossOptionError(
      fn,
      name,
      `option ${name} = ${String(v)} is invalid; expected an integer from 1 to ${max}`,
    );
  }
  return v;
}
