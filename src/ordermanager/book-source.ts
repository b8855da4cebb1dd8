/**
 * Where the order manager gets the live book of a symbol. The shared-memory reader
 * implements this in production; `MemoryBookSource` serves tests and any setup that
 * receives books another way (for example over TCP from the gateway).
 */
import type { L2Book } from '../core/book.js';

/**
 * - `live`: `out` now holds the newest book of the symbol.
 * - `stale`: `out` holds the last book known, but its writer is gone or silent; nobody
 *   trades on it.
 * - `unknown`: no such symbol; `out` is untouched.
 */
export type BookStatus = 'live' | 'stale' | 'unknown';

export interface BookSource {
  /** Copy the newest book of `symbol` into `out` (no allocation) and say how good it is. */
  read(symbol: string, out: L2Book): BookStatus;
}
