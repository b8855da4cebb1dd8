/**
 * The binary codec: every message we send between our own processes, in the fixed
 * little-endian layouts of binary-layout.ts.
 *
 * Allocation: encoding allocates nothing (numbers go through a DataView over the target's
 * memory, created once per distinct ArrayBuffer; text is written straight into the
 * target). Decoding MARKET_DATA and HEARTBEAT allocates nothing: they are decoded into
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
import { assertEncodable, checkLevelCounts, isExecutionStatus, isOrderType, isSentiment, isSide, isTimeInForce } from './encodable.js';
import { MessageType } from './messages.js';
import type {
  Cancel,
  ErrorMessage,
  ExecutionReport,
  Heartbeat,
  Hello,
  MarketData,
  Message,
  NewsSentiment,
  Order,
  Shutdown,
} from './messages.js';
import { createHeartbeat, createMarketData } from './reusable-messages.js';
import { SymbolInterner } from './symbol-interner.js';
import {
  MAX_ID_LENGTH,
  MAX_PRICE_UNITS,
  MAX_TEXT_LENGTH,
  invalidField,
  isFiniteNumber,
  isFractionalPriceUnits,
  isPriceUnits,
  isSymbolCharCode,
  messageTypeName,
} from './validation.js';

/** UTF-8 bytes per UTF-16 unit at most (a surrogate pair is 2 units → 4 bytes). */
const MAX_UTF8_PER_UNIT = 3;

/**
 * `base` (a payload's byte position in its ArrayBuffer) mod 8 at which every float64 field
 * of every layout is 8-byte aligned: they all sit at offsets ≡ 4 (mod 8).
 */
const FLOAT64_ALIGNED_BASE = 4;

/** Typed arrays use the host's byte order; the layouts are little-endian. */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/**
 * A DataView over whatever ArrayBuffer the last Buffer lived in, and on a little-endian
 * host a Float64Array over the same memory. The hot path reuses one Buffer, which an
 * identity check recognises; socket chunks and pooled Buffers share ArrayBuffers, so new
 * views are made once per chunk at most, never per message.
 *
 * The Float64Array is the fast way to MARKET_DATA's 25 float64 fields when they sit
 * 8-byte aligned in the ArrayBuffer (a frame that starts aligned, as in an encoder's own
 * buffer): an indexed load or store instead of a DataView call with its bounds and
 * byte-order handling. Misaligned payloads (anywhere in a socket chunk) use the DataView.
 */
class ViewCache {
  #buffer: Buffer | undefined;
  #arrayBuffer: ArrayBufferLike | undefined;
  #view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  #float64s: Float64Array<ArrayBufferLike> = new Float64Array(0);
  #byteOffset = 0;

  of(buffer: Buffer): DataView<ArrayBufferLike> {
    if (buffer !== this.#buffer) this.#switchTo(buffer);
    return this.#view;
  }

  /**
   * The last buffer's byteOffset (call `of` first). Kept here because reading
   * Buffer.byteOffset is a call V8 does not inline (about 9 ns, measured), and the hot
   * path needs it once per message on each side; a typed array's offset never changes.
   */
  get byteOffset(): number {
    return this.#byteOffset;
  }

  /**
   * Float64Array over the last buffer's ArrayBuffer (call `of` first), empty on a
   * big-endian host. Element i is bytes [8i, 8i + 8) of the ArrayBuffer.
   */
  get float64s(): Float64Array<ArrayBufferLike> {
    return this.#float64s;
  }

  #switchTo(buffer: Buffer): void {
    this.#buffer = buffer;
    this.#byteOffset = buffer.byteOffset;
    const arrayBuffer = buffer.buffer;
    if (arrayBuffer !== this.#arrayBuffer) {
      this.#arrayBuffer = arrayBuffer;
      this.#view = new DataView(arrayBuffer);
      this.#float64s = HOST_IS_LITTLE_ENDIAN ? new Float64Array(arrayBuffer, 0, arrayBuffer.byteLength >>> 3) : new Float64Array(0);
    }
  }
}

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

/** Exact payload bytes of `message` in binary (call assertEncodable first for foreign input). */
export function binaryPayloadLength(message: Message): number {
  switch (message.type) {
    case MessageType.MARKET_DATA:
      return MarketDataLayout.LEVELS + PRICE_LEVEL_BYTES * (message.bidCount + message.askCount);
    case MessageType.NEWS_SENTIMENT:
      return NewsLayout.TEXT + Buffer.byteLength(message.headline, 'utf8');
    case MessageType.ORDER:
      return OrderLayout.TEXT + Buffer.byteLength(message.orderId, 'utf8');
    case MessageType.CANCEL:
      return CancelLayout.TEXT + Buffer.byteLength(message.orderId, 'utf8');
    case MessageType.TRADE_EXECUTION:
      return (
        ExecutionLayout.TEXT +
        Buffer.byteLength(message.executionId, 'utf8') +
        Buffer.byteLength(message.orderId, 'utf8') +
        Buffer.byteLength(message.rejectCode, 'utf8') +
        Buffer.byteLength(message.reason, 'utf8')
      );
    case MessageType.HEARTBEAT:
      return HeartbeatLayout.END;
    case MessageType.SHUTDOWN:
      return ShutdownLayout.TEXT + Buffer.byteLength(message.reason, 'utf8');
    case MessageType.HELLO:
      return HelloLayout.TEXT + Buffer.byteLength(message.clientName, 'utf8');
    case MessageType.ERROR:
      return ErrorLayout.TEXT + Buffer.byteLength(message.code, 'utf8') + Buffer.byteLength(message.message, 'utf8');
    default:
      throw noBinaryLayout(message.type);
  }
}

