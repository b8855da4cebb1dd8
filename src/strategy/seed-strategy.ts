/**
 * The seed's strategy, the default: trade with a price move that the news agrees with.
 *
 * - News: each item of a symbol updates that symbol's sentiment EMA,
 *   ema ← α·score + (1 − α)·ema, starting from 0 (neutral).
 * - Tick: read the symbol's book from shared memory (never trade on a book that is not
 *   live), take its mid (or last trade), and measure the relative change over the lookback
 *   window (price-window.ts). A rise beyond the threshold with the EMA above
 *   +sentimentThreshold is a BUY; a fall beyond it with the EMA below −sentimentThreshold
 *   is a SELL. Strict comparisons, as the seed: exactly at a threshold is no signal.
 * - Order: a marketable limit at the touch (a BUY at the best ask, a SELL at the best bid),
 *   IOC, so it takes what is there now and leaves nothing resting. At most one order per
 *   symbol per cooldown, and never beyond the position cap counting open orders.
 *
 * Nothing is allocated per tick unless an order is sent (the first tick of a symbol
 * creates its state once).
 */
import { createL2Book, type L2Book } from '../core/book.js';
import type { ExecutionReport, MarketData, NewsSentiment } from '../protocol/messages.js';
import { emptyOrderTerms, Side } from '../protocol/messages.js';
import { PriceWindow, WindowResult } from './price-window.js';
import { resolveSeedStrategyConfig, type SeedStrategyConfig } from './seed-strategy-config.js';
import type { OrderRequest, Strategy, StrategyContext } from './strategy.js';

/** One step of the sentiment EMA. */
export function nextSentimentEma(previous: number, score: number, alpha: number): number {
  return alpha * score + (1 - alpha) * previous;
}

/** Why ticks did not become orders, and how many signals there were. Updated in place. */
export interface SeedStrategyCounters {
  /** Ticks whose book read was not live (stale or unknown). */
  notLive: number;
  /** Ticks without a usable price (empty side, no last trade). */
  noPrice: number;
  buySignals: number;
  sellSignals: number;
  /** Signals dropped because the symbol's cooldown had not run out. */
  cooldown: number;
  /** Signals dropped because the position cap left no room. */
  positionCap: number;
  /** Signals without a touch price on the side to take. */
  noTouch: number;
  /** Signals the engine refused to send (see the engine's counters for why). */
  refused: number;
  ordersSent: number;
}

class SymbolState {
  readonly book: L2Book = createL2Book();
  readonly window: PriceWindow;
  sentimentEma = 0;
  newsCount = 0;
  lastOrderNs = Number.NEGATIVE_INFINITY;

  constructor(lookbackMs: number) {
    this.window = new PriceWindow(lookbackMs);
  }
}

export class SeedStrategy implements Strategy {
  readonly name = 'seed';
  readonly config: Readonly<SeedStrategyConfig>;
  readonly counters: SeedStrategyCounters = {
    notLive: 0,
    noPrice: 0,
    buySignals: 0,
    sellSignals: 0,
    cooldown: 0,
    positionCap: 0,
    noTouch: 0,
    refused: 0,
    ordersSent: 0,
  };
  readonly #states = new Map<string, SymbolState>();
  readonly #cooldownNs: number;
  // One request reused for every order: sendOrder copies it synchronously.
  readonly #request: OrderRequest = {
    ...emptyOrderTerms(),
  };

  /** Throws TradingError E_CONFIG_INVALID listing every bad field. */
  constructor(config: Partial<SeedStrategyConfig> = {}) {
    this.config = Object.freeze(resolveSeedStrategyConfig(config));
    this.#cooldownNs = this.config.cooldownMs * 1e6;
  }

  /** The symbol's sentiment EMA (0 before any news). */
  sentimentEma(symbol: string): number {
    return this.#states.get(symbol)?.sentimentEma ?? 0;
  }

  onNews(news: NewsSentiment): void {
    if (!Number.isFinite(news.score)) return;
    const state = this.#state(news.symbol);
    state.sentimentEma = nextSentimentEma(state.sentimentEma, news.score, this.config.sentimentAlpha);
    state.newsCount += 1;
  }

  onTick(tick: MarketData, ctx: StrategyContext): void {
    const state = this.#state(tick.symbol);
    const book = state.book;
    if (ctx.readBook(tick.symbol, book) !== 'live') {
      this.counters.notLive += 1;
      return;
    }
    // Market time: the book's own stamp, else the tick's (both epoch seconds).
    if (!(book.timestamp > 0)) book.timestamp = tick.timestamp;
    const window = state.window;
    const result = window.updateFromBook(book, this.config.priceSource);
    if (result !== WindowResult.CHANGE) {
      if (result === WindowResult.NO_PRICE) this.counters.noPrice += 1;
      return;
    }
    const change = window.change;
    const threshold = this.config.priceChangeThreshold;
    const sentiment = this.config.sentimentThreshold;
    let side: Side;
    if (change > threshold && state.sentimentEma > sentiment) {
      side = Side.BUY;
      this.counters.buySignals += 1;
    } else if (change < -threshold && state.sentimentEma < -sentiment) {
      side = Side.SELL;
      this.counters.sellSignals += 1;
    } else {
      return;
    }
    this.#trade(tick.symbol, side, change, state, ctx);
  }

  onExecution(_report: ExecutionReport, _ctx: StrategyContext): void {
    // Positions and open orders live in the engine's tracker; nothing else to keep.
  }

  #trade(symbol: string, side: Side, change: number, state: SymbolState, ctx: StrategyContext): void {
    const nowNs = ctx.nowNs();
    if (nowNs - state.lastOrderNs < this.#cooldownNs) {
      this.counters.cooldown += 1;
      return;
    }
    const position = ctx.position(symbol);
    const room =
      side === Side.BUY
        ? this.config.maxPosition - (position.quantity + position.openBuyQuantity)
        : this.config.maxPosition + (position.quantity - position.openSellQuantity);
    const quantity = Math.min(this.config.orderQuantity, room);
    if (quantity <= 0) {
      this.counters.positionCap += 1;
      return;
    }
    const book = state.book;
    const touchCount = side === Side.BUY ? book.askCount : book.bidCount;
    if (touchCount === 0) {
      this.counters.noTouch += 1;
      return;
    }
    const request = this.#request;
    request.symbol = symbol;
    request.side = side;
    request.price = side === Side.BUY ? book.askPrices[0] : book.bidPrices[0];
    request.quantity = quantity;
    request.signalData = {
      price_change: change,
      sentiment_ema: state.sentimentEma,
      lookback_ms: this.config.lookbackMs,
    };
    const orderId = ctx.sendOrder(request);
    request.signalData = undefined;
    if (orderId === null) {
      this.counters.refused += 1;
      return;
    }
    state.lastOrderNs = nowNs;
    this.counters.ordersSent += 1;
  }

  #state(symbol: string): SymbolState {
    let state = this.#states.get(symbol);
    if (state === undefined) {
      state = new SymbolState(this.config.lookbackMs);
      this.#states.set(symbol, state);
    }
    return state;
  }
}
