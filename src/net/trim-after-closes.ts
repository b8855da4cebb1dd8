/**
 * malloc's free memory given back to the system (core/released-memory.ts returnFreedMemory)
 * after a burst of closed connections: once TRIM_AFTER_CLOSES have closed and none has for
 * TRIM_QUIET_MS, at most every TRIM_MIN_INTERVAL_MS. 1,050 slow and partial frames left the
 * order manager 13-30 MB above its baseline in freed heap otherwise. A trim takes a few
 * milliseconds on a large heap, so it never runs per close. FrameServer notes each close.
 */
import { monotonicMs } from '../core/clock.js';
import { returnFreedMemory } from '../core/released-memory.js';

const TRIM_AFTER_CLOSES = 64;
const TRIM_QUIET_MS = 1_000;
const TRIM_MIN_INTERVAL_MS = 10_000;

/** What one trim did: connections closed since the last, whether memory was released, how long it took. */
export type TrimReport = (closed: number, released: boolean, tookMs: number) => void;

export class TrimAfterCloses {
  readonly #report: TrimReport;
  #closed = 0;
  #lastMs = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;

  constructor(report: TrimReport) {
    this.#report = report;
  }

  /** A connection closed: a trim is (re)scheduled once enough have. */
  noteClose(): void {
    if (++this.#closed >= TRIM_AFTER_CLOSES) this.#schedule(TRIM_QUIET_MS);
  }

  /** No trim from now on (until the next noteClose). Idempotent. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Trim once no connection has closed for `delayMs` (each close pushes it back), and not more often than TRIM_MIN_INTERVAL_MS. */
  #schedule(delayMs: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(this.#trim, delayMs);
    this.#timer.unref();
  }

  #trim = (): void => {
    this.#timer = undefined;
    const nowMs = monotonicMs();
    const waitMs = this.#lastMs + TRIM_MIN_INTERVAL_MS - nowMs;
    if (waitMs > 0) return this.#schedule(waitMs);
    this.#lastMs = nowMs;
    const closed = this.#closed;
    this.#closed = 0;
    const released = returnFreedMemory();
    this.#report(closed, released, Math.round((monotonicMs() - nowMs) * 10) / 10);
  };
}
