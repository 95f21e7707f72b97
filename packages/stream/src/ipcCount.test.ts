import { LossOptionError } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { ipcCount } from './ipcCount.js';

describe('ipcCount', () => {
  it('passes an integer from 1 to max through, and gives the default when absent', () => {
    expect(ipcCount('f', 'n', 1, 7, 10)).toBe(1);
    expect(ipcCount('f', 'n', 10, 7, 10)).toBe(10);
    expect(ipcCount('f', 'n', undefined, 7, 10)).toBe(7);
  });

  it('rejects anything else with a LossOptionError naming the function and the option', () => {
    for (const v of [0, -1, 11, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '3', null, {}]) {
      let err: unknown;
      try {
        ipcCount('fromArrowIPC', 'chunkSize', v, 7, 10);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LossOptionError);
      expect(err).toMatchObject({ fn: 'fromArrowIPC', arg: 'chunkSize' });
      expect((err as Error).message).toContain('expected an integer from 1 to 10');
    }
  });
});
