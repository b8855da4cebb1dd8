/**
 * A bound on secret checks in flight. Each check is scrypt on the libuv threadpool (about
 * 50 ms of one of its 4 threads), where the order manager's trade log also syncs: a flood
 * of HELLOs with tokens, uncapped, would queue ahead of those fdatasyncs and delay every
 * ack. So at most `concurrency` checks run at once (default 1: three threads stay free),
 * up to `waiting` more wait their turn here (in JavaScript, not on the threadpool), and a
 * HELLO beyond that is refused at once (the caller answers E_AUTH_BUSY; our clients
 * reconnect with backoff and try again).
 */
import { ErrorCode, TradingError } from '../core/errors.js';

export const DEFAULT_VERIFY_CONCURRENCY = 1;
export const DEFAULT_VERIFY_WAITING = 32;

export class VerificationGate {
  readonly concurrency: number;
  readonly waitingLimit: number;
  readonly counters = { started: 0, refused: 0, peakRunning: 0, peakWaiting: 0 };
  #running = 0;
  readonly #queue: (() => void)[] = [];

  constructor(concurrency = DEFAULT_VERIFY_CONCURRENCY, waiting = DEFAULT_VERIFY_WAITING) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new TradingError(ErrorCode.CONFIG_INVALID, `verification concurrency must be a positive integer, got ${concurrency}`);
    if (!Number.isInteger(waiting) || waiting < 0) throw new TradingError(ErrorCode.CONFIG_INVALID, `verification waiting limit must be an integer ≥ 0, got ${waiting}`);
    this.concurrency = concurrency;
    this.waitingLimit = waiting;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /** Run `check` when a slot is free; undefined (not run) when the gate is full. */
  run<T>(check: () => Promise<T>): Promise<T> | undefined {
    if (this.#running < this.concurrency) return this.#start(check);
    if (this.#queue.length >= this.waitingLimit) {
      this.counters.refused++;
      return undefined;
    }
    const turn = new Promise<void>((resolve) => this.#queue.push(resolve));
    if (this.#queue.length > this.counters.peakWaiting) this.counters.peakWaiting = this.#queue.length;
    return turn.then(() => this.#start(check, true));
  }

  #start<T>(check: () => Promise<T>, handedOver = false): Promise<T> {
    if (!handedOver) this.#running++;
    this.counters.started++;
    if (this.#running > this.counters.peakRunning) this.counters.peakRunning = this.#running;
    const done = (): void => {
      const next = this.#queue.shift();
      if (next === undefined) this.#running--;
      else next(); // the slot goes straight to the next in line
    };
    return check().finally(done);
  }
}
