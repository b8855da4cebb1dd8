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
 */

/** Samples kept per window; the sampling resolution is lookbackMs / (this - 2). */
export const DEFAULT_WINDOW_SAMPLES = 64;

export class PriceWindow {
  readonly lookbackMs: number;
  readonly #sampleIntervalMs: number;
  readonly #times: Float64Array;
  readonly #prices: Float64Array;
  #head = 0;
  #count = 0;
  #lastTimeMs = Number.NEGATIVE_INFINITY;
  #lastPrice = Number.NaN;

  constructor(lookbackMs: number, samples: number = DEFAULT_WINDOW_SAMPLES) {
    if (!Number.isFinite(lookbackMs) || lookbackMs < 0) throw new RangeError(`lookbackMs must be ≥ 0, got ${lookbackMs}`);
    if (!Number.isInteger(samples) || samples < 3) throw new RangeError(`samples must be an integer ≥ 3, got ${samples}`);
    this.lookbackMs = lookbackMs;
    this.#sampleIntervalMs = lookbackMs / (samples - 2);
    this.#times = new Float64Array(samples);
    this.#prices = new Float64Array(samples);
  }

  /**
   * Record `price` at `timeMs` and return (price - reference) / reference, or NaN while the
   * history does not yet cover the window (just started, or after a gap in the updates
   * longer than the lookback). Time going backwards restarts the window.
   */
  update(timeMs: number, price: number): number {
    if (timeMs < this.#lastTimeMs) this.reset();
    this.#lastTimeMs = timeMs;
    if (this.lookbackMs === 0) {
      const previous = this.#lastPrice;
      this.#lastPrice = price;
      return (price - previous) / previous;
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
    if (referenceTimeMs > windowStartMs || referenceTimeMs < windowStartMs - this.lookbackMs) return Number.NaN;
    const reference = this.#prices[this.#head];
    return (price - reference) / reference;
  }

  reset(): void {
    this.#head = 0;
    this.#count = 0;
    this.#lastTimeMs = Number.NEGATIVE_INFINITY;
    this.#lastPrice = Number.NaN;
  }
}
