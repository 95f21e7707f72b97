import { describe, expect, it } from 'vitest';
import {
  encodeEvent,
  fileVersionRecord,
  frameRecord,
  scalarRecord,
} from '../../test/logWriters.js';
import { TfEventsParser } from './TfEventsParser.js';

const concat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));

describe('TfEventsParser', () => {
  it('reads simple_value scalars and skips the file-version event', () => {
    const p = new TfEventsParser();
    const out = p.push(
      concat(
        fileVersionRecord(),
        scalarRecord('loss', 0, 2.5, 100.25),
        scalarRecord('loss', 10, 0.75),
      ),
    );
    expect(out.problems).toEqual([]);
    expect(out.samples).toEqual([
      { series: 'loss', step: 0, value: 2.5, wallTime: 100.25 },
      { series: 'loss', step: 10, value: 0.75, wallTime: 1.7e9 },
    ]);
  });

  it('reads TF2 tensor summaries, float and double, from tensor_content and packed *_val', () => {
    const p = new TfEventsParser();
    const rec = frameRecord(
      encodeEvent({
        wallTime: 5,
        step: 2 ** 40, // int64 step beyond 32 bits
        values: [
          { tag: 'f', tensor: 'float', value: 0.5, packing: 'content' },
          { tag: 'd', tensor: 'double', value: 0.1, packing: 'content' },
          { tag: 'fv', tensor: 'float', value: -3.25, packing: 'val' },
          { tag: 'dv', tensor: 'double', value: 1 / 3, packing: 'val' },
        ],
      }),
    );
    const out = p.push(rec);
    expect(out.samples).toEqual([
      { series: 'f', step: 2 ** 40, value: 0.5, wallTime: 5 },
      { series: 'd', step: 2 ** 40, value: 0.1, wallTime: 5 },
      { series: 'fv', step: 2 ** 40, value: -3.25, wallTime: 5 },
      { series: 'dv', step: 2 ** 40, value: 1 / 3, wallTime: 5 },
    ]);
  });

  it('waits on a partial trailing record, byte by byte, and reads it once complete', () => {
    const bytes = concat(fileVersionRecord(), scalarRecord('a', 1, 1), scalarRecord('a', 2, 2));
    const p = new TfEventsParser();
    const seen: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const out = p.push(bytes.subarray(i, i + 1));
      expect(out.problems).toEqual([]);
      for (const s of out.samples) seen.push(s.value);
    }
    expect(seen).toEqual([1, 2]);
    expect(p.consumed).toBe(bytes.length);
    expect(p.pending).toBe(0);
  });

  it('reports a record with a bad data CRC once and reads on', () => {
    const bad = frameRecord(
      encodeEvent({ wallTime: 1, step: 5, values: [{ tag: 'a', simpleValue: 9 }] }),
      true,
    );
    const p = new TfEventsParser();
    const out = p.push(concat(scalarRecord('a', 4, 4), bad, scalarRecord('a', 6, 6)));
    expect(out.samples.map((s) => s.step)).toEqual([4, 6]);
    expect(out.problems).toEqual([
      {
        where: `record 1 (byte ${scalarRecord('a', 4, 4).length})`,
        message: 'data CRC mismatch; record skipped',
      },
    ]);
  });

  it('resynchronises after a corrupt length header, reporting it once', () => {
    const good1 = scalarRecord('a', 1, 1);
    const broken = scalarRecord('a', 2, 2);
    broken[3] ^= 0xff; // the length no longer matches its CRC
    const p = new TfEventsParser();
    const out = p.push(concat(good1, broken, scalarRecord('a', 3, 3)));
    expect(out.samples.map((s) => s.step)).toEqual([1, 3]);
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0].message).toMatch(/corrupt record header/);
  });
});
