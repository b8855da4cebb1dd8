/**
 * The tick's own book: a strategy handling tick N reads a book whose gateway sequence is at
 * least N, or is told `lagging`; the engine counts how often the book lagged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyL2Book, createL2Book, type L2Book } from '../../src/core/book.js';
import { OrderType, Side, TimeInForce, type MarketData } from '../../src/protocol/messages.js';
import { MessageType } from '../../src/protocol/messages.js';
import { StrategyEngine } from '../../src/strategy/engine.js';
import type { BookSource, BookStatus, Strategy, StrategyContext, TickBookStatus } from '../../src/strategy/strategy.js';
import { assertFields } from '../helpers/assert-fields.js';
import { makeBook } from './fixtures.js';

/** A book that reaches sequence `arrivesAt` only after `readsUntilCurrent` reads of it. */
class SlowBook implements BookSource {
  readonly book: L2Book = makeBook({ bid: 99.99, ask: 100.01, timestamp: 1 });
  reads = 0;
  readsUntilCurrent = 0;
  arrivesAt = 0;
  read(_symbol: string, out: L2Book): BookStatus {
    this.reads += 1;
    this.book.sequence = this.reads > this.readsUntilCurrent ? this.arrivesAt : this.arrivesAt - 1;
    copyL2Book(this.book, out);
    return 'live';
  }
}

function tick(sequence: number): MarketData {
  return { ...createL2Book(), type: MessageType.MARKET_DATA, symbol: 'AAPL', timestamp: 1, sequence, sentNs: 0 };
}

/** An engine on a SlowBook whose book reaches `arrivesAt` after `readsUntilCurrent` reads; its strategy reads the book and orders on every tick. */
function setup(
  bookWaitReads: number,
  slow: { arrivesAt: number; readsUntilCurrent?: number },
): { engine: StrategyEngine; books: SlowBook; seen: { status: TickBookStatus; sequence: number }[]; sent: number[] } {
  const books = new SlowBook();
  books.arrivesAt = slow.arrivesAt;
  books.readsUntilCurrent = slow.readsUntilCurrent ?? 0;
  const seen: { status: TickBookStatus; sequence: number }[] = [];
  const sent: number[] = [];
  const mine = createL2Book();
  const strategy: Strategy = {
    name: 'reader',
    onTick(t: MarketData, ctx: StrategyContext) {
      seen.push({ status: ctx.readBook(t.symbol, mine), sequence: mine.sequence });
      ctx.sendOrder({ symbol: t.symbol, side: Side.BUY, orderType: OrderType.LIMIT, timeInForce: TimeInForce.IOC, price: 1_000_100, quantity: 1 });
    },
    onNews() {},
    onExecution() {},
  };
  const engine = new StrategyEngine({ strategy, books, send: () => (sent.push(1), true), sessionToken: 'tb', bookWaitReads });
  engine.start();
  return { engine, books, seen, sent };
}


test('a book that catches up within the wait is read at the tick: counted as lagging at first read, not as lagged', () => {
  const s = setup(100, { arrivesAt: 7, readsUntilCurrent: 3 });
  s.engine.onMarketData(tick(7));
  assert.deepEqual(s.seen, [{ status: 'live', sequence: 7 }]);
  assertFields(s.engine.counters, { bookLagAtFirstRead: 1, bookLagged: 0, bookWaits: 3 });
  assert.equal(s.sent.length, 1);
});

test('a book still older after the wait is reported lagging to the strategy, and orders on it are counted', () => {
  const s = setup(5, { arrivesAt: 9, readsUntilCurrent: 1_000 });
  s.engine.onMarketData(tick(9));
  assert.deepEqual(s.seen, [{ status: 'lagging', sequence: 8 }]);
  assertFields(s.engine.counters, { bookLagAtFirstRead: 1, bookLagged: 1, ordersOnLaggingBook: 1 });
});

test('a current book costs one read and counts nothing; a gateway without sequences is not checked', () => {
  const s = setup(5, { arrivesAt: 4 });
  s.engine.onMarketData(tick(4));
  assert.deepEqual(s.seen, [{ status: 'live', sequence: 4 }]);
  assert.equal(s.engine.counters.bookLagAtFirstRead, 0);
  s.books.readsUntilCurrent = 1_000;
  s.engine.onMarketData(tick(0));
  assert.equal(s.seen[1]?.status, 'live', 'sequence 0 (a seed gateway): no check');
  assert.equal(s.engine.counters.bookLagAtFirstRead, 0);
});

