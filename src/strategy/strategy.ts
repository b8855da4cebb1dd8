/**
 * The interface a trading strategy implements, and the context it trades through.
 *
 * A strategy is plain logic: it never opens a socket or touches shared memory itself. The
 * `StrategyEngine` (engine.ts) calls it with each decoded message and hands it a
 * `StrategyContext`: read a symbol's live book from shared memory, send and cancel orders,
 * and see its own orders, positions and PnL as rebuilt from the order manager's execution
 * reports. The `trading strategy` process wires the engine to the gateway, the order
 * manager and the shared-memory book; the same strategy runs unchanged in unit tests with
 * a fake book source and an array as the order sink.
 *
 * Rules a strategy follows:
 * - Callbacks run one at a time on one thread; a callback must return quickly (it delays
 *   every later tick). Do not keep the message objects you are given: the decoder may
 *   reuse them for the next message. Copy what you need.
 * - Prices are integer price units (core/fixed-point: 1 unit = 0.0001), quantities are
 *   integer shares. PnL is in price units × shares (divide by PRICE_SCALE for currency).
 * - A throw from a callback is caught by the engine, counted and logged; the engine keeps
 *   running. Throwing is for bugs, not for control flow.
 * - The engine refuses orders on a book that is not live (stale or unknown) and counts
 *   them; a strategy that checks `readBook(...) === 'live'` first avoids the refusal.
 *
 *   class Follower implements Strategy {
 *     readonly name = 'follower';
 *     readonly #book = createL2Book();
 *     onTick(tick: MarketData, ctx: StrategyContext): void {
 *       if (ctx.readBook(tick.symbol, this.#book) !== 'live' || this.#book.askCount === 0) return;
 *       if (ctx.position(tick.symbol).quantity === 0) {
 *         ctx.sendOrder({ symbol: tick.symbol, side: Side.BUY, orderType: OrderType.LIMIT,
 *                         timeInForce: TimeInForce.IOC, price: this.#book.askPrices[0], quantity: 10 });
 *       }
 *     }
 *     onNews(): void {}
 *     onExecution(): void {}
 *   }
 */
import type { BookStatus } from '../core/book-source.js';
import type { L2Book } from '../core/book.js';
import type {
  ExecutionStatus as ExecutionStatusValues,
  OrderType as OrderTypeValues,
  Side as SideValues,
  TimeInForce as TimeInForceValues,
} from '../protocol/messages.js';
import type {
  ExecutionReport,
  ExecutionStatus,
  MarketData,
  NewsSentiment,
  OrderTerms,
  OrderType,
  Side,
  TimeInForce,
} from '../protocol/messages.js';

/** Where books come from, and what a read found: the one contract of core/book-source.ts. */
export type { BookSource, BookStatus } from '../core/book-source.js';

/**
 * What the strategy's `readBook` found: a BookStatus, or `lagging` for the tick's own
 * symbol while a tick is handled: the book is live but older than the tick (its gateway
 * sequence is below the tick's) because the orderbook process has not written that tick
 * yet; the engine waited a little for it first (see StrategyEngine). No BookSource says
 * `lagging`; only the engine does.
 */
export type TickBookStatus = BookStatus | 'lagging';

/**
 * An order as a strategy asks for it (its terms: a MARKET order's price is ignored and sent
 * as 0); the engine adds the id, clocks and stamps.
 */
export interface OrderRequest extends OrderTerms {
  /**
   * Why the order is made (e.g. the signal's inputs): sent with the order (at most 2048
   * bytes of JSON, else the order is refused with E_SIGNAL_DATA_TOO_LARGE) and written
   * with it in the order manager's order journal, as the `signal_data` of its `accepted` line.
   */
  signalData?: Record<string, unknown>;
}

/** One of the strategy's own orders as the tracker sees it. Read-only to a strategy. */
export interface OrderView {
  readonly orderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: OrderType;
  readonly timeInForce: TimeInForce;
  /** Limit price in price units; 0 for MARKET. */
  readonly price: number;
  readonly quantity: number;
  readonly filledQuantity: number;
  /** Quantity still working at the order manager (0 once the order is done). */
  readonly leavesQuantity: number;
  /** Average fill price in price units (may be fractional); 0 if nothing filled. */
  readonly averagePrice: number;
  /** Last status reported; undefined until the order manager's first report. */
  readonly status: ExecutionStatus | undefined;
  /** True once a cancel was sent for it. */
  readonly cancelRequested: boolean;
  /** Monotonic ns at which it was sent (the order's `orderSentNs`). */
  readonly sentNs: number;
  /** Gateway stamp of the tick that caused it (the order's `tickSentNs`), 0 if none. */
  readonly tickSentNs: number;
}

