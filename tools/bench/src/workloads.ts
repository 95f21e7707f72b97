import type { Tensor } from '@tensorflow/tfjs-core';
import type { Rng } from './rng.js';
import type { Tf } from './tfjsPeer.js';

/** One input array of a workload, row-major, with its shape. */
export interface Input {
  /** BigInt64Array: int64 class labels, as PyTorch and Arrow's Int64 columns hold them. */
  data: Float32Array | Int32Array | BigInt64Array;
  shape: number[];
}
export type Inputs = Record<string, Input>;

/** A benchmark case: one kernel (or gradient) on seeded data, run by every peer that has it. */
export interface Workload {
  /** Shown in the table and the JSON, e.g. `crossEntropy 1000000x10`. */
  name: string;
  /** The losskit kernel (a key of `kernels`), also the PyTorch worker's loss name. */
  kernel: string;
  /** Time the gradient (losskit `…Grad`, PyTorch's backward, TF.js `tf.grad`) instead. */
  grad: boolean;
  /** Options for losskit and the PyTorch worker. */
  options: Record<string, unknown>;
  /** Whether the GB/s column applies (element-wise, memory-bound kernels). */
  memoryBound: boolean;
  /** Builds the inputs (names as losskit's KernelInfo and the PyTorch worker use them). */
  make(rng: Rng): Inputs;
  /**
   * The TF.js peer, when TF.js has the loss: builds its tensors (untimed) and returns the timed
   * call, which returns the loss (or gradient) tensor.
   */
  tfjs?: (tf: Tf, inputs: Inputs) => () => Tensor;
}

/** Bytes of input a workload reads per call. */
export function inputBytes(inputs: Inputs): number {
  let b = 0;
  for (const v of Object.values(inputs)) b += v.data.byteLength;
  return b;
}

/** `--only a,b`: whether a workload's name contains any of the comma-separated texts. */
export function matchesOnly(name: string, only: string | undefined): boolean {
  return only === undefined || only.split(',').some((s) => s !== '' && name.includes(s));
}

const pair = (rng: Rng, n: number): Inputs => ({
  input: { data: rng.normal(n), shape: [n] },
  target: { data: rng.normal(n), shape: [n] },
});

const logits = (rng: Rng, n: number, c: number): Inputs => ({
  input: { data: rng.normal(n * c, 2), shape: [n, c] },
  target: { data: rng.labels(n, c), shape: [n] },
});

/** The same, with the class labels as int64 (BigInt64Array), PyTorch's own label type. */
const logitsInt64 = (rng: Rng, n: number, c: number): Inputs => {
  const a = logits(rng, n, c);
  return { ...a, target: { ...a.target, data: BigInt64Array.from(a.target.data, BigInt) } };
};

/** An input's data for TF.js, which has no int64 tensors (the int64 rows have no TF.js peer). */
function tfData(v: Input): Float32Array | Int32Array {
  if (v.data instanceof BigInt64Array) throw new Error('TF.js has no int64 tensors');
  return v.data;
}

const t2 = (tf: Tf, v: Input) => tf.tensor(tfData(v), v.shape, 'float32');

/** TF.js's softmax cross-entropy takes one-hot labels: built untimed. */
const tfSoftmaxCE = (tf: Tf, a: Inputs) => {
  const x = t2(tf, a.input);
  const [n, c] = a.input.shape;
  const y = tf.cast(
    tf.reshape(tf.oneHot(tf.tensor1d(tfData(a.target), 'int32'), c), [n, c]),
    'float32',
  );
  return { x, y };
};

