/**
 * Mean reversion on the mid price, traded with IOC orders: an example strategy written
 * only against the public interface. Copy it anywhere and run it:
 *
 *   trading run --strategy ./mean-reversion.mjs [--strategy-config options.json]
 *   trading backtest --data market.rec --strategy ./mean-reversion.mjs
 *
 * Per symbol it keeps an exponential moving average of the mid. When the mid is more than
 * `entryBps` below the average it buys at the best ask (expecting the price to come back
 * up); more than `entryBps` above, it sells at the best bid. A position is closed once the
 * mid is back within `exitBps` of the average. At most `maxPosition` shares either way.
 *
 * Nothing is imported: the context (ctx) hands over books, enumerations, price conversion
 * and the clock. Prices are integer price units (1 unit = 0.0001).
 */

/** The options this strategy takes; `--strategy-config FILE` is validated against it. */
export const configSchema = {
  alpha: { kind: 'number', default: 0.05, min: 0.0001, max: 1, description: 'weight of the newest mid in the moving average' },
  entryBps: { kind: 'number', default: 5, min: 0.01, max: 10_000, description: 'distance from the average that opens a position, basis points' },
  exitBps: { kind: 'number', default: 1, min: 0, max: 10_000, description: 'distance from the average within which a position is closed, basis points' },
  quantity: { kind: 'integer', default: 10, min: 1, max: 1_000_000, description: 'shares per order' },
  maxPosition: { kind: 'integer', default: 50, min: 1, max: 10_000_000, description: 'largest |position| per symbol, shares' },
  warmupTicks: { kind: 'integer', default: 20, min: 1, max: 1_000_000, description: 'ticks of a symbol seen before it is traded' },
};

export default class MeanReversion {
  name = 'mean-reversion';

  /** @param {{alpha: number, entryBps: number, exitBps: number, quantity: number, maxPosition: number, warmupTicks: number}} options */
  constructor(options) {
    if (options.exitBps >= options.entryBps) throw new Error(`exitBps (${options.exitBps}) must be below entryBps (${options.entryBps})`);
    this.options = options;
    /** symbol → { average, ticks, book, pending } */
    this.symbols = new Map();
    this.request = { symbol: '', side: 1, orderType: 1, timeInForce: 1, price: 0, quantity: 0 };
  }

  onTick(tick, ctx) {
    let state = this.symbols.get(tick.symbol);
    if (state === undefined) {
      state = { average: 0, ticks: 0, book: ctx.createBook(), pending: null };
      this.symbols.set(tick.symbol, state);
    }
    const book = state.book;
    // 'lagging' (the book is older than this tick) and 'stale' are not traded on
    if (ctx.readBook(tick.symbol, book) !== 'live' || book.bidCount === 0 || book.askCount === 0) return;
    const mid = (book.bidPrices[0] + book.askPrices[0]) / 2;
    state.ticks += 1;
    state.average = state.ticks === 1 ? mid : state.average + this.options.alpha * (mid - state.average);
    if (state.ticks < this.options.warmupTicks || state.pending !== null) return;

    const deviationBps = ((mid - state.average) / state.average) * 10_000;
    const position = ctx.position(tick.symbol).quantity;
    const { quantity, maxPosition, entryBps, exitBps } = this.options;
    let side = 0;
    let size = 0;
    if (deviationBps < -entryBps && position < maxPosition) {
      side = ctx.Side.BUY;
      size = Math.min(quantity, maxPosition - position);
    } else if (deviationBps > entryBps && position > -maxPosition) {
      side = ctx.Side.SELL;
      size = Math.min(quantity, maxPosition + position);
    } else if (Math.abs(deviationBps) < exitBps && position !== 0) {
      side = position > 0 ? ctx.Side.SELL : ctx.Side.BUY;
      size = Math.abs(position);
    }
    if (size <= 0) return;
    const request = this.request;
    request.symbol = tick.symbol;
    request.side = side;
    request.orderType = ctx.OrderType.LIMIT;
    request.timeInForce = ctx.TimeInForce.IOC;
    request.price = side === ctx.Side.BUY ? book.askPrices[0] : book.bidPrices[0];
    request.quantity = size;
    state.pending = ctx.sendOrder(request);
  }

  onExecution(report, ctx) {
    const state = this.symbols.get(report.symbol);
    // an IOC is done with its first final report; the symbol may trade again
    if (state !== undefined && state.pending === report.orderId && ctx.openOrder(report.orderId) === undefined) state.pending = null;
  }
}
