/**
 * The JSON MARKET_DATA decoder against a reference (UTF-8 → JSON.parse → field-by-field
 * checks, json-market-data-reference.ts), differentially: whenever its direct pass over
 * the bytes accepts a payload it must produce exactly what the reference produces (-0 and
 * every float bit included), and the decoder as a whole (direct pass, or JSON.parse and
 * the same parser over the fields rewritten in order) must give the reference's result
 * or the reference's error, code and message, for valid, seed-formatted, mutated and
 * garbage payloads. The direct pass must also take the common shapes (or it is no fast path).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TradingError } from '../../src/core/errors.js';
import { FRAME_HEADER_BYTES } from '../../src/protocol/framing.js';
import { JsonDecoder, encodeJsonPayload } from '../../src/protocol/json-codec.js';
import { MarketDataJsonDecoder } from '../../src/protocol/json-market-data.js';
import { referenceDecode } from './json-market-data-reference.js';
import { MessageEncoder } from '../../src/protocol/codec.js';
import { MessageType } from '../../src/protocol/messages.js';
import type { MarketData, Message } from '../../src/protocol/messages.js';
import { createMarketData } from '../../src/protocol/reusable-messages.js';
import { SymbolInterner } from '../../src/protocol/symbol-interner.js';
import { marketData, normalize } from './message-arbitraries.js';

type Outcome = { ok: true; value: Record<string, unknown> } | { ok: false; code: string; message: string };

function outcome(run: () => Message): Outcome {
  try {
    return { ok: true, value: normalize(run(), { keepSignalData: true }) };
  } catch (err) {
    if (!(err instanceof TradingError)) throw err;
    return { ok: false, code: err.code, message: err.message };
  }
}

/** What the reference makes of the payload. */
function reference(payload: Buffer, offset = 0, length = payload.length): Outcome {
  return outcome(() => referenceDecode(payload, offset, length));
}

const fastPath = new MarketDataJsonDecoder(new SymbolInterner(64));
const fastTarget = createMarketData();
const decoder = new JsonDecoder();
const stats = { fast: 0, fallback: 0 };

/**
 * Checks one payload (sitting at buffer[offset, offset + length)): the fast path, when it
 * accepts, agrees with the general path; the decoder agrees with the general path always.
 */
function agree(buffer: Buffer, offset = 0, length = buffer.length): void {
  const expected = reference(buffer, offset, length);
  if (fastPath.decode(buffer, offset, length, fastTarget)) {
    stats.fast++;
    assert.ok(expected.ok, `fast path accepted what the general path refuses: ${buffer.toString('latin1', offset, offset + length)}`);
    assert.deepEqual(normalize(fastTarget, { keepSignalData: true }), expected.value);
  } else {
    stats.fallback++;
  }
  const actual = outcome(() => decoder.decode(buffer, offset, length));
  assert.deepEqual(actual, expected, buffer.toString('latin1', offset, offset + length));
}

/** The seed's json.dumps separators: ", " and ": ". Safe here: MARKET_DATA strings are symbols. */
function seedSpacing(text: string): string {
  return text.replaceAll(',', ', ').replaceAll(':', ': ');
}

test('valid MARKET_DATA of every shape: fast path and general path agree exactly', () => {
  stats.fast = 0;
  stats.fallback = 0;
  fc.assert(
    fc.property(marketData, fc.boolean(), (message, spaced) => {
      const text = encodeJsonPayload(message);
      agree(Buffer.from(spaced ? seedSpacing(text) : text, 'latin1'));
    }),
    { numRuns: 5000, seed: 31 },
  );
  // Random doubles mostly have 17 significant digits or exponents and go the general way.
  assert.ok(stats.fast > 10, `fast path taken ${stats.fast} times of ${stats.fast + stats.fallback}`);
});

