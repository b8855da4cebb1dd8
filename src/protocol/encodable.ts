/**
 * The check every encoder runs before writing a message that is not on the hot path, so
 * that nothing we send can be refused by our own decoders (and no NaN reaches JSON, where
 * it would not even parse). MARKET_DATA is checked inline by the encoders while they walk
 * its levels, to avoid a second pass.
 */
import { MAX_BOOK_DEPTH } from '../core/book.js';
import { ErrorCode, TradingError } from '../core/errors.js';
import { ExecutionStatus, MessageType, OrderType, Sentiment, Side, TimeInForce } from './messages.js';
import type { ExecutionReport, Message, NewsSentiment, Order, MarketData } from './messages.js';
import {
  MAX_SIGNAL_DATA_BYTES,
  MAX_ID_LENGTH,
  MAX_PROTOCOL_VERSION,
  MAX_TEXT_LENGTH,
  MAX_WORKING_ORDER_IDS,
  invalidField,
  isFiniteNumber,
  isFractionalPriceUnits,
  isPriceUnits,
  isSymbol,
} from './validation.js';

export function isSide(value: number): value is Side {
  return value === Side.BUY || value === Side.SELL;
}
export function isOrderType(value: number): value is OrderType {
  return value === OrderType.LIMIT || value === OrderType.MARKET;
}
export function isTimeInForce(value: number): value is TimeInForce {
  return value === TimeInForce.IOC || value === TimeInForce.DAY;
}
export function isExecutionStatus(value: number): value is ExecutionStatus {
  return value >= ExecutionStatus.NEW && value <= ExecutionStatus.REJECTED && Number.isInteger(value);
}
export function isSentiment(value: number): value is Sentiment {
  return value === Sentiment.NEGATIVE || value === Sentiment.NEUTRAL || value === Sentiment.POSITIVE;
}

function checkText(type: number, field: string, value: unknown, minLength: number, maxLength: number): void {
  if (typeof value !== 'string') throw invalidField(type, field, 'expected a string');
  if (value.length < minLength || value.length > maxLength) {
    throw invalidField(type, field, `length ${value.length} outside ${minLength}..${maxLength}`);
  }
}

function checkNumber(type: number, field: string, value: number): void {
  if (typeof value !== 'number' || !isFiniteNumber(value)) throw invalidField(type, field, `expected a finite number, got ${value}`);
}

function checkPrice(type: number, field: string, value: number): void {
  if (typeof value !== 'number' || !isPriceUnits(value)) throw invalidField(type, field, `expected integer price units, got ${value}`);
}

function checkSymbol(type: number, value: string): void {
  if (typeof value !== 'string' || !isSymbol(value)) throw invalidField(type, 'symbol', `expected 1-8 of A-Z 0-9 . - _, got ${JSON.stringify(value)}`);
}

/**
 * An ORDER's signal data as compact JSON, the text both codecs carry. Throws
 * E_MESSAGE_INVALID when it is not serialisable and E_SIGNAL_DATA_TOO_LARGE above
 * MAX_SIGNAL_DATA_BYTES.
 */
export function signalDataJson(signalData: Record<string, unknown>): string {
  let text: string;
  try {
    text = JSON.stringify(signalData);
  } catch (err) {
    throw invalidField(MessageType.ORDER, 'signal_data', `not serialisable as JSON (${(err as Error).message})`);
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SIGNAL_DATA_BYTES) {
    throw new TradingError(
      ErrorCode.SIGNAL_DATA_TOO_LARGE,
      `ORDER field 'signal_data': ${bytes} bytes of JSON exceed the maximum of ${MAX_SIGNAL_DATA_BYTES}`,
    );
  }
  return text;
}

