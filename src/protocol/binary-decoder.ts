/**
 * The binary decoder: the layouts of binary-layout.ts back into messages. Each message
 * type is read in one place, its entry in READERS below.
 *
 * Allocation: decoding MARKET_DATA and HEARTBEAT allocates nothing: they are decoded into
 * reusable objects (valid until the next decode on the same decoder) and symbols come from
 * a SymbolInterner. Decoding the other messages allocates the message object and the
 * strings it must keep: ids, headlines, reasons, client names, error text.
 */
import { MAX_BOOK_DEPTH } from '../core/book.js';
import { ErrorCode, TradingError } from '../core/errors.js';
import {
  BINARY_MAGIC,
  BINARY_MAGIC_FAMILY,
  BINARY_PREAMBLE_BYTES,
  CancelLayout,
  ErrorLayout,
  ExecutionLayout,
  HELLO_FLAG_BINARY,
  HELLO_FLAG_NO_MARKET_DATA,
  HELLO_FLAG_PRIORITY,
  HeartbeatLayout,
  HelloLayout,
  MarketDataLayout,
  NewsLayout,
  OrderLayout,
  PRICE_LEVEL_BYTES,
  ShutdownLayout,
  TYPE_OFFSET,
} from './binary-layout.js';
import { refuseHeader, refuseLevels } from './binary-encoder.js';
import { Float64Run, ViewCache, isFloat64Aligned } from './binary-views.js';
import { isExecutionStatus, isOrderType, isSentiment, isSide, isTimeInForce } from './encodable.js';
import { MessageType } from './messages.js';
import type { Heartbeat, Hello, MarketData, Message, Order } from './messages.js';
import { createHeartbeat, createMarketData } from './reusable-messages.js';
import { SymbolInterner } from './symbol-interner.js';
import {
  MAX_ID_LENGTH,
  MAX_PRICE_UNITS,
  MAX_SIGNAL_DATA_BYTES,
  MAX_TEXT_LENGTH,
  invalidField,
  isFiniteNumber,
  isFractionalPriceUnits,
  isPriceUnits,
  messageTypeName,
} from './validation.js';

export interface BinaryDecoderOptions {
  /** Where MARKET_DATA is decoded (default: a new one with MAX_BOOK_DEPTH levels per side). */
  marketData?: MarketData;
  /** Where HEARTBEAT is decoded (default: a new one). */
  heartbeat?: Heartbeat;
  /** Symbol cache (default: a new one of 1024 entries); share one across decoders if you like. */
  interner?: SymbolInterner;
}

/**
 * What a reader reads: the payload buffer[offset, offset + length), which is byte `base`
 * of `view` (a DataView over buffer's whole ArrayBuffer). One per decoder, reused.
 */
interface BinaryReadContext {
  view: DataView;
  base: number;
  buffer: Buffer;
  offset: number;
  length: number;
  views: ViewCache;
  run: Float64Run;
  interner: SymbolInterner;
  marketData: MarketData;
  heartbeat: Heartbeat;
}

/** How one message type is read (after magic and type were checked). Add an entry to READERS for a new type. */
type BinaryReader = (c: BinaryReadContext) => Message;

function truncated(type: number, needed: number, length: number): TradingError {
  return new TradingError(ErrorCode.FRAME_TRUNCATED, `binary ${messageTypeName(type)} needs ${needed} bytes, payload has ${length}`);
}

/** Checks that the fixed part is there (before its length fields are read). */
function checkFixed(type: number, fixed: number, length: number): void {
  if (length < fixed) throw truncated(type, fixed, length);
}

/** Checks that a payload is exactly `needed` bytes long. */
function checkLength(type: number, needed: number, length: number): void {
  if (length < needed) throw truncated(type, needed, length);
  if (length > needed) {
    throw new TradingError(ErrorCode.PAYLOAD_MALFORMED, `binary ${messageTypeName(type)} is ${needed} bytes, payload has ${length}`);
  }
}