/** Decimals of up to 17 digits with 0-22 of them after the point, either sign: the fast path's territory and its edges. */
const decimalOf = (maxDigits: bigint, maxScale: number): fc.Arbitrary<number> =>
  fc
    .tuple(fc.bigInt({ min: -maxDigits, max: maxDigits }), fc.integer({ min: 0, max: maxScale }))
    .map(([digits, scale]) => Number(`${digits}e-${scale}`))
    .map((value) => (value === 0 ? 0 : value));
const decimal = fc.oneof(
  { arbitrary: decimalOf(10n ** 15n, 6), weight: 30 },
  { arbitrary: decimalOf(10n ** 17n, 23), weight: 1 },
);
const decimalPrice = fc.integer({ min: -1e14, max: 1e14 });

test('MARKET_DATA of random decimals (long, short, tiny, negative): identical doubles on both paths', () => {
  stats.fast = 0;
  stats.fallback = 0;
  const message = createMarketData();
  const levels = fc.array(fc.tuple(decimalPrice, decimal), { maxLength: 32 });
  fc.assert(
    fc.property(levels, levels, decimal, decimal, decimal, decimal, decimalPrice, fc.boolean(), (bids, asks, timestamp, volume, sequence, sentNs, lastPrice, spaced) => {
      bids.forEach(([price, size], i) => {
        message.bidPrices[i] = price;
        message.bidSizes[i] = size;
      });
      asks.forEach(([price, size], i) => {
        message.askPrices[i] = price;
        message.askSizes[i] = size;
      });
      message.bidCount = bids.length;
      message.askCount = asks.length;
      message.symbol = 'B.RK-A_1';
      Object.assign(message, { timestamp, volume, sequence, sentNs, lastPrice });
      const text = encodeJsonPayload(message);
      agree(Buffer.from(spaced ? seedSpacing(text) : text, 'latin1'));
    }),
    { numRuns: 3000, seed: 43 },
  );
  assert.ok(stats.fast > 100, `fast path taken ${stats.fast} times of ${stats.fast + stats.fallback}`);
});

test('realistic feeds (cent prices, whole sizes, ms timestamps) all take the fast path', () => {
  const encoder = new MessageEncoder();
  const message = createMarketData(10);
  const levels = fc.array(fc.tuple(fc.integer({ min: 1, max: 100_000_000 }), fc.integer({ min: 0, max: 1e7 })), { maxLength: 10 });
  let fast = 0;
  fc.assert(
    fc.property(levels, levels, fc.integer({ min: 1.6e12, max: 1.9e12 }), fc.nat(1e9), (bids, asks, ms, sequence) => {
      fill(message, bids, asks);
      message.symbol = 'MSFT';
      message.timestamp = ms / 1000;
      message.sequence = sequence;
      message.sentNs = sequence * 1000;
      const bytes = encoder.encode(message, 'json');
      const payload = encoder.buffer.subarray(FRAME_HEADER_BYTES, bytes);
      if (fastPath.decode(payload, 0, payload.length, fastTarget)) fast++;
      agree(payload);
    }),
    { numRuns: 2000, seed: 37 },
  );
  assert.equal(fast, 2000);
});

function fill(message: MarketData, bids: [number, number][], asks: [number, number][]): void {
  bids.forEach(([price, size], i) => {
    message.bidPrices[i] = price * 100;
    message.bidSizes[i] = size;
  });
  asks.forEach(([price, size], i) => {
    message.askPrices[i] = price * 100;
    message.askSizes[i] = size;
  });
  message.bidCount = bids.length;
  message.askCount = asks.length;
}

const SAMPLE =
  '{"type":1,"data":{"symbol":"AAPL","timestamp":1730700000.123,"bids":[[189.49,300],[189.48,400]],' +
  '"asks":[[189.51,250]],"last_price":189.5,"volume":1204331,"sequence":7,"sent_ns":7000}}';