/** An upper bound of binaryPayloadLength that needs no UTF-8 scan (text at 3 bytes per unit). */
function binaryPayloadBound(message: Message): number {
  switch (message.type) {
    case MessageType.MARKET_DATA:
      return MarketDataLayout.LEVELS + PRICE_LEVEL_BYTES * (message.bidCount + message.askCount);
    case MessageType.NEWS_SENTIMENT:
      return NewsLayout.TEXT + MAX_UTF8_PER_UNIT * message.headline.length;
    case MessageType.ORDER:
      return OrderLayout.TEXT + MAX_UTF8_PER_UNIT * message.orderId.length;
    case MessageType.CANCEL:
      return CancelLayout.TEXT + MAX_UTF8_PER_UNIT * message.orderId.length;
    case MessageType.TRADE_EXECUTION:
      return (
        ExecutionLayout.TEXT +
        MAX_UTF8_PER_UNIT * (message.executionId.length + message.orderId.length + message.rejectCode.length + message.reason.length)
      );
    case MessageType.HEARTBEAT:
      return HeartbeatLayout.END;
    case MessageType.SHUTDOWN:
      return ShutdownLayout.TEXT + MAX_UTF8_PER_UNIT * message.reason.length;
    case MessageType.HELLO:
      return HelloLayout.TEXT + MAX_UTF8_PER_UNIT * message.clientName.length;
    case MessageType.ERROR:
      return ErrorLayout.TEXT + MAX_UTF8_PER_UNIT * (message.code.length + message.message.length);
    default:
      throw noBinaryLayout(message.type);
  }
}

function noBinaryLayout(type: number): TradingError {
  return new TradingError(ErrorCode.MESSAGE_UNKNOWN_TYPE, `${messageTypeName(type)} has no binary layout (it travels as JSON)`);
}

/** Whether a message type has a binary layout (TRADING_SIGNAL and ORDERBOOK_UPDATE do not). */
export function hasBinaryLayout(type: number): boolean {
  return type !== MessageType.TRADING_SIGNAL && type !== MessageType.ORDERBOOK_UPDATE && type >= 1 && type <= MessageType.ERROR;
}

export class BinaryEncoder {
  readonly #views = new ViewCache();
  readonly #symbols = new SymbolWriter();

