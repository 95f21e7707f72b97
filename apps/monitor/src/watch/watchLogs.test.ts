import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fileVersionRecord,
  lightningCsv,
  pyJson,
  scalarRecord,
  trainerState,
} from '../../test/logWriters.js';
import { removeDir, settle, tempDir, until, watchHarness } from '../../test/watchHarness.js';
import { arrowStreamPieces } from '../demo/arrowStreamPieces.js';

let dir: string;
let h: ReturnType<typeof watchHarness> | null = null;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  h?.stop();
  h = null;
  await removeDir(dir);
});

const values = (ps: { value: number }[]) => ps.map((p) => p.value);

describe('watchLogs over real files', () => {
  it('JSON lines appended in pieces that split lines: every value once, in order', async () => {
    const f = join(dir, 'run.jsonl');
    await writeFile(f, '');
    h = watchHarness([dir]);
    const text = Array.from({ length: 30 }, (_, i) => `${pyJson({ step: i, loss: i / 2 })}\n`).join(
      '',
    );
    // pieces of 7 bytes, each written after the watcher has had a chance to read the last
    for (let i = 0; i < text.length; i += 37) {
      await appendFile(f, text.slice(i, i + 37));
      if (i % 370 === 0) await settle(120);
    }
    await h.count(f, 'loss', 30);
    await settle();
    expect(values(h.points(f, 'loss'))).toEqual(Array.from({ length: 30 }, (_, i) => i / 2));
    expect(h.problems()).toEqual([]);
  });

  it('Arrow IPC appended while watched (batch by batch and split mid-message)', async () => {
    const f = join(dir, 'outputs.arrows');
    const t = tableFromArrays({
      step: Int32Array.from({ length: 40 }, (_, i) => i),
      loss: Float64Array.from({ length: 40 }, (_, i) => 1 / (i + 1)),
    });
    const batches = [0, 10, 20, 30].flatMap((s) => t.slice(s, s + 10).batches);
    const pieces = arrowStreamPieces(t.schema, batches);
    await writeFile(f, pieces.schema);
    h = watchHarness([dir]);
    await until(() => h!.events.some((e) => e.type === 'source'), 'the source');
    for (const piece of pieces.batches) {
      const cut = Math.floor(piece.length / 2);
      await appendFile(f, piece.subarray(0, cut));
      await settle(150);
      await appendFile(f, piece.subarray(cut));
    }
    await h.count(f, 'loss', 40);
    await settle();
    expect(h.points(f, 'loss').map((p) => p.step)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(h.problems()).toEqual([]);
  });

  it('tfevents appended record by record, a partial record waits', async () => {
    const f = join(dir, 'events.out.tfevents.1700000000.host');
    await writeFile(f, fileVersionRecord());
    h = watchHarness([dir]);
    for (let i = 0; i < 10; i++) {
      const rec = scalarRecord('train/loss', i, 10 - i);
      await appendFile(f, rec.subarray(0, 5));
      await settle(30);
      await appendFile(f, rec.subarray(5));
    }
    await h.count(f, 'train/loss', 10);
    await settle();
    expect(values(h.points(f, 'train/loss'))).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(h.problems()).toEqual([]);
  });

  it('Lightning metrics.csv rewritten with a new header mid-run: nothing twice, nothing dropped', async () => {
    const f = join(dir, 'lightning_logs', 'version_0', 'metrics.csv');
    await mkdir(join(dir, 'lightning_logs', 'version_0'), { recursive: true });
    h = watchHarness([dir]);
    const rows: Record<string, number>[] = [];
    let keys = ['epoch', 'step', 'train_loss'];
    for (let s = 0; s < 6; s++) {
      rows.push({ epoch: 0, step: s, train_loss: 2 - s / 10 });
      await writeFile(f, lightningCsv(keys, rows));
      await settle(60);
    }
    keys = ['epoch', 'step', 'train_loss', 'val_loss'];
    rows.push({ epoch: 0, step: 5, val_loss: 1.9 });
    await writeFile(f, lightningCsv(keys, rows));
    for (let s = 6; s < 9; s++) {
      rows.push({ epoch: 0, step: s, train_loss: 2 - s / 10 });
      await appendFile(f, lightningCsv(keys, rows.slice(-1)).split('\r\n').slice(1).join('\r\n'));
    }
    await h.count(f, 'train_loss', 9);
    await h.count(f, 'val_loss', 1);
    await settle();
    const summary = h.summary().sources.find((s) => s.path === f)!;
    expect(summary.series.train_loss.count).toBe(9);
    expect(summary.series.val_loss.count).toBe(1);
    expect(summary.series.epoch.count).toBe(10);
    expect(h.problems()).toEqual([]);
  });

  it('trainer_state.json rewritten between reads', async () => {
    const f = join(dir, 'checkpoint-10', 'trainer_state.json');
    await mkdir(join(dir, 'checkpoint-10'));
    h = watchHarness([dir]);
    const history: Record<string, number>[] = [];
    for (let s = 1; s <= 5; s++) {
      history.push({ epoch: s / 10, loss: 3 - s / 2, step: s * 10 });
      await writeFile(f, trainerState(history));
      await h.count(f, 'loss', s);
    }
    await settle();
    expect(h.points(f, 'loss').map((p) => [p.step, p.value])).toEqual(
      history.map((e) => [e.step, e.loss]),
    );
  });

  it('picks up new files in new subdirectories', async () => {
    h = watchHarness([dir]);
    await settle(200);
    await mkdir(join(dir, 'a', 'b'), { recursive: true });
    const f = join(dir, 'a', 'b', 'late.ndjson');
    await writeFile(f, '{"step":1,"x":1}\n');
    await h.count(f, 'x', 1);
  });

  it('reports a file named on the command line whose format it does not read', async () => {
    const f = join(dir, 'notes.txt');
    await writeFile(f, 'hello\n');
    h = watchHarness([f]);
    await until(() => h!.problems(f).length === 1, 'the report');
    expect(h.problems(f)[0].message).toMatch(/not a log format/);
  });

  it('a rotated tfevents file whose new name also matches is not read twice', async () => {
    const f = join(dir, 'events.out.tfevents.1.host');
    await writeFile(
      f,
      Buffer.concat([fileVersionRecord(), scalarRecord('l', 0, 0), scalarRecord('l', 1, 1)]),
    );
    h = watchHarness([dir]);
    await h.count(f, 'l', 2);
    await rename(f, `${f}.old`);
    await writeFile(f, Buffer.concat([fileVersionRecord(), scalarRecord('l', 2, 2)]));
    await h.count(f, 'l', 3);
    await settle(600);
    expect(h.points(undefined, 'l').map((p) => p.value)).toEqual([0, 1, 2]);
  });
});
