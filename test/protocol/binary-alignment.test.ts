/**
 * The binary MARKET_DATA codec has two ways to its float64 fields: a Float64Array when
 * they are 8-byte aligned in memory and a DataView otherwise. Whatever the alignment, the
 * bytes written, the values read and the errors thrown (code and message) must be the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TradingError } from '../../src/core/errors.js';
import { BinaryDecoder, BinaryEncoder } from '../../src/protocol/binary-codec.js';
import { MarketDataLayout } from '../../src/protocol/binary-layout.js';
import type { MarketData } from '../../src/protocol/messages.js';
import { createMarketData } from '../../src/protocol/reusable-messages.js';
import { marketData, normalize } from './message-arbitraries.js';

type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };

function outcome(run: () => unknown): Outcome {
  try {
    return { ok: true, value: run() };
  } catch (err) {
    if (!(err instanceof TradingError)) throw err;
    return { ok: false, code: err.code, message: err.message };
  }
}

/** A MARKET_DATA payload placed at `shift` bytes into a fresh ArrayBuffer (shift 4 is the aligned one). */
function placed(payload: Buffer, shift: number): Buffer {
  const memory = Buffer.alloc(payload.length + 16);
  payload.copy(memory, shift);
  return memory;
}

/** Encoding at every offset 0..7 (so every alignment): the same bytes or the same error. */
function encodeEverywhere(message: MarketData): Outcome[] {
  const encoder = new BinaryEncoder();
  const results: Outcome[] = [];
  for (let shift = 0; shift < 8; shift++) {
    const target = Buffer.alloc(1024);
    results.push(
      outcome(() => {
        const bytes = encoder.encode(message, target, shift);
        return target.toString('hex', shift, shift + bytes);
      }),
    );
  }
  return results;
}

test('valid MARKET_DATA: identical bytes and values at every alignment', () => {
  const encoder = new BinaryEncoder();
  const decoder = new BinaryDecoder();
  fc.assert(
    fc.property(marketData, (message) => {
      const encoded = encodeEverywhere(message);
      for (const result of encoded) assert.deepEqual(result, encoded[0]);
      const target = Buffer.alloc(1024);
      const bytes = encoder.encode(message, target, 4);
      const payload = target.subarray(4, 4 + bytes);
      const expected = normalize(message, { keepSignalData: false });
      for (let shift = 0; shift < 8; shift++) {
        const memory = placed(payload, shift);
        assert.deepEqual(normalize(decoder.decode(memory, shift, payload.length), { keepSignalData: false }), expected);
      }
    }),
    { numRuns: 1000, seed: 53 },
  );
});

test('bad numbers: the same error at every alignment, encoding and decoding', () => {
  const fields = ['timestamp', 'lastPrice', 'volume', 'sequence', 'sentNs', 'bid', 'bidSize', 'ask', 'askSize'] as const;
  const badValues = [Number.NaN, Infinity, -Infinity, 0.5, 2e14];
  const decoder = new BinaryDecoder();
  for (const field of fields) {
    for (const bad of badValues) {
      const message = createMarketData(4);
      message.symbol = 'AAPL';
      message.bidCount = 2;
      message.askCount = 2;
      message.bidPrices.set([100, 99]);
      message.askPrices.set([101, 102]);
      message.bidSizes.set([1, 2]);
      message.askSizes.set([3, 4]);
      if (field === 'bid') message.bidPrices[1] = bad;
      else if (field === 'bidSize') message.bidSizes[1] = bad;
      else if (field === 'ask') message.askPrices[1] = bad;
      else if (field === 'askSize') message.askSizes[1] = bad;
      else message[field] = bad;
      const encoded = encodeEverywhere(message);
      for (const result of encoded) assert.deepEqual(result, encoded[0], `${field} = ${bad}`);
      // The same bad value arriving from a peer: write it in behind the encoder's back.
      const good = createMarketData(4);
      Object.assign(good, { symbol: 'AAPL', bidCount: 2, askCount: 2 });
      good.bidPrices.set([100, 99]);
      good.askPrices.set([101, 102]);
      const target = Buffer.alloc(256);
      const bytes = new BinaryEncoder().encode(good, target, 0);
      const position = {
        timestamp: MarketDataLayout.TIMESTAMP,
        lastPrice: MarketDataLayout.LAST_PRICE,
        volume: MarketDataLayout.VOLUME,
        sequence: MarketDataLayout.SEQUENCE,
        sentNs: MarketDataLayout.SENT_NS,
        bid: MarketDataLayout.LEVELS + 16,
        bidSize: MarketDataLayout.LEVELS + 24,
        ask: MarketDataLayout.LEVELS + 48,
        askSize: MarketDataLayout.LEVELS + 56,
      }[field];
      target.writeDoubleLE(bad, position);
      const payload = target.subarray(0, bytes);
      const decoded: Outcome[] = [];
      for (let shift = 0; shift < 8; shift++) {
        decoded.push(outcome(() => normalize(decoder.decode(placed(payload, shift), shift, payload.length), { keepSignalData: false })));
      }
      for (const result of decoded) assert.deepEqual(result, decoded[0], `decoding ${field} = ${bad}`);
      const sizeField = field === 'volume' || field === 'sequence' || field === 'sentNs' || field === 'timestamp' || field.endsWith('Size');
      const refused = !(sizeField && (bad === 0.5 || bad === 2e14));
      assert.equal(decoded[0].ok, !refused, `decoding ${field} = ${bad}`);
      assert.equal(encoded[0].ok, !refused, `encoding ${field} = ${bad}`);
    }
  }
});

