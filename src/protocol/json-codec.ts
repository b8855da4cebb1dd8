/**
 * The seed's JSON payload: UTF-8 `{"type": <int>, "data": {...}}`, as the seed's Python
 * builds it with `json.dumps`. Frames from the seed decode here and ours decode there.
 *
 * Field names are the seed's (design.md, "Wire protocol"); ours are extra snake_case
 * fields that a seed peer ignores. Prices are decimals on the wire and integer price
 * units in memory (core/fixed-point); timestamps are epoch seconds (float).
 *
 * Defaults for fields the seed does not send (decode only; we always send every field):
 * - every message: `sequence`, `sent_ns`, `tick_sent_ns`, `order_sent_ns` → 0.
 * - ORDER: `order_type` → "LIMIT", `time_in_force` → "IOC" (a seed order is LIMIT/IOC);
 *   `price` may be absent only for a MARKET order (→ 0); `signal_data` optional.
 * - TRADE_EXECUTION: the seed's `quantity` and `execution_price` are this fill's quantity
 *   and price; `order_type` → LIMIT, `time_in_force` → IOC, `order_quantity` and
 *   `filled_quantity` → `quantity`, `leaves_quantity` → 0, `average_price` →
 *   `execution_price`, `reject_code` and `reason` → "".
 * - HEARTBEAT: `timestamp` → 0. SHUTDOWN: `reason` → "". HELLO: `client_name` → "",
 *   `binary` → false. CANCEL: `timestamp` → 0.
 * Enumerations travel as the seed's strings: side "BUY"/"SELL", sentiment
 * "positive"/"negative"/"neutral", status "NEW"/"PARTIALLY_FILLED"/"FILLED"/"CANCELED"/
 * "REJECTED", order_type "LIMIT"/"MARKET", time_in_force "IOC"/"DAY".
 *
 * Unknown fields are ignored (a newer peer may add some). TRADING_SIGNAL (3) and
 * ORDERBOOK_UPDATE (6) have no schema in the seed and decode as OpaqueMessage.
 *
 * Encoding builds the text by hand (MARKET_DATA is the hot one); decoding is JSON.parse
 * followed by validation, except for MARKET_DATA in its usual shape, which a dedicated
 * parser decodes to the same result (json-fast-path.ts). Errors: text that is not JSON, or JSON that is not an object →
 * E_PAYLOAD_MALFORMED; a missing or mistyped field → E_MESSAGE_INVALID naming it; a type
 * number we do not know → E_MESSAGE_UNKNOWN_TYPE.
 */
import { ErrorCode, TradingError } from '../core/errors.js';
import { PRICE_SCALE } from '../core/fixed-point.js';
import { AsciiView, MAX_NUMBER_CHARS, asciiConstant, numberSlot, writeAsciiText, writeConstant, writeNumberInSlot, writePrice } from './ascii-writer.js';
import { assertEncodable, checkLevelCounts, checkMarketData } from './encodable.js';
import {
  EXECUTION_STATUS_NAMES,
  MessageType,
  ORDER_TYPE_NAMES,
  OrderType,
  SENTIMENT_NAMES,
  SIDE_NAMES,
  TIME_IN_FORCE_NAMES,
  TimeInForce,
} from './messages.js';
import type {
  Cancel,
  ErrorMessage,
  ExecutionReport,
  ExecutionStatus,
  Heartbeat,
  Hello,
  MarketData,
  Message,
  NewsSentiment,
  OpaqueMessage,
  Order,
  Sentiment,
  Side,
  Shutdown,
} from './messages.js';
import { MarketDataFastPath } from './json-fast-path.js';
import { createHeartbeat, createMarketData } from './reusable-messages.js';
import { SymbolInterner } from './symbol-interner.js';
import {
  MAX_ID_LENGTH,
  MAX_PRICE_UNITS,
  MAX_PROTOCOL_VERSION,
  MAX_TEXT_LENGTH,
  invalidField,
  isFiniteNumber,
  isPriceUnits,
  isSymbol,
} from './validation.js';

// ---------------------------------------------------------------------------------------
// Encoding

