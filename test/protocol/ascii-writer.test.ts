/**
 * The in-place ASCII writer must produce exactly the text of the string-building path
 * (String(number), priceText), because the bytes of MARKET_DATA are what seed peers
 * parse and what the JSON MARKET_DATA decoder expects: random and edge numbers, prices,
 * and whole MARKET_DATA payloads against the text built as strings (referenceText below,
 * the encoder's string-building path before MARKET_DATA had one writer).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TradingError } from '../../src/core/errors.js';
import { writeNumber, writePrice } from '../../src/protocol/ascii-writer.js';
import { checkMarketData } from '../../src/protocol/encodable.js';
import { MessageEncoder } from '../../src/protocol/codec.js';
import { FRAME_HEADER_BYTES } from '../../src/protocol/framing.js';
import { encodeJsonPayload, priceText } from '../../src/protocol/json-codec.js';
import type { MarketData } from '../../src/protocol/messages.js';
import { marketData } from './message-arbitraries.js';

const scratch = Buffer.alloc(64);

function numberText(value: number): string {
  return scratch.toString('latin1', 0, writeNumber(scratch, 0, value));
}

function priceBytes(units: number): string {
  return scratch.toString('latin1', 0, writePrice(scratch, 0, units));
}

const edgeNumbers = [
  0, -0, 1, -1, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 99_999_999, 100_000_000, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e21, 1e-7,
  0.1, 0.000001, 0.0000015, 123.456789, 1730700000.123, 1730700000.123456, 1730700000.1234567, -1730700000.5, 5e-324,
  Number.MAX_VALUE, -Number.MAX_VALUE, 8_999_999_999.999998, 8_968_215_757.01073, 4_294_967_296.000001, 1.5, 1000000.000001,
];

test('writeNumber writes String(value) (JSON.stringify) for edge and random finite numbers', () => {
  for (const value of edgeNumbers) assert.equal(numberText(value), JSON.stringify(value), `for ${value}`);
  const decimals = fc
    .tuple(fc.bigInt({ min: -(10n ** 17n), max: 10n ** 17n }), fc.integer({ min: 0, max: 8 }))
    .map(([digits, scale]) => Number(`${digits}e-${scale}`));
  fc.assert(
    fc.property(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.maxSafeInteger(), decimals), (value) => {
      assert.equal(numberText(value), JSON.stringify(value));
    }),
    { numRuns: 20_000, seed: 59 },
  );
});

test('writePrice writes priceText(units) for edge and random prices', () => {
  const edges = [0, 1, 5, 9_999, 10_000, 10_001, 1_895_000, 1_895_123, -12_345, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 5, 1e14, -1e14, 1_895_000.5, -0.25];
  for (const units of edges) assert.equal(priceBytes(units), priceText(units), `for ${units}`);
  fc.assert(
    fc.property(fc.oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: -1e14, max: 1e14 }), fc.double({ min: -1e14, max: 1e14, noNaN: true })), (units) => {
      assert.equal(priceBytes(units), priceText(units));
    }),
    { numRuns: 20_000, seed: 61 },
  );
});

/** A MARKET_DATA payload built as strings (String(number), priceText): what seed peers have always read. */
function referenceText(m: MarketData): string {
  const levels = (count: number, prices: Float64Array, sizes: Float64Array): string =>
    '[' + Array.from({ length: count }, (_, i) => '[' + priceText(prices[i]) + ',' + String(sizes[i]) + ']').join(',') + ']';
  return (
    `{"type":1,"data":{"symbol":"${m.symbol}","timestamp":${m.timestamp},"bids":${levels(m.bidCount, m.bidPrices, m.bidSizes)},` +
    `"asks":${levels(m.askCount, m.askPrices, m.askSizes)},"last_price":${priceText(m.lastPrice)},"volume":${m.volume},` +
    `"sequence":${m.sequence},"sent_ns":${m.sentNs}}}`
  );
}

test('MARKET_DATA written in place is byte for byte the string-built payload', () => {
  const encoder = new MessageEncoder();
  fc.assert(
    fc.property(marketData, (message) => {
      const bytes = encoder.encode(message, 'json');
      const expected = referenceText(message);
      assert.equal(encoder.buffer.toString('latin1', FRAME_HEADER_BYTES, bytes), expected);
      assert.equal(encodeJsonPayload(message), expected);
    }),
    { numRuns: 3000, seed: 67 },
  );
});

test('a bad MARKET_DATA is refused with checkMarketData\'s error, whichever bad field the writer meets first', () => {
  const encoder = new MessageEncoder();
  const fields = ['symbol', 'timestamp', 'lastPrice', 'volume', 'sequence', 'sentNs', 'bidPrice', 'bidSize', 'askPrice', 'askSize', 'bidCount'] as const;
  const badFor = (field: (typeof fields)[number]): unknown =>
    field === 'symbol' ? 'aapl' : field === 'bidCount' ? 40 : field === 'bidPrice' || field === 'askPrice' || field === 'lastPrice' ? 0.5 : Number.NaN;
  fc.assert(
    fc.property(marketData, fc.subarray([...fields], { minLength: 1 }), (message, bad) => {
      for (const field of bad) {
        const value = badFor(field);
        if (field === 'bidPrice' || field === 'bidSize' || field === 'askPrice' || field === 'askSize') {
          const side = field.startsWith('bid') ? 'bid' : 'ask';
          if (message[`${side}Count`] === 0) message[`${side}Count`] = 1;
          message[field === 'bidPrice' ? 'bidPrices' : field === 'bidSize' ? 'bidSizes' : field === 'askPrice' ? 'askPrices' : 'askSizes'][0] = value as number;
        } else {
          Object.assign(message, { [field]: value });
        }
      }
      let expected: unknown;
      try {
        checkMarketData(message);
      } catch (err) {
        expected = err;
      }
      assert.ok(expected instanceof TradingError);
      assert.throws(() => encoder.encode(message, 'json'), (err: unknown) => {
        assert.ok(err instanceof TradingError);
        assert.equal(err.code, expected.code);
        assert.equal(err.message, expected.message);
        return true;
      });
    }),
    { numRuns: 2000, seed: 71 },
  );
});
