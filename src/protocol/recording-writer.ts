/**
 * Writes a recording (recording-format.ts): append frames with their receive times, and
 * each full block goes to the file with one write. `flush()` writes the open block now
 * (the recorder calls it on a timer, so an idle stream still reaches the disk), `close()`
 * flushes and closes. The block buffer is reused: appending a frame allocates nothing.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { ErrorCode, TradingError } from '../core/errors.js';
import {
  BLOCK_BASE_NS_OFFSET,
  BLOCK_BODY_BYTES_OFFSET,
  BLOCK_CRC_OFFSET,
  BLOCK_HEADER_BYTES,
  BLOCK_MAGIC,
  BLOCK_MAGIC_OFFSET,
  BLOCK_RECORDS_OFFSET,
  BLOCK_TARGET_BYTES,
  MAX_RECORD_PAYLOAD_BYTES,
  MAX_VARINT_BYTES,
  checksum,
  encodeHeader,
  writeVarint,
} from './recording-format.js';

export interface RecordingWriterCounters {
  frames: number;
  blocks: number;
  bytes: number;
}

export class RecordingWriter {
  readonly path: string;
  readonly counters: RecordingWriterCounters = { frames: 0, blocks: 0, bytes: 0 };
  #fd: number;
  #block: Buffer;
  #blockView: DataView;
  #used = BLOCK_HEADER_BYTES;
  #records = 0;
  #baseNs = 0;
  #lastNs = 0;

  /** Create (or truncate) `path` and write the header; `startEpochMs` is the recording's wall-clock start. */
  constructor(path: string, startEpochMs: number = Date.now()) {
    this.path = path;
    try {
      this.#fd = openSync(path, 'w', 0o644);
    } catch (err) {
      throw new TradingError(ErrorCode.CONFIG_INVALID, `recording ${path}: cannot create (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    const header = encodeHeader(startEpochMs);
    writeSync(this.#fd, header);
    this.counters.bytes += header.length;
    this.#block = Buffer.allocUnsafe(BLOCK_TARGET_BYTES + BLOCK_HEADER_BYTES + 2 * MAX_VARINT_BYTES + 64 * 1024);
    this.#blockView = new DataView(this.#block.buffer, this.#block.byteOffset, this.#block.byteLength);
  }

  get open(): boolean {
    return this.#fd >= 0;
  }

  /**
   * Append one frame's payload, received `receiveNs` after the recording's start (ns,
   * never decreasing: a smaller value is taken as equal to the previous one).
   */
  append(payload: Uint8Array, offset: number, length: number, receiveNs: number): void {
    if (this.#fd < 0) return;
    if (length > MAX_RECORD_PAYLOAD_BYTES) throw new TradingError(ErrorCode.FRAME_TOO_LARGE, `a frame of ${length} bytes is too large to record`);
    if (this.#records === 0) {
      this.#baseNs = Math.round(receiveNs);
      this.#lastNs = this.#baseNs;
    }
    const at = Math.max(Math.round(receiveNs), this.#lastNs);
    const needed = this.#used + 2 * MAX_VARINT_BYTES + length;
    if (needed > this.#block.length) this.#grow(needed);
    let used = writeVarint(this.#block, this.#used, at - this.#lastNs);
    used = writeVarint(this.#block, used, length);
    this.#block.set(payload.subarray(offset, offset + length), used);
    this.#used = used + length;
    this.#lastNs = at;
    this.#records += 1;
    this.counters.frames += 1;
    if (this.#used - BLOCK_HEADER_BYTES >= BLOCK_TARGET_BYTES) this.flush();
  }

  /** Write the open block, if it holds anything. */
  flush(): void {
    if (this.#fd < 0 || this.#records === 0) return;
    const block = this.#block;
    const bodyBytes = this.#used - BLOCK_HEADER_BYTES;
    const view = this.#blockView;
    view.setUint32(BLOCK_MAGIC_OFFSET, BLOCK_MAGIC, true);
    view.setUint32(BLOCK_BODY_BYTES_OFFSET, bodyBytes, true);
    view.setUint32(BLOCK_RECORDS_OFFSET, this.#records, true);
    view.setUint32(BLOCK_CRC_OFFSET, checksum(block.subarray(BLOCK_HEADER_BYTES, this.#used)), true);
    view.setFloat64(BLOCK_BASE_NS_OFFSET, this.#baseNs, true);
    let written = 0;
    while (written < this.#used) written += writeSync(this.#fd, block, written, this.#used - written);
    this.counters.blocks += 1;
    this.counters.bytes += this.#used;
    this.#used = BLOCK_HEADER_BYTES;
    this.#records = 0;
  }

  /** Flush, sync and close. Idempotent. */
  close(): void {
    if (this.#fd < 0) return;
    this.flush();
    try {
      fsyncSync(this.#fd);
    } finally {
      closeSync(this.#fd);
      this.#fd = -1;
    }
  }

  #grow(needed: number): void {
    const bigger = Buffer.allocUnsafe(needed * 2);
    this.#block.copy(bigger, 0, 0, this.#used);
    this.#block = bigger;
    this.#blockView = new DataView(bigger.buffer, bigger.byteOffset, bigger.byteLength);
  }
}
