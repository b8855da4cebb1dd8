/**
 * Framing, exactly as the seed: a 4-byte unsigned big-endian length N, then N bytes of
 * payload. `FrameDecoder` turns a TCP byte stream (frames split across chunks, many frames
 * in one chunk) into payloads. A payload that lies wholly inside one chunk is delivered as
 * a view of that chunk (no copy); only a frame split across chunks is copied, once, into a
 * reusable buffer. Payloads are delivered as (buffer, offset, length) so that no Buffer
 * view is allocated per frame; the bytes are valid only during the callback.
 */
import { ErrorCode, TradingError } from '../core/errors.js';
import { allocateReleasable, releaseBuffer } from '../core/released-memory.js';

export const FRAME_HEADER_BYTES = 4;
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
/** The length field is 32-bit; nothing can be configured above it. */
export const ABSOLUTE_MAX_FRAME_BYTES = 0xffff_ffff;

/** The buffer for a frame split across chunks starts at this size... */
const FIRST_PENDING_BYTES = 256;
/** ...grows to the largest split frame, and is given back after one larger than this. */
const KEPT_PENDING_BYTES = 64 * 1024;

export type FrameHandler = (buffer: Buffer, offset: number, length: number) => void;

export interface FrameDecoderOptions {
  /** Largest payload accepted, bytes (default 1 MiB). A longer length is E_FRAME_TOO_LARGE. */
  maxFrameBytes?: number;
}

export class FrameDecoder {
  readonly maxFrameBytes: number;
  readonly #onFrame: FrameHandler;
  #pending: Buffer;
  #pendingLength = 0;
  #failed: TradingError | undefined;
  #stopped = false;

