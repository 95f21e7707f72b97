// Internal IPC helpers. Vets Arrow IPC metadata before the Arrow reader decodes it. A flipped byte in a flatbuffer
// vector length makes apache-arrow 21 build that many objects (billions), which exhausts the heap
// and kills the process; a vector cannot hold more entries than its message has bytes, so any
// such length is corrupt and becomes an ArrowIpcError instead.

import type { RecordBatch as ArrowRecordBatch, Schema as ArrowSchema } from 'apache-arrow';
import { DictionaryBatch } from 'apache-arrow/fb/dictionary-batch';
import type { Field } from 'apache-arrow/fb/field';
import { Footer } from 'apache-arrow/fb/footer';
import { Message } from 'apache-arrow/fb/message';
import { MessageHeader } from 'apache-arrow/fb/message-header';
import { RecordBatch } from 'apache-arrow/fb/record-batch';
import { Schema } from 'apache-arrow/fb/schema';
import { ByteBuffer } from 'flatbuffers';
import { ArrowIpcError } from './errors.js';

/** Metadata larger than this is taken as a corrupt length (a schema of ~1M fields fits). */
const MAX_METADATA = 1 << 28;

class Vet {
  budget: number;
  constructor(readonly bytes: number) {
    this.budget = bytes;
  }
  /** A vector of `n` entries of `size` bytes must fit in the buffer. */
  count(what: string, n: number, size: number): void {
    if (!(Number.isInteger(n) && n >= 0 && n * size <= this.bytes)) {
      throw new Error(`${what} claims ${n} entries in ${this.bytes} bytes of metadata`);
    }
  }
  field(f: Field | null, depth: number): void {
    if (f === null) return;
    if (--this.budget < 0 || depth > 64)
      throw new Error('fields nest deeper than the metadata allows');
    this.count('a field name', f.name(1 as never)?.length ?? 0, 1);
    const n = f.childrenLength();
    this.count('a field’s children', n, 4);
    this.count('a field’s custom metadata', f.customMetadataLength(), 4);
    for (let i = 0; i < n; i++) this.field(f.children(i), depth + 1);
  }
  schema(s: Schema | null): void {
    if (s === null) return;
    const n = s.fieldsLength();
    this.count('the schema’s fields', n, 4);
    this.count('the schema’s custom metadata', s.customMetadataLength(), 4);
    this.count('the schema’s features', s.featuresLength(), 8);
    for (let i = 0; i < n; i++) this.field(s.fields(i), 0);
  }
  recordBatch(rb: RecordBatch | null): void {
    if (rb === null) return;
    this.count('the field nodes', rb.nodesLength(), 16);
    this.count('the buffers', rb.buffersLength(), 16);
    this.count('the variadic buffer counts', rb.variadicBufferCountsLength(), 8);
  }
}

