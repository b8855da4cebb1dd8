/**
 * Socket-free doubles for strategy tests: a book source whose books and freshness the test
 * sets, a manual clock, message builders, and an engine wired to an array sink.
 */
import { copyL2Book, createL2Book, type L2Book } from '../../src/core/book.js';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import type { Cancel, ExecutionReport, MarketData, NewsSentiment, Order } from '../../src/protocol/messages.js';
import { ExecutionStatus, MessageType, Sentiment } from '../../src/protocol/messages.js';
import { StrategyEngine } from '../../src/strategy/engine.js';
import { createLogger } from '../../src/core/log.js';
import { MessageEncoder } from '../../src/protocol/codec.js';
import { OrderManagerLink } from '../../src/strategy/order-manager-link.js';
import { HeartbeatSource } from '../../src/strategy/session-heartbeat.js';
import type { BookSource, BookStatus, Strategy } from '../../src/strategy/strategy.js';

export interface BookSpec {
  /** Best bid and ask as decimals (e.g. 99.99); levels below step down by 0.01. */
  bid: number;
  ask: number;
  /** Sizes per level, best first (default 100 on every one of 5 levels). */
  bidSizes?: number[];
  askSizes?: number[];
  /** Exchange time, epoch seconds. */
  timestamp: number;
  last?: number;
  sentNs?: number;
}

export function makeBook(spec: BookSpec): L2Book {
  const book = createL2Book();
  const bidSizes = spec.bidSizes ?? [100, 100, 100, 100, 100];
  const askSizes = spec.askSizes ?? [100, 100, 100, 100, 100];
  const tick = toPriceUnits(0.01);
  bidSizes.forEach((size, i) => {
    book.bidPrices[i] = toPriceUnits(spec.bid) - i * tick;
    book.bidSizes[i] = size;
  });
  askSizes.forEach((size, i) => {
    book.askPrices[i] = toPriceUnits(spec.ask) + i * tick;
    book.askSizes[i] = size;
  });
  book.bidCount = bidSizes.length;
  book.askCount = askSizes.length;
  book.lastPrice = spec.last === undefined ? 0 : toPriceUnits(spec.last);
  book.timestamp = spec.timestamp;
  book.sentNs = spec.sentNs ?? 0;
  return book;
}

/** A BookSource whose contents and freshness the test controls. */
export class FakeBooks implements BookSource {
  readonly #books = new Map<string, { book: L2Book; status: BookStatus }>();
  reads = 0;

  /**
   * The book's gateway sequence is `sequence`, by default the highest there is: a book set
   * by a test is at least as new as any tick the test sends after it.
   */
  set(symbol: string, spec: BookSpec, status: BookStatus = 'live', sequence = Number.MAX_SAFE_INTEGER): L2Book {
    const book = makeBook(spec);
    book.sequence = sequence;
    this.#books.set(symbol, { book, status });
    return book;
  }

  /** Publish a copy of `book` (the conformance suite's way in). */
  setBook(symbol: string, book: L2Book, status: BookStatus = 'live'): void {
    const copy = createL2Book(book.bidPrices.length);
    copyL2Book(book, copy);
    this.#books.set(symbol, { book: copy, status });
  }

  has(symbol: string): boolean {
    return this.#books.has(symbol);
  }

  setStatus(symbol: string, status: BookStatus): void {
    const entry = this.#books.get(symbol);
    if (entry === undefined) throw new Error(`no book for ${symbol}`);
    entry.status = status;
  }

  read(symbol: string, out: L2Book): BookStatus {
    this.reads += 1;
    const entry = this.#books.get(symbol);
    if (entry === undefined) return 'unknown';
    copyL2Book(entry.book, out);
    return entry.status;
  }
}

export class ManualClock {
  ns = 1_000_000_000;
  readonly now = (): number => this.ns;
  advanceMs(ms: number): void {
    this.ns += ms * 1e6;
  }
}

let sequence = 0;

export function tickOf(symbol: string, timestamp: number, sentNs = 0): MarketData {
  return { ...createL2Book(), type: MessageType.MARKET_DATA, symbol, timestamp, sequence: ++sequence, sentNs };
}

