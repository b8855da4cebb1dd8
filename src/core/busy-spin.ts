/**
 * An idle strategy for machines with cores to spare (Aeron's busy-spin, in Node's terms).
 *
 * A process that has gone idle sleeps in epoll; the next packet then costs a scheduler
 * wake-up (tens to hundreds of µs on a virtual machine) before any of our code runs. While
 * a setImmediate callback is pending, libuv polls with a zero timeout instead: the loop
 * spins, and a packet is picked up on the next turn. BusySpin keeps such a callback
 * pending for `windowMs` after the last activity (`touch()`), then lets the process sleep
 * again, so a burst of ticks is handled hot while a quiet market costs nothing.
 *
 * It burns a core for the window: off (windowMs 0) by default, and a loss on a 2-core
 * machine where the spinning process competes with the ones it waits for (measured in
 * the tick-to-trade benchmark). `onSpin` runs on every spinning turn (e.g. a shared-memory
 * poll); it must be cheap and allocate nothing.
 */
import { monotonicNs } from './clock.js';
import { ErrorCode, TradingError } from './errors.js';

export class BusySpin {
  readonly windowNs: number;
  readonly #onSpin: (() => void) | undefined;
  #untilNs = 0;
  #immediate: NodeJS.Immediate | undefined;
  #spins = 0;
  #closed = false;

  constructor(windowMs: number, onSpin?: () => void) {
    if (!(Number.isFinite(windowMs) && windowMs >= 0)) throw new TradingError(ErrorCode.CONFIG_INVALID, `windowMs must be a finite number ≥ 0, got ${windowMs}`);
    this.windowNs = windowMs * 1e6;
    this.#onSpin = onSpin;
  }

  get enabled(): boolean {
    return this.windowNs > 0;
  }

  /** Turns spent spinning so far. */
  get spins(): number {
    return this.#spins;
  }

  get spinning(): boolean {
    return this.#immediate !== undefined;
  }

  /** Activity now: keep the loop hot for another window. A no-op when disabled. */
  touch(): void {
    if (this.windowNs === 0 || this.#closed) return;
    this.#untilNs = monotonicNs() + this.windowNs;
    this.#immediate ??= setImmediate(this.#spin);
  }

  /** Stop spinning for good (idempotent). */
  close(): void {
    this.#closed = true;
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
  }

  #spin = (): void => {
    this.#immediate = undefined;
    if (this.#closed) return;
    this.#spins++;
    this.#onSpin?.();
    if (monotonicNs() < this.#untilNs) this.#immediate = setImmediate(this.#spin);
  };
}
