import { crossEntropy, crossEntropyGrad, mse, mseGrad } from '@losskit/core';

const R = 1_000_000,
  C = 10,
  N = 10_000_000;
const x = new Float32Array(R * C);
for (let i = 0; i < x.length; i++) x[i] = (Math.random() * 2 - 1) * 4;
const y = new Int32Array(R);
for (let i = 0; i < R; i++) y[i] = Math.floor(Math.random() * C);
const a = new Float32Array(N),
  b = new Float32Array(N);
for (let i = 0; i < N; i++) {
  a[i] = Math.random();
  b[i] = Math.random();
}
const out = { input: new Float64Array(R * C) },
  out2 = { input: new Float64Array(N) };
const cases: [string, () => unknown][] = [
  ['ce', () => crossEntropy({ data: x, shape: [R, C] }, y)],
  ['ceGrad', () => crossEntropyGrad({ data: x, shape: [R, C] }, y, { out })],
  ['mse', () => mse(a, b)],
  ['mseGrad', () => mseGrad(a, b, { out: out2 })],
];
for (const [name, f] of cases) {
  const w: number[] = [],
    c: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t = performance.now();
    const u = process.cpuUsage();
    f();
    const du = process.cpuUsage(u);
    w.push(performance.now() - t);
    c.push((du.user + du.system) / 1000);
  }
  w.sort((p, q) => p - q);
  c.sort((p, q) => p - q);
  console.log(
    name,
    'wall',
    w[3].toFixed(1),
    'min',
    w[0].toFixed(1),
    'cpu',
    c[3].toFixed(1),
    'min',
    c[0].toFixed(1),
  );
}
