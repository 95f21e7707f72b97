import { StreamStateError } from './errors.js';

/**
 * A compensated (Neumaier) sum as a pair `[s, c]`: its value is `s + c`. Kept as a pair (not
 * folded) so that adding and merging lose nothing beyond the final rounding.
 */
export type CompensatedSum = [s: number, c: number];

/** The sufficient statistics of a loss over a set of rows. */
export interface LossTotals {
  /** Σ of per-element loss values (weights applied), compensated. */
  sumValue: CompensatedSum;
  /** Σ of per-element denominators (what `mean` divides by), compensated. */
  sumDenominator: CompensatedSum;
  /** Rows seen by the kernel (after skipping). */
  rows: number;
  /** Elements of the per-element output. */
  elements: number;
  /** Rows the kernel ignored (`ignoreIndex`). */
  ignored: number;
  /** Rows skipped because a used column held NaN (policy `skip`). */
  skippedNaN: number;
  /** Rows skipped because a used column held an Arrow null. */
  skippedNull: number;
}

/**
 * The mergeable state of one running loss: totals over everything seen, plus per-group totals
 * when `groupBy` is set. A plain object: {@link stateToJSON} / {@link stateFromJSON} round-trip it
 * exactly (NaN, ±Infinity and −0 included; `JSON.stringify` alone is exact only for finite sums).
 * Windows and smoothing depend on arrival order and are not part of the state.
 */
export interface LossState extends LossTotals {
  readonly format: 'losskit-loss-state/1';
  /** The kernel's name; only states of the same loss merge. */
  loss: string;
  /** Batches folded in. */
  batches: number;
  /** Per-group totals keyed by the group column's value (as a string). */
  groups: Record<string, LossTotals>;
}

/** Empty totals. */
export function emptyTotals(): LossTotals {
  return {
    sumValue: [0, 0],
    sumDenominator: [0, 0],
    rows: 0,
    elements: 0,
    ignored: 0,
    skippedNaN: 0,
    skippedNull: 0,
  };
}

/** The state of a loss before any batch. */
export function initialState(loss: string): LossState {
  return { format: 'losskit-loss-state/1', loss, batches: 0, ...emptyTotals(), groups: {} };
}

/**
 * Adds `v` into the compensated sum `acc` in place:
 * t = s + v; c += |s| ≥ |v| ? (s − t) + v : (v − t) + s; s = t (Neumaier 1974).
 */
export function addCompensated(acc: CompensatedSum, v: number): void {
  const s = acc[0];
  const t = s + v;
  acc[1] += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
  acc[0] = t;
}

/** `a + b` of two compensated sums, as a new pair (the error of `s_a + s_b` joins the compensations). */
export function mergeCompensated(a: CompensatedSum, b: CompensatedSum): CompensatedSum {
  const out: CompensatedSum = [a[0], a[1] + b[1]];
  addCompensated(out, b[0]);
  return out;
}

/** The value of a compensated sum; a non-finite `s` wins (its compensation is NaN then). */
export function compensatedValue(acc: CompensatedSum): number {
  return Number.isFinite(acc[0]) ? acc[0] + acc[1] : acc[0];
}

/** Adds `b` into `a` in place. */
export function addTotals(a: LossTotals, b: LossTotals): void {
  const v = mergeCompensated(a.sumValue, b.sumValue);
  const d = mergeCompensated(a.sumDenominator, b.sumDenominator);
  a.sumValue = v;
  a.sumDenominator = d;
  a.rows += b.rows;
  a.elements += b.elements;
  a.ignored += b.ignored;
  a.skippedNaN += b.skippedNaN;
  a.skippedNull += b.skippedNull;
}

/** A deep copy of totals. */
export function copyTotals(t: LossTotals): LossTotals {
  return {
    sumValue: [t.sumValue[0], t.sumValue[1]],
    sumDenominator: [t.sumDenominator[0], t.sumDenominator[1]],
    rows: t.rows,
    elements: t.elements,
    ignored: t.ignored,
    skippedNaN: t.skippedNaN,
    skippedNull: t.skippedNull,
  };
}

/** A deep copy of a state (updates carry snapshots, so a kept state never changes). */
export function copyState(s: LossState): LossState {
  const groups: Record<string, LossTotals> = {};
  for (const k in s.groups) groups[k] = copyTotals(s.groups[k]);
  return {
    format: s.format,
    loss: s.loss,
    batches: s.batches,
    sumValue: [s.sumValue[0], s.sumValue[1]],
    sumDenominator: [s.sumDenominator[0], s.sumDenominator[1]],
    rows: s.rows,
    elements: s.elements,
    ignored: s.ignored,
    skippedNaN: s.skippedNaN,
    skippedNull: s.skippedNull,
    groups,
  };
}

