/**
 * Writes ASCII JSON tokens straight into a Buffer, for the one JSON message that is hot
 * (MARKET_DATA). Building a string and then copying it costs a rope flatten and a second
 * pass; writing digits in place avoids both, and integers and prices (the bulk of a book)
 * never go through float formatting. Each function returns the position after what it
 * wrote; callers make sure the room is there (see MAX_NUMBER_CHARS).
 */
import { PRICE_SCALE } from '../core/fixed-point.js';

/** Longest text of a finite number: "-1.2345678901234567e-308" is 24 characters. */
export const MAX_NUMBER_CHARS = 24;

const CHAR_0 = 48;
const CHAR_MINUS = 45;
const CHAR_DOT = 46;

/** An ASCII string constant as bytes, prepared once. */
export function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (character) => character.charCodeAt(0));
}

/**
 * An ASCII constant prepared for writeConstant: its bytes as big-endian 32-bit words,
 * then the 0-3 bytes left over.
 */
export interface AsciiConstant {
  readonly words: Uint32Array;
  readonly tail: Uint8Array;
  readonly length: number;
}

export function asciiConstant(text: string): AsciiConstant {
  const bytes = asciiBytes(text);
  const wordCount = bytes.length >>> 2;
  const words = new Uint32Array(wordCount);
  for (let i = 0; i < wordCount; i++) {
    words[i] = ((bytes[4 * i] << 24) | (bytes[4 * i + 1] << 16) | (bytes[4 * i + 2] << 8) | bytes[4 * i + 3]) >>> 0;
  }
  return { words, tail: bytes.slice(4 * wordCount), length: bytes.length };
}

/**
 * A DataView over the ArrayBuffer of the last Buffer asked for, made again only when the
 * ArrayBuffer changes (an encoder writes into the same Buffer message after message).
 * `shift` is that Buffer's byteOffset: view position = Buffer position + shift.
 */
export class AsciiView {
  view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  shift = 0;
  #buffer: Buffer | undefined;

  of(target: Buffer): DataView<ArrayBufferLike> {
    if (target !== this.#buffer) {
      this.#buffer = target;
      if (target.buffer !== this.view.buffer) this.view = new DataView(target.buffer);
      this.shift = target.byteOffset;
    }
    return this.view;
  }
}

/**
 * `constant` at target[position..], four bytes per store through `view` (a DataView over
 * target's ArrayBuffer, `shift` = target.byteOffset): about twice as fast as a byte loop.
 */
export function writeConstant(view: DataView, shift: number, target: Buffer, position: number, constant: AsciiConstant): number {
  const words = constant.words;
  const wordCount = words.length;
  let at = position + shift;
  for (let i = 0; i < wordCount; i++) {
    view.setUint32(at, words[i]);
    at += 4;
  }
  const tail = constant.tail;
  const rest = position + 4 * wordCount;
  for (let i = 0; i < tail.length; i++) target[rest + i] = tail[i];
  return position + constant.length;
}

export function writeBytes(target: Buffer, position: number, bytes: Uint8Array): number {
  const length = bytes.length;
  for (let i = 0; i < length; i++) target[position + i] = bytes[i];
  return position + length;
}

/** An ASCII string (a symbol, or a float's text). */
export function writeAsciiText(target: Buffer, position: number, text: string): number {
  const length = text.length;
  for (let i = 0; i < length; i++) target[position + i] = text.charCodeAt(i);
  return position + length;
}

const INT32_LIMIT = 0x8000_0000;
const LOW_DIGITS_SCALE = 100_000_000;

/** Decimal digits of a non-negative int32. */
function digitCount(value: number): number {
  if (value < 10_000) return value < 10 ? 1 : value < 100 ? 2 : value < 1_000 ? 3 : 4;
  if (value < 100_000_000) return value < 100_000 ? 5 : value < 1_000_000 ? 6 : value < 10_000_000 ? 7 : 8;
  return value < 1_000_000_000 ? 9 : 10;
}