/** The strategy's position in one symbol, rebuilt from fills (FIFO lots, as the order manager's: core/position.ts). */
export interface PositionView {
  readonly symbol: string;
  /** Signed shares: positive long, negative short. */
  readonly quantity: number;
  /** Average entry price of the open quantity, price units (fractional); 0 when flat. */
  readonly averagePrice: number;
  /** Realized PnL, price units × shares. */
  readonly realizedPnl: number;
  /** Leaves quantity of this symbol's open BUY orders (exposure not yet filled). */
  readonly openBuyQuantity: number;
  /** Leaves quantity of this symbol's open SELL orders. */
  readonly openSellQuantity: number;
  /** Shares bought and sold so far, and the number of fills. */
  readonly boughtQuantity: number;
  readonly soldQuantity: number;
  readonly fillCount: number;
}

/** What a strategy can see and do. Valid for the engine's lifetime; cheap to call. */
export interface StrategyContext {
  /**
   * Nanoseconds of the strategy's clock: monotonic (shared by every process of the host)
   * when trading live; market time (the recording's) in a backtest. Use it, never
   * Date.now() or performance.now(), for every decision that depends on time, so that the
   * same strategy decides the same way live and in a backtest.
   */
  nowNs(): number;
  /** A new empty book of `depth` levels (default 10) to read into; allocate it once. */
  createBook(depth?: number): L2Book;
  /** Decimal price → integer price units (rounded), and back. 1 unit = 0.0001. */
  toPriceUnits(price: number): number;
  fromPriceUnits(units: number): number;
  /** The protocol's enumerations, so that a strategy file needs no import from the project. */
  readonly Side: typeof SideValues;
  readonly OrderType: typeof OrderTypeValues;
  readonly TimeInForce: typeof TimeInForceValues;
  readonly ExecutionStatus: typeof ExecutionStatusValues;
  /**
   * Read the symbol's current book from shared memory into `out` (a book the strategy
   * owns, from createL2Book) and return its freshness. No allocation.
   */
  readBook(symbol: string, out: L2Book): TickBookStatus;
  /**
   * Send an order; returns its id, or null when the engine refused it: the book of the
   * symbol is not live, the order manager is not connected, or the engine is stopped (each
   * counted). Reads `request` synchronously and keeps nothing of it, so a strategy may
   * reuse one request object. An order sent while handling a tick carries that tick's
   * gateway stamp (`tickSentNs`). Throws TradingError E_ORDER_INVALID on a malformed
   * request (a bug in the strategy).
   */
  sendOrder(request: OrderRequest): string | null;
  /**
   * Ask the order manager to cancel the rest of an open order. Returns false when the
   * order is not open, a cancel was already sent, or the order manager is not connected.
   */
  cancel(orderId: string): boolean;
  /** One open order by id, or undefined once it is done (filled, canceled, rejected). */
  openOrder(orderId: string): OrderView | undefined;
  /** Every open order (all symbols). */
  openOrders(): IterableIterator<OrderView>;
  /** The position in a symbol (all zero if never traded). */
  position(symbol: string): PositionView;
  /** Unrealized PnL of the symbol's position against the book mid, NaN without a book. */
  unrealizedPnl(symbol: string): number;
  /** Realized PnL over all symbols, price units × shares. */
  realizedPnl(): number;
}

/**
 * A trading strategy. The engine calls `onStart` once before any message, then the
 * message callbacks as messages arrive, then `onStop` once; orders may be sent from any
 * of them.
 */
export interface Strategy {
  /** Short name for logs and counters. */
  readonly name: string;
  onStart?(ctx: StrategyContext): void;
  /** A market-data update of one symbol from the gateway. */
  onTick(tick: MarketData, ctx: StrategyContext): void;
  /** A news item with a sentiment score. */
  onNews(news: NewsSentiment, ctx: StrategyContext): void;
  /**
   * An execution report for one of this strategy's orders, after the tracker applied it:
   * `ctx.position(...)` and `ctx.openOrder(...)` already show its effect (a done order is
   * no longer open). Reports for orders this run did not send are not passed on.
   */
  onExecution(report: ExecutionReport, ctx: StrategyContext): void;
  /**
   * An open order closed without a final report, so no onExecution will tell of its end:
   * 'abandoned' (the order manager connection was lost and the session could not be
   * resumed: its fate unknown) or 'lost' (a resumed order manager neither holds it nor has
   * a report of its end). `ctx.openOrder(...)` no longer returns it and its exposure is
   * released; fills reported before stay in the position. A strategy that keeps state per
   * working order forgets it here.
   */
  onOrderClosed?(order: OrderView, reason: OrderClosedReason, ctx: StrategyContext): void;
  onStop?(ctx: StrategyContext): void;
}

/** Why an open order was closed without a final report (Strategy.onOrderClosed). */
export type OrderClosedReason = 'abandoned' | 'lost';
