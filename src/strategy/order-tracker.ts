/**
 * The strategy's own books of account, rebuilt from the order manager's execution reports:
 * open orders with filled and leaves quantity, and per symbol the position, its average
 * cost, realized PnL and the exposure still working in open orders.
 *
 * Fills are taken from the report's cumulative `filledQuantity`, not from its
 * `lastQuantity`: the fill applied is the growth of the cumulative quantity since the last
 * report. A report delivered twice (for example replayed after a reconnect) therefore
 * changes nothing the second time, and a report that was missed is made up by the next
 * one, priced from the change in `averagePrice × filledQuantity` (counted as a fill gap).
 *
 * Positions and realized PnL are a core Position each: FIFO lots, the same method and
 * code as the order manager's (core/position.ts), so for the same fills both publish the
 * same realized_pnl. PnL is in price units × shares.
 */
import { Position } from '../core/position.js';
import type { ExecutionReport, Order, OrderType, Side, TimeInForce } from '../protocol/messages.js';
import { ExecutionStatus, Side as SideValue } from '../protocol/messages.js';
import type { OrderView, PositionView } from './strategy.js';

class TrackedOrder implements OrderView {
  readonly orderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: OrderType;
  readonly timeInForce: TimeInForce;
  readonly price: number;
  readonly quantity: number;
  readonly sentNs: number;
  readonly tickSentNs: number;
  filledQuantity = 0;
  leavesQuantity: number;
  averagePrice = 0;
  status: ExecutionStatus | undefined = undefined;
  cancelRequested = false;
  /** Counted once as unanswered: no report within the ack timeout (see takeUnanswered). */
  unanswered = false;

  constructor(order: Order) {
    this.orderId = order.orderId;
    this.symbol = order.symbol;
    this.side = order.side;
    this.orderType = order.orderType;
    this.timeInForce = order.timeInForce;
    this.price = order.price;
    this.quantity = order.quantity;
    this.sentNs = order.orderSentNs;
    this.tickSentNs = order.tickSentNs;
    this.leavesQuantity = order.quantity;
  }
}

class PositionRecord implements PositionView {
  readonly symbol: string;
  /** Fills, FIFO lots and realized PnL. */
  readonly fifo: Position;
  openBuyQuantity = 0;
  openSellQuantity = 0;

  constructor(symbol: string) {
    this.symbol = symbol;
    this.fifo = new Position(symbol);
  }

  get quantity(): number {
    return this.fifo.netQuantity;
  }

  get averagePrice(): number {
    return this.fifo.averagePrice;
  }

  get realizedPnl(): number {
    return this.fifo.realizedPnl;
  }

  get boughtQuantity(): number {
    return this.fifo.boughtQuantity;
  }

  get soldQuantity(): number {
    return this.fifo.soldQuantity;
  }

  get fillCount(): number {
    return this.fifo.fills;
  }
}

/** Plain counters, updated in place. */
export interface TrackerCounters {
  /** Reports applied to a known order. */
  reports: number;
  /** Reports for ids this run never sent (an earlier run's, or another client's). */
  unknownReports: number;
  fills: number;
  /** Fills recovered from cumulative quantities because a report was missed. */
  fillGaps: number;
  /** Reports whose cumulative filled quantity went backwards (ignored). */
  staleReports: number;
  rejected: number;
  canceled: number;
  /** Orders given up without a final report (see abandonOpenOrders). */
  abandoned: number;
  /** Open orders a resumed order manager does not know as working and whose end it never told (see closeLost). */
  lost: number;
  /** Orders that had no report at all within the ack timeout (see takeUnanswered); each counted once. */
  unanswered: number;
}

function isDone(status: ExecutionStatus): boolean {
  return status === ExecutionStatus.FILLED || status === ExecutionStatus.CANCELED || status === ExecutionStatus.REJECTED;
}

export class OrderTracker {
  readonly #open = new Map<string, TrackedOrder>();
  readonly #positions = new Map<string, PositionRecord>();
  readonly #rejectsByCode = new Map<string, number>();
  #realizedPnl = 0;
  readonly counters: TrackerCounters = {
    reports: 0,
    unknownReports: 0,
    fills: 0,
    fillGaps: 0,
    staleReports: 0,
    rejected: 0,
    canceled: 0,
    abandoned: 0,
    lost: 0,
    unanswered: 0,
  };

  /** Start tracking an order about to be sent; its whole quantity counts as open exposure. */
  recordSent(order: Order): OrderView {
    const tracked = new TrackedOrder(order);
    this.#open.set(order.orderId, tracked);
    this.#addExposure(this.#positionRecord(order.symbol), tracked.side, tracked.leavesQuantity);
    return tracked;
  }

  /** Note that a cancel was sent; false if the order is not open or already had one. */
  markCancelRequested(orderId: string): boolean {
    const tracked = this.#open.get(orderId);
    if (tracked === undefined || tracked.cancelRequested) return false;
    tracked.cancelRequested = true;
    return true;
  }

  /** Undo markCancelRequested when the cancel could not be sent. */
  clearCancelRequested(orderId: string): void {
    const tracked = this.#open.get(orderId);
    if (tracked !== undefined) tracked.cancelRequested = false;
  }

