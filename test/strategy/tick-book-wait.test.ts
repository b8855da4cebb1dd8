/**
 * TickBookWait: a tick whose own book is behind waits for it without blocking the event
 * loop, later frames wait behind it in order, and a book that never comes is handed to the
 * strategy as `lagging` after the deadline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyL2Book, createL2Book, type L2Book } from '../../src/core/book.js';
import { MessageEncoder } from '../../src/protocol/codec.js';
import { FRAME_HEADER_BYTES } from '../../src/protocol/framing.js';
import { MessageDecoder } from '../../src/protocol/codec.js';
import { MessageType, Sentiment, type MarketData, type Message } from '../../src/protocol/messages.js';
import { StrategyEngine } from '../../src/strategy/engine.js';
import { TickBookWait } from '../../src/strategy/tick-book-wait.js';
import type { BookSource, BookStatus, Strategy, StrategyContext, TickBookStatus } from '../../src/strategy/strategy.js';
import { makeBook } from './fixtures.js';

/** Per symbol, the gateway sequence its book is at (the test moves it on). */
class Books implements BookSource {
  readonly #book: L2Book = makeBook({ bid: 99.99, ask: 100.01, timestamp: 1 });
  readonly at = new Map<string, number>();
  read(symbol: string, out: L2Book): BookStatus {
    this.#book.sequence = this.at.get(symbol) ?? 0;
    copyL2Book(this.#book, out);
    return 'live';
  }
}

function frame(encoder: MessageEncoder, message: Message): Buffer {
  const bytes = encoder.encode(message);
  return Buffer.from(encoder.buffer.subarray(FRAME_HEADER_BYTES, bytes));
}

function tick(symbol: string, sequence: number): MarketData {
  return { ...createL2Book(), type: MessageType.MARKET_DATA, symbol, timestamp: 1, sequence, sentNs: 0 };
}

function setup(waitMs: number) {
  const books = new Books();
  const seen: string[] = [];
  const waited: number[] = [];
  const mine = createL2Book();
  const strategy: Strategy = {
    name: 'recorder',
    onTick(t: MarketData, ctx: StrategyContext) {
      const status: TickBookStatus = ctx.readBook(t.symbol, mine);
      seen.push(`${t.symbol}#${t.sequence}:${status}@${mine.sequence}`);
    },
    onNews() {},
    onExecution() {},
  };
  const engine = new StrategyEngine({ strategy, books, send: () => true, sessionToken: 'tw', bookWaitReads: 0 });
  engine.start();
  const decoder = new MessageDecoder();
  const encoder = new MessageEncoder({ mode: 'binary' });
  const wait = new TickBookWait({
    engine,
    waitMs,
    beforeTick: () => undefined,
    afterTick: (ms) => waited.push(ms),
    other: (message) => {
      if (message.type !== MessageType.NEWS_SENTIMENT) return;
      engine.onNews(message);
      seen.push(`news#${message.sequence}`);
    },
    bad: (err) => assert.fail(String(err)),
  });
  /** The process's gateway path: offer a tick when nothing waits, else queue it. */
  const arrive = (message: Message): void => {
    const bytes = frame(encoder, message);
    if (wait.busy) wait.queue(bytes, 0, bytes.length, performance.now());
    else {
      const decoded = decoder.decode(bytes, 0, bytes.length);
      if (decoded.type === MessageType.MARKET_DATA) {
        if (wait.offer(decoded, bytes, 0, bytes.length, performance.now())) waited.push(0);
      } else if (decoded.type === MessageType.NEWS_SENTIMENT) seen.push(`news#${decoded.sequence}`);
    }
  };
  /** Resolves once nothing waits (the frames are handled on later loop turns); fails after 5 s. */
  const drained = async (): Promise<void> => {
    const deadline = performance.now() + 5_000;
    while (wait.busy) {
      assert.ok(performance.now() < deadline, 'frames still waiting after 5 s');
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { books, seen, waited, engine, wait, arrive, drained };
}

test('a tick whose book is behind waits over loop turns (the loop runs meanwhile), and what came after it waits behind it in order', async () => {
  const s = setup(10_000);
  s.books.at.set('AAPL', 1);
  s.books.at.set('MSFT', 2);
  s.arrive(tick('AAPL', 1)); // book there: handled at once
  // tick 3's book is written by a timer: only a loop that keeps turning lets it come
  setTimeout(() => s.books.at.set('AAPL', 3), 2);
  s.arrive(tick('AAPL', 3));
  assert.equal(s.wait.busy, true, 'tick 3 waits');
  s.arrive({ type: MessageType.NEWS_SENTIMENT, symbol: 'AAPL', sentiment: Sentiment.POSITIVE, score: 0.5, headline: 'h', timestamp: 1, sequence: 4, sentNs: 0 });
  s.books.at.set('MSFT', 5);
  s.arrive(tick('MSFT', 5)); // its book is there, but it comes after tick 3
  assert.deepEqual(s.seen, ['AAPL#1:live@1']);
  await s.drained();
  assert.deepEqual(s.seen, ['AAPL#1:live@1', 'AAPL#3:live@3', 'news#4', 'MSFT#5:live@5']);
  assert.equal(s.engine.counters.bookLagAtFirstRead, 1);
  assert.equal(s.engine.counters.bookLagged, 0);
  assert.ok(s.engine.counters.bookWaits >= 1);
  assert.ok((s.waited[1] ?? 0) >= 1, `tick 3 waited for the timer (${s.waited[1]} ms)`);
});

test('a book that never comes: the tick is handled after the deadline, the strategy told lagging; the next tick is looked at on its own', async () => {
  const s = setup(3);
  s.books.at.set('AAPL', 6);
  s.books.at.set('MSFT', 8);
  const started = performance.now();
  s.arrive(tick('AAPL', 7)); // its book stays at 6
  s.arrive(tick('MSFT', 8));
  await s.drained();
  const elapsed = performance.now() - started;
  assert.deepEqual(s.seen, ['AAPL#7:lagging@6', 'MSFT#8:live@8']);
  assert.ok(elapsed >= 3, `waited the deadline (${elapsed.toFixed(2)} ms)`);
  assert.equal(s.engine.counters.bookLagAtFirstRead, 1);
  assert.equal(s.engine.counters.bookLagged, 1);
});

test('close() forgets what waits: nothing is handled after it', async () => {
  const s = setup(10_000);
  s.books.at.set('AAPL', 1);
  s.arrive(tick('AAPL', 2));
  s.wait.close();
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(s.seen, []);
  assert.equal(s.wait.busy, false);
});
