/**
 * The fill line of trade-log-line.ts (`encodeFillLine`), written as UTF-8 straight into the
 * trade log's staging buffer: no string per fill. The trade log appends one per paced order
 * and the string it used to build (and the strings of its numbers and ids) was most of the
 * order manager's allocation, hence its young-generation collections in the acks' p99.
 *
 * The bytes are exactly those of `Buffer.from(encodeFillLine(...))`, for every input (the
 * line is the durable format: the seed's readers and our recovery read it; tests compare the
 * two over generated reports). Each value has a fast path that is exact where it applies and
 * falls back to the string the template would have used (allocating, but only then):
 * - numbers as JS prints them (`String(number)`): a safe integer is its digits;
 * - prices (integer units / 10^PRICE_DECIMALS): for |units| < 10^15 the trimmed decimal.
 *   That decimal has at most 15 significant digits and the price is the double nearest to it;
 *   as two decimals of at most 15 significant digits never round to the same double, it is
 *   the shortest that reads back, which is what JS prints (in [1e-6, 1e21): no exponent).
 *   An average price of fills at different prices is not whole units: it falls back;
 * - the timestamp (Date.now() / 1000): whole milliseconds, by the same argument when
 *   `ms / 1000` gives the timestamp back and |ms| < 10^15. Other timestamps (the backtest's
 *   microseconds, 16 digits) fall back;
 * - JSON strings (ids, symbol, client): ASCII from 0x20 to 0x7f other than `"` and `\` is
 *   copied between quotes; anything else is written from `JSON.stringify`;
 * - the fields the template inserts raw (execution id, names, liquidity): ASCII copied,
 *   anything else written as the template's UTF-8 would be.
 */
import { PRICE_DECIMALS, fromPriceUnits } from '../core/fixed-point.js';
import { EXECUTION_STATUS_NAMES, ORDER_TYPE_NAMES, SIDE_NAMES, TIME_IN_FORCE_NAMES, type ExecutionReport } from '../protocol/messages.js';
import type { Liquidity } from './execution-journal.js';

function ascii(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}

const EXECUTION_ID = ascii('{"execution_id":"');
const ORDER_ID = ascii('","order_id":');
const SYMBOL = ascii(',"symbol":');
const SIDE = ascii(',"side":"');
const QUANTITY = ascii('","quantity":');
const ORDER_PRICE = ascii(',"order_price":');
const EXECUTION_PRICE = ascii(',"execution_price":');
const TIMESTAMP = ascii(',"timestamp":');
const STATUS = ascii(',"status":"');
const ORDER_TYPE = ascii('","order_type":"');
const TIME_IN_FORCE = ascii('","time_in_force":"');
const ORDER_QUANTITY = ascii('","order_quantity":');
const FILLED_QUANTITY = ascii(',"filled_quantity":');
const LEAVES_QUANTITY = ascii(',"leaves_quantity":');
const AVERAGE_PRICE = ascii(',"average_price":');
const LIQUIDITY = ascii(',"liquidity":"');
const CLIENT = ascii('","client":');
const BOOK_SEQUENCE = ascii(',"book_sequence":');
const REPORT_SEQUENCE = ascii(',"report_sequence":');
const END = ascii('}\n');

/**
 * The fields around each known name, as one copy: `","side":"BUY","quantity":` and so on.
 * A value with no entry (none should occur) is written by the template's rule instead.
 */
function fieldsByValue(names: Readonly<Record<number, string>>, before: Uint8Array, after: Uint8Array): (Uint8Array | undefined)[] {
  const table: (Uint8Array | undefined)[] = [];
  for (const [value, name] of Object.entries(names)) table[Number(value)] = Buffer.concat([before, ascii(name), after]);
  return table;
}

