/**
 * The order manager's positions per symbol, each a core Position (FIFO lots, exact; see
 * core/position.ts, shared with the strategy's books), and their snapshot with marks.
 */
import { Position } from '../core/position.js';
import { Side } from '../protocol/messages.js';
import type { PositionState } from './checkpoint.js';

export { Position };

/** One symbol in a snapshot. Amounts in price units (× shares for PnL). */
export interface PositionView {
  symbol: string;
  netQuantity: number;
  averagePrice: number;
  /** The mark used for unrealized PnL (mid), NaN if no live book. */
  markPrice: number;
  realizedPnl: number;
  unrealizedPnl: number;
  boughtQuantity: number;
  soldQuantity: number;
  fills: number;
}

export interface PositionsSnapshot {
  positions: PositionView[];
  realizedPnl: number;
  unrealizedPnl: number;
  /** realized + unrealized. */
  totalPnl: number;
}

export class PositionBook {
  readonly #positions = new Map<string, Position>();

  /** The position of `symbol`, created flat on first use. */
  get(symbol: string): Position {
    let position = this.#positions.get(symbol);
    if (position === undefined) {
      position = new Position(symbol);
      this.#positions.set(symbol, position);
    }
    return position;
  }

  /** Every position's state, for a checkpoint (checkpoint.ts). */
  toState(): PositionState[] {
    return [...this.#positions.values()].map((position) => ({
      symbol: position.symbol,
      netQuantity: position.netQuantity,
      costBasis: position.costBasis,
      realizedPnl: position.realizedPnl,
      boughtQuantity: position.boughtQuantity,
      soldQuantity: position.soldQuantity,
      fills: position.fills,
      lots: position.lots().map((lot): [number, number] => [lot.price, lot.quantity]),
    }));
  }

  /**
   * Restore a position from a checkpoint into this (fresh) book: its open lots are rebuilt
   * by applying them as fills, oldest first (which gives the same lots, net quantity and
   * cost basis), then the totals are set.
   */
  restore(state: Readonly<PositionState>): void {
    const position = this.get(state.symbol);
    const long = state.netQuantity > 0;
    for (const [price, quantity] of state.lots) position.apply(long, quantity, price);
    position.realizedPnl = state.realizedPnl;
    position.boughtQuantity = state.boughtQuantity;
    position.soldQuantity = state.soldQuantity;
    position.fills = state.fills;
  }

  apply(symbol: string, side: Side, quantity: number, price: number): void {
    this.get(symbol).apply(side === Side.BUY, quantity, price);
  }

  /** Every symbol traded so far, sorted by symbol, marked with `markOf(symbol)` (NaN: unknown). */
  snapshot(markOf: (symbol: string) => number): PositionsSnapshot {
    const positions: PositionView[] = [];
    let realizedPnl = 0;
    let unrealizedPnl = 0;
    for (const position of this.#positions.values()) {
      const markPrice = position.netQuantity === 0 ? Number.NaN : markOf(position.symbol);
      const unrealized = position.unrealizedPnl(markPrice);
      realizedPnl += position.realizedPnl;
      unrealizedPnl += unrealized;
      positions.push({
        symbol: position.symbol,
        netQuantity: position.netQuantity,
        averagePrice: position.averagePrice,
        markPrice,
        realizedPnl: position.realizedPnl,
        unrealizedPnl: unrealized,
        boughtQuantity: position.boughtQuantity,
        soldQuantity: position.soldQuantity,
        fills: position.fills,
      });
    }
    positions.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
    return { positions, realizedPnl, unrealizedPnl, totalPnl: realizedPnl + unrealizedPnl };
  }
}