/** "00".."99" as ASCII pairs: two digits per division instead of one. */
const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = CHAR_0 + Math.floor(i / 10);
  DIGIT_PAIRS[2 * i + 1] = CHAR_0 + (i % 10);
}

/**
 * Exactly `digits` decimal digits of a non-negative int32 (zero-padded), last pair
 * first. `| 0` makes the value an int32 for the compiler, so that the division by the
 * constant 100 compiles to a multiply and shift; that is why it is kept below 2^31.
 */
function writeInt32Digits(target: Buffer, position: number, value: number, digits: number): number {
  let rest = value | 0;
  let at = position + digits;
  while (at - position >= 2) {
    const next = (rest / 100) | 0;
    const pair = (rest - next * 100) << 1;
    target[at - 1] = DIGIT_PAIRS[pair + 1];
    target[at - 2] = DIGIT_PAIRS[pair];
    at -= 2;
    rest = next;
  }
  if (at > position) target[position] = CHAR_0 + rest;
  return position + digits;
}

/**
 * writeNumberInSlot's argument. A caller that V8 does not inline writeNumber into (the
 * MARKET_DATA writer is one: its inlining budget runs out) would box a double argument,
 * an allocation per epoch timestamp: such a caller stores the value here itself.
 */
export const numberSlot = new Float64Array(1);

/**
 * writeDigitsInSlot's argument. Every caller stores the value here itself rather than
 * through a store-and-call helper: an integer above 2^31 (a nanosecond stamp) passed as
 * an argument to a call V8 does not inline is boxed, 16 bytes per message. Whether a
 * small helper is inlined depends on its caller's inlining budget, which moves with
 * every change to the caller (the JSON MARKET_DATA writer, where writeNumberInSlot is
 * inlined and then has no budget left for the helper, allocated on sent_ns in about half
 * of the runs): with no double argument on any call, nothing depends on it.
 */
const digitsSlot = new Float64Array(1);

