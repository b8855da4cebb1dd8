/**
 * A second, small strategy to show the interface: order-book imbalance, traded passively.
 *
 * When the size resting on the bid side of the top `levels` levels outweighs the ask side
 * (imbalance = (bids − asks) / (bids + asks) above +threshold), buyers are pressing and
 * the price tends to tick up, so it joins the best bid with a DAY limit order and waits to
 * be filled; the mirror case joins the best ask with a SELL. A resting order is cancelled
 * when the imbalance no longer supports it or it has rested longer than
 * `restingTimeoutMs`. One working order per symbol, and a position cap.
 *
 * It uses the parts of the context the seed strategy does not: DAY orders, cancel,
 * open-order lookup and execution callbacks.
 */
import { checkValues, configError, type Schema } from '../../config/schema.js';
import { createL2Book, type L2Book } from '../../core/book.js';
import type { ExecutionReport, MarketData } from '../../protocol/messages.js';
import { OrderType, Side, TimeInForce } from '../../protocol/messages.js';
import type { OrderRequest, OrderView, Strategy, StrategyContext } from '../strategy.js';

export interface ImbalanceStrategyConfig {
  /** Book levels per side summed into the imbalance. */
  levels: number;
  /** |imbalance| beyond this (0..1) is a signal. */
  threshold: number;
  quantity: number;
  /** Cap on |position + same-side open orders| per symbol. */
  maxPosition: number;
  /** Cancel a resting order after this long, ms. */
  restingTimeoutMs: number;
}

/**
 * The parameters' defaults and bounds, in the config schema's kinds: the `trading strategy`
 * command takes them as `--imbalance-*` flags (strategy-config.ts) and a program that
 * builds the strategy directly gets the same checks from `resolveImbalanceStrategyConfig`.
 */
export const IMBALANCE_FIELDS = {
  levels: { kind: 'integer', default: 3, min: 1, max: 32, description: 'book levels per side summed' },
  threshold: {
    kind: 'number',
    default: 0.5,
    min: 0.000001,
    max: 0.999999,
    description: '|imbalance| beyond this (0..1) is a signal',
  },
  quantity: { kind: 'integer', default: 10, min: 1, max: 1_000_000_000, description: 'shares per order' },
  maxPosition: {
    kind: 'integer',
    default: 100,
    min: 1,
    max: 1_000_000_000,
    description: 'cap on |position + open orders| per symbol',
  },
  restingTimeoutMs: {
    kind: 'integer',
    default: 2000,
    min: 1,
    max: 3_600_000,
    description: 'cancel a resting order after this long, ms',
  },
} as const satisfies Record<keyof ImbalanceStrategyConfig, Schema[string]>;

/** Defaults overlaid with `overrides`, checked by the flags' rules (every problem at once, E_CONFIG_INVALID). */
export function resolveImbalanceStrategyConfig(overrides: Partial<ImbalanceStrategyConfig> = {}): ImbalanceStrategyConfig {
  const config = checkValues(IMBALANCE_FIELDS, overrides, 'imbalance strategy configuration');
  if (config.maxPosition < config.quantity) throw configError([`maxPosition (${config.maxPosition}) must be ≥ quantity (${config.quantity})`]);
  return config;
}

export const DEFAULT_IMBALANCE_STRATEGY_CONFIG: Readonly<ImbalanceStrategyConfig> = Object.freeze(resolveImbalanceStrategyConfig());

/** (bid size − ask size) / (bid size + ask size) over the top `levels`; 0 for an empty book. */
export function bookImbalance(book: L2Book, levels: number): number {
  let bids = 0;
  let asks = 0;
  for (let i = 0; i < levels && i < book.bidCount; i++) bids += book.bidSizes[i];
  for (let i = 0; i < levels && i < book.askCount; i++) asks += book.askSizes[i];
  const total = bids + asks;
  return total > 0 ? (bids - asks) / total : 0;
}

interface SymbolState {
  readonly book: L2Book;
  restingOrderId: string | null;
}

export class ImbalanceStrategy implements Strategy {
  readonly name = 'imbalance';
  readonly config: Readonly<ImbalanceStrategyConfig>;
  readonly #states = new Map<string, SymbolState>();
  readonly #request: OrderRequest = {
    symbol: '',
    side: Side.BUY,
    orderType: OrderType.LIMIT,
    timeInForce: TimeInForce.DAY,
    price: 0,
    quantity: 0,
  };

  constructor(config: Partial<ImbalanceStrategyConfig> = {}) {
    this.config = Object.freeze(resolveImbalanceStrategyConfig(config));
  }

  onTick(tick: MarketData, ctx: StrategyContext): void {
    const state = this.#state(tick.symbol);
    if (ctx.readBook(tick.symbol, state.book) !== 'live') return;
    const imbalance = bookImbalance(state.book, this.config.levels);
    if (state.restingOrderId !== null) {
      this.#review(state, imbalance, ctx);
      return;
    }
    if (imbalance > this.config.threshold && state.book.bidCount > 0) {
      this.#join(tick.symbol, Side.BUY, state, ctx);
    } else if (imbalance < -this.config.threshold && state.book.askCount > 0) {
      this.#join(tick.symbol, Side.SELL, state, ctx);
    }
  }

  onNews(): void {
    // Order-book pressure only; news is not used.
  }

  onExecution(report: ExecutionReport, ctx: StrategyContext): void {
    const state = this.#states.get(report.symbol);
    // Done (filled, canceled or rejected): free the symbol for the next signal.
    if (state?.restingOrderId === report.orderId && ctx.openOrder(report.orderId) === undefined) {
      state.restingOrderId = null;
    }
  }

  /** Closed without a report (abandoned with a lost connection, or lost in a crash): free the symbol. */
  onOrderClosed(order: OrderView): void {
    const state = this.#states.get(order.symbol);
    if (state?.restingOrderId === order.orderId) state.restingOrderId = null;
  }

  /** Cancel the resting order once the signal is gone or it has waited too long. */
  #review(state: SymbolState, imbalance: number, ctx: StrategyContext): void {
    const orderId = state.restingOrderId ?? '';
    const order = ctx.openOrder(orderId);
    if (order === undefined) {
      state.restingOrderId = null; // finished before we saw it (e.g. reported during sendOrder)
      return;
    }
    if (order.cancelRequested) return;
    const supported = order.side === Side.BUY ? imbalance > this.config.threshold : imbalance < -this.config.threshold;
    const expired = ctx.nowNs() - order.sentNs > this.config.restingTimeoutMs * 1e6;
    if (!supported || expired) ctx.cancel(orderId);
  }

  #join(symbol: string, side: Side, state: SymbolState, ctx: StrategyContext): void {
    const position = ctx.position(symbol);
    const room =
      side === Side.BUY
        ? this.config.maxPosition - (position.quantity + position.openBuyQuantity)
        : this.config.maxPosition + (position.quantity - position.openSellQuantity);
    const quantity = Math.min(this.config.quantity, room);
    if (quantity <= 0) return;
    const request = this.#request;
    request.symbol = symbol;
    request.side = side;
    request.price = side === Side.BUY ? state.book.bidPrices[0] : state.book.askPrices[0];
    request.quantity = quantity;
    state.restingOrderId = ctx.sendOrder(request);
  }

  #state(symbol: string): SymbolState {
    let state = this.#states.get(symbol);
    if (state === undefined) {
      state = { book: createL2Book(), restingOrderId: null };
      this.#states.set(symbol, state);
    }
    return state;
  }
}