/** Throws unless the binary magic is right; exported for the kind detection in codec.ts. */
export function checkBinaryMagic(first: number): void {
  if (first === BINARY_MAGIC) return;
  if ((first & 0xf0) === BINARY_MAGIC_FAMILY) {
    throw new TradingError(ErrorCode.PROTOCOL_VERSION, `binary layout version ${first & 0x0f} is not supported (this side speaks ${BINARY_MAGIC & 0x0f})`);
  }
  throw new TradingError(ErrorCode.PAYLOAD_UNKNOWN_KIND, `payload starts with byte 0x${first.toString(16).padStart(2, '0')}: neither JSON nor binary`);
}

function readNumber(type: number, field: string, c: BinaryReadContext, at: number): number {
  const value = c.view.getFloat64(c.base + at, true);
  if (!isFiniteNumber(value)) throw invalidField(type, field, `expected a finite number, got ${value}`);
  return value;
}

function readPrice(type: number, field: string, c: BinaryReadContext, at: number): number {
  const value = c.view.getFloat64(c.base + at, true);
  if (!isPriceUnits(value)) throw invalidField(type, field, `expected integer price units, got ${value}`);
  return value;
}

function readEnum<T extends number>(type: number, field: string, value: number, isValid: (value: number) => value is T): T {
  if (!isValid(value)) throw invalidField(type, field, `unknown value ${value}`);
  return value;
}

/** UTF-8 text at payload byte `at` (allocates; invalid sequences become U+FFFD), at most maxLength UTF-16 units. */
function readText(type: number, field: string, c: BinaryReadContext, at: number, bytes: number, maxLength: number): string {
  if (bytes === 0) return '';
  const start = c.offset + at;
  const text = c.buffer.toString('utf8', start, start + bytes);
  if (text.length > maxLength) throw invalidField(type, field, `length ${text.length} exceeds ${maxLength}`);
  return text;
}

function readId(type: number, field: string, c: BinaryReadContext, at: number, bytes: number): string {
  const id = readText(type, field, c, at, bytes, MAX_ID_LENGTH);
  if (id.length === 0) throw invalidField(type, field, 'must not be empty');
  return id;
}

const SYMBOL_PROBLEM = 'expected 1-8 of A-Z 0-9 . - _ then zero padding';

function readSymbol(type: number, c: BinaryReadContext, at: number): string {
  const symbol = c.interner.intern(c.view, c.base + at, c.buffer, c.offset + at);
  if (symbol === undefined) throw invalidField(type, 'symbol', SYMBOL_PROBLEM);
  return symbol;
}

