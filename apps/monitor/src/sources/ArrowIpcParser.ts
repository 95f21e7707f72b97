import vm from 'node:vm';
import {
  type Data,
  DataType,
  Message,
  MessageHeader,
  type RecordBatch,
  RecordBatchReader,
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
  private dictionaries: Uint8Array[] = [];
  private batchIndex = 0;
  private ended = false;
  private message = 0;

  /**
   * @param decodeTimeoutMs how long decoding one message may take before it is taken as corrupt
   *   (see {@link guarded}).
   */
  constructor(
    private readonly sampler: BatchSampler,
    private readonly decodeTimeoutMs = DECODE_TIMEOUT_MS,
  ) {}

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
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let pos = 0;
    if (this.base === 0 && this.message === 0) {
      if (buf.length < 6) {
        this.buf = Uint8Array.from(buf);
        return out;
      }
      if (FILE_MAGIC.every((b, i) => buf[i] === b)) return this.pushFile(buf, out);
    }
    while (!this.ended && buf.length - pos >= 4) {
      let prefix = 4;
      let metaLength = view.getInt32(pos, true);
      if (view.getUint32(pos, true) === CONTINUATION) {
        if (buf.length - pos < 8) break;
        prefix = 8;
        metaLength = view.getInt32(pos + 4, true);
      }
      if (metaLength === 0) {
        this.ended = true; // end-of-stream marker (a file's footer follows it)
        pos = buf.length;
        break;
      }
      if (metaLength < 0 || metaLength > MAX_METADATA) {
        out.problems.push({
          where: `byte ${this.base + pos}`,
          message: `corrupt Arrow IPC message length ${metaLength}; the rest of the file is ignored`,
        });
        this.ended = true;
        pos = buf.length;
        break;
      }
      if (buf.length - pos < prefix + metaLength) break;
      let message: Message;
      try {
        const meta = buf.subarray(pos + prefix, pos + prefix + metaLength);
        message = guarded(() => {
          const m = Message.decode(meta);
          void m.bodyLength;
          return m;
        }, this.decodeTimeoutMs);
      } catch (e) {
        out.problems.push({
          where: `byte ${this.base + pos}`,
          message: `corrupt Arrow IPC message (${(e as Error).message}); the rest of the file is ignored`,
        });
        this.ended = true;
        pos = buf.length;
        break;
      }
      const total = prefix + metaLength + Number(message.bodyLength);
      if (buf.length - pos < total) break; // partial message: wait
      const bytesOfMessage = buf.subarray(pos, pos + total);
      this.handle(message, bytesOfMessage, pos, out);
      this.message++;
      pos += total;
    }
    this.base += pos;
    this.buf = pos >= buf.length ? new Uint8Array(0) : Uint8Array.from(buf.subarray(pos));
    return out;
  }

  /**
   * The IPC file format (`ARROW1` magic) keeps its schema in the footer, so it is read whole once
   * it is complete (ends with the magic again); it is not a format for logs that grow.
   */
  private pushFile(buf: Uint8Array, out: ParseOutput): ParseOutput {
    const n = buf.length;
    const complete = n >= 12 && FILE_MAGIC.every((b, i) => buf[n - 6 + i] === b);
    if (!complete) {
      this.buf = Uint8Array.from(buf);
      return out;
    }
    let batches: RecordBatch[];
    try {
      batches = guarded(() => RecordBatchReader.from(buf).readAll(), this.decodeTimeoutMs);
    } catch (e) {
      out.problems.push({ message: `unreadable Arrow IPC file (${(e as Error).message})` });
      batches = [];
    }
    for (const batch of batches) {
      const r = this.sampler(batch, this.batchIndex++);
      out.samples.push(...r.samples);
      out.problems.push(...r.problems);
    }
    this.ended = true;
    this.base += n;
    this.buf = new Uint8Array(0);
    return out;
  }

  private handle(message: Message, bytes: Uint8Array, pos: number, out: ParseOutput): void {
    switch (message.headerType) {
      case MessageHeader.Schema:
        if (this.schema) {
          out.problems.push({
            where: `byte ${this.base + pos}`,
            message: 'a second schema in the stream; reading on with the new schema',
          });
        }
        this.schema = Uint8Array.from(bytes);
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
          batches = guarded(() => RecordBatchReader.from(all).readAll(), this.decodeTimeoutMs);
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

/**
 * Corrupt flatbuffer metadata can send apache-arrow's decoder into a loop over billions of
 * entries (a field count or a name length flipped), which would freeze the whole monitor. Decoding
 * runs under a vm watchdog that terminates it after `ms` (about 0.2 ms of overhead per batch).
 */
const DECODE_TIMEOUT_MS = 5000;
const guardContext = vm.createContext({ run: null as null | (() => unknown) });
const guardScript = new vm.Script('run()');

function guarded<T>(fn: () => T, ms: number): T {
  guardContext.run = fn;
  try {
    return guardScript.runInContext(guardContext, { timeout: ms }) as T;
  } finally {
    guardContext.run = null;
  }
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
