/**
 * Reading and checking fields of a parsed JSON payload's `data` object, for the JSON
 * decoder: each helper returns the field's value or throws E_MESSAGE_INVALID naming it.
 */
import type { TradingError } from '../core/errors.js';
import { PRICE_SCALE } from '../core/fixed-point.js';
import { EXECUTION_STATUS_NAMES, ORDER_TYPE_NAMES, SENTIMENT_NAMES, SIDE_NAMES, TIME_IN_FORCE_NAMES } from './messages.js';
import { MAX_PRICE_UNITS, invalidField, isFiniteNumber, isSymbol } from './validation.js';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

export function missingOrWrong(type: number, field: string, expected: string, value: unknown): TradingError {
  return invalidField(type, field, value === undefined ? `missing (expected ${expected})` : `expected ${expected}, got ${describe(value)}`);
}

/** A finite number: JSON has no NaN, but "1e400" parses to Infinity. */
export function numberField(type: number, data: JsonObject, field: string): number {
  const value = data[field];
  if (typeof value !== 'number' || !isFiniteNumber(value)) throw missingOrWrong(type, field, 'a finite number', value);
  return value;
}

export function optionalNumberField(type: number, data: JsonObject, field: string, fallback: number): number {
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
export function priceValue(type: number, field: string, value: unknown): number {
  return Math.round(decimalPrice(type, field, value) * PRICE_SCALE) + 0; // + 0 turns -0 into 0
}

/**
 * Average price: a mean of fills may fall between units, so it is not rounded to one;
 * only the float noise of decimal → units is removed (the two roundings of units → decimal
 * → units stay within a few ulps, 4 ε relative).
 */
export function averagePriceValue(type: number, field: string, value: unknown): number {
  const scaled = decimalPrice(type, field, value) * PRICE_SCALE;
  const rounded = Math.round(scaled);
  return Math.abs(scaled - rounded) <= Math.abs(scaled) * 4 * Number.EPSILON ? rounded + 0 : scaled;
}

export function stringField(type: number, data: JsonObject, field: string, minLength: number, maxLength: number): string {
  const value = data[field];
  if (typeof value !== 'string') throw missingOrWrong(type, field, 'a string', value);
  if (value.length < minLength || value.length > maxLength) {
    throw invalidField(type, field, `length ${value.length} outside ${minLength}..${maxLength}`);
  }
  return value;
}

export function optionalStringField(type: number, data: JsonObject, field: string, maxLength: number): string {
  return data[field] === undefined ? '' : stringField(type, data, field, 0, maxLength);
}

export function symbolField(type: number, data: JsonObject): string {
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
export const SIDE_VALUES = namesToValues(SIDE_NAMES);
export const ORDER_TYPE_VALUES = namesToValues(ORDER_TYPE_NAMES);
export const TIME_IN_FORCE_VALUES = namesToValues(TIME_IN_FORCE_NAMES);
export const STATUS_VALUES = namesToValues(EXECUTION_STATUS_NAMES);
export const SENTIMENT_VALUES = namesToValues(SENTIMENT_NAMES);

export function enumField<T extends number>(type: number, data: JsonObject, field: string, values: Map<string, T>, fallback?: T): T {
  const value = data[field];
  if (value === undefined && fallback !== undefined) return fallback;
  const found = typeof value === 'string' ? values.get(value) : undefined;
  if (found === undefined) {
    throw invalidField(type, field, `expected one of ${[...values.keys()].join('/')}, got ${value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 32)}`);
  }
  return found;
}

/**
 * The error for MARKET_DATA field `field` holding `value` (undefined when missing), as
 * the MARKET_DATA decoder (json-market-data.ts) words it when it stops at that field:
 * it says why, it does not decode. Levels are checked for their count first, then level
 * by level: its shape, its size, its price. `capacity` is the decoder's levels per side.
 */
export function fieldError(type: number, field: string, value: unknown, capacity: number): TradingError {
  switch (field) {
    case 'symbol':
      if (typeof value !== 'string') return missingOrWrong(type, field, 'a symbol string', value);
      return invalidField(type, field, `expected 1-8 of A-Z 0-9 . - _, got ${JSON.stringify(value.slice(0, 16))}`);
    case 'last_price':
      return priceError(type, field, value);
    case 'bids':
    case 'asks':
      return levelsError(type, field, value, capacity);
    case 'data':
      return missingOrWrong(type, field, 'an object', value);
    default:
      return missingOrWrong(type, field, 'a finite number', value);
  }
}

function priceError(type: number, field: string, value: unknown): TradingError {
  if (typeof value !== 'number') return missingOrWrong(type, field, 'a decimal price', value);
  return invalidField(type, field, `price ${value} outside ±${MAX_DECIMAL_PRICE}`);
}

function levelsError(type: number, field: string, levels: unknown, capacity: number): TradingError {
  if (!Array.isArray(levels)) return missingOrWrong(type, field, 'an array of [price, size]', levels);
  if (levels.length > capacity) return invalidField(type, field, `${levels.length} levels exceed the maximum of ${capacity}`);
  for (let i = 0; i < levels.length; i++) {
    const level: unknown = levels[i];
    if (!Array.isArray(level) || level.length !== 2) return invalidField(type, field, `level ${i}: expected [price, size]`);
    const size: unknown = level[1];
    if (typeof size !== 'number' || !isFiniteNumber(size)) return invalidField(type, field, `level ${i}: size is not a finite number`);
    const price: unknown = level[0];
    if (typeof price !== 'number' || !(price <= MAX_DECIMAL_PRICE && price >= -MAX_DECIMAL_PRICE)) return priceError(type, field, price);
  }
  return invalidField(type, field, 'refused by the MARKET_DATA decoder for no reason given here');
}