  constructor(onFrame: FrameHandler, options: FrameDecoderOptions = {}) {
    const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(max) || max < 1 || max > ABSOLUTE_MAX_FRAME_BYTES) {
      throw new TradingError(ErrorCode.CONFIG_INVALID, `maxFrameBytes must be an integer in 1..${ABSOLUTE_MAX_FRAME_BYTES}, got ${max}`);
    }
    this.maxFrameBytes = max;
    this.#onFrame = onFrame;
    // small until a frame actually arrives split: an idle connection holds next to nothing
    this.#pending = Buffer.allocUnsafe(Math.min(FIRST_PENDING_BYTES, max + FRAME_HEADER_BYTES));
  }

  /** Bytes held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.#pendingLength;
  }

  /** Bytes allocated for incomplete frames (what a peer makes us hold; budgets count this). */
  get capacityBytes(): number {
    return this.#pending.length;
  }

  /** The error that stopped this decoder, if any. A failed decoder accepts nothing more. */
  get error(): TradingError | undefined {
    return this.#failed;
  }

  /** Stop delivering frames (e.g. the handler decided to close the connection). */
  stop(): void {
    this.#stopped = true;
  }

  /**
   * The connection is gone: stop, and give a large frame's buffer back to the system now
   * (it is a released mapping, see core/released-memory.ts), not whenever it is collected.
   */
  dispose(): void {
    this.#stopped = true;
    this.#pendingLength = 0;
    if (this.#pending.length > KEPT_PENDING_BYTES) this.#replacePending(Buffer.allocUnsafe(Math.min(FIRST_PENDING_BYTES, this.maxFrameBytes + FRAME_HEADER_BYTES)));
  }

  /** Use `next` for pending bytes; a large buffer it replaces is released at once. */
  #replacePending(next: Buffer): void {
    const previous = this.#pending;
    this.#pending = next;
    if (previous.length > KEPT_PENDING_BYTES) releaseBuffer(previous);
  }

  /**
   * Feed bytes. Returns undefined, or the framing error that makes the stream unusable
   * (the caller closes the connection: after a bad length, no later byte can be trusted).
   */
  push(chunk: Buffer): TradingError | undefined {
    if (this.#failed !== undefined) return this.#failed;
    if (this.#stopped) return undefined;
    let offset = 0;
    const end = chunk.length;

    if (this.#pendingLength > 0) {
      offset = this.#fillPending(chunk, 0);
      if (this.#failed !== undefined) return this.#failed;
      if (!this.#pendingComplete()) return undefined;
      const length = this.#pending.readUInt32BE(0);
      this.#pendingLength = 0;
      this.#onFrame(this.#pending, FRAME_HEADER_BYTES, length);
      // a large frame's buffer is not kept for the life of the connection
      if (this.#pending.length > KEPT_PENDING_BYTES) this.#replacePending(Buffer.allocUnsafe(FIRST_PENDING_BYTES));
    }

    while (!this.#stopped && end - offset >= FRAME_HEADER_BYTES) {
      const length = chunk.readUInt32BE(offset);
      const problem = this.#check(length);
      if (problem !== undefined) return problem;
      if (end - offset - FRAME_HEADER_BYTES < length) break;
      this.#onFrame(chunk, offset + FRAME_HEADER_BYTES, length);
      offset += FRAME_HEADER_BYTES + length;
    }

    if (!this.#stopped && offset < end) {
      this.#fillPending(chunk, offset);
      return this.#failed;
    }
    return undefined;
  }

  #check(length: number): TradingError | undefined {
    if (length === 0) {
      this.#failed = new TradingError(ErrorCode.FRAME_EMPTY, 'frame length 0: a frame must carry a payload');
    } else if (length > this.maxFrameBytes) {
      this.#failed = new TradingError(
        ErrorCode.FRAME_TOO_LARGE,
        `frame length ${length} exceeds the maximum of ${this.maxFrameBytes} bytes`,
      );
    }
    return this.#failed;
  }

  #pendingComplete(): boolean {
    return (
      this.#pendingLength >= FRAME_HEADER_BYTES &&
      this.#pendingLength === FRAME_HEADER_BYTES + this.#pending.readUInt32BE(0)
    );
  }

  /** Append from chunk[offset..] to the pending frame, at most up to its end; returns the new offset. */
  #fillPending(chunk: Buffer, offset: number): number {
    let position = offset;
    while (this.#pendingLength < FRAME_HEADER_BYTES && position < chunk.length) {
      this.#pending[this.#pendingLength++] = chunk[position++];
    }
    if (this.#pendingLength < FRAME_HEADER_BYTES) return position;
    const length = this.#pending.readUInt32BE(0);
    if (this.#check(length) !== undefined) return position;
    const frameBytes = FRAME_HEADER_BYTES + length;
    if (this.#pending.length < frameBytes) {
      const size = Math.min(Math.max(frameBytes, this.#pending.length * 2), this.maxFrameBytes + FRAME_HEADER_BYTES);
      const grown = size > KEPT_PENDING_BYTES ? allocateReleasable(size) : Buffer.allocUnsafe(size);
      this.#pending.copy(grown, 0, 0, this.#pendingLength);
      this.#replacePending(grown);
    }
    const take = Math.min(frameBytes - this.#pendingLength, chunk.length - position);
    chunk.copy(this.#pending, this.#pendingLength, position, position + take);
    this.#pendingLength += take;
    return position + take;
  }
}

/**
 * Write the 4-byte big-endian length of a payload at `offset`. Four byte stores: this
 * runs once per frame sent, and writeUInt32BE's argument checks cost more than the
 * stores (the same RangeErrors are kept for a bad offset or length).
 */
export function writeFrameHeader(buffer: Buffer, offset: number, payloadLength: number): void {
  if (!(Number.isInteger(offset) && offset >= 0 && offset + FRAME_HEADER_BYTES <= buffer.length) || !(payloadLength >= 0 && payloadLength <= ABSOLUTE_MAX_FRAME_BYTES)) {
    buffer.writeUInt32BE(payloadLength, offset); // throws the RangeError describing the problem
  }
  buffer[offset] = payloadLength >>> 24;
  buffer[offset + 1] = (payloadLength >>> 16) & 0xff;
  buffer[offset + 2] = (payloadLength >>> 8) & 0xff;
  buffer[offset + 3] = payloadLength & 0xff;
}

/** A complete frame (header + payload) as a new Buffer. For control paths and tests. */
export function encodeFrame(payload: Buffer | Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}
