import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { type RecordBatch, RecordBatchReader } from 'apache-arrow';
import { Observable } from 'rxjs';
import { countOption } from './countOption.js';
import { ArrowIpcError } from './errors.js';
import { checkSchema, guardStream, toIpcError, vetFooter, vetMessage } from './ipcGuard.js';

/** Where Arrow IPC bytes come from. */
export type ArrowIpcSource =
  | string
  | FileHandle
  | NodeJS.ReadableStream
  | AsyncIterable<Uint8Array>;

export interface FromArrowIpcOptions {
  /**
   * At most this many bytes are read from a path or file handle per pull (default 16 MiB; a
   * smaller file is read in one). Arrow's record batches are views of these reads, so a batch
   * kept alive keeps its read's buffer; a message that spans two reads is copied whole.
   */
  chunkSize?: number;
}

const FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

function isFileHandle(x: unknown): x is FileHandle {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as FileHandle).fd === 'number' &&
    typeof (x as FileHandle).read === 'function' &&
    typeof (x as FileHandle).stat === 'function'
  );
}

/** The smallest read once the bytes the file had at the start are read (it may have grown). */
const MIN_READ = 64 << 10;

/**
 * Reads a file handle from its first byte, one read per pull, each read up to `chunkSize` bytes
 * but no larger than what the file holds past the position (as it measured when reading began;
 * past that, MIN_READ until a read returns nothing): a buffer per read, since the record batches
 * Arrow builds are views of it, so a small file never costs a full chunk.
 */
async function* readChunks(
  fh: FileHandle,
  chunkSize: number,
  stopped: () => boolean,
): AsyncGenerator<Uint8Array> {
  const size = (await fh.stat()).size;
  let pos = 0;
  while (!stopped()) {
    const want = Math.min(chunkSize, Math.max(size - pos, MIN_READ));
    const buf = new Uint8Array(want);
    const { bytesRead } = await fh.read(buf, 0, want, pos);
    if (bytesRead === 0) return;
    pos += bytesRead;
    yield bytesRead === want ? buf : buf.subarray(0, bytesRead);
  }
}

/** Passes on the chunks of any async iterable of bytes (Buffers included). */
async function* bytesOf(
  src: AsyncIterable<Uint8Array | string>,
  stopped: () => boolean,
): AsyncGenerator<Uint8Array, void, unknown> {
  for await (const chunk of src) {
    if (stopped()) return;
    if (typeof chunk === 'string') throw new TypeError('expected bytes, got a string chunk');
    yield chunk;
  }
}

/**
 * What Arrow's random-access (IPC file) reader is given: reads go to the handle; `close` does
 * nothing (the Arrow reader closes what it is given; the handle is ours or the caller's). A
 * corrupt message header can make that reader re-read the same block forever (apache-arrow 21
 * does not advance past a block whose message is not a record batch): a position read again and
 * again among the last reads is taken as that loop and ends it with an ArrowIpcError.
 */
function randomAccessView(fh: FileHandle, label: string): object {
  const recent = new Float64Array(64).fill(-1);
  let at = 0;
  let last: { position: number; value: number } | null = null;
  return {
    fd: fh.fd,
    stat: () => fh.stat(),
    close: async () => {},
    async read(buffer: Uint8Array, offset: number, length: number, position: number) {
      let seen = 0;
      for (let i = 0; i < recent.length; i++) if (recent[i] === position) seen++;
      if (seen >= 8) {
        throw new ArrowIpcError(
          label,
          `corrupt IPC file: the reader keeps re-reading the message at byte ${position}`,
        );
      }
      recent[at] = position;
      at = (at + 1) % recent.length;
      const r = await fh.read(buffer, offset, length, position);
      // The reader reads a 4-byte length, then that many bytes of flatbuffer: a message's
      // metadata right after its length, or the footer right before its length.
      if (last !== null && length === last.value && length > 0) {
        const bytes = buffer.subarray(offset, offset + r.bytesRead);
        if (position === last.position + 4) {
          const vet = vetMessage(bytes);
          if (vet.problem !== null)
            throw new ArrowIpcError(
              label,
              `corrupt message metadata at byte ${position}: ${vet.problem}`,
            );
        } else if (position + length === last.position) {
          const why = vetFooter(bytes);
          if (why !== null) throw new ArrowIpcError(label, `corrupt footer: ${why}`);
        }
      }
      last =
        length === 4 && r.bytesRead === 4
          ? {
              position,
              value: new DataView(buffer.buffer, buffer.byteOffset + offset, 4).getInt32(0, true),
            }
          : null;
      return r;
    },
  };
}

/** The first `max` bytes of some chunks, as one array. */
function concatBytes(chunks: readonly Uint8Array[], max: number): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(Math.min(n, max));
  let o = 0;
  for (const c of chunks) {
    if (o >= out.length) break;
    const part = c.subarray(0, out.length - o);
    out.set(part, o);
    o += part.length;
  }
  return out;
}

function startsWithMagic(b: Uint8Array): boolean {
  return b.length >= FILE_MAGIC.length && FILE_MAGIC.every((x, i) => b[i] === x);
}

/** Chunks already read, then the rest of the iterator. */
async function* prepend(
  head: readonly Uint8Array[],
  rest: AsyncGenerator<Uint8Array, void, unknown>,
): AsyncGenerator<Uint8Array, void, unknown> {
  try {
    for (const c of head) yield c;
    for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
  } finally {
    await rest.return();
  }
}

