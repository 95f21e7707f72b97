import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pyJson } from '../../test/logWriters.js';
import { JsonLinesParser } from './JsonLinesParser.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('JsonLinesParser', () => {
  it('accepts bare NaN, Infinity and -Infinity as Python writes them, but not inside strings', () => {
    const p = new JsonLinesParser();
    const out = p.push(
      enc(
        `${pyJson({ step: 1, loss: Number.NaN, note: 'NaN Infinity' })}\n${pyJson({ step: 2, loss: Number.POSITIVE_INFINITY, g: Number.NEGATIVE_INFINITY })}\n`,
      ),
    );
    expect(out.problems).toEqual([]);
    expect(out.samples.map((s) => [s.series, s.step, s.value])).toEqual([
      ['loss', 1, Number.NaN],
      ['loss', 2, Number.POSITIVE_INFINITY],
      ['g', 2, Number.NEGATIVE_INFINITY],
    ]);
  });

  it('uses step, else global_step, else the record index; flattens nested objects', () => {
    const p = new JsonLinesParser();
    const out = p.push(enc('{"loss": 1}\n{"global_step": 7, "val": {"loss": 2}}\n{"loss": 3}\n'));
    expect(out.samples.map((s) => [s.series, s.step, s.value])).toEqual([
      ['loss', 0, 1],
      ['val/loss', 7, 2],
      ['loss', 2, 3],
    ]);
  });

  it('reports a bad line with its line number and reads on', () => {
    const p = new JsonLinesParser();
    const out = p.push(enc('{"step":1,"a":1}\n{"step":2,"a":\n[1,2]\n\n{"step":3,"a":3}\n'));
    expect(out.samples.map((s) => s.step)).toEqual([1, 3]);
    expect(out.problems.map((q) => q.where)).toEqual(['line 2', 'line 3']);
  });

  it('holds back a partial last line: any split of the bytes gives the same records (property)', () => {
    const lines = Array.from(
      { length: 20 },
      (_, i) => `${pyJson({ step: i, loss: 1 / (i + 1), t: 'é€' })}\n`,
    );
    const bytes = enc(lines.join(''));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }),
        (cuts) => {
          const p = new JsonLinesParser();
          const at = [0, ...cuts.sort((a, b) => a - b), bytes.length];
          const steps: number[] = [];
          for (let i = 0; i + 1 < at.length; i++)
            for (const s of p.push(bytes.subarray(at[i], at[i + 1])).samples) steps.push(s.step);
          expect(steps).toEqual(Array.from({ length: 20 }, (_, i) => i));
          expect(p.consumed).toBe(bytes.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reads a 50 MB single line that arrives in 1 MB pieces', () => {
    const p = new JsonLinesParser();
    const big = `{"step": 1, "loss": 0.5, "blob": "${'x'.repeat(50 * 1024 * 1024)}"}\n`;
    const bytes = Buffer.from(big);
    const samples = [];
    for (let i = 0; i < bytes.length; i += 1 << 20) {
      const out = p.push(bytes.subarray(i, i + (1 << 20)));
      expect(out.problems).toEqual([]);
      samples.push(...out.samples);
    }
    expect(samples.map((s) => [s.series, s.value])).toEqual([['loss', 0.5]]);
  });
});
