import { type FileHandle, open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RecordBatch, RecordBatchReader } from 'apache-arrow';
import { Observable } from 'rxjs';
import { countOption } from './countOption.js';
import { ArrowIpcError } from './errors.js';
import { checkSchema, guardStream, toIpcError } from './ipcGuard.js';

/** Why `followArrowIPC` started over. */
export type FollowResetReason = 'truncated' | 'replaced' | 'deleted';

export interface FollowArrowIpcOptions {
  /** How often to look for more bytes (and for truncation or replacement), ms. Default 100. */
  pollMs?: number;
  /** Bytes read per pull when bytes are available. Default 1 MiB. */
  chunkSize?: number;
  /**
   * Called when the file was truncated, replaced (another file now at the path, e.g. after a
   * rotation) or deleted. Reading then starts over at the beginning of whatever file is at the
   * path (waiting for one to appear after a deletion) and its schema.
   */
  onReset?: (reason: FollowResetReason) => void;
}

interface Generation {
  outcome: 'eos' | FollowResetReason | 'stopped';
}

/**
 * Follows an Arrow IPC *stream* file as a training process appends record batches to it: every
 * complete batch is emitted once, a partial trailing message is "not yet" (reading waits for the
 * rest), and the Observable never completes on its own unless the writer ends the stream (the
 * IPC end-of-stream marker), in which case it completes.
 *
 * Truncation (the file got shorter than what was read), replacement (the path now names another
 * file) and deletion are noticed at each poll once the old bytes are drained: batches already
 * emitted stay emitted, `onReset(reason)` is called, and reading starts over from the first byte
 * of the file at the path. (A rewrite that leaves the file at least as long and the same inode is
 * not detectable.) Before the file exists, it waits for it.
 *
 * Corrupt bytes are signalled as an `ArrowIpcError`. The file handle is closed as soon as the
 * subscriber unsubscribes (a pending wait is aborted), completes or errors.
 */
export function followArrowIPC(
  path: string,
  options: FollowArrowIpcOptions = {},
): Observable<RecordBatch> {
  const pollMs = countOption('followArrowIPC', 'pollMs', options.pollMs, 3_600_000) ?? 100;
  const chunkSize =
    countOption('followArrowIPC', 'chunkSize', options.chunkSize, 1 << 30) ?? 1 << 20;
  return new Observable<RecordBatch>((subscriber) => {
    const abort = new AbortController();
    const signal = abort.signal;
    const stopped = (): boolean => signal.aborted;

    const waitForFile = async (): Promise<FileHandle | null> => {
      while (!stopped()) {
        try {
          return await open(path, 'r');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
        await sleep(pollMs, undefined, { signal });
      }
      return null;
    };

    const followOnce = async (): Promise<Generation> => {
      const opened = await waitForFile();
      if (opened === null) return { outcome: 'stopped' };
      const fh: FileHandle = opened;
      let reason: FollowResetReason | null = null;
      try {
        const own = await fh.stat();
        // Wait for the first 8 bytes: a stream starts with the continuation marker 0xFFFFFFFF.
        const head = new Uint8Array(8);
        for (;;) {
          if (stopped()) return { outcome: 'stopped' };
          const { bytesRead } = await fh.read(head, 0, 8, 0);
          if (bytesRead === 8) break;
          await sleep(pollMs, undefined, { signal });
        }
        if (head[0] === 0x41 && head[1] === 0x52 && head[2] === 0x52 && head[3] === 0x4f) {
          throw new ArrowIpcError(
            path,
            'this is the IPC file format (ARROW1); followArrowIPC reads the IPC stream format',
          );
        }
        if (!(head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff)) {
          throw new ArrowIpcError(
            path,
            'not an Arrow IPC stream: no continuation marker at the start',
          );
        }
        async function* tail(): AsyncGenerator<Uint8Array, void, unknown> {
          let pos = 0;
          // One scratch buffer for the polls: Arrow's batches are views of the bytes yielded, so
          // a full read hands the scratch over (and takes a new one), a partial read (a writer's
          // few KB) hands over a copy of its own size. A batch kept alive then keeps only its
          // bytes, and a poll that finds nothing allocates nothing.
          let scratch = new Uint8Array(chunkSize);
          for (;;) {
            if (stopped()) return;
            const { bytesRead } = await fh.read(scratch, 0, chunkSize, pos);
            if (bytesRead > 0) {
              pos += bytesRead;
              let got: Uint8Array;
              if (bytesRead === chunkSize) {
                got = scratch;
                scratch = new Uint8Array(chunkSize);
              } else got = scratch.slice(0, bytesRead);
              yield got;
              continue;
            }
            // Drained: is the path still this file, at least as long as what we read?
            try {
              const now = await stat(path);
              if (now.ino !== own.ino || now.dev !== own.dev) reason = 'replaced';
              else if (now.size < pos) reason = 'truncated';
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
              reason = 'deleted';
            }
            if (reason !== null) return;
            await sleep(pollMs, undefined, { signal });
          }
        }
        let reader: RecordBatchReader;
        try {
          reader = (await RecordBatchReader.from(guardStream(tail(), path))) as RecordBatchReader;
          await reader.open();
          if (
            !stopped() &&
            reason === null &&
            (reader.schema === null || reader.schema === undefined)
          ) {
            throw new ArrowIpcError(path, 'no schema message: not an Arrow IPC stream');
          }
          const schema = reader.schema;
          for await (const batch of reader as AsyncIterable<RecordBatch>) {
            if (stopped()) return { outcome: 'stopped' };
            checkSchema(path, schema, batch);
            subscriber.next(batch);
          }
        } catch (err) {
          if (stopped()) return { outcome: 'stopped' };
          if (err instanceof ArrowIpcError) throw err;
          if (reason !== null) return { outcome: reason }; // the cut-off tail of the old file
          throw err;
        }
        if (stopped()) return { outcome: 'stopped' };
        return { outcome: reason ?? 'eos' };
      } finally {
        await fh.close().catch(() => {});
      }
    };

    (async () => {
      for (;;) {
        const g = await followOnce();
        if (g.outcome === 'stopped') return;
        if (g.outcome === 'eos') {
          subscriber.complete();
          return;
        }
        options.onReset?.(g.outcome);
      }
    })().catch((err) => {
      if (!stopped()) subscriber.error(toIpcError(path, err));
    });

    return () => abort.abort();
  });
}
