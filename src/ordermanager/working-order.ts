/**
 * The order manager's orders as it works them (order-manager.ts): an order being executed
 * or resting, a symbol's resting book, and how their fields go into reports and journal
 * events. Plain data and field copies; the decisions stay in the core.
 *
 * Orders.
 * - An ORDER without an order type (every seed ORDER) is a LIMIT order with time in force
 *   IOC at its `price`: the seed's orders carry a price and expect an immediate execution,
 *   so it executes what the book offers at that price or better and the rest is cancelled.
 * - LIMIT IOC: walks the book up to the limit; the remainder is CANCELED.
 * - LIMIT DAY: walks the book up to the limit; the remainder rests (NEW, or the last
 *   PARTIALLY_FILLED says so) until it fills, is cancelled, or the process stops. A
 *   resting order fills at its own limit price when a later book shows liquidity at or
 *   through it (it was in the market first), taking that displayed liquidity.
 * - MARKET (IOC only): walks the book up to the price collar around the mid; the rest is
 *   CANCELED. Its price field is ignored.
 * - Resting orders get priority over a new order on a new book (they were there first),
 *   and all our fills share the displayed liquidity of a book state (matching.ts). Our own
 *   buy and sell orders never trade with each other: the book we trade against is the market's.
 */
import { ErrorCode } from '../core/errors.js';
import { emptyOrderTerms, ExecutionStatus, Side, type ExecutionReport, type Order, type OrderTerms } from '../protocol/messages.js';
import type { OrderEvent, OrderEventKind } from './execution-journal.js';
import type { BookLiquidity } from './matching.js';
import type { Position } from './positions.js';

/** A resting order as tests and tools see it. Prices in price units. */
export interface RestingOrderView {
  readonly orderId: string;
  readonly client: string;
  readonly symbol: string;
  readonly side: Side;
  readonly price: number;
  readonly quantity: number;
  readonly filledQuantity: number;
  readonly leavesQuantity: number;
}

/** An order being executed or resting: its terms and its progress. */
export interface WorkingOrder extends OrderTerms {
  orderId: string;
  client: string;
  filled: number;
  /** Σ fill quantity × price, price units × shares (exact). */
  notional: number;
  tickSentNs: number;
  orderSentNs: number;
  /**
   * Monotonic ns at which this order manager read the order from its socket (0: not known,
   * e.g. an order recovered from a journal written before it was kept). With tickSentNs, the
   * order's own tick-to-trade, exact, in the order journal.
   */
  receivedNs: number;
}

export interface SymbolState {
  readonly symbol: string;
  readonly position: Position;
  readonly liquidity: BookLiquidity;
  /** Resting buys, best (highest) price first, then oldest first. */
  readonly restingBuys: WorkingOrder[];
  /** Resting sells, best (lowest) price first, then oldest first. */
  readonly restingSells: WorkingOrder[];
  restingBuyQuantity: number;
  restingSellQuantity: number;
  /** Book sequence the resting orders were last matched against. */
  restedAgainstSequence: number;
}

export function createWorkingOrder(): WorkingOrder {
  return {
    orderId: '',
    client: '',
    ...emptyOrderTerms(),
    filled: 0,
    notional: 0,
    tickSentNs: 0,
    orderSentNs: 0,
    receivedNs: 0,
  };
}

export function workingOrderFrom(event: Readonly<OrderEvent>): WorkingOrder {
  return {
    orderId: event.orderId,
    client: event.client,
    symbol: event.symbol,
    side: event.side,
    orderType: event.orderType,
    timeInForce: event.timeInForce,
    price: event.price,
    quantity: event.quantity,
    filled: 0,
    notional: 0,
    tickSentNs: event.tickSentNs,
    orderSentNs: event.orderSentNs,
    receivedNs: event.receivedNs,
  };
}

/** Insert after every order that `ranksBefore` it or ties with it (price, then time priority). */
function insertByPriority(list: WorkingOrder[], order: WorkingOrder, better: (a: WorkingOrder, b: WorkingOrder) => boolean): void {
  let index = list.length;
  while (index > 0 && better(order, list[index - 1] as WorkingOrder)) index--;
  list.splice(index, 0, order);
}

/** The order's own fields of a report (ids, terms, progress, clocks); the caller sets the rest. */
export function writeOrderFields(report: ExecutionReport, order: WorkingOrder, nowSeconds: number): void {
  report.orderId = order.orderId;
  report.symbol = order.symbol;
  report.side = order.side;
  report.orderType = order.orderType;
  report.timeInForce = order.timeInForce;
  report.orderPrice = order.price;
  report.orderQuantity = order.quantity;
  report.filledQuantity = order.filled;
  report.leavesQuantity = order.quantity - order.filled;
  report.averagePrice = order.filled === 0 ? 0 : order.notional / order.filled;
  report.timestamp = nowSeconds;
  report.tickSentNs = order.tickSentNs;
  report.orderSentNs = order.orderSentNs;
}

