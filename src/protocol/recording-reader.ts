/**
 * Reads a recording (recording-format.ts) into memory and indexes its frames: payload
 * offset, length and receive time of each, for a replayer to serve in order without
 * parsing anything twice. A header that is not ours, or of another version, is refused
 * (E_RECORDING_INVALID); a block that is cut short or fails its checksum ends the
 * recording there, and `damage` says where and why (the frames before it replay).
 */
import { readFileSync } from 'node:fs';
import { ErrorCode, TradingError } from '../core/errors.js';
import * as Format from './recording-format.js';

export interface RecordingDamage {
  /** Byte offset of the first block that could not be used. */
  offset: number;
  reason: string;
}

export class Recording {
  readonly path: string;
  readonly bytes: Buffer;
  readonly version: number;
  /** Wall-clock start of the recording, epoch ms. */
  readonly startEpochMs: number;
  readonly blocks: number;
  readonly frameCount: number;
  /** Per frame: payload offset in `bytes`, payload length, receive time (ns from the start). */
  readonly offsets: Float64Array;
  readonly lengths: Uint32Array;
  readonly receiveNs: Float64Array;
  /** Set when the file ends in a damaged or incomplete block. */
  readonly damage: RecordingDamage | undefined;

  private constructor(path: string, bytes: Buffer) {
    this.path = path;
    this.bytes = bytes;
    const problem = headerProblem(bytes);
    if (problem !== '') throw new TradingError(ErrorCode.RECORDING_INVALID, `recording ${path}: ${problem}`);
    this.version = bytes.readUInt16LE(Format.HEADER_VERSION_OFFSET);
    this.startEpochMs = bytes.readDoubleLE(Format.HEADER_START_MS_OFFSET);
    const scan = scanBlocks(bytes);
    this.blocks = scan.blocks;
    this.frameCount = scan.count;
    this.offsets = scan.offsets.subarray(0, scan.count);
    this.lengths = scan.lengths.subarray(0, scan.count);
    this.receiveNs = scan.receiveNs.subarray(0, scan.count);
    this.damage = scan.damage;
  }

  /** Read and index `path`. Throws E_RECORDING_INVALID for a file that is not a recording. */
  static open(path: string): Recording {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw new TradingError(ErrorCode.RECORDING_INVALID, `recording ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    return new Recording(path, bytes);
  }

  /** Frame `index`'s payload, as a view of the file's bytes. */
  payload(index: number): Buffer {
    const offset = this.offsets[index] ?? 0;
    return this.bytes.subarray(offset, offset + (this.lengths[index] ?? 0));
  }

  /** Receive time of the last frame minus the first, ns (0 for fewer than two frames). */
  get durationNs(): number {
    return this.frameCount < 2 ? 0 : (this.receiveNs[this.frameCount - 1] ?? 0) - (this.receiveNs[0] ?? 0);
  }
}

function headerProblem(bytes: Buffer): string {
  if (bytes.length < Format.HEADER_BYTES) return `not a recording: ${bytes.length} bytes, shorter than the ${Format.HEADER_BYTES}-byte header`;
  if (bytes.toString('latin1', Format.HEADER_MAGIC_OFFSET, Format.HEADER_MAGIC_OFFSET + Format.RECORDING_MAGIC.length) !== Format.RECORDING_MAGIC) {
    return 'not a recording (its first bytes are not the recording magic)';
  }
  if (Format.checksum(bytes.subarray(0, Format.HEADER_CRC_OFFSET)) !== bytes.readUInt32LE(Format.HEADER_CRC_OFFSET)) return 'its header fails its checksum';
  const version = bytes.readUInt16LE(Format.HEADER_VERSION_OFFSET);
  if (version !== Format.RECORDING_VERSION) return `recording format version ${version}; this build reads version ${Format.RECORDING_VERSION}`;
  return '';
}

interface Scan {
  blocks: number;
  count: number;
  offsets: Float64Array;
  lengths: Uint32Array;
  receiveNs: Float64Array;
  damage: RecordingDamage | undefined;
}

/** Read one varint at `at` below `end`: [value, next offset], or undefined when it runs past. */
function readVarint(bytes: Buffer, at: number, end: number): [number, number] | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < Format.MAX_VARINT_BYTES; i++) {
    if (at >= end) return undefined;
    const byte = bytes[at++] ?? 0;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [value, at];
    scale *= 0x80;
  }
  return undefined;
}

function scanBlocks(bytes: Buffer): Scan {
  // a generous first guess of the frame count (a frame takes at least 3 bytes), trimmed later
  let capacity = Math.max(16, Math.ceil(bytes.length / 64));
  const scan: Scan = { blocks: 0, count: 0, offsets: new Float64Array(capacity), lengths: new Uint32Array(capacity), receiveNs: new Float64Array(capacity), damage: undefined };
  const grow = (): void => {
    capacity *= 2;
    const offsets = new Float64Array(capacity);
    offsets.set(scan.offsets);
    const lengths = new Uint32Array(capacity);
    lengths.set(scan.lengths);
    const receiveNs = new Float64Array(capacity);
    receiveNs.set(scan.receiveNs);
    scan.offsets = offsets;
    scan.lengths = lengths;
    scan.receiveNs = receiveNs;
  };
  let at = Format.HEADER_BYTES;
  let lastNs = 0;
  while (at < bytes.length) {
    const damaged = (reason: string): Scan => {
      scan.damage = { offset: at, reason };
      return scan;
    };
    if (bytes.length - at < Format.BLOCK_HEADER_BYTES) return damaged(`the last block is cut short (${bytes.length - at} bytes of its ${Format.BLOCK_HEADER_BYTES}-byte header)`);
    if (bytes.readUInt32LE(at + Format.BLOCK_MAGIC_OFFSET) !== Format.BLOCK_MAGIC) return damaged('a block does not start with its magic');
    const bodyBytes = bytes.readUInt32LE(at + Format.BLOCK_BODY_BYTES_OFFSET);
    const records = bytes.readUInt32LE(at + Format.BLOCK_RECORDS_OFFSET);
    const body = at + Format.BLOCK_HEADER_BYTES;
    if (bodyBytes > Format.MAX_BLOCK_BODY_BYTES) return damaged(`a block claims ${bodyBytes} bytes`);
    if (body + bodyBytes > bytes.length) return damaged(`the last block is cut short (${bytes.length - body} of ${bodyBytes} bytes)`);
    const end = body + bodyBytes;
    if (Format.checksum(bytes.subarray(body, end)) !== bytes.readUInt32LE(at + Format.BLOCK_CRC_OFFSET)) return damaged('a block fails its checksum');
    const first = scan.count;
    let ns = bytes.readDoubleLE(at + Format.BLOCK_BASE_NS_OFFSET);
    if (ns < lastNs) return damaged('a block starts before the previous one ended');
    let cursor = body;
    for (let record = 0; record < records; record++) {
      const delta = readVarint(bytes, cursor, end);
      const length = delta === undefined ? undefined : readVarint(bytes, delta[1], end);
      if (delta === undefined || length === undefined || length[1] + length[0] > end) {
        scan.count = first;
        return damaged(`record ${record} of a block runs past the block`);
      }
      ns += delta[0];
      if (scan.count === capacity) grow();
      scan.offsets[scan.count] = length[1];
      scan.lengths[scan.count] = length[0];
      scan.receiveNs[scan.count] = ns;
      scan.count += 1;
      cursor = length[1] + length[0];
    }
    if (cursor !== end) {
      scan.count = first;
      return damaged('a block holds more bytes than its records');
    }
    lastNs = ns;
    scan.blocks += 1;
    at = end;
  }
  return scan;
}