/** The non-negative integer below 2^53 in digitsSlot[0], in decimal. */
function writeDigitsInSlot(target: Buffer, position: number): number {
  const value = digitsSlot[0];
  // Values from 10^8 up are split in two below 10^8 < 2^30, small integers (Smis): an
  // int32 above 2^30 passed to writeInt32Digits (not inlined) would be boxed, an
  // allocation per epoch timestamp or nanosecond stamp. The high part is < 2^53 / 1e8 ≈ 9e7.
  if (value < LOW_DIGITS_SCALE) return writeInt32Digits(target, position, value, digitCount(value));
  const high = Math.floor(value / LOW_DIGITS_SCALE);
  const low = value - high * LOW_DIGITS_SCALE;
  const at = writeInt32Digits(target, position, high, digitCount(high));
  return writeInt32Digits(target, at, low, 8);
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MICROS = 1_000_000;
/**
 * Below this magnitude (2^33) doubles are less than 10^-6 apart, so at most one decimal
 * with ≤ 6 places rounds to a given double: that decimal is then String(value)'s
 * shortest text. Above it two such decimals can share a double (8968215757.01073 and
 * ...010731), and the micros text would be a longer spelling than String(value)'s.
 * (Millionths of it, < 8.6e15, are also safe integers.)
 */
const MAX_MICROS_VALUE = 2 ** 33;

/** A finite number as JSON text (integers, then values with ≤ 6 decimals, then the rest). */
export function writeNumber(target: Buffer, position: number, value: number): number {
  numberSlot[0] = value;
  return writeNumberInSlot(target, position);
}

/** writeNumber of numberSlot[0] (see numberSlot). */
export function writeNumberInSlot(target: Buffer, position: number): number {
  const value = numberSlot[0];
  if (value - Math.trunc(value) === 0 && value <= MAX_SAFE && value >= -MAX_SAFE) {
    if (value < 0) {
      target[position] = CHAR_MINUS;
      digitsSlot[0] = -value;
      return writeDigitsInSlot(target, position + 1);
    }
    digitsSlot[0] = value;
    return writeDigitsInSlot(target, position);
  }
  if (value < MAX_MICROS_VALUE && value > -MAX_MICROS_VALUE) {
    // Epoch timestamps (1730700000.123456) and sizes (523.17) have at most 6 decimals.
    // When micros / 1e6 gives back exactly this double, the decimal text of micros with
    // the point moved parses to it too: both are the correctly rounded k / 10^6.
    const micros = Math.round(value * MICROS);
    if (micros / MICROS === value) {
      // Handed over in a Float64Array: a double argument to a call that is not inlined
      // (this one is not) would be boxed, an allocation per timestamp.
      microsSlot[0] = micros;
      return writeMicros(target, position);
    }
  }
  return writeAsciiText(target, position, '' + value);
}

const microsSlot = new Float64Array(1);

/** The integer count of millionths in microsSlot[0] as a decimal ("-1.5" for -1500000), trailing zeros cut. */
function writeMicros(target: Buffer, position: number): number {
  const micros = microsSlot[0];
  let at = position;
  let magnitude = micros;
  if (micros < 0) {
    target[at++] = CHAR_MINUS;
    magnitude = -micros;
  }
  const whole = Math.floor(magnitude / MICROS);
  digitsSlot[0] = whole;
  at = writeDigitsInSlot(target, at);
  // 0..999999, an int32: the trailing-zero loop is integer arithmetic, not fmod.
  let fraction = (magnitude - whole * MICROS) | 0;
  if (fraction === 0) return at;
  let digits = 6;
  while (fraction % 10 === 0) {
    fraction = (fraction / 10) | 0;
    digits--;
  }
  target[at++] = CHAR_DOT;
  return writeInt32Digits(target, at, fraction, digits);
}

/** Longest fraction text: ".0001" .. ".9999" is at most 5 characters. */
const FRACTION_STRIDE = 5;
/**
 * The decimal fraction of 0..PRICE_SCALE-1 price units as ASCII, trailing zeros cut
 * (5000 → ".5", 1 → ".0001", 0 → ""), in one flat table of 50 KB: a price's fraction is
 * a table copy instead of four float divisions.
 */
const FRACTION_BYTES = new Uint8Array(PRICE_SCALE * FRACTION_STRIDE);
const FRACTION_LENGTHS = new Uint8Array(PRICE_SCALE);
for (let units = 1; units < PRICE_SCALE; units++) {
  const text = '.' + String(units).padStart(4, '0').replace(/0+$/, '');
  for (let i = 0; i < text.length; i++) FRACTION_BYTES[units * FRACTION_STRIDE + i] = text.charCodeAt(i);
  FRACTION_LENGTHS[units] = text.length;
}

/**
 * Integer price units as an exact decimal: 1895000 → "189.5", 5 → "0.0005". Fractional
 * units (an average price) are written as the float units / PRICE_SCALE.
 */
export function writePrice(target: Buffer, position: number, units: number): number {
  if (units - Math.trunc(units) !== 0) return writeAsciiText(target, position, '' + units / PRICE_SCALE);
  let at = position;
  let magnitude = units;
  if (units < 0) {
    target[at++] = CHAR_MINUS;
    magnitude = -units;
  }
  let whole: number;
  let fraction: number;
  if (magnitude < INT32_LIMIT) {
    // The usual case, in int32 arithmetic (division by a constant is a multiply).
    const small = magnitude | 0;
    whole = (small / PRICE_SCALE) | 0;
    fraction = small - whole * PRICE_SCALE;
    at = writeInt32Digits(target, at, whole, digitCount(whole));
  } else {
    whole = Math.floor(magnitude / PRICE_SCALE);
    fraction = magnitude - whole * PRICE_SCALE;
    digitsSlot[0] = whole;
    at = writeDigitsInSlot(target, at);
  }
  const length = FRACTION_LENGTHS[fraction];
  const from = fraction * FRACTION_STRIDE;
  for (let i = 0; i < length; i++) target[at + i] = FRACTION_BYTES[from + i];
  return at + length;
}
