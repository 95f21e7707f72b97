import { describe, expect, it } from 'vitest';
import { runSoak } from './runSoak.js';

describe('soak (short)', () => {
  it('a fast writer with rotation every second: every value shown exactly once, no problems', async () => {
    const r = await runSoak({
      seconds: 5,
      linesPerSecond: 500,
      recordsPerSecond: 200,
      batchesPerSecond: 20,
      rotateEverySeconds: 1,
      clients: 2,
      fromSource: true,
    });
    expect(r.rotations).toBeGreaterThanOrEqual(3);
    expect(r.written).toBeGreaterThan(5000);
    expect([r.missing, r.duplicates, r.unknown]).toEqual([0, 0, 0]);
    expect(r.problems).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.clients.every((c) => !c.endedEarly && c.bytes > 0)).toBe(true);
    expect(r.ok).toBe(true);
  }, 120_000);
});
