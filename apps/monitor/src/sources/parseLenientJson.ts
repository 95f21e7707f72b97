// Python's json module writes NaN, Infinity and -Infinity bare. JSON.parse rejects them, so the
// tokens are swapped (outside strings only) for sentinel strings and mapped back by a reviver.

const SENTINEL = {
  NaN: '\u0000losskit:NaN\u0000',
  Infinity: '\u0000losskit:+Inf\u0000',
  '-Infinity': '\u0000losskit:-Inf\u0000',
} as const;

const BACK = new Map<unknown, number>([
  [SENTINEL.NaN, Number.NaN],
  [SENTINEL.Infinity, Number.POSITIVE_INFINITY],
  [SENTINEL['-Infinity'], Number.NEGATIVE_INFINITY],
]);

/** JSON.parse that also accepts bare `NaN`, `Infinity` and `-Infinity` as numbers. */
export function parseLenientJson(text: string): unknown {
  if (!text.includes('NaN') && !text.includes('Infinity')) return JSON.parse(text);
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    let token: keyof typeof SENTINEL | null = null;
    if (text.startsWith('NaN', i)) token = 'NaN';
    else if (text.startsWith('-Infinity', i)) token = '-Infinity';
    else if (text.startsWith('Infinity', i)) token = 'Infinity';
    if (token) {
      out += text.slice(last, i) + JSON.stringify(SENTINEL[token]);
      i += token.length - 1;
      last = i + 1;
    }
  }
  out += text.slice(last);
  return JSON.parse(out, (_key, value) => (BACK.has(value) ? BACK.get(value) : value));
}