/** The workloads of issue 6; `quick` shrinks every size for a CI-speed smoke run. */
export function workloads(quick: boolean): Workload[] {
  const N = quick ? 100_000 : 10_000_000; // element-wise
  const R = quick ? 10_000 : 1_000_000; // rows of [R, 10]
  const V = quick ? 64 : 4096; // rows of the vocabulary case
  const P = quick ? 2_000 : 100_000; // pairs of [P, 128]
  const Q = quick ? 256 : 4096; // InfoNCE batch
  const elementwise = (
    kernel: string,
    tfjs?: Workload['tfjs'],
    options: Record<string, unknown> = {},
    make: (rng: Rng) => Inputs = (rng) => pair(rng, N),
  ): Workload => ({
    name: `${kernel} ${N}`,
    kernel,
    grad: false,
    options,
    memoryBound: true,
    make,
    tfjs,
  });
  const signed = (rng: Rng): Inputs => ({
    input: { data: rng.normal(N), shape: [N] },
    target: { data: rng.binary(N, -1, 1), shape: [N] },
  });
  const binaryTargets = (rng: Rng): Inputs => ({
    input: { data: rng.normal(N, 3), shape: [N] },
    target: { data: rng.binary(N, 0, 1), shape: [N] },
  });
  const ce = (n: number, c: number): Workload => ({
    name: `crossEntropy ${n}x${c}`,
    kernel: 'crossEntropy',
    grad: false,
    options: {},
    memoryBound: false,
    make: (rng) => logits(rng, n, c),
    tfjs: (tf, a) => {
      const { x, y } = tfSoftmaxCE(tf, a);
      return () => tf.losses.softmaxCrossEntropy(y, x);
    },
  });
  const int64Row = (kernel: string): Workload => ({
    name: `${kernel} int64 ${R}x10`,
    kernel,
    grad: false,
    options: {},
    memoryBound: false,
    make: (rng) => logitsInt64(rng, R, 10),
  });
  return [
    ce(R, 10),
    ce(V, 32000),
    // The class-wise rows hand losskit Int32Array labels (JavaScript's natural index array) and
    // PyTorch int64 ones (its own); these two hand both the same int64 labels.
    int64Row('crossEntropy'),
    int64Row('nllLoss'),
    {
      ...elementwise('binaryCrossEntropyWithLogits', (tf, a) => {
        const x = t2(tf, a.input);
        const y = t2(tf, a.target);
        return () => tf.losses.sigmoidCrossEntropy(y, x);
      }),
      make: binaryTargets,
      memoryBound: false,
    },
    { ...elementwise('sigmoidFocal'), make: binaryTargets, memoryBound: false },
    elementwise('mse', (tf, a) => {
      const x = t2(tf, a.input);
      const y = t2(tf, a.target);
      return () => tf.losses.meanSquaredError(y, x);
    }),
    elementwise('l1', (tf, a) => {
      const x = t2(tf, a.input);
      const y = t2(tf, a.target);
      return () => tf.losses.absoluteDifference(y, x);
    }),
    elementwise('huber', (tf, a) => {
      const x = t2(tf, a.input);
      const y = t2(tf, a.target);
      return () => tf.losses.huberLoss(y, x, undefined, 1);
    }),
    // smooth-L1 with β = 1 is Huber with δ = 1, which TF.js has.
    elementwise('smoothL1', (tf, a) => {
      const x = t2(tf, a.input);
      const y = t2(tf, a.target);
      return () => tf.losses.huberLoss(y, x, undefined, 1);
    }),
    { ...elementwise('logCosh'), memoryBound: false },
    {
      name: `klDiv ${R}x10`,
      kernel: 'klDiv',
      grad: false,
      options: { reduction: 'batchmean' },
      memoryBound: false,
      make: (rng) => {
        const logq = rng.normal(R * 10);
        const p = rng.normal(R * 10);
        for (let r = 0; r < R; r++) {
          let m = Number.NEGATIVE_INFINITY;
          for (let j = 0; j < 10; j++) m = Math.max(m, logq[r * 10 + j]);
          let s = 0;
          for (let j = 0; j < 10; j++) s += Math.exp(logq[r * 10 + j] - m);
          const lse = m + Math.log(s);
          for (let j = 0; j < 10; j++) logq[r * 10 + j] -= lse;
          let t = 0;
          for (let j = 0; j < 10; j++) t += p[r * 10 + j] = Math.exp(p[r * 10 + j]);
          for (let j = 0; j < 10; j++) p[r * 10 + j] /= t;
        }
        return { input: { data: logq, shape: [R, 10] }, target: { data: p, shape: [R, 10] } };
      },
    },
    {
      ...elementwise('hinge', (tf, a) => {
        // TF.js's hingeLoss maps labels with 2y − 1: hand it {0, 1} for our {−1, 1}.
        const x = t2(tf, a.input);
        const y = tf.tensor1d((a.target.data as Float32Array).map((v) => (v + 1) / 2));
        return () => tf.losses.hingeLoss(y, x);
      }),
      make: signed,
    },
    { ...elementwise('exponential'), make: signed, memoryBound: false },
    {
      name: `multiMargin ${R}x10`,
      kernel: 'multiMargin',
      grad: false,
      options: {},
      memoryBound: false,
      make: (rng) => logits(rng, R, 10),
    },
    {
      name: `tripletMargin ${P}x128`,
      kernel: 'tripletMargin',
      grad: false,
      options: {},
      memoryBound: false,
      make: (rng) => ({
        anchor: { data: rng.normal(P * 128), shape: [P, 128] },
        positive: { data: rng.normal(P * 128), shape: [P, 128] },
        negative: { data: rng.normal(P * 128), shape: [P, 128] },
      }),
    },
    {
      name: `contrastive ${P}x128`,
      kernel: 'contrastive',
      grad: false,
      options: {},
      memoryBound: false,
      make: (rng) => ({
        input1: { data: rng.normal(P * 128, 0.1), shape: [P, 128] },
        input2: { data: rng.normal(P * 128, 0.1), shape: [P, 128] },
        target: { data: rng.binary(P, 0, 1), shape: [P] },
      }),
    },
    {
      name: `infoNce ${Q}x256`,
      kernel: 'infoNce',
      grad: false,
      options: {},
      memoryBound: false,
      make: (rng) => ({
        input1: { data: rng.normal(Q * 256), shape: [Q, 256] },
        input2: { data: rng.normal(Q * 256), shape: [Q, 256] },
      }),
    },
    {
      name: `crossEntropyGrad ${R}x10`,
      kernel: 'crossEntropy',
      grad: true,
      options: {},
      memoryBound: false,
      make: (rng) => logits(rng, R, 10),
      tfjs: (tf, a) => {
        const { x, y } = tfSoftmaxCE(tf, a);
        const g = tf.grad((v: Tensor) => tf.losses.softmaxCrossEntropy(y, v));
        return () => g(x);
      },
    },
    {
      ...elementwise('mse', (tf, a) => {
        const x = t2(tf, a.input);
        const y = t2(tf, a.target);
        const g = tf.grad((v: Tensor) => tf.losses.meanSquaredError(y, v));
        return () => g(x);
      }),
      name: `mseGrad ${N}`,
      grad: true,
    },
    {
      ...elementwise('binaryCrossEntropyWithLogits', (tf, a) => {
        const x = t2(tf, a.input);
        const y = t2(tf, a.target);
        const g = tf.grad((v: Tensor) => tf.losses.sigmoidCrossEntropy(y, v));
        return () => g(x);
      }),
      name: `binaryCrossEntropyWithLogitsGrad ${N}`,
      grad: true,
      make: binaryTargets,
      memoryBound: false,
    },
    ...everyOther(quick),
  ];
}