/** An ORDER's signal data: JSON text of an object, at most MAX_SIGNAL_DATA_BYTES. */
function readSignalData(c: BinaryReadContext, at: number, bytes: number): Record<string, unknown> {
  const type = MessageType.ORDER;
  if (bytes > MAX_SIGNAL_DATA_BYTES) {
    throw new TradingError(ErrorCode.SIGNAL_DATA_TOO_LARGE, `ORDER field 'signal_data': ${bytes} bytes exceed the maximum of ${MAX_SIGNAL_DATA_BYTES}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(c.buffer.toString('utf8', c.offset + at, c.offset + at + bytes));
  } catch (err) {
    throw invalidField(type, 'signal_data', `not JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidField(type, 'signal_data', 'expected a JSON object');
  return value as Record<string, unknown>;
}

/**
 * MARKET_DATA into the decoder's reusable object: counts, length, symbol, then the
 * 5 + 2 × levels float64 fields through a Float64Run (in place when aligned, a copy
 * otherwise), checked in one summary per pass; only a failure looks for the field to name.
 */
function readMarketData(c: BinaryReadContext): MarketData {
  return readMarketDataAt(c.view, c.base, c.buffer, c.offset, c.length, c.marketData, c.interner, c.views, c.run);
}

function readMarketDataAt(
  view: DataView,
  base: number,
  buffer: Buffer,
  offset: number,
  length: number,
  target: MarketData,
  interner: SymbolInterner,
  views: ViewCache,
  run: Float64Run,
): MarketData {
  const type = MessageType.MARKET_DATA;
  checkFixed(type, MarketDataLayout.LEVELS, length);
  const bidCount = view.getUint8(base + MarketDataLayout.BID_COUNT);
  const askCount = view.getUint8(base + MarketDataLayout.ASK_COUNT);
  if (bidCount > MAX_BOOK_DEPTH || bidCount > target.bidPrices.length) {
    throw invalidField(type, 'bids', `${bidCount} levels exceed the maximum of ${Math.min(MAX_BOOK_DEPTH, target.bidPrices.length)}`);
  }
  if (askCount > MAX_BOOK_DEPTH || askCount > target.askPrices.length) {
    throw invalidField(type, 'asks', `${askCount} levels exceed the maximum of ${Math.min(MAX_BOOK_DEPTH, target.askPrices.length)}`);
  }
  checkLength(type, MarketDataLayout.LEVELS + PRICE_LEVEL_BYTES * (bidCount + askCount), length);
  const symbol = interner.intern(view, base + MarketDataLayout.SYMBOL, buffer, offset + MarketDataLayout.SYMBOL);
  if (symbol === undefined) throw invalidField(type, 'symbol', SYMBOL_PROBLEM);
  target.symbol = symbol;
  const position = base + MarketDataLayout.TIMESTAMP;
  const aligned = isFloat64Aligned(position);
  const float64s = aligned ? views.float64s : run.load(buffer, offset + MarketDataLayout.TIMESTAMP, 5 + 2 * (bidCount + askCount));
  const first = aligned ? position >>> 3 : 0;
  const timestamp = float64s[first];
  const lastPrice = float64s[first + 1];
  const volume = float64s[first + 2];
  const sequence = float64s[first + 3];
  const sentNs = float64s[first + 4];
  if (!(isFiniteNumber(timestamp) && isPriceUnits(lastPrice) && isFiniteNumber(volume) && isFiniteNumber(sequence) && isFiniteNumber(sentNs))) {
    refuseHeader(timestamp, lastPrice, volume, sequence, sentNs);
  }
  target.timestamp = timestamp;
  target.lastPrice = lastPrice;
  target.volume = volume;
  target.sequence = sequence;
  target.sentNs = sentNs;
  let at = first + 5;
  let residue = 0;
  let largest = 0;
  const bidPrices = target.bidPrices;
  const bidSizes = target.bidSizes;
  for (let i = 0; i < bidCount; i++) {
    const price = float64s[at];
    const size = float64s[at + 1];
    residue += Math.abs(price - Math.trunc(price)) + (size - size);
    largest = Math.max(largest, Math.abs(price));
    bidPrices[i] = price;
    bidSizes[i] = size;
    at += 2;
  }
  const askPrices = target.askPrices;
  const askSizes = target.askSizes;
  for (let i = 0; i < askCount; i++) {
    const price = float64s[at];
    const size = float64s[at + 1];
    residue += Math.abs(price - Math.trunc(price)) + (size - size);
    largest = Math.max(largest, Math.abs(price));
    askPrices[i] = price;
    askSizes[i] = size;
    at += 2;
  }
  if (!(residue === 0 && largest <= MAX_PRICE_UNITS)) refuseLevels(bidPrices, bidSizes, bidCount, askPrices, askSizes, askCount);
  target.bidCount = bidCount;
  target.askCount = askCount;
  return target;
}

/** One entry per message type that has a binary layout. */
const READERS: Partial<Record<Message['type'], BinaryReader>> = {
  [MessageType.MARKET_DATA]: readMarketData,
  [MessageType.HEARTBEAT](c) {
    const type = MessageType.HEARTBEAT;
    checkLength(type, HeartbeatLayout.END, c.length);
    const heartbeat = c.heartbeat;
    heartbeat.timestamp = readNumber(type, 'timestamp', c, HeartbeatLayout.TIMESTAMP);
    heartbeat.sentNs = readNumber(type, 'sent_ns', c, HeartbeatLayout.SENT_NS);
    return heartbeat;
  },
  [MessageType.NEWS_SENTIMENT](c) {
    const type = MessageType.NEWS_SENTIMENT;
    checkFixed(type, NewsLayout.TEXT, c.length);
    const headlineBytes = c.view.getUint16(c.base + NewsLayout.HEADLINE_BYTES, true);
    checkLength(type, NewsLayout.TEXT + headlineBytes, c.length);
    const sentiment = readEnum(type, 'sentiment', c.view.getInt8(c.base + NewsLayout.SENTIMENT), isSentiment);
    return {
      type,
      symbol: readSymbol(type, c, NewsLayout.SYMBOL),
      timestamp: readNumber(type, 'timestamp', c, NewsLayout.TIMESTAMP),
      sentiment,
      score: readNumber(type, 'score', c, NewsLayout.SCORE),
      headline: readText(type, 'headline', c, NewsLayout.TEXT, headlineBytes, MAX_TEXT_LENGTH),
      sequence: readNumber(type, 'sequence', c, NewsLayout.SEQUENCE),
      sentNs: readNumber(type, 'sent_ns', c, NewsLayout.SENT_NS),
    };
  },
  [MessageType.ORDER](c) {
    const type = MessageType.ORDER;
    checkFixed(type, OrderLayout.TEXT, c.length);
    const orderIdBytes = c.view.getUint8(c.base + OrderLayout.ORDER_ID_BYTES);
    const signalDataBytes = c.view.getUint16(c.base + OrderLayout.SIGNAL_DATA_BYTES, true);
    checkLength(type, OrderLayout.TEXT + orderIdBytes + signalDataBytes, c.length);
    const side = readEnum(type, 'side', c.view.getUint8(c.base + OrderLayout.SIDE), isSide);
    const orderType = readEnum(type, 'order_type', c.view.getUint8(c.base + OrderLayout.ORDER_TYPE), isOrderType);
    const timeInForce = readEnum(type, 'time_in_force', c.view.getUint8(c.base + OrderLayout.TIME_IN_FORCE), isTimeInForce);
    const orderId = readId(type, 'order_id', c, OrderLayout.TEXT, orderIdBytes);
    const signalData = signalDataBytes === 0 ? undefined : readSignalData(c, OrderLayout.TEXT + orderIdBytes, signalDataBytes);
    const order: Order = {
      type,
      orderId,
      symbol: readSymbol(type, c, OrderLayout.SYMBOL),
      side,
      orderType,
      timeInForce,
      price: readPrice(type, 'price', c, OrderLayout.PRICE),
      quantity: readNumber(type, 'quantity', c, OrderLayout.QUANTITY),
      timestamp: readNumber(type, 'timestamp', c, OrderLayout.TIMESTAMP),
      tickSentNs: readNumber(type, 'tick_sent_ns', c, OrderLayout.TICK_SENT_NS),
      orderSentNs: readNumber(type, 'order_sent_ns', c, OrderLayout.ORDER_SENT_NS),
    };
    if (signalData !== undefined) order.signalData = signalData;
    return order;
  },
  [MessageType.CANCEL](c) {
    const type = MessageType.CANCEL;
    checkFixed(type, CancelLayout.TEXT, c.length);
    const orderIdBytes = c.view.getUint8(c.base + CancelLayout.ORDER_ID_BYTES);
    checkLength(type, CancelLayout.TEXT + orderIdBytes, c.length);
    const orderId = readId(type, 'order_id', c, CancelLayout.TEXT, orderIdBytes);
    return { type, orderId, symbol: readSymbol(type, c, CancelLayout.SYMBOL), timestamp: readNumber(type, 'timestamp', c, CancelLayout.TIMESTAMP) };
  },
  [MessageType.TRADE_EXECUTION](c) {
    const type = MessageType.TRADE_EXECUTION;
    checkFixed(type, ExecutionLayout.TEXT, c.length);
    const { view, base } = c;
    const executionIdBytes = view.getUint8(base + ExecutionLayout.EXECUTION_ID_BYTES);
    const orderIdBytes = view.getUint8(base + ExecutionLayout.ORDER_ID_BYTES);
    const rejectCodeBytes = view.getUint8(base + ExecutionLayout.REJECT_CODE_BYTES);
    const reasonBytes = view.getUint16(base + ExecutionLayout.REASON_BYTES, true);
    checkLength(type, ExecutionLayout.TEXT + executionIdBytes + orderIdBytes + rejectCodeBytes + reasonBytes, c.length);
    const side = readEnum(type, 'side', view.getUint8(base + ExecutionLayout.SIDE), isSide);
    const orderType = readEnum(type, 'order_type', view.getUint8(base + ExecutionLayout.ORDER_TYPE), isOrderType);
    const timeInForce = readEnum(type, 'time_in_force', view.getUint8(base + ExecutionLayout.TIME_IN_FORCE), isTimeInForce);
    const status = readEnum(type, 'status', view.getUint8(base + ExecutionLayout.STATUS), isExecutionStatus);
    let text = ExecutionLayout.TEXT;
    const executionId = readText(type, 'execution_id', c, text, executionIdBytes, MAX_ID_LENGTH);
    text += executionIdBytes;
    const orderId = readText(type, 'order_id', c, text, orderIdBytes, MAX_ID_LENGTH);
    text += orderIdBytes;
    const rejectCode = readText(type, 'reject_code', c, text, rejectCodeBytes, MAX_ID_LENGTH);
    text += rejectCodeBytes;
    const reason = readText(type, 'reason', c, text, reasonBytes, MAX_TEXT_LENGTH);
    const averagePrice = view.getFloat64(base + ExecutionLayout.AVERAGE_PRICE, true);
    if (!isFractionalPriceUnits(averagePrice)) throw invalidField(type, 'average_price', `expected price units, got ${averagePrice}`);
    return {
      type,
      executionId,
      orderId,
      symbol: readSymbol(type, c, ExecutionLayout.SYMBOL),
      side,
      orderType,
      timeInForce,
      status,
      lastQuantity: readNumber(type, 'quantity', c, ExecutionLayout.LAST_QUANTITY),
      lastPrice: readPrice(type, 'execution_price', c, ExecutionLayout.LAST_PRICE),
      orderPrice: readPrice(type, 'order_price', c, ExecutionLayout.ORDER_PRICE),
      orderQuantity: readNumber(type, 'order_quantity', c, ExecutionLayout.ORDER_QUANTITY),
      filledQuantity: readNumber(type, 'filled_quantity', c, ExecutionLayout.FILLED_QUANTITY),
      leavesQuantity: readNumber(type, 'leaves_quantity', c, ExecutionLayout.LEAVES_QUANTITY),
      averagePrice,
      timestamp: readNumber(type, 'timestamp', c, ExecutionLayout.TIMESTAMP),
      rejectCode,
      reason,
      tickSentNs: readNumber(type, 'tick_sent_ns', c, ExecutionLayout.TICK_SENT_NS),
      orderSentNs: readNumber(type, 'order_sent_ns', c, ExecutionLayout.ORDER_SENT_NS),
      sequence: readNumber(type, 'seq', c, ExecutionLayout.SEQUENCE),
    };
  },
  [MessageType.SHUTDOWN](c) {
    const type = MessageType.SHUTDOWN;
    checkFixed(type, ShutdownLayout.TEXT, c.length);
    const reasonBytes = c.view.getUint16(c.base + ShutdownLayout.REASON_BYTES, true);
    checkLength(type, ShutdownLayout.TEXT + reasonBytes, c.length);
    return { type, reason: readText(type, 'reason', c, ShutdownLayout.TEXT, reasonBytes, MAX_TEXT_LENGTH) };
  },
  [MessageType.HELLO](c) {
    const type = MessageType.HELLO;
    checkFixed(type, HelloLayout.TEXT, c.length);
    const nameBytes = c.view.getUint8(c.base + HelloLayout.CLIENT_NAME_BYTES);
    checkLength(type, HelloLayout.TEXT + nameBytes, c.length);
    const flags = c.view.getUint8(c.base + HelloLayout.FLAGS);
    const hello: Hello = {
      type,
      protocolVersion: c.view.getUint16(c.base + HelloLayout.PROTOCOL_VERSION, true),
      clientName: readText(type, 'client_name', c, HelloLayout.TEXT, nameBytes, MAX_ID_LENGTH),
      binary: (flags & HELLO_FLAG_BINARY) !== 0,
    };
    if ((flags & HELLO_FLAG_NO_MARKET_DATA) !== 0) hello.marketData = false;
    if ((flags & HELLO_FLAG_PRIORITY) !== 0) hello.priority = true;
    return hello;
  },
  [MessageType.ERROR](c) {
    const type = MessageType.ERROR;
    checkFixed(type, ErrorLayout.TEXT, c.length);
    const codeBytes = c.view.getUint8(c.base + ErrorLayout.CODE_BYTES);
    const messageBytes = c.view.getUint16(c.base + ErrorLayout.MESSAGE_BYTES, true);
    checkLength(type, ErrorLayout.TEXT + codeBytes + messageBytes, c.length);
    return {
      type,
      code: readText(type, 'code', c, ErrorLayout.TEXT, codeBytes, MAX_ID_LENGTH),
      message: readText(type, 'message', c, ErrorLayout.TEXT + codeBytes, messageBytes, MAX_TEXT_LENGTH),
    };
  },
};

export class BinaryDecoder {
  readonly marketData: MarketData;
  readonly heartbeat: Heartbeat;
  readonly #context: BinaryReadContext;

  constructor(options: BinaryDecoderOptions = {}) {
    this.marketData = options.marketData ?? createMarketData();
    this.heartbeat = options.heartbeat ?? createHeartbeat();
    this.#context = {
      view: new DataView(new ArrayBuffer(0)),
      base: 0,
      buffer: Buffer.alloc(0),
      offset: 0,
      length: 0,
      views: new ViewCache(),
      run: new Float64Run(),
      interner: options.interner ?? new SymbolInterner(),
      marketData: this.marketData,
      heartbeat: this.heartbeat,
    };
  }

  /**
   * Decode the binary payload buffer[offset, offset + length). MARKET_DATA and HEARTBEAT
   * come back as this decoder's reusable objects. Throws TradingError (E_FRAME_TRUNCATED,
   * E_PAYLOAD_MALFORMED, E_PAYLOAD_UNKNOWN_KIND, E_PROTOCOL_VERSION, E_MESSAGE_UNKNOWN_TYPE,
   * E_MESSAGE_INVALID); after an error the reusable objects hold unspecified contents.
   */
  decode(buffer: Buffer, offset: number, length: number): Message {
    if (length < BINARY_PREAMBLE_BYTES) {
      throw new TradingError(ErrorCode.FRAME_TRUNCATED, `binary payload of ${length} bytes has no room for magic and type`);
    }
    checkBinaryMagic(buffer[offset]);
    const type = buffer[offset + TYPE_OFFSET];
    const c = this.#context;
    if (type === MessageType.MARKET_DATA) {
      const views = c.views;
      const view = views.of(buffer);
      return readMarketDataAt(view, views.byteOffset + offset, buffer, offset, length, c.marketData, c.interner, views, c.run);
    }
    const view = c.views.of(buffer);
    c.view = view;
    c.base = c.views.byteOffset + offset;
    c.buffer = buffer;
    c.offset = offset;
    c.length = length;
    const reader = (READERS as Record<number, BinaryReader | undefined>)[type];
    if (reader !== undefined) return reader(c);
    if (type === MessageType.TRADING_SIGNAL || type === MessageType.ORDERBOOK_UPDATE) {
      throw new TradingError(ErrorCode.MESSAGE_UNKNOWN_TYPE, `${messageTypeName(type)} has no binary layout (it travels as JSON)`);
    }
    throw new TradingError(ErrorCode.MESSAGE_UNKNOWN_TYPE, `unknown binary message type ${type}`);
  }
}
