// No kernel may grow a WebAssembly memory: growing detaches the memory's old ArrayBuffer, and
// once any ArrayBuffer in a process has been detached V8 checks every typed-array access for it,
// so every JavaScript loop in the process runs slower from then on (measured: mse +19%, l1 +33%,
// mseGrad +46%). Kernels that need more memory take a new instance instead (wasmSimd.ts). This
// runs the kernels whose memory depends on the row width, on narrow, wide and very wide rows,
// with WebAssembly.Memory's grow replaced by a counter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernels } from '../src/index.js';

const proto = (
  globalThis as unknown as { WebAssembly: { Memory: { prototype: { grow: unknown } } } }
).WebAssembly.Memory.prototype;
const realGrow = proto.grow as (this: unknown, pages: number) => number;
let grows = 0;
beforeAll(() => {
  proto.grow = function (this: unknown, pages: number) {
    grows += 1;
    return realGrow.call(this, pages);
  };
});
afterAll(() => {
  proto.grow = realGrow;
});

describe('WebAssembly kernels', () => {
  it('never grow their memory, whatever the row width', () => {
    for (const cols of [10, 5000, 140_001]) {
      const rows = cols > 10_000 ? 3 : 200;
      const logits = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i) * 3);
      const teacher = Float32Array.from({ length: rows * cols }, (_, i) => Math.cos(i) * 2);
      const labels = Int32Array.from({ length: rows }, (_, r) => (r * 7) % cols);
      const input = { data: logits, shape: [rows, cols] };
      for (const name of ['crossEntropy', 'softmaxFocal']) {
        const info = kernels[name];
        expect(Number.isFinite(info.compute({ input, target: labels }, {}).value as number)).toBe(
          true,
        );
        info.gradient?.({ input, target: labels }, {});
      }
      const d = kernels.distillation;
      const pair = { student: input, teacher: { data: teacher, shape: [rows, cols] } };
      expect(Number.isFinite(d.compute(pair, {}).value as number)).toBe(true);
      d.gradient?.(pair, {});
    }
    expect(grows).toBe(0);
  });

  it('never grow their memory in the element-wise kernels (exponential, poissonNll), any length', () => {
    for (const n of [5000, 16_385, 140_001]) {
      const input = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 3);
      const signs = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : 1));
      const counts = Float32Array.from({ length: n }, (_, i) => i % 5);
      for (const [name, target] of [
        ['exponential', signs],
        ['poissonNll', counts],
      ] as const) {
        const info = kernels[name];
        const args = { input: { data: input, shape: [n] }, target: { data: target, shape: [n] } };
        for (const reduction of ['mean', 'sum'] as const)
          expect(Number.isFinite(info.compute(args, { reduction }).value as number)).toBe(true);
        info.gradient?.(args, {});
      }
    }
    expect(grows).toBe(0);
  });
});