test('mutated MARKET_DATA (flipped, inserted, deleted bytes, cuts): same result or same error', () => {
  const mutation = fc.record({
    message: marketData,
    edits: fc.array(
      fc.record({ at: fc.nat(), kind: fc.constantFrom('flip', 'insert', 'delete'), byte: fc.constantFrom(...' ,:[]{}"-.0159eE+\\aZ\t\n'.split('').map((c) => c.charCodeAt(0)), 0, 0x80, 0xff) }),
      { minLength: 1, maxLength: 3 },
    ),
    cut: fc.option(fc.nat(), { nil: undefined }),
  });
  fc.assert(
    fc.property(mutation, fc.boolean(), ({ message, edits, cut }, sample) => {
      const bytes = [...Buffer.from(sample ? SAMPLE : encodeJsonPayload(message), 'latin1')];
      for (const { at, kind, byte } of edits) {
        const position = at % (bytes.length + 1);
        if (kind === 'flip') bytes[Math.min(position, bytes.length - 1)] = byte;
        else if (kind === 'insert') bytes.splice(position, 0, byte);
        else bytes.splice(position, 1);
      }
      const payload = Buffer.from(cut === undefined ? bytes : bytes.slice(0, cut % (bytes.length + 1)));
      if (payload.length > 0 && payload[0] === 0x7b) agree(payload);
    }),
    { numRuns: 10_000, seed: 41 },
  );
});

test('hand-picked edge cases: same result or same error as the general path', () => {
  const variants = [
    SAMPLE,
    seedSpacing(SAMPLE),
    ' \t\r\n' + SAMPLE.replaceAll(',', '\n,\t') + '\n',
    SAMPLE.replace('"sequence":7,', ''),
    SAMPLE.replace(',"sent_ns":7000', ''),
    SAMPLE.replace(',"sequence":7,"sent_ns":7000', ''),
    SAMPLE.replace('"sequence":7,"sent_ns":7000', '"sent_ns":7000,"sequence":7'),
    SAMPLE.replace('"sent_ns":7000', '"sent_ns":7000,"extra":1'),
    SAMPLE.replace('"type":1', '"type":1.0'),
    SAMPLE.replace('"type":1', '"type":1e0'),
    SAMPLE.replace('"type":1', '"type":01'),
    SAMPLE.replace('"type":1', '"type":-1'),
    SAMPLE.replace('"type":1', '"type":7'),
    SAMPLE.replace('}}', '},"type":7}'),
    SAMPLE.replace('"AAPL"', '"A\\u0041PL"'),
    SAMPLE.replace('"AAPL"', '"aapl"'),
    SAMPLE.replace('"AAPL"', '"ABCDEFGHI"'),
    SAMPLE.replace('"AAPL"', '"ABCDEFGH"'),
    SAMPLE.replace('"AAPL"', '""'),
    SAMPLE.replace('"AAPL"', '"AA\\"PL"'),
    SAMPLE.replace('300]', '-0]'),
    SAMPLE.replace('300]', '-0.0]'),
    SAMPLE.replace('300]', '0.1]'),
    SAMPLE.replace('300]', '1e3]'),
    SAMPLE.replace('300]', '3E+2]'),
    SAMPLE.replace('300]', '00]'),
    SAMPLE.replace('300]', '-]'),
    SAMPLE.replace('300]', '3.]'),
    SAMPLE.replace('300]', '.3]'),
    SAMPLE.replace('300]', '"300"]'),
    SAMPLE.replace('300]', '300,1]'),
    SAMPLE.replace('300]', '9007199254740993]'),
    SAMPLE.replace('300]', '900719925474099.1]'),
    SAMPLE.replace('300]', '0.30000000000000000000001]'),
    SAMPLE.replace('300]', '0.3000000000000000000001]'),
    SAMPLE.replace('300]', '123456789012345678901234567890]'),
    SAMPLE.replace('300]', '75665101972221959]'),
    SAMPLE.replace('300]', '0.74941051420716658]'),
    SAMPLE.replace('300]', '900719925474098.9]'),
    SAMPLE.replace('300]', '9007199254740989]'),
    SAMPLE.replace('189.49', '-189.49'),
    SAMPLE.replace('189.49', '1000000000'),
    SAMPLE.replace('189.49', '10000000000'),
    SAMPLE.replace('189.49', '10000000000.0001'),
    SAMPLE.replace('189.49', '-10000000000.00001'),
    SAMPLE.replace('189.49', '0.00005'),
    SAMPLE.replace('189.49', '0.00015'),
    SAMPLE.replace('189.49', '-0.00005'),
    SAMPLE.replace('"last_price":189.5', '"last_price":1.23456789'),
    SAMPLE.replace('"bids":[[189.49,300],[189.48,400]]', '"bids":[]'),
    SAMPLE.replace('"bids":[[189.49,300],[189.48,400]]', '"bids":[ ]'),
    SAMPLE.replace('"bids":[[189.49,300],[189.48,400]]', '"bids":[[]]'),
    SAMPLE.replace('"bids":[[189.49,300],[189.48,400]]', '"bids":[[189.49,300],]'),
    SAMPLE.replace('"bids":[[189.49,300],[189.48,400]]', '"bids":{}'),
    SAMPLE.replace('"bids":[[189.49,300],[189.48,400]]', `"bids":[${Array.from({ length: 33 }, () => '[1,1]').join(',')}]`),
    SAMPLE.replace('"bids":[[189.49,300],[189.48,400]]', `"bids":[${Array.from({ length: 32 }, () => '[1,1]').join(',')}]`),
    SAMPLE.replace('"timestamp":1730700000.123', '"timestamp":1730700000.123456789012345'),
    SAMPLE.replace('"timestamp"', '"timestamps"'),
    SAMPLE.replace('"timestamp"', '"timestam"'),
    SAMPLE + ' x',
    SAMPLE + '}',
    SAMPLE.slice(0, -1),
    '{"type":1,"data":null}',
    '{"data":{},"type":1}',
    '{"type":1}',
    '{',
  ];
  for (const text of variants) agree(Buffer.from(text, 'utf8'));
  for (const code of [0x00, 0x7f, 0x80, 0xc3, 0xff]) {
    const bytes = Buffer.from(SAMPLE, 'latin1');
    bytes[bytes.indexOf('AAPL') + 1] = code;
    agree(bytes);
  }
});

