/**
 * The one execution report of an IOC order that a simulated venue (the tick-to-trade
 * bench's stand-in order manager, the calibration's fill model) answers with: `filled`
 * shares at `averagePrice`, the rest cancelled.
 */
import { ExecutionStatus, MessageType, type ExecutionReport, type Order } from './messages.js';

export function iocReport(order: Order, executionId: string, filled: number, averagePrice: number, timestamp: number): ExecutionReport {
  const complete = filled === order.quantity;
  return {
    type: MessageType.TRADE_EXECUTION,
    executionId,
    orderId: order.orderId,
    symbol: order.symbol,
    side: order.side,
    orderType: order.orderType,
    timeInForce: order.timeInForce,
    status: complete ? ExecutionStatus.FILLED : ExecutionStatus.CANCELED,
    lastQuantity: filled,
    lastPrice: averagePrice,
    orderPrice: order.price,
    orderQuantity: order.quantity,
    filledQuantity: filled,
    leavesQuantity: 0,
    averagePrice,
    timestamp,
    rejectCode: '',
    reason: complete ? '' : 'IOC remainder cancelled',
    tickSentNs: order.tickSentNs,
    orderSentNs: order.orderSentNs,
    sequence: 0,
  };
}
