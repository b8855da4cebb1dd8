/**
 * A fast path for the one hot JSON message, MARKET_DATA, in the shape our encoder (and
 * the seed's json.dumps, which adds spaces) writes it:
 *
 *   {"type":1,"data":{"symbol":"AAPL","timestamp":1730700000.123,"bids":[[189.49,300],...],
 *    "asks":[...],"last_price":189.5,"volume":1204331[,"sequence":7][,"sent_ns":7000]}}
 *
 * parsed straight from the bytes, with JSON whitespace allowed between tokens. It either
 * decodes the payload completely, into the same values the general path (UTF-8 →
 * JSON.parse → validation) would produce, or gives up and returns false, after which the
 * caller runs the general path from scratch. It never throws and never decides an error:
 * anything it does not recognise (other message types, other key orders, unknown or
 * duplicate keys, escapes, exponents, numbers it cannot convert exactly, values the
 * validation would refuse, malformed text) goes to the general path, so results and
 * errors are those of the general path by construction. It may have written into the
 * target before giving up (the decoder's contract allows that).
 *
 * Numbers: JSON.parse returns the double nearest to the decimal text. For text of at most
 * 15-16 significant digits (mantissa m < 2^53, exact as a double) and at most 22 fraction
 * digits, that double is m / 10^k: both operands are exact and IEEE division rounds the
 * exact quotient correctly (Clinger's fast path). Anything longer, or with an exponent,
 * is left to the general path.
 */
import { PRICE_SCALE } from '../core/fixed-point.js';
import type { MarketData } from './messages.js';
import type { SymbolInterner } from './symbol-interner.js';
import { MAX_PRICE_UNITS } from './validation.js';

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

/** Above this, mantissa * 10 + 9 could pass 2^53 and stop being exact. */
const MANTISSA_LIMIT = Math.floor((2 ** 53 - 9) / 10);
/** 10^0 .. 10^22, every one exact as a double. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);
const MAX_FRACTION_DIGITS = POWERS_OF_TEN.length - 1;
/** The general path's bound on a decimal price (validation.ts MAX_PRICE_UNITS in currency). */
const MAX_DECIMAL_PRICE = MAX_PRICE_UNITS / PRICE_SCALE;

function keyBytes(key: string): Uint8Array {
  return Uint8Array.from(`"${key}"`, (character) => character.charCodeAt(0));
}
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

/**
 * One parse: the bytes, a cursor and the end. Methods return false / NaN when the text is
 * not the expected shape; the cursor is then meaningless.
 */
class Cursor {
  bytes: Buffer = Buffer.alloc(0);
  at = 0;
  end = 0;

  /** The byte at the cursor after whitespace, or -1 at the end (the cursor stays on it). */
  peek(): number {
    const bytes = this.bytes;
    const end = this.end;
    let at = this.at;
    while (at < end) {
      const code = bytes[at];
      if (code !== SPACE && code !== LINE_FEED && code !== CARRIAGE_RETURN && code !== TAB) {
        this.at = at;
        return code;
      }
      at++;
    }
    this.at = at;
    return -1;
  }

  /** Consume `code` (after whitespace). */
  take(code: number): boolean {
    if (this.peek() !== code) return false;
    this.at++;
    return true;
  }

  /** Consume `"key"` then `:` (whitespace allowed around). */
  key(key: Uint8Array): boolean {
    if (this.peek() !== QUOTE) return false;
    const bytes = this.bytes;
    const at = this.at;
    const length = key.length;
    if (at + length > this.end) return false;
    for (let i = 1; i < length; i++) {
      if (bytes[at + i] !== key[i]) return false;
    }
    this.at = at + length;
    return this.take(COLON);
  }

  /** Consume `,` then `"key"` then `:`. */
  nextKey(key: Uint8Array): boolean {
    return this.take(COMMA) && this.key(key);
  }

  /**
   * A JSON number with no exponent whose double is exactly mantissa / 10^k (see the file
   * comment), or NaN. Leading zeros, a bare "-", "1." and ".5" are not JSON: NaN.
   */
  number(): number {
    let code = this.peek();
    const bytes = this.bytes;
    const end = this.end;
    let at = this.at;
    let negative = false;
    if (code === MINUS) {
      negative = true;
      at++;
      code = at < end ? bytes[at] : -1;
    }
    let mantissa = 0;
    if (code === DIGIT_0) {
      at++;
    } else if (code > DIGIT_0 && code <= DIGIT_9) {
      do {
        if (mantissa > MANTISSA_LIMIT) return Number.NaN;
        mantissa = mantissa * 10 + (code - DIGIT_0);
        at++;
        code = at < end ? bytes[at] : -1;
      } while (code >= DIGIT_0 && code <= DIGIT_9);
    } else {
      return Number.NaN;
    }
    code = at < end ? bytes[at] : -1;
    let fractionDigits = 0;
    if (code === DOT) {
      at++;
      code = at < end ? bytes[at] : -1;
      if (!(code >= DIGIT_0 && code <= DIGIT_9)) return Number.NaN;
      do {
        if (mantissa > MANTISSA_LIMIT || fractionDigits === MAX_FRACTION_DIGITS) return Number.NaN;
        mantissa = mantissa * 10 + (code - DIGIT_0);
        fractionDigits++;
        at++;
        code = at < end ? bytes[at] : -1;
      } while (code >= DIGIT_0 && code <= DIGIT_9);
    } else if (code >= DIGIT_0 && code <= DIGIT_9) {
      return Number.NaN; // a leading zero followed by digits
    }
    // An exponent is left to the general path; so is anything else glued to the number.
    if (code === 0x65 || code === 0x45) return Number.NaN;
    this.at = at;
    const magnitude = fractionDigits === 0 ? mantissa : mantissa / POWERS_OF_TEN[fractionDigits];
    return negative ? -magnitude : magnitude;
  }