/** ".5", ".0001", "" for 0: the decimal fraction of 0..9999 price units, trailing zeros cut. */
const FRACTION_TEXT: readonly string[] = Array.from({ length: PRICE_SCALE }, (_, units) =>
  units === 0 ? '' : '.' + String(units).padStart(4, '0').replace(/0+$/, ''),
);

/**
 * Integer price units as an exact decimal (1895000 → "189.5"), built from two integers
 * and a table instead of formatting a float. Fractional units (an average price) fall
 * back to the float's shortest form.
 */
export function priceText(units: number): string {
  if (units - Math.trunc(units) !== 0) return String(units / PRICE_SCALE);
  if (units < 0) return '-' + priceText(-units);
  const whole = Math.floor(units / PRICE_SCALE);
  return whole + FRACTION_TEXT[units - whole * PRICE_SCALE];
}

function numberText(type: number, field: string, value: number): string {
  if (!isFiniteNumber(value)) throw invalidField(type, field, `expected a finite number, got ${value}`);
  return '' + value;
}

function checkedPriceText(type: number, field: string, units: number): string {
  if (!isPriceUnits(units)) throw invalidField(type, field, `expected integer price units, got ${units}`);
  return priceText(units);
}

function levelsText(field: string, count: number, prices: Float64Array, sizes: Float64Array): string {
  const type = MessageType.MARKET_DATA;
  let text = '[';
  for (let i = 0; i < count; i++) {
    if (i > 0) text += ',';
    text += '[' + checkedPriceText(type, field, prices[i]) + ',' + numberText(type, field, sizes[i]) + ']';
  }
  return text + ']';
}

function marketDataText(m: MarketData): string {
  checkLevelCounts(m);
  const type = MessageType.MARKET_DATA;
  if (!isSymbol(m.symbol)) throw invalidField(type, 'symbol', `expected 1-8 of A-Z 0-9 . - _, got ${JSON.stringify(m.symbol)}`);
  return (
    '{"type":1,"data":{"symbol":"' +
    m.symbol +
    '","timestamp":' +
    numberText(type, 'timestamp', m.timestamp) +
    ',"bids":' +
    levelsText('bids', m.bidCount, m.bidPrices, m.bidSizes) +
    ',"asks":' +
    levelsText('asks', m.askCount, m.askPrices, m.askSizes) +
    ',"last_price":' +
    checkedPriceText(type, 'last_price', m.lastPrice) +
    ',"volume":' +
    numberText(type, 'volume', m.volume) +
    ',"sequence":' +
    numberText(type, 'sequence', m.sequence) +
    ',"sent_ns":' +
    numberText(type, 'sent_ns', m.sentNs) +
    '}}'
  );
}

function signalDataText(signalData: Record<string, unknown>): string {
  try {
    return JSON.stringify(signalData);
  } catch (err) {
    throw invalidField(MessageType.ORDER, 'signal_data', `not serialisable as JSON (${(err as Error).message})`);
  }
}

function orderText(m: Order): string {
  return (
    '{"type":4,"data":{"order_id":' +
    JSON.stringify(m.orderId) +
    ',"symbol":"' +
    m.symbol +
    '","side":"' +
    SIDE_NAMES[m.side] +
    '","price":' +
    priceText(m.price) +
    ',"quantity":' +
    m.quantity +
    ',"timestamp":' +
    m.timestamp +
    (m.signalData === undefined ? '' : ',"signal_data":' + signalDataText(m.signalData)) +
    ',"order_type":"' +
    ORDER_TYPE_NAMES[m.orderType] +
    '","time_in_force":"' +
    TIME_IN_FORCE_NAMES[m.timeInForce] +
    '","tick_sent_ns":' +
    m.tickSentNs +
    ',"order_sent_ns":' +
    m.orderSentNs +
    '}}'
  );
}