/** Class-index targets widened to float counts in [0, k) (Poisson's `target`). */
const counts = (rng: Rng, n: number, k: number): Float32Array =>
  Float32Array.from(rng.labels(n, k));

/**
 * The forward of every other kernel (beyond the list) and the gradient of every kernel
 * whose gradient the list above does not time, so that "every kernel and gradient ≥ PyTorch-1t"
 * is measurable. Same sizes as above: 10M element-wise, 1M×10 class-wise, 100k×128 embeddings,
 * InfoNCE 4096×256.
 */
function everyOther(quick: boolean): Workload[] {
  const N = quick ? 100_000 : 10_000_000;
  const R = quick ? 10_000 : 1_000_000;
  const P = quick ? 2_000 : 100_000;
  const Q = quick ? 256 : 4096;
  const signedPair = (rng: Rng): Inputs => ({
    input: { data: rng.normal(N), shape: [N] },
    target: { data: rng.binary(N, -1, 1), shape: [N] },
  });
  const embeddings =
    (names: string[], scale = 1) =>
    (rng: Rng): Inputs => {
      const a: Inputs = {};
      for (const k of names) a[k] = { data: rng.normal(P * 128, scale), shape: [P, 128] };
      return a;
    };
  /** Each kernel once: its size label, inputs, options, and the TF.js forward where TF.js has it. */
  interface Spec {
    kernel: string;
    size: string;
    make: (rng: Rng) => Inputs;
    options?: Record<string, unknown>;
    memoryBound?: boolean;
    tfjs?: (tf: Tf, a: Inputs) => (x: Tensor) => Tensor;
    /** Only the gradient is new here (the forward is in the list). */
    gradOnly?: boolean;
    /** A metric: no gradient. */
    noGrad?: boolean;
  }
  const ew = (tf: Tf, a: Inputs, f: (y: Tensor, x: Tensor) => Tensor) => {
    const y = t2(tf, a.target);
    return (x: Tensor) => f(y, x);
  };
  const classes = (rng: Rng) => logits(rng, R, 10);
  const specs: Spec[] = [
    // Forward and gradient, both new.
    { kernel: 'nllLoss', size: `${R}x10`, make: classes },
    {
      kernel: 'binaryCrossEntropy',
      size: `${N}`,
      make: (rng) => ({
        input: { data: rng.uniform(N, 0.001, 0.999), shape: [N] },
        target: { data: rng.binary(N, 0, 1), shape: [N] },
      }),
      // TF.js's logLoss is BCE on probabilities (with ε = 1e−7 inside its logs).
      tfjs: (tf, a) => ew(tf, a, (y, x) => tf.losses.logLoss(y, x)),
    },
    { kernel: 'softmaxFocal', size: `${R}x10`, make: classes },
    {
      kernel: 'distillation',
      size: `${R}x10`,
      make: (rng) => ({
        student: { data: rng.normal(R * 10, 2), shape: [R, 10] },
        teacher: { data: rng.normal(R * 10, 2), shape: [R, 10] },
      }),
    },
    { kernel: 'squaredHinge', size: `${N}`, make: signedPair, memoryBound: true },
    { kernel: 'softMargin', size: `${N}`, make: signedPair },
    { kernel: 'categoricalHinge', size: `${R}x10`, make: classes },
    {
      kernel: 'poissonNll',
      size: `${N}`,
      make: (rng) => ({
        input: { data: rng.normal(N), shape: [N] },
        target: { data: counts(rng, N, 6), shape: [N] },
      }),
    },
    {
      kernel: 'gaussianNll',
      size: `${N}`,
      make: (rng) => ({
        input: { data: rng.normal(N), shape: [N] },
        target: { data: rng.normal(N), shape: [N] },
        var: { data: rng.uniform(N, 0.1, 2), shape: [N] },
      }),
    },
    {
      kernel: 'marginRanking',
      size: `${N}`,
      memoryBound: true,
      make: (rng) => ({
        input1: { data: rng.normal(N), shape: [N] },
        input2: { data: rng.normal(N), shape: [N] },
        target: { data: rng.binary(N, -1, 1), shape: [N] },
      }),
    },
    {
      kernel: 'hingeEmbedding',
      size: `${N}`,
      memoryBound: true,
      make: (rng) => ({
        input: { data: rng.uniform(N, 0, 2), shape: [N] },
        target: { data: rng.binary(N, -1, 1), shape: [N] },
      }),
    },
    {
      kernel: 'cosineEmbedding',
      size: `${P}x128`,
      make: (rng) => ({
        ...embeddings(['input1', 'input2'])(rng),
        target: { data: rng.binary(P, -1, 1), shape: [P] },
      }),
    },
    { kernel: 'accuracy', size: `${R}x10`, make: classes, noGrad: true },
    // Gradients of the kernels (crossEntropy, mse and BCE-with-logits are timed above).
    {
      kernel: 'sigmoidFocal',
      size: `${N}`,
      gradOnly: true,
      make: (rng) => ({
        input: { data: rng.normal(N, 3), shape: [N] },
        target: { data: rng.binary(N, 0, 1), shape: [N] },
      }),
    },
    {
      kernel: 'l1',
      size: `${N}`,
      gradOnly: true,
      make: (rng) => pair(rng, N),
      tfjs: (tf, a) => ew(tf, a, (y, x) => tf.losses.absoluteDifference(y, x)),
    },
    {
      kernel: 'huber',
      size: `${N}`,
      gradOnly: true,
      make: (rng) => pair(rng, N),
      tfjs: (tf, a) => ew(tf, a, (y, x) => tf.losses.huberLoss(y, x, undefined, 1)),
    },
    {
      kernel: 'smoothL1',
      size: `${N}`,
      gradOnly: true,
      make: (rng) => pair(rng, N),
      tfjs: (tf, a) => ew(tf, a, (y, x) => tf.losses.huberLoss(y, x, undefined, 1)),
    },
    { kernel: 'logCosh', size: `${N}`, gradOnly: true, make: (rng) => pair(rng, N) },
    {
      kernel: 'klDiv',
      size: `${R}x10`,
      gradOnly: true,
      options: { reduction: 'batchmean' },
      make: (rng) => {
        const logq = rng.normal(R * 10);
        const p = rng.uniform(R * 10, 0, 0.2);
        return { input: { data: logq, shape: [R, 10] }, target: { data: p, shape: [R, 10] } };
      },
    },
    {
      kernel: 'hinge',
      size: `${N}`,
      gradOnly: true,
      make: signedPair,
      tfjs: (tf, a) => {
        const y = tf.tensor1d((a.target.data as Float32Array).map((v) => (v + 1) / 2));
        return (x: Tensor) => tf.losses.hingeLoss(y, x);
      },
    },
    { kernel: 'exponential', size: `${N}`, gradOnly: true, make: signedPair },
    { kernel: 'multiMargin', size: `${R}x10`, gradOnly: true, make: classes },
    {
      kernel: 'tripletMargin',
      size: `${P}x128`,
      gradOnly: true,
      make: embeddings(['anchor', 'positive', 'negative']),
    },
    {
      kernel: 'contrastive',
      size: `${P}x128`,
      gradOnly: true,
      make: (rng) => ({
        ...embeddings(['input1', 'input2'], 0.1)(rng),
        target: { data: rng.binary(P, 0, 1), shape: [P] },
      }),
    },
    {
      kernel: 'infoNce',
      size: `${Q}x256`,
      gradOnly: true,
      make: (rng) => ({
        input1: { data: rng.normal(Q * 256), shape: [Q, 256] },
        input2: { data: rng.normal(Q * 256), shape: [Q, 256] },
      }),
    },
  ];
  const out: Workload[] = [];
  for (const s of specs) {
    const base = {
      kernel: s.kernel,
      options: s.options ?? {},
      memoryBound: s.memoryBound ?? false,
      make: s.make,
    };
    const tfjs = s.tfjs;
    if (!s.gradOnly) {
      out.push({
        ...base,
        name: `${s.kernel} ${s.size}`,
        grad: false,
        tfjs:
          tfjs &&
          ((tf, a) => {
            const f = tfjs(tf, a);
            const x = t2(tf, a.input);
            return () => f(x);
          }),
      });
    }
    if (!s.noGrad) {
      out.push({
        ...base,
        name: `${s.kernel}Grad ${s.size}`,
        grad: true,
        tfjs:
          tfjs &&
          ((tf, a) => {
            const g = tf.grad(tfjs(tf, a));
            const x = t2(tf, a.input);
            return () => g(x);
          }),
      });
    }
  }
  return out;
}
