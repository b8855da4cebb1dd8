// The BookSource conformance suite (test/helpers/book-source-conformance.ts) against every
// implementation: the in-memory one (order manager tests, the calibration tool), the
// shared-memory LiveBook (strategy and order manager processes), and the strategy tests'
// FakeBooks, and the strategy's FeedBooks (--book-source tick).
import { after } from 'node:test';
import { MemoryBookSource } from '../../src/core/memory-book-source.js';
import { BookWriter } from '../../src/shm/book-writer.js';
import { LiveBook } from '../../src/shm/live-book.js';
import { CONFORMANCE_SYMBOLS, bookSourceConformance } from '../helpers/book-source-conformance.js';
import { cleanupAll, uniqueShmName } from '../helpers/resources.js';
import { FakeBooks } from '../strategy/fixtures.js';
import { FeedBooks } from '../../src/strategy/feed-books.js';
import { createL2Book } from '../../src/core/book.js';

after(cleanupAll);

bookSourceConformance('MemoryBookSource', () => {
  const source = new MemoryBookSource();
  return {
    source,
    publish: (symbol, book) => source.set(symbol, book),
    goStale: () => CONFORMANCE_SYMBOLS.forEach((symbol) => source.setStale(symbol, true)),
  };
});

bookSourceConformance('LiveBook (shared memory)', () => {
  const name = uniqueShmName('conformance');
  const writer = BookWriter.create({ name, symbols: [...CONFORMANCE_SYMBOLS], depth: 5 });
  writer.setFeedConnected(true);
  // a long freshness window: only the feed flag decides, never the machine's speed
  const source = new LiveBook({ name, maxAgeMs: 3_600_000 });
  return {
    source,
    publish: (symbol, book) => writer.write(writer.indexOf(symbol), book),
    goStale: () => writer.setFeedConnected(false),
    close: () => {
      source.close();
      writer.close();
      writer.unlink();
    },
  };
});

bookSourceConformance('FakeBooks (strategy tests)', () => {
  const source = new FakeBooks();
  return {
    source,
    publish: (symbol, book) => source.setBook(symbol, book),
    goStale: () => CONFORMANCE_SYMBOLS.forEach((symbol) => source.has(symbol) && source.setStatus(symbol, 'stale')),
  };
});

bookSourceConformance('FeedBooks (--book-source tick): books published as ticks', () => {
  const shared = new MemoryBookSource();
  const source = new FeedBooks(shared);
  return {
    source,
    publish: (symbol, book) => source.noteTick(symbol, book),
    // the shared book (behind the ticks) loses its writer: so do the ticks
    goStale: () =>
      CONFORMANCE_SYMBOLS.forEach((symbol) => {
        shared.set(symbol, createL2Book());
        shared.setStale(symbol, true);
      }),
  };
});