function executionText(m: ExecutionReport): string {
  return (
    '{"type":5,"data":{"execution_id":' +
    JSON.stringify(m.executionId) +
    ',"order_id":' +
    JSON.stringify(m.orderId) +
    ',"symbol":"' +
    m.symbol +
    '","side":"' +
    SIDE_NAMES[m.side] +
    '","quantity":' +
    m.lastQuantity +
    ',"order_price":' +
    priceText(m.orderPrice) +
    ',"execution_price":' +
    priceText(m.lastPrice) +
    ',"timestamp":' +
    m.timestamp +
    ',"status":"' +
    EXECUTION_STATUS_NAMES[m.status] +
    '","order_type":"' +
    ORDER_TYPE_NAMES[m.orderType] +
    '","time_in_force":"' +
    TIME_IN_FORCE_NAMES[m.timeInForce] +
    '","order_quantity":' +
    m.orderQuantity +
    ',"filled_quantity":' +
    m.filledQuantity +
    ',"leaves_quantity":' +
    m.leavesQuantity +
    ',"average_price":' +
    priceText(m.averagePrice) +
    ',"reject_code":' +
    JSON.stringify(m.rejectCode) +
    ',"reason":' +
    JSON.stringify(m.reason) +
    ',"tick_sent_ns":' +
    m.tickSentNs +
    ',"order_sent_ns":' +
    m.orderSentNs +
    '}}'
  );
}

function otherText(message: Exclude<Message, MarketData | Order | ExecutionReport>): string {
  switch (message.type) {
    case MessageType.NEWS_SENTIMENT:
      return (
        '{"type":2,"data":{"symbol":"' +
        message.symbol +
        '","timestamp":' +
        message.timestamp +
        ',"sentiment":"' +
        SENTIMENT_NAMES[message.sentiment] +
        '","score":' +
        message.score +
        ',"headline":' +
        JSON.stringify(message.headline) +
        ',"sequence":' +
        message.sequence +
        ',"sent_ns":' +
        message.sentNs +
        '}}'
      );
    case MessageType.CANCEL:
      return (
        '{"type":10,"data":{"order_id":' +
        JSON.stringify(message.orderId) +
        ',"symbol":"' +
        message.symbol +
        '","timestamp":' +
        message.timestamp +
        '}}'
      );
    case MessageType.HEARTBEAT:
      return '{"type":7,"data":{"timestamp":' + message.timestamp + ',"sent_ns":' + message.sentNs + '}}';
    case MessageType.SHUTDOWN:
      return '{"type":8,"data":{"reason":' + JSON.stringify(message.reason) + '}}';
    case MessageType.HELLO:
      return (
        '{"type":9,"data":{"protocol_version":' +
        message.protocolVersion +
        ',"client_name":' +
        JSON.stringify(message.clientName) +
        ',"binary":' +
        message.binary +
        '}}'
      );
    case MessageType.ERROR:
      return '{"type":11,"data":{"code":' + JSON.stringify(message.code) + ',"message":' + JSON.stringify(message.message) + '}}';
    case MessageType.TRADING_SIGNAL:
    case MessageType.ORDERBOOK_UPDATE: {
      let data: string;
      try {
        data = JSON.stringify(message.data);
      } catch (err) {
        throw invalidField(message.type, 'data', `not serialisable as JSON (${(err as Error).message})`);
      }
      return '{"type":' + message.type + ',"data":' + data + '}';
    }
  }
}

/**
 * The JSON payload text of `message`. Throws E_MESSAGE_INVALID for a message our decoders
 * would refuse (e.g. a NaN price, which JSON cannot even carry).
 */
export function encodeJsonPayload(message: Message): string {
  if (message.type === MessageType.MARKET_DATA) return marketDataText(message);
  assertEncodable(message);
  if (message.type === MessageType.ORDER) return orderText(message);
  if (message.type === MessageType.TRADE_EXECUTION) return executionText(message);
  return otherText(message);
}

/** UTF-8 bytes of the JSON payload of `message`. */
export function jsonPayloadLength(message: Message): number {
  return Buffer.byteLength(encodeJsonPayload(message), 'utf8');
}

/** Longest UTF-8 sequence one UTF-16 unit can need when the write stops short. */
const MAX_UTF8_SEQUENCE = 4;