/**
 * The exact total of two states of the same loss (shards, workers, processes). Associative and
 * commutative: counts add exactly, sums are compensated, so any merge order gives the same value
 * up to the final rounding.
 */
export function mergeStates(a: LossState, b: LossState): LossState {
  if (a.loss !== b.loss) {
    throw new StreamStateError(
      `mergeStates: cannot merge a ${a.loss} state with a ${b.loss} state`,
    );
  }
  const out = copyState(a);
  addTotals(out, b);
  out.batches += b.batches;
  for (const k of Object.keys(b.groups)) {
    const g = out.groups[k];
    if (g === undefined) out.groups[k] = copyTotals(b.groups[k]);
    else addTotals(g, b.groups[k]);
  }
  return out;
}

/** How a running value reads a state: PyTorch's reductions (`none` reads as `mean`). */
export type RunningReduction = 'mean' | 'sum' | 'batchmean' | 'none';

/**
 * The reduced value of totals: `mean` = Σvalue / Σdenominator, `sum` = Σvalue, `batchmean` =
 * Σvalue / rows. When the divisor is 0 (no rows yet, or every row ignored) the result is `empty`
 * (default NaN, PyTorch's 0/0).
 */
export function stateValue(
  state: LossTotals,
  reduction: RunningReduction = 'mean',
  empty: number | null = Number.NaN,
): number | null {
  const sum = compensatedValue(state.sumValue);
  switch (reduction) {
    case 'sum':
      return sum;
    case 'batchmean':
      return state.rows === 0 ? empty : sum / state.rows;
    case 'mean':
    case 'none': {
      const d = compensatedValue(state.sumDenominator);
      return d === 0 ? empty : sum / d;
    }
    default: {
      const never: never = reduction;
      throw new StreamStateError(`stateValue: unknown reduction ${String(never)}`);
    }
  }
}

function encodeNumber(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return v;
}

function decodeNumber(v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (v === '-0') return -0;
  throw new StreamStateError(`stateFromJSON: ${where} is ${JSON.stringify(v)}, not a number`);
}

/** JSON text of a state; numbers JSON cannot hold are written as strings. Exact round trip. */
export function stateToJSON(state: LossState): string {
  return JSON.stringify(state, (_k, v) => (typeof v === 'number' ? encodeNumber(v) : v));
}

function decodeTotals(o: unknown, where: string): LossTotals {
  if (typeof o !== 'object' || o === null)
    throw new StreamStateError(`stateFromJSON: ${where} is not an object`);
  const r = o as Record<string, unknown>;
  const pair = (k: string): CompensatedSum => {
    const p = r[k];
    if (!Array.isArray(p) || p.length !== 2)
      throw new StreamStateError(`stateFromJSON: ${where}.${k} is not a [s, c] pair`);
    return [decodeNumber(p[0], `${where}.${k}[0]`), decodeNumber(p[1], `${where}.${k}[1]`)];
  };
  const count = (k: string): number => {
    const v = decodeNumber(r[k], `${where}.${k}`);
    if (!Number.isInteger(v) || v < 0)
      throw new StreamStateError(`stateFromJSON: ${where}.${k} = ${v} is not a count`);
    return v;
  };
  return {
    sumValue: pair('sumValue'),
    sumDenominator: pair('sumDenominator'),
    rows: count('rows'),
    elements: count('elements'),
    ignored: count('ignored'),
    skippedNaN: count('skippedNaN'),
    skippedNull: count('skippedNull'),
  };
}

/** Parses {@link stateToJSON}'s text (or plain `JSON.stringify` of a finite state), validating it. */
export function stateFromJSON(text: string): LossState {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (err) {
    throw new StreamStateError(`stateFromJSON: not JSON (${(err as Error).message})`);
  }
  const r = o as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || r.format !== 'losskit-loss-state/1')
    throw new StreamStateError(`stateFromJSON: not a losskit-loss-state/1 object`);
  if (typeof r.loss !== 'string') throw new StreamStateError('stateFromJSON: loss is not a string');
  const totals = decodeTotals(o, 'state');
  const groups: Record<string, LossTotals> = {};
  const g = r.groups;
  if (typeof g !== 'object' || g === null || Array.isArray(g))
    throw new StreamStateError('stateFromJSON: groups is not an object');
  for (const [k, v] of Object.entries(g))
    groups[k] = decodeTotals(v, `groups[${JSON.stringify(k)}]`);
  const batches = decodeNumber(r.batches, 'batches');
  if (!Number.isInteger(batches) || batches < 0)
    throw new StreamStateError(`stateFromJSON: batches = ${batches} is not a count`);
  return { format: 'losskit-loss-state/1', loss: r.loss, batches, ...totals, groups };
}
