/**
 * Factories for the messages that decoders fill in place. A decoder hands back the same
 * MarketData / Heartbeat object on every call, so the hot path allocates nothing; the
 * object is valid until the next decode call on that decoder (copy what must be kept,
 * e.g. with copyL2Book).
 */
import { MAX_BOOK_DEPTH, createL2Book } from '../core/book.js';
import { MessageType } from './messages.js';
import type { Heartbeat, MarketData } from './messages.js';

/** A MarketData with room for `capacity` levels per side (default: the most any peer may send). */
export function createMarketData(capacity: number = MAX_BOOK_DEPTH): MarketData {
  return { type: MessageType.MARKET_DATA, symbol: '', ...createL2Book(capacity) };
}

export function createHeartbeat(): Heartbeat {
  return { type: MessageType.HEARTBEAT, timestamp: 0, sentNs: 0 };
}
