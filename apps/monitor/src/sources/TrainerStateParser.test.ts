import { describe, expect, it } from 'vitest';
import { trainerState } from '../../test/logWriters.js';
import { TrainerStateParser } from './TrainerStateParser.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('TrainerStateParser', () => {
  const h: Record<string, number>[] = [
    { epoch: 0.1, grad_norm: 3, learning_rate: 5e-5, loss: 2.5, step: 10 },
    { epoch: 0.2, grad_norm: Number.NaN, learning_rate: 4e-5, loss: 2.1, step: 20 },
    { epoch: 0.2, eval_loss: 2.2, step: 20 },
  ];

  it('reads log_history; rewritten at a checkpoint, only new entries come out', () => {
    const p = new TrainerStateParser();
    const first = p.read(enc(trainerState(h.slice(0, 2))));
    expect(first.samples.filter((s) => s.series === 'loss').map((s) => [s.step, s.value])).toEqual([
      [10, 2.5],
      [20, 2.1],
    ]);
    expect(first.samples.find((s) => s.series === 'grad_norm' && s.step === 20)?.value).toBeNaN();
    const second = p.read(enc(trainerState(h)));
    expect(second.samples.map((s) => [s.series, s.step, s.value])).toEqual([
      ['epoch', 20, 0.2],
      ['eval_loss', 20, 2.2],
    ]);
  });

  it('a half-written file is reported once, then read when complete', () => {
    const p = new TrainerStateParser();
    p.read(enc(trainerState(h.slice(0, 1))));
    const full = trainerState(h);
    const half = enc(full.slice(0, full.length / 2));
    const a = p.read(half);
    const b = p.read(half);
    expect(a.problems).toHaveLength(1);
    expect(a.samples).toEqual([]);
    expect(b.problems).toEqual([]);
    const c = p.read(enc(full));
    expect(c.problems).toEqual([]);
    expect(c.samples.filter((s) => s.series === 'loss').map((s) => s.step)).toEqual([20]);
  });
});
