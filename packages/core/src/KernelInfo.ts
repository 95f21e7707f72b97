import type { Gradients, LossResult } from './types.js';

/** How an input of a kernel is read. */
export interface InputInfo {
  /** The input's name (the reference vectors' and the stream spec's key). */
  readonly name: string;
  /** `float` data, `index` class labels, or `float-or-index` (cross-entropy's target). */
  readonly kind: 'float' | 'index' | 'float-or-index';
  /** 1 for `[N]`, 2 for `[N, C]` / `[N, D]`; `'any'` for element-wise losses. */
  readonly rank: 1 | 2 | 'any';
  /** Whether the gradient function returns a gradient for this input. */
  readonly differentiable: boolean;
}

/**
 * A kernel described for generic callers (the conformance runner, `@losskit/stream`): its
 * inputs in call order and calls that take the inputs by name.
 */
export interface KernelInfo {
  readonly name: string;
  readonly inputs: readonly InputInfo[];
  /** Reductions the kernel accepts; the first is its default. */
  readonly reductions: readonly string[];
  /** Options that are per-element arrays and split with the rows (e.g. BCE's `weight`). */
  readonly rowOptions: readonly string[];
  /** True when rows interact (InfoNCE): the value depends on how rows are batched. */
  readonly rowCoupled: boolean;
  /** The loss, inputs by name. */
  compute(inputs: Readonly<Record<string, unknown>>, options?: object): LossResult;
  /** Its analytic gradients, inputs by name; absent for metrics. */
  gradient?(inputs: Readonly<Record<string, unknown>>, options?: object): Gradients;
}
