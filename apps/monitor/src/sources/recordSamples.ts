import { nowSeconds, type Sample, STEP_KEYS, TIME_KEYS, toSeconds } from './types.js';

/**
 * The samples of one logged record (a JSON object, a CSV row, a `log_history` entry): every
 * numeric field is a series, nested objects are flattened with `/`; `step` / `global_step` is the
 * x axis (else `index`), a time field is the wall time (else now).
 */
export function recordSamples(record: Record<string, unknown>, index: number, out: Sample[]): void {
  let step = index;
  for (const k of STEP_KEYS) {
    const s = record[k];
    if (typeof s === 'number' && Number.isFinite(s)) {
      step = s;
      break;
    }
  }
  let wallTime = Number.NaN;
  for (const k of TIME_KEYS) {
    const t = record[k];
    if (typeof t === 'number' && Number.isFinite(t)) {
      wallTime = toSeconds(t);
      break;
    }
  }
  if (Number.isNaN(wallTime)) wallTime = nowSeconds();
  flatten(record, '', step, wallTime, out, true);
}

function flatten(
  obj: Record<string, unknown>,
  prefix: string,
  step: number,
  wallTime: number,
  out: Sample[],
  top: boolean,
): void {
  for (const [k, v] of Object.entries(obj)) {
    if (
      top &&
      ((STEP_KEYS as readonly string[]).includes(k) || (TIME_KEYS as readonly string[]).includes(k))
    )
      continue;
    const name = prefix + k;
    if (typeof v === 'number') out.push({ series: name, step, value: v, wallTime });
    else if (v !== null && typeof v === 'object' && !Array.isArray(v))
      flatten(v as Record<string, unknown>, `${name}/`, step, wallTime, out, false);
  }
}
