/**
 * Memory access shared by the binary encoder and decoder: a DataView (and, on a
 * little-endian host, a Float64Array) over whatever ArrayBuffer a payload lives in, and
 * the one way to a run of float64 fields, aligned or not.
 */
import { MAX_BOOK_DEPTH } from '../core/book.js';

/** Typed arrays use the host's byte order; the layouts are little-endian. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/**
 * A DataView over whatever ArrayBuffer the last Buffer lived in, and on a little-endian
 * host a Float64Array over the same memory. The hot path reuses one Buffer, which an
 * identity check recognises; socket chunks and pooled Buffers share ArrayBuffers, so new
 * views are made once per chunk at most, never per message.
 */
export class ViewCache {
  #buffer: Buffer | undefined;
  #arrayBuffer: ArrayBufferLike | undefined;
  #view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  #float64s: Float64Array<ArrayBufferLike> = new Float64Array(0);
  #byteOffset = 0;

  of(buffer: Buffer): DataView<ArrayBufferLike> {
    if (buffer !== this.#buffer) this.#switchTo(buffer);
    return this.#view;
  }

  /**
   * The last buffer's byteOffset (call `of` first). Kept here because reading
   * Buffer.byteOffset is a call V8 does not inline (about 9 ns, measured), and the hot
   * path needs it once per message on each side; a typed array's offset never changes.
   */
  get byteOffset(): number {
    return this.#byteOffset;
  }

  /**
   * Float64Array over the last buffer's ArrayBuffer (call `of` first), empty on a
   * big-endian host. Element i is bytes [8i, 8i + 8) of the ArrayBuffer.
   */
  get float64s(): Float64Array<ArrayBufferLike> {
    return this.#float64s;
  }

  #switchTo(buffer: Buffer): void {
    this.#buffer = buffer;
    this.#byteOffset = buffer.byteOffset;
    const arrayBuffer = buffer.buffer;
    if (arrayBuffer !== this.#arrayBuffer) {
      this.#arrayBuffer = arrayBuffer;
      this.#view = new DataView(arrayBuffer);
      this.#float64s = HOST_IS_LITTLE_ENDIAN ? new Float64Array(arrayBuffer, 0, arrayBuffer.byteLength >>> 3) : new Float64Array(0);
    }
  }
}

/** The most float64 fields one run holds: MARKET_DATA's five scalars and two per level. */
const MAX_RUN_FLOATS = 5 + 4 * MAX_BOOK_DEPTH;

/** Whether float64 fields starting at byte `position` of an ArrayBuffer can be used in place as Float64Array elements. */
export function isFloat64Aligned(position: number): boolean {
  return (position & 7) === 0 && HOST_IS_LITTLE_ENDIAN;
}

/**
 * Where a run of little-endian float64 fields is read or written by index when it is not
 * usable in place (see isFloat64Aligned): a scratch block that `load` fills from the
 * payload and `store` copies back into it, byte-swapped on a big-endian host. With
 * ViewCache.float64s for the aligned case, the codec reads and writes such fields in one
 * place, by index, with no allocation, wherever the payload sits.
 */
export class Float64Run {
  readonly #bytes = Buffer.alloc(MAX_RUN_FLOATS * 8);
  readonly scratch = new Float64Array(this.#bytes.buffer, this.#bytes.byteOffset, MAX_RUN_FLOATS);

  // Byte loops, not Buffer#copy: Node 20's copy of a sub-range makes a Uint8Array view of
  // the source each call, an allocation per message on the path this class exists to keep
  // free of them (found by the order-path warmer's allocation test).

  /** Copy the first `count` scratch fields to target[start..]. */
  store(target: Buffer, start: number, count: number): void {
    const bytes = this.#bytes;
    if (!HOST_IS_LITTLE_ENDIAN) bytes.swap64();
    const length = count * 8;
    for (let i = 0; i < length; i++) target[start + i] = bytes[i] as number;
  }

  /** Copy `count` fields from buffer[start..] into the scratch block and return it. */
  load(buffer: Buffer, start: number, count: number): Float64Array {
    const bytes = this.#bytes;
    const length = count * 8;
    for (let i = 0; i < length; i++) bytes[i] = buffer[start + i] as number;
    if (!HOST_IS_LITTLE_ENDIAN) bytes.swap64();
    return this.scratch;
  }
}
