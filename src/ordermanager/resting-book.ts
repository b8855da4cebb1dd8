/**
 * The order manager's resting book: the DAY orders resting per symbol (in priority, see
 * working-order.ts), found by id, and the symbols that have any (the duty cycle reads only
 * their books). Matching and reporting stay in order-manager.ts; this keeps the three
 * indexes in step.
 */
import { MAX_BOOK_DEPTH } from '../core/book.js';
import { BookLiquidity } from './matching.js';
import type { PositionBook } from './positions.js';
import { addResting, hasResting, removeResting, type SymbolState, type WorkingOrder } from './working-order.js';

export class RestingBook {
  readonly #positions: PositionBook;
  readonly #symbols = new Map<string, SymbolState>();
  /** Symbols with resting orders; a symbol leaves once its last order is done. */
  readonly #active = new Set<SymbolState>();
  readonly #byId = new Map<string, WorkingOrder>();

  constructor(positions: PositionBook) {
    this.#positions = positions;
  }

  /** Resting orders. */
  get size(): number {
    return this.#byId.size;
  }

  has(orderId: string): boolean {
    return this.#byId.has(orderId);
  }

  get(orderId: string): WorkingOrder | undefined {
    return this.#byId.get(orderId);
  }

  /** A symbol's state, made on its first use (its position is the PositionBook's). */
  symbol(symbol: string): SymbolState {
    let state = this.#symbols.get(symbol);
    if (state === undefined) {
      state = {
        symbol,
        position: this.#positions.get(symbol),
        liquidity: new BookLiquidity(MAX_BOOK_DEPTH),
        restingBuys: [],
        restingSells: [],
        restingBuyQuantity: 0,
        restingSellQuantity: 0,
        restedAgainstSequence: Number.NaN,
      };
      this.#symbols.set(symbol, state);
    }
    return state;
  }

  /** A symbol's state if it was ever used. */
  existing(symbol: string): SymbolState | undefined {
    return this.#symbols.get(symbol);
  }

  /** Symbols with resting orders (safe to settle() the one visited while iterating). */
  get activeSymbols(): ReadonlySet<SymbolState> {
    return this.#active;
  }

  /** Put `order` among the resting orders of `state`, in priority. */
  park(order: WorkingOrder, state: SymbolState): void {
    addResting(state, order);
    this.#byId.set(order.orderId, order);
    this.#active.add(state);
  }

  /** Take a resting order out (cancelled). */
  remove(order: WorkingOrder): void {
    const state = this.#symbols.get(order.symbol) as SymbolState;
    removeResting(state, order);
    this.#byId.delete(order.orderId);
    this.settle(state);
  }

  /** A resting order filled completely while matching (its side's list is compacted by the matcher). */
  filledOut(order: WorkingOrder): void {
    this.#byId.delete(order.orderId);
  }

  /** After matching: a symbol with nothing resting leaves the active set. */
  settle(state: SymbolState): void {
    if (!hasResting(state)) this.#active.delete(state);
  }

  /** Every resting order (a live view: copy it before removing while iterating). */
  orders(): IterableIterator<WorkingOrder> {
    return this.#byId.values();
  }
}
