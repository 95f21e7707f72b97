import { vetArrowIpcFooter, vetArrowIpcMessage } from '@losskit/stream';
import {
  type Data,
  DataType,
  Message,
  MessageHeader,
  type RecordBatch,
  RecordBatchReader,
  type Schema,
} from 'apache-arrow';
import type { AppendParser, ParseOutput } from './types.js';

/** Turns one record batch into samples (scalar columns, or losses computed on the stream). */
export type BatchSampler = (batch: RecordBatch, batchIndex: number) => ParseOutput;

const FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"
const CONTINUATION = 0xffffffff;
const MAX_METADATA = 64 * 1024 * 1024;
const EOS = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/**
 * Arrow IPC (the stream format, and the file format's message section), incrementally: messages
 * are framed by hand (continuation marker, metadata length, flatbuffer `Message` with its body
 * length), so a partial message simply waits for more bytes; each complete record batch is
 * decoded by apache-arrow together with the schema (and dictionaries) seen before it.
 */
export class ArrowIpcParser implements AppendParser {
  private buf: Uint8Array = new Uint8Array(0);
  private base = 0;
  private schema: Uint8Array | null = null;
  /** The schema came from a file's footer; a schema message in the file replaces it silently. */
  private schemaFromFooter = false;
  private dictionaries: Uint8Array[] = [];
  private batchIndex = 0;
  private ended = false;
  private message = 0;

  constructor(private readonly sampler: BatchSampler) {}

  get consumed(): number {
    return this.base;
  }

  get pending(): number {
    return this.buf.length;
  }

  dropPending(): void {
    this.buf = new Uint8Array(0);
  }

  push(bytes: Uint8Array): ParseOutput {
    const out: ParseOutput = { samples: [], problems: [] };
    if (this.ended) {
      this.base += bytes.length;
      return out;
    }
    const buf = this.buf.length === 0 ? bytes : Buffer.concat([this.buf, bytes]);
    if (this.base === 0 && this.message === 0) {
      if (buf.length < 6) {
        this.buf = Uint8Array.from(buf);
        return out;
      }
      if (FILE_MAGIC.every((b, i) => buf[i] === b)) return this.pushFile(buf, out);
    }
    const pos = this.readMessages(buf, 0, buf.length, out);
    this.base += pos;
    this.buf = pos >= buf.length ? new Uint8Array(0) : Uint8Array.from(buf.subarray(pos));
    return out;
  }

  /**
   * Frames and handles the complete messages in `buf[start, end)`; returns where the first
   * incomplete one starts (or `end`). Each message's metadata is vetted by @losskit/stream's
   * `vetArrowIpcMessage` before Arrow decodes it: apache-arrow 21 builds as many objects as a
   * flatbuffer vector claims, so a flipped length would otherwise exhaust the heap.
   */
  private readMessages(buf: Uint8Array, start: number, end: number, out: ParseOutput): number {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let pos = start;
    while (!this.ended && end - pos >= 4) {
      let prefix = 4;
      let metaLength = view.getInt32(pos, true);
      if (view.getUint32(pos, true) === CONTINUATION) {
        if (end - pos < 8) break;
        prefix = 8;
        metaLength = view.getInt32(pos + 4, true);
      }
      if (metaLength === 0) {
        this.ended = true; // end-of-stream marker (a file's footer follows it)
        pos = end;
        break;
      }
      if (metaLength < 0 || metaLength > MAX_METADATA) {
        out.problems.push({
          where: `byte ${this.base + pos}`,
          message: `corrupt Arrow IPC message length ${metaLength}; the rest of the file is ignored`,
        });
        this.ended = true;
        pos = end;
        break;
      }
      if (end - pos < prefix + metaLength) break;
      const meta = buf.subarray(pos + prefix, pos + prefix + metaLength);
      const vet = vetArrowIpcMessage(meta);
      let message: Message | null = null;
      let why = vet.problem;
      if (why === null) {
        try {
          message = Message.decode(meta);
        } catch (e) {
          why = (e as Error).message;
        }
      }
      if (message === null) {
        out.problems.push({
          where: `byte ${this.base + pos}`,
          message: `corrupt Arrow IPC message (${why}); the rest of the file is ignored`,
        });
        this.ended = true;
        pos = end;
        break;
      }
      const total = prefix + metaLength + vet.bodyLength;
      if (end - pos < total) break; // partial message: wait
      this.handle(message, buf.subarray(pos, pos + total), pos, out);
      this.message++;
      pos += total;
    }
    return pos;
  }

