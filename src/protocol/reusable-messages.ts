/**
 * Factories for the messages that decoders fill in place. A decoder hands back the same
 * MarketData / Heartbeat object on every call, so the hot path allocates nothing; the
 * object is valid until the next decode call on that decoder (copy what must be kept,
 * e.g. with copyL2Book).
 */
import { MAX_BOOK_DEPTH, createL2Book } from '../core/book.js';
import { ExecutionStatus, MessageType, OrderType, Side, TimeInForce } from './messages.js';
import type { ExecutionReport, Heartbeat, MarketData } from './messages.js';

/** A MarketData with room for `capacity` levels per side (default: the most any peer may send). */
export function createMarketData(capacity: number = MAX_BOOK_DEPTH): MarketData {
  return { type: MessageType.MARKET_DATA, symbol: '', ...createL2Book(capacity) };
}

export function createHeartbeat(): Heartbeat {
  return { type: MessageType.HEARTBEAT, timestamp: 0, sentNs: 0 };
}

/** An ExecutionReport with every field at its zero value, for pools and rings that fill reports in place. */
export function createExecutionReport(status: ExecutionStatus = ExecutionStatus.NEW): ExecutionReport {
  return {
    type: MessageType.TRADE_EXECUTION,
    executionId: '',
    orderId: '',
    symbol: '',
    side: Side.BUY,
    orderType: OrderType.LIMIT,
    timeInForce: TimeInForce.IOC,
    status,
    lastQuantity: 0,
    lastPrice: 0,
    orderPrice: 0,
    orderQuantity: 0,
    filledQuantity: 0,
    leavesQuantity: 0,
    averagePrice: 0,
    timestamp: 0,
    rejectCode: '',
    reason: '',
    tickSentNs: 0,
    orderSentNs: 0,
    sequence: 0,
  };
}
