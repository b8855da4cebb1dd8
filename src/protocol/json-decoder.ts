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
 * This file decodes; json-encoder.ts encodes. Each message type is read in one place:
 * MARKET_DATA by json-market-data.ts (straight from the bytes, or from the parsed object
 * through the same parser), every other type by its entry in READERS below, from the
 * object JSON.parse makes. Errors: text that is not JSON, or JSON that is not an object →
 * E_PAYLOAD_MALFORMED; a missing or mistyped field → E_MESSAGE_INVALID naming it; a type
 * number we do not know → E_MESSAGE_UNKNOWN_TYPE.
 */
import { ErrorCode, TradingError } from '../core/errors.js';
import {
  ORDER_TYPE_VALUES,
  SENTIMENT_VALUES,
  SIDE_VALUES,
  STATUS_VALUES,
  TIME_IN_FORCE_VALUES,
  averagePriceValue,
  describe,
  enumField,
  isJsonObject,
  missingOrWrong,
  numberField,
  optionalNumberField,
  optionalStringField,
  priceValue,
  stringField,
  symbolField,
} from './json-fields.js';
import type { JsonObject } from './json-fields.js';
import { signalDataJson } from './encodable.js';
import { MarketDataJsonDecoder } from './json-market-data.js';
import { MessageType, OrderType, TimeInForce } from './messages.js';
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
import { createHeartbeat, createMarketData } from './reusable-messages.js';
import { SymbolInterner } from './symbol-interner.js';
import { MAX_ID_LENGTH, MAX_PROTOCOL_VERSION, MAX_TEXT_LENGTH, MAX_WORKING_ORDER_IDS } from './validation.js';

export interface JsonDecoderOptions {
  /** Where MARKET_DATA is decoded (default: a new one with MAX_BOOK_DEPTH levels per side). */
  marketData?: MarketData;
  /** Where HEARTBEAT is decoded (default: a new one). */
  heartbeat?: Heartbeat;
  /** Symbol cache for MARKET_DATA (default: a new one). */
  interner?: SymbolInterner;
}

/** How one message type other than MARKET_DATA is read from its `data` object. Add an entry to READERS for a new type. */
type JsonReader = (data: JsonObject, decoder: JsonDecoder) => Message;

export class JsonDecoder {
  readonly marketData: MarketData;
  readonly heartbeat: Heartbeat;
  readonly #marketDataDecoder: MarketDataJsonDecoder;

  constructor(options: JsonDecoderOptions = {}) {
    this.marketData = options.marketData ?? createMarketData();
    this.heartbeat = options.heartbeat ?? createHeartbeat();
    this.#marketDataDecoder = new MarketDataJsonDecoder(options.interner ?? new SymbolInterner());
  }

