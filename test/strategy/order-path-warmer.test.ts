// Its own file, hence its own process: the allocation check counts collections, which other
// tests' garbage would trigger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageDecoder, MessageEncoder } from '../../src/protocol/codec.js';
import { MessageType } from '../../src/protocol/messages.js';
import { FRAME_HEADER_BYTES } from '../../src/protocol/framing.js';
import { OrderPathWarmer } from '../../src/strategy/order-path-warmer.js';
import { collectionsPerRound } from '../helpers/gc-rounds.js';
import { FakeBooks, tickOf } from './fixtures.js';

const T0 = 1_700_000_000;

/** A binary MARKET_DATA payload of `symbol`, as the strategy's frame reader hands it over (no frame header). */
function tickPayload(symbol: string): Buffer {
  const encoder = new MessageEncoder({ mode: 'binary' });
  const bytes = encoder.encode(tickOf(symbol, T0, 123), 'binary');
  return Buffer.from(encoder.buffer.subarray(FRAME_HEADER_BYTES, bytes));
}

test('order path warmer: idle until a tick, then reads that tick\'s book on each dry run; a payload too big to keep is skipped', () => {
  const books = new FakeBooks();
  books.set('AAPL', { bid: 99.99, ask: 100.01, timestamp: T0 });
  const warmer = new OrderPathWarmer({ books, intervalMs: 1 });
  warmer.run();
  assert.equal(warmer.runs, 0, 'no tick yet: nothing to warm');
  assert.equal(books.reads, 0);
  const payload = tickPayload('AAPL');
  // at an offset, as a payload sits in a read buffer
  const framed = Buffer.concat([Buffer.alloc(7), payload]);
  warmer.noteTick(framed, 7, payload.length);
  warmer.run();
  warmer.run();
  assert.equal(warmer.runs, 2);
  assert.equal(books.reads, 2, 'one book read per dry run');
  warmer.noteTick(Buffer.alloc(8192), 0, 8192);
  warmer.run();
  assert.equal(warmer.runs, 3, 'the last tick that fitted is still the one warmed');
});

/** A warmer over a book of `symbol` that has seen one tick of it. */
function warmerWithTick(symbol: string): OrderPathWarmer {
  const books = new FakeBooks();
  books.set(symbol, { bid: 99.99, ask: 100.01, timestamp: T0 });
  const warmer = new OrderPathWarmer({ books, intervalMs: 1 });
  const payload = tickPayload(symbol);
  warmer.noteTick(payload, 0, payload.length);
  return warmer;
}

test('order path warmer: its timer runs it until stopped', async () => {
  const warmer = warmerWithTick('MSFT');
  warmer.start();
  try {
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (warmer.runs < 5) return;
        clearInterval(poll);
        resolve();
      }, 1);
    });
  } finally {
    warmer.stop();
  }
  const runs = warmer.runs;
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(warmer.runs, runs, 'no run after stop');
});

test("order path warmer: a dry run allocates only its signal data's JSON text", async () => {
  const warmer = warmerWithTick('AAPL');
  // 2,000 runs of ~100 bytes fit in the young generation between two collections, so some
  // round sees none; a run that allocated kilobytes (an object per field, a buffer) would
  // collect in every round
  const perRound = await collectionsPerRound(
    (count) => {
      for (let i = 0; i < count; i++) warmer.run();
    },
    { roundSize: 2_000 },
  );
  assert.equal(perRound.at(-1), 0, `collections per round of 2,000 dry runs: ${perRound.join(', ')}`);
});

test('order path warmer: the dry order is encoded by the given encoder, with signal data, and decodes as an order', () => {
  const books = new FakeBooks();
  books.set('AAPL', { bid: 99.99, ask: 100.01, timestamp: T0 });
  const encoder = new MessageEncoder({ mode: 'binary' });
  let encoded = 0;
  const warmer = new OrderPathWarmer({ books, intervalMs: 1, encode: (order) => void (encoded = encoder.encode(order, 'binary')) });
  const payload = tickPayload('AAPL');
  warmer.noteTick(payload, 0, payload.length);
  warmer.run();
  const order = new MessageDecoder().decode(encoder.buffer, FRAME_HEADER_BYTES, encoded - FRAME_HEADER_BYTES);
  assert.equal(order.type, MessageType.ORDER);
  if (order.type !== MessageType.ORDER) return;
  assert.equal(order.symbol, 'AAPL');
  assert.equal(order.tickSentNs, 123, "the last tick's stamp");
  assert.deepEqual(Object.keys(order.signalData ?? {}), ['price_change', 'sentiment_ema', 'lookback_ms']);
});
