import { num, type RefTensor } from './referenceCase.js';

const DEFAULT_TOL = { rtol: 1e-9, atol: 1e-12 };

/** |v − e| ≤ atol + rtol·|e|; NaN matches only NaN, ±Infinity only itself. */
export function close(v: number, e: number, tol = DEFAULT_TOL): boolean {
  if (Number.isNaN(e)) return Number.isNaN(v);
  if (!Number.isFinite(e)) return v === e;
  if (!Number.isFinite(v)) return false;
  return Math.abs(v - e) <= tol.atol + tol.rtol * Math.abs(e);
}

/** Describes the first mismatch of a scalar, or returns null. */
export function diffScalar(
  what: string,
  v: unknown,
  expected: number | string,
  tol = DEFAULT_TOL,
): string | null {
  const e = num(expected);
  if (typeof v !== 'number') return `${what}: expected ${e}, got ${describeValue(v)}`;
  return close(v, e, tol) ? null : `${what}: expected ${e}, got ${v} (diff ${Math.abs(v - e)})`;
}

/** Describes the first mismatch of a tensor (and how many differ), or returns null. */
export function diffTensor(
  what: string,
  v: unknown,
  expected: RefTensor,
  tol = DEFAULT_TOL,
): string | null {
  const e = expected.data.map(num);
  if (!(v instanceof Float64Array || v instanceof Float32Array || Array.isArray(v))) {
    return `${what}: expected ${e.length} values, got ${describeValue(v)}`;
  }
  const a = v as ArrayLike<number>;
  if (a.length !== e.length) return `${what}: expected ${e.length} values, got ${a.length}`;
  let first = -1;
  let bad = 0;
  for (let i = 0; i < e.length; i++) {
    if (!close(a[i], e[i], tol)) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad === 0) return null;
  return `${what}[${first}]: expected ${e[first]}, got ${a[first]} (${bad} of ${e.length} differ)`;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (ArrayBuffer.isView(v))
    return `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
  return typeof v === 'object' ? (JSON.stringify(v)?.slice(0, 80) ?? String(v)) : String(v);
}
