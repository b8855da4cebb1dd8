/**
 * The order ids a duplicate is checked against: the last `capacity` ids accepted, in a
 * ring with a Set beside it. Memory is flat in the number of orders ever handled; the
 * horizon is documented (README, --order-id-window): an id reused after that many newer
 * orders is no longer caught. A resting order's id is always caught (the order manager
 * also checks its resting orders), however old.
 */
import { ErrorCode, TradingError } from '../core/errors.js';

export const DEFAULT_ORDER_ID_WINDOW = 20_000;

export class OrderIdWindow {
  readonly capacity: number;
  readonly #ring: string[];
  readonly #set = new Set<string>();
  #next = 0;

  constructor(capacity = DEFAULT_ORDER_ID_WINDOW) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TradingError(ErrorCode.CONFIG_INVALID, `order id window must be an integer ≥ 1, got ${capacity}`);
    this.capacity = capacity;
    this.#ring = new Array<string>(capacity).fill('');
  }

  get size(): number {
    return this.#set.size;
  }

  has(orderId: string): boolean {
    return this.#set.has(orderId);
  }

  /** Remember `orderId` (forgetting the oldest when full). An id already in the window is not added twice. */
  add(orderId: string): void {
    if (this.#set.has(orderId)) return;
    const evicted = this.#ring[this.#next] as string;
    if (evicted !== '') this.#set.delete(evicted);
    this.#ring[this.#next] = orderId;
    this.#set.add(orderId);
    this.#next = (this.#next + 1) % this.capacity;
  }

  /** The ids in the window, oldest first (for a checkpoint). */
  values(): string[] {
    // two copies of the ring's halves (a checkpoint takes this on the event loop)
    const ring = this.#ring;
    const ids = ring.slice(this.#next).concat(ring.slice(0, this.#next));
    return ids.includes('') ? ids.filter((id) => id !== '') : ids;
  }
}
