/**
 * A token bucket per client: `ordersPerSecond` tokens flow in continuously up to
 * `burst`; an order takes one. Time is passed in (monotonic ns), so the limiter is pure
 * and needs no timers.
 */
import { ErrorCode, TradingError } from '../core/errors.js';
interface Bucket {
  tokens: number;
  lastNs: number;
}

export class TokenBucketRateLimiter {
  readonly #tokensPerNs: number;
  readonly #burst: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(ratePerSecond: number, burst: number) {
    if (!(Number.isFinite(ratePerSecond) && ratePerSecond > 0)) throw new TradingError(ErrorCode.CONFIG_INVALID, `rate must be > 0, got ${ratePerSecond}`);
    if (!(Number.isFinite(burst) && burst >= 1)) throw new TradingError(ErrorCode.CONFIG_INVALID, `burst must be >= 1, got ${burst}`);
    this.#tokensPerNs = ratePerSecond / 1e9;
    this.#burst = burst;
  }

  /** Take one token of `client` at time `nowNs`; false when the client is over its rate. */
  tryTake(client: string, nowNs: number): boolean {
    let bucket = this.#buckets.get(client);
    if (bucket === undefined) {
      bucket = { tokens: this.#burst, lastNs: nowNs };
      this.#buckets.set(client, bucket);
    } else if (nowNs > bucket.lastNs) {
      bucket.tokens = Math.min(this.#burst, bucket.tokens + (nowNs - bucket.lastNs) * this.#tokensPerNs);
      bucket.lastNs = nowNs;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Tokens `client` has now (for tests and diagnostics). */
  available(client: string): number {
    return this.#buckets.get(client)?.tokens ?? this.#burst;
  }

  /**
   * Drop a client's bucket to bound memory. It starts full if the client comes back, so
   * call this only for a client that is gone for good, never on every disconnect (a
   * reconnecting client would otherwise reset its own limit).
   */
  /** Clients with a bucket. */
  get size(): number {
    return this.#buckets.size;
  }

  forget(client: string): void {
    this.#buckets.delete(client);
  }
}
