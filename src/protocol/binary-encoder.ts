/**
 * The binary encoder: every message we send between our own processes, in the fixed
 * little-endian layouts of binary-layout.ts. Each message type is written in one place,
 * its entry in WRITERS below (payload length, a cheap upper bound, and the writer).
 *
 * Allocation: encoding allocates nothing (numbers go through a DataView over the target's
 * memory, created once per distinct ArrayBuffer, or a Float64Run; text is written straight
 * into the target).
 */
import { ErrorCode, TradingError } from '../core/errors.js';
import {
  BINARY_MAGIC,
  CancelLayout,
  ErrorLayout,
  ExecutionLayout,
  HELLO_FLAG_BINARY,
  HELLO_FLAG_NO_MARKET_DATA,
  HELLO_FLAG_PRIORITY,
  HeartbeatLayout,
  HelloLayout,
  MAGIC_OFFSET,
  MarketDataLayout,
  NewsLayout,
  OrderLayout,
  PRICE_LEVEL_BYTES,
  SYMBOL_BYTES,
  ShutdownLayout,
  TYPE_OFFSET,
} from './binary-layout.js';
import { Float64Run, ViewCache, isFloat64Aligned } from './binary-views.js';
import { assertEncodable, checkLevelCounts, signalDataJson } from './encodable.js';
import { MessageType } from './messages.js';
import type { MarketData, Message } from './messages.js';
import { MAX_PRICE_UNITS, MAX_SIGNAL_DATA_BYTES, invalidField, isFiniteNumber, isPriceUnits, isSymbolCharCode, messageTypeName } from './validation.js';

/** UTF-8 bytes per UTF-16 unit at most (a surrogate pair is 2 units → 4 bytes). */
const MAX_UTF8_PER_UNIT = 3;

/**
 * Writes symbols as their 8 padded bytes. A feed repeats few symbols, so the last one is
 * kept as two little-endian words: a repeat is two stores, not a validated character loop.
 */
class SymbolWriter {
  #symbol = '';
  #low = 0;
  #high = 0;

