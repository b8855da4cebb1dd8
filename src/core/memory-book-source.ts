/**
 * A BookSource kept in process memory: books are copied in with `set` and copied out by
 * `read`, exactly as the shared-memory reader copies out of its slots.
 */
import { copyL2Book, createL2Book, MAX_BOOK_DEPTH, type L2Book } from './book.js';
import type { BookSource, BookStatus } from './book-source.js';

interface StoredBook {
  readonly book: L2Book;
  stale: boolean;
}

export class MemoryBookSource implements BookSource {
  readonly #books = new Map<string, StoredBook>();

  /** Publish a book for `symbol` (copied), marking it live. */
  set(symbol: string, book: L2Book): void {
    let stored = this.#books.get(symbol);
    if (stored === undefined) {
      stored = { book: createL2Book(MAX_BOOK_DEPTH), stale: false };
      this.#books.set(symbol, stored);
    }
    copyL2Book(book, stored.book);
    stored.stale = false;
  }

  /** Mark a known symbol's book stale (its writer went silent) or live again. */
  setStale(symbol: string, stale: boolean): void {
    const stored = this.#books.get(symbol);
    if (stored !== undefined) stored.stale = stale;
  }

  delete(symbol: string): void {
    this.#books.delete(symbol);
  }

  read(symbol: string, out: L2Book): BookStatus {
    const stored = this.#books.get(symbol);
    if (stored === undefined) return 'unknown';
    copyL2Book(stored.book, out);
    return stored.stale ? 'stale' : 'live';
  }
}