const EMPTY = new Uint8Array(0);
const SIDE_FIELDS = fieldsByValue(SIDE_NAMES, SIDE, QUANTITY);
const STATUS_FIELDS = fieldsByValue(EXECUTION_STATUS_NAMES, STATUS, EMPTY);
const ORDER_TYPE_FIELDS = fieldsByValue(ORDER_TYPE_NAMES, ORDER_TYPE, EMPTY);
const TIME_IN_FORCE_FIELDS = fieldsByValue(TIME_IN_FORCE_NAMES, TIME_IN_FORCE, ORDER_QUANTITY);
const TAKER_FIELDS = Buffer.concat([LIQUIDITY, ascii('taker'), CLIENT]);
const MAKER_FIELDS = Buffer.concat([LIQUIDITY, ascii('maker'), CLIENT]);

const FIXED_BYTES = [
  EXECUTION_ID, ORDER_ID, SYMBOL, SIDE, QUANTITY, ORDER_PRICE, EXECUTION_PRICE, TIMESTAMP, STATUS, ORDER_TYPE,
  TIME_IN_FORCE, ORDER_QUANTITY, FILLED_QUANTITY, LEAVES_QUANTITY, AVERAGE_PRICE, LIQUIDITY, CLIENT, BOOK_SEQUENCE,
  REPORT_SEQUENCE, END,
].reduce((sum, bytes) => sum + bytes.length, 0);
/** Numbers in a line: 4 quantities, 3 prices, the timestamp, 2 sequences. */
const NUMBERS = 10;
/** The longest `String(number)`: `-2.2250738585072014e-308` is 24 characters. */
const NUMBER_MAX_BYTES = 25;
/** JSON.stringify: at most 6 bytes per UTF-16 unit (`\u001f`, a lone surrogate), plus quotes. */
const JSON_BYTES_PER_UNIT = 6;
/** UTF-8: at most 3 bytes per UTF-16 unit. */
const UTF8_BYTES_PER_UNIT = 3;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const PRICE_DIVISOR = 10 ** PRICE_DECIMALS;
/** Below this, a whole number of units or milliseconds has at most 15 significant digits. */
const EXACT_DIGITS_LIMIT = 1e15;

/**
 * The number being written, handed over in a Float64Array: a double passed as an argument to
 * a function the compiler does not inline is boxed (a heap number per call), one read from
 * here is not. The digits are then written from int32 parts of at most 8 digits.
 */
const slot = new Float64Array(1);
const LOW_DIGITS = 8;
const LOW_DIVISOR = 10 ** LOW_DIGITS;

/** An upper bound of the bytes `writeFillLine` writes for these values. */
export function fillLineMaxBytes(report: Readonly<ExecutionReport>, client: string, liquidity: Liquidity): number {
  const rawUnits =
    report.executionId.length +
    String(SIDE_NAMES[report.side]).length +
    String(EXECUTION_STATUS_NAMES[report.status]).length +
    String(ORDER_TYPE_NAMES[report.orderType]).length +
    String(TIME_IN_FORCE_NAMES[report.timeInForce]).length +
    liquidity.length;
  const jsonUnits = report.orderId.length + report.symbol.length + client.length;
  return FIXED_BYTES + NUMBERS * NUMBER_MAX_BYTES + UTF8_BYTES_PER_UNIT * rawUnits + JSON_BYTES_PER_UNIT * jsonUnits + 3 * 2;
}

/**
 * Write the line `encodeFillLine(report, client, liquidity, bookSequence)` (newline included)
 * into `buffer` from `at`; returns its end. The caller guarantees `fillLineMaxBytes` of room.
 */
