// Validation prologue of the metric-learning kernels (cosineEmbedding, tripletMargin, contrastive,
// infoNce): several `[N, D]` float inputs read together, with D inferred where unambiguous.
import { LossShapeError } from '../errors.js';
import { type FloatView, floatArg, unwrap } from './args.js';

/** Several `[N, D]` inputs of one call, validated to share N and D. */
export interface EmbeddingRows {
  /** Flat row-major data of each input, in the order given. */
  readonly data: ArrayLike<number>[];
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
  const data: ArrayLike<number>[] = [];
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
    data.push(v.data);
  }
  return { data, rows, cols };
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
    const out = new Float64Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
    return floatArg(fn, arg, shape === null ? out : { data: out, shape });
  }
  return floatArg(fn, arg, x);
}
