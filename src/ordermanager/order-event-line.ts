/**
 * One order event (execution-journal.ts) as one JSON line of the order journal:
 *
 *   {"event":"rested","order_id":"strategy-43","client":"strategy","symbol":"AAPL",
 *    "side":"BUY","order_type":"LIMIT","time_in_force":"DAY","price":189.5,
 *    "quantity":300,"tick_sent_ns":1234,"order_sent_ns":1240,"received_ns":1301,"timestamp":1764050000.2}
 *
 * The three stamps are one host's CLOCK_MONOTONIC: the gateway's send of the tick that made
 * the order, the strategy's send of the order, and the order manager's read of it, so
 * received_ns − tick_sent_ns is that order's tick-to-trade, exactly.
 *
 * An `accepted` event ends with the order's `"signal_data":{...}` (the strategy's reasons,
 * bounded by the codecs to MAX_SIGNAL_DATA_BYTES of JSON).
 */
import { fromPriceUnits, toPriceUnits } from '../core/fixed-point.js';
import { emptyOrderTerms, ORDER_TYPE_NAMES, OrderType, SIDE_NAMES, Side, TIME_IN_FORCE_NAMES, TimeInForce } from '../protocol/messages.js';
import type { OrderEvent } from './execution-journal.js';
import { readJournalNote, type JournalNote } from './report-line.js';

export function encodeOrderEventLine(event: Readonly<OrderEvent>): string {
  return (
    `{"event":"${event.kind}","order_id":${JSON.stringify(event.orderId)},"client":${JSON.stringify(event.client)},` +
    `"symbol":${JSON.stringify(event.symbol)},"side":"${SIDE_NAMES[event.side]}","order_type":"${ORDER_TYPE_NAMES[event.orderType]}",` +
    `"time_in_force":"${TIME_IN_FORCE_NAMES[event.timeInForce]}","price":${fromPriceUnits(event.price)},` +
    `"quantity":${event.quantity},"tick_sent_ns":${event.tickSentNs},"order_sent_ns":${event.orderSentNs},"received_ns":${event.receivedNs},` +
    `"timestamp":${event.timestamp}` +
    (event.signalData === undefined ? '}\n' : `,"signal_data":${JSON.stringify(event.signalData)}}\n`)
  );
}

function finiteOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function parseRecord(line: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  return parsed as Record<string, unknown>;
}

/** Parse one line (without newline) into `out`; false when it is not a valid event. */
export function parseOrderEventLine(line: string, out: OrderEvent): boolean {
  const record = parseRecord(line);
  return record !== undefined && readOrderEvent(record, out);
}

/**
 * Parse any line of the order journal: an order event into `event`, a report or session
 * line (report-line.ts) into `note`; undefined when it is none of them (not a valid record).
 */
export function parseOrderJournalLine(line: string, event: OrderEvent, note: JournalNote): 'event' | 'note' | undefined {
  const record = parseRecord(line);
  if (record === undefined) return undefined;
  if (readOrderEvent(record, event)) return 'event';
  return readJournalNote(record, note) ? 'note' : undefined;
}

function readOrderEvent(record: Record<string, unknown>, out: OrderEvent): boolean {
  const { event, order_id: orderId, client, symbol, side, order_type: orderType, time_in_force: timeInForce, price, quantity } = record;
  if (event !== 'accepted' && event !== 'rested' && event !== 'canceled' && event !== 'unfilled') return false;
  const signalData = record['signal_data'];
  if (signalData !== undefined && (typeof signalData !== 'object' || signalData === null || Array.isArray(signalData))) return false;
  if (typeof orderId !== 'string' || orderId === '') return false;
  if (typeof client !== 'string' || typeof symbol !== 'string' || symbol === '') return false;
  if (side !== 'BUY' && side !== 'SELL') return false;
  if (orderType !== 'LIMIT' && orderType !== 'MARKET') return false;
  if (timeInForce !== 'IOC' && timeInForce !== 'DAY') return false;
  if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) return false;
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity <= 0) return false;
  out.kind = event;
  out.orderId = orderId;
  out.client = client;
  out.symbol = symbol;
  out.side = side === 'BUY' ? Side.BUY : Side.SELL;
  out.orderType = orderType === 'LIMIT' ? OrderType.LIMIT : OrderType.MARKET;
  out.timeInForce = timeInForce === 'DAY' ? TimeInForce.DAY : TimeInForce.IOC;
  out.price = toPriceUnits(price);
  out.quantity = quantity;
  out.tickSentNs = finiteOr(record['tick_sent_ns'], 0);
  out.orderSentNs = finiteOr(record['order_sent_ns'], 0);
  out.receivedNs = finiteOr(record['received_ns'], 0);
  out.timestamp = finiteOr(record['timestamp'], 0);
  out.signalData = signalData as Record<string, unknown> | undefined;
  return true;
}

export function createOrderEvent(): OrderEvent {
  return {
    kind: 'unfilled',
    orderId: '',
    client: '',
    ...emptyOrderTerms(),
    tickSentNs: 0,
    orderSentNs: 0,
    receivedNs: 0,
    timestamp: 0,
    signalData: undefined,
  };
}
