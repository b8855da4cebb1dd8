/**
 * The strategy's view of the shared-memory book: a BookSource over a BookReader. A symbol
 * the segment has no slot for, or whose slot was never written, is `unknown`; a written
 * book is `stale` when the reader says the writer cannot be trusted (closed, gone, feed
 * lost, heartbeat older than `maxHeartbeatAgeMs`), else `live`.
 */
import type { L2Book } from '../core/book.js';
import { ErrorCode, TradingError } from '../core/errors.js';
import type { BookReader } from '../shm/book-reader.js';
import type { BookSource, BookStatus } from './strategy.js';

export class ShmBookSource implements BookSource {
  readonly #reader: BookReader;
  readonly #maxHeartbeatAgeMs: number;

  constructor(reader: BookReader, maxHeartbeatAgeMs: number) {
    if (!(maxHeartbeatAgeMs > 0) || !Number.isFinite(maxHeartbeatAgeMs)) {
      throw new TradingError(ErrorCode.CONFIG_INVALID, `maxHeartbeatAgeMs must be a positive number, got ${maxHeartbeatAgeMs}`);
    }
    this.#reader = reader;
    this.#maxHeartbeatAgeMs = maxHeartbeatAgeMs;
  }

  read(symbol: string, out: L2Book): BookStatus {
    const reader = this.#reader;
    const index = reader.indexOf(symbol);
    if (index < 0 || !reader.read(index, out)) return 'unknown';
    return reader.isStale(this.#maxHeartbeatAgeMs) ? 'stale' : 'live';
  }
}
