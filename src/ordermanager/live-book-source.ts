/**
 * The order manager's BookSource over the shared-memory book (a LiveBook), with one
 * difference in meaning: while no segment is attached yet (the orderbook process has not
 * created it, or is restarting before its first one), every symbol reads `stale`, not
 * `unknown`. Whether a symbol is listed cannot be known without a book, and "the book is
 * not there yet" is what the client should hear (E_RISK_STALE_BOOK), not "no such symbol".
 * Once a segment is attached, a symbol it has no slot for is `unknown` as usual.
 *
 * So the order manager starts whether or not the segment exists, and follows the
 * orderbook across restarts (LiveBook's job); it never trades on a stale book.
 */
import type { L2Book } from '../core/book.js';
import type { LiveBook } from '../shm/live-book.js';
import type { BookSource, BookStatus } from './book-source.js';

export class LiveBookSource implements BookSource {
  readonly #live: LiveBook;

  constructor(live: LiveBook) {
    this.#live = live;
  }

  read(symbol: string, out: L2Book): BookStatus {
    if (!this.#live.attached) {
      // no mid: nothing is marked or traded against this
      out.bidCount = 0;
      out.askCount = 0;
      return 'stale';
    }
    return this.#live.read(symbol, out);
  }
}
