/**
 * MARKET_DATA in JSON, decoded in this one place, straight from the bytes, in the shape
 * our encoder (and the seed's json.dumps, which adds spaces) writes it:
 *
 *   {"type":1,"data":{"symbol":"AAPL","timestamp":1730700000.123,"bids":[[189.49,300],...],
 *    "asks":[...],"last_price":189.5,"volume":1204331[,"sequence":7][,"sent_ns":7000]}}
 *
 * with JSON whitespace allowed between tokens.
 *
 * `decode` takes a raw payload: it either decodes it completely, into exactly what
 * JSON.parse would give for those numbers, or returns false (other message types, other
 * key orders, unknown or duplicate keys, escapes, malformed text, bad values). It never
 * throws and never decides an error. The JSON decoder then parses the payload with
 * JSON.parse (which decides whether it is JSON at all) and hands the `data` object to
 * `decodeParsed`, which writes the MARKET_DATA fields in the usual order and shape and
 * runs the same `decode` on that text: so the values always come from this one parser,
 * whatever the key order. When that fails too, the field it stopped at is the first bad
 * one in field order, and fieldError (json-fields.ts) words the error.
 *
 * Numbers: JSON.parse returns the double nearest to the decimal text. When its digits,
 * read as an integer m, are below 2^53 (exact as a double) and at most 22 of them follow
 * the point (10^k exact too), that double is m / 10^k: IEEE division rounds the exact
 * quotient correctly (Clinger's fast path). Anything longer, or with an exponent, is
 * checked against JSON's number grammar and converted by Number() (which allocates its
 * text, off the hot path).
 */
import { PRICE_SCALE } from '../core/fixed-point.js';
import { MessageType } from './messages.js';
import type { MarketData } from './messages.js';
import { fieldError } from './json-fields.js';
import type { JsonObject } from './json-fields.js';
import type { SymbolInterner } from './symbol-interner.js';
import { MAX_PRICE_UNITS, MAX_SYMBOL_LENGTH, isFiniteNumber } from './validation.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const SPACE = 0x20;
const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const PLUS = 0x2b;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** Integers below this are exact doubles, and so is every step of accumulating them. */
const EXACT_MANTISSA_LIMIT = 2 ** 53;
/** 10^0 .. 10^22, every one exact as a double. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);
const MAX_FRACTION_DIGITS = POWERS_OF_TEN.length - 1;
/** The general path's bound on a decimal price (validation.ts MAX_PRICE_UNITS in currency). */
const MAX_DECIMAL_PRICE = MAX_PRICE_UNITS / PRICE_SCALE;

function keyBytes(key: string): Uint8Array {
  return Uint8Array.from(`"${key}"`, (character) => character.charCodeAt(0));
}
/** `,"key":`, the exact text between a value and the next in our own output. */
function nextKeyBytes(key: string): Uint8Array {
  return Uint8Array.from(`,"${key}":`, (character) => character.charCodeAt(0));
}
/** How our encoder starts a MARKET_DATA, up to the symbol's opening quote (excluded). */
const EXACT_HEAD = Uint8Array.from('{"type":1,"data":{"symbol":', (character) => character.charCodeAt(0));
const NEXT_TIMESTAMP = nextKeyBytes('timestamp');
const NEXT_BIDS = nextKeyBytes('bids');
const NEXT_ASKS = nextKeyBytes('asks');
const NEXT_LAST_PRICE = nextKeyBytes('last_price');
const NEXT_VOLUME = nextKeyBytes('volume');
const NEXT_SEQUENCE = nextKeyBytes('sequence');
const NEXT_SENT_NS = nextKeyBytes('sent_ns');
const KEY_TYPE = keyBytes('type');
const KEY_DATA = keyBytes('data');
const KEY_SYMBOL = keyBytes('symbol');
const KEY_TIMESTAMP = keyBytes('timestamp');
const KEY_BIDS = keyBytes('bids');
const KEY_ASKS = keyBytes('asks');
const KEY_LAST_PRICE = keyBytes('last_price');
const KEY_VOLUME = keyBytes('volume');
const KEY_SEQUENCE = keyBytes('sequence');
const KEY_SENT_NS = keyBytes('sent_ns');

/** Position of the first non-whitespace byte at or after `at` (or `end`). */
function skipSpace(bytes: Buffer, at: number, end: number): number {
  while (at < end) {
    const code = bytes[at];
    // Every byte this path accepts outside whitespace is above the space: one test, usually.
    if (code > SPACE || (code !== SPACE && code !== LINE_FEED && code !== CARRIAGE_RETURN && code !== TAB)) return at;
    at++;
  }
  return at;
}

