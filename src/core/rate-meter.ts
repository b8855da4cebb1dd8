/**
 * Events per second over the interval since the previous call: the rate counters of the
 * processes (the gateway's `market_data_per_s`, the orderbook's `updates_per_s`), read
 * about once a second.
 */
export class RateMeter {
  #lastCount: number;
  #lastMs: number;
  #rate = 0;

  constructor(count: number, nowMs: number) {
    this.#lastCount = count;
    this.#lastMs = nowMs;
  }

  /** The rate since the last call; calls closer than minIntervalMs apart return the previous rate. */
  sample(count: number, nowMs: number, minIntervalMs = 100): number {
    const elapsedMs = nowMs - this.#lastMs;
    if (elapsedMs < minIntervalMs) return this.#rate;
    this.#rate = ((count - this.#lastCount) * 1000) / elapsedMs;
    this.#lastCount = count;
    this.#lastMs = nowMs;
    return this.#rate;
  }
}
