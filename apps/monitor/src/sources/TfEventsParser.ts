import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { maskedCrc32c } from './crc32c.js';
import type { AppendParser, ParseOutput, Sample } from './types.js';

// TFRecord framing: u64le length | u32le masked_crc32c(length bytes) | data | u32le masked_crc32c(data)
const HEADER = 12;
const FOOTER = 4;
/** Lengths above this are taken as corruption even when the header CRC happens to match. */
const MAX_RECORD = 1 << 30;

// TensorFlow DataType values for the scalar summaries we read.
const DT_FLOAT = 1;
const DT_DOUBLE = 2;

/** Reads `events.out.tfevents.*` incrementally: scalar summaries (simple_value and tensor). */
export class TfEventsParser implements AppendParser {
  private buf: Uint8Array = new Uint8Array(0);
  /** File offset of buf[0]. */
  private base = 0;
  private record = 0;
  /** True while scanning for the next valid header after a corrupt one (reported once). */
  private resyncing = false;

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
    this.buf = this.buf.length === 0 ? bytes : concat(this.buf, bytes);
    const buf = this.buf;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let pos = 0;
    while (buf.length - pos >= HEADER) {
      const length = Number(view.getBigUint64(pos, true));
      const headerOk =
        view.getUint32(pos + 8, true) === maskedCrc32c(buf, pos, pos + 8) && length <= MAX_RECORD;
      if (!headerOk) {
        if (!this.resyncing) {
          out.problems.push({
            where: `byte ${this.base + pos}`,
            message: `corrupt record header (length CRC mismatch) after record ${this.record}; skipping to the next valid record`,
          });
          this.resyncing = true;
        }
        pos++;
        continue;
      }
      if (buf.length - pos < HEADER + length + FOOTER) break; // partial record: wait for more
      const start = pos + HEADER;
      const end = start + length;
      const crcOk = view.getUint32(end, true) === maskedCrc32c(buf, start, end);
      if (this.resyncing) this.resyncing = false;
      if (crcOk) {
        try {
          decodeEvent(buf.subarray(start, end), out.samples);
        } catch (e) {
          out.problems.push({
            where: `record ${this.record} (byte ${this.base + pos})`,
            message: `undecodable Event protobuf: ${(e as Error).message}; skipped`,
          });
        }
      } else {
        out.problems.push({
          where: `record ${this.record} (byte ${this.base + pos})`,
          message: 'data CRC mismatch; record skipped',
        });
      }
      this.record++;
      pos = end + FOOTER;
    }
    this.base += pos;
    this.buf = pos === buf.length ? new Uint8Array(0) : buf.slice(pos);
    return out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const c = new Uint8Array(a.length + b.length);
  c.set(a, 0);
  c.set(b, a.length);
  return c;
}

/** Decodes one `Event` and appends its scalar summary values. */
export function decodeEvent(data: Uint8Array, samples: Sample[]): void {
  const r = new BinaryReader(data);
  let wallTime = 0;
  let step = 0;
  const values: { tag: string; value: number }[] = [];
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WireType.Bit64) wallTime = r.double();
    else if (field === 2 && wire === WireType.Varint) step = Number(r.int64());
    else if (field === 5 && wire === WireType.LengthDelimited) decodeSummary(r.bytes(), values);
    else r.skip(wire, field);
  }
  for (const v of values) samples.push({ series: v.tag, step, value: v.value, wallTime });
}

function decodeSummary(data: Uint8Array, values: { tag: string; value: number }[]): void {
  const r = new BinaryReader(data);
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WireType.LengthDelimited) {
      const v = decodeValue(r.bytes());
      if (v) values.push(v);
    } else r.skip(wire, field);
  }
}

function decodeValue(data: Uint8Array): { tag: string; value: number } | null {
  const r = new BinaryReader(data);
  let tag = '';
  let value: number | null = null;
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WireType.LengthDelimited) tag = r.string();
    else if (field === 2 && wire === WireType.Bit32) value = r.float();
    else if (field === 8 && wire === WireType.LengthDelimited)
      value = decodeScalarTensor(r.bytes());
    else r.skip(wire, field);
  }
  return value === null ? null : { tag, value };
}

/** A float or double tensor with exactly one element, else null (histograms, images, text). */
function decodeScalarTensor(data: Uint8Array): number | null {
  const r = new BinaryReader(data);
  let dtype = 0;
  let content: Uint8Array | null = null;
  const floats: number[] = [];
  const doubles: number[] = [];
  while (r.pos < r.len) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WireType.Varint) dtype = r.int32();
    else if (field === 4 && wire === WireType.LengthDelimited) content = r.bytes();
    else if (field === 5 && wire === WireType.Bit32) floats.push(r.float());
    else if (field === 5 && wire === WireType.LengthDelimited) readPacked(r.bytes(), 4, floats);
    else if (field === 6 && wire === WireType.Bit64) doubles.push(r.double());
    else if (field === 6 && wire === WireType.LengthDelimited) readPacked(r.bytes(), 8, doubles);
    else r.skip(wire, field);
  }
  if (dtype === DT_FLOAT) {
    if (content && content.length === 4) return readPackedOne(content, 4);
    return floats.length === 1 ? floats[0] : null;
  }
  if (dtype === DT_DOUBLE) {
    if (content && content.length === 8) return readPackedOne(content, 8);
    return doubles.length === 1 ? doubles[0] : null;
  }
  return null;
}

function readPacked(bytes: Uint8Array, width: 4 | 8, out: number[]): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i + width <= bytes.length; i += width)
    out.push(width === 4 ? v.getFloat32(i, true) : v.getFloat64(i, true));
}

function readPackedOne(bytes: Uint8Array, width: 4 | 8): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return width === 4 ? v.getFloat32(0, true) : v.getFloat64(0, true);
}
