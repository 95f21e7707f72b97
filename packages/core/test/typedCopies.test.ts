// The hot loops come in one copy per array type (`…F32`, `…F64`, `…Any`: see CONTRIBUTING,
// "Performance work" 1, for why), and their comments say "keep them identical". This test holds
// them to it: within a file, the top-level functions whose names differ only by that suffix must
// be the same text once the array types (Float32Array, Float64Array, ArrayLike<number>), the
// suffixes and the line breaks are set aside. A fix made to one copy and not the others fails
// here. The copies that differ on purpose are listed below with the reason; their other copies
// must still agree.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

/** `file:base` → the copies that may differ from the …F64 one, and why. */
const DIFFER_ON_PURPOSE: Record<string, { copies: string[]; why: string }> = {
  'binaryCrossEntropyWithLogits.ts:sum': {
    copies: ['F32'],
    why: 'float32 inputs first try the WebAssembly SIMD sum (bwSigmoid.ts)',
  },
  'binaryCrossEntropyWithLogits.ts:grad': {
    copies: ['F32'],
    why: 'float32 inputs first try the WebAssembly SIMD gradient (bwSigmoid.ts)',
  },
  'hinge.ts:sum': { copies: ['F32'], why: 'float32 inputs first try the WebAssembly SIMD sum' },
  'nllLoss.ts:gather': {
    copies: ['Any'],
    why: 'plain-array scores take no spans (internal/gatherSpans.ts reads typed scores)',
  },
  'nllLoss.ts:weightedRows': {
    copies: ['Any'],
    why: 'plain-array scores take no spans (internal/gatherSpans.ts reads typed scores)',
  },
  'klDiv.ts:sum': {
    copies: ['F32'],
    why: 'float32 targets inline logF32Bits four at a time; float64 ones use logF64Words',
  },
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** Top-level functions of a file by name: from `function name(` to the next `}` in column 0. */
function topLevelFunctions(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^(?:export )?function (\w+)\(/gm)) {
    const end = text.indexOf('\n}\n', m.index);
    out.set(m[1], text.slice(m.index, end + 2));
  }
  return out;
}

/** The text with array types, copy suffixes and layout set aside. */
function normalized(body: string): string {
  return body
    .replace(/Float32Array|Float64Array|ArrayLike<number>/g, 'ARRAY')
    .replace(/(\w+?)(F32|F64|Any)\b/g, '$1·')
    .replace(/\s+/g, ' ')
    .replace(/\( /g, '(')
    .replace(/,? \)/g, ')');
}

describe('per-array-type copies of the hot loops', () => {
  const groups: { key: string; copies: Map<string, string> }[] = [];
  for (const file of sources(SRC)) {
    const byBase = new Map<string, Map<string, string>>();
    for (const [name, body] of topLevelFunctions(readFileSync(file, 'utf8'))) {
      const m = /^(\w+?)(F32|F64|Any)$/.exec(name);
      if (m === null) continue;
      const copies = byBase.get(m[1]) ?? new Map<string, string>();
      copies.set(m[2], body);
      byBase.set(m[1], copies);
    }
    for (const [base, copies] of byBase) {
      if (copies.size > 1) groups.push({ key: `${relative(SRC, file)}:${base}`, copies });
    }
  }

  it('finds the copy groups (so that an empty scan cannot pass)', () => {
    expect(groups.length).toBeGreaterThanOrEqual(35);
    for (const key of Object.keys(DIFFER_ON_PURPOSE)) {
      expect(groups.map((g) => g.key)).toContain(key);
    }
  });

  it('keeps every copy identical to the others but for the array types', () => {
    const drifted: string[] = [];
    for (const { key, copies } of groups) {
      const exempt = DIFFER_ON_PURPOSE[key]?.copies ?? [];
      const [refName, ref] = copies.has('F64') ? ['F64', copies.get('F64')!] : [...copies][0];
      for (const [name, body] of copies) {
        if (name === refName || exempt.includes(name)) continue;
        if (normalized(body) !== normalized(ref)) drifted.push(`${key}: …${name} ≠ …${refName}`);
      }
    }
    expect(drifted).toEqual([]);
  });

  it('lists as different on purpose only copies that do differ', () => {
    for (const { key, copies } of groups) {
      const listed = DIFFER_ON_PURPOSE[key];
      if (listed === undefined) continue;
      for (const name of listed.copies) {
        expect(normalized(copies.get(name)!), `${key} ${name}`).not.toBe(
          normalized(copies.get('F64')!),
        );
      }
    }
  });
});
