import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '../../src/core/crc32c.js';

/** Bit by bit, straight from the definition. */
function reference(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

test('crc32c: the standard check value, and the table version equals the bitwise one on every length and offset', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  const bytes = new Uint8Array(300);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
  for (let start = 0; start < 9; start++) {
    for (let end = start; end <= bytes.length; end += 7) {
      assert.equal(crc32c(bytes, start, end), reference(bytes.subarray(start, end)), `${start}..${end}`);
    }
  }
});
