/**
 * The shared suite of the BookSource contract (src/core/book-source.ts), run against every
 * implementation (test/core/book-source.test.ts): what `live`, `stale` and `unknown` mean,
 * and that `out` gets a copy, never a view.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createL2Book, type L2Book } from '../../src/core/book.js';
import type { BookSource } from '../../src/core/book-source.js';

/** One implementation as the suite drives it. */
export interface BookSourceUnderTest {
  source: BookSource;
  /** Two symbols the source can hold a book for (default CONFORMANCE_SYMBOLS). */
  symbols?: readonly [string, string];
  /** Publish `book` for `symbol` as its writer does; the book is live after this. */
  publish(symbol: string, book: L2Book): void;
  /** Make every book of the source untrustworthy (its writer gone, silent or cut off). */
  goStale(): void;
  /** Release what the source holds (default: nothing to release). */
  close?(): void | Promise<void>;
}

/** The symbols the suite uses unless an implementation names its own. */
export const CONFORMANCE_SYMBOLS = ['AAPL', 'MSFT'] as const;

const DEPTH = 5;

function bookAt(mid: number, sequence: number): L2Book {
  const book = createL2Book(DEPTH);
  for (let i = 0; i < DEPTH; i++) {
    book.bidPrices[i] = mid - 100 * (i + 1);
    book.bidSizes[i] = 10 + i;
    book.askPrices[i] = mid + 100 * (i + 1);
    book.askSizes[i] = 20 + i;
  }
  book.bidCount = DEPTH;
  book.askCount = DEPTH - 1;
  book.lastPrice = mid;
  book.volume = 1_000 + sequence;
  book.timestamp = 1_700_000_000 + sequence;
  book.sequence = sequence;
  return book;
}

function levels(book: L2Book): unknown {
  return {
    bids: [...book.bidPrices.subarray(0, book.bidCount)].map((price, i) => [price, book.bidSizes[i]]),
    asks: [...book.askPrices.subarray(0, book.askCount)].map((price, i) => [price, book.askSizes[i]]),
    lastPrice: book.lastPrice,
  };
}

export function bookSourceConformance(name: string, make: () => BookSourceUnderTest | Promise<BookSourceUnderTest>): void {
  const withSource = async (body: (under: Required<BookSourceUnderTest>) => void): Promise<void> => {
    const under: Required<BookSourceUnderTest> = { symbols: CONFORMANCE_SYMBOLS, close: () => undefined, ...(await make()) };
    try {
      body(under);
    } finally {
      await under.close();
    }
  };

  test(`${name}: a symbol without a book is unknown and out is untouched`, () =>
    withSource(({ source, symbols }) => {
      const out = bookAt(5_000_000, 99);
      const before = levels(out);
      assert.equal(source.read('NOSUCH', out), 'unknown');
      assert.equal(source.read(symbols[1], out), 'unknown', 'a symbol never published');
      assert.deepEqual(levels(out), before);
    }));

  test(`${name}: a published book reads live, as a copy of that book`, () =>
    withSource(({ source, symbols, publish }) => {
      const published = bookAt(1_000_000, 1);
      publish(symbols[0], published);
      const out = createL2Book(DEPTH);
      assert.equal(source.read(symbols[0], out), 'live');
      assert.deepEqual(levels(out), levels(published));
      // a copy: neither the publisher's book nor the next read changes what was read
      published.bidPrices[0] = 1;
      const again = createL2Book(DEPTH);
      assert.equal(source.read(symbols[0], again), 'live');
      assert.deepEqual(levels(again), levels(out));
      assert.equal(source.read(symbols[1], out), 'unknown', 'the other symbol is still without a book');
    }));

  test(`${name}: the newest book wins`, () =>
    withSource(({ source, symbols, publish }) => {
      publish(symbols[0], bookAt(1_000_000, 1));
      publish(symbols[0], bookAt(1_200_000, 2));
      const out = createL2Book(DEPTH);
      assert.equal(source.read(symbols[0], out), 'live');
      assert.equal(out.lastPrice, 1_200_000);
    }));

  test(`${name}: an untrustworthy writer's book reads stale, out holding the last book known`, () =>
    withSource(({ source, symbols, publish, goStale }) => {
      const last = bookAt(1_100_000, 3);
      publish(symbols[0], last);
      goStale();
      const out = createL2Book(DEPTH);
      assert.equal(source.read(symbols[0], out), 'stale');
      assert.deepEqual(levels(out), levels(last));
    }));
}
