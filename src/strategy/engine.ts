/**
 * The strategy engine: pure glue between decoded messages, a `Strategy`, its books of
 * account and the order manager. The `trading strategy` process feeds it the gateway's
 * MarketData and NewsSentiment and the order manager's ExecutionReports, gives it a
 * `BookSource` (the shared-memory reader) and a sink that writes Order and Cancel messages
 * to the order-manager connection. Nothing here touches a socket, so all of it is tested
 * with a fake book and an array.
 *
 * What the engine guarantees, whatever the strategy does:
 * - No order on a book that is not live: every order re-reads its symbol's book at send
 *   time and is refused (counted, null returned) if the book is stale or unknown.
 * - Ids unique across runs (order-ids.ts), and every order carries the stamps for
 *   tick-to-trade: `tickSentNs` = the gateway stamp of the tick being handled when the
 *   order was made (0 outside a tick), `orderSentNs` = the monotonic clock just before the
 *   order goes to the sink.
 * - Positions and open orders follow every execution report, also after stop.
 * - A throw from the strategy is caught, counted and logged; the next message is handled.
 * - The path of a tick that makes no order allocates nothing here.
 */
import { createL2Book, midPrice, type L2Book } from '../core/book.js';
import { epochSeconds as wallEpochSeconds, monotonicNs } from '../core/clock.js';
import { ErrorCode, TradingError, describeError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import type { Cancel, ExecutionReport, MarketData, Message, NewsSentiment, Order } from '../protocol/messages.js';
import { ExecutionStatus, MessageType, OrderType, SYMBOL_PATTERN, Side, TimeInForce } from '../protocol/messages.js';
import { fromPriceUnits, toPriceUnits } from '../core/fixed-point.js';
import { OrderIdGenerator } from './order-ids.js';
import { OrderTracker } from './order-tracker.js';
import type { BookSource, BookStatus, OrderClosedReason, OrderRequest, OrderView, Strategy, StrategyContext, TickBookStatus } from './strategy.js';

/**
 * Hands one outgoing message to the order-manager connection. Returns false when it cannot
 * be sent now (not connected); the engine then forgets the order. The engine makes a new
 * message object per call, so the sink may keep or queue it.
 */
export type OrderSink = (message: Order | Cancel) => boolean;

export interface StrategyEngineOptions {
  strategy: Strategy;
  books: BookSource;
  send: OrderSink;
  /** Order-id prefix for this run; default a fresh token (order-ids.ts). */
  sessionToken?: string;
  /** Monotonic ns clock (default core/clock monotonicNs); injected by tests. */
  nowNs?: () => number;
  /** Wall clock, epoch seconds, for the orders' `timestamp` (default core/clock). */
  epochSeconds?: () => number;
  /**
   * How many times a read of the tick's own symbol re-reads a book older than the tick
   * before it says `lagging` (default DEFAULT_BOOK_WAIT_READS: tens of µs). A count, not
   * a time: reading a clock allocates. A backtest, where the orderbook is gated on the
   * strategy and the book always comes, passes Infinity.
   */
  bookWaitReads?: number;
  log?: Logger;
  /** Told the age of the book each order is sent on (now − the book's gateway stamp), µs. */
  bookAge?: { record(microseconds: number): void };
}

/** Re-reads of a lagging book before it is called lagging: ~100 ns each, so about 50 µs. */
export const DEFAULT_BOOK_WAIT_READS = 500;

/** Updated in place; read them as often as you like. */
export interface StrategyEngineCounters {
  ticks: number;
  news: number;
  executionReports: number;
  /** Ticks and news that arrived before start or after stop. */
  ignoredWhileStopped: number;
  ordersSent: number;
  cancelsSent: number;
  /** Orders refused because the symbol's book was stale at send time. */
  ordersRefusedStaleBook: number;
  /** Orders refused because the symbol has no book in shared memory. */
  ordersRefusedUnknownBook: number;
  /** Orders and cancels the sink could not send (order manager not connected). */
  ordersRefusedNotConnected: number;
  cancelsRefusedNotConnected: number;
  /** Orders asked for before start or after stop. */
  ordersRefusedStopped: number;
  /** Book reads by the strategy that found a stale or unknown book. */
  staleBookReads: number;
  unknownBookReads: number;
  /** Throws caught from the strategy's callbacks. */
  strategyErrors: number;
  /**
   * Ticks whose own book, at the strategy's first read of it, was older than the tick (the
   * orderbook had not written it yet): what the strategy would have traded on without the
   * wait. `bookLagged`: those still older after the wait, reported to the strategy as
   * `lagging`; `bookWaits`: the re-reads spent waiting (re-reads of the spin, or the
   * retries of a put-off tick: see onMarketData).
   */
  bookLagAtFirstRead: number;
  bookLagged: number;
  bookWaits: number;
  /** Orders sent while the tick's own book was lagging. */
  ordersOnLaggingBook: number;
}

type EngineState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

export class StrategyEngine {
  readonly strategy: Strategy;
  readonly tracker = new OrderTracker();
  readonly counters: StrategyEngineCounters = {
    ticks: 0,
    news: 0,
    executionReports: 0,
    ignoredWhileStopped: 0,
    ordersSent: 0,
    cancelsSent: 0,
    ordersRefusedStaleBook: 0,
    ordersRefusedUnknownBook: 0,
    ordersRefusedNotConnected: 0,
    cancelsRefusedNotConnected: 0,
    ordersRefusedStopped: 0,
    staleBookReads: 0,
    unknownBookReads: 0,
    strategyErrors: 0,
    bookLagAtFirstRead: 0,
    bookLagged: 0,
    bookWaits: 0,
    ordersOnLaggingBook: 0,
  };
  /** The last error caught from the strategy, '' if none. */
  lastStrategyError = '';
  readonly #books: BookSource;
  readonly #send: OrderSink;
  readonly #ids: OrderIdGenerator;
  readonly #nowNs: () => number;
  readonly #epochSeconds: () => number;
  readonly #log: Logger;
  readonly #bookAge: { record(microseconds: number): void } | undefined;
  readonly #context: StrategyContext;
  // Scratch book for the engine's own reads (staleness at send, marks for PnL).
  readonly #scratch = createL2Book();
  readonly #bookWaitReads: number;
  #state: EngineState = 'new';
  /** Gateway stamp of the tick being handled, 0 outside onTick. */
  #tickSentNs = 0;
  /** Symbol and gateway sequence of the tick being handled ('' and 0 outside onTick). */
  #tickSymbol = '';
  #tickSequence = 0;
  /** The tick's own book was found lagging (its first read), and after the wait. */
  #tickBookChecked = false;
  #tickBookLagging = false;

  constructor(options: StrategyEngineOptions) {
    this.strategy = options.strategy;
    this.#books = options.books;
    this.#send = options.send;
    this.#ids = new OrderIdGenerator(options.sessionToken);
    this.#nowNs = options.nowNs ?? monotonicNs;
    this.#epochSeconds = options.epochSeconds ?? wallEpochSeconds;
    this.#log = options.log ?? createLogger('strategy');
    this.#bookAge = options.bookAge;
    this.#bookWaitReads = options.bookWaitReads ?? DEFAULT_BOOK_WAIT_READS;
    const tracker = this.tracker;
    this.#context = {
      nowNs: () => this.#nowNs(),
      createBook: (depth) => createL2Book(depth),
      toPriceUnits,
      fromPriceUnits,
      Side,
      OrderType,
      TimeInForce,
      ExecutionStatus,
      readBook: (symbol, out) => this.#readBook(symbol, out),
      sendOrder: (request) => this.#sendOrder(request),
      cancel: (orderId) => this.#cancel(orderId),
      openOrder: (orderId) => tracker.openOrder(orderId),
      openOrders: () => tracker.openOrders(),
      position: (symbol) => tracker.position(symbol),
      unrealizedPnl: (symbol) => this.#unrealizedPnl(symbol),
      realizedPnl: () => tracker.realizedPnl(),
    };
  }

  /** This run's order-id prefix (log it: it ties the trade log's orders to this run). */
  get sessionToken(): string {
    return this.#ids.sessionToken;
  }

  /** The context handed to the strategy (also useful to inspect state from outside). */
  get context(): StrategyContext {
    return this.#context;
  }

  get running(): boolean {
    return this.#state === 'running';
  }

  /** Call the strategy's onStart (it may send orders) and begin handling messages. */
  start(): void {
    if (this.#state !== 'new') throw new TradingError(ErrorCode.INTERNAL, `strategy engine: cannot start when ${this.#state}`);
    this.#state = 'starting';
    try {
      this.strategy.onStart?.(this.#context);
    } catch (err) {
      this.#state = 'stopped';
      throw err;
    }
    this.#state = 'running';
  }

  /** Call the strategy's onStop (it may still send orders) and stop handling ticks. Idempotent. */
  stop(): void {
    if (this.#state === 'new') {
      this.#state = 'stopped';
      return;
    }
    if (this.#state !== 'running') return;
    this.#state = 'stopping';
    try {
      this.strategy.onStop?.(this.#context);
    } catch (err) {
      this.#strategyFailed(err, 'onStop');
    } finally {
      this.#state = 'stopped';
    }
  }

  /** Dispatch any decoded message; false for types the strategy does not take. */
  onMessage(message: Message): boolean {
    switch (message.type) {
      case MessageType.MARKET_DATA:
        this.onMarketData(message);
        return true;
      case MessageType.NEWS_SENTIMENT:
        this.onNews(message);
        return true;
      case MessageType.TRADE_EXECUTION:
        this.onExecutionReport(message);
        return true;
      default:
        return false;
    }
  }

  /**
   * Handle a tick, or put it off. With `mayDefer` false (the default) the tick is handled
   * now: its own book is waited for by re-reading it (bookWaitReads, see #readTickBook).
   * With `mayDefer` true a tick whose own book is behind (live, but its gateway sequence
   * below the tick's) is NOT handled: the engine counts it (bookLagAtFirstRead) and returns
   * false, and the caller keeps the tick and offers it again with retryMarketData once the
   * book may have come (the next event-loop turn), so the loop is never blocked waiting
   * for another process. The common case, the book already there, costs the one read it
   * always did. Returns true when the tick was handled (or ignored: not running).
   */
  onMarketData(tick: MarketData, mayDefer = false): boolean {
    if (this.#state !== 'running') {
      this.counters.ignoredWhileStopped += 1;
      return true;
    }
    if (mayDefer && tick.sequence > 0 && this.#bookBehind(tick)) {
      this.counters.bookLagAtFirstRead += 1;
      return false;
    }
    this.#handleTick(tick, mayDefer && tick.sequence > 0, false);
    return true;
  }

  /**
   * A tick put off by onMarketData, offered again: handled (true) once its book has come,
   * or, with `mayDefer` false (its deadline passed), handled now with the strategy told
   * that the book is `lagging` (counted in bookLagged). Still behind and `mayDefer`: false,
   * offer it again later. Each call is counted in bookWaits.
   */
  retryMarketData(tick: MarketData, mayDefer: boolean): boolean {
    if (this.#state !== 'running') {
      this.counters.ignoredWhileStopped += 1;
      return true;
    }
    this.counters.bookWaits += 1;
    const behind = this.#bookBehind(tick);
    if (behind && mayDefer) return false;
    if (behind) this.counters.bookLagged += 1;
    this.#handleTick(tick, true, behind);
    return true;
  }

  /**
   * The tick's own book is behind the tick (read into the scratch book): live but older, or
   * not written yet in a slot the source has for it (the symbol's first tick).
   */
  #bookBehind(tick: MarketData): boolean {
    return this.#behind(this.#books.read(tick.symbol, this.#scratch), tick.symbol, this.#scratch, tick.sequence);
  }

  /** `checked`: the tick's book was already looked at (lagging or not) by the caller. */
  #handleTick(tick: MarketData, checked: boolean, lagging: boolean): void {
    this.counters.ticks += 1;
    this.#tickSentNs = tick.sentNs;
    this.#tickSymbol = tick.symbol;
    this.#tickSequence = tick.sequence;
    this.#tickBookChecked = checked;
    this.#tickBookLagging = lagging;
    // the tick's own book first, whether or not the strategy reads it: the orders it
    // sends execute against that book (see #readTickBook)
    if (!checked && tick.sequence > 0) this.#readTickBook(tick.symbol, this.#scratch);
    try {
      this.strategy.onTick(tick, this.#context);
    } catch (err) {
      this.#strategyFailed(err, 'onTick');
    } finally {
      this.#tickSentNs = 0;
      this.#tickSymbol = '';
      this.#tickSequence = 0;
    }
  }

  /**
   * The tick's own book. The strategy hears of tick N over its gateway connection, but the
   * book comes from the orderbook process through shared memory, and nothing orders the
   * two: the slot may still hold the symbol's previous update. So the first read of a
   * tick's book (the engine's own, before onTick) compares the slot's gateway sequence
   * with the tick's and, while it is older, re-reads it up to bookWaitReads times (the
   * wait counts in tick-to-trade, where it belongs). A book still older after that is
   * `lagging` for the rest of the tick, and counted.
   */
  #readTickBook(symbol: string, out: L2Book): TickBookStatus {
    const books = this.#books;
    let status = books.read(symbol, out);
    if (this.#tickBookChecked) {
      if (status === 'live' && this.#tickBookLagging && out.sequence < this.#tickSequence) return 'lagging';
      return status;
    }
    this.#tickBookChecked = true;
    if (!this.#behind(status, symbol, out, this.#tickSequence)) return status;
    this.counters.bookLagAtFirstRead += 1;
    const limit = this.#bookWaitReads;
    let reads = 0;
    while (reads < limit) {
      reads += 1;
      status = books.read(symbol, out);
      if (!this.#behind(status, symbol, out, this.#tickSequence)) break;
    }
    this.counters.bookWaits += reads;
    if (this.#behind(status, symbol, out, this.#tickSequence)) {
      this.counters.bookLagged += 1;
      this.#tickBookLagging = true;
      return status === 'live' ? 'lagging' : status;
    }
    return status;
  }

  /** What a read of the tick's own book found is behind the tick (see #bookBehind). */
  #behind(status: BookStatus, symbol: string, out: L2Book, sequence: number): boolean {
    if (status === 'live') return out.sequence < sequence;
    return status === 'unknown' && this.#books.hasSlot?.(symbol) === true;
  }

  onNews(news: NewsSentiment): void {
    if (this.#state !== 'running') {
      this.counters.ignoredWhileStopped += 1;
      return;
    }
    this.counters.news += 1;
    try {
      this.strategy.onNews(news, this.#context);
    } catch (err) {
      this.#strategyFailed(err, 'onNews');
    }
  }

  /** Applied to the books of account in every state; passed to the strategy while running. */
  onExecutionReport(report: ExecutionReport): void {
    this.counters.executionReports += 1;
    if (this.tracker.apply(report) === undefined) return;
    if (this.#state !== 'running') return;
    try {
      this.strategy.onExecution(report, this.#context);
    } catch (err) {
      this.#strategyFailed(err, 'onExecution');
    }
  }

  /**
   * Give up on every open order (their reports may never come, e.g. after the order
   * manager connection was lost). See OrderTracker.abandonOpenOrders. The strategy is told
   * of each (onOrderClosed, 'abandoned'). Returns how many.
   */
  abandonOpenOrders(): number {
    const abandoned = this.tracker.abandonOpenOrders();
    if (abandoned.length > 0) this.#log.warn('abandoned open orders without a final report', { count: abandoned.length });
    for (const order of abandoned) this.#tellClosed(order, 'abandoned');
    return abandoned.length;
  }

  /**
   * Close as lost an open order a resumed order manager neither holds nor has a report of
   * (OrderTracker.closeLost); the strategy is told (onOrderClosed, 'lost'). False if it is not open.
   */
  closeLost(orderId: string): boolean {
    const order = this.tracker.openOrder(orderId);
    if (order === undefined || !this.tracker.closeLost(orderId)) return false;
    this.#tellClosed(order, 'lost');
    return true;
  }

  #tellClosed(order: OrderView, reason: OrderClosedReason): void {
    if (this.#state !== 'running' || this.strategy.onOrderClosed === undefined) return;
    try {
      this.strategy.onOrderClosed(order, reason, this.#context);
    } catch (err) {
      this.#strategyFailed(err, 'onOrderClosed');
    }
  }

  /** Every counter of the engine and its tracker, flat, for the process's counters. */
  snapshot(): Record<string, number> {
    return {
      ...this.counters,
      reportsApplied: this.tracker.counters.reports,
      unknownReports: this.tracker.counters.unknownReports,
      fills: this.tracker.counters.fills,
      fillGaps: this.tracker.counters.fillGaps,
      rejected: this.tracker.counters.rejected,
      canceled: this.tracker.counters.canceled,
      abandoned: this.tracker.counters.abandoned,
      lost: this.tracker.counters.lost,
      openOrders: this.tracker.openOrderCount,
      realizedPnl: this.tracker.realizedPnl(),
    };
  }

  #readBook(symbol: string, out: L2Book): TickBookStatus {
    // the tick's own symbol (a gateway that numbers its messages): at least as new as the tick, or told
    const status =
      this.#tickSequence > 0 && symbol === this.#tickSymbol ? this.#readTickBook(symbol, out) : this.#books.read(symbol, out);
    if (status === 'stale') this.counters.staleBookReads += 1;
    else if (status === 'unknown') this.counters.unknownBookReads += 1;
    return status;
  }

  #canSend(): boolean {
    return this.#state === 'running' || this.#state === 'starting' || this.#state === 'stopping';
  }

  #sendOrder(request: OrderRequest): string | null {
    validateOrderRequest(request);
    if (!this.#canSend()) {
      this.counters.ordersRefusedStopped += 1;
      return null;
    }
    const status =
      this.#tickSequence > 0 && request.symbol === this.#tickSymbol
        ? this.#readTickBook(request.symbol, this.#scratch)
        : this.#books.read(request.symbol, this.#scratch);
    if (status === 'lagging') this.counters.ordersOnLaggingBook += 1;
    else if (status !== 'live') {
      if (status === 'stale') this.counters.ordersRefusedStaleBook += 1;
      else this.counters.ordersRefusedUnknownBook += 1;
      return null;
    }
    if (this.#bookAge !== undefined && this.#scratch.sentNs > 0) this.#bookAge.record((this.#nowNs() - this.#scratch.sentNs) / 1000);
    const order: Order = {
      type: MessageType.ORDER,
      orderId: this.#ids.next(),
      symbol: request.symbol,
      side: request.side,
      orderType: request.orderType,
      timeInForce: request.timeInForce,
      price: request.orderType === OrderType.MARKET ? 0 : request.price,
      quantity: request.quantity,
      timestamp: this.#epochSeconds(),
      tickSentNs: this.#tickSentNs,
      orderSentNs: 0,
    };
    if (request.signalData !== undefined) order.signalData = request.signalData;
    order.orderSentNs = this.#nowNs();
    // the order goes out first (the sink may write it at once), its bookkeeping after: no
    // report can come back before this returns
    if (!this.#send(order)) {
      this.counters.ordersRefusedNotConnected += 1;
      return null;
    }
    this.tracker.recordSent(order);
    this.counters.ordersSent += 1;
    return order.orderId;
  }

  #cancel(orderId: string): boolean {
    if (!this.#canSend()) return false;
    const order = this.tracker.openOrder(orderId);
    if (order === undefined || !this.tracker.markCancelRequested(orderId)) return false;
    const cancel: Cancel = { type: MessageType.CANCEL, orderId, symbol: order.symbol, timestamp: this.#epochSeconds() };
    if (!this.#send(cancel)) {
      this.tracker.clearCancelRequested(orderId);
      this.counters.cancelsRefusedNotConnected += 1;
      return false;
    }
    this.counters.cancelsSent += 1;
    return true;
  }

  #unrealizedPnl(symbol: string): number {
    if (this.tracker.position(symbol).quantity === 0) return 0;
    if (this.#books.read(symbol, this.#scratch) === 'unknown') return Number.NaN;
    return this.tracker.unrealizedPnl(symbol, midPrice(this.#scratch));
  }

  #strategyFailed(err: unknown, where: string): void {
    this.counters.strategyErrors += 1;
    this.lastStrategyError = `${where}: ${describeError(err)}`;
    // The first few in full, then a sample: a strategy failing on every tick must not
    // flood the log.
    const count = this.counters.strategyErrors;
    if (count <= 10 || count % 1000 === 0) {
      this.#log.warn('strategy callback threw', { strategy: this.strategy.name, where, error: describeError(err), count });
    }
  }
}

/** Throws TradingError E_ORDER_INVALID naming the first bad field. */
export function validateOrderRequest(request: OrderRequest): void {
  const problem = orderRequestProblem(request);
  if (problem !== '') throw new TradingError(ErrorCode.ORDER_INVALID, `invalid order request: ${problem}`);
}

function orderRequestProblem(request: OrderRequest): string {
  if (typeof request.symbol !== 'string' || !SYMBOL_PATTERN.test(request.symbol)) {
    return `symbol ${JSON.stringify(request.symbol)} is not 1-8 of A-Z 0-9 . - _`;
  }
  if (request.side !== Side.BUY && request.side !== Side.SELL) return `side ${String(request.side)} is not BUY or SELL`;
  if (request.orderType !== OrderType.LIMIT && request.orderType !== OrderType.MARKET) {
    return `order type ${String(request.orderType)} is not LIMIT or MARKET`;
  }
  if (request.timeInForce !== TimeInForce.IOC && request.timeInForce !== TimeInForce.DAY) {
    return `time in force ${String(request.timeInForce)} is not IOC or DAY`;
  }
  if (!Number.isSafeInteger(request.quantity) || request.quantity <= 0) {
    return `quantity ${request.quantity} is not a positive integer`;
  }
  if (request.orderType === OrderType.LIMIT && (!Number.isSafeInteger(request.price) || request.price <= 0)) {
    return `limit price ${request.price} is not a positive integer of price units`;
  }
  return '';
}
