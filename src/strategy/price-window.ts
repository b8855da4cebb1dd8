/**
 * The relative price change over a lookback window, in constant memory and without
 * allocating per update.
 *
 * The seed compared each tick with the previous one (100 ms apart), and a realistic market
 * rarely moves 0.5% in 100 ms; comparing with the price at the start of a longer window
 * lets the same threshold fire on real moves. The window keeps a ring of samples taken at
 * most every `lookbackMs / (capacity - 2)` ms, whatever the tick rate, so its memory does
 * not grow with the feed's speed. The reference price is that of the newest sample at or
 * before `now - lookbackMs`: the change is measured over at least the lookback and at most
 * one sample interval (plus one tick gap) more.
 *
 *   samples:  [ref] [s] [s] [s] ... [s]      now
 *   time:  ───┼──────┼──────────────────────────┼──►
 *          ref ≤ now - lookback                now
 *
 * `lookbackMs = 0` is the seed's rule: the change since the previous update.
 *
 * No doubles cross a call boundary on the per-tick path. V8 boxes a double passed to, or
 * returned from, a call it did not inline (a heap allocation per tick; measured: on about
 * a third of runs the optimiser did not inline it), while a store into a double field is
 * done in place. So `updateFromBook` takes the book itself and reads time and price there,
 * the figure is left in the `change` field, and both entry points hand their inputs to the
 * shared step through fields.
 */
import { ErrorCode, TradingError } from '../core/errors.js';
import type { L2Book } from '../core/book.js';

/** Which price of a book the window follows: the mid, or the last trade. */
export type PriceSource = 'mid' | 'last';

/** What an update found (a status code: the per-tick path neither throws nor allocates). */
export const WindowResult = {
  /** `change` holds the move over the window. */
  CHANGE: 0,
  /** The history does not yet cover the window; `change` is NaN. */
  FILLING: 1,
  /** The book had no price to follow (empty side, no trade yet); nothing recorded. */
  NO_PRICE: 2,
} as const;
export type WindowResult = (typeof WindowResult)[keyof typeof WindowResult];

/** Samples kept per window; the sampling resolution is lookbackMs / (this - 2). */
export const DEFAULT_WINDOW_SAMPLES = 64;

export class PriceWindow {
  readonly lookbackMs: number;
  /**
   * (price − reference) / reference as of the last update, NaN while the history does not
   * cover the window. Read it; only `update` and `reset` write it.
   */
  change = Number.NaN;
  readonly #sampleIntervalMs: number;
  readonly #times: Float64Array;
  readonly #prices: Float64Array;
  #head = 0;
  #count = 0;
  #lastTimeMs = Number.NEGATIVE_INFINITY;
  #lastPrice = Number.NaN;
  // Inputs of #step (see the class comment for why fields, not arguments).
  #inputTimeMs = 0;
  #inputPrice = 0;

  constructor(lookbackMs: number, samples: number = DEFAULT_WINDOW_SAMPLES) {
    if (!Number.isFinite(lookbackMs) || lookbackMs < 0) throw new TradingError(ErrorCode.CONFIG_INVALID, `lookbackMs must be ≥ 0, got ${lookbackMs}`);
    if (!Number.isInteger(samples) || samples < 3) throw new TradingError(ErrorCode.CONFIG_INVALID, `samples must be an integer ≥ 3, got ${samples}`);
    this.lookbackMs = lookbackMs;
    this.#sampleIntervalMs = lookbackMs / (samples - 2);
    this.#times = new Float64Array(samples);
    this.#prices = new Float64Array(samples);
  }

  /**
   * Record `price` at `timeMs` and set `change`. FILLING (and `change` NaN) while the
   * history does not yet cover the window: just started, or after a gap in the updates
   * longer than the lookback. Time going backwards restarts the window.
   */
  update(timeMs: number, price: number): WindowResult {
    this.#inputTimeMs = timeMs;
    this.#inputPrice = price;
    return this.#step();
  }

  /**
   * `update` with the book's time (`timestamp`, epoch seconds) and its mid or last price;
   * NO_PRICE, with the window untouched, when the book has no such price. The per-tick
   * entry point: allocates nothing whatever the optimiser inlines.
   */
  updateFromBook(book: L2Book, source: PriceSource): WindowResult {
    if (source === 'mid') {
      if (book.bidCount === 0 || book.askCount === 0) return this.#noPrice();
      this.#inputPrice = (book.bidPrices[0] + book.askPrices[0]) / 2;
    } else {
      this.#inputPrice = book.lastPrice;
    }
    if (!(this.#inputPrice > 0)) return this.#noPrice();
    this.#inputTimeMs = book.timestamp * 1000;
    return this.#step();
  }

  #step(): WindowResult {
    const timeMs = this.#inputTimeMs;
    const price = this.#inputPrice;
    if (timeMs < this.#lastTimeMs) this.reset();
    this.#lastTimeMs = timeMs;
    if (this.lookbackMs === 0) {
      const previous = this.#lastPrice;
      this.#lastPrice = price;
      this.change = (price - previous) / previous;
      return previous === previous ? WindowResult.CHANGE : WindowResult.FILLING; // NaN: no previous update
    }
    const capacity = this.#times.length;
    const windowStartMs = timeMs - this.lookbackMs;
    // Drop samples that a newer sample has replaced as the window's reference.
    while (this.#count >= 2 && this.#times[(this.#head + 1) % capacity] <= windowStartMs) {
      this.#head = (this.#head + 1) % capacity;
      this.#count -= 1;
    }
    const newest = (this.#head + this.#count - 1) % capacity;
    if (this.#count === 0 || timeMs - this.#times[newest] >= this.#sampleIntervalMs) {
      // After the pruning above the ring has room (see the class comment); overwriting the
      // oldest keeps it bounded even so.
      const slot = (this.#head + this.#count) % capacity;
      this.#times[slot] = timeMs;
      this.#prices[slot] = price;
      if (this.#count === capacity) this.#head = (this.#head + 1) % capacity;
      else this.#count += 1;
    }
    const referenceTimeMs = this.#times[this.#head];
    // Not yet a full window, or the reference is from before a long silence: no figure.
    if (referenceTimeMs > windowStartMs || referenceTimeMs < windowStartMs - this.lookbackMs) {
      this.change = Number.NaN;
      return WindowResult.FILLING;
    }
    const reference = this.#prices[this.#head];
    this.change = (price - reference) / reference;
    return WindowResult.CHANGE;
  }

  #noPrice(): WindowResult {
    this.change = Number.NaN;
    return WindowResult.NO_PRICE;
  }

  reset(): void {
    this.change = Number.NaN;
    this.#head = 0;
    this.#count = 0;
    this.#lastTimeMs = Number.NEGATIVE_INFINITY;
    this.#lastPrice = Number.NaN;
  }
}