test('numbers around the exact-conversion limit (15-18 digits, 0-23 decimals) convert as JSON.parse does', () => {
  const digits = fc.stringMatching(/^[1-9][0-9]{14,17}$/);
  fc.assert(
    fc.property(digits, fc.integer({ min: 0, max: 23 }), fc.boolean(), (text, scale, negative) => {
      const number = scale === 0 ? text : scale < text.length ? `${text.slice(0, -scale)}.${text.slice(-scale)}` : `0.${text.padStart(scale, '0')}`;
      agree(Buffer.from(SAMPLE.replace('300]', `${negative ? '-' : ''}${number}]`), 'latin1'));
    }),
    { numRuns: 3000, seed: 47 },
  );
});

test('the fast path never reads past the payload, whatever follows it in the buffer', () => {
  // A payload cut short inside a number, a key or a symbol, followed by bytes that would
  // complete it: the decoder must see only the payload.
  const whole = Buffer.from(SAMPLE, 'latin1');
  for (let cut = 1; cut < whole.length; cut++) {
    const buffer = Buffer.concat([Buffer.from('xx'), whole]);
    agree(buffer, 2, cut);
  }
  const inBigger = Buffer.concat([Buffer.from('{"type":1,'), whole, Buffer.from('9999]]}}')]);
  agree(inBigger, 10, whole.length);
  assert.equal(decoder.decode(inBigger, 10, whole.length).type, MessageType.MARKET_DATA);
});

test('symbols are interned: a repeated symbol is the same string, not a new one', () => {
  const interner = new SymbolInterner(16);
  const path = new MarketDataJsonDecoder(interner);
  const target = createMarketData();
  const payload = Buffer.from(SAMPLE, 'latin1');
  assert.ok(path.decode(payload, 0, payload.length, target));
  assert.ok(path.decode(payload, 0, payload.length, target));
  assert.equal(target.symbol, 'AAPL');
  assert.equal(interner.misses, 1);
});
