/**
 * Limits and checks both codecs share, so that a message one codec accepts the other can
 * carry: every decoded message is re-encodable in either kind without loss.
 *
 * The codecs check shape (types, enum values, finite numbers, lengths, ranges a price
 * can be represented in); they do not check business rules (a negative quantity is a
 * well-formed ORDER that risk rejects with E_RISK_BAD_QUANTITY and an execution report).
 */
import { ErrorCode, TradingError } from '../core/errors.js';
import { MAX_ORDER_ID_LENGTH, MessageType } from './messages.js';

/** Longest id (order, execution), client name, or error/reject code, in UTF-16 units. */
export const MAX_ID_LENGTH = MAX_ORDER_ID_LENGTH;
/** Longest free text (headline, reason, error message), in UTF-16 units (≤ 12 KiB of UTF-8). */
export const MAX_TEXT_LENGTH = 4096;
/**
 * Largest absolute price in price units (10 billion currency units). Below this bound a
 * price survives units → decimal → units exactly (the float error stays far below half a
 * unit), which a price up to 2^53 would not.
 */
export const MAX_PRICE_UNITS = 1e14;
export const MAX_SYMBOL_LENGTH = 8;
/**
 * Largest `signal_data` of an ORDER, in bytes of its compact JSON (UTF-8): a strategy's
 * reasons for an order, not a data channel. Larger is E_SIGNAL_DATA_TOO_LARGE.
 */
export const MAX_SIGNAL_DATA_BYTES = 2048;
/**
 * Most order ids a server's HELLO lists as `working` (about 0.5 MiB of JSON at the longest
 * ids, within the default frame bound); a server with more says nothing.
 */
export const MAX_WORKING_ORDER_IDS = 8192;
/** The binary HELLO carries the protocol version as a u16. */
export const MAX_PROTOCOL_VERSION = 0xffff;

const TYPE_NAMES: Record<number, string> = {};
for (const [name, value] of Object.entries(MessageType)) TYPE_NAMES[value] = name;

export function messageTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `type ${type}`;
}

/** E_MESSAGE_INVALID naming the message and the field, e.g. "ORDER field 'price': ...". */
export function invalidField(type: number, field: string, problem: string): TradingError {
  return new TradingError(ErrorCode.MESSAGE_INVALID, `${messageTypeName(type)} field '${field}': ${problem}`);
}

/** An integer number of price units within ±MAX_PRICE_UNITS (rejects NaN and ±Infinity). */
export function isPriceUnits(value: number): boolean {
  return value - Math.trunc(value) === 0 && value <= MAX_PRICE_UNITS && value >= -MAX_PRICE_UNITS;
}

/** Finite, possibly fractional, price units within ±MAX_PRICE_UNITS (an average price). */
export function isFractionalPriceUnits(value: number): boolean {
  return value <= MAX_PRICE_UNITS && value >= -MAX_PRICE_UNITS;
}

/** Not NaN, not ±Infinity. Written as a subtraction so it stays a pair of float ops. */
export function isFiniteNumber(value: number): boolean {
  return value - value === 0;
}

/** A character code allowed in a symbol: A-Z, 0-9, '.', '-', '_' (see SYMBOL_PATTERN). */
export function isSymbolCharCode(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 46 || code === 45 || code === 95;
}

/** Matches SYMBOL_PATTERN without a regular expression (this runs per message). */
export function isSymbol(value: string): boolean {
  const length = value.length;
  if (length < 1 || length > MAX_SYMBOL_LENGTH) return false;
  for (let i = 0; i < length; i++) {
    if (!isSymbolCharCode(value.charCodeAt(i))) return false;
  }
  return true;
}
