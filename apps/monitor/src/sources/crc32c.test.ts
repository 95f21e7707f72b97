import { describe, expect, it } from 'vitest';
import { crc32cBitwise, maskCrc } from '../../test/logWriters.js';
import { crc32c, maskedCrc32c } from './crc32c.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('crc32c', () => {
  it('matches the check values in DESIGN.md', () => {
    const data = Uint8Array.from([0x1a, 0x11, ...enc('CRC test, one two')]);
    expect(maskedCrc32c(data)).toBe(0x5794d08a);
    expect(maskCrc(crc32cBitwise(data))).toBe(0x5794d08a);
    // a length of 24 frames as 18 00 00 00 00 00 00 00 a3 7f 4b 22
    const length = Uint8Array.from([0x18, 0, 0, 0, 0, 0, 0, 0]);
    const masked = maskedCrc32c(length);
    expect([masked & 0xff, (masked >>> 8) & 0xff, (masked >>> 16) & 0xff, masked >>> 24]).toEqual([
      0xa3, 0x7f, 0x4b, 0x22,
    ]);
  });

  it('is the standard CRC-32C of "123456789" (0xE3069283)', () => {
    expect(crc32c(enc('123456789'))).toBe(0xe3069283);
  });

  it('agrees with the bitwise reference on ranges of random bytes', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7919 + 13) & 0xff);
    for (const [a, b] of [
      [0, 0],
      [0, 1],
      [3, 200],
      [17, 300],
    ])
      expect(crc32c(bytes, a, b)).toBe(crc32cBitwise(bytes.subarray(a, b)));
  });
});