export function writeFillLine(buffer: Buffer, at: number, report: Readonly<ExecutionReport>, client: string, liquidity: Liquidity, bookSequence: number): number {
  at = copy(buffer, at, EXECUTION_ID);
  at = writeRaw(buffer, at, report.executionId);
  at = copy(buffer, at, ORDER_ID);
  at = writeJsonString(buffer, at, report.orderId);
  at = copy(buffer, at, SYMBOL);
  at = writeJsonString(buffer, at, report.symbol);
  at = writeNamed(buffer, at, SIDE_FIELDS, report.side, SIDE, SIDE_NAMES, QUANTITY);
  slot[0] = report.lastQuantity;
  at = writeNumber(buffer, at);
  at = copy(buffer, at, ORDER_PRICE);
  slot[0] = report.orderPrice;
  at = writePrice(buffer, at);
  at = copy(buffer, at, EXECUTION_PRICE);
  slot[0] = report.lastPrice;
  at = writePrice(buffer, at);
  at = copy(buffer, at, TIMESTAMP);
  slot[0] = report.timestamp;
  at = writeTimestamp(buffer, at);
  at = writeNamed(buffer, at, STATUS_FIELDS, report.status, STATUS, EXECUTION_STATUS_NAMES, EMPTY);
  at = writeNamed(buffer, at, ORDER_TYPE_FIELDS, report.orderType, ORDER_TYPE, ORDER_TYPE_NAMES, EMPTY);
  at = writeNamed(buffer, at, TIME_IN_FORCE_FIELDS, report.timeInForce, TIME_IN_FORCE, TIME_IN_FORCE_NAMES, ORDER_QUANTITY);
  slot[0] = report.orderQuantity;
  at = writeNumber(buffer, at);
  at = copy(buffer, at, FILLED_QUANTITY);
  slot[0] = report.filledQuantity;
  at = writeNumber(buffer, at);
  at = copy(buffer, at, LEAVES_QUANTITY);
  slot[0] = report.leavesQuantity;
  at = writeNumber(buffer, at);
  at = copy(buffer, at, AVERAGE_PRICE);
  slot[0] = report.averagePrice;
  at = writePrice(buffer, at);
  if (liquidity === 'taker') at = copy(buffer, at, TAKER_FIELDS);
  else if (liquidity === 'maker') at = copy(buffer, at, MAKER_FIELDS);
  else at = copy(buffer, writeRaw(buffer, copy(buffer, at, LIQUIDITY), liquidity), CLIENT);
  at = writeJsonString(buffer, at, client);
  at = copy(buffer, at, BOOK_SEQUENCE);
  slot[0] = bookSequence;
  at = writeNumber(buffer, at);
  if (report.sequence > 0) {
    at = copy(buffer, at, REPORT_SEQUENCE);
    slot[0] = report.sequence;
    at = writeNumber(buffer, at);
  }
  return copy(buffer, at, END);
}

/** `before` + the name of `value` (as the template prints it) + `after`. */
function writeNamed(buffer: Buffer, at: number, fields: readonly (Uint8Array | undefined)[], value: number, before: Uint8Array, names: Readonly<Record<number, string>>, after: Uint8Array): number {
  const known = Number.isInteger(value) && value >= 0 ? fields[value] : undefined;
  if (known !== undefined) return copy(buffer, at, known);
  return copy(buffer, writeRaw(buffer, copy(buffer, at, before), String(names[value])), after);
}

function copy(buffer: Buffer, at: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) buffer[at++] = bytes[i] as number;
  return at;
}

/** `text` as the template inserts it (no escaping), UTF-8. */
function writeRaw(buffer: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // written over from the start: the template's UTF-8 of the whole text
    if (code > 0x7f) return at + buffer.write(text, at, 'utf8');
    buffer[at + i] = code;
  }
  return at + text.length;
}

/** `JSON.stringify(text)`, UTF-8. */
function writeJsonString(buffer: Buffer, at: number, text: string): number {
  buffer[at] = QUOTE;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // written over from the start: JSON.stringify escapes or encodes this text
    if (code < 0x20 || code > 0x7f || code === QUOTE || code === BACKSLASH) return at + buffer.write(JSON.stringify(text), at, 'utf8');
    buffer[at + 1 + i] = code;
  }
  at += 1 + text.length;
  buffer[at++] = QUOTE;
  return at;
}