const MARKET_DATA_HEAD = asciiConstant('{"type":1,"data":{"symbol":"');
const MARKET_DATA_TIMESTAMP = asciiConstant('","timestamp":');
const MARKET_DATA_BIDS = asciiConstant(',"bids":[');
const MARKET_DATA_ASKS = asciiConstant('],"asks":[');
const MARKET_DATA_LAST_PRICE = asciiConstant('],"last_price":');
const MARKET_DATA_VOLUME = asciiConstant(',"volume":');
const MARKET_DATA_SEQUENCE = asciiConstant(',"sequence":');
const MARKET_DATA_SENT_NS = asciiConstant(',"sent_ns":');
const MARKET_DATA_TAIL = asciiConstant('}}');
/** Constant text of a MARKET_DATA payload, symbol included (≤ 8), with margin. */
const MARKET_DATA_FIXED_CHARS = 160;
/** Per level: "[", price, ",", size, "]", ",". */
const MARKET_DATA_LEVEL_CHARS = 2 * MAX_NUMBER_CHARS + 4;

/** An upper bound of a MARKET_DATA payload's JSON bytes. */
function marketDataJsonBound(m: MarketData): number {
  return MARKET_DATA_FIXED_CHARS + 5 * MAX_NUMBER_CHARS + MARKET_DATA_LEVEL_CHARS * (m.bidCount + m.askCount);
}

/**
 * Throws what checkMarketData finds first. Called when the writer's own checks (the same
 * conditions, tested while it walks the message) found something wrong, so that the
 * error is the same whichever field the writer met first.
 */
function refuseMarketData(m: MarketData): never {
  checkMarketData(m);
  throw invalidField(MessageType.MARKET_DATA, 'data', 'refused by the writer, accepted by checkMarketData'); // unreachable
}

/** The levels as [[price,size],...] without the brackets around them, or -1 for a bad price or size. */
function writeLevels(target: Buffer, position: number, count: number, prices: Float64Array, sizes: Float64Array): number {
  let at = position;
  for (let i = 0; i < count; i++) {
    const price = prices[i];
    const size = sizes[i];
    if (!isPriceUnits(price) || !isFiniteNumber(size)) return -1;
    if (i > 0) target[at++] = 0x2c; // ,
    target[at++] = 0x5b; // [
    at = writePrice(target, at, price);
    target[at++] = 0x2c;
    numberSlot[0] = size;
    at = writeNumberInSlot(target, at);
    target[at++] = 0x5d; // ]
  }
  return at;
}

/**
 * MARKET_DATA written byte by byte into target (which must hold marketDataJsonBound bytes
 * from offset): the same text as marketDataText, without building a string first. It
 * checks what checkMarketData checks as it goes, in one pass, and on a bad field lets
 * checkMarketData throw (so the error is checkMarketData's); bytes may have been written.
 */
function writeMarketDataJson(m: MarketData, target: Buffer, offset: number, views: AsciiView): number {
  const symbol = m.symbol;
  if (typeof symbol !== 'string' || !isSymbol(symbol)) refuseMarketData(m);
  checkLevelCounts(m);
  const timestamp = m.timestamp;
  const lastPrice = m.lastPrice;
  const volume = m.volume;
  const sequence = m.sequence;
  const sentNs = m.sentNs;
  if (
    !(
      typeof timestamp === 'number' &&
      isFiniteNumber(timestamp) &&
      typeof lastPrice === 'number' &&
      isPriceUnits(lastPrice) &&
      typeof volume === 'number' &&
      isFiniteNumber(volume) &&
      typeof sequence === 'number' &&
      isFiniteNumber(sequence) &&
      typeof sentNs === 'number' &&
      isFiniteNumber(sentNs)
    )
  ) {
    refuseMarketData(m);
  }
  const view = views.of(target);
  const shift = views.shift;
  // Numbers go through numberSlot: writeNumber is not inlined here, and a double passed
  // to it (the timestamp) was a heap number per message (16 bytes, measured).
  let at = writeConstant(view, shift, target, offset, MARKET_DATA_HEAD);
  at = writeAsciiText(target, at, symbol);
  at = writeConstant(view, shift, target, at, MARKET_DATA_TIMESTAMP);
  numberSlot[0] = timestamp;
  at = writeNumberInSlot(target, at);
  at = writeConstant(view, shift, target, at, MARKET_DATA_BIDS);
  at = writeLevels(target, at, m.bidCount, m.bidPrices, m.bidSizes);
  if (at < 0) refuseMarketData(m);
  at = writeConstant(view, shift, target, at, MARKET_DATA_ASKS);
  at = writeLevels(target, at, m.askCount, m.askPrices, m.askSizes);
  if (at < 0) refuseMarketData(m);
  at = writeConstant(view, shift, target, at, MARKET_DATA_LAST_PRICE);
  at = writePrice(target, at, lastPrice);
  at = writeConstant(view, shift, target, at, MARKET_DATA_VOLUME);
  numberSlot[0] = volume;
  at = writeNumberInSlot(target, at);
  at = writeConstant(view, shift, target, at, MARKET_DATA_SEQUENCE);
  numberSlot[0] = sequence;
  at = writeNumberInSlot(target, at);
  at = writeConstant(view, shift, target, at, MARKET_DATA_SENT_NS);
  numberSlot[0] = sentNs;
  at = writeNumberInSlot(target, at);
  at = writeConstant(view, shift, target, at, MARKET_DATA_TAIL);
  return at - offset;
}