  /**
   * Write `message` as a binary payload at target[offset..]. Returns the payload bytes
   * written, or 0 when the target has no room (nothing meaningful was written; grow it to
   * binaryPayloadLength(message) and call again). Throws E_MESSAGE_INVALID for a message
   * our decoders would refuse (bytes may then have been written past `offset`; ignore them).
   */
  encode(message: Message, target: Buffer, offset: number): number {
    if (message.type === MessageType.MARKET_DATA) {
      checkLevelCounts(message);
      if (MarketDataLayout.LEVELS + PRICE_LEVEL_BYTES * (message.bidCount + message.askCount) > target.length - offset) return 0;
      const views = this.#views;
      const view = views.of(target);
      const base = views.byteOffset + offset;
      target[offset + MAGIC_OFFSET] = BINARY_MAGIC;
      target[offset + TYPE_OFFSET] = MessageType.MARKET_DATA;
      if ((base & 7) === FLOAT64_ALIGNED_BASE && HOST_IS_LITTLE_ENDIAN) {
        return writeMarketDataAligned(message, view, base, this.#symbols, views.float64s);
      }
      return writeMarketData(message, view, base, this.#symbols);
    }
    assertEncodable(message);
    const room = target.length - offset;
    if (binaryPayloadBound(message) > room && binaryPayloadLength(message) > room) return 0;
    const views = this.#views;
    const view = views.of(target);
    const base = views.byteOffset + offset;
    view.setUint8(base + MAGIC_OFFSET, BINARY_MAGIC);
    view.setUint8(base + TYPE_OFFSET, message.type);
    switch (message.type) {
      case MessageType.NEWS_SENTIMENT:
        return writeNews(message, view, base, target, offset, this.#symbols);
      case MessageType.ORDER:
        return writeOrder(message, view, base, target, offset, this.#symbols);
      case MessageType.CANCEL:
        return writeCancel(message, view, base, target, offset, this.#symbols);
      case MessageType.TRADE_EXECUTION:
        return writeExecution(message, view, base, target, offset, this.#symbols);
      case MessageType.HEARTBEAT:
        view.setUint16(base + 2, 0, true);
        view.setFloat64(base + HeartbeatLayout.TIMESTAMP, message.timestamp, true);
        view.setFloat64(base + HeartbeatLayout.SENT_NS, message.sentNs, true);
        return HeartbeatLayout.END;
      case MessageType.SHUTDOWN: {
        const bytes = target.write(message.reason, offset + ShutdownLayout.TEXT, 'utf8');
        view.setUint16(base + ShutdownLayout.REASON_BYTES, bytes, true);
        return ShutdownLayout.TEXT + bytes;
      }
      case MessageType.HELLO: {
        const bytes = target.write(message.clientName, offset + HelloLayout.TEXT, 'utf8');
        view.setUint8(base + HelloLayout.FLAGS, message.binary ? HELLO_FLAG_BINARY : 0);
        view.setUint8(base + HelloLayout.CLIENT_NAME_BYTES, bytes);
        view.setUint16(base + HelloLayout.PROTOCOL_VERSION, message.protocolVersion, true);
        view.setUint16(base + HelloLayout.PROTOCOL_VERSION + 2, 0, true);
        return HelloLayout.TEXT + bytes;
      }
      case MessageType.ERROR: {
        const codeBytes = target.write(message.code, offset + ErrorLayout.TEXT, 'utf8');
        const messageBytes = target.write(message.message, offset + ErrorLayout.TEXT + codeBytes, 'utf8');
        view.setUint8(base + ErrorLayout.CODE_BYTES, codeBytes);
        view.setUint8(base + ErrorLayout.CODE_BYTES + 1, 0);
        view.setUint16(base + ErrorLayout.MESSAGE_BYTES, messageBytes, true);
        return ErrorLayout.TEXT + codeBytes + messageBytes;
      }
      default:
        throw noBinaryLayout(message.type);
    }
  }
}

function writeNumber(type: number, field: string, value: number, view: DataView, position: number): void {
  if (!isFiniteNumber(value)) throw invalidField(type, field, `expected a finite number, got ${value}`);
  view.setFloat64(position, value, true);
}

function writePrice(type: number, field: string, value: number, view: DataView, position: number): void {
  if (!isPriceUnits(value)) throw invalidField(type, field, `expected integer price units, got ${value}`);
  view.setFloat64(position, value, true);
}

function writeMarketData(message: MarketData, view: DataView, base: number, symbols: SymbolWriter): number {
  const type = MessageType.MARKET_DATA;
  const bidCount = message.bidCount;
  const askCount = message.askCount;
  view.setUint8(base + MarketDataLayout.BID_COUNT, bidCount);
  view.setUint8(base + MarketDataLayout.ASK_COUNT, askCount);
  symbols.write(type, message.symbol, view, base + MarketDataLayout.SYMBOL);
  writeNumber(type, 'timestamp', message.timestamp, view, base + MarketDataLayout.TIMESTAMP);
  writePrice(type, 'last_price', message.lastPrice, view, base + MarketDataLayout.LAST_PRICE);
  writeNumber(type, 'volume', message.volume, view, base + MarketDataLayout.VOLUME);
  writeNumber(type, 'sequence', message.sequence, view, base + MarketDataLayout.SEQUENCE);
  writeNumber(type, 'sent_ns', message.sentNs, view, base + MarketDataLayout.SENT_NS);
  let position = base + MarketDataLayout.LEVELS;
  const bidPrices = message.bidPrices;
  const bidSizes = message.bidSizes;
  for (let i = 0; i < bidCount; i++) {
    writePrice(type, 'bids', bidPrices[i], view, position);
    writeNumber(type, 'bids', bidSizes[i], view, position + 8);
    position += PRICE_LEVEL_BYTES;
  }
  const askPrices = message.askPrices;
  const askSizes = message.askSizes;
  for (let i = 0; i < askCount; i++) {
    writePrice(type, 'asks', askPrices[i], view, position);
    writeNumber(type, 'asks', askSizes[i], view, position + 8);
    position += PRICE_LEVEL_BYTES;
  }
  return position - base;
}

/**
 * writeMarketData through a Float64Array: the same bytes, the same checks in the same
 * order (so the same error for the same bad field). Only for `base` ≡ 4 (mod 8), where
 * every float64 field of the layout is 8-byte aligned; element `first` is the timestamp.
 */
function writeMarketDataAligned(message: MarketData, view: DataView, base: number, symbols: SymbolWriter, float64s: Float64Array): number {
  const bidCount = message.bidCount;
  const askCount = message.askCount;
  view.setUint8(base + MarketDataLayout.BID_COUNT, bidCount);
  view.setUint8(base + MarketDataLayout.ASK_COUNT, askCount);
  symbols.write(MessageType.MARKET_DATA, message.symbol, view, base + MarketDataLayout.SYMBOL);
  const first = (base + MarketDataLayout.TIMESTAMP) >>> 3;
  const timestamp = message.timestamp;
  const lastPrice = message.lastPrice;
  const volume = message.volume;
  const sequence = message.sequence;
  const sentNs = message.sentNs;
  if (!(isFiniteNumber(timestamp) && isPriceUnits(lastPrice) && isFiniteNumber(volume) && isFiniteNumber(sequence) && isFiniteNumber(sentNs))) {
    refuseHeader(timestamp, lastPrice, volume, sequence, sentNs);
  }
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
  return MarketDataLayout.LEVELS + PRICE_LEVEL_BYTES * (bidCount + askCount);
}

function writeNews(message: NewsSentiment, view: DataView, base: number, target: Buffer, offset: number, symbols: SymbolWriter): number {
  view.setInt8(base + NewsLayout.SENTIMENT, message.sentiment);
  view.setUint8(base + NewsLayout.SENTIMENT + 1, 0);
  symbols.write(message.type, message.symbol, view, base + NewsLayout.SYMBOL);
  view.setFloat64(base + NewsLayout.TIMESTAMP, message.timestamp, true);
  view.setFloat64(base + NewsLayout.SCORE, message.score, true);
  view.setFloat64(base + NewsLayout.SEQUENCE, message.sequence, true);
  view.setFloat64(base + NewsLayout.SENT_NS, message.sentNs, true);
  const bytes = target.write(message.headline, offset + NewsLayout.TEXT, 'utf8');
  view.setUint16(base + NewsLayout.HEADLINE_BYTES, bytes, true);
  return NewsLayout.TEXT + bytes;
}

function writeOrder(message: Order, view: DataView, base: number, target: Buffer, offset: number, symbols: SymbolWriter): number {
  view.setUint8(base + OrderLayout.SIDE, message.side);
  view.setUint8(base + OrderLayout.ORDER_TYPE, message.orderType);
  symbols.write(message.type, message.symbol, view, base + OrderLayout.SYMBOL);
  view.setFloat64(base + OrderLayout.PRICE, message.price, true);
  view.setFloat64(base + OrderLayout.QUANTITY, message.quantity, true);
  view.setFloat64(base + OrderLayout.TIMESTAMP, message.timestamp, true);
  view.setFloat64(base + OrderLayout.TICK_SENT_NS, message.tickSentNs, true);
  view.setFloat64(base + OrderLayout.ORDER_SENT_NS, message.orderSentNs, true);
  view.setUint8(base + OrderLayout.TIME_IN_FORCE, message.timeInForce);
  const bytes = target.write(message.orderId, offset + OrderLayout.TEXT, 'utf8');
  view.setUint8(base + OrderLayout.ORDER_ID_BYTES, bytes);
  return OrderLayout.TEXT + bytes;
}

function writeCancel(message: Cancel, view: DataView, base: number, target: Buffer, offset: number, symbols: SymbolWriter): number {
  view.setUint16(base + CancelLayout.ORDER_ID_BYTES, 0, true);
  symbols.write(message.type, message.symbol, view, base + CancelLayout.SYMBOL);
  view.setFloat64(base + CancelLayout.TIMESTAMP, message.timestamp, true);
  const bytes = target.write(message.orderId, offset + CancelLayout.TEXT, 'utf8');
  view.setUint8(base + CancelLayout.ORDER_ID_BYTES, bytes);
  return CancelLayout.TEXT + bytes;
}

function writeExecution(message: ExecutionReport, view: DataView, base: number, target: Buffer, offset: number, symbols: SymbolWriter): number {
  view.setUint8(base + ExecutionLayout.SIDE, message.side);
  view.setUint8(base + ExecutionLayout.ORDER_TYPE, message.orderType);
  symbols.write(message.type, message.symbol, view, base + ExecutionLayout.SYMBOL);
  view.setFloat64(base + ExecutionLayout.LAST_QUANTITY, message.lastQuantity, true);
  view.setFloat64(base + ExecutionLayout.LAST_PRICE, message.lastPrice, true);
  view.setFloat64(base + ExecutionLayout.ORDER_PRICE, message.orderPrice, true);
  view.setFloat64(base + ExecutionLayout.ORDER_QUANTITY, message.orderQuantity, true);
  view.setFloat64(base + ExecutionLayout.FILLED_QUANTITY, message.filledQuantity, true);
  view.setFloat64(base + ExecutionLayout.LEAVES_QUANTITY, message.leavesQuantity, true);
  view.setFloat64(base + ExecutionLayout.AVERAGE_PRICE, message.averagePrice, true);
  view.setFloat64(base + ExecutionLayout.TIMESTAMP, message.timestamp, true);
  view.setFloat64(base + ExecutionLayout.TICK_SENT_NS, message.tickSentNs, true);
  view.setFloat64(base + ExecutionLayout.ORDER_SENT_NS, message.orderSentNs, true);
  view.setUint8(base + ExecutionLayout.TIME_IN_FORCE, message.timeInForce);
  view.setUint8(base + ExecutionLayout.STATUS, message.status);
  let position = offset + ExecutionLayout.TEXT;
  const executionIdBytes = target.write(message.executionId, position, 'utf8');
  position += executionIdBytes;
  const orderIdBytes = target.write(message.orderId, position, 'utf8');
  position += orderIdBytes;
  const rejectCodeBytes = target.write(message.rejectCode, position, 'utf8');
  position += rejectCodeBytes;
  const reasonBytes = target.write(message.reason, position, 'utf8');
  position += reasonBytes;
  view.setUint8(base + ExecutionLayout.EXECUTION_ID_BYTES, executionIdBytes);
  view.setUint8(base + ExecutionLayout.ORDER_ID_BYTES, orderIdBytes);
  view.setUint8(base + ExecutionLayout.REJECT_CODE_BYTES, rejectCodeBytes);
  view.setUint8(base + ExecutionLayout.REJECT_CODE_BYTES + 1, 0);
  view.setUint16(base + ExecutionLayout.REASON_BYTES, reasonBytes, true);
  return position - offset;
}

export interface BinaryDecoderOptions {
  /** Where MARKET_DATA is decoded (default: a new one with MAX_BOOK_DEPTH levels per side). */
  marketData?: MarketData;
  /** Where HEARTBEAT is decoded (default: a new one). */
  heartbeat?: Heartbeat;
  /** Symbol cache (default: a new one of 1024 entries); share one across decoders if you like. */
  interner?: SymbolInterner;
}

function truncated(type: number, needed: number, length: number): TradingError {
  return new TradingError(ErrorCode.FRAME_TRUNCATED, `binary ${messageTypeName(type)} needs ${needed} bytes, payload has ${length}`);
}

function trailing(type: number, needed: number, length: number): TradingError {
  return new TradingError(ErrorCode.PAYLOAD_MALFORMED, `binary ${messageTypeName(type)} is ${needed} bytes, payload has ${length}`);
}

/** Checks that a payload is exactly `needed` bytes long. */
function checkLength(type: number, needed: number, length: number): void {
  if (length < needed) throw truncated(type, needed, length);
  if (length > needed) throw trailing(type, needed, length);
}

/** Throws unless the binary magic is right; exported for the kind detection in codec.ts. */
export function checkBinaryMagic(first: number): void {
  if (first === BINARY_MAGIC) return;
  if ((first & 0xf0) === BINARY_MAGIC_FAMILY) {
    throw new TradingError(ErrorCode.PROTOCOL_VERSION, `binary layout version ${first & 0x0f} is not supported (this side speaks ${BINARY_MAGIC & 0x0f})`);
  }
  throw new TradingError(ErrorCode.PAYLOAD_UNKNOWN_KIND, `payload starts with byte 0x${first.toString(16).padStart(2, '0')}: neither JSON nor binary`);
}

export class BinaryDecoder {
  readonly marketData: MarketData;
  readonly heartbeat: Heartbeat;
  readonly #interner: SymbolInterner;
  readonly #views = new ViewCache();

  constructor(options: BinaryDecoderOptions = {}) {
    this.marketData = options.marketData ?? createMarketData();
    this.heartbeat = options.heartbeat ?? createHeartbeat();
    this.#interner = options.interner ?? new SymbolInterner();
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
    const views = this.#views;
    const view = views.of(buffer);
    const base = views.byteOffset + offset;
    switch (type) {
      case MessageType.MARKET_DATA:
        return this.#decodeMarketData(view, base, buffer, offset, length);
      case MessageType.HEARTBEAT: {
        checkLength(type, HeartbeatLayout.END, length);
        const heartbeat = this.heartbeat;
        heartbeat.timestamp = readNumber(type, 'timestamp', view, base + HeartbeatLayout.TIMESTAMP);
        heartbeat.sentNs = readNumber(type, 'sent_ns', view, base + HeartbeatLayout.SENT_NS);
        return heartbeat;
      }
      case MessageType.NEWS_SENTIMENT:
        return this.#decodeNews(view, base, buffer, offset, length);
      case MessageType.ORDER:
        return this.#decodeOrder(view, base, buffer, offset, length);
      case MessageType.CANCEL:
        return this.#decodeCancel(view, base, buffer, offset, length);
      case MessageType.TRADE_EXECUTION:
        return this.#decodeExecution(view, base, buffer, offset, length);
      case MessageType.SHUTDOWN:
        return decodeShutdown(view, base, buffer, offset, length);
      case MessageType.HELLO:
        return decodeHello(view, base, buffer, offset, length);
      case MessageType.ERROR:
        return decodeError(view, base, buffer, offset, length);
      default:
        if (type === MessageType.TRADING_SIGNAL || type === MessageType.ORDERBOOK_UPDATE) throw noBinaryLayout(type);
        throw new TradingError(ErrorCode.MESSAGE_UNKNOWN_TYPE, `unknown binary message type ${type}`);
    }
  }

  #symbol(type: number, view: DataView, base: number, buffer: Buffer, offset: number): string {
    const symbol = this.#interner.intern(view, base, buffer, offset);
    if (symbol === undefined) throw invalidField(type, 'symbol', 'expected 1-8 of A-Z 0-9 . - _ then zero padding');
    return symbol;
  }

  #decodeMarketData(view: DataView, base: number, buffer: Buffer, offset: number, length: number): MarketData {
    const type = MessageType.MARKET_DATA;
    if (length < MarketDataLayout.LEVELS) throw truncated(type, MarketDataLayout.LEVELS, length);
    const target = this.marketData;
    const bidCount = view.getUint8(base + MarketDataLayout.BID_COUNT);
    const askCount = view.getUint8(base + MarketDataLayout.ASK_COUNT);
    if (bidCount > MAX_BOOK_DEPTH || bidCount > target.bidPrices.length) {
      throw invalidField(type, 'bids', `${bidCount} levels exceed the maximum of ${Math.min(MAX_BOOK_DEPTH, target.bidPrices.length)}`);
    }
    if (askCount > MAX_BOOK_DEPTH || askCount > target.askPrices.length) {
      throw invalidField(type, 'asks', `${askCount} levels exceed the maximum of ${Math.min(MAX_BOOK_DEPTH, target.askPrices.length)}`);
    }
    checkLength(type, MarketDataLayout.LEVELS + PRICE_LEVEL_BYTES * (bidCount + askCount), length);
    target.symbol = this.#symbol(type, view, base + MarketDataLayout.SYMBOL, buffer, offset + MarketDataLayout.SYMBOL);
    if ((base & 7) === FLOAT64_ALIGNED_BASE && HOST_IS_LITTLE_ENDIAN) {
      readMarketDataAligned(target, this.#views.float64s, (base + MarketDataLayout.TIMESTAMP) >>> 3, bidCount, askCount);
      return target;
    }
    target.timestamp = readNumber(type, 'timestamp', view, base + MarketDataLayout.TIMESTAMP);
    target.lastPrice = readPrice(type, 'last_price', view, base + MarketDataLayout.LAST_PRICE);
    target.volume = readNumber(type, 'volume', view, base + MarketDataLayout.VOLUME);
    target.sequence = readNumber(type, 'sequence', view, base + MarketDataLayout.SEQUENCE);
    target.sentNs = readNumber(type, 'sent_ns', view, base + MarketDataLayout.SENT_NS);
    let position = base + MarketDataLayout.LEVELS;
    const bidPrices = target.bidPrices;
    const bidSizes = target.bidSizes;
    for (let i = 0; i < bidCount; i++) {
      bidPrices[i] = readPrice(type, 'bids', view, position);
      bidSizes[i] = readNumber(type, 'bids', view, position + 8);
      position += PRICE_LEVEL_BYTES;
    }
    const askPrices = target.askPrices;
    const askSizes = target.askSizes;
    for (let i = 0; i < askCount; i++) {
      askPrices[i] = readPrice(type, 'asks', view, position);
      askSizes[i] = readNumber(type, 'asks', view, position + 8);
      position += PRICE_LEVEL_BYTES;
    }
    target.bidCount = bidCount;
    target.askCount = askCount;
    return target;
  }

  #decodeNews(view: DataView, base: number, buffer: Buffer, offset: number, length: number): NewsSentiment {
    const type = MessageType.NEWS_SENTIMENT;
    if (length < NewsLayout.TEXT) throw truncated(type, NewsLayout.TEXT, length);
    const headlineBytes = view.getUint16(base + NewsLayout.HEADLINE_BYTES, true);
    checkLength(type, NewsLayout.TEXT + headlineBytes, length);
    const sentiment = view.getInt8(base + NewsLayout.SENTIMENT);
    if (!isSentiment(sentiment)) throw invalidField(type, 'sentiment', `unknown value ${sentiment}`);
    return {
      type,
      symbol: this.#symbol(type, view, base + NewsLayout.SYMBOL, buffer, offset + NewsLayout.SYMBOL),
      timestamp: readNumber(type, 'timestamp', view, base + NewsLayout.TIMESTAMP),
      sentiment,
      score: readNumber(type, 'score', view, base + NewsLayout.SCORE),
      headline: readText(type, 'headline', buffer, offset + NewsLayout.TEXT, headlineBytes, MAX_TEXT_LENGTH),
      sequence: readNumber(type, 'sequence', view, base + NewsLayout.SEQUENCE),
      sentNs: readNumber(type, 'sent_ns', view, base + NewsLayout.SENT_NS),
    };
  }

  #decodeOrder(view: DataView, base: number, buffer: Buffer, offset: number, length: number): Order {
    const type = MessageType.ORDER;
    if (length < OrderLayout.TEXT) throw truncated(type, OrderLayout.TEXT, length);
    const orderIdBytes = view.getUint8(base + OrderLayout.ORDER_ID_BYTES);
    checkLength(type, OrderLayout.TEXT + orderIdBytes, length);
    const side = view.getUint8(base + OrderLayout.SIDE);
    if (!isSide(side)) throw invalidField(type, 'side', `unknown value ${side}`);
    const orderType = view.getUint8(base + OrderLayout.ORDER_TYPE);
    if (!isOrderType(orderType)) throw invalidField(type, 'order_type', `unknown value ${orderType}`);
    const timeInForce = view.getUint8(base + OrderLayout.TIME_IN_FORCE);
    if (!isTimeInForce(timeInForce)) throw invalidField(type, 'time_in_force', `unknown value ${timeInForce}`);
    const orderId = readText(type, 'order_id', buffer, offset + OrderLayout.TEXT, orderIdBytes, MAX_ID_LENGTH);
    if (orderId.length === 0) throw invalidField(type, 'order_id', 'must not be empty');
    return {
      type,
      orderId,
      symbol: this.#symbol(type, view, base + OrderLayout.SYMBOL, buffer, offset + OrderLayout.SYMBOL),
      side,
      orderType,
      timeInForce,
      price: readPrice(type, 'price', view, base + OrderLayout.PRICE),
      quantity: readNumber(type, 'quantity', view, base + OrderLayout.QUANTITY),
      timestamp: readNumber(type, 'timestamp', view, base + OrderLayout.TIMESTAMP),
      tickSentNs: readNumber(type, 'tick_sent_ns', view, base + OrderLayout.TICK_SENT_NS),
      orderSentNs: readNumber(type, 'order_sent_ns', view, base + OrderLayout.ORDER_SENT_NS),
    };
  }

  #decodeCancel(view: DataView, base: number, buffer: Buffer, offset: number, length: number): Cancel {
    const type = MessageType.CANCEL;
    if (length < CancelLayout.TEXT) throw truncated(type, CancelLayout.TEXT, length);
    const orderIdBytes = view.getUint8(base + CancelLayout.ORDER_ID_BYTES);
    checkLength(type, CancelLayout.TEXT + orderIdBytes, length);
    const orderId = readText(type, 'order_id', buffer, offset + CancelLayout.TEXT, orderIdBytes, MAX_ID_LENGTH);
    if (orderId.length === 0) throw invalidField(type, 'order_id', 'must not be empty');
    return {
      type,
      orderId,
      symbol: this.#symbol(type, view, base + CancelLayout.SYMBOL, buffer, offset + CancelLayout.SYMBOL),
      timestamp: readNumber(type, 'timestamp', view, base + CancelLayout.TIMESTAMP),
    };
  }

  #decodeExecution(view: DataView, base: number, buffer: Buffer, offset: number, length: number): ExecutionReport {
    const type = MessageType.TRADE_EXECUTION;
    if (length < ExecutionLayout.TEXT) throw truncated(type, ExecutionLayout.TEXT, length);
    const executionIdBytes = view.getUint8(base + ExecutionLayout.EXECUTION_ID_BYTES);
    const orderIdBytes = view.getUint8(base + ExecutionLayout.ORDER_ID_BYTES);
    const rejectCodeBytes = view.getUint8(base + ExecutionLayout.REJECT_CODE_BYTES);
    const reasonBytes = view.getUint16(base + ExecutionLayout.REASON_BYTES, true);
    checkLength(type, ExecutionLayout.TEXT + executionIdBytes + orderIdBytes + rejectCodeBytes + reasonBytes, length);
    const side = view.getUint8(base + ExecutionLayout.SIDE);
    if (!isSide(side)) throw invalidField(type, 'side', `unknown value ${side}`);
    const orderType = view.getUint8(base + ExecutionLayout.ORDER_TYPE);
    if (!isOrderType(orderType)) throw invalidField(type, 'order_type', `unknown value ${orderType}`);
    const timeInForce = view.getUint8(base + ExecutionLayout.TIME_IN_FORCE);
    if (!isTimeInForce(timeInForce)) throw invalidField(type, 'time_in_force', `unknown value ${timeInForce}`);
    const status = view.getUint8(base + ExecutionLayout.STATUS);
    if (!isExecutionStatus(status)) throw invalidField(type, 'status', `unknown value ${status}`);
    let text = offset + ExecutionLayout.TEXT;
    const executionId = readText(type, 'execution_id', buffer, text, executionIdBytes, MAX_ID_LENGTH);
    text += executionIdBytes;
    const orderId = readText(type, 'order_id', buffer, text, orderIdBytes, MAX_ID_LENGTH);
    text += orderIdBytes;
    const rejectCode = readText(type, 'reject_code', buffer, text, rejectCodeBytes, MAX_ID_LENGTH);
    text += rejectCodeBytes;
    const reason = readText(type, 'reason', buffer, text, reasonBytes, MAX_TEXT_LENGTH);
    const averagePrice = view.getFloat64(base + ExecutionLayout.AVERAGE_PRICE, true);
    if (!isFractionalPriceUnits(averagePrice)) throw invalidField(type, 'average_price', `expected price units, got ${averagePrice}`);
    return {
      type,
      executionId,
      orderId,
      symbol: this.#symbol(type, view, base + ExecutionLayout.SYMBOL, buffer, offset + ExecutionLayout.SYMBOL),
      side,
      orderType,
      timeInForce,
      status,
      lastQuantity: readNumber(type, 'quantity', view, base + ExecutionLayout.LAST_QUANTITY),
      lastPrice: readPrice(type, 'execution_price', view, base + ExecutionLayout.LAST_PRICE),
      orderPrice: readPrice(type, 'order_price', view, base + ExecutionLayout.ORDER_PRICE),
      orderQuantity: readNumber(type, 'order_quantity', view, base + ExecutionLayout.ORDER_QUANTITY),
      filledQuantity: readNumber(type, 'filled_quantity', view, base + ExecutionLayout.FILLED_QUANTITY),
      leavesQuantity: readNumber(type, 'leaves_quantity', view, base + ExecutionLayout.LEAVES_QUANTITY),
      averagePrice,
      timestamp: readNumber(type, 'timestamp', view, base + ExecutionLayout.TIMESTAMP),
      rejectCode,
      reason,
      tickSentNs: readNumber(type, 'tick_sent_ns', view, base + ExecutionLayout.TICK_SENT_NS),
      orderSentNs: readNumber(type, 'order_sent_ns', view, base + ExecutionLayout.ORDER_SENT_NS),
    };
  }
}

/**
 * The float64 part of a MARKET_DATA (timestamp at element `first`) through a Float64Array:
 * the same values and the same checks in the same order as the DataView path.
 */
function readMarketDataAligned(target: MarketData, float64s: Float64Array, first: number, bidCount: number, askCount: number): void {
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
}

/** The error for the first bad one of MARKET_DATA's scalar fields (in layout order, as the DataView path checks them). */
function refuseHeader(timestamp: number, lastPrice: number, volume: number, sequence: number, sentNs: number): never {
  const type = MessageType.MARKET_DATA;
  if (!isFiniteNumber(timestamp)) throw invalidField(type, 'timestamp', `expected a finite number, got ${timestamp}`);
  if (!isPriceUnits(lastPrice)) throw invalidField(type, 'last_price', `expected integer price units, got ${lastPrice}`);
  if (!isFiniteNumber(volume)) throw invalidField(type, 'volume', `expected a finite number, got ${volume}`);
  if (!isFiniteNumber(sequence)) throw invalidField(type, 'sequence', `expected a finite number, got ${sequence}`);
  throw invalidField(type, 'sent_ns', `expected a finite number, got ${sentNs}`);
}

/**
 * The error for the first bad level of the levels just copied (bids before asks, each
 * level's price before its size, as the DataView path checks them). Called only when the
 * copy loop's summary says one is bad.
 */
function refuseLevels(bidPrices: Float64Array, bidSizes: Float64Array, bidCount: number, askPrices: Float64Array, askSizes: Float64Array, askCount: number): never {
  for (let i = 0; i < bidCount; i++) {
    if (!(isPriceUnits(bidPrices[i]) && isFiniteNumber(bidSizes[i]))) refuseLevel('bids', bidPrices[i], bidSizes[i]);
  }
  for (let i = 0; i < askCount; i++) {
    if (!(isPriceUnits(askPrices[i]) && isFiniteNumber(askSizes[i]))) refuseLevel('asks', askPrices[i], askSizes[i]);
  }
  throw new Error('refuseLevels: no bad level found (the copy loop and this check disagree)');
}

/** The error for a bad level (price checked first, as the DataView path does). */
function refuseLevel(field: 'bids' | 'asks', price: number, size: number): never {
  const type = MessageType.MARKET_DATA;
  if (!isPriceUnits(price)) throw invalidField(type, field, `expected integer price units, got ${price}`);
  throw invalidField(type, field, `expected a finite number, got ${size}`);
}

function readNumber(type: number, field: string, view: DataView, position: number): number {
  const value = view.getFloat64(position, true);
  if (!isFiniteNumber(value)) throw invalidField(type, field, `expected a finite number, got ${value}`);
  return value;
}

function readPrice(type: number, field: string, view: DataView, position: number): number {
  const value = view.getFloat64(position, true);
  if (!isPriceUnits(value)) throw invalidField(type, field, `expected integer price units, got ${value}`);
  return value;
}

/** UTF-8 text (allocates; invalid sequences become U+FFFD), at most maxLength UTF-16 units. */
function readText(type: number, field: string, buffer: Buffer, start: number, bytes: number, maxLength: number): string {
  if (bytes === 0) return '';
  const text = buffer.toString('utf8', start, start + bytes);
  if (text.length > maxLength) throw invalidField(type, field, `length ${text.length} exceeds ${maxLength}`);
  return text;
}

function decodeShutdown(view: DataView, base: number, buffer: Buffer, offset: number, length: number): Shutdown {
  const type = MessageType.SHUTDOWN;
  if (length < ShutdownLayout.TEXT) throw truncated(type, ShutdownLayout.TEXT, length);
  const reasonBytes = view.getUint16(base + ShutdownLayout.REASON_BYTES, true);
  checkLength(type, ShutdownLayout.TEXT + reasonBytes, length);
  return { type, reason: readText(type, 'reason', buffer, offset + ShutdownLayout.TEXT, reasonBytes, MAX_TEXT_LENGTH) };
}

function decodeHello(view: DataView, base: number, buffer: Buffer, offset: number, length: number): Hello {
  const type = MessageType.HELLO;
  if (length < HelloLayout.TEXT) throw truncated(type, HelloLayout.TEXT, length);
  const nameBytes = view.getUint8(base + HelloLayout.CLIENT_NAME_BYTES);
  checkLength(type, HelloLayout.TEXT + nameBytes, length);
  const flags = view.getUint8(base + HelloLayout.FLAGS);
  return {
    type,
    protocolVersion: view.getUint16(base + HelloLayout.PROTOCOL_VERSION, true),
    clientName: readText(type, 'client_name', buffer, offset + HelloLayout.TEXT, nameBytes, MAX_ID_LENGTH),
    binary: (flags & HELLO_FLAG_BINARY) !== 0,
  };
}

function decodeError(view: DataView, base: number, buffer: Buffer, offset: number, length: number): ErrorMessage {
  const type = MessageType.ERROR;
  if (length < ErrorLayout.TEXT) throw truncated(type, ErrorLayout.TEXT, length);
  const codeBytes = view.getUint8(base + ErrorLayout.CODE_BYTES);
  const messageBytes = view.getUint16(base + ErrorLayout.MESSAGE_BYTES, true);
  checkLength(type, ErrorLayout.TEXT + codeBytes + messageBytes, length);
  return {
    type,
    code: readText(type, 'code', buffer, offset + ErrorLayout.TEXT, codeBytes, MAX_ID_LENGTH),
    message: readText(type, 'message', buffer, offset + ErrorLayout.TEXT + codeBytes, messageBytes, MAX_TEXT_LENGTH),
  };
}