test('several bad levels at once (every pair of slots and bad values): the first in layout order is the one refused, at every alignment', () => {
  // The aligned paths copy all levels and check them together; the DataView path (the
  // misaligned shifts) checks one value at a time and stops at the first bad one.
  const badValues = [Number.NaN, Infinity, -Infinity, 0.5, -0.5, 5e-324, 2e14, -2e14];
  const slots = ['bid0', 'bidSize0', 'bid2', 'bidSize2', 'ask0', 'askSize0', 'ask2', 'askSize2'] as const;
  const decoder = new BinaryDecoder();
  const good = createMarketData(4);
  Object.assign(good, { symbol: 'MSFT', bidCount: 3, askCount: 3 });
  good.bidPrices.set([100, 99, 98]);
  good.askPrices.set([101, 102, 103]);
  good.bidSizes.set([1, 2, 3]);
  good.askSizes.set([4, 5, 6]);
  const target = Buffer.alloc(256);
  const bytes = new BinaryEncoder().encode(good, target, 0);
  const position = (slot: (typeof slots)[number]): number => {
    const level = Number(slot.at(-1)) + (slot.startsWith('ask') ? 3 : 0);
    return MarketDataLayout.LEVELS + 16 * level + (slot.includes('Size') ? 8 : 0);
  };
  let refusedCount = 0;
  for (let pair = 0; pair < slots.length * slots.length * badValues.length * badValues.length; pair++) {
    const a = pair % slots.length;
    const b = Math.floor(pair / slots.length) % slots.length;
    const badA = badValues[Math.floor(pair / slots.length ** 2) % badValues.length];
    const badB = badValues[Math.floor(pair / (slots.length ** 2 * badValues.length))];
    if (a < b) {
      const message = createMarketData(4);
      Object.assign(message, { symbol: 'MSFT', bidCount: 3, askCount: 3 });
      message.bidPrices.set(good.bidPrices.subarray(0, 3));
      message.askPrices.set(good.askPrices.subarray(0, 3));
      message.bidSizes.set(good.bidSizes.subarray(0, 3));
      message.askSizes.set(good.askSizes.subarray(0, 3));
      const payload = Buffer.from(target.subarray(0, bytes));
      for (const [slot, bad] of [
        [slots[a], badA],
        [slots[b], badB],
      ] as const) {
        const array = slot.startsWith('bid') ? (slot.includes('Size') ? message.bidSizes : message.bidPrices) : slot.includes('Size') ? message.askSizes : message.askPrices;
        array[Number(slot.at(-1))] = bad;
        payload.writeDoubleLE(bad, position(slot));
      }
      const encoded = encodeEverywhere(message);
      for (const result of encoded) assert.deepEqual(result, encoded[0], `encoding ${slots[a]} = ${badA}, ${slots[b]} = ${badB}`);
      const decoded: Outcome[] = [];
      for (let shift = 0; shift < 8; shift++) {
        decoded.push(outcome(() => normalize(decoder.decode(placed(payload, shift), shift, payload.length), { keepSignalData: false })));
      }
      for (const result of decoded) assert.deepEqual(result, decoded[0], `decoding ${slots[a]} = ${badA}, ${slots[b]} = ${badB}`);
      assert.equal(decoded[0].ok, encoded[0].ok);
      if (!decoded[0].ok) refusedCount++;
    }
  }
  assert.ok(refusedCount > 1000, `most pairs hold a refused value (${refusedCount})`);
});

test('Buffers that share one ArrayBuffer at different offsets (socket chunks): each decoded at its own offset', () => {
  // The codec remembers the last Buffer's views and byteOffset; a different Buffer over the
  // same memory must not reuse the previous one's offset.
  const encoder = new BinaryEncoder();
  const decoder = new BinaryDecoder();
  const memory = Buffer.alloc(4096);
  const message = createMarketData(4);
  Object.assign(message, { symbol: 'IBM', bidCount: 2, askCount: 1, lastPrice: 1234, volume: 9 });
  message.bidPrices.set([100, 99]);
  message.bidSizes.set([1, 2]);
  message.askPrices.set([101]);
  message.askSizes.set([3]);
  for (let round = 0; round < 3; round++) {
    for (const start of [0, 3, 4, 12, 100, 4, 0, 333]) {
      const chunk = memory.subarray(start, start + 512);
      message.sequence = start * 10 + round;
      const bytes = encoder.encode(message, chunk, 8);
      const view = memory.subarray(start + 8, start + 8 + bytes);
      const decoded = decoder.decode(view, 0, bytes);
      assert.deepEqual(normalize(decoded, { keepSignalData: false }), normalize(message, { keepSignalData: false }), `chunk at ${start}`);
      const again = decoder.decode(chunk, 8, bytes);
      assert.equal(again.type === 1 && again.sequence, start * 10 + round);
    }
  }
});