export class JsonEncoder {
  readonly #views = new AsciiView();

  /**
   * Write the JSON payload of `message` at target[offset..]. Returns the bytes written, or
   * 0 when the target has no room (grow it to jsonPayloadLength(message) and call again).
   * Throws E_MESSAGE_INVALID like encodeJsonPayload.
   */
  encode(message: Message, target: Buffer, offset: number): number {
    const room = target.length - offset;
    if (message.type === MessageType.MARKET_DATA && marketDataJsonBound(message) <= room) {
      return writeMarketDataJson(message, target, offset, this.#views);
    }
    const text = encodeJsonPayload(message);
    if (message.type === MessageType.MARKET_DATA || message.type === MessageType.HEARTBEAT) {
      // Pure ASCII: symbols are validated and numbers format as ASCII, so bytes = characters.
      if (text.length > room) return 0;
      return target.write(text, offset, 'latin1');
    }
    if (text.length > room) return 0;
    const written = target.write(text, offset, 'utf8');
    // utf8 writes stop before a character that does not fit, so a short write ends
    // within one sequence of the end of the room.
    if (written > room - MAX_UTF8_SEQUENCE && Buffer.byteLength(text, 'utf8') > written) return 0;
    return written;
  }
}

// ---------------------------------------------------------------------------------------
// Decoding

type JsonObject = Record<string, unknown>;

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function missingOrWrong(type: number, field: string, expected: string, value: unknown): TradingError {
  return invalidField(type, field, value === undefined ? `missing (expected ${expected})` : `expected ${expected}, got ${describe(value)}`);
}

/** A finite number: JSON has no NaN, but "1e400" parses to Infinity. */
function numberField(type: number, data: JsonObject, field: string): number {
  const value = data[field];
  if (typeof value !== 'number' || !isFiniteNumber(value)) throw missingOrWrong(type, field, 'a finite number', value);
  return value;
}

function optionalNumberField(type: number, data: JsonObject, field: string, fallback: number): number {
  return data[field] === undefined ? fallback : numberField(type, data, field);
}

const MAX_DECIMAL_PRICE = MAX_PRICE_UNITS / PRICE_SCALE;

/** A decimal price within ±MAX_PRICE_UNITS units (rejects NaN, ±Infinity such as "1e400"). */
function decimalPrice(type: number, field: string, value: unknown): number {
  if (typeof value !== 'number') throw missingOrWrong(type, field, 'a decimal price', value);
  if (!(value <= MAX_DECIMAL_PRICE && value >= -MAX_DECIMAL_PRICE)) {
    throw invalidField(type, field, `price ${value} outside ±${MAX_DECIMAL_PRICE}`);
  }
  return value;
}

/** Decimal → integer price units (nearest unit). */
function priceValue(type: number, field: string, value: unknown): number {
  return Math.round(decimalPrice(type, field, value) * PRICE_SCALE) + 0; // + 0 turns -0 into 0
}

/**
 * Average price: a mean of fills may fall between units, so it is not rounded to one;
 * only the float noise of decimal → units is removed (the two roundings of units → decimal
 * → units stay within a few ulps, 4 ε relative).
 */
function averagePriceValue(type: number, field: string, value: unknown): number {
  const scaled = decimalPrice(type, field, value) * PRICE_SCALE;
  const rounded = Math.round(scaled);
  return Math.abs(scaled - rounded) <= Math.abs(scaled) * 4 * Number.EPSILON ? rounded + 0 : scaled;
}

function stringField(type: number, data: JsonObject, field: string, minLength: number, maxLength: number): string {
  const value = data[field];
  if (typeof value !== 'string') throw missingOrWrong(type, field, 'a string', value);
  if (value.length < minLength || value.length > maxLength) {
    throw invalidField(type, field, `length ${value.length} outside ${minLength}..${maxLength}`);
  }
  return value;
}

function optionalStringField(type: number, data: JsonObject, field: string, maxLength: number): string {
  return data[field] === undefined ? '' : stringField(type, data, field, 0, maxLength);
}

function symbolField(type: number, data: JsonObject): string {
  const value = data.symbol;
  if (typeof value !== 'string') throw missingOrWrong(type, 'symbol', 'a symbol string', value);
  if (!isSymbol(value)) throw invalidField(type, 'symbol', `expected 1-8 of A-Z 0-9 . - _, got ${JSON.stringify(value.slice(0, 16))}`);
  return value;
}

/** Name → value tables as Maps, so that "constructor" or "__proto__" never match. */
function namesToValues<T extends number>(names: Record<T, string>): Map<string, T> {
  const entries = Object.entries(names).map(([value, name]): [string, T] => [name as string, Number(value) as T]);
  return new Map(entries.sort((a, b) => a[1] - b[1]));
}
const SIDE_VALUES = namesToValues(SIDE_NAMES);
const ORDER_TYPE_VALUES = namesToValues(ORDER_TYPE_NAMES);
const TIME_IN_FORCE_VALUES = namesToValues(TIME_IN_FORCE_NAMES);
const STATUS_VALUES = namesToValues(EXECUTION_STATUS_NAMES);
const SENTIMENT_VALUES = namesToValues(SENTIMENT_NAMES);

function enumField<T extends number>(type: number, data: JsonObject, field: string, values: Map<string, T>, fallback?: T): T {
  const value = data[field];
  if (value === undefined && fallback !== undefined) return fallback;
  const found = typeof value === 'string' ? values.get(value) : undefined;
  if (found === undefined) {
    throw invalidField(type, field, `expected one of ${[...values.keys()].join('/')}, got ${value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 32)}`);
  }
  return found;
}

function levelsInto(data: JsonObject, field: 'bids' | 'asks', prices: Float64Array, sizes: Float64Array): number {
  const type = MessageType.MARKET_DATA;
  const levels = data[field];
  if (!Array.isArray(levels)) throw missingOrWrong(type, field, 'an array of [price, size]', levels);
  const count = levels.length;
  if (count > prices.length) throw invalidField(type, field, `${count} levels exceed the maximum of ${prices.length}`);
  for (let i = 0; i < count; i++) {
    const level: unknown = levels[i];
    if (!Array.isArray(level) || level.length !== 2) throw invalidField(type, field, `level ${i}: expected [price, size]`);
    const size: unknown = level[1];
    if (typeof size !== 'number' || !isFiniteNumber(size)) throw invalidField(type, field, `level ${i}: size is not a finite number`);
    prices[i] = priceValue(type, field, level[0]);
    sizes[i] = size;
  }
  return count;
}

export interface JsonDecoderOptions {
  /** Where MARKET_DATA is decoded (default: a new one with MAX_BOOK_DEPTH levels per side). */
  marketData?: MarketData;
  /** Where HEARTBEAT is decoded (default: a new one). */
  heartbeat?: Heartbeat;
  /** Symbol cache for MARKET_DATA's fast path (default: a new one). */
  interner?: SymbolInterner;
}

export class JsonDecoder {
  readonly marketData: MarketData;
  readonly heartbeat: Heartbeat;
  readonly #fastPath: MarketDataFastPath;