/** After `byte` (whitespace allowed before it and skipped after it), or -1. */
function expect(bytes: Buffer, at: number, end: number, byte: number): number {
  if (at < 0) return -1;
  at = skipSpace(bytes, at, end);
  if (at >= end || bytes[at] !== byte) return -1;
  return skipSpace(bytes, at + 1, end);
}

/**
 * After `"key"` and its colon (whitespace allowed around the colon and skipped after it),
 * or -1. `at` must already be past any whitespace before the key.
 */
function expectKey(bytes: Buffer, at: number, end: number, key: Uint8Array): number {
  const length = key.length;
  if (at < 0 || at + length > end) return -1;
  for (let i = 0; i < length; i++) {
    if (bytes[at + i] !== key[i]) return -1;
  }
  return expect(bytes, at + length, end, COLON);
}

/**
 * `,"key":` exactly as our encoder writes it (no whitespace), else the same tokens with
 * whitespace allowed: the position after the colon and any whitespace, or -1. The exact
 * form is one short byte comparison instead of five token steps.
 */
function nextKey(bytes: Buffer, at: number, end: number, exact: Uint8Array, key: Uint8Array): number {
  const after = matchExact(bytes, at, end, exact);
  if (after >= 0) return skipSpace(bytes, after, end);
  return expectKey(bytes, expect(bytes, at, end, COMMA), end, key);
}

/** The position after `exact` when the bytes at `at` are exactly it, else -1. */
function matchExact(bytes: Buffer, at: number, end: number, exact: Uint8Array): number {
  const length = exact.length;
  if (at < 0 || at + length > end) return -1;
  for (let i = 0; i < length; i++) {
    if (bytes[at + i] !== exact[i]) return -1;
  }
  return at + length;
}

/**
 * Where readNumber and readPrice leave the value. A Float64Array slot rather than a
 * return value: a double returned from a call that is not inlined is boxed into a new
 * heap number, which would make every number of every message an allocation.
 */
const value = new Float64Array(1);

/**
 * The JSON number at `at` (no whitespace before it), if its double is exactly
 * mantissa / 10^k (see the file comment): its value in value[0], and the position after
 * it and any whitespace; otherwise -1. Leading zeros, a bare "-", "1." and ".5" are not
 * JSON: -1.
 *
 * Digits accumulate in a double without a check per digit: while the exact mantissa is
 * below 2^53 every step is exact, and once it reaches 2^53 the computed one does too
 * (rounding is monotonic and 2^53 is a double), so one test at the end tells them apart.
 */
function readNumber(bytes: Buffer, at: number, end: number): number {
  if (at < 0 || at >= end) return -1;
  const start = at;
  let code = bytes[at];
  const negative = code === MINUS;
  if (negative) {
    at++;
    code = bytes[at]; // '-' is not the last byte (that is '}')
  }
  let mantissa = 0;
  // No bounds tests inside the digit loops: decode() made sure the payload's last byte
  // is '}', which stops every run of digits before the end.
  if (code === DIGIT_0) {
    at++;
    code = bytes[at];
    if (code >= DIGIT_0 && code <= DIGIT_9) return -1; // a leading zero
  } else if (code > DIGIT_0 && code <= DIGIT_9) {
    do {
      mantissa = mantissa * 10 + (code - DIGIT_0);
      at++;
      code = bytes[at];
    } while (code >= DIGIT_0 && code <= DIGIT_9);
  } else {
    return -1;
  }
  let fractionDigits = 0;
  if (code === DOT) {
    at++;
    const first = at;
    code = bytes[at];
    while (code >= DIGIT_0 && code <= DIGIT_9) {
      mantissa = mantissa * 10 + (code - DIGIT_0);
      at++;
      code = bytes[at];
    }
    fractionDigits = at - first;
    if (fractionDigits === 0) return -1;
  }
  if (code === LOWER_E || code === UPPER_E || !(mantissa < EXACT_MANTISSA_LIMIT) || fractionDigits > MAX_FRACTION_DIGITS) {
    return readNumberSlowly(bytes, start, at, end);
  }
  const magnitude = fractionDigits === 0 ? mantissa : mantissa / POWERS_OF_TEN[fractionDigits];
  value[0] = negative ? -magnitude : magnitude;
  return skipSpace(bytes, at, end);
}

/**
 * A number readNumber cannot convert exactly by itself: [start, at) is already a valid
 * JSON integer and fraction; an exponent may follow. Number() of the text is the double
 * JSON.parse would give.
 */