test('put off: a tick whose book is behind is not handled but counted; retried, it is handled once the book came', () => {
  const s = setup(0, { arrivesAt: 12, readsUntilCurrent: 2 }); // the first two reads find sequence 11
  const t = tick(12);
  assert.equal(s.engine.onMarketData(t, true), false, 'put off');
  assert.deepEqual(s.seen, [], 'the strategy did not see it yet');
  assert.equal(s.engine.counters.ticks, 0);
  assert.equal(s.engine.counters.bookLagAtFirstRead, 1);
  assert.equal(s.engine.retryMarketData(t, true), false, 'still behind, may wait on');
  assert.equal(s.engine.retryMarketData(t, true), true, 'the book came');
  assert.deepEqual(s.seen, [{ status: 'live', sequence: 12 }]);
  assertFields(s.engine.counters, { bookLagAtFirstRead: 1, bookLagged: 0, bookWaits: 2, ordersOnLaggingBook: 0 });
});

test('put off past its deadline: handled with the strategy told lagging, counted as lagged', () => {
  const s = setup(0, { arrivesAt: 20, readsUntilCurrent: 1_000 });
  const t = tick(20);
  assert.equal(s.engine.onMarketData(t, true), false);
  assert.equal(s.engine.retryMarketData(t, false), true, 'no more waiting: handled');
  assert.deepEqual(s.seen, [{ status: 'lagging', sequence: 19 }]);
  assertFields(s.engine.counters, { bookLagged: 1, ordersOnLaggingBook: 1 });
});

test('mayDefer with the book already there: handled at once with one read (the common case costs nothing more)', () => {
  const s = setup(0, { arrivesAt: 3 });
  assert.equal(s.engine.onMarketData(tick(3), true), true);
  assert.deepEqual(s.seen, [{ status: 'live', sequence: 3 }]);
  // one read before onTick, one by the strategy, one at send: as without mayDefer
  const reads = s.books.reads;
  s.engine.onMarketData(tick(3), false);
  assert.equal(s.books.reads - reads, reads);
  assert.equal(s.engine.counters.bookLagAtFirstRead, 0);
});

test('no wait at all (bookWaitReads 0, not put off): a book behind is lagging at once, before = after', () => {
  const s = setup(0, { arrivesAt: 5, readsUntilCurrent: 1_000 });
  s.engine.onMarketData(tick(5));
  assert.deepEqual(s.seen, [{ status: 'lagging', sequence: 4 }]);
  assertFields(s.engine.counters, { bookLagAtFirstRead: 1, bookLagged: 1 });
});

test("a symbol's first book not written yet, in a slot the source has: behind (waited for); a symbol with no slot: not waited for", () => {
  let written = false;
  const book = makeBook({ bid: 99.99, ask: 100.01, timestamp: 1 });
  book.sequence = 1;
  const books: BookSource = {
    read(symbol: string, out: L2Book): BookStatus {
      if (symbol !== 'AAPL' || !written) return 'unknown';
      copyL2Book(book, out);
      return 'live';
    },
    hasSlot: (symbol: string) => symbol === 'AAPL',
  };
  const seen: TickBookStatus[] = [];
  const mine = createL2Book();
  const strategy: Strategy = { name: 'r', onTick: (t, ctx) => void seen.push(ctx.readBook(t.symbol, mine)), onNews() {}, onExecution() {} };
  const engine = new StrategyEngine({ strategy, books, send: () => true, sessionToken: 'tu', bookWaitReads: 0 });
  engine.start();
  const first = tick(1);
  assert.equal(engine.onMarketData(first, true), false, 'not written yet: put off');
  written = true;
  assert.equal(engine.retryMarketData(first, true), true);
  assert.deepEqual(seen, ['live']);
  const other = { ...tick(2), symbol: 'MSFT' };
  assert.equal(engine.onMarketData(other, true), true, 'no slot: handled at once, not waited for');
  assert.deepEqual(seen, ['live', 'unknown']);
  assert.equal(engine.counters.bookLagAtFirstRead, 1);
  assert.equal(engine.counters.bookLagged, 0);
});
