// Independent writers of the log formats, for tests: written from the formats' specifications
// (TFRecord framing, the Event / Summary / TensorProto protobufs, Lightning's CSV, HF's
// trainer_state.json), sharing no code with the monitor's readers.

/** Bit-by-bit CRC-32C (Castagnoli), deliberately not the reader's table-driven one. */
export function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export function maskCrc(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

const key = (field: number, wire: number) => varint((field << 3) | wire);

function lengthDelimited(field: number, bytes: number[] | Uint8Array): number[] {
  return [...key(field, 2), ...varint(bytes.length), ...bytes];
}

function float32(v: number): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return [...b];
}

function float64(v: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return [...b];
}

export type SummaryValue =
  | { tag: string; simpleValue: number }
  | { tag: string; tensor: 'float' | 'double'; value: number; packing: 'content' | 'val' };

/** An `Event` protobuf: wall_time=1 (double), step=2 (int64), summary=5 { value=1 … }. */
export function encodeEvent(e: {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values?: SummaryValue[];
}): Uint8Array {
  const out: number[] = [...key(1, 1), ...float64(e.wallTime), ...key(2, 0), ...varint(e.step)];
  if (e.fileVersion) out.push(...lengthDelimited(3, new TextEncoder().encode(e.fileVersion)));
  if (e.values) {
    const summary: number[] = [];
    for (const v of e.values) {
      const value: number[] = [...lengthDelimited(1, new TextEncoder().encode(v.tag))];
      if ('simpleValue' in v) value.push(...key(2, 5), ...float32(v.simpleValue));
      else {
        const dtype = v.tensor === 'float' ? 1 : 2;
        const raw = v.tensor === 'float' ? float32(v.value) : float64(v.value);
        const tensor: number[] = [...key(1, 0), ...varint(dtype), ...lengthDelimited(2, [])];
        if (v.packing === 'content') tensor.push(...lengthDelimited(4, raw));
        else tensor.push(...lengthDelimited(v.tensor === 'float' ? 5 : 6, raw)); // packed repeated
        // metadata { plugin_data { plugin_name: "scalars" } } as TF2 writes it
        const metadata = lengthDelimited(
          1,
          lengthDelimited(1, new TextEncoder().encode('scalars')),
        );
        value.push(...lengthDelimited(9, metadata), ...lengthDelimited(8, tensor));
      }
      summary.push(...lengthDelimited(1, value));
    }
    out.push(...lengthDelimited(5, summary));
  }
  return Uint8Array.from(out);
}

/** One TFRecord: u64le length | u32le masked crc(length) | data | u32le masked crc(data). */
export function frameRecord(data: Uint8Array, corruptDataCrc = false): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskCrc(crc32cBitwise(out.subarray(0, 8))), true);
  out.set(data, 12);
  const crc = maskCrc(crc32cBitwise(data));
  view.setUint32(12 + data.length, corruptDataCrc ? crc ^ 1 : crc, true);
  return out;
}

/** A scalar event as torch.utils.tensorboard writes it (simple_value), framed. */
export function scalarRecord(
  tag: string,
  step: number,
  value: number,
  wallTime = 1.7e9,
): Uint8Array {
  return frameRecord(encodeEvent({ wallTime, step, values: [{ tag, simpleValue: value }] }));
}

/** The first record of every events file: the file version. */
export function fileVersionRecord(): Uint8Array {
  return frameRecord(encodeEvent({ wallTime: 1.7e9, step: 0, fileVersion: 'brain.Event:2' }));
}

/** A Lightning `metrics.csv` for `keys` (header) and sparse rows, as csv.DictWriter writes it. */
export function lightningCsv(keys: string[], rows: Record<string, number>[]): string {
  const lines = [keys.join(',')];
  for (const r of rows) lines.push(keys.map((k) => (k in r ? pyFloat(r[k]) : '')).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Python's `str(float)` / `repr` spellings for the values we write. */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Number.POSITIVE_INFINITY) return 'inf';
  if (v === Number.NEGATIVE_INFINITY) return '-inf';
  return String(v);
}

/** `json.dumps` of a dict with Python's bare NaN / Infinity. */
export function pyJson(o: Record<string, number | string>): string {
  const parts = Object.entries(o).map(([k, v]) => {
    const s =
      typeof v === 'string'
        ? JSON.stringify(v)
        : Number.isNaN(v)
          ? 'NaN'
          : v === Number.POSITIVE_INFINITY
            ? 'Infinity'
            : v === Number.NEGATIVE_INFINITY
              ? '-Infinity'
              : String(v);
    return `${JSON.stringify(k)}: ${s}`;
  });
  return `{${parts.join(', ')}}`;
}

/** HF `trainer_state.json` with `log_history`, indented as the Trainer writes it. */
export function trainerState(history: Record<string, number>[]): string {
  const entries = history.map((h) => `    ${pyJson(h)}`);
  return `{\n  "best_metric": null,\n  "epoch": 1.0,\n  "global_step": ${history.at(-1)?.step ?? 0},\n  "log_history": [\n${entries.join(',\n')}\n  ],\n  "max_steps": 1000\n}\n`;
}