  write(type: number, symbol: string, view: DataView, position: number): void {
    if (symbol !== this.#symbol) this.#learn(type, symbol);
    view.setUint32(position, this.#low, true);
    view.setUint32(position + 4, this.#high, true);
  }

  #learn(type: number, symbol: string): void {
    if (typeof symbol !== 'string') throw invalidField(type, 'symbol', 'expected a string');
    const length = symbol.length;
    if (length < 1 || length > SYMBOL_BYTES) throw invalidField(type, 'symbol', `length ${length} outside 1..${SYMBOL_BYTES}`);
    let low = 0;
    let high = 0;
    for (let i = 0; i < length; i++) {
      const code = symbol.charCodeAt(i);
      if (!isSymbolCharCode(code)) throw invalidField(type, 'symbol', `character ${JSON.stringify(symbol[i])} not allowed`);
      if (i < 4) low += code * 2 ** (8 * i);
      else high += code * 2 ** (8 * (i - 4));
    }
    this.#symbol = symbol;
    this.#low = low;
    this.#high = high;
  }
}

/**
 * Where a writer writes: the payload starts at target[offset], which is byte `base` of
 * `view` (a DataView over target's whole ArrayBuffer). Reused for every message.
 */
interface BinaryWriteContext {
  view: DataView;
  base: number;
  target: Buffer;
  offset: number;
  symbols: SymbolWriter;
  views: ViewCache;
  run: Float64Run;
}

/** How one message type is written. Add an entry to WRITERS for a new type. */
interface BinaryWriter<M extends Message> {
  /** Exact payload bytes (text measured as UTF-8). */
  length(message: M): number;
  /** An upper bound of `length` that needs no UTF-8 scan (text at 3 bytes per unit). */
  bound(message: M): number;
  /** Write the payload after magic and type (already written); return its total bytes. */
  write(message: M, c: BinaryWriteContext): number;
}

type Writers = { [T in Message['type']]?: BinaryWriter<Extract<Message, { type: T }>> };

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

function marketDataBytes(message: MarketData): number {
  return MarketDataLayout.LEVELS + PRICE_LEVEL_BYTES * (message.bidCount + message.askCount);
}

/**
 * MARKET_DATA's 5 + 2 × levels float64 fields, checked and stored through a Float64Run:
 * in place when aligned, through its scratch block otherwise. Checks are summarised per
 * pass and only a failure looks for the field to name (refuseHeader, refuseLevels).
 */
function writeMarketData(message: MarketData, c: BinaryWriteContext): number {
  return writeMarketDataAt(message, c.view, c.base, c.target, c.offset, c.symbols, c.views, c.run);
}

function writeMarketDataAt(
  message: MarketData,
  view: DataView,
  base: number,
  target: Buffer,
  offset: number,
  symbols: SymbolWriter,
  views: ViewCache,
  run: Float64Run,
): number {
  const bidCount = message.bidCount;
  const askCount = message.askCount;
  view.setUint8(base + MarketDataLayout.BID_COUNT, bidCount);
  view.setUint8(base + MarketDataLayout.ASK_COUNT, askCount);
  symbols.write(MessageType.MARKET_DATA, message.symbol, view, base + MarketDataLayout.SYMBOL);
  const timestamp = message.timestamp;
  const lastPrice = message.lastPrice;
  const volume = message.volume;
  const sequence = message.sequence;
  const sentNs = message.sentNs;
  if (!(isFiniteNumber(timestamp) && isPriceUnits(lastPrice) && isFiniteNumber(volume) && isFiniteNumber(sequence) && isFiniteNumber(sentNs))) {
    refuseHeader(timestamp, lastPrice, volume, sequence, sentNs);
  }
  const position = base + MarketDataLayout.TIMESTAMP;
  const aligned = isFloat64Aligned(position);
  const float64s = aligned ? views.float64s : run.scratch;
  const first = aligned ? position >>> 3 : 0;
  float64s[first] = timestamp;
  float64s[first + 1] = lastPrice;
  float64s[first + 2] = volume;
  float64s[first + 3] = sequence;
  float64s[first + 4] = sentNs;
  let at = first + 5;
  let residue = 0;
  let largest = 0;
  const bidPrices = message.bidPrices;
  const bidSizes = message.bidSizes;
  for (let i = 0; i < bidCount; i++) {
    const price = bidPrices[i];
    const size = bidSizes[i];
    residue += Math.abs(price - Math.trunc(price)) + (size - size);
    largest = Math.max(largest, Math.abs(price));
    float64s[at] = price;
    float64s[at + 1] = size;
    at += 2;
  }
  const askPrices = message.askPrices;
  const askSizes = message.askSizes;
  for (let i = 0; i < askCount; i++) {
    const price = askPrices[i];
    const size = askSizes[i];
    residue += Math.abs(price - Math.trunc(price)) + (size - size);
    largest = Math.max(largest, Math.abs(price));
    float64s[at] = price;
    float64s[at + 1] = size;
    at += 2;
  }
  if (!(residue === 0 && largest <= MAX_PRICE_UNITS)) refuseLevels(bidPrices, bidSizes, bidCount, askPrices, askSizes, askCount);
  if (!aligned) run.store(target, offset + MarketDataLayout.TIMESTAMP, at - first);
  return MarketDataLayout.LEVELS + PRICE_LEVEL_BYTES * (bidCount + askCount);
}

/** The error for the first bad one of MARKET_DATA's scalar fields, in layout order. */
export function refuseHeader(timestamp: number, lastPrice: number, volume: number, sequence: number, sentNs: number): never {
  const type = MessageType.MARKET_DATA;
  if (!isFiniteNumber(timestamp)) throw invalidField(type, 'timestamp', `expected a finite number, got ${timestamp}`);
  if (!isPriceUnits(lastPrice)) throw invalidField(type, 'last_price', `expected integer price units, got ${lastPrice}`);
  if (!isFiniteNumber(volume)) throw invalidField(type, 'volume', `expected a finite number, got ${volume}`);
  if (!isFiniteNumber(sequence)) throw invalidField(type, 'sequence', `expected a finite number, got ${sequence}`);
  throw invalidField(type, 'sent_ns', `expected a finite number, got ${sentNs}`);
}

/**
 * The error for the first bad level (bids before asks, each level's price before its
 * size). Called only when a copy loop's summary says one is bad.
 */
export function refuseLevels(bidPrices: Float64Array, bidSizes: Float64Array, bidCount: number, askPrices: Float64Array, askSizes: Float64Array, askCount: number): never {
  for (let i = 0; i < bidCount; i++) {
    if (!(isPriceUnits(bidPrices[i]) && isFiniteNumber(bidSizes[i]))) refuseLevel('bids', bidPrices[i], bidSizes[i]);
  }
  for (let i = 0; i < askCount; i++) {
    if (!(isPriceUnits(askPrices[i]) && isFiniteNumber(askSizes[i]))) refuseLevel('asks', askPrices[i], askSizes[i]);
  }
  throw new TradingError(ErrorCode.INTERNAL, 'refuseLevels: no bad level found (the copy loop and this check disagree)');
}

function refuseLevel(field: 'bids' | 'asks', price: number, size: number): never {
  const type = MessageType.MARKET_DATA;
  if (!isPriceUnits(price)) throw invalidField(type, field, `expected integer price units, got ${price}`);
  throw invalidField(type, field, `expected a finite number, got ${size}`);
}

/** Text fields after the fixed part, in order; returns the position after the last. */
function writeText(c: BinaryWriteContext, position: number, text: string): number {
  return position + c.target.write(text, position, 'utf8');
}

/** One entry per message type that has a binary layout (TRADING_SIGNAL and ORDERBOOK_UPDATE have none). */
const WRITERS: Writers = {
  [MessageType.MARKET_DATA]: { length: marketDataBytes, bound: marketDataBytes, write: writeMarketData },
  [MessageType.NEWS_SENTIMENT]: {
    length: (m) => NewsLayout.TEXT + utf8(m.headline),
    bound: (m) => NewsLayout.TEXT + MAX_UTF8_PER_UNIT * m.headline.length,
    write(m, c) {
      const { view, base } = c;
      view.setInt8(base + NewsLayout.SENTIMENT, m.sentiment);
      view.setUint8(base + NewsLayout.SENTIMENT + 1, 0);
      c.symbols.write(m.type, m.symbol, view, base + NewsLayout.SYMBOL);
      view.setFloat64(base + NewsLayout.TIMESTAMP, m.timestamp, true);
      view.setFloat64(base + NewsLayout.SCORE, m.score, true);
      view.setFloat64(base + NewsLayout.SEQUENCE, m.sequence, true);
      view.setFloat64(base + NewsLayout.SENT_NS, m.sentNs, true);
      const end = writeText(c, c.offset + NewsLayout.TEXT, m.headline);
      view.setUint16(base + NewsLayout.HEADLINE_BYTES, end - c.offset - NewsLayout.TEXT, true);
      return end - c.offset;
    },
  },
  [MessageType.ORDER]: {
    length: (m) => OrderLayout.TEXT + utf8(m.orderId) + (m.signalData === undefined ? 0 : utf8(signalDataJson(m.signalData))),
    bound: (m) => OrderLayout.TEXT + MAX_UTF8_PER_UNIT * m.orderId.length + (m.signalData === undefined ? 0 : MAX_SIGNAL_DATA_BYTES),
    write(m, c) {
      const { view, base } = c;
      view.setUint8(base + OrderLayout.SIDE, m.side);
      view.setUint8(base + OrderLayout.ORDER_TYPE, m.orderType);
      c.symbols.write(m.type, m.symbol, view, base + OrderLayout.SYMBOL);
      view.setFloat64(base + OrderLayout.PRICE, m.price, true);
      view.setFloat64(base + OrderLayout.QUANTITY, m.quantity, true);
      view.setFloat64(base + OrderLayout.TIMESTAMP, m.timestamp, true);
      view.setFloat64(base + OrderLayout.TICK_SENT_NS, m.tickSentNs, true);
      view.setFloat64(base + OrderLayout.ORDER_SENT_NS, m.orderSentNs, true);
      view.setUint8(base + OrderLayout.TIME_IN_FORCE, m.timeInForce);
      const signalData = writeText(c, c.offset + OrderLayout.TEXT, m.orderId);
      const end = m.signalData === undefined ? signalData : writeText(c, signalData, signalDataJson(m.signalData));
      view.setUint8(base + OrderLayout.ORDER_ID_BYTES, signalData - c.offset - OrderLayout.TEXT);
      view.setUint16(base + OrderLayout.SIGNAL_DATA_BYTES, end - signalData, true);
      return end - c.offset;
    },
  },
  [MessageType.CANCEL]: {
    length: (m) => CancelLayout.TEXT + utf8(m.orderId),
    bound: (m) => CancelLayout.TEXT + MAX_UTF8_PER_UNIT * m.orderId.length,
    write(m, c) {
      const { view, base } = c;
      view.setUint16(base + CancelLayout.ORDER_ID_BYTES, 0, true);
      c.symbols.write(m.type, m.symbol, view, base + CancelLayout.SYMBOL);
      view.setFloat64(base + CancelLayout.TIMESTAMP, m.timestamp, true);
      const end = writeText(c, c.offset + CancelLayout.TEXT, m.orderId);
      view.setUint8(base + CancelLayout.ORDER_ID_BYTES, end - c.offset - CancelLayout.TEXT);
      return end - c.offset;
    },
  },
  [MessageType.TRADE_EXECUTION]: {
    length: (m) => ExecutionLayout.TEXT + utf8(m.executionId) + utf8(m.orderId) + utf8(m.rejectCode) + utf8(m.reason),
    bound: (m) => ExecutionLayout.TEXT + MAX_UTF8_PER_UNIT * (m.executionId.length + m.orderId.length + m.rejectCode.length + m.reason.length),
    write(m, c) {
      const { view, base } = c;
      view.setUint8(base + ExecutionLayout.SIDE, m.side);
      view.setUint8(base + ExecutionLayout.ORDER_TYPE, m.orderType);
      c.symbols.write(m.type, m.symbol, view, base + ExecutionLayout.SYMBOL);
      view.setFloat64(base + ExecutionLayout.LAST_QUANTITY, m.lastQuantity, true);
      view.setFloat64(base + ExecutionLayout.LAST_PRICE, m.lastPrice, true);
      view.setFloat64(base + ExecutionLayout.ORDER_PRICE, m.orderPrice, true);
      view.setFloat64(base + ExecutionLayout.ORDER_QUANTITY, m.orderQuantity, true);
      view.setFloat64(base + ExecutionLayout.FILLED_QUANTITY, m.filledQuantity, true);
      view.setFloat64(base + ExecutionLayout.LEAVES_QUANTITY, m.leavesQuantity, true);
      view.setFloat64(base + ExecutionLayout.AVERAGE_PRICE, m.averagePrice, true);
      view.setFloat64(base + ExecutionLayout.TIMESTAMP, m.timestamp, true);
      view.setFloat64(base + ExecutionLayout.TICK_SENT_NS, m.tickSentNs, true);
      view.setFloat64(base + ExecutionLayout.ORDER_SENT_NS, m.orderSentNs, true);
      view.setFloat64(base + ExecutionLayout.SEQUENCE, m.sequence, true);
      view.setUint8(base + ExecutionLayout.TIME_IN_FORCE, m.timeInForce);
      view.setUint8(base + ExecutionLayout.STATUS, m.status);
      const executionId = c.offset + ExecutionLayout.TEXT;
      const orderId = writeText(c, executionId, m.executionId);
      const rejectCode = writeText(c, orderId, m.orderId);
      const reason = writeText(c, rejectCode, m.rejectCode);
      const end = writeText(c, reason, m.reason);
      view.setUint8(base + ExecutionLayout.EXECUTION_ID_BYTES, orderId - executionId);
      view.setUint8(base + ExecutionLayout.ORDER_ID_BYTES, rejectCode - orderId);
      view.setUint8(base + ExecutionLayout.REJECT_CODE_BYTES, reason - rejectCode);
      view.setUint8(base + ExecutionLayout.REJECT_CODE_BYTES + 1, 0);
      view.setUint16(base + ExecutionLayout.REASON_BYTES, end - reason, true);
      return end - c.offset;
    },
  },
  [MessageType.HEARTBEAT]: {
    length: () => HeartbeatLayout.END,
    bound: () => HeartbeatLayout.END,
    write(m, c) {
      const { view, base } = c;
      view.setUint16(base + 2, 0, true);
      view.setFloat64(base + HeartbeatLayout.TIMESTAMP, m.timestamp, true);
      view.setFloat64(base + HeartbeatLayout.SENT_NS, m.sentNs, true);
      return HeartbeatLayout.END;
    },
  },
  [MessageType.SHUTDOWN]: {
    length: (m) => ShutdownLayout.TEXT + utf8(m.reason),
    bound: (m) => ShutdownLayout.TEXT + MAX_UTF8_PER_UNIT * m.reason.length,
    write(m, c) {
      const end = writeText(c, c.offset + ShutdownLayout.TEXT, m.reason);
      c.view.setUint16(c.base + ShutdownLayout.REASON_BYTES, end - c.offset - ShutdownLayout.TEXT, true);
      return end - c.offset;
    },
  },
  [MessageType.HELLO]: {
    length: (m) => HelloLayout.TEXT + utf8(m.clientName),
    bound: (m) => HelloLayout.TEXT + MAX_UTF8_PER_UNIT * m.clientName.length,
    write(m, c) {
      const { view, base } = c;
      const end = writeText(c, c.offset + HelloLayout.TEXT, m.clientName);
      const flags = (m.binary ? HELLO_FLAG_BINARY : 0) | (m.marketData === false ? HELLO_FLAG_NO_MARKET_DATA : 0) | (m.priority === true ? HELLO_FLAG_PRIORITY : 0);
      view.setUint8(base + HelloLayout.FLAGS, flags);
      view.setUint8(base + HelloLayout.CLIENT_NAME_BYTES, end - c.offset - HelloLayout.TEXT);
      view.setUint16(base + HelloLayout.PROTOCOL_VERSION, m.protocolVersion, true);
      view.setUint16(base + HelloLayout.PROTOCOL_VERSION + 2, 0, true);
      return end - c.offset;
    },
  },
  [MessageType.ERROR]: {
    length: (m) => ErrorLayout.TEXT + utf8(m.code) + utf8(m.message),
    bound: (m) => ErrorLayout.TEXT + MAX_UTF8_PER_UNIT * (m.code.length + m.message.length),
    write(m, c) {
      const { view, base } = c;
      const code = c.offset + ErrorLayout.TEXT;
      const message = writeText(c, code, m.code);
      const end = writeText(c, message, m.message);
      view.setUint8(base + ErrorLayout.CODE_BYTES, message - code);
      view.setUint8(base + ErrorLayout.CODE_BYTES + 1, 0);
      view.setUint16(base + ErrorLayout.MESSAGE_BYTES, end - message, true);
      return end - c.offset;
    },
  },
};

function writerOf(type: number): BinaryWriter<Message> {
  const writer = (WRITERS as Record<number, BinaryWriter<Message> | undefined>)[type];
  if (writer === undefined) {
    throw new TradingError(ErrorCode.MESSAGE_UNKNOWN_TYPE, `${messageTypeName(type)} has no binary layout (it travels as JSON)`);
  }
  return writer;
}

/** Whether a message type has a binary layout (TRADING_SIGNAL and ORDERBOOK_UPDATE do not). */
export function hasBinaryLayout(type: number): boolean {
  return (WRITERS as Record<number, unknown>)[type] !== undefined;
}

/** Exact payload bytes of `message` in binary (call assertEncodable first for foreign input). */
export function binaryPayloadLength(message: Message): number {
  return writerOf(message.type).length(message);
}

export class BinaryEncoder {
  readonly #context: BinaryWriteContext = {
    view: new DataView(new ArrayBuffer(0)),
    base: 0,
    target: Buffer.alloc(0),
    offset: 0,
    symbols: new SymbolWriter(),
    views: new ViewCache(),
    run: new Float64Run(),
  };

  /**
   * Write `message` as a binary payload at target[offset..]. Returns the payload bytes
   * written, or 0 when the target has no room (nothing meaningful was written; grow it to
   * binaryPayloadLength(message) and call again). Throws E_MESSAGE_INVALID for a message
   * our decoders would refuse (bytes may then have been written past `offset`; ignore them).
   */
  encode(message: Message, target: Buffer, offset: number): number {
    const c = this.#context;
    if (message.type === MessageType.MARKET_DATA) {
      // The hot path: its numbers are checked while they are copied, not beforehand.
      checkLevelCounts(message);
      if (marketDataBytes(message) > target.length - offset) return 0;
      const views = c.views;
      const view = views.of(target);
      target[offset + MAGIC_OFFSET] = BINARY_MAGIC;
      target[offset + TYPE_OFFSET] = MessageType.MARKET_DATA;
      return writeMarketDataAt(message, view, views.byteOffset + offset, target, offset, c.symbols, views, c.run);
    }
    assertEncodable(message);
    const writer = writerOf(message.type);
    const room = target.length - offset;
    if (writer.bound(message) > room && writer.length(message) > room) return 0;
    this.#start(message.type, target, offset);
    return writer.write(message, c);
  }

  /** Point the context at target[offset..] and write magic and type. */
  #start(type: number, target: Buffer, offset: number): void {
    const c = this.#context;
    c.view = c.views.of(target);
    c.base = c.views.byteOffset + offset;
    c.target = target;
    c.offset = offset;
    target[offset + MAGIC_OFFSET] = BINARY_MAGIC;
    target[offset + TYPE_OFFSET] = type;
  }
}
