/**
 * After a resumed session: the strategy's open orders reconciled with what the order
 * manager knows, so that an order it never durably accepted does not stay open (its
 * exposure counted) for good.
 *
 * A resume replays every report we missed; that covers each order whose story the order
 * manager's journal holds. It cannot cover an order whose story it does not hold:
 *
 * - an order in flight when the order manager died, with nothing of it durable (still in
 *   a socket buffer, or read but its commit unfinished): the new process never heard of it;
 * - an order whose final report (an IOC's CANCELED remainder, a reject) was lost in a crash
 *   while an earlier report of it survived: replayed as partly filled, never ended.
 *
 * So the order manager's HELLO of a resumed session lists the ids of our orders it holds
 * as working (resting) or still has reports of on their way (`working`), and says where
 * the replay ends (`replay_to`). Once every replayed report is applied, an order that was
 * open here when the session opened (so it was sent on an earlier connection), that is
 * still open, and that the order manager does not list, will never be reported: it is
 * closed as lost (StrategyEngine.closeLost: exposure released, fills already applied kept,
 * the strategy told) and counted. Orders sent on the new connection are never in the set:
 * no order leaves before the session is open, and the set is taken as it opens. IOC and
 * DAY orders are judged alike: a DAY order resting at the order manager is listed and
 * stays open; one it does not hold is not resting anywhere, so there is nothing to cancel.
 *
 * The FIX equivalent is an order mass status request after logon; the list rides on the
 * HELLO answer instead, so the check costs no round trip and no new message type.
 */
import type { OrderView } from './strategy.js';

/** What closes an order as lost: the engine (StrategyEngine.closeLost), which tells the strategy. */
export interface LostOrderCloser {
  closeLost(orderId: string): boolean;
}

export class ResumeReconciliation {
  /** Orders open when the resumed session opened. */
  #before: string[] = [];
  #working: ReadonlySet<string> = new Set<string>();
  #replayTo = 0;
  #pending = false;

  /** A check is waiting for the end of the replay. */
  get pending(): boolean {
    return this.#pending;
  }

  /**
   * A resumed session just opened (before any order of ours on it): note the orders open
   * now, what the order manager lists as working, and where its replay ends.
   */
  begin(openOrders: Iterable<OrderView>, working: readonly string[], replayTo: number): void {
    const before: string[] = [];
    for (const order of openOrders) before.push(order.orderId);
    this.#before = before;
    this.#working = new Set(working);
    this.#replayTo = replayTo;
    this.#pending = before.length > 0;
  }

  /** Every replayed report has been applied (`lastSequence`: the highest sequence seen). */
  isDue(lastSequence: number): boolean {
    return this.#pending && lastSequence >= this.#replayTo;
  }

  /** Close as lost each order open before the resume, still open, and not working at the order manager. Returns their ids. */
  finish(closer: LostOrderCloser): string[] {
    const lost: string[] = [];
    if (!this.#pending) return lost;
    for (const orderId of this.#before) {
      if (!this.#working.has(orderId) && closer.closeLost(orderId)) lost.push(orderId);
    }
    this.abort();
    return lost;
  }

  /** The connection was lost before the replay ended: the next session's open starts again. */
  abort(): void {
    this.#pending = false;
    this.#before = [];
    this.#working = new Set<string>();
  }
}
