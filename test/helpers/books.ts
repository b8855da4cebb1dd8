/** Order books for tests, written from their levels and fields in one call. */
import type { L2Book } from '../../src/core/book.js';

/** Levels as [price in price units, size], best first. */
export type Levels = readonly (readonly [price: number, size: number])[];

export interface BookFields {
  bids: Levels;
  asks: Levels;
  lastPrice?: number;
  volume?: number;
  timestamp?: number;
  sequence?: number;
  sentNs?: number;
}

/** Write `fields` into `book` (an L2Book, or a MARKET_DATA message, which is one); fields not given are left as they are. Returns `book`. */
export function fillBook<B extends L2Book>(book: B, fields: BookFields): B {
  fields.bids.forEach(([price, size], i) => {
    book.bidPrices[i] = price;
    book.bidSizes[i] = size;
  });
  fields.asks.forEach(([price, size], i) => {
    book.askPrices[i] = price;
    book.askSizes[i] = size;
  });
  book.bidCount = fields.bids.length;
  book.askCount = fields.asks.length;
  if (fields.lastPrice !== undefined) book.lastPrice = fields.lastPrice;
  if (fields.volume !== undefined) book.volume = fields.volume;
  if (fields.timestamp !== undefined) book.timestamp = fields.timestamp;
  if (fields.sequence !== undefined) book.sequence = fields.sequence;
  if (fields.sentNs !== undefined) book.sentNs = fields.sentNs;
  return book;
}

/** `count` levels, best first: level i at price `best + i * step` (price units; step < 0 for bids) and size `size(i)`. */
export function ladder(count: number, best: number, step: number, size: (level: number) => number): [number, number][] {
  return Array.from({ length: count }, (_, i) => [best + i * step, size(i)]);
}
