import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A tensor as the reference files store it (`"NaN"`, `"Infinity"` as strings). */
export interface RefTensor {
  dtype: 'float32' | 'float64' | 'int32' | 'int64';
  shape: number[];
  data: (number | string)[];
}

/** One case of a `losskit-reference/1` file (see packages/core/test/reference/README.md). */
export interface ReferenceCase {
  id: string;
  loss: string;
  options?: Record<string, unknown>;
  inputs: Record<string, RefTensor>;
  expected?: Record<string, number | string | RefTensor>;
  grad?: Record<string, Record<string, RefTensor>>;
  error?: 'range' | 'shape' | 'option';
  tolerance?: { rtol: number; atol: number };
  note?: string;
}

/** A JSON number, or the strings JSON cannot hold. */
export function num(v: number | string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  throw new Error(`not a number: ${JSON.stringify(v)}`);
}

/** The typed array a reference tensor's dtype maps to. */
export function toTypedArray(
  t: RefTensor,
): Float32Array | Float64Array | Int32Array | BigInt64Array {
  const values = t.data.map(num);
  switch (t.dtype) {
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int32':
      return Int32Array.from(values);
    case 'int64':
      return BigInt64Array.from(values.map((v) => BigInt(v)));
    default:
      throw new Error(`unknown dtype ${String((t as RefTensor).dtype)}`);
  }
}

/** Expands files and directories (all `*.json` inside, sorted) into reference cases. */
export function readReferenceCases(paths: readonly string[]): ReferenceCase[] {
  const files: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) if (f.endsWith('.json')) files.push(join(p, f));
    } else files.push(p);
  }
  const cases: ReferenceCase[] = [];
  for (const f of files) {
    const doc = JSON.parse(readFileSync(f, 'utf8')) as { schema?: string; cases?: ReferenceCase[] };
    if (doc.schema !== 'losskit-reference/1' || !Array.isArray(doc.cases)) {
      throw new Error(`${f}: not a losskit-reference/1 file`);
    }
    cases.push(...doc.cases);
  }
  return cases;
}
