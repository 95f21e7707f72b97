import { LossOptionError } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { countOption } from './countOption.js';

describe('countOption', () => {
  it('passes an integer from 1 to max through, and undefined (absent) as undefined', () => {
    expect(countOption('f', 'n', 1, 10)).toBe(1);
    expect(countOption('f', 'n', 10, 10)).toBe(10);
    expect(countOption('f', 'n', undefined, 10)).toBeUndefined();
    expect(countOption('f', 'n', 2 ** 40)).toBe(2 ** 40); // no max: any positive integer
  });

  it('rejects anything else with a LossOptionError naming the function and the option', () => {
    for (const v of [0, -1, 11, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '3', null, {}]) {
      let err: unknown;
      try {
        countOption('fromArrowIPC', 'chunkSize', v, 10);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LossOptionError);
      expect(err).toMatchObject({ fn: 'fromArrowIPC', arg: 'chunkSize' });
      expect((err as Error).message).toContain('expected an integer from 1 to 10');
    }
  });
});
