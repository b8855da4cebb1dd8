/**
 * When the gateway sends: pure pacing logic, no clock and no timers (the driver passes
 * the time in and arms its own timer with `delayMs`).
 *
 * A pacer emits "rounds" at a fixed rate: round n is due at startMs + n × periodMs. The
 * gateway sends one MARKET_DATA per symbol per round (a round is the seed's "every symbol
 * every 100 ms"), and news from a second pacer with a period of the news interval.
 *
 * Timers fire late and event loops stall. A late call gets every round due so far, up to
 * `maxRoundsPerCall`; beyond that, rounds are skipped rather than sent as a burst that
 * would itself delay the next turn (and trip the slow-consumer bound of every client at
 * once). Skipped rounds are not lost market time: `elapsedRounds` counts them, so the
 * driver steps the market model by the wall time that really passed.
 */
import { ErrorCode, TradingError } from '../core/errors.js';
export interface PaceResult {
  /** Rounds to send now (0..maxRoundsPerCall). */
  rounds: number;
  /** Rounds that were due but are skipped (the caller fell too far behind). */
  skipped: number;
}

export class TickPacer {
  readonly periodMs: number;
  readonly maxRoundsPerCall: number;
  readonly #startMs: number;
  /** Rounds accounted for (sent or skipped) so far. */
  #accounted = 0;
  #skippedTotal = 0;
  readonly #result: PaceResult = { rounds: 0, skipped: 0 };

  /**
   * @param ratePerSecond rounds per second (> 0)
   * @param startMs time of round 0 (it is due at once)
   * @param maxRoundsPerCall most rounds `due` hands out at once (≥ 1)
   */
  constructor(ratePerSecond: number, startMs: number, maxRoundsPerCall: number) {
    if (!(ratePerSecond > 0 && Number.isFinite(ratePerSecond))) throw new TradingError(ErrorCode.CONFIG_INVALID, `ratePerSecond must be a positive number, got ${ratePerSecond}`);
    if (!(Number.isInteger(maxRoundsPerCall) && maxRoundsPerCall >= 1)) {
      throw new TradingError(ErrorCode.CONFIG_INVALID, `maxRoundsPerCall must be an integer ≥ 1, got ${maxRoundsPerCall}`);
    }
    if (!Number.isFinite(startMs)) throw new TradingError(ErrorCode.CONFIG_INVALID, `startMs must be finite, got ${startMs}`);
    this.periodMs = 1000 / ratePerSecond;
    this.maxRoundsPerCall = maxRoundsPerCall;
    this.#startMs = startMs;
  }

  /** Rounds skipped so far because the caller was late. */
  get skippedTotal(): number {
    return this.#skippedTotal;
  }

  /** Rounds due at `nowMs` that have not been handed out yet (sent or skipped). */
  pending(nowMs: number): number {
    const dueByNow = Math.floor((nowMs - this.#startMs) / this.periodMs) + 1;
    return Math.max(0, dueByNow - this.#accounted);
  }

  /**
   * What to send now. The returned object is reused by the next call (no allocation):
   * read it before calling again.
   */
  due(nowMs: number): PaceResult {
    const pending = this.pending(nowMs);
    const rounds = Math.min(pending, this.maxRoundsPerCall);
    const skipped = pending - rounds;
    this.#accounted += pending;
    this.#skippedTotal += skipped;
    this.#result.rounds = rounds;
    this.#result.skipped = skipped;
    return this.#result;
  }

  /** Milliseconds from `nowMs` until the next round is due (0 if one is due already). */
  delayMs(nowMs: number): number {
    const nextDueMs = this.#startMs + this.#accounted * this.periodMs;
    return Math.max(0, nextDueMs - nowMs);
  }
}