function problem(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Why a message's metadata flatbuffer is corrupt, or null; and its body length. */
export function vetMessage(meta: Uint8Array): { problem: string | null; bodyLength: number } {
  try {
    const v = new Vet(meta.length);
    const m = Message.getRootAsMessage(new ByteBuffer(meta));
    v.count('the message’s custom metadata', m.customMetadataLength(), 4);
    switch (m.headerType()) {
      case MessageHeader.Schema:
        v.schema(m.header(new Schema()) as Schema | null);
        break;
      case MessageHeader.RecordBatch:
        v.recordBatch(m.header(new RecordBatch()) as RecordBatch | null);
        break;
      case MessageHeader.DictionaryBatch:
        v.recordBatch((m.header(new DictionaryBatch()) as DictionaryBatch | null)?.data() ?? null);
        break;
      default:
        break; // Arrow's reader rejects the other types itself
    }
    const body = Number(m.bodyLength());
    if (!(Number.isSafeInteger(body) && body >= 0)) {
      return { problem: `a body length of ${body} bytes`, bodyLength: 0 };
    }
    return { problem: null, bodyLength: body };
  } catch (err) {
    return { problem: problem(err), bodyLength: 0 };
  }
}

/** Why a file footer flatbuffer is corrupt, or null. */
export function vetFooter(bytes: Uint8Array): string | null {
  try {
    const v = new Vet(bytes.length);
    const f = Footer.getRootAsFooter(new ByteBuffer(bytes));
    v.count('the footer’s record batch blocks', f.recordBatchesLength(), 24);
    v.count('the footer’s dictionary blocks', f.dictionariesLength(), 24);
    v.count('the footer’s custom metadata', f.customMetadataLength(), 4);
    v.schema(f.schema());
    return null;
  } catch (err) {
    return problem(err);
  }
}

/**
 * Passes IPC stream bytes through unchanged (no copy of bodies), vetting each message's metadata
 * before the chunk that completes it is handed on. Also answers the Arrow byte adapter's requests
 * for 0 more bytes at once: it makes them when its buffer holds exactly the message it needs
 * (apache-arrow 21 io/adapters), and a live source would otherwise hold the last batch back until
 * the next write.
 */
export async function* guardStream(
  source: AsyncIterator<Uint8Array>,
  label: string,
): AsyncGenerator<Uint8Array, void, unknown> {
  // Framing: [0xFFFFFFFF] int32 metadataLength, metadata, body; length 0 ends the stream.
  let state: 'prefix' | 'meta' | 'body' | 'done' = 'prefix';
  const prefix = new Uint8Array(8);
  let prefixHave = 0;
  let prefixNeed = 8;
  let meta: Uint8Array = new Uint8Array(0);
  let metaHave = 0;
  let bodyLeft = 0;
  let offset = 0; // bytes seen, for messages
  const fail = (why: string): never => {
    throw new ArrowIpcError(label, `corrupt message metadata at byte ${offset}: ${why}`);
  };
  try {
    for (;;) {
      const r = await source.next();
      if (r.done) return;
      const chunk = r.value;
      let i = 0;
      while (i < chunk.length && state !== 'done') {
        if (state === 'prefix') {
          const take = Math.min(prefixNeed - prefixHave, chunk.length - i);
          prefix.set(chunk.subarray(i, i + take), prefixHave);
          prefixHave += take;
          i += take;
          if (prefixHave === 4 && prefixNeed === 8) {
            const cont = prefix[0] & prefix[1] & prefix[2] & prefix[3];
            if (cont !== 0xff) prefixNeed = 4; // legacy framing: the length comes first
          }
          if (prefixHave < prefixNeed) continue;
          const dv = new DataView(prefix.buffer);
          const len = dv.getInt32(prefixNeed - 4, true);
          prefixHave = 0;
          prefixNeed = 8;
          if (len === 0) {
            state = 'done';
            break;
          }
          if (len < 0 || len > MAX_METADATA) fail(`a metadata length of ${len} bytes`);
          meta = new Uint8Array(len);
          metaHave = 0;
          state = 'meta';
        } else if (state === 'meta') {
          const take = Math.min(meta.length - metaHave, chunk.length - i);
          meta.set(chunk.subarray(i, i + take), metaHave);
          metaHave += take;
          i += take;
          if (metaHave < meta.length) continue;
          const vet = vetMessage(meta);
          if (vet.problem !== null) fail(vet.problem);
          offset += 8 + meta.length;
          bodyLeft = vet.bodyLength;
          state = bodyLeft > 0 ? 'body' : 'prefix';
        } else {
          const take = Math.min(bodyLeft, chunk.length - i);
          bodyLeft -= take;
          i += take;
          offset += take;
          if (bodyLeft === 0) state = 'prefix';
        }
      }
      let want: unknown = yield chunk;
      while (want === 0) want = yield EMPTY;
    }
  } finally {
    await source.return?.();
  }
}

const EMPTY = new Uint8Array(0);

/** Wraps whatever the Arrow reader threw into an {@link ArrowIpcError}. */
export function toIpcError(source: string, err: unknown): ArrowIpcError {
  if (err instanceof ArrowIpcError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new ArrowIpcError(source, `corrupt or unreadable IPC bytes: ${msg}`, { cause: err });
}

function describeSchema(s: ArrowSchema): string {
  return s.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ');
}

/** Throws when a batch's schema is not the stream's (a second schema message in mid-stream). */
export function checkSchema(source: string, schema: ArrowSchema, batch: ArrowRecordBatch): void {
  if (batch.schema === schema) return;
  const a = describeSchema(schema);
  const b = describeSchema(batch.schema);
  if (a !== b) {
    throw new ArrowIpcError(source, `the schema changed in mid-stream from [${a}] to [${b}]`);
  }
}
