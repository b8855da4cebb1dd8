/**
 * The books a live strategy trades on with `--book-source tick`: each symbol's book as its
 * latest tick carried it, the shared book's verdict on the feed.
 *
 * With the default (`shm`) the strategy reads the shared-memory book, which the orderbook
 * process writes from the same ticks: the strategy then acts on the book the order manager
 * executes against, but a tick whose book is not written yet must wait for it
 * (tick-book-wait.ts), and the gateway has to write the orderbook first. A MARKET_DATA is a
 * whole L2 book, so a strategy may instead act on the tick itself, as a trading system's
 * strategies act on their feed handler's messages: no wait, and the gateway writes it each
 * tick before the orderbook (HELLO `priority`). The shared segment stays the judge of
 * whether there is a market at all: when it says `stale` (the orderbook or its feed gone)
 * every book here is stale too, so nobody trades on a market the order manager cannot see.
 *
 * A read gives the newer of the two books by gateway sequence (the tick's on a tie: it is
 * what this process has handled); a symbol with no tick yet reads as the shared book.
 */
import type { BookSource, BookStatus } from '../core/book-source.js';
import { copyL2Book, type L2Book } from '../core/book.js';
import { TickBooks } from './tick-books.js';

/** What a live strategy trades on (`--book-source`): the shared-memory book, or the book each tick carries. */
export const BOOK_SOURCES = ['shm', 'tick'] as const;
export type BookSourceChoice = (typeof BOOK_SOURCES)[number];

export class FeedBooks implements BookSource {
  readonly #shared: BookSource;
  readonly #ticks = new TickBooks();

  constructor(shared: BookSource) {
    this.#shared = shared;
  }

  /** Keep `book` (a tick, or any L2 book of `symbol`) as the symbol's latest: a copy, since the decoder reuses its message. */
  noteTick(symbol: string, book: L2Book): void {
    this.#ticks.keep(symbol, book);
  }

  read(symbol: string, out: L2Book): BookStatus {
    const status = this.#shared.read(symbol, out);
    const tick = this.#ticks.latest(symbol);
    if (tick === undefined) return status;
    if (status === 'unknown' || tick.sequence >= out.sequence) copyL2Book(tick, out);
    return status === 'stale' ? 'stale' : 'live';
  }

  hasSlot(symbol: string): boolean {
    return this.#ticks.latest(symbol) !== undefined || (this.#shared.hasSlot?.(symbol) ?? false);
  }
}