  constructor(options: JsonDecoderOptions = {}) {
    this.marketData = options.marketData ?? createMarketData();
    this.heartbeat = options.heartbeat ?? createHeartbeat();
    this.#fastPath = new MarketDataFastPath(options.interner ?? new SymbolInterner());
  }

  /**
   * Decode the JSON payload buffer[offset, offset + length) (invalid UTF-8 becomes U+FFFD).
   * MARKET_DATA and HEARTBEAT come back as this decoder's reusable objects, valid until
   * the next decode; after an error they hold unspecified contents.
   *
   * MARKET_DATA in its usual shape takes a fast path (json-fast-path.ts) that yields the
   * same message without JSON.parse; everything else, and anything that path does not
   * recognise, goes through JSON.parse and the validation below.
   */
  decode(buffer: Buffer, offset: number, length: number): Message {
    if (this.#fastPath.decode(buffer, offset, length, this.marketData)) return this.marketData;
    let root: unknown;
    try {
      root = JSON.parse(buffer.toString('utf8', offset, offset + length));
    } catch (err) {
      throw new TradingError(ErrorCode.PAYLOAD_MALFORMED, `payload is not valid JSON: ${(err as Error).message}`);
    }
    return this.decodeValue(root);
  }

  /** Decode an already parsed `{"type": n, "data": {...}}` value. */
  decodeValue(root: unknown): Message {
    if (!isJsonObject(root)) throw new TradingError(ErrorCode.PAYLOAD_MALFORMED, `JSON payload is ${describe(root)}, not an object`);
    const type = root.type;
    if (typeof type !== 'number' || !Number.isInteger(type)) {
      throw new TradingError(ErrorCode.MESSAGE_INVALID, `field 'type': ${type === undefined ? 'missing' : `expected an integer, got ${describe(type)}`}`);
    }
    if (type < MessageType.MARKET_DATA || type > MessageType.ERROR) {
      throw new TradingError(ErrorCode.MESSAGE_UNKNOWN_TYPE, `unknown message type ${type}`);
    }
    const data = root.data;
    if (!isJsonObject(data)) throw missingOrWrong(type, 'data', 'an object', data);
    switch (type) {
      case MessageType.MARKET_DATA:
        return this.#marketData(data);
      case MessageType.HEARTBEAT: {
        const heartbeat = this.heartbeat;
        heartbeat.timestamp = optionalNumberField(type, data, 'timestamp', 0);
        heartbeat.sentNs = optionalNumberField(type, data, 'sent_ns', 0);
        return heartbeat;
      }
      case MessageType.NEWS_SENTIMENT:
        return news(data);
      case MessageType.ORDER:
        return order(data);
      case MessageType.TRADE_EXECUTION:
        return execution(data);
      case MessageType.CANCEL:
        return cancel(data);
      case MessageType.SHUTDOWN:
        return { type, reason: optionalStringField(type, data, 'reason', MAX_TEXT_LENGTH) } satisfies Shutdown;
      case MessageType.HELLO:
        return hello(data);
      case MessageType.ERROR:
        return {
          type,
          code: stringField(type, data, 'code', 0, MAX_ID_LENGTH),
          message: stringField(type, data, 'message', 0, MAX_TEXT_LENGTH),
        } satisfies ErrorMessage;
      default:
        return { type: type as OpaqueMessage['type'], data } satisfies OpaqueMessage;
    }
  }

  #marketData(data: JsonObject): MarketData {
    const type = MessageType.MARKET_DATA;
    const target = this.marketData;
    target.symbol = symbolField(type, data);
    target.timestamp = numberField(type, data, 'timestamp');
    target.bidCount = levelsInto(data, 'bids', target.bidPrices, target.bidSizes);
    target.askCount = levelsInto(data, 'asks', target.askPrices, target.askSizes);
    target.lastPrice = priceValue(type, 'last_price', data.last_price);
    target.volume = numberField(type, data, 'volume');
    target.sequence = optionalNumberField(type, data, 'sequence', 0);
    target.sentNs = optionalNumberField(type, data, 'sent_ns', 0);
    return target;
  }
}

function news(data: JsonObject): NewsSentiment {
  const type = MessageType.NEWS_SENTIMENT;
  return {
    type,
    symbol: symbolField(type, data),
    timestamp: numberField(type, data, 'timestamp'),
    sentiment: enumField<Sentiment>(type, data, 'sentiment', SENTIMENT_VALUES),
    score: numberField(type, data, 'score'),
    headline: stringField(type, data, 'headline', 0, MAX_TEXT_LENGTH),
    sequence: optionalNumberField(type, data, 'sequence', 0),
    sentNs: optionalNumberField(type, data, 'sent_ns', 0),
  };
}

function order(data: JsonObject): Order {
  const type = MessageType.ORDER;
  const orderType = enumField<OrderType>(type, data, 'order_type', ORDER_TYPE_VALUES, OrderType.LIMIT);
  const signalData = data.signal_data;
  if (signalData !== undefined && !isJsonObject(signalData)) throw missingOrWrong(type, 'signal_data', 'an object', signalData);
  const result: Order = {
    type,
    orderId: stringField(type, data, 'order_id', 1, MAX_ID_LENGTH),
    symbol: symbolField(type, data),
    side: enumField<Side>(type, data, 'side', SIDE_VALUES),
    orderType,
    timeInForce: enumField<TimeInForce>(type, data, 'time_in_force', TIME_IN_FORCE_VALUES, TimeInForce.IOC),
    price: orderType === OrderType.MARKET && data.price === undefined ? 0 : priceValue(type, 'price', data.price),
    quantity: numberField(type, data, 'quantity'),
    timestamp: numberField(type, data, 'timestamp'),
    tickSentNs: optionalNumberField(type, data, 'tick_sent_ns', 0),
    orderSentNs: optionalNumberField(type, data, 'order_sent_ns', 0),
  };
  if (signalData !== undefined) result.signalData = signalData;
  return result;
}

function execution(data: JsonObject): ExecutionReport {
  const type = MessageType.TRADE_EXECUTION;
  const lastQuantity = numberField(type, data, 'quantity');
  const lastPrice = priceValue(type, 'execution_price', data.execution_price);
  return {
    type,
    executionId: stringField(type, data, 'execution_id', 0, MAX_ID_LENGTH),
    orderId: stringField(type, data, 'order_id', 0, MAX_ID_LENGTH),
    symbol: symbolField(type, data),
    side: enumField<Side>(type, data, 'side', SIDE_VALUES),
    orderType: enumField<OrderType>(type, data, 'order_type', ORDER_TYPE_VALUES, OrderType.LIMIT),
    timeInForce: enumField<TimeInForce>(type, data, 'time_in_force', TIME_IN_FORCE_VALUES, TimeInForce.IOC),
    status: enumField<ExecutionStatus>(type, data, 'status', STATUS_VALUES),
    lastQuantity,
    lastPrice,
    orderPrice: priceValue(type, 'order_price', data.order_price),
    orderQuantity: optionalNumberField(type, data, 'order_quantity', lastQuantity),
    filledQuantity: optionalNumberField(type, data, 'filled_quantity', lastQuantity),
    leavesQuantity: optionalNumberField(type, data, 'leaves_quantity', 0),
    averagePrice: data.average_price === undefined ? lastPrice : averagePriceValue(type, 'average_price', data.average_price),
    timestamp: numberField(type, data, 'timestamp'),
    rejectCode: optionalStringField(type, data, 'reject_code', MAX_ID_LENGTH),
    reason: optionalStringField(type, data, 'reason', MAX_TEXT_LENGTH),
    tickSentNs: optionalNumberField(type, data, 'tick_sent_ns', 0),
    orderSentNs: optionalNumberField(type, data, 'order_sent_ns', 0),
  };
}

function cancel(data: JsonObject): Cancel {
  const type = MessageType.CANCEL;
  return {
    type,
    orderId: stringField(type, data, 'order_id', 1, MAX_ID_LENGTH),
    symbol: symbolField(type, data),
    timestamp: optionalNumberField(type, data, 'timestamp', 0),
  };
}

function hello(data: JsonObject): Hello {
  const type = MessageType.HELLO;
  const version = data.protocol_version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0 || version > MAX_PROTOCOL_VERSION) {
    throw missingOrWrong(type, 'protocol_version', `an integer in 0..${MAX_PROTOCOL_VERSION}`, version);
  }
  const binary = data.binary;
  if (binary !== undefined && typeof binary !== 'boolean') throw missingOrWrong(type, 'binary', 'a boolean', binary);
  return { type, protocolVersion: version, clientName: optionalStringField(type, data, 'client_name', MAX_ID_LENGTH), binary: binary === true };
}
