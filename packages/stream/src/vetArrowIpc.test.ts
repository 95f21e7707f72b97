import { Message, MessageHeader } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ceBatch, fileBytes, streamBytes } from '../test/arrowBatches.js';
import { vetArrowIpcFooter, vetArrowIpcMessage } from './index.js';

/** The metadata flatbuffers of a real IPC stream, with where each starts in the bytes. */
function messages(bytes: Uint8Array): { at: number; meta: Uint8Array }[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: { at: number; meta: Uint8Array }[] = [];
  let o = 0;
  while (o + 8 <= bytes.length) {
    const len = dv.getInt32(o + 4, true);
    if (len === 0) break;
    const meta = bytes.subarray(o + 8, o + 8 + len);
    out.push({ at: o + 8, meta });
    o += 8 + len + Number(Message.decode(meta).bodyLength);
  }
  return out;
}

describe('vetArrowIpcMessage', () => {
  const bytes = streamBytes([ceBatch(50, 4, 1), ceBatch(7, 4, 2)]);
  const ms = messages(bytes);

  it("passes real messages and reports the body length Arrow's own decoder reads", () => {
    expect(ms.length).toBe(3); // schema + two batches
    for (const { meta } of ms) {
      const v = vetArrowIpcMessage(meta);
      expect(v.problem).toBeNull();
      expect(v.bodyLength).toBe(Number(Message.decode(meta).bodyLength));
    }
    expect(Message.decode(ms[1].meta).headerType).toBe(MessageHeader.RecordBatch);
    expect(vetArrowIpcMessage(ms[1].meta).bodyLength).toBeGreaterThan(0);
  });

  it('reports a schema whose field count cannot fit in its metadata', () => {
    // Find the schema's `fields` vector length by flipping the high byte of every aligned int32
    // in turn: a flip there must be reported (the vector would need gigabytes of offsets).
    const schema = ms[0].meta;
    let reported = 0;
    for (let i = 3; i < schema.length; i += 4) {
      const bad = Uint8Array.from(schema);
      bad[i] ^= 0x40;
      const v = vetArrowIpcMessage(bad);
      if (v.problem !== null) {
        reported++;
        expect(v.bodyLength).toBe(0);
      }
    }
    expect(reported).toBeGreaterThan(0);
    expect(
      [...Array(schema.length).keys()].some((i) => {
        const bad = Uint8Array.from(schema);
        bad[i] ^= 0x40;
        return /claims \d+ entries/.test(vetArrowIpcMessage(bad).problem ?? '');
      }),
    ).toBe(true);
  });

  it('never throws, and what it passes has a usable body length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const v = vetArrowIpcMessage(bytes);
        expect(v.problem === null || typeof v.problem === 'string').toBe(true);
        expect(Number.isSafeInteger(v.bodyLength) && v.bodyLength >= 0).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('vetArrowIpcFooter', () => {
  const file = fileBytes([ceBatch(20, 4, 1), ceBatch(20, 4, 2)]);
  const n = file.length;
  const footerLength = new DataView(file.buffer, file.byteOffset).getInt32(n - 10, true);
  const footer = file.subarray(n - 10 - footerLength, n - 10);

  it('passes a real footer and reports a flipped vector length in it', () => {
    expect(vetArrowIpcFooter(footer)).toBeNull();
    const problems = [...Array(footer.length).keys()].map((i) => {
      const bad = Uint8Array.from(footer);
      bad[i] ^= 0x40;
      return vetArrowIpcFooter(bad);
    });
    expect(problems.some((p) => /claims \d+ entries/.test(p ?? ''))).toBe(true);
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const p = vetArrowIpcFooter(bytes);
        expect(p === null || typeof p === 'string').toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