function readNumberSlowly(bytes: Buffer, start: number, at: number, end: number): number {
  let code = bytes[at];
  if (code === LOWER_E || code === UPPER_E) {
    at++;
    code = bytes[at];
    if (code === PLUS || code === MINUS) {
      at++;
      code = bytes[at];
    }
    const first = at;
    while (at < end && code >= DIGIT_0 && code <= DIGIT_9) {
      at++;
      code = bytes[at];
    }
    if (at === first) return -1;
  }
  const number = Number(bytes.toString('latin1', start, at));
  if (!isFiniteNumber(number)) return -1; // 1e400: for the caller, not a usable number
  value[0] = number;
  return skipSpace(bytes, at, end);
}

/**
 * A decimal price at `at`: integer price units in value[0], exactly as the general path
 * rounds them, and the position after it; or -1.
 */
function readPrice(bytes: Buffer, at: number, end: number): number {
  const after = readNumber(bytes, at, end);
  if (after < 0) return -1;
  const decimal = value[0];
  if (!(decimal <= MAX_DECIMAL_PRICE && decimal >= -MAX_DECIMAL_PRICE)) return -1;
  value[0] = Math.round(decimal * PRICE_SCALE) + 0; // + 0 turns -0 into 0, as the general path does
  return after;
}

/** Where readLevels stopped (past the closing bracket and whitespace). */
let levelsEnd = 0;

/**
 * `[[price, size], ...]` at `at` into the arrays: the level count (levelsEnd set), or -1.
 * More levels than the arrays hold is the general path's error to report.
 */
function readLevels(bytes: Buffer, at: number, end: number, prices: Float64Array, sizes: Float64Array): number {
  if (at < 0 || at >= end || bytes[at] !== OPEN_ARRAY) return -1;
  at = skipSpace(bytes, at + 1, end);
  if (at < end && bytes[at] === CLOSE_ARRAY) {
    levelsEnd = skipSpace(bytes, at + 1, end);
    return 0;
  }
  const capacity = prices.length;
  let count = 0;
  for (;;) {
    if (count === capacity || at >= end || bytes[at] !== OPEN_ARRAY) return -1;
    at = readPrice(bytes, skipSpace(bytes, at + 1, end), end);
    if (at < 0 || at >= end || bytes[at] !== COMMA) return -1;
    prices[count] = value[0];
    at = readNumber(bytes, skipSpace(bytes, at + 1, end), end);
    if (at < 0 || at >= end || bytes[at] !== CLOSE_ARRAY) return -1;
    sizes[count] = value[0];
    count++;
    // "],[" is the usual way to the next level (it cannot be the payload's end: that is '}').
    if (bytes[at + 1] === COMMA && bytes[at + 2] === OPEN_ARRAY) {
      at += 2;
      continue;
    }
    at = skipSpace(bytes, at + 1, end);
    if (at >= end) return -1;
    const code = bytes[at];
    at = skipSpace(bytes, at + 1, end);
    if (code === CLOSE_ARRAY) {
      levelsEnd = at;
      return count;
    }
    if (code !== COMMA) return -1;
  }
}

/** Where readSymbol stopped. */
let symbolEnd = 0;

/** `"SYMBOL"` at `at`: the interned symbol (symbolEnd set), or undefined for anything else (escapes included). */
function readSymbol(bytes: Buffer, at: number, end: number, interner: SymbolInterner): string | undefined {
  if (at < 0 || at >= end || bytes[at] !== QUOTE) return undefined;
  const start = at + 1;
  const limit = Math.min(end, start + MAX_SYMBOL_LENGTH + 1);
  let close = start;
  while (close < limit && bytes[close] !== QUOTE) close++;
  if (close === limit) return undefined;
  symbolEnd = skipSpace(bytes, close + 1, end);
  return interner.internAscii(bytes, start, close - start);
}

/**
 * The field decode() stopped at when it returned false (still '' when it stopped before
 * the fields or after them). Reset and read by decodeParsed only, so the hot path only
 * writes it when it fails; module state like the positions above.
 */
let failedField = '';

function fail(field: string): false {
  failedField = field;
  return false;
}

/** The MARKET_DATA fields in the order decode() reads them (and the order our encoder writes them). */
const FIELDS = ['symbol', 'timestamp', 'bids', 'asks', 'last_price', 'volume', 'sequence', 'sent_ns'] as const;

/**
 * A parsed JSON value as JSON text that decode() reads back to the same value: numbers
 * in their shortest round-trip form, -0 kept, and ±Infinity (what JSON.parse makes of
 * 1e400) as ±1e400.
 */
function jsonText(value: unknown): string {
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return '-0';
    if (value === Infinity) return '1e400';
    if (value === -Infinity) return '-1e400';
    return String(value);
  }
  if (Array.isArray(value)) return '[' + value.map(jsonText).join(',') + ']';
  if (typeof value === 'object' && value !== null) {
    return '{' + Object.entries(value).map(([key, item]) => JSON.stringify(key) + ':' + jsonText(item)).join(',') + '}';
  }
  return JSON.stringify(value);
}