/** Bytes in memory behind the part of the FileHandle interface Arrow's file reader uses. */
function memoryHandle(bytes: Uint8Array): FileHandle {
  return {
    fd: -1,
    stat: async () => ({ size: bytes.length }),
    read: async (buffer: Uint8Array, offset: number, length: number, position: number) => {
      const part = bytes.subarray(Math.max(0, position), Math.max(0, position + length));
      buffer.set(part, offset);
      return { bytesRead: part.length, buffer };
    },
    close: async () => {},
  } as unknown as FileHandle;
}

async function hasFileMagic(fh: FileHandle): Promise<boolean> {
  const head = new Uint8Array(6);
  const { bytesRead } = await fh.read(head, 0, 6, 0);
  return bytesRead === 6 && FILE_MAGIC.every((b, i) => head[i] === b);
}

/**
 * Record batches from Arrow IPC bytes: a path, a `FileHandle`, a Node `Readable` or any
 * `AsyncIterable<Uint8Array>`. Reads the IPC stream format; a path or file handle holding the
 * IPC *file* format (`ARROW1` magic) is read batch by batch through the file's footer, without
 * buffering it (from other sources the file format is read whole first: it needs its footer).
 *
 * Pull-based: the next bytes are read only after the previous batch was delivered, so a
 * synchronous consumer (or `concatMap`) throttles the reading; nothing is read ahead.
 *
 * Errors: unreadable or corrupt bytes (bad magic, cut or corrupt metadata, a schema change in
 * mid-stream) are signalled as {@link ArrowIpcError}. Arrow IPC carries no checksums, so flipped
 * bytes inside a buffer of values are not detectable and read as other values. A file this
 * function opened (a path) is closed when the Observable completes, errors or is unsubscribed; a
 * `FileHandle` you pass stays yours to close; a `Readable` is destroyed when reading stops early.
 */
export function fromArrowIPC(
  source: ArrowIpcSource,
  options: FromArrowIpcOptions = {},
): Observable<RecordBatch> {
  const chunkSize =
    countOption('fromArrowIPC', 'chunkSize', options.chunkSize, 1 << 30) ?? 16 << 20;
  const label =
    typeof source === 'string' ? source : isFileHandle(source) ? 'file handle' : 'stream';
  return new Observable<RecordBatch>((subscriber) => {
    let stopped = false;
    let owned: FileHandle | null = null;
    let reader: RecordBatchReader | null = null;
    let bytes: AsyncGenerator<Uint8Array> | null = null;
    const run = async (): Promise<void> => {
      let input: unknown;
      if (typeof source === 'string' || isFileHandle(source)) {
        let fh: FileHandle;
        if (typeof source === 'string') {
          try {
            fh = await open(source, 'r');
          } catch (err) {
            throw new ArrowIpcError(label, `cannot open: ${(err as Error).message}`, {
              cause: err,
            });
          }
          owned = fh;
          if (stopped) return;
        } else fh = source;
        // The Arrow reader closes a file handle it is given when it is done: hand it a view whose
        // close() does nothing, and close the handles we own ourselves.
        if (await hasFileMagic(fh)) {
          input = randomAccessView(fh, label);
        } else {
          bytes = guardStream(
            readChunks(fh, chunkSize, () => stopped),
            label,
          );
          input = bytes;
        }
      } else {
        // Peek at the first bytes: the IPC file format needs its footer, so it is read whole
        // (as Arrow's reader would) and then read through the same vetted random-access view.
        const it = bytesOf(source as AsyncIterable<Uint8Array>, () => stopped);
        const head: Uint8Array[] = [];
        let have = 0;
        while (have < FILE_MAGIC.length) {
          const r = await it.next();
          if (r.done) break;
          head.push(r.value);
          have += r.value.length;
        }
        if (startsWithMagic(concatBytes(head, FILE_MAGIC.length))) {
          for (let r = await it.next(); !r.done; r = await it.next()) head.push(r.value);
          input = randomAccessView(
            memoryHandle(concatBytes(head, Number.POSITIVE_INFINITY)),
            label,
          );
        } else {
          bytes = guardStream(prepend(head, it), label);
          input = bytes;
        }
      }
      reader = (await RecordBatchReader.from(
        input as AsyncIterable<Uint8Array>,
      )) as RecordBatchReader;
      await reader.open();
      if (stopped) return;
      if (reader.schema === null || reader.schema === undefined) {
        throw new ArrowIpcError(
          label,
          'no schema message: empty, cut inside the first message, or not Arrow IPC',
        );
      }
      const schema = reader.schema;
      for await (const batch of reader as AsyncIterable<RecordBatch>) {
        if (stopped) return;
        checkSchema(label, schema, batch);
        subscriber.next(batch);
      }
    };
    (async () => {
      let failure: unknown;
      let failed = false;
      try {
        await run();
      } catch (err) {
        failure = err;
        failed = true;
      } finally {
        // End our byte generator (and so the source's iterator: a Readable is destroyed), without
        // waiting on a source that may never answer.
        (bytes as AsyncGenerator<Uint8Array> | null)?.return(undefined).catch(() => {});
        // Release the file before telling the subscriber anything.
        const fh = owned as FileHandle | null;
        owned = null;
        await fh?.close().catch(() => {});
      }
      if (stopped) return;
      if (failed) subscriber.error(toIpcError(label, failure));
      else subscriber.complete();
    })();
    return () => {
      stopped = true;
      const r = reader as { return?: () => unknown } | null;
      try {
        Promise.resolve(r?.return?.()).catch(() => {});
      } catch {
        // the reader is already closed
      }
    };
  });
}