/** Level counts a MarketData may carry: 0..MAX_BOOK_DEPTH and within its arrays. */
export function checkLevelCounts(message: MarketData): void {
  const { bidCount, askCount } = message;
  if (!Number.isInteger(bidCount) || bidCount < 0 || bidCount > Math.min(MAX_BOOK_DEPTH, message.bidPrices.length)) {
    throw invalidField(MessageType.MARKET_DATA, 'bids', `level count ${bidCount} outside 0..${MAX_BOOK_DEPTH}`);
  }
  if (!Number.isInteger(askCount) || askCount < 0 || askCount > Math.min(MAX_BOOK_DEPTH, message.askPrices.length)) {
    throw invalidField(MessageType.MARKET_DATA, 'asks', `level count ${askCount} outside 0..${MAX_BOOK_DEPTH}`);
  }
}

/** Everything of a MARKET_DATA: symbol, level counts, integer prices, finite numbers. */
export function checkMarketData(message: MarketData): void {
  const type = message.type;
  checkSymbol(type, message.symbol);
  checkLevelCounts(message);
  checkNumber(type, 'timestamp', message.timestamp);
  checkPrice(type, 'last_price', message.lastPrice);
  checkNumber(type, 'volume', message.volume);
  checkNumber(type, 'sequence', message.sequence);
  checkNumber(type, 'sent_ns', message.sentNs);
  for (let i = 0; i < message.bidCount; i++) {
    checkPrice(type, 'bids', message.bidPrices[i]);
    checkNumber(type, 'bids', message.bidSizes[i]);
  }
  for (let i = 0; i < message.askCount; i++) {
    checkPrice(type, 'asks', message.askPrices[i]);
    checkNumber(type, 'asks', message.askSizes[i]);
  }
}

function checkNews(message: NewsSentiment): void {
  const type = message.type;
  checkSymbol(type, message.symbol);
  checkNumber(type, 'timestamp', message.timestamp);
  if (!isSentiment(message.sentiment)) throw invalidField(type, 'sentiment', `unknown value ${message.sentiment}`);
  checkNumber(type, 'score', message.score);
  checkText(type, 'headline', message.headline, 0, MAX_TEXT_LENGTH);
  checkNumber(type, 'sequence', message.sequence);
  checkNumber(type, 'sent_ns', message.sentNs);
}

function checkOrder(message: Order): void {
  const type = message.type;
  checkText(type, 'order_id', message.orderId, 1, MAX_ID_LENGTH);
  checkSymbol(type, message.symbol);
  if (!isSide(message.side)) throw invalidField(type, 'side', `unknown value ${message.side}`);
  if (!isOrderType(message.orderType)) throw invalidField(type, 'order_type', `unknown value ${message.orderType}`);
  if (!isTimeInForce(message.timeInForce)) throw invalidField(type, 'time_in_force', `unknown value ${message.timeInForce}`);
  checkPrice(type, 'price', message.price);
  checkNumber(type, 'quantity', message.quantity);
  checkNumber(type, 'timestamp', message.timestamp);
  checkNumber(type, 'tick_sent_ns', message.tickSentNs);
  checkNumber(type, 'order_sent_ns', message.orderSentNs);
  const signal: unknown = message.signalData;
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || Array.isArray(signal))) {
    throw invalidField(type, 'signal_data', 'expected an object');
  }
}

