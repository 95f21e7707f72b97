// Synthetic training runs for the screenshots: three learning rates (the largest diverges and
// logs a NaN), validation every 100 steps, accuracy, and an Arrow loss with rows per batch.
import type { MonitorEvent } from '../src/events.js';

/** A small deterministic PRNG (mulberry32), so the screenshots are the same every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function demoEvents(steps = 4000): MonitorEvent[] {
  const events: MonitorEvent[] = [];
  const t0 = 1_764_300_000;
  const runs = [
    { path: 'runs/lr-3e-4/metrics.csv', speed: 900, floor: 0.32, blowUp: Number.POSITIVE_INFINITY },
    { path: 'runs/lr-1e-3/metrics.csv', speed: 450, floor: 0.27, blowUp: Number.POSITIVE_INFINITY },
    { path: 'runs/lr-1e-2/metrics.csv', speed: 200, floor: 0.35, blowUp: 2600 },
  ];
  runs.forEach((run, r) => {
    const rand = rng(17 + r);
    events.push({ type: 'source', path: run.path, format: 'csv' });
    let ema = 0;
    for (let step = 0; step < steps; step++) {
      const wallTime = t0 + r * 40 + step * (0.45 + 0.05 * r);
      const noise = (rand() - 0.5) * 0.35 * Math.exp(-step / 3000) + (rand() < 0.002 ? 1.2 : 0);
      let loss = 2.3 * Math.exp(-step / run.speed) + run.floor + noise;
      if (step > run.blowUp) loss += ((step - run.blowUp) / 300) ** 2;
      if (step === run.blowUp + 700) loss = Number.NaN;
      const point = (series: string, value: number) =>
        events.push({
          type: 'point',
          point: { path: run.path, format: 'csv', series, step, value, wallTime },
        });
      point('train_loss', loss);
      if (Number.isFinite(loss)) ema = step === 0 ? loss : 0.97 * ema + 0.03 * loss;
      if (step % 100 === 99) {
        point('val_loss', ema + 0.05 + (rand() - 0.5) * 0.04);
        point('val_accuracy', Math.min(0.99, Math.max(0, 1 - ema / 2.6 + (rand() - 0.5) * 0.02)));
      }
      point('lr', (r === 0 ? 3e-4 : r === 1 ? 1e-3 : 1e-2) * Math.min(1, (step + 1) / 500));
    }
  });
  const arrow = 'demo/outputs.arrow';
  events.push({ type: 'source', path: arrow, format: 'arrow' });
  const rand = rng(99);
  let sum = 0;
  let rows = 0;
  for (let batch = 0; batch < 1500; batch++) {
    const value = 1.9 * Math.exp(-batch / 400) + 0.4 + (rand() - 0.5) * 0.2;
    sum += value * 64;
    rows += 64;
    events.push({
      type: 'point',
      point: {
        path: arrow,
        format: 'arrow',
        series: 'crossEntropy',
        step: batch,
        value,
        wallTime: t0 + batch * 0.1,
        rows: 64,
        runningMean: sum / rows,
      },
    });
  }
  events.push({
    type: 'problem',
    problem: {
      path: 'runs/lr-1e-2/metrics.csv',
      where: 'line 3301',
      message: 'row has 5 fields, header has 6: skipped',
    },
  });
  return events;
}
