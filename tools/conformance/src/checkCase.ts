import { type KernelInfo, kernels, LossError } from '@losskit/core';
import { diffScalar, diffTensor } from './compare.js';
import { type ReferenceCase, type RefTensor, toTypedArray } from './referenceCase.js';

/** The case's inputs as `{data, shape}` tensors over typed arrays. */
export function caseInputs(
  c: ReferenceCase,
): Record<string, { data: ArrayLike<number | bigint>; shape: number[] }> {
  const out: Record<string, { data: ArrayLike<number | bigint>; shape: number[] }> = {};
  for (const [name, t] of Object.entries(c.inputs))
    out[name] = { data: toTypedArray(t), shape: t.shape };
  return out;
}

/** Whether a thrown value is the library's typed error of the kind the case expects. */
export function errorMismatch(c: ReferenceCase, err: unknown): string | null {
  if (!(err instanceof LossError)) {
    return `expected a LossError (${c.error}), got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  }
  if (err.kind !== c.error) return `expected a ${c.error} error, got ${err.kind}: ${err.message}`;
  return null;
}

/** Runs one case one-shot; returns the list of differences (empty when it passes). */
export function checkCase(c: ReferenceCase): string[] {
  const k: KernelInfo | undefined = kernels[c.loss];
  if (k === undefined) return [`@losskit/core exports no kernel named ${c.loss}`];
  const inputs = caseInputs(c);
  const options = c.options ?? {};
  const tol = c.tolerance;
  const problems: string[] = [];
  if (c.error !== undefined) {
    try {
      k.compute(inputs, options);
      return [`expected a ${c.error} error, but the call returned`];
    } catch (err) {
      const m = errorMismatch(c, err);
      return m === null ? [] : [m];
    }
  }
  for (const [reduction, expected] of Object.entries(c.expected ?? {})) {
    try {
      const r = k.compute(inputs, { ...options, reduction });
      const d =
        typeof expected === 'object'
          ? diffTensor(reduction, r.value, expected as RefTensor, tol)
          : diffScalar(reduction, r.value, expected, tol);
      if (d !== null) problems.push(d);
    } catch (err) {
      problems.push(`${reduction}: threw ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  for (const [reduction, grads] of Object.entries(c.grad ?? {})) {
    if (k.gradient === undefined) {
      problems.push(`grad ${reduction}: ${c.loss} has no gradient function`);
      continue;
    }
    try {
      const g = k.gradient(inputs, { ...options, reduction });
      for (const [name, expected] of Object.entries(grads)) {
        const d = diffTensor(`grad ${reduction} ${name}`, g[name], expected, tol);
        if (d !== null) problems.push(d);
      }
    } catch (err) {
      problems.push(`grad ${reduction}: threw ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return problems;
}
