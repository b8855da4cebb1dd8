/**
 * Turns the 8 symbol bytes of a binary payload into a string without allocating for a
 * symbol seen before: a small open-addressed table keyed by the bytes as two uint32
 * words. A miss validates the bytes, allocates the string once and remembers it; when the
 * probe window is full the entry at the home slot is replaced, so garbage from a hostile
 * peer can evict entries (costing one allocation per later miss) but never grow memory.
 */
import { MAX_SYMBOL_LENGTH, isSymbolCharCode } from './validation.js';

const PROBE_LIMIT = 8;
const DEFAULT_CAPACITY = 1024;

export class SymbolInterner {
  readonly #low: Uint32Array;
  readonly #high: Uint32Array;
  readonly #names: (string | undefined)[];
  readonly #mask: number;
  #misses = 0;
  /** The last symbol `intern` returned, and its key. */
  #lastLow = 0;
  #lastHigh = 0;
  #lastName: string | undefined;

  constructor(capacity: number = DEFAULT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < PROBE_LIMIT || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`interner capacity must be a power of two ≥ ${PROBE_LIMIT}, got ${capacity}`);
    }
    this.#low = new Uint32Array(capacity);
    this.#high = new Uint32Array(capacity);
    this.#names = new Array<string | undefined>(capacity).fill(undefined);
    this.#mask = capacity - 1;
  }

  /** Symbols that had to be allocated (first sightings and re-sightings after eviction). */
  get misses(): number {
    return this.#misses;
  }

  /**
   * The symbol whose 8 bytes start at view[base], or undefined when they are not a valid
   * symbol (1-8 characters of A-Z 0-9 . - _, then zero padding). `source` is the Buffer
   * the view covers, used only to build the string on a miss; `sourceOffset` is the
   * same position in Buffer coordinates.
   */
  intern(view: DataView, base: number, source: Buffer, sourceOffset: number): string | undefined {
    const low = view.getUint32(base, true);
    const high = view.getUint32(base + 4, true);
    // A feed repeats its last symbol often (one symbol's burst, or one symbol only).
    if (low === this.#lastLow && high === this.#lastHigh && this.#lastName !== undefined) return this.#lastName;
    const name = this.#lookup(low, high, source, sourceOffset);
    if (name !== undefined) {
      this.#lastLow = low;
      this.#lastHigh = high;
      this.#lastName = name;
    }
    return name;
  }

  #lookup(low: number, high: number, source: Buffer, sourceOffset: number): string | undefined {
    const mask = this.#mask;
    const home = Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> 0;
    for (let probe = 0; probe < PROBE_LIMIT; probe++) {
      const slot = (home + probe) & mask;
      const name = this.#names[slot];
      if (name === undefined) return this.#insert(slot, low, high, source, sourceOffset);
      if (this.#low[slot] === low && this.#high[slot] === high) return name;
    }
    return this.#insert(home & mask, low, high, source, sourceOffset);
  }

  /**
   * The symbol spelled by the ASCII bytes source[start, start + length) (JSON text between
   * the quotes), or undefined when they are not a valid symbol. Same table and keys as
   * `intern`: the bytes, zero-padded to 8, as two little-endian uint32 words.
   */
  internAscii(source: Buffer, start: number, length: number): string | undefined {
    if (length < 1 || length > MAX_SYMBOL_LENGTH) return undefined;
    let low = 0;
    let high = 0;
    for (let i = 0; i < length; i++) {
      const code = source[start + i];
      if (!isSymbolCharCode(code)) return undefined;
      if (i < 4) low |= code << (8 * i);
      else high |= code << (8 * (i - 4));
    }
    low >>>= 0;
    high >>>= 0;
    const mask = this.#mask;
    const home = Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> 0;
    for (let probe = 0; probe < PROBE_LIMIT; probe++) {
      const slot = (home + probe) & mask;
      const name = this.#names[slot];
      if (name === undefined) return this.#store(slot, low, high, source.toString('latin1', start, start + length));
      if (this.#low[slot] === low && this.#high[slot] === high) return name;
    }
    return this.#store(home & mask, low, high, source.toString('latin1', start, start + length));
  }

  #store(slot: number, low: number, high: number, name: string): string {
    this.#low[slot] = low;
    this.#high[slot] = high;
    this.#names[slot] = name;
    this.#misses++;
    return name;
  }

  #insert(slot: number, low: number, high: number, source: Buffer, sourceOffset: number): string | undefined {
    let length = 0;
    while (length < MAX_SYMBOL_LENGTH && source[sourceOffset + length] !== 0) {
      if (!isSymbolCharCode(source[sourceOffset + length])) return undefined;
      length++;
    }
    if (length === 0) return undefined;
    for (let i = length; i < MAX_SYMBOL_LENGTH; i++) {
      if (source[sourceOffset + i] !== 0) return undefined;
    }
    return this.#store(slot, low, high, source.toString('latin1', sourceOffset, sourceOffset + length));
  }
}