function checkExecution(message: ExecutionReport): void {
  const type = message.type;
  checkText(type, 'execution_id', message.executionId, 0, MAX_ID_LENGTH);
  checkText(type, 'order_id', message.orderId, 0, MAX_ID_LENGTH);
  checkSymbol(type, message.symbol);
  if (!isSide(message.side)) throw invalidField(type, 'side', `unknown value ${message.side}`);
  if (!isOrderType(message.orderType)) throw invalidField(type, 'order_type', `unknown value ${message.orderType}`);
  if (!isTimeInForce(message.timeInForce)) throw invalidField(type, 'time_in_force', `unknown value ${message.timeInForce}`);
  if (!isExecutionStatus(message.status)) throw invalidField(type, 'status', `unknown value ${message.status}`);
  checkNumber(type, 'quantity', message.lastQuantity);
  checkPrice(type, 'execution_price', message.lastPrice);
  checkPrice(type, 'order_price', message.orderPrice);
  checkNumber(type, 'order_quantity', message.orderQuantity);
  checkNumber(type, 'filled_quantity', message.filledQuantity);
  checkNumber(type, 'leaves_quantity', message.leavesQuantity);
  if (typeof message.averagePrice !== 'number' || !isFractionalPriceUnits(message.averagePrice)) {
    throw invalidField(type, 'average_price', `expected price units, got ${message.averagePrice}`);
  }
  checkNumber(type, 'timestamp', message.timestamp);
  checkText(type, 'reject_code', message.rejectCode, 0, MAX_ID_LENGTH);
  checkText(type, 'reason', message.reason, 0, MAX_TEXT_LENGTH);
  checkNumber(type, 'tick_sent_ns', message.tickSentNs);
  checkNumber(type, 'order_sent_ns', message.orderSentNs);
}

/**
 * Throws E_MESSAGE_INVALID naming the first field our decoders would refuse. MARKET_DATA
 * is checked only for its level counts here; its numbers are checked while encoding.
 */
export function assertEncodable(message: Message): void {
  switch (message.type) {
    case MessageType.MARKET_DATA:
      checkSymbol(message.type, message.symbol);
      checkLevelCounts(message);
      return;
    case MessageType.NEWS_SENTIMENT:
      checkNews(message);
      return;
    case MessageType.ORDER:
      checkOrder(message);
      return;
    case MessageType.CANCEL:
      checkText(message.type, 'order_id', message.orderId, 1, MAX_ID_LENGTH);
      checkSymbol(message.type, message.symbol);
      checkNumber(message.type, 'timestamp', message.timestamp);
      return;
    case MessageType.TRADE_EXECUTION:
      checkExecution(message);
      return;
    case MessageType.HEARTBEAT:
      checkNumber(message.type, 'timestamp', message.timestamp);
      checkNumber(message.type, 'sent_ns', message.sentNs);
      return;
    case MessageType.SHUTDOWN:
      checkText(message.type, 'reason', message.reason, 0, MAX_TEXT_LENGTH);
      return;
    case MessageType.HELLO:
      if (!Number.isInteger(message.protocolVersion) || message.protocolVersion < 0 || message.protocolVersion > MAX_PROTOCOL_VERSION) {
        throw invalidField(message.type, 'protocol_version', `expected an integer in 0..${MAX_PROTOCOL_VERSION}`);
      }
      checkText(message.type, 'client_name', message.clientName, 0, MAX_ID_LENGTH);
      if (typeof message.binary !== 'boolean') throw invalidField(message.type, 'binary', 'expected a boolean');
      if (message.marketData !== undefined && typeof message.marketData !== 'boolean') throw invalidField(message.type, 'market_data', 'expected a boolean');
      if (message.working !== undefined) {
        if (!Array.isArray(message.working) || message.working.length > MAX_WORKING_ORDER_IDS) throw invalidField(message.type, 'working', `expected at most ${MAX_WORKING_ORDER_IDS} order ids`);
        for (const id of message.working) checkText(message.type, 'working', id, 1, MAX_ID_LENGTH);
      }
      return;
    case MessageType.ERROR:
      checkText(message.type, 'code', message.code, 0, MAX_ID_LENGTH);
      checkText(message.type, 'message', message.message, 0, MAX_TEXT_LENGTH);
      return;
    case MessageType.TRADING_SIGNAL:
    case MessageType.ORDERBOOK_UPDATE: {
      const data: unknown = message.data;
      if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalidField(message.type, 'data', 'expected an object');
      return;
    }
    default: {
      const unknownType: number = (message as { type: number }).type;
      throw new TradingError(ErrorCode.MESSAGE_UNKNOWN_TYPE, `cannot encode message type ${unknownType}`);
    }
  }
}
