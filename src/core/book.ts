/**
 * An L2 book as plain, reusable storage: parallel Float64Arrays of integer price units and
 * integer sizes, best level first. The market model fills one, the codecs decode into one,
 * the shared-memory reader copies into one, the matching engine walks one. Nothing here
 * allocates after construction.
 */
import { ErrorCode, TradingError } from './errors.js';
export const MAX_BOOK_DEPTH = 32;
export const DEFAULT_BOOK_DEPTH = 10;

export interface L2Book {
  /** Levels actually present on each side (0..capacity). */
  bidCount: number;
  askCount: number;
  /** Price units (see core/fixed-point), best first: bids descending, asks ascending. */
  readonly bidPrices: Float64Array;
  readonly bidSizes: Float64Array;
  readonly askPrices: Float64Array;
  readonly askSizes: Float64Array;
  /** Last trade price in price units (0 = none yet). */
  lastPrice: number;
  /** Cumulative traded volume, shares. */
  volume: number;
  /** Exchange time of this update, epoch seconds (the seed's `timestamp`). */
  timestamp: number;
  /** Gateway's message sequence number of the update that produced this state. */
  sequence: number;
  /** Monotonic ns at which the gateway stamped the update (for tick-to-trade). */
  sentNs: number;
}

export function createL2Book(capacity: number = DEFAULT_BOOK_DEPTH): L2Book {
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_BOOK_DEPTH) {
    throw new TradingError(ErrorCode.CONFIG_INVALID, `book capacity must be an integer in 1..${MAX_BOOK_DEPTH}, got ${capacity}`);
  }
  return {
    bidCount: 0,
    askCount: 0,
    bidPrices: new Float64Array(capacity),
    bidSizes: new Float64Array(capacity),
    askPrices: new Float64Array(capacity),
    askSizes: new Float64Array(capacity),
    lastPrice: 0,
    volume: 0,
    timestamp: 0,
    sequence: 0,
    sentNs: 0,
  };
}

/** Copy `from` into `to` (capacities may differ; extra levels are dropped). */
export function copyL2Book(from: L2Book, to: L2Book): void {
  const bids = Math.min(from.bidCount, to.bidPrices.length);
  const asks = Math.min(from.askCount, to.askPrices.length);
  for (let i = 0; i < bids; i++) {
    to.bidPrices[i] = from.bidPrices[i];
    to.bidSizes[i] = from.bidSizes[i];
  }
  for (let i = 0; i < asks; i++) {
    to.askPrices[i] = from.askPrices[i];
    to.askSizes[i] = from.askSizes[i];
  }
  to.bidCount = bids;
  to.askCount = asks;
  to.lastPrice = from.lastPrice;
  to.volume = from.volume;
  to.timestamp = from.timestamp;
  to.sequence = from.sequence;
  to.sentNs = from.sentNs;
}

/** Mid price in price units, or NaN when either side is empty. */
export function midPrice(book: L2Book): number {
  if (book.bidCount === 0 || book.askCount === 0) return Number.NaN;
  return (book.bidPrices[0] + book.askPrices[0]) / 2;
}