export function newsOf(symbol: string, score: number, sentNs = 0): NewsSentiment {
  return {
    type: MessageType.NEWS_SENTIMENT,
    symbol,
    timestamp: 0,
    sentiment: score > 0 ? Sentiment.POSITIVE : score < 0 ? Sentiment.NEGATIVE : Sentiment.NEUTRAL,
    score,
    headline: 'test',
    sequence: ++sequence,
    sentNs,
  };
}

let executionSequence = 0;

/** A report for `order`, the cumulative and last-fill fields given by the test. */
export function reportFor(
  order: Order,
  status: ExecutionStatus,
  fill: { lastQuantity?: number; lastPrice?: number; filled?: number; averagePrice?: number; leaves?: number; rejectCode?: string } = {},
): ExecutionReport {
  const filled = fill.filled ?? 0;
  const done = status === ExecutionStatus.FILLED || status === ExecutionStatus.CANCELED || status === ExecutionStatus.REJECTED;
  return {
    type: MessageType.TRADE_EXECUTION,
    executionId: `x${++executionSequence}`,
    orderId: order.orderId,
    symbol: order.symbol,
    side: order.side,
    orderType: order.orderType,
    timeInForce: order.timeInForce,
    status,
    lastQuantity: fill.lastQuantity ?? 0,
    lastPrice: fill.lastPrice ?? 0,
    orderPrice: order.price,
    orderQuantity: order.quantity,
    filledQuantity: filled,
    leavesQuantity: fill.leaves ?? (done ? 0 : order.quantity - filled),
    averagePrice: fill.averagePrice ?? 0,
    timestamp: 0,
    rejectCode: fill.rejectCode ?? '',
    reason: '',
    tickSentNs: order.tickSentNs,
    orderSentNs: order.orderSentNs,
    sequence: 0,
  };
}

export interface Harness {
  engine: StrategyEngine;
  books: FakeBooks;
  clock: ManualClock;
  sent: (Order | Cancel)[];
  orders(): Order[];
  /** When false, the sink refuses (order manager "not connected"). */
  connected: boolean;
  /** Called with each message the sink takes, as it takes it. */
  onSend: (message: Order | Cancel) => void;
}

export function harness(strategy: Strategy, sessionToken = 'test'): Harness {
  const books = new FakeBooks();
  const clock = new ManualClock();
  const sent: (Order | Cancel)[] = [];
  const link: { connected: boolean; onSend?: (message: Order | Cancel) => void } = { connected: true };
  const engine = new StrategyEngine({
    strategy,
    books,
    send: (message) => {
      if (!link.connected) return false;
      link.onSend?.(message);
      sent.push(message);
      return true;
    },
    sessionToken,
    nowNs: clock.now,
    epochSeconds: () => 1_700_000_000,
  });
  return {
    engine,
    books,
    clock,
    sent,
    orders: () => sent.filter((m): m is Order => m.type === MessageType.ORDER),
    get connected() {
      return link.connected;
    },
    set connected(value: boolean) {
      link.connected = value;
    },
    set onSend(observer: (message: Order | Cancel) => void) {
      link.onSend = observer;
    },
  };
}

/** The strategy's own link to an order manager at 127.0.0.1:`port`, for `engine`, as the strategy process builds it. */
export function linkTo(
  port: number,
  engine: StrategyEngine,
  options: { authToken?: string; helloTimeoutMs: number; reconnect: { minDelayMs: number; maxDelayMs: number }; onBadMessage?: (err: unknown) => void },
): OrderManagerLink {
  return new OrderManagerLink({
    endpoint: { host: '127.0.0.1', port },
    name: 'strategy',
    authToken: options.authToken,
    helloTimeoutMs: options.helloTimeoutMs,
    tls: undefined,
    reconnect: options.reconnect,
    heartbeat: { intervalMs: 1_000, timeoutMs: 30_000, payloads: new HeartbeatSource(new MessageEncoder({ mode: 'binary' })) },
    engine,
    gate: undefined,
    orderToAck: undefined,
    onControl: () => undefined,
    onBadMessage: options.onBadMessage ?? (() => undefined),
    log: createLogger('strategy.ordermanager'),
  });
}
