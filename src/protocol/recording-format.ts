/**
 * The recording file: a gateway's stream, frame by frame, with receive times. THE single
 * source of its layout; the writer and the reader import only this file for where things
 * are. Change anything here and bump RECORDING_VERSION, so that an old reader refuses a
 * new file (E_RECORDING_INVALID) instead of misreading it.
 *
 * All integers little-endian. A file is a header, then blocks:
 *
 *  HEADER (32 B)
 *   0  magic "IPCTREC\n" (8 B)        8  u16 version          10  u16 flags (0)
 *  12  u32 header bytes (32)          16  f64 start, epoch ms (when recording began)
 *  24  u32 reserved (0)               28  u32 CRC-32 of bytes 0..27
 *
 *  BLOCK (repeated to the end of the file)
 *   0  magic "BLK1" (4 B)             4  u32 body bytes B      8  u32 records in the body
 *  12  u32 CRC-32 of the body        16  f64 receive ns of the block's first record, from
 *                                         the recording's start (the base of its deltas)
 *  24  body: B bytes of records
 *
 *  RECORD (inside a body)
 *      varint  receive-time delta, ns, from the previous record of the block (the first: 0)
 *      varint  payload bytes N
 *      N bytes the frame's payload exactly as received (without the 4-byte length header:
 *              framing is the seed's, so replay re-frames it); its first byte tells JSON
 *              ('{') from our binary
 *  varint: unsigned LEB128, 7 bits a byte, low first, at most 8 bytes (2^56 ns = 2 years).
 *
 * Why blocks: each carries its own checksum and its own time base, so a file cut short (a
 * recorder killed, a disk full) or damaged replays up to the last good block; a reader
 * stops at the first block whose magic, length or checksum is wrong and says so. A block
 * is written whole with one write() once it is full (BLOCK_TARGET_BYTES) or the recorder
 * flushes, so at most the records of the last, unwritten block are lost.
 *
 * Why varint deltas: a 5-symbol market at 10 updates per second has deltas of 0 (the
 * symbols of one round) to 100 ms (5 bytes at most, usually 1); with a 60-200 byte binary
 * payload the overhead is 2-7 bytes a frame.
 */
import { crc32 } from 'node:zlib';

export const RECORDING_MAGIC = 'IPCTREC\n';
export const RECORDING_VERSION = 1;
export const HEADER_BYTES = 32;
export const HEADER_MAGIC_OFFSET = 0;
export const HEADER_VERSION_OFFSET = 8;
export const HEADER_FLAGS_OFFSET = 10;
export const HEADER_BYTES_OFFSET = 12;
export const HEADER_START_MS_OFFSET = 16;
export const HEADER_CRC_OFFSET = 28;

export const BLOCK_MAGIC = 0x314b_4c42; // "BLK1" read as a little-endian u32
export const BLOCK_HEADER_BYTES = 24;
export const BLOCK_MAGIC_OFFSET = 0;
export const BLOCK_BODY_BYTES_OFFSET = 4;
export const BLOCK_RECORDS_OFFSET = 8;
export const BLOCK_CRC_OFFSET = 12;
export const BLOCK_BASE_NS_OFFSET = 16;

/** A block is written once its body reaches this many bytes. */
export const BLOCK_TARGET_BYTES = 64 * 1024;
/** A reader refuses a block body larger than this (a corrupt length, not a real block). */
export const MAX_BLOCK_BODY_BYTES = 64 * 1024 * 1024;
/** Largest payload a record may hold (the protocol's frame bound). */
export const MAX_RECORD_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** Most bytes of one varint. */
export const MAX_VARINT_BYTES = 8;

export function checksum(bytes: Uint8Array): number {
  return crc32(bytes) >>> 0;
}

/** The 32-byte header for a recording that started at `startEpochMs`. */
export function encodeHeader(startEpochMs: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(RECORDING_MAGIC, HEADER_MAGIC_OFFSET, 'latin1');
  header.writeUInt16LE(RECORDING_VERSION, HEADER_VERSION_OFFSET);
  header.writeUInt16LE(0, HEADER_FLAGS_OFFSET);
  header.writeUInt32LE(HEADER_BYTES, HEADER_BYTES_OFFSET);
  header.writeDoubleLE(startEpochMs, HEADER_START_MS_OFFSET);
  header.writeUInt32LE(checksum(header.subarray(0, HEADER_CRC_OFFSET)), HEADER_CRC_OFFSET);
  return header;
}

/** Write `value` (a non-negative integer < 2^56) as a varint at `offset`; returns the new offset. */
export function writeVarint(buffer: Uint8Array, offset: number, value: number): number {
  let rest = value;
  while (rest >= 0x80) {
    buffer[offset++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  buffer[offset++] = rest;
  return offset;
}

/** Bytes writeVarint would use. */
export function varintBytes(value: number): number {
  let bytes = 1;
  let rest = value;
  while (rest >= 0x80) {
    rest = Math.floor(rest / 0x80);
    bytes += 1;
  }
  return bytes;
}