  /** A decimal price as integer price units, exactly as the general path rounds it, or NaN. */
  price(): number {
    const value = this.number();
    if (!(value <= MAX_DECIMAL_PRICE && value >= -MAX_DECIMAL_PRICE)) return Number.NaN;
    return Math.round(value * PRICE_SCALE) + 0; // + 0 turns -0 into 0, as the general path does
  }

  /**
   * `[[price, size], ...]` into the arrays; the level count, or -1. More levels than the
   * arrays hold is the general path's error to report.
   */
  levels(prices: Float64Array, sizes: Float64Array): number {
    if (!this.take(OPEN_ARRAY)) return -1;
    if (this.peek() === CLOSE_ARRAY) {
      this.at++;
      return 0;
    }
    const capacity = prices.length;
    let count = 0;
    for (;;) {
      if (count === capacity || !this.take(OPEN_ARRAY)) return -1;
      const price = this.price();
      if (price !== price || !this.take(COMMA)) return -1;
      const size = this.number();
      if (size !== size || !this.take(CLOSE_ARRAY)) return -1;
      prices[count] = price;
      sizes[count] = size;
      count++;
      const code = this.peek();
      this.at++;
      if (code === CLOSE_ARRAY) return count;
      if (code !== COMMA) return -1;
    }
  }

  /** `"SYMBOL"`: the interned symbol, or undefined for anything else (escapes included). */
  symbol(interner: SymbolInterner): string | undefined {
    if (this.peek() !== QUOTE) return undefined;
    const bytes = this.bytes;
    const start = this.at + 1;
    const limit = Math.min(this.end, start + 9);
    let at = start;
    while (at < limit && bytes[at] !== QUOTE) at++;
    if (at === limit) return undefined;
    this.at = at + 1;
    return interner.internAscii(bytes, start, at - start);
  }
}

/**
 * Decodes MARKET_DATA payloads of the usual shape without JSON.parse. One per decoder
 * (it keeps a cursor); not reentrant.
 */
export class MarketDataFastPath {
  readonly #cursor = new Cursor();
  readonly #interner: SymbolInterner;

  constructor(interner: SymbolInterner) {
    this.#interner = interner;
  }

  /**
   * Decode buffer[offset, offset + length) into `target` and return true, or return false
   * when the payload is anything but a MARKET_DATA this path can decode exactly (the
   * caller then decodes it the general way).
   */
  decode(buffer: Buffer, offset: number, length: number, target: MarketData): boolean {
    const cursor = this.#cursor;
    cursor.bytes = buffer;
    cursor.at = offset;
    cursor.end = offset + length;
    const ok = this.#parse(cursor, target);
    cursor.bytes = EMPTY; // do not keep a socket chunk alive
    return ok;
  }

  #parse(cursor: Cursor, target: MarketData): boolean {
    if (!cursor.take(OPEN_OBJECT) || !cursor.key(KEY_TYPE) || cursor.number() !== 1) return false;
    if (!cursor.nextKey(KEY_DATA) || !cursor.take(OPEN_OBJECT) || !cursor.key(KEY_SYMBOL)) return false;
    const symbol = cursor.symbol(this.#interner);
    if (symbol === undefined || !cursor.nextKey(KEY_TIMESTAMP)) return false;
    const timestamp = cursor.number();
    if (timestamp !== timestamp || !cursor.nextKey(KEY_BIDS)) return false;
    const bidCount = cursor.levels(target.bidPrices, target.bidSizes);
    if (bidCount < 0 || !cursor.nextKey(KEY_ASKS)) return false;
    const askCount = cursor.levels(target.askPrices, target.askSizes);
    if (askCount < 0 || !cursor.nextKey(KEY_LAST_PRICE)) return false;
    const lastPrice = cursor.price();
    if (lastPrice !== lastPrice || !cursor.nextKey(KEY_VOLUME)) return false;
    const volume = cursor.number();
    if (volume !== volume) return false;
    let sequence = 0;
    let sentNs = 0;
    if (cursor.peek() === COMMA) {
      const afterVolume = cursor.at;
      if (cursor.nextKey(KEY_SEQUENCE)) {
        sequence = cursor.number();
        if (sequence !== sequence) return false;
      } else {
        cursor.at = afterVolume;
      }
    }
    if (cursor.peek() === COMMA) {
      if (!cursor.nextKey(KEY_SENT_NS)) return false;
      sentNs = cursor.number();
      if (sentNs !== sentNs) return false;
    }
    if (!cursor.take(CLOSE_OBJECT) || !cursor.take(CLOSE_OBJECT) || cursor.peek() !== -1) return false;
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
}

const EMPTY = Buffer.alloc(0);
