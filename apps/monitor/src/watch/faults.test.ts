// Issue 7, "Faults while watching": a writer produces logs while the monitor follows them and
// injects faults; after each, every value the writer completed is in the summary exactly once and
// each problem is reported once. (A file that becomes unreadable is in src/cli.test.ts: it needs
// a monitor process that is not root.)
import { randomBytes } from 'node:crypto';
import { appendFile, open, rename, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  encodeEvent,
  fileVersionRecord,
  frameRecord,
  lightningCsv,
  pyJson,
  scalarRecord,
  trainerState,
} from '../../test/logWriters.js';
import { removeDir, settle, tempDir, until, watchHarness } from '../../test/watchHarness.js';
import { arrowStreamPieces } from '../demo/arrowStreamPieces.js';

let dir: string;
let h: ReturnType<typeof watchHarness>;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  h?.stop();
  await removeDir(dir);
});

const line = (step: number, loss: number) => `${pyJson({ step, loss })}\n`;
const lines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => line(from + i, (from + i) / 100)).join('');
const count = (path: string, series: string) =>
  h.summary().sources.find((s) => s.path === path)?.series[series]?.count ?? 0;

describe('faults while watching', () => {
  it('truncation in the middle of a record (a torn write cut back to the last whole record)', async () => {
    const f = join(dir, 'run.jsonl');
    await writeFile(f, lines(0, 5));
    h = watchHarness([dir]);
    await h.count(f, 'loss', 5);
    const size = Buffer.byteLength(lines(0, 5));
    await appendFile(f, '{"step": 5, "lo'); // the writer dies mid-record
    await settle(300);
    await truncate(f, size); // recovery cuts the torn record off
    await settle(300);
    await appendFile(f, lines(5, 9)); // and the writer goes on
    await h.count(f, 'loss', 9);
    await settle();
    expect(h.points(f, 'loss').map((p) => p.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(h.problems(f)).toHaveLength(1);
    expect(h.problems(f)[0].message).toMatch(/inside an unfinished record/);
  });

  it('truncation to zero mid-record (copytruncate / a restarted job), tfevents', async () => {
    const f = join(dir, 'events.out.tfevents.1.host');
    await writeFile(
      f,
      Buffer.concat([fileVersionRecord(), scalarRecord('l', 0, 0), scalarRecord('l', 1, 1)]),
    );
    h = watchHarness([dir]);
    await h.count(f, 'l', 2);
    await appendFile(f, scalarRecord('l', 2, 2).subarray(0, 9)); // half a record
    await settle(300);
    await truncate(f, 0);
    await settle(300);
    await appendFile(
      f,
      Buffer.concat([fileVersionRecord(), scalarRecord('l', 10, 10), scalarRecord('l', 11, 11)]),
    );
    await h.count(f, 'l', 4);
    await settle();
    expect(h.points(f, 'l').map((p) => p.value)).toEqual([0, 1, 10, 11]);
    expect(h.problems(f)).toHaveLength(1);
    expect(h.problems(f)[0].message).toMatch(/truncated/);
  });

  it('rotation: rename (the writer finishes on its open handle), then a new file at the old path', async () => {
    const f = join(dir, 'run.jsonl');
    const fd = await open(f, 'a');
    await fd.write(lines(0, 5));
    h = watchHarness([dir]);
    await h.count(f, 'loss', 5);
    await rename(f, `${f}.1`);
    await fd.write(lines(5, 7)); // still going to the renamed file
    await fd.close();
    await writeFile(f, lines(7, 10));
    await h.count(f, 'loss', 10);
    await settle();
    expect(h.points(f, 'loss').map((p) => p.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(h.problems()).toEqual([]);
  });

  it('Arrow IPC: a torn message cut back, then rotation to a new stream at the old path', async () => {
    const f = join(dir, 'outputs.arrows');
    const t = tableFromArrays({
      step: Int32Array.from({ length: 60 }, (_, i) => i),
      loss: Float64Array.from({ length: 60 }, (_, i) => 1 / (i + 1)),
    });
    const batches = [0, 10, 20, 30, 40, 50].flatMap((s) => t.slice(s, s + 10).batches);
    const { schema, batches: pieces } = arrowStreamPieces(t.schema, batches);
    await writeFile(f, Buffer.concat([schema, pieces[0], pieces[1]]));
    h = watchHarness([dir]);
    await h.count(f, 'loss', 20);
    const size = schema.length + pieces[0].length + pieces[1].length;
    await appendFile(f, pieces[2].subarray(0, 100)); // the writer dies inside a message
    await settle(300);
    await truncate(f, size);
    await settle(300);
    await appendFile(f, Buffer.concat([pieces[2], pieces[3]]));
    await h.count(f, 'loss', 40);
    await rename(f, `${f}.1`);
    await writeFile(f, Buffer.concat([schema, pieces[4], pieces[5]]));
    await h.count(f, 'loss', 60);
    await settle();
    expect(h.points(f, 'loss').map((p) => p.step)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(h.problems(f)).toHaveLength(1);
  });

  it('deletion and re-creation', async () => {
    const f = join(dir, 'run.jsonl');
    const s = join(dir, 'trainer_state.json');
    await writeFile(f, lines(0, 4));
    await writeFile(
      s,
      trainerState([
        { loss: 1, step: 1 },
        { loss: 0.9, step: 2 },
      ]),
    );
    h = watchHarness([dir]);
    await h.count(f, 'loss', 4);
    await h.count(s, 'loss', 2);
    await unlink(f);
    await unlink(s);
    await until(() => h.events.filter((e) => e.type === 'removed').length === 2, 'both removals');
    await writeFile(f, lines(4, 7));
    await writeFile(s, trainerState([{ loss: 0.5, step: 1 }]));
    await h.count(f, 'loss', 7);
    await h.count(s, 'loss', 3);
    await settle();
    expect(count(f, 'loss')).toBe(7);
    expect(count(s, 'loss')).toBe(3);
    expect(h.problems()).toEqual([]);
  });

  it('a 50 MB single line arriving in pieces', async () => {
    const f = join(dir, 'run.jsonl');
    await writeFile(f, lines(0, 3));
    h = watchHarness([dir]);
    await h.count(f, 'loss', 3);
    const big = Buffer.from(
      `{"step": 3, "loss": 0.03, "blob": "${'y'.repeat(50 * 1024 * 1024)}"}\n`,
    );
    for (let i = 0; i < big.length; i += 8 << 20) {
      await appendFile(f, big.subarray(i, i + (8 << 20)));
      await settle(50);
    }
    await appendFile(f, lines(4, 6));
    await h.count(f, 'loss', 6);
    await settle();
    expect(h.points(f, 'loss').map((p) => p.step)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(h.problems()).toEqual([]);
  });

  it('binary garbage in a JSON-lines file is one bad line, reported once', async () => {
    const f = join(dir, 'run.jsonl');
    await writeFile(f, lines(0, 3));
    h = watchHarness([dir]);
    await h.count(f, 'loss', 3);
    const garbage = randomBytes(4096).map((b) => (b === 10 ? 0 : b));
    await appendFile(f, Buffer.concat([garbage, Buffer.from('\n')]));
    await appendFile(f, lines(3, 6));
    await h.count(f, 'loss', 6);
    await settle();
    expect(count(f, 'loss')).toBe(6);
    expect(h.problems(f).map((p) => p.where)).toEqual(['line 4']);
  });

  it('a tfevents record with a bad CRC is reported once and skipped', async () => {
    const f = join(dir, 'events.out.tfevents.2.host');
    await writeFile(f, Buffer.concat([fileVersionRecord(), scalarRecord('l', 0, 0)]));
    h = watchHarness([dir]);
    await h.count(f, 'l', 1);
    const bad = frameRecord(
      encodeEvent({ wallTime: 1, step: 1, values: [{ tag: 'l', simpleValue: 1 }] }),
      true,
    );
    await appendFile(f, bad);
    await appendFile(f, Buffer.concat([scalarRecord('l', 2, 2), scalarRecord('l', 3, 3)]));
    await h.count(f, 'l', 3);
    await settle();
    expect(h.points(f, 'l').map((p) => p.step)).toEqual([0, 2, 3]);
    expect(h.problems(f)).toHaveLength(1);
    expect(h.problems(f)[0].message).toMatch(/CRC/);
  });

  it('trainer_state.json and metrics.csv caught half-written', async () => {
    const s = join(dir, 'trainer_state.json');
    const c = join(dir, 'metrics.csv');
    const history = [1, 2, 3].map((i) => ({ loss: 1 / i, step: i * 10 }));
    const rows = [0, 1, 2].map((i) => ({ step: i, train_loss: 1 / (i + 1) }));
    await writeFile(s, trainerState(history.slice(0, 2)));
    await writeFile(c, lightningCsv(['step', 'train_loss'], rows.slice(0, 2)));
    h = watchHarness([dir]);
    await h.count(s, 'loss', 2);
    await h.count(c, 'train_loss', 2);
    const fullS = trainerState(history);
    const fullC = lightningCsv(
      ['step', 'train_loss', 'val_loss'],
      [...rows, { step: 2, val_loss: 3 }],
    );
    await writeFile(s, fullS.slice(0, fullS.length / 2));
    await writeFile(c, fullC.slice(0, 20));
    await until(() => h.problems(s).length === 1, 'the half-written report');
    await settle();
    await writeFile(s, fullS);
    await writeFile(c, fullC);
    await h.count(s, 'loss', 3);
    await h.count(c, 'val_loss', 1);
    await settle();
    expect(count(s, 'loss')).toBe(3);
    expect(count(c, 'train_loss')).toBe(3);
    expect(h.problems(s)).toHaveLength(1);
    expect(h.problems(c)).toEqual([]);
  });
});
