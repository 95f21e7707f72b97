import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NativeLoop } from '../src/nativeLoop.js';

const dir = mkdtempSync(path.join(tmpdir(), 'losskit-native-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, data: Float32Array): string {
  const f = path.join(dir, `${name}.bin`);
  writeFileSync(f, new Uint8Array(data.buffer));
  return f;
}

describe('NativeLoop (the bandwidth yardstick, compiled with the machine’s C compiler)', () => {
  const loop = NativeLoop.compile(dir);

  it('compiles here (scripts/ensure-system.mjs installs a compiler for the tests)', () => {
    expect(loop).toBeInstanceOf(NativeLoop);
  });

  it('reads the files it is given: the mean of (x − y)² and of |x − y|, with its timings', () => {
    const n = 100_003;
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 3);
    const y = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.7));
    let sq = 0;
    let abs = 0;
    for (let i = 0; i < n; i++) {
      const d = x[i] - y[i];
      sq += d * d;
      abs += Math.abs(d);
    }
    const fx = file('x', x);
    const fy = file('y', y);
    const o = { reps: 3, minMs: 0, budgetMs: 5000 };
    const a = (loop as NativeLoop).run('sq', fx, fy, o);
    const b = (loop as NativeLoop).run('abs', fx, fy, o);
    if (typeof a === 'string' || typeof b === 'string') throw new Error(`${a} ${b}`);
    // float32 lanes: the sums agree to float32 precision, not to the last bit
    expect(Math.abs(a.value - sq / n)).toBeLessThan(1e-4 * (sq / n));
    expect(Math.abs(b.value - abs / n)).toBeLessThan(1e-4 * (abs / n));
    expect(a.timing.times).toHaveLength(3);
    for (const t of a.timing.times) expect(t).toBeGreaterThan(0);
  });

  it('says why when a file cannot be read or the lengths differ', () => {
    const fx = file('a', Float32Array.of(1, 2, 3));
    const fy = file('b', Float32Array.of(1, 2));
    const o = { reps: 1, minMs: 0, budgetMs: 1000 };
    expect((loop as NativeLoop).run('sq', path.join(dir, 'none.bin'), fx, o)).toMatch(
      /cannot read: .*none\.bin/,
    );
    expect((loop as NativeLoop).run('sq', fx, fy, o)).toMatch(/differ in length/);
  });

  it('is skipped, with the reason, where the compiler is missing or fails', () => {
    const r = NativeLoop.compile(dir, path.join(dir, 'no-such-cc'));
    expect(r).toEqual({ skipped: expect.stringMatching(/cannot run .*no-such-cc/) });
    expect(NativeLoop.compile(dir, '/bin/false')).toEqual({
      skipped: '/bin/false -O3 -march=native -ffast-math failed (exit 1)',
    });
  });
});
