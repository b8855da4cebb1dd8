/**
 * A BookSource kept from the ticks themselves: each MARKET_DATA is a whole L2 book, so a
 * backtest's strategy reads the book of the tick it handles (and every other symbol's as of
 * its last tick) without waiting for the orderbook process, which trails it (see
 * shm/flow-gate.ts). The content is the same the orderbook writes into shared memory.
 */
import { MAX_BOOK_DEPTH, copyL2Book, createL2Book, type L2Book } from '../core/book.js';
import type { MarketData } from '../protocol/messages.js';
import type { BookSource, BookStatus } from './strategy.js';

export class TickBooks implements BookSource {
  readonly #books = new Map<string, L2Book>();

  /** Keep the tick's book (a copy: the decoder reuses the message). */
  update(tick: MarketData): void {
    let book = this.#books.get(tick.symbol);
    if (book === undefined) {
      book = createL2Book(MAX_BOOK_DEPTH);
      this.#books.set(tick.symbol, book);
    }
    copyL2Book(tick, book);
  }

  read(symbol: string, out: L2Book): BookStatus {
    const book = this.#books.get(symbol);
    if (book === undefined) return 'unknown';
    copyL2Book(book, out);
    return 'live';
  }
}
