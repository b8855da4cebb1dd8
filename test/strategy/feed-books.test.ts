/**
 * FeedBooks (`--book-source tick`): a symbol reads as the newer of its latest tick's book
 * and the shared book, and as stale whenever the shared book is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createL2Book } from '../../src/core/book.js';
import { MemoryBookSource } from '../../src/core/memory-book-source.js';
import { FeedBooks } from '../../src/strategy/feed-books.js';
import { makeBook } from './fixtures.js';

function bookAt(ask: number, sequence: number) {
  const book = makeBook({ bid: ask - 0.02, ask, timestamp: 1 });
  book.sequence = sequence;
  return book;
}

test("the tick's book when the shared one is behind it, the shared one when it is ahead", () => {
  const shared = new MemoryBookSource();
  const books = new FeedBooks(shared);
  const out = createL2Book();
  shared.set('AAPL', bookAt(100.01, 4));
  books.noteTick('AAPL', bookAt(100.05, 5));
  assert.equal(books.read('AAPL', out), 'live');
  assert.equal(out.sequence, 5, "the tick the orderbook has not written yet");
  assert.equal(out.askPrices[0], 1_000_500);
  // the orderbook got further than this process has handled: its book is the newer
  shared.set('AAPL', bookAt(100.07, 6));
  assert.equal(books.read('AAPL', out), 'live');
  assert.equal(out.sequence, 6);
  assert.equal(out.askPrices[0], 1_000_700);
  // a tie goes to the tick
  books.noteTick('AAPL', bookAt(100.09, 6));
  assert.equal(books.read('AAPL', out), 'live');
  assert.equal(out.askPrices[0], 1_000_900);
});

test('a tick before the shared book has the symbol is live; a symbol with no tick reads as the shared book', () => {
  const shared = new MemoryBookSource();
  const books = new FeedBooks(shared);
  const out = createL2Book();
  assert.equal(books.hasSlot('AAPL'), false);
  books.noteTick('AAPL', bookAt(100.01, 1));
  assert.equal(books.read('AAPL', out), 'live');
  assert.equal(books.hasSlot('AAPL'), true);
  shared.set('MSFT', bookAt(300.01, 9));
  assert.equal(books.read('MSFT', out), 'live');
  assert.equal(out.sequence, 9);
  assert.equal(books.read('GOOGL', out), 'unknown');
});

test("a stale shared book makes every book stale, the tick's included, out holding the newest known", () => {
  const shared = new MemoryBookSource();
  const books = new FeedBooks(shared);
  const out = createL2Book();
  shared.set('AAPL', bookAt(100.01, 4));
  shared.setStale('AAPL', true);
  books.noteTick('AAPL', bookAt(100.05, 5));
  assert.equal(books.read('AAPL', out), 'stale');
  assert.equal(out.sequence, 5);
});

test('noteTick keeps a copy: the decoder reusing its message changes nothing read', () => {
  const books = new FeedBooks(new MemoryBookSource());
  const tick = bookAt(100.01, 1);
  books.noteTick('AAPL', tick);
  tick.askPrices[0] = 1;
  const out = createL2Book();
  books.read('AAPL', out);
  assert.equal(out.askPrices[0], 1_000_100);
});
