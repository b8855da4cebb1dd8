/**
 * One fill as one JSON line: the seed's fields first (`execution_id, order_id, symbol,
 * side, quantity, order_price, execution_price, timestamp, status`, prices as decimals),
 * then ours. A seed reader sees the fields it knows; `parseFillLine` accepts a seed line
 * too (our fields default).
 *
 *   {"execution_id":"E17","order_id":"strategy-42","symbol":"AAPL","side":"BUY",
 *    "quantity":100,"order_price":189.5,"execution_price":189.49,
 *    "timestamp":1764050000.123,"status":"FILLED","order_type":"LIMIT",
 *    "time_in_force":"IOC","order_quantity":100,"filled_quantity":100,
 *    "leaves_quantity":0,"average_price":189.49,"liquidity":"taker",
 *    "client":"strategy","book_sequence":5120,"report_sequence":17}
 *
 * `quantity` is this fill's quantity (the seed's meaning); `status` is the order's status
 * after the fill. `order_price` is 0 for a MARKET order. `report_sequence` is there only when
 * the fill's report was numbered (a proven identity's, report-numbering.ts): it is what says,
 * after a crash, that the fill needs a numbered report line in the order journal (recovery.ts).
 */
import { fromPriceUnits, toPriceUnits } from '../core/fixed-point.js';
import {
  EXECUTION_STATUS_NAMES,
  ExecutionStatus,
  ORDER_TYPE_NAMES,
  OrderType,
  SIDE_NAMES,
  Side,
  TIME_IN_FORCE_NAMES,
  TimeInForce,
  type ExecutionReport,
} from '../protocol/messages.js';
import type { Liquidity, LoggedFill } from './execution-journal.js';
import { MAX_EXECUTION_DIGITS, executionNumberOf } from './execution-id.js';

export { EXECUTION_ID_PREFIX, executionIdFor, executionNumberOf } from './execution-id.js';

/**
 * The line for a fill report (newline included). The trade log writes the same bytes in place
 * (fill-line-writer.ts, no string per fill); this string form is the reference it is tested
 * against, and what tools and tests build lines with.
 */
export function encodeFillLine(report: Readonly<ExecutionReport>, client: string, liquidity: Liquidity, bookSequence: number): string {
  return (
    `{"execution_id":"${report.executionId}","order_id":${JSON.stringify(report.orderId)},"symbol":${JSON.stringify(report.symbol)},` +
    `"side":"${SIDE_NAMES[report.side]}","quantity":${report.lastQuantity},"order_price":${fromPriceUnits(report.orderPrice)},` +
    `"execution_price":${fromPriceUnits(report.lastPrice)},"timestamp":${report.timestamp},` +
    `"status":"${EXECUTION_STATUS_NAMES[report.status]}","order_type":"${ORDER_TYPE_NAMES[report.orderType]}",` +
    `"time_in_force":"${TIME_IN_FORCE_NAMES[report.timeInForce]}","order_quantity":${report.orderQuantity},` +
    `"filled_quantity":${report.filledQuantity},"leaves_quantity":${report.leavesQuantity},` +
    `"average_price":${fromPriceUnits(report.averagePrice)},"liquidity":"${liquidity}",` +
    `"client":${JSON.stringify(client)},"book_sequence":${bookSequence}` +
    (report.sequence > 0 ? `,"report_sequence":${report.sequence}}\n` : '}\n')
  );
}

function isWholePositive(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function wholeOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : fallback;
}

/**
 * Parse one line (without its newline) into `out`. False when it is not a valid fill:
 * not JSON, or a seed field missing or wrong (ids, symbol, side, whole positive quantity,
 * finite positive execution price).
 */