  /**
   * Decode the JSON payload buffer[offset, offset + length) (invalid UTF-8 becomes U+FFFD).
   * MARKET_DATA and HEARTBEAT come back as this decoder's reusable objects, valid until
   * the next decode; after an error they hold unspecified contents.
   *
   * MARKET_DATA in its usual shape is decoded straight from the bytes (json-market-data.ts)
   * without JSON.parse; everything else goes through JSON.parse and decodeValue.
   */
  decode(buffer: Buffer, offset: number, length: number): Message {
    if (this.#marketDataDecoder.decode(buffer, offset, length, this.marketData)) return this.marketData;
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
    const reader = (READERS as Record<number, JsonReader | undefined>)[type];
    if (reader === undefined) throw new TradingError(ErrorCode.MESSAGE_UNKNOWN_TYPE, `unknown message type ${type}`);
    const data = root.data;
    if (!isJsonObject(data)) throw missingOrWrong(type, 'data', 'an object', data);
    return reader(data, this);
  }

  /** MARKET_DATA from its parsed `data` object, through the one MARKET_DATA decoder. */
  marketDataFrom(data: JsonObject): MarketData {
    return this.#marketDataDecoder.decodeParsed(data, this.marketData);
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
  if (signalData !== undefined) signalDataJson(signalData); // its size: what binary can carry too
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
    sequence: optionalNumberField(type, data, 'seq', 0),
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

/** A server HELLO's `working`: an array of order ids, at most MAX_WORKING_ORDER_IDS. */
function workingOrderIds(value: unknown): string[] {
  const type = MessageType.HELLO;
  if (!Array.isArray(value) || value.length > MAX_WORKING_ORDER_IDS) throw missingOrWrong(type, 'working', `an array of at most ${MAX_WORKING_ORDER_IDS} order ids`, value);
  for (const id of value as unknown[]) {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) throw missingOrWrong(type, 'working', `order ids of 1-${MAX_ID_LENGTH} characters`, id);
  }
  return value as string[];
}

function hello(data: JsonObject): Hello {
  const type = MessageType.HELLO;
  const version = data.protocol_version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0 || version > MAX_PROTOCOL_VERSION) {
    throw missingOrWrong(type, 'protocol_version', `an integer in 0..${MAX_PROTOCOL_VERSION}`, version);
  }
  const binary = data.binary;
  if (binary !== undefined && typeof binary !== 'boolean') throw missingOrWrong(type, 'binary', 'a boolean', binary);
  const hello: Hello = { type, protocolVersion: version, clientName: optionalStringField(type, data, 'client_name', MAX_ID_LENGTH), binary: binary === true };
  // the session layer's fields (src/session/): JSON only
  if (data.auth_token !== undefined) hello.authToken = optionalStringField(type, data, 'auth_token', MAX_TEXT_LENGTH);
  if (data.session !== undefined) hello.session = optionalStringField(type, data, 'session', MAX_ID_LENGTH);
  if (data.last_seq !== undefined) {
    const last = data.last_seq;
    if (typeof last !== 'number' || !Number.isSafeInteger(last) || last < 0) throw missingOrWrong(type, 'last_seq', 'an integer ≥ 0', last);
    hello.lastSequence = last;
  }
  if (data.resumed !== undefined) {
    if (typeof data.resumed !== 'boolean') throw missingOrWrong(type, 'resumed', 'a boolean', data.resumed);
    hello.resumed = data.resumed;
  }
  if (data.replay_to !== undefined) {
    const upTo = data.replay_to;
    if (typeof upTo !== 'number' || !Number.isSafeInteger(upTo) || upTo < 0) throw missingOrWrong(type, 'replay_to', 'an integer ≥ 0', upTo);
    hello.replayTo = upTo;
  }
  if (data.working !== undefined) hello.working = workingOrderIds(data.working);
  if (data.market_data !== undefined) {
    if (typeof data.market_data !== 'boolean') throw missingOrWrong(type, 'market_data', 'a boolean', data.market_data);
    if (!data.market_data) hello.marketData = false;
  }
  if (data.priority !== undefined) {
    if (typeof data.priority !== 'boolean') throw missingOrWrong(type, 'priority', 'a boolean', data.priority);
    if (data.priority) hello.priority = true;
  }
  return hello;
}

const opaque = (type: OpaqueMessage['type']): JsonReader => (data) => ({ type, data }) satisfies OpaqueMessage;

/** One entry per message type. */
const READERS: { [T in Message['type']]: JsonReader } = {
  [MessageType.MARKET_DATA]: (data, decoder) => decoder.marketDataFrom(data),
  [MessageType.NEWS_SENTIMENT]: news,
  [MessageType.TRADING_SIGNAL]: opaque(MessageType.TRADING_SIGNAL),
  [MessageType.ORDER]: order,
  [MessageType.TRADE_EXECUTION]: execution,
  [MessageType.ORDERBOOK_UPDATE]: opaque(MessageType.ORDERBOOK_UPDATE),
  [MessageType.HEARTBEAT](data, decoder) {
    const type = MessageType.HEARTBEAT;
    const heartbeat = decoder.heartbeat;
    heartbeat.timestamp = optionalNumberField(type, data, 'timestamp', 0);
    heartbeat.sentNs = optionalNumberField(type, data, 'sent_ns', 0);
    return heartbeat;
  },
  [MessageType.SHUTDOWN]: (data) => ({ type: MessageType.SHUTDOWN, reason: optionalStringField(MessageType.SHUTDOWN, data, 'reason', MAX_TEXT_LENGTH) }) satisfies Shutdown,
  [MessageType.HELLO]: hello,
  [MessageType.CANCEL]: cancel,
  [MessageType.ERROR]: (data) =>
    ({
      type: MessageType.ERROR,
      code: stringField(MessageType.ERROR, data, 'code', 0, MAX_ID_LENGTH),
      message: stringField(MessageType.ERROR, data, 'message', 0, MAX_TEXT_LENGTH),
    }) satisfies ErrorMessage,
};