/**
 * Decodes MARKET_DATA (see the file comment). Not reentrant (it keeps positions in module
 * variables), which one synchronous call never needs.
 */
export class MarketDataJsonDecoder {
  readonly #interner: SymbolInterner;

  constructor(interner: SymbolInterner) {
    this.#interner = interner;
  }

  /**
   * Decode buffer[offset, offset + length) into `target` and return true, or return false
   * when the payload is anything but a MARKET_DATA in the usual shape with valid values
   * (the caller then parses it with JSON.parse and calls decodeParsed). It may have
   * written into the target before giving up.
   */
  decode(buffer: Buffer, offset: number, length: number, target: MarketData): boolean {
    const end = offset + length;
    // The number loops rely on this: a '}' at the end ends every run of digits inside.
    // (Trailing whitespace after it is valid JSON, and left to JSON.parse.)
    if (length < 2 || buffer[end - 1] !== CLOSE_OBJECT) return false;
    let at = matchExact(buffer, offset, end, EXACT_HEAD);
    if (at < 0) {
      at = expect(buffer, offset, end, OPEN_OBJECT);
      at = readNumber(buffer, expectKey(buffer, at, end, KEY_TYPE), end);
      if (at < 0 || value[0] !== 1) return false;
      at = expect(buffer, at, end, COMMA);
      at = expectKey(buffer, at, end, KEY_DATA);
      at = expect(buffer, at, end, OPEN_OBJECT);
      at = expectKey(buffer, at, end, KEY_SYMBOL);
    }
    const symbol = readSymbol(buffer, at, end, this.#interner);
    if (symbol === undefined) return fail('symbol');
    at = readNumber(buffer, nextKey(buffer, symbolEnd, end, NEXT_TIMESTAMP, KEY_TIMESTAMP), end);
    if (at < 0) return fail('timestamp');
    const timestamp = value[0];
    at = nextKey(buffer, at, end, NEXT_BIDS, KEY_BIDS);
    const bidCount = readLevels(buffer, at, end, target.bidPrices, target.bidSizes);
    if (bidCount < 0) return fail('bids');
    at = nextKey(buffer, levelsEnd, end, NEXT_ASKS, KEY_ASKS);
    const askCount = readLevels(buffer, at, end, target.askPrices, target.askSizes);
    if (askCount < 0) return fail('asks');
    at = readPrice(buffer, nextKey(buffer, levelsEnd, end, NEXT_LAST_PRICE, KEY_LAST_PRICE), end);
    if (at < 0) return fail('last_price');
    const lastPrice = value[0];
    at = readNumber(buffer, nextKey(buffer, at, end, NEXT_VOLUME, KEY_VOLUME), end);
    if (at < 0) return fail('volume');
    const volume = value[0];
    let sequence = 0;
    let sentNs = 0;
    if (at < end && buffer[at] === COMMA) {
      const afterSequence = nextKey(buffer, at, end, NEXT_SEQUENCE, KEY_SEQUENCE);
      if (afterSequence >= 0) {
        at = readNumber(buffer, afterSequence, end);
        if (at < 0) return fail('sequence');
        sequence = value[0];
      }
    }
    if (at < end && buffer[at] === COMMA) {
      at = readNumber(buffer, nextKey(buffer, at, end, NEXT_SENT_NS, KEY_SENT_NS), end);
      if (at < 0) return fail('sent_ns');
      sentNs = value[0];
    }
    at = expect(buffer, at, end, CLOSE_OBJECT);
    at = expect(buffer, at, end, CLOSE_OBJECT);
    if (at !== end) return false;
    target.symbol = symbol;
    target.timestamp = timestamp;
    target.bidCount = bidCount;
    target.askCount = askCount;
    target.lastPrice = lastPrice;
    target.volume = volume;
    target.sequence = sequence;
    target.sentNs = sentNs;
    return true;
  }

  /**
   * The `data` object of a MARKET_DATA that JSON.parse accepted but decode() did not:
   * its fields written in decode()'s order and shape, then decoded by decode(). Throws
   * E_MESSAGE_INVALID naming the first bad field.
   */
  decodeParsed(data: JsonObject, target: MarketData): MarketData {
    let text = '{"type":1,"data":{';
    let separator = '';
    for (const field of FIELDS) {
      const item = data[field];
      if (item === undefined) continue;
      text += separator + '"' + field + '":' + jsonText(item);
      separator = ',';
    }
    const bytes = Buffer.from(text + '}}', 'utf8');
    failedField = '';
    if (this.decode(bytes, 0, bytes.length, target)) return target;
    const field = failedField === '' ? 'data' : failedField;
    throw fieldError(MessageType.MARKET_DATA, field, data[field], target.bidPrices.length);
  }
}
