import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crossEntropy } from '@losskit/core';
import { Utf8, vectorFromArray } from 'apache-arrow';
import { lastValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batchOf, ceBatch, fileBytes, list32, streamBytes } from '../test/arrowBatches.js';
import { fdsTo, settledFdsTo } from '../test/fds.js';
import { ArrowIpcError, fromArrowIPC, runningLoss } from './index.js';
import { vetMessage } from './ipcGuard.js';

const dir = mkdtempSync(join(tmpdir(), 'losskit-ipc-'));
const CE = { loss: 'crossEntropy', columns: { input: 'logits', target: 'label' } };
const batches = [ceBatch(100, 10, 1), ceBatch(37, 10, 2), ceBatch(0, 10, 3), ceBatch(64, 10, 4)];

function oneShot(): number {
  const rows = batches.reduce((a, b) => a + b.numRows, 0);
  const logits = new Float32Array(rows * 10);
  const labels = new Int32Array(rows);
  let r = 0;
  for (const b of batches) {
    logits.set(b.data.children[0].children[0].values as Float32Array, r * 10);
    labels.set(b.data.children[1].values as Int32Array, r);
    r += b.numRows;
  }
  return crossEntropy({ data: logits, shape: [rows, 10] }, labels).value;
}

function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('fromArrowIPC', () => {
  const expected = oneShot();

  it('reads an IPC stream file by path into a running cross-entropy equal to the one-shot value, and closes it', async () => {
    const p = file('stream.arrows', streamBytes(batches));
    const last = await lastValueFrom(fromArrowIPC(p, { chunkSize: 333 }).pipe(runningLoss(CE)));
    expect(last.value).toBeCloseTo(expected, 13);
    expect(last.rows).toBe(201);
    expect(last.index).toBe(3);
    expect(await settledFdsTo(p)).toBe(0);
  });

  it('reads the IPC file format (ARROW1 magic) from a path and leaves a FileHandle it was given open', async () => {
    const p = file('file.arrow', fileBytes(batches));
    expect((await lastValueFrom(fromArrowIPC(p).pipe(runningLoss(CE)))).value).toBeCloseTo(
      expected,
      13,
    );
    const fh = await open(p, 'r');
    try {
      expect((await lastValueFrom(fromArrowIPC(fh).pipe(runningLoss(CE)))).value).toBeCloseTo(
        expected,
        13,
      );
      expect((await fh.stat()).size).toBeGreaterThan(0); // still open: ours to close
    } finally {
      await fh.close();
    }
    expect(await settledFdsTo(p)).toBe(0);
  });

  it('reads a stream file in reads no larger than the file (one by default), or of chunkSize', async () => {
    const bytes = streamBytes([ceBatch(3000, 10, 5), ...batches]);
    const p = file('sized.arrows', bytes);
    /** The lengths of the reads fromArrowIPC makes through a real handle (the 6-byte magic probe aside). */
    const readsOf = async (options: { chunkSize?: number }) => {
      const fh = await open(p, 'r');
      const lengths: number[] = [];
      const read = fh.read.bind(fh) as (b: Uint8Array, o: number, l: number, p: number) => unknown;
      Object.assign(fh, {
        read: (b: Uint8Array, o: number, l: number, at: number) => {
          if (l !== 6) lengths.push(l);
          return read(b, o, l, at);
        },
      });
      try {
        const last = await lastValueFrom(fromArrowIPC(fh, options).pipe(runningLoss(CE)));
        expect(last.rows).toBe(3201);
      } finally {
        await fh.close();
      }
      return lengths;
    };
    // the whole file in one read of its size (not a 16 MiB buffer); Arrow stops at the
    // end-of-stream marker, so nothing more is read
    expect(await readsOf({})).toEqual([bytes.length]);
    const small = await readsOf({ chunkSize: 4096 });
    expect(small).toEqual(new Array(Math.ceil(bytes.length / 4096)).fill(4096));
  });

  it('rejects a chunkSize that is not a positive integer, naming the function and the option', () => {
    for (const chunkSize of [0, -1, 1.5, Number.NaN, 2 ** 31, '64' as unknown as number]) {
      expect(() => fromArrowIPC('unused.arrows', { chunkSize })).toThrow(
        expect.objectContaining({
          name: 'LossOptionError',
          fn: 'fromArrowIPC',
          arg: 'chunkSize',
        }),
      );
    }
  });

  it('reads the IPC file format from a Readable and an AsyncIterable (read whole, then by its footer)', async () => {
    const bytes = fileBytes(batches);
    const p = file('file-stream.arrow', bytes);
    const viaReadable = await lastValueFrom(
      fromArrowIPC(createReadStream(p, { highWaterMark: 5 })).pipe(runningLoss(CE)),
    );
    expect(viaReadable.value).toBeCloseTo(expected, 13);
    const viaChunks = await lastValueFrom(fromArrowIPC(pieces(bytes, 3)).pipe(runningLoss(CE)));
    expect(viaChunks.rows).toBe(201);
  });

  it('reads the pre-0.15 framing (no continuation marker before each length)', async () => {
    // Rewrite each message's 8-byte prefix (0xFFFFFFFF, length) as the legacy 4-byte length.
    const modern = streamBytes(batches);
    const out: number[] = [];
    const dv = new DataView(modern.buffer, modern.byteOffset, modern.byteLength);
    let o = 0;
    const bodyOf = (meta: Uint8Array) => vetMessage(meta).bodyLength;
    while (o < modern.length) {
      const len = dv.getInt32(o + 4, true);
      out.push(...modern.subarray(o + 4, o + 8));
      if (len === 0) break;
      const meta = modern.subarray(o + 8, o + 8 + len);
      const body = bodyOf(meta);
      out.push(...modern.subarray(o + 8, o + 8 + len + body));
      o += 8 + len + body;
    }
    const legacy = Uint8Array.from(out);
    expect(legacy.length).toBeLessThan(modern.length);
    const last = await lastValueFrom(fromArrowIPC(pieces(legacy, 13)).pipe(runningLoss(CE)));
    expect(last.value).toBeCloseTo(expected, 13);
  });

  it('reads a Node Readable and an AsyncIterable of odd-sized chunks', async () => {
    const bytes = streamBytes(batches);
    const p = file('readable.arrows', bytes);
    const viaReadable = await lastValueFrom(
      fromArrowIPC(createReadStream(p, { highWaterMark: 100 })).pipe(runningLoss(CE)),
    );
    expect(viaReadable.value).toBeCloseTo(expected, 13);
    const viaChunks = await lastValueFrom(fromArrowIPC(pieces(bytes, 7)).pipe(runningLoss(CE)));
    expect(viaChunks.value).toBeCloseTo(expected, 13);
  });

  it('pulls: no bytes are read ahead of the batch being delivered, and take(n) stops the reading', async () => {
    // One chunk per message: schema, then one per batch.
    const many = Array.from({ length: 50 }, (_, i) => ceBatch(10, 4, i));
    const stream = streamBytes(many);
    const one = streamBytes([many[0]]).length - 8;
    const two = streamBytes(many.slice(0, 2)).length - 8;
    const msg = two - one;
    const schemaEnd = one - msg;
    let pulled = 0;
    let finished = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        pulled++;
        yield stream.subarray(0, schemaEnd);
        for (let o = schemaEnd; o < stream.length - 8; o += msg) {
          pulled++;
          yield stream.subarray(o, o + msg);
        }
      } finally {
        finished = true;
      }
    }
    const got = await lastValueFrom(fromArrowIPC(source()).pipe(take(5), toArray()));
    expect(got.length).toBe(5);
    // schema chunk + 5 batch chunks, at most one more requested before the teardown.
    expect(pulled).toBeLessThanOrEqual(7);
    expect(await waitUntil(() => finished)).toBe(true);
  });

  it('signals an ArrowIpcError for a missing file, empty bytes and bytes that are not Arrow IPC', async () => {
    for (const src of [
      join(dir, 'nope.arrows'),
      file('empty.arrows', new Uint8Array(0)),
      file('text.arrows', new TextEncoder().encode('step,loss\n1,0.5\n')),
    ]) {
      const err = await lastValueFrom(fromArrowIPC(src)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArrowIpcError);
      expect((err as ArrowIpcError).source).toBe(src);
      expect(fdsTo(src)).toBe(0);
    }
  });

  it('a wrong column type reaches runningLoss as a StreamColumnError, and the file is released', async () => {
    const b = batchOf({
      logits: list32([1, 2, 3, 4], 2),
      label: vectorFromArray(['cat', 'dog'], new Utf8()).data[0],
    });
    const p = file('wrongtype.arrows', streamBytes([b]));
    const err = await lastValueFrom(fromArrowIPC(p).pipe(runningLoss(CE))).catch((e: unknown) => e);
    expect((err as Error).name).toBe('StreamColumnError');
    expect(await settledFdsTo(p)).toBe(0);
  });
});

async function waitUntil(f: () => boolean, tries = 200): Promise<boolean> {
  for (let i = 0; i < tries && !f(); i++) await new Promise((r) => setTimeout(r, 5));
  return f();
}
