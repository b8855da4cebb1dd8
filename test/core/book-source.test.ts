// The BookSource conformance suite (test/helpers/book-source-conformance.ts) against every
// implementation: the in-memory one (order manager tests, the calibration tool), the
// shared-memory LiveBook (strategy and order manager processes), and the strategy tests'
// FakeBooks.
import { after } from 'node:test';
import { MemoryBookSource } from '../../src/core/memory-book-source.js';
import { BookWriter } from '../../src/shm/book-writer.js';
import { LiveBook } from '../../src/shm/live-book.js';
import { bookSourceConformance } from '../helpers/book-source-conformance.js';
import { cleanupAll, uniqueShmName } from '../helpers/resources.js';
import { FakeBooks } from '../strategy/fixtures.js';

after(cleanupAll);

bookSourceConformance('MemoryBookSource', () => {
  const source = new MemoryBookSource();
  const symbols = ['AAPL', 'MSFT'] as const;
  return {
    source,
    symbols,
    publish: (symbol, book) => source.set(symbol, book),
    goStale: () => symbols.forEach((symbol) => source.setStale(symbol, true)),
    close: () => undefined,
  };
});

bookSourceConformance('LiveBook (shared memory)', () => {
  const name = uniqueShmName('conformance');
  const symbols = ['AAPL', 'MSFT'] as const;
  const writer = BookWriter.create({ name, symbols: [...symbols], depth: 5 });
  writer.setFeedConnected(true);
  // a long freshness window: only the feed flag decides, never the machine's speed
  const source = new LiveBook({ name, maxAgeMs: 3_600_000 });
  return {
    source,
    symbols,
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
  const symbols = ['AAPL', 'MSFT'] as const;
  return {
    source,
    symbols,
    publish: (symbol, book) => source.setBook(symbol, book),
    goStale: () => symbols.forEach((symbol) => source.has(symbol) && source.setStatus(symbol, 'stale')),
    close: () => undefined,
  };
});
