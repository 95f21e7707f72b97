// Validation prologue of the metric-learning kernels (cosineEmbedding, tripletMargin, contrastive,
// infoNce): several `[N, D]` float inputs read together, with D inferred where unambiguous.
import { LossShapeError } from '../errors.js';
import { type FloatView, floatArg, unwrap } from './args.js';
import { bigIndicesToFloat64 } from './bigIndices.js';

/** Several `[N, D]` inputs of one call, validated to share N and D. */
export interface EmbeddingRows {
  /**
   * Flat row-major data of each input, in the order given, all of one type: every input as
   * given when all are Float32Array or all Float64Array; otherwise each one that is not a
   * Float64Array is copied into one (exactly: float32 → float64 is lossless). The kernels' hot
   * loops then come in a Float32Array and a Float64Array copy, each monomorphic (see
   * {@link allFloat32}).
   */
  readonly data: Float32Array[] | Float64Array[];
  readonly rows: number;
  readonly cols: number;
}

function shapeText(v: FloatView): string {
  return `[${v.shape.join(', ')}]`;
}

/**
 * Reads `[N, D]` inputs that must share their shape. D comes from the first input given as a
 * 2-D `{data, shape}`; failing that, from `rowsHint` (the target's length, where there is a
 * target) as `length / rowsHint`. Bare arrays take the inferred D. When D cannot be inferred a
 * LossShapeError asks for `{data, shape: [N, D]}`.
 */
export function embeddingRows(
  fn: string,
  names: readonly string[],
  values: readonly unknown[],
  rowsHint?: number,
): EmbeddingRows {
  const views: FloatView[] = [];
  for (let i = 0; i < names.length; i++) views.push(floatArg(fn, names[i], values[i]));
  let rows = -1;
  let cols = -1;
  let from = '';
  for (let i = 0; i < views.length; i++) {
    const s = views[i].shape;
    if (s.length === 2) {
      rows = s[0];
      cols = s[1];
      from = names[i];
      break;
    }
    if (s.length > 2) {
      throw new LossShapeError(
        fn,
        names[i],
        `${names[i]} must be 2-D [N, D]; got shape ${shapeText(views[i])}`,
      );
    }
  }
  if (rows < 0 && rowsHint !== undefined) {
    const len = views[0].data.length;
    if (rowsHint > 0 && len % rowsHint === 0) {
      rows = rowsHint;
      cols = len / rowsHint;
    } else if (rowsHint === 0 && len === 0) {
      rows = 0;
      cols = 0;
    } else {
      throw new LossShapeError(
        fn,
        names[0],
        `${names[0]} has ${len} elements, which is not a multiple of the target's ${rowsHint} rows`,
      );
    }
    from = 'target';
  }
  if (rows < 0) {
    throw new LossShapeError(
      fn,
      names[0],
      `${names[0]} must be 2-D [N, D]; got shape ${shapeText(views[0])} (pass {data, shape: [N, D]} for at least one input: D cannot be inferred from bare arrays)`,
    );
  }
  const given: ArrayLike<number>[] = [];
  for (let i = 0; i < views.length; i++) {
    const v = views[i];
    const s = v.shape;
    if (s.length > 2 || (s.length === 2 && (s[0] !== rows || s[1] !== cols))) {
      throw new LossShapeError(
        fn,
        names[i],
        `${names[i]} has shape ${shapeText(v)} but ${from === 'target' ? 'the target implies' : `${from} has`} [${rows}, ${cols}]`,
      );
    }
    if (v.data.length !== rows * cols) {
      throw new LossShapeError(
        fn,
        names[i],
        `${names[i]} has ${v.data.length} elements but ${from === 'target' ? 'the target implies' : `${from} has`} [${rows}, ${cols}] = ${rows * cols}`,
      );
    }
    given.push(v.data);
  }
  if (given.every((d) => d instanceof Float32Array)) {
    return { data: given as Float32Array[], rows, cols };
  }
  const data = given.map((d) => (d instanceof Float64Array ? d : Float64Array.from(d)));
  return { data, rows, cols };
}

/**
 * Whether {@link EmbeddingRows.data} holds Float32Arrays (else Float64Arrays). A loop body that
 * sees both types reads its elements through polymorphic loads, ~1.5–2× slower than a body that
 * only ever sees one: so each hot loop has two textually identical copies, one per type.
 */
export function allFloat32(data: Float32Array[] | Float64Array[]): data is Float32Array[] {
  return data.length > 0 && data[0] instanceof Float32Array;
}

/** Throws unless the target has one entry per row. */
export function targetPerRow(fn: string, target: FloatView, rows: number, of: string): void {
  if (target.data.length !== rows) {
    throw new LossShapeError(
      fn,
      'target',
      `target has ${target.data.length} entries but ${of} has ${rows} rows`,
    );
  }
}

/**
 * Reads a label target (±1, or 1/0 for contrastive) as numbers: float arrays, number[], integer
 * typed arrays and BigInt64Array / BigUint64Array (Arrow's int64 columns), converted once.
 */
export function labelArg(fn: string, arg: string, x: unknown): FloatView {
  const { data, shape } = unwrap(fn, arg, x);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    // Number(data[i]) for every i through the 64-bit words (bigIndices.ts), not a BigInt per
    // element (10M int64 ±1 labels: marginRanking 272–279 ms that way against 20 ms with float
    // labels)
    const out = bigIndicesToFloat64(data);
    return floatArg(fn, arg, shape === null ? out : { data: out, shape });
  }
  return floatArg(fn, arg, x);
}
