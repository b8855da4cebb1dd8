/**
 * Spreads a large round over its period. A round sends every symbol once; at 10,000
 * symbols that is about 2 MB, and written at one instant it is a burst that fills each
 * client's queue past its conflation bound and stalls every consumer for the time it
 * takes to drain (real feeds spread their universe over the interval). A sliced round
 * hands out symbols in proportion to the time elapsed since it began, finishing within
 * `spreadFraction` of the period so that a round never overlaps the next.
 *
 * Pure: no clock and no timers (the gateway passes the time in and arms its own timer).
 */
import { ErrorCode, TradingError } from '../core/errors.js';
export class RoundSlicer {
  readonly symbolCount: number;
  readonly spreadFraction: number;
  #cursor: number;
  #startMs = 0;
  #spanMs = 1;
  /** Market seconds each symbol of the current round steps by. */
  dtSeconds = 0;

  constructor(symbolCount: number, spreadFraction = 0.8) {
    if (!Number.isInteger(symbolCount) || symbolCount < 1) throw new TradingError(ErrorCode.CONFIG_INVALID, `symbolCount must be a positive integer, got ${symbolCount}`);
    if (!(spreadFraction > 0 && spreadFraction <= 1)) throw new TradingError(ErrorCode.CONFIG_INVALID, `spreadFraction must be in (0, 1], got ${spreadFraction}`);
    this.symbolCount = symbolCount;
    this.spreadFraction = spreadFraction;
    this.#cursor = symbolCount;
  }

  /** The next symbol index to send; symbolCount when no round is under way. */
  get cursor(): number {
    return this.#cursor;
  }

  get inRound(): boolean {
    return this.#cursor < this.symbolCount;
  }

  /** Start a round at `nowMs` that should take `periodMs` (spread over spreadFraction of it). */
  begin(nowMs: number, periodMs: number, dtSeconds: number): void {
    this.#cursor = 0;
    this.#startMs = nowMs;
    this.#spanMs = Math.max(1, periodMs * this.spreadFraction);
    this.dtSeconds = dtSeconds;
  }

  /** End (exclusive) of the symbols due by `nowMs`; the caller sends [cursor, end) and the cursor moves there. */
  take(nowMs: number): number {
    if (!this.inRound) return this.#cursor;
    const fraction = (nowMs - this.#startMs) / this.#spanMs;
    const end = fraction >= 1 ? this.symbolCount : Math.max(this.#cursor, Math.min(this.symbolCount, Math.ceil(fraction * this.symbolCount)));
    this.#cursor = end;
    return end;
  }

  /** Move the cursor to `index` (the caller sent up to it by its own measure, e.g. a byte budget). */
  advanceTo(index: number): void {
    if (!(Number.isInteger(index) && index >= this.#cursor && index <= this.symbolCount)) {
      throw new TradingError(ErrorCode.INTERNAL, `cursor can move from ${this.#cursor} to at most ${this.symbolCount}, got ${index}`);
    }
    this.#cursor = index;
  }

  /** Everything left of the round (the caller is late: the next round is due). */
  finish(): number {
    this.#cursor = this.symbolCount;
    return this.symbolCount;
  }

  /** Milliseconds from `nowMs` until the next symbol of the round is due (Infinity between rounds). */
  delayMs(nowMs: number): number {
    if (!this.inRound) return Number.POSITIVE_INFINITY;
    const nextDueMs = this.#startMs + (this.#cursor / this.symbolCount) * this.#spanMs;
    return Math.max(0, nextDueMs - nowMs);
  }
}
