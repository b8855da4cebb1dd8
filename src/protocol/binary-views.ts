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

/**
 * A run of little-endian float64 fields, read or written as elements of a Float64Array.
 * When the run sits 8-byte aligned on a little-endian host, the array is the payload's
 * own memory; otherwise it is a scratch block that `load` fills from the payload and
 * `store` copies back into it (byte-swapped on a big-endian host). Either way the codec
 * reads and writes the fields in one place, by index, with no allocation.
 */
export class Float64Run {
  readonly #scratch = Buffer.alloc(MAX_RUN_FLOATS * 8);
  readonly #scratchFloats = new Float64Array(this.#scratch.buffer, this.#scratch.byteOffset, MAX_RUN_FLOATS);
  /** The array the fields are in after `open`/`load`. */
  floats: Float64Array<ArrayBufferLike> = this.#scratchFloats;
  /** Index of the run's first field in `floats`. */
  first = 0;
  #aligned = false;

  /** Prepare to write a run that starts at byte `position` of `views`' ArrayBuffer. */
  open(views: ViewCache, position: number): void {
    if ((position & 7) === 0 && HOST_IS_LITTLE_ENDIAN) {
      this.#aligned = true;
      this.floats = views.float64s;
      this.first = position >>> 3;
    } else {
      this.#aligned = false;
      this.floats = this.#scratchFloats;
      this.first = 0;
    }
  }

  /** After writing `count` fields: copy them to target[start..] unless they were written in place. */
  store(target: Buffer, start: number, count: number): void {
    if (this.#aligned) return;
    const bytes = count * 8;
    if (!HOST_IS_LITTLE_ENDIAN) this.#scratch.swap64();
    this.#scratch.copy(target, start, 0, bytes);
  }

  /** Make `count` fields at buffer[start..] (byte `position` of `views`' ArrayBuffer) readable in `floats`. */
  load(views: ViewCache, position: number, buffer: Buffer, start: number, count: number): void {
    if ((position & 7) === 0 && HOST_IS_LITTLE_ENDIAN) {
      this.floats = views.float64s;
      this.first = position >>> 3;
      return;
    }
    this.floats = this.#scratchFloats;
    this.first = 0;
    buffer.copy(this.#scratch, 0, start, start + count * 8);
    if (!HOST_IS_LITTLE_ENDIAN) this.#scratch.swap64();
  }
}