/** `String(slot[0])`. */
function writeNumber(buffer: Buffer, at: number): number {
  const value = slot[0] as number;
  if (!Number.isSafeInteger(value)) return writeRaw(buffer, at, String(value));
  if (value < 0) buffer[at++] = MINUS;
  // -0 prints as 0
  slot[0] = Math.abs(value);
  return writeWhole(buffer, at);
}

/** slot[0] (whole, 0 <= slot[0] < 2^53) in decimal. */
function writeWhole(buffer: Buffer, at: number): number {
  const value = slot[0] as number;
  if (value < LOW_DIVISOR) return writeSmallDigits(buffer, at, value | 0, 1);
  // split into two int32 parts (Math.floor of the quotient can be one off: corrected; the product is exact)
  let high = Math.floor(value / LOW_DIVISOR);
  let low = value - high * LOW_DIVISOR;
  if (low < 0) {
    high -= 1;
    low += LOW_DIVISOR;
  } else if (low >= LOW_DIVISOR) {
    high += 1;
    low -= LOW_DIVISOR;
  }
  at = writeSmallDigits(buffer, at, high | 0, 1);
  return writeSmallDigits(buffer, at, low | 0, LOW_DIGITS);
}

/** `value` (an int32, 0 <= value < 10^8) in decimal, zero-padded to at least `minDigits`. */
function writeSmallDigits(buffer: Buffer, at: number, value: number, minDigits: number): number {
  let digits = value < 10_000 ? (value < 100 ? (value < 10 ? 1 : 2) : value < 1_000 ? 3 : 4) : value < 1_000_000 ? (value < 100_000 ? 5 : 6) : value < 10_000_000 ? 7 : 8;
  if (digits < minDigits) digits = minDigits;
  const end = at + digits;
  for (let i = end - 1; i >= at; i--) {
    const rest = (value / 10) | 0;
    buffer[i] = ZERO + value - rest * 10;
    value = rest;
  }
  return end;
}

/**
 * `String(slot[0] / divisor)` where slot[0] is whole, |slot[0]| < 10^15, divisor = 10^decimals
 * (<= 10^8): the trimmed decimal (see the top of the file for why that is how JS prints it).
 */
function writeDecimal(buffer: Buffer, at: number, decimals: number, divisor: number): number {
  const whole = slot[0] as number;
  if (whole < 0) buffer[at++] = MINUS;
  const magnitude = Math.abs(whole);
  let units = Math.floor(magnitude / divisor);
  let rest = magnitude - units * divisor;
  if (rest < 0) {
    units -= 1;
    rest += divisor;
  } else if (rest >= divisor) {
    units += 1;
    rest -= divisor;
  }
  slot[0] = units;
  at = writeWhole(buffer, at);
  let fraction = rest | 0;
  if (fraction === 0) return at;
  let digits = decimals;
  while (fraction % 10 === 0) {
    fraction = (fraction / 10) | 0;
    digits--;
  }
  buffer[at++] = DOT;
  return writeSmallDigits(buffer, at, fraction, digits);
}

/** `String(fromPriceUnits(slot[0]))`. */
function writePrice(buffer: Buffer, at: number): number {
  const units = slot[0] as number;
  if (Number.isInteger(units) && Math.abs(units) < EXACT_DIGITS_LIMIT) return writeDecimal(buffer, at, PRICE_DECIMALS, PRICE_DIVISOR);
  return writeRaw(buffer, at, String(fromPriceUnits(units)));
}

/** `String(slot[0])` for a timestamp in seconds. */
function writeTimestamp(buffer: Buffer, at: number): number {
  const seconds = slot[0] as number;
  const ms = Math.round(seconds * 1000);
  if (ms / 1000 !== seconds || Math.abs(ms) >= EXACT_DIGITS_LIMIT) return writeNumber(buffer, at);
  slot[0] = ms;
  return writeDecimal(buffer, at, 3, 1000);
}
