/**
 * Orders nobody answered. An order the order manager took and never reported on (no NEW,
 * no fill, no reject) is an order whose state the strategy does not know: a trader wants
 * to hear of it at once, not at the end of the day. Every check period the open orders
 * older than the ack timeout with no report at all are counted (`orders_unanswered`) and
 * logged, each once. They stay open: a late report is applied as usual, and a lost
 * connection or a resume settles them as before (abandoned, or lost).
 *
 * Live only: a backtest's order manager answers on market time, in step with the ticks.
 */
import { monotonicNs } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import type { OrderTracker } from './order-tracker.js';

export const DEFAULT_ORDER_ACK_TIMEOUT_MS = 5_000;
/** At most this many unanswered orders are named per check; the rest are counted in one line. */
const NAMED_PER_CHECK = 10;

export class UnansweredOrders {
  readonly #tracker: OrderTracker;
  readonly #timeoutNs: number;
  readonly #periodMs: number;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;

  /** `timeoutMs` 0: off. */
  constructor(tracker: OrderTracker, timeoutMs: number, log: Logger) {
    this.#tracker = tracker;
    this.#timeoutNs = timeoutMs * 1e6;
    // a quarter of the timeout, so that an order is told at most 25 % late; at most a second
    this.#periodMs = Math.max(10, Math.min(1_000, Math.round(timeoutMs / 4)));
    this.#log = log;
  }

  start(): void {
    if (this.#timeoutNs <= 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.check(monotonicNs()), this.#periodMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Count and log the orders that went past the timeout since the last check; returns how many. */
  check(nowNs: number): number {
    const overdue = this.#tracker.takeUnanswered(nowNs, this.#timeoutNs);
    for (const order of overdue.slice(0, NAMED_PER_CHECK)) {
      this.#log.warn('order unanswered: no report from the order manager within the ack timeout', {
        orderId: order.orderId,
        symbol: order.symbol,
        ageMs: Math.round((nowNs - order.sentNs) / 1e6),
        timeoutMs: this.#timeoutNs / 1e6,
      });
    }
    if (overdue.length > NAMED_PER_CHECK) this.#log.warn('more orders unanswered', { count: overdue.length - NAMED_PER_CHECK });
    return overdue.length;
  }
}
