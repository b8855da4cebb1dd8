/**
 * The JSON encoder: the seed's `{"type": <int>, "data": {...}}` payloads (see
 * json-decoder.ts for the field names and defaults). Each message type is written in one
 * place: MARKET_DATA, the hot one, byte by byte into the target (writeMarketDataJson),
 * every other type by its entry in TEXT_WRITERS, which builds the payload text.
 *
 * The output is byte for byte what it has always been (seed peers and tests compare it):
 * compact JSON, the seed's fields first, ours after them.
 */
import { MAX_BOOK_DEPTH } from '../core/book.js';
import { PRICE_SCALE } from '../core/fixed-point.js';
import { AsciiView, MAX_NUMBER_CHARS, asciiConstant, numberSlot, writeAsciiText, writeConstant, writeNumberInSlot, writePrice } from './ascii-writer.js';
import { assertEncodable, checkLevelCounts, checkMarketData, signalDataJson } from './encodable.js';
import { EXECUTION_STATUS_NAMES, MessageType, ORDER_TYPE_NAMES, SENTIMENT_NAMES, SIDE_NAMES, TIME_IN_FORCE_NAMES } from './messages.js';
import type { Hello, MarketData, Message } from './messages.js';
import { invalidField, isFiniteNumber, isPriceUnits, isSymbol } from './validation.js';

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

/** How every type but MARKET_DATA is written: its payload text. Add an entry for a new type. */
type TextWriters = { [T in Exclude<Message['type'], typeof MessageType.MARKET_DATA>]: (message: Extract<Message, { type: T }>) => string };

function opaqueText(message: Extract<Message, { type: typeof MessageType.TRADING_SIGNAL | typeof MessageType.ORDERBOOK_UPDATE }>): string {
  let data: string;
  try {
    data = JSON.stringify(message.data);
  } catch (err) {
    throw invalidField(message.type, 'data', `not serialisable as JSON (${(err as Error).message})`);
  }
  return '{"type":' + message.type + ',"data":' + data + '}';
}

const TEXT_WRITERS: TextWriters = {
  [MessageType.NEWS_SENTIMENT]: (m) =>
    '{"type":2,"data":{"symbol":"' +
    m.symbol +
    '","timestamp":' +
    m.timestamp +
    ',"sentiment":"' +
    SENTIMENT_NAMES[m.sentiment] +
    '","score":' +
    m.score +
    ',"headline":' +
    JSON.stringify(m.headline) +
    ',"sequence":' +
    m.sequence +
    ',"sent_ns":' +
    m.sentNs +
    '}}',
  [MessageType.TRADING_SIGNAL]: opaqueText,
  [MessageType.ORDER]: (m) =>
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
    (m.signalData === undefined ? '' : ',"signal_data":' + signalDataJson(m.signalData)) +
    ',"order_type":"' +
    ORDER_TYPE_NAMES[m.orderType] +
    '","time_in_force":"' +
    TIME_IN_FORCE_NAMES[m.timeInForce] +
    '","tick_sent_ns":' +
    m.tickSentNs +
    ',"order_sent_ns":' +
    m.orderSentNs +
    '}}',
  [MessageType.TRADE_EXECUTION]: (m) =>
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
    ',"seq":' +
    m.sequence +
    '}}',
  [MessageType.ORDERBOOK_UPDATE]: opaqueText,
  [MessageType.HEARTBEAT]: (m) => '{"type":7,"data":{"timestamp":' + m.timestamp + ',"sent_ns":' + m.sentNs + '}}',
  [MessageType.SHUTDOWN]: (m) => '{"type":8,"data":{"reason":' + JSON.stringify(m.reason) + '}}',
  [MessageType.HELLO]: (m) =>
    '{"type":9,"data":{"protocol_version":' +
    m.protocolVersion +
    ',"client_name":' +
    JSON.stringify(m.clientName) +
    ',"binary":' +
    m.binary +
    helloOptionalText(m) +
    '}}',
  [MessageType.CANCEL]: (m) => '{"type":10,"data":{"order_id":' + JSON.stringify(m.orderId) + ',"symbol":"' + m.symbol + '","timestamp":' + m.timestamp + '}}',
  [MessageType.ERROR]: (m) => '{"type":11,"data":{"code":' + JSON.stringify(m.code) + ',"message":' + JSON.stringify(m.message) + '}}',
};

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

/** Room for the largest MARKET_DATA, where one that may not fit its target is written first. */
const scratch = Buffer.alloc(MARKET_DATA_FIXED_CHARS + 5 * MAX_NUMBER_CHARS + MARKET_DATA_LEVEL_CHARS * 2 * MAX_BOOK_DEPTH);
const scratchViews = new AsciiView();

/** MARKET_DATA's payload in the scratch buffer: its bytes are scratch[0, n). */
function marketDataInScratch(message: MarketData): number {
  checkLevelCounts(message);
  return writeMarketDataJson(message, scratch, 0, scratchViews);
}

/**
 * The JSON payload text of `message`. Throws E_MESSAGE_INVALID for a message our decoders
 * would refuse (e.g. a NaN price, which JSON cannot even carry).
 */
export function encodeJsonPayload(message: Message): string {
  if (message.type === MessageType.MARKET_DATA) return scratch.toString('latin1', 0, marketDataInScratch(message));
  assertEncodable(message);
  const write = TEXT_WRITERS[message.type] as (message: Message) => string;
  return write(message);
}

/** UTF-8 bytes of the JSON payload of `message`. */
export function jsonPayloadLength(message: Message): number {
  if (message.type === MessageType.MARKET_DATA) return marketDataInScratch(message);
  return Buffer.byteLength(encodeJsonPayload(message), 'utf8');
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
    if (message.type === MessageType.MARKET_DATA) {
      if (marketDataJsonBound(message) <= room) return writeMarketDataJson(message, target, offset, this.#views);
      const bytes = marketDataInScratch(message);
      if (bytes > room) return 0;
      return scratch.copy(target, offset, 0, bytes);
    }
    const text = encodeJsonPayload(message);
    if (text.length > room) return 0;
    if (message.type === MessageType.HEARTBEAT) return target.write(text, offset, 'latin1'); // numbers only: ASCII
    const written = target.write(text, offset, 'utf8');
    // utf8 writes stop before a character that does not fit, so a short write ends
    // within one sequence of the end of the room.
    if (written > room - MAX_UTF8_SEQUENCE && Buffer.byteLength(text, 'utf8') > written) return 0;
    return written;
  }
}

/** The optional fields of a HELLO: the session's (the secret goes only where it is given) and its subscription. */
function helloOptionalText(message: Hello): string {
  let text = '';
  if (message.authToken !== undefined && message.authToken !== '') text += ',"auth_token":' + JSON.stringify(message.authToken);
  if (message.session !== undefined && message.session !== '') text += ',"session":' + JSON.stringify(message.session);
  if (message.lastSequence !== undefined) text += ',"last_seq":' + message.lastSequence;
  if (message.resumed !== undefined) text += ',"resumed":' + message.resumed;
  if (message.replayTo !== undefined) text += ',"replay_to":' + message.replayTo;
  if (message.working !== undefined) text += ',"working":' + JSON.stringify(message.working);
  if (message.marketData === false) text += ',"market_data":false';
  if (message.priority === true) text += ',"priority":true';
  return text;
}
