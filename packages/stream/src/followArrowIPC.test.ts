import { spawn } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, tap, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batchOf, f32, streamBytes } from '../test/arrowBatches.js';
import { fdsTo, settledFdsTo } from '../test/fds.js';
import { type FollowResetReason, followArrowIPC, runningLoss } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'losskit-follow-'));
const SUM_IDS = {
  loss: 'l1',
  columns: { input: 'id', target: 'zero' },
  options: { reduction: 'sum' },
};

function idBatch(from: number, rows: number) {
  return batchOf({
    id: f32(Array.from({ length: rows }, (_, i) => from + i)),
    zero: f32(new Array(rows).fill(0)),
  });
}

/** Stream bytes without the end-of-stream marker: a stream still being written. */
function openStream(batches: ReturnType<typeof idBatch>[]): Uint8Array {
  const b = streamBytes(batches);
  return b.subarray(0, b.length - 8);
}

describe('followArrowIPC', () => {
  it('rejects a pollMs or chunkSize that is not a positive integer, naming the option', () => {
    const bad: [string, Record<string, unknown>][] = [
      ['pollMs', { pollMs: 0 }],
      ['pollMs', { pollMs: -5 }],
      ['pollMs', { pollMs: Number.POSITIVE_INFINITY }],
      ['chunkSize', { chunkSize: 0 }],
      ['chunkSize', { chunkSize: 0.5 }],
    ];
    for (const [arg, options] of bad) {
      expect(() => followArrowIPC(join(dir, 'never.arrows'), options)).toThrow(
        expect.objectContaining({ name: 'LossOptionError', fn: 'followArrowIPC', arg }),
      );
    }
  });

  it('hands Arrow buffers of the bytes read, so a small batch kept does not keep a whole chunk', async () => {
    const p = join(dir, 'small.arrows');
    const bytes = streamBytes([idBatch(0, 10), idBatch(10, 5)]); // with the end-of-stream marker
    writeFileSync(p, bytes);
    const kept = await lastValueFrom(followArrowIPC(p, { pollMs: 3 }).pipe(toArray()));
    expect(kept.map((b) => b.numRows)).toEqual([10, 5]);
    for (const b of kept) {
      const values = b.getChild('id')?.data[0].values as Float32Array;
      // the default chunk is 1 MiB; the buffer behind the batch is the file's bytes only
      expect(values.buffer.byteLength).toBeLessThanOrEqual(bytes.length);
    }
  });

  it('counts every row exactly once while another process appends in odd-sized pieces', async () => {
    const p = join(dir, 'train.arrows'); // does not exist yet: the follower waits for it
    const batches = 40;
    const rows = 25;
    const follow = lastValueFrom(followArrowIPC(p, { pollMs: 3 }).pipe(runningLoss(SUM_IDS)));
    const child = spawn(
      process.execPath,
      [join(here, '../test/appendWriter.mjs'), p, String(batches), String(rows)],
      {
        cwd: resolve(here, '..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    const last = await follow; // completes at the writer's end-of-stream marker
    expect(await exited).toBe(0);
    const n = batches * rows;
    expect(last.rows).toBe(n);
    expect(last.index).toBe(batches - 1);
    expect(last.value).toBe((n * (n - 1)) / 2); // Σ id over 0..n−1: no row lost, none twice
    expect(await settledFdsTo(p)).toBe(0);
  }, 30_000);

  it('starts over on a replaced file and tells onReset, keeping what it emitted', async () => {
    const p = join(dir, 'rotate.arrows');
    writeFileSync(p, openStream([idBatch(0, 3), idBatch(3, 2)]));
    const resets: FollowResetReason[] = [];
    const seen: number[] = [];
    const done = lastValueFrom(
      followArrowIPC(p, { pollMs: 3, onReset: (r) => resets.push(r) }).pipe(
        tap((b) => seen.push(b.numRows)),
        toArray(),
      ),
    );
    await waitUntil(() => seen.length === 2);
    // Rotation: a new file is renamed over the path; it ends with the end-of-stream marker.
    writeFileSync(`${p}.new`, streamBytes([idBatch(100, 4)]));
    renameSync(`${p}.new`, p);
    const all = await done;
    expect(resets).toEqual(['replaced']);
    expect(all.map((b) => b.numRows)).toEqual([3, 2, 4]);
  }, 30_000);

  it('starts over on truncation', async () => {
    const p = join(dir, 'trunc.arrows');
    writeFileSync(p, openStream([idBatch(0, 3)]));
    const resets: FollowResetReason[] = [];
    const rows: number[] = [];
    const done = lastValueFrom(
      followArrowIPC(p, { pollMs: 3, onReset: (r) => resets.push(r) }).pipe(
        tap((b) => rows.push(b.numRows)),
      ),
    );
    await waitUntil(() => rows.length === 1);
    truncateSync(p, 0);
    await waitUntil(() => resets.length > 0);
    writeFileSync(p, streamBytes([idBatch(7, 1)]));
    const last = await done;
    expect(resets).toEqual(['truncated']);
    expect(last.numRows).toBe(1);
    expect(rows).toEqual([3, 1]);
  }, 30_000);

  it('after a deletion, waits for a new file at the path and starts over on it', async () => {
    const p = join(dir, 'deleted.arrows');
    writeFileSync(p, openStream([idBatch(0, 2)]));
    const resets: FollowResetReason[] = [];
    const rows: number[] = [];
    const done = lastValueFrom(
      followArrowIPC(p, { pollMs: 3, onReset: (r) => resets.push(r) }).pipe(
        tap((b) => rows.push(b.numRows)),
        toArray(),
      ),
    );
    await waitUntil(() => rows.length === 1);
    rmSync(p);
    await waitUntil(() => resets.length === 1);
    expect(fdsTo(p)).toBe(0); // the deleted file is no longer held open
    writeFileSync(p, streamBytes([idBatch(2, 5)]));
    const all = await done;
    expect(resets).toEqual(['deleted']);
    expect(all.map((b) => b.numRows)).toEqual([2, 5]);
  }, 30_000);

  it('releases the file handle as soon as the subscriber unsubscribes, even mid-wait', async () => {
    const p = join(dir, 'release.arrows');
    writeFileSync(p, openStream([idBatch(0, 2)]));
    const got: number[] = [];
    const sub = followArrowIPC(p, { pollMs: 60_000 }).subscribe((b) => got.push(b.numRows));
    await waitUntil(() => got.length === 1);
    expect(fdsTo(p)).toBe(1); // open, waiting for more bytes (a one-minute poll)
    sub.unsubscribe();
    expect(await settledFdsTo(p)).toBe(0); // the pending wait was aborted
    rmSync(p);
  }, 30_000);
});

async function waitUntil(f: () => boolean, tries = 2000): Promise<boolean> {
  for (let i = 0; i < tries && !f(); i++) await new Promise((r) => setTimeout(r, 5));
  return f();
}
