import { describe, expect, it } from 'vitest';
import { lightningCsv } from '../../test/logWriters.js';
import { LightningCsvParser, parseCsvNumber, splitCsv } from './LightningCsvParser.js';

const enc = (s: string) => new TextEncoder().encode(s);
const brief = (s: { series: string; step: number; value: number }) => [s.series, s.step, s.value];

describe('LightningCsvParser', () => {
  it('reads sparse rows; step is the x axis', () => {
    const p = new LightningCsvParser();
    const out = p.read(
      enc(
        lightningCsv(
          ['epoch', 'step', 'train_loss'],
          [
            { epoch: 0, step: 0, train_loss: 2.3 },
            { epoch: 0, step: 10 },
            { epoch: 0, step: 20, train_loss: Number.NaN },
          ],
        ),
      ),
    );
    expect(out.samples.filter((s) => s.series === 'train_loss').map(brief)).toEqual([
      ['train_loss', 0, 2.3],
      ['train_loss', 20, Number.NaN],
    ]);
  });

  it('after a mid-run header rewrite emits only the new values, none twice', () => {
    const p = new LightningCsvParser();
    const rows1 = [
      { epoch: 0, step: 0, train_loss: 2.0 },
      { epoch: 0, step: 1, train_loss: 1.5 },
    ];
    const first = p.read(enc(lightningCsv(['epoch', 'step', 'train_loss'], rows1)));
    expect(first.samples.filter((s) => s.series === 'train_loss')).toHaveLength(2);
    // a new metric appears: Lightning rewrites the whole file with the wider header
    const rows2 = [
      ...rows1,
      { epoch: 0, step: 2, val_loss: 1.7 },
      { epoch: 0, step: 3, train_loss: 1.2 },
    ];
    const second = p.read(enc(lightningCsv(['epoch', 'step', 'train_loss', 'val_loss'], rows2)));
    expect(second.samples.filter((s) => s.series !== 'epoch').map(brief)).toEqual([
      ['val_loss', 2, 1.7],
      ['train_loss', 3, 1.2],
    ]);
    // the same file read again yields nothing
    expect(
      p.read(enc(lightningCsv(['epoch', 'step', 'train_loss', 'val_loss'], rows2))).samples,
    ).toEqual([]);
  });

  it('a read caught mid-rewrite (truncated, last line partial) emits nothing new until complete', () => {
    const p = new LightningCsvParser();
    const rows = [1, 2, 3, 4].map((i) => ({ step: i, loss: i / 10 }));
    const full = lightningCsv(['step', 'loss'], rows);
    p.read(enc(lightningCsv(['step', 'loss'], rows.slice(0, 2))));
    const half = full.slice(0, full.length - 5);
    expect(p.read(enc(half)).samples.map(brief)).toEqual([['loss', 3, 0.3]]);
    expect(p.read(enc(full)).samples.map(brief)).toEqual([['loss', 4, 0.4]]);
  });

  it('splits quoted fields and reads Python float spellings', () => {
    expect(splitCsv('a,"b,c","d""e"\r\n1,2')).toEqual([['a', 'b,c', 'd"e']]);
    expect([
      parseCsvNumber('nan'),
      parseCsvNumber('inf'),
      parseCsvNumber('-inf'),
      parseCsvNumber(''),
    ]).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null]);
  });
});