/** `event` (reused) filled in for `order`; returned for the journal. */
export function writeOrderEvent(event: OrderEvent, kind: OrderEventKind, order: WorkingOrder, signalData: Record<string, unknown> | undefined, nowSeconds: number): OrderEvent {
  event.kind = kind;
  event.signalData = signalData;
  event.orderId = order.orderId;
  event.client = order.client;
  event.symbol = order.symbol;
  event.side = order.side;
  event.orderType = order.orderType;
  event.timeInForce = order.timeInForce;
  event.price = order.price;
  event.quantity = order.quantity;
  event.tickSentNs = order.tickSentNs;
  event.orderSentNs = order.orderSentNs;
  event.receivedNs = order.receivedNs;
  event.timestamp = nowSeconds;
  return event;
}

/** A REJECTED report for an order as received (its fields may be missing or malformed). */
export function writeRejectReport(report: ExecutionReport, order: Readonly<Order>, code: ErrorCode, reason: string, nowSeconds: number): ExecutionReport {
  report.executionId = '';
  report.orderId = typeof order.orderId === 'string' ? order.orderId : '';
  report.symbol = typeof order.symbol === 'string' ? order.symbol : '';
  report.side = order.side;
  report.orderType = order.orderType;
  report.timeInForce = order.timeInForce;
  report.status = ExecutionStatus.REJECTED;
  report.lastQuantity = 0;
  report.lastPrice = 0;
  report.orderPrice = Number.isFinite(order.price) ? order.price : 0;
  report.orderQuantity = Number.isFinite(order.quantity) ? order.quantity : 0;
  report.filledQuantity = 0;
  report.leavesQuantity = 0;
  report.averagePrice = 0;
  report.timestamp = nowSeconds;
  report.rejectCode = code;
  report.reason = reason;
  report.tickSentNs = order.tickSentNs;
  report.orderSentNs = order.orderSentNs;
  return report;
}

/** Put `order` among its symbol's resting orders, in priority (price, then time). */
export function addResting(state: SymbolState, order: WorkingOrder): void {
  const leaves = order.quantity - order.filled;
  if (order.side === Side.BUY) {
    insertByPriority(state.restingBuys, order, (a, b) => a.price > b.price);
    state.restingBuyQuantity += leaves;
  } else {
    insertByPriority(state.restingSells, order, (a, b) => a.price < b.price);
    state.restingSellQuantity += leaves;
  }
}

/** Take `order` out of its symbol's resting orders (a cancel). */
export function removeResting(state: SymbolState, order: WorkingOrder): void {
  const resting = order.side === Side.BUY ? state.restingBuys : state.restingSells;
  const index = resting.indexOf(order);
  if (index >= 0) resting.splice(index, 1);
  const leaves = order.quantity - order.filled;
  if (order.side === Side.BUY) state.restingBuyQuantity -= leaves;
  else state.restingSellQuantity -= leaves;
}

export function hasResting(state: SymbolState): boolean {
  return state.restingBuys.length > 0 || state.restingSells.length > 0;
}

export function restingOrderView(order: WorkingOrder): RestingOrderView {
  return {
    orderId: order.orderId,
    client: order.client,
    symbol: order.symbol,
    side: order.side,
    price: order.price,
    quantity: order.quantity,
    filledQuantity: order.filled,
    leavesQuantity: order.quantity - order.filled,
  };
}

/** A copy of a report that will never leave (its fill is not durable): filled as of before that fill. */
export function durablePartOf(report: ExecutionReport): ExecutionReport {
  const copy = { ...report };
  copy.filledQuantity = report.executionId === '' ? report.filledQuantity : report.filledQuantity - report.lastQuantity;
  return copy;
}

/** `out` (pooled) as the REJECTED E_TRADE_LOG_UNAVAILABLE that replaces `report`. */
export function writeVoidReject(out: ExecutionReport, report: ExecutionReport, reason: string): ExecutionReport {
  Object.assign(out, report);
  out.executionId = '';
  out.status = ExecutionStatus.REJECTED;
  out.lastQuantity = 0;
  out.lastPrice = 0;
  out.leavesQuantity = 0;
  out.rejectCode = ErrorCode.TRADE_LOG_UNAVAILABLE;
  out.reason = reason;
  return out;
}

/** A report of `order` (a fill when executionId is set); CANCELED leaves nothing. */
export function writeOrderReport(
  report: ExecutionReport,
  order: WorkingOrder,
  nowSeconds: number,
  executionId: string,
  status: ExecutionStatus,
  lastQuantity: number,
  lastPrice: number,
  rejectCode: string,
  reason: string,
): ExecutionReport {
  writeOrderFields(report, order, nowSeconds);
  report.executionId = executionId;
  report.status = status;
  report.lastQuantity = lastQuantity;
  report.lastPrice = lastPrice;
  report.rejectCode = rejectCode;
  report.reason = reason;
  if (status === ExecutionStatus.CANCELED) report.leavesQuantity = 0;
  return report;
}
