import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { FALLBACK_SEED, propertySeed } from '../../../scripts/propertySeed.js';

describe('propertySeed (the seed of every property test in a run)', () => {
  it('reaches fast-check in this worker', () => {
    expect(fc.readConfigureGlobal().seed).toBe(inject('propertySeed'));
  });

  it('is the first 32 bits of the commit under test', () => {
    const head = execFileSync('git', ['log', '-1', '--format=%H'], { encoding: 'utf8' }).trim();
    const { seed, source } = propertySeed({});
    expect(source).toBe('commit');
    // the 8 hex digits as an unsigned integer, read back from the signed 32-bit seed
    expect((seed >>> 0).toString(16).padStart(8, '0')).toBe(head.slice(0, 8));
  });

  it('takes LOSSKIT_SEED when it is an integer, and draws one for "random"', () => {
    expect(propertySeed({ LOSSKIT_SEED: ' 42 ' })).toEqual({ seed: 42, source: 'env' });
    expect(propertySeed({ LOSSKIT_SEED: '-7' })).toEqual({ seed: -7, source: 'env' });
    const drawn = new Set(
      Array.from({ length: 8 }, () => propertySeed({ LOSSKIT_SEED: 'random' }).seed),
    );
    expect(drawn.size).toBeGreaterThan(1);
    for (const s of drawn) expect(Number.isInteger(s) && s === (s | 0)).toBe(true);
  });

  it('names the variable and the value it cannot read', () => {
    expect(() => propertySeed({ LOSSKIT_SEED: '0x1g' })).toThrow(
      /^propertySeed: LOSSKIT_SEED = '0x1g' is not an integer or 'random'$/,
    );
    expect(() => propertySeed({ LOSSKIT_SEED: '1.5' })).toThrow(TypeError);
  });

  it('falls back to a fixed seed outside a git repository', () => {
    const dir = mkdtempSync(join(tmpdir(), 'losskit-seed-'));
    try {
      expect(propertySeed({}, dir)).toEqual({ seed: FALLBACK_SEED, source: 'fallback' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
