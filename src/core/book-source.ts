/**
 * Where a process gets the live book of a symbol: the contract between the shared-memory
 * reader (shm/live-book.ts), the strategy and the order manager, owned here once. Every
 * implementation passes the shared suite in test/helpers/book-source-conformance.ts.
 */
import type { L2Book } from './book.js';

/**
 * What a read found. One meaning everywhere:
 *
 * - `live`: `out` now holds the symbol's newest book, and its writer is alive and fresh.
 * - `stale`: there is no book to trust: the writer is gone, silent or lost its feed, or
 *   there is no segment (yet). `out` holds the last book known, or is empty (no levels)
 *   when there is none. Nobody trades on it.
 * - `unknown`: the source has no book for this symbol (not one of its symbols, or never
 *   written); `out` is untouched.
 */
export type BookStatus = 'live' | 'stale' | 'unknown';

export interface BookSource {
  /** Copy the symbol's newest consistent book into `out` (no allocation) and say how good it is. */
  read(symbol: string, out: L2Book): BookStatus;
  /**
   * Optional: whether the source has a place for this symbol's book, written or not yet
   * (an `unknown` read of such a symbol means "not written yet", not "never"). The strategy
   * waits for a tick's first book only where this says yes. No allocation.
   */
  hasSlot?(symbol: string): boolean;
}
