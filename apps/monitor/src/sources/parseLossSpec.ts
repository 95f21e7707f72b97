import { kernels } from '@losskit/core';
import type { LossSpec } from '@losskit/stream';

/** A `--loss` flag parsed: the stream's spec plus the series name its values get. */
export interface LossFlag {
  series: string;
  spec: LossSpec;
}

/** Splits on commas that are not inside brackets (so `weight=[1,2,0.5]` stays one option). */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function parseValue(raw: string): unknown {
  const t = raw.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t !== '' && !Number.isNaN(Number(t))) return Number(t);
  if (t.startsWith('[')) {
    try {
      return JSON.parse(t);
    } catch {
      /* a string after all */
    }
  }
  return t;
}

/**
 * Parses `name:input=COL,target=COL[,option=value…]`: keys that name one of the kernel's inputs
 * (or a per-row option) map to columns, the rest are the loss's options
 * (`crossEntropy:input=logits,target=label,labelSmoothing=0.1,weight=[1,2,1]`).
 */
export function parseLossSpec(text: string): LossFlag {
  const colon = text.indexOf(':');
  const name = (colon < 0 ? text : text.slice(0, colon)).trim();
  const info = kernels[name];
  if (!info)
    throw new Error(
      `--loss ${text}: unknown loss "${name}" (one of ${Object.keys(kernels).join(', ')})`,
    );
  const columns: Record<string, string> = {};
  const options: Record<string, unknown> = {};
  const inputNames = new Set([...info.inputs.map((i) => i.name), ...info.rowOptions]);
  if (colon >= 0) {
    for (const part of splitTop(text.slice(colon + 1))) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      if (eq < 0) throw new Error(`--loss ${text}: "${part}" is not key=value`);
      const key = part.slice(0, eq).trim();
      const value = part.slice(eq + 1).trim();
      if (inputNames.has(key) && !value.startsWith('[') && Number.isNaN(Number(value)))
        columns[key] = value;
      else options[key] = parseValue(value);
    }
  }
  for (const input of info.inputs)
    if (!columns[input.name])
      throw new Error(`--loss ${text}: missing ${input.name}=COLUMN for ${name}`);
  const spec: LossSpec = { loss: name, columns };
  if (Object.keys(options).length > 0) spec.options = options;
  return { series: name, spec };
}