export function parseFillLine(line: string, out: LoggedFill): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return false;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
  const record = parsed as Record<string, unknown>;
  const { execution_id: executionId, order_id: orderId, symbol, side, quantity, execution_price: executionPrice } = record;
  if (typeof executionId !== 'string' || executionId === '') return false;
  if (typeof orderId !== 'string' || orderId === '') return false;
  if (typeof symbol !== 'string' || symbol === '') return false;
  if (side !== 'BUY' && side !== 'SELL') return false;
  if (!isWholePositive(quantity)) return false;
  if (typeof executionPrice !== 'number' || !Number.isFinite(executionPrice) || executionPrice <= 0) return false;
  out.executionId = executionId;
  out.executionNumber = executionNumberOf(executionId);
  out.orderId = orderId;
  out.symbol = symbol;
  out.side = side === 'BUY' ? Side.BUY : Side.SELL;
  out.quantity = quantity;
  out.executionPrice = toPriceUnits(executionPrice);
  const orderPrice = record['order_price'];
  out.orderPrice = typeof orderPrice === 'number' && Number.isFinite(orderPrice) && orderPrice > 0 ? toPriceUnits(orderPrice) : 0;
  const timestamp = record['timestamp'];
  out.timestamp = typeof timestamp === 'number' && Number.isFinite(timestamp) ? timestamp : 0;
  const status = record['status'];
  out.status = typeof status === 'string' ? status : '';
  out.orderType = record['order_type'] === 'MARKET' ? OrderType.MARKET : OrderType.LIMIT;
  out.timeInForce = record['time_in_force'] === 'DAY' ? TimeInForce.DAY : TimeInForce.IOC;
  out.orderQuantity = wholeOr(record['order_quantity'], quantity);
  out.filledQuantity = wholeOr(record['filled_quantity'], quantity);
  out.leavesQuantity = wholeOr(record['leaves_quantity'], 0);
  const averagePrice = record['average_price'];
  out.averagePrice = typeof averagePrice === 'number' && Number.isFinite(averagePrice) && averagePrice > 0 ? toPriceUnits(averagePrice) : out.executionPrice;
  const client = record['client'];
  out.client = typeof client === 'string' ? client : '';
  out.liquidity = record['liquidity'] === 'maker' ? 'maker' : 'taker';
  const bookSequence = record['book_sequence'];
  out.bookSequence = typeof bookSequence === 'number' && Number.isFinite(bookSequence) ? bookSequence : Number.NaN;
  out.reportSequence = wholeOr(record['report_sequence'], 0);
  return true;
}

/** The fill report a logged fill says (its sequence, tick and order stamps left as they are in `out`). */
export function writeFillReport(fill: Readonly<LoggedFill>, out: ExecutionReport): ExecutionReport {
  out.executionId = fill.executionId;
  out.orderId = fill.orderId;
  out.symbol = fill.symbol;
  out.side = fill.side;
  out.orderType = fill.orderType;
  out.timeInForce = fill.timeInForce;
  out.status = fill.status === 'PARTIALLY_FILLED' ? ExecutionStatus.PARTIALLY_FILLED : ExecutionStatus.FILLED;
  out.lastQuantity = fill.quantity;
  out.lastPrice = fill.executionPrice;
  out.orderPrice = fill.orderPrice;
  out.orderQuantity = fill.orderQuantity;
  out.filledQuantity = fill.filledQuantity;
  out.leavesQuantity = fill.leavesQuantity;
  out.averagePrice = fill.averagePrice;
  out.timestamp = fill.timestamp;
  out.rejectCode = '';
  out.reason = '';
  return out;
}

const EXECUTION_ID_IN_TEXT = new RegExp(`"execution_id"\\s*:\\s*"E([1-9][0-9]{0,${MAX_EXECUTION_DIGITS - 1}})"`);
const ORDER_ID_IN_TEXT = /"order_id"\s*:\s*("(?:[^"\\\n]|\\.)*")/;

/**
 * From a line that is not a valid fill (torn, corrupt), whatever ids can still be read,
 * so that ids stay unique across a restart even when a line is damaged.
 */
export function scavengeIds(line: string): { executionNumber: bigint; orderId: string | undefined } {
  const execution = EXECUTION_ID_IN_TEXT.exec(line);
  const executionNumber = execution === null ? 0n : BigInt(execution[1] as string);
  let orderId: string | undefined;
  const order = ORDER_ID_IN_TEXT.exec(line);
  if (order !== null) {
    try {
      const value: unknown = JSON.parse(order[1] as string);
      if (typeof value === 'string' && value !== '') orderId = value;
    } catch {
      orderId = undefined;
    }
  }
  return { executionNumber, orderId };
}

export function createLoggedFill(): LoggedFill {
  return {
    executionId: '',
    executionNumber: 0n,
    orderId: '',
    symbol: '',
    side: Side.BUY,
    quantity: 0,
    executionPrice: 0,
    orderPrice: 0,
    timestamp: 0,
    status: '',
    orderType: OrderType.LIMIT,
    timeInForce: TimeInForce.IOC,
    orderQuantity: 0,
    filledQuantity: 0,
    leavesQuantity: 0,
    averagePrice: 0,
    client: '',
    liquidity: 'taker',
    bookSequence: Number.NaN,
    reportSequence: 0,
  };
}
