/**
 * A BookSource kept from the ticks themselves: each MARKET_DATA is a whole L2 book, so a
 * backtest's strategy reads the book of the tick it handles (and every other symbol's as of
 * its last tick) without waiting for the orderbook process, which trails it (see
 * shm/flow-gate.ts). The content is the same the orderbook writes into shared memory. A live
 * strategy with --book-source tick keeps its ticks here too (feed-books.ts).
 */
import { MAX_BOOK_DEPTH, copyL2Book, createL2Book, type L2Book } from '../core/book.js';
import type { MarketData } from '../protocol/messages.js';
import type { BookSource, BookStatus } from './strategy.js';

export class TickBooks implements BookSource {
  readonly #books = new Map<string, L2Book>();

  /** Keep the tick's book (a copy: the decoder reuses the message). */
  update(tick: MarketData): void {
    this.keep(tick.symbol, tick);
  }

  /** Keep `book` as the latest of `symbol` (a copy). */
  keep(symbol: string, book: L2Book): void {
    let kept = this.#books.get(symbol);
    if (kept === undefined) {
      kept = createL2Book(MAX_BOOK_DEPTH);
      this.#books.set(symbol, kept);
    }
    copyL2Book(book, kept);
  }

  /** The latest book kept for `symbol`, not a copy (read it, do not keep it), or undefined. */
  latest(symbol: string): Readonly<L2Book> | undefined {
    return this.#books.get(symbol);
  }

  read(symbol: string, out: L2Book): BookStatus {
    const book = this.#books.get(symbol);
    if (book === undefined) return 'unknown';
    copyL2Book(book, out);
    return 'live';
  }
}