  /**
   * The IPC file format (`ARROW1` magic) is read once it is complete (ends with the magic again);
   * it is not a format for logs that grow. Its messages (schema, dictionaries, batches) sit
   * between the 8 bytes of magic and padding and the footer, framed as in the stream format, so
   * they go through the same framing and checks; the footer only indexes them.
   */
  private pushFile(buf: Uint8Array, out: ParseOutput): ParseOutput {
    const n = buf.length;
    const complete = n >= 18 && FILE_MAGIC.every((b, i) => buf[n - 6 + i] === b);
    if (!complete) {
      this.buf = Uint8Array.from(buf);
      return out;
    }
    const footerLength = new DataView(buf.buffer, buf.byteOffset, n).getInt32(n - 10, true);
    const footerStart = n - 10 - footerLength;
    const footerProblem =
      footerLength > 0 && footerStart >= 8
        ? vetArrowIpcFooter(buf.subarray(footerStart, n - 10))
        : `footer length ${footerLength}`;
    let schema: Schema | null = null;
    if (footerProblem === null) {
      try {
        const reader = RecordBatchReader.from(buf);
        reader.open();
        schema = reader.schema;
      } catch (e) {
        out.problems.push({ message: `unreadable Arrow IPC file (${(e as Error).message})` });
      }
    } else {
      out.problems.push({ message: `unreadable Arrow IPC file (${footerProblem})` });
    }
    if (schema !== null) {
      // Writers need not repeat the schema before the first batch (apache-arrow's JS writer
      // keeps it in the footer only): frame the footer's schema as a message for the decoder.
      this.schema = schemaMessage(schema);
      this.schemaFromFooter = true;
      const pos = this.readMessages(buf, 8, footerStart, out);
      if (!this.ended && pos < footerStart) {
        out.problems.push({
          where: `byte ${pos}`,
          message: 'an Arrow IPC message runs into the file’s footer; the rest is ignored',
        });
      }
    }
    this.ended = true;
    this.base += n;
    this.buf = new Uint8Array(0);
    return out;
  }

  private handle(message: Message, bytes: Uint8Array, pos: number, out: ParseOutput): void {
    switch (message.headerType) {
      case MessageHeader.Schema:
        if (this.schema && !this.schemaFromFooter) {
          out.problems.push({
            where: `byte ${this.base + pos}`,
            message: 'a second schema in the stream; reading on with the new schema',
          });
        }
        this.schema = Uint8Array.from(bytes);
        this.schemaFromFooter = false;
        this.dictionaries = [];
        return;
      case MessageHeader.DictionaryBatch:
        this.dictionaries.push(Uint8Array.from(bytes));
        return;
      case MessageHeader.RecordBatch: {
        if (!this.schema) {
          out.problems.push({
            where: `byte ${this.base + pos}`,
            message: 'record batch before any schema; skipped',
          });
          return;
        }
        let batches: RecordBatch[];
        try {
          const all = Buffer.concat([this.schema, ...this.dictionaries, bytes, EOS]);
          batches = RecordBatchReader.from(all).readAll();
        } catch (e) {
          out.problems.push({
            where: `batch ${this.batchIndex} (byte ${this.base + pos})`,
            message: `undecodable record batch (${(e as Error).message}); skipped`,
          });
          this.batchIndex++;
          return;
        }
        for (const batch of batches) {
          const bad = checkBatch(batch, Number(message.bodyLength));
          if (bad) {
            out.problems.push({
              where: `batch ${this.batchIndex} (byte ${this.base + pos})`,
              message: `corrupt record batch (${bad}); skipped`,
            });
            this.batchIndex++;
            continue;
          }
          const r = this.sampler(batch, this.batchIndex++);
          for (const s of r.samples) out.samples.push(s);
          for (const p of r.problems) out.problems.push(p);
        }
        return;
      }
      default:
        return; // tensors and anything newer: not ours
    }
  }
}

/** A schema as an IPC stream message: continuation marker, padded length, flatbuffer. */
function schemaMessage(schema: Schema): Uint8Array {
  const meta = Message.encode(Message.from(schema));
  const padded = (meta.length + 7) & ~7;
  const out = new Uint8Array(8 + padded);
  const view = new DataView(out.buffer);
  view.setUint32(0, CONTINUATION, true);
  view.setInt32(4, padded, true);
  out.set(meta, 8);
  return out;
}

/** Whether the numbers of a column's buffers hold `length` values (a corrupt length does not). */
function holds(data: Data): boolean {
  const t = data.type;
  if (DataType.isInt(t) || DataType.isFloat(t)) {
    const values = data.values as ArrayLike<unknown> | undefined;
    return values !== undefined && values.length >= data.length * (data.stride || 1);
  }
  if (DataType.isFixedSizeList(t)) {
    const child = data.children[0];
    return child !== undefined && child.length >= data.length * t.listSize && holds(child);
  }
  return true;
}

/**
 * Sanity checks a decoded batch against its message: corrupt metadata can claim billions of rows
 * backed by a few bytes, and reading them would hang the process.
 */
function checkBatch(batch: RecordBatch, bodyLength: number): string | null {
  const bits = bodyLength * 8;
  for (const d of batch.data.children) {
    if (!holds(d)) return `a column claims ${d.length} rows its buffers do not hold`;
    if (d.nullCount > 0 && d.length > bits) return `${d.length} rows in a ${bodyLength}-byte body`;
  }
  return null;
}
