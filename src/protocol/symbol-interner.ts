/**
 * Turns the 8 symbol bytes of a binary payload into a string without allocating for a
 * symbol seen before: a small open-addressed table keyed by the bytes as two uint32
 * words. A miss validates the bytes, allocates the string once and remembers it; when the
 * probe window is full the entry at the home slot is replaced, so garbage from a hostile
 * peer can evict entries (costing one allocation per later miss) but never grow memory.
 */
import { ErrorCode, TradingError } from '../core/errors.js';
import { MAX_SYMBOL_LENGTH, isSymbolCharCode } from './validation.js';

const PROBE_LIMIT = 16;
const DEFAULT_CAPACITY = 1024;
/** 32,768 slots: 512 KiB at most per decoder. */
export const MAX_INTERNER_CAPACITY = 32_768;

/**
 * Where the key's probe sequence starts (masked by the caller, so the low bits must be
 * well mixed: generated universes like S00000..S09999 differ only in a few bytes, and a
 * bare multiply leaves its low bits depending on the low bits of the input alone).
 * MurmurHash3's 32-bit finaliser over the two words.
 */
function hashKey(low: number, high: number): number {
  let h = low ^ Math.imul(high, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class SymbolInterner {
  #low: Uint32Array;
  #high: Uint32Array;
  #names: (string | undefined)[];
  #mask: number;
  /** Occupied slots. */
  #size = 0;
  #misses = 0;
  /** The last symbol `intern` returned, and its key. */
  #lastLow = 0;
  #lastHigh = 0;
  #lastName: string | undefined;

  constructor(capacity: number = DEFAULT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < PROBE_LIMIT || capacity > MAX_INTERNER_CAPACITY || (capacity & (capacity - 1)) !== 0) {
      throw new TradingError(ErrorCode.CONFIG_INVALID, `interner capacity must be a power of two in ${PROBE_LIMIT}..${MAX_INTERNER_CAPACITY}, got ${capacity}`);
    }
    this.#low = new Uint32Array(capacity);
    this.#high = new Uint32Array(capacity);
    this.#names = new Array<string | undefined>(capacity).fill(undefined);
    this.#mask = capacity - 1;
  }

  /** Slots in the table now (it grows while more than half full, up to MAX_INTERNER_CAPACITY). */
  get capacity(): number {
    return this.#mask + 1;
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
    const home = hashKey(low, high);
    for (let probe = 0; probe < PROBE_LIMIT; probe++) {
      const slot = (home + probe) & mask;
      const name = this.#names[slot];
      if (name === undefined) return this.#insert(slot, low, high, source, sourceOffset);
      if (this.#low[slot] === low && this.#high[slot] === high) return name;
    }
    // a full probe window: grow while allowed, evict only at the maximum
    if (mask + 1 < MAX_INTERNER_CAPACITY) {
      this.#grow();
      return this.#lookup(low, high, source, sourceOffset);
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
    const home = hashKey(low, high);
    for (let probe = 0; probe < PROBE_LIMIT; probe++) {
      const slot = (home + probe) & mask;
      const name = this.#names[slot];
      if (name === undefined) return this.#store(slot, low, high, source.toString('latin1', start, start + length));
      if (this.#low[slot] === low && this.#high[slot] === high) return name;
    }
    if (mask + 1 < MAX_INTERNER_CAPACITY) {
      this.#grow();
      return this.internAscii(source, start, length);
    }
    return this.#store(home & mask, low, high, source.toString('latin1', start, start + length));
  }

  #store(slot: number, low: number, high: number, name: string): string {
    if (this.#names[slot] === undefined) this.#size++;
    this.#low[slot] = low;
    this.#high[slot] = high;
    this.#names[slot] = name;
    this.#misses++;
    if (2 * this.#size > this.#mask + 1 && this.#mask + 1 < MAX_INTERNER_CAPACITY) this.#grow();
    return name;
  }

  /**
   * Double the table and re-place every entry (a miss path: rare, and bounded in count).
   * An entry that finds its probe window full doubles the table again, so growing never
   * loses an entry; only a table at MAX_INTERNER_CAPACITY evicts.
   */
  #grow(): void {
    const oldLow = this.#low;
    const oldHigh = this.#high;
    const oldNames = this.#names;
    for (let capacity = 2 * (this.#mask + 1); ; capacity *= 2) {
      if (this.#rehash(oldLow, oldHigh, oldNames, capacity) || capacity >= MAX_INTERNER_CAPACITY) return;
    }
  }

  /** Fill a fresh table of `capacity` slots; false when some entry found its window full. */
  #rehash(oldLow: Uint32Array, oldHigh: Uint32Array, oldNames: readonly (string | undefined)[], capacity: number): boolean {
    this.#low = new Uint32Array(capacity);
    this.#high = new Uint32Array(capacity);
    this.#names = new Array<string | undefined>(capacity).fill(undefined);
    this.#mask = capacity - 1;
    this.#size = 0;
    let placedAll = true;
    for (let i = 0; i < oldNames.length; i++) {
      const name = oldNames[i];
      if (name === undefined) continue;
      const home = hashKey(oldLow[i], oldHigh[i]);
      let slot = home & this.#mask;
      let found = false;
      for (let probe = 0; probe < PROBE_LIMIT && !found; probe++) {
        const candidate = (home + probe) & this.#mask;
        if (this.#names[candidate] === undefined) {
          slot = candidate;
          found = true;
        }
      }
      if (!found) placedAll = false;
      if (this.#names[slot] === undefined) this.#size++;
      this.#low[slot] = oldLow[i];
      this.#high[slot] = oldHigh[i];
      this.#names[slot] = name;
    }
    return placedAll;
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
