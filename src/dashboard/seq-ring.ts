/**
 * A bounded history whose items carry a sequence number from one shared counter, so that
 * a browser's whole position in every history is one number (its cursor). `since(cursor)`
 * gives what that browser has not seen; `covers(cursor)` says whether nothing it missed has
 * been dropped (otherwise the page starts that history again from what is kept).
 *
 * Memory is bounded by `capacity` items; nothing grows with the number of browsers.
 */
import { ErrorCode, TradingError } from '../core/errors.js';
export class SeqCounter {
  #last = 0;

  next(): number {
    this.#last += 1;
    return this.#last;
  }

  get last(): number {
    return this.#last;
  }
}

export class SeqRing<T> {
  readonly capacity: number;
  readonly #counter: SeqCounter;
  readonly #items: (T | undefined)[];
  readonly #seqs: Float64Array;
  #head = 0;
  #count = 0;
  /** Sequence of the newest item ever dropped (0: none dropped). */
  #droppedUpTo = 0;

  constructor(capacity: number, counter: SeqCounter) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TradingError(ErrorCode.CONFIG_INVALID, `ring capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.#counter = counter;
    this.#items = new Array<T | undefined>(capacity).fill(undefined);
    this.#seqs = new Float64Array(capacity);
  }

  get size(): number {
    return this.#count;
  }

  /** Append; the oldest item goes once the ring is full. Returns the item's sequence. */
  push(item: T): number {
    const seq = this.#counter.next();
    const slot = (this.#head + this.#count) % this.capacity;
    if (this.#count === this.capacity) {
      this.#droppedUpTo = this.#seqs[this.#head] ?? 0;
      this.#head = (this.#head + 1) % this.capacity;
    } else {
      this.#count += 1;
    }
    this.#items[slot] = item;
    this.#seqs[slot] = seq;
    return seq;
  }

  /** True when every item after `cursor` that was ever pushed is still kept. */
  covers(cursor: number): boolean {
    return cursor >= this.#droppedUpTo;
  }

  /** Items with a sequence above `cursor`, oldest first. */
  since(cursor: number): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#count; i++) {
      const slot = (this.#head + i) % this.capacity;
      if ((this.#seqs[slot] ?? 0) > cursor) out.push(this.#items[slot] as T);
    }
    return out;
  }

  /** The newest `n` items, oldest first. */
  latest(n: number): T[] {
    const take = Math.min(n, this.#count);
    const out: T[] = [];
    for (let i = this.#count - take; i < this.#count; i++) out.push(this.#items[(this.#head + i) % this.capacity] as T);
    return out;
  }

  clear(): void {
    this.#droppedUpTo = this.#counter.last;
    this.#items.fill(undefined);
    this.#head = 0;
    this.#count = 0;
  }
}
