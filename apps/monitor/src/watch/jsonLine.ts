import type { Point } from '../events.js';

function jsonNumber(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  return v;
}

/**
 * One line of `watch --json`: `{"path","format","series","step","value","wallTime"}`, plus
 * `rows` and `runningMean` for losses over Arrow model outputs. Non-finite values are written as
 * the strings "NaN", "Infinity", "-Infinity" (strict JSON has no spelling for them).
 */
export function jsonLine(p: Point): string {
  const o: Record<string, unknown> = {
    path: p.path,
    format: p.format,
    series: p.series,
    step: p.step,
    value: jsonNumber(p.value),
    wallTime: p.wallTime,
  };
  if (p.rows !== undefined) o.rows = p.rows;
  if (p.runningMean !== undefined) o.runningMean = jsonNumber(p.runningMean);
  return JSON.stringify(o);
}