  /**
   * Apply one execution report. Returns the order it concerns (already removed from the
   * open orders if the report finished it), or undefined for an id this run never sent.
   */
  apply(report: ExecutionReport): OrderView | undefined {
    const tracked = this.#open.get(report.orderId);
    if (tracked === undefined) {
      this.counters.unknownReports += 1;
      return undefined;
    }
    this.counters.reports += 1;
    const position = this.#positionRecord(tracked.symbol);
    const filledBefore = tracked.filledQuantity;
    const filledNow = report.filledQuantity;
    if (filledNow < filledBefore) {
      // An old report overtaken by a newer one: it can only move the order backwards.
      this.counters.staleReports += 1;
      return tracked;
    }
    if (filledNow > filledBefore) {
      const fillQuantity = filledNow - filledBefore;
      let fillPrice = report.lastPrice;
      if (fillQuantity !== report.lastQuantity || !(fillPrice > 0)) {
        fillPrice = (report.averagePrice * filledNow - tracked.averagePrice * filledBefore) / fillQuantity;
        this.counters.fillGaps += 1;
      }
      this.#applyFill(position, tracked.side, fillQuantity, fillPrice);
      tracked.filledQuantity = filledNow;
      tracked.averagePrice = report.averagePrice;
    }
    tracked.status = report.status;
    const leaves = isDone(report.status) ? 0 : Math.max(0, Math.min(report.leavesQuantity, tracked.quantity - filledNow));
    this.#addExposure(position, tracked.side, leaves - tracked.leavesQuantity);
    tracked.leavesQuantity = leaves;
    if (report.status === ExecutionStatus.REJECTED) {
      this.counters.rejected += 1;
      const code = report.rejectCode === '' ? 'unknown' : report.rejectCode;
      this.#rejectsByCode.set(code, (this.#rejectsByCode.get(code) ?? 0) + 1);
    } else if (report.status === ExecutionStatus.CANCELED) {
      this.counters.canceled += 1;
    }
    if (isDone(report.status)) this.#open.delete(tracked.orderId);
    return tracked;
  }

  /**
   * Give up on every open order, e.g. after losing the order manager connection: their
   * fate is unknown, and leaving them open would block new orders (exposure) forever.
   * Fills that happened meanwhile are missing from the positions; the order manager's
   * own positions (rebuilt from its trade log) stay the reference. Returns them, as they
   * were when given up (leaves quantity 0).
   */
  abandonOpenOrders(): OrderView[] {
    const abandoned = [...this.#open.values()];
    for (const tracked of abandoned) {
      this.#addExposure(this.#positionRecord(tracked.symbol), tracked.side, -tracked.leavesQuantity);
      tracked.leavesQuantity = 0;
    }
    this.#open.clear();
    this.counters.abandoned += abandoned.length;
    return abandoned;
  }

  /**
   * Close an open order as lost: the order manager, asked after a resume, neither holds it
   * as working nor had a report left to tell of it (it never reached its journal, or its
   * final report was lost in a crash). Its exposure is released; fills already applied
   * stay. False if it is not open.
   */
  closeLost(orderId: string): boolean {
    const tracked = this.#open.get(orderId);
    if (tracked === undefined) return false;
    this.#close(tracked);
    this.counters.lost += 1;
    return true;
  }

  /**
   * Open orders sent more than `timeoutNs` before `nowNs` that have had no report at all
   * (not even NEW), each returned and counted once in `unanswered`. They stay open: the
   * order manager may still hold them, and its report, however late, is applied as usual.
   * Orders are kept in the order they were sent, so the scan stops at the first young one.
   */
  takeUnanswered(nowNs: number, timeoutNs: number): OrderView[] {
    const overdue: OrderView[] = [];
    for (const tracked of this.#open.values()) {
      if (nowNs - tracked.sentNs <= timeoutNs) break;
      if (tracked.unanswered || tracked.status !== undefined || tracked.sentNs <= 0) continue;
      tracked.unanswered = true;
      overdue.push(tracked);
    }
    this.counters.unanswered += overdue.length;
    return overdue;
  }

  openOrder(orderId: string): OrderView | undefined {
    return this.#open.get(orderId);
  }

  openOrders(): IterableIterator<OrderView> {
    return this.#open.values();
  }

  get openOrderCount(): number {
    return this.#open.size;
  }

  /** The symbol's position (a zero position if it never traded). */
  position(symbol: string): PositionView {
    return this.#positionRecord(symbol);
  }

  positions(): IterableIterator<PositionView> {
    return this.#positions.values();
  }

  /** Unrealized PnL against `markPrice` (price units), price units × shares. */
  unrealizedPnl(symbol: string, markPrice: number): number {
    const position = this.#positions.get(symbol);
    if (position === undefined) return 0;
    return position.fifo.unrealizedPnl(markPrice);
  }

  /** Realized PnL over all symbols, price units × shares. */
  realizedPnl(): number {
    return this.#realizedPnl;
  }

  /** Rejected orders by reject code (E_RISK_MAX_QTY, ...). */
  rejectsByCode(): ReadonlyMap<string, number> {
    return this.#rejectsByCode;
  }

  #positionRecord(symbol: string): PositionRecord {
    let position = this.#positions.get(symbol);
    if (position === undefined) {
      position = new PositionRecord(symbol);
      this.#positions.set(symbol, position);
    }
    return position;
  }

  #close(tracked: TrackedOrder): void {
    this.#addExposure(this.#positionRecord(tracked.symbol), tracked.side, -tracked.leavesQuantity);
    tracked.leavesQuantity = 0;
    this.#open.delete(tracked.orderId);
  }

  #addExposure(position: PositionRecord, side: Side, delta: number): void {
    if (side === SideValue.BUY) position.openBuyQuantity += delta;
    else position.openSellQuantity += delta;
  }

  #applyFill(position: PositionRecord, side: Side, quantity: number, price: number): void {
    this.counters.fills += 1;
    const realizedBefore = position.fifo.realizedPnl;
    position.fifo.apply(side === SideValue.BUY, quantity, price);
    this.#realizedPnl += position.fifo.realizedPnl - realizedBefore;
  }
}
