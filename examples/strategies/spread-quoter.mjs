/**
 * A passive quoter: an example strategy written only against the public interface, that
 * rests DAY limit orders and cancels them by the strategy's clock. Copy it anywhere:
 *
 *   trading run --strategy ./spread-quoter.mjs --strategy-config quoter.json
 *   trading backtest --data market.rec --strategy ./spread-quoter.mjs
 *
 * Per symbol, when flat and the spread is at least `minSpreadTicks` price ticks wide, it
 * joins the side the book leans towards (more size on the bid than the ask: it bids, else
 * it offers) at the best price with a DAY order, and cancels it once it has rested for
 * `restMs` of the strategy's clock (market time in a backtest). Once filled, it offers the
 * position back at its entry price plus `takeProfitTicks` (or bids it back below), and gives
 * up after `restMs` by crossing the spread with an IOC.
 *
 * It shows the parts of the interface the other example does not use: DAY orders,
 * cancel, open-order lookup, fills through onExecution, and ctx.nowNs() for time.
 */

export const configSchema = {
  quantity: { kind: 'integer', default: 20, min: 1, max: 1_000_000, description: 'shares per quote' },
  restMs: { kind: 'integer', default: 500, min: 1, max: 3_600_000, description: 'how long a quote rests before it is cancelled, ms of the strategy clock' },
  minSpreadTicks: { kind: 'integer', default: 1, min: 1, max: 10_000, description: 'narrowest spread quoted, in price ticks' },
  takeProfitTicks: { kind: 'integer', default: 1, min: 0, max: 10_000, description: 'ticks of profit asked for when closing' },
  priceTick: { kind: 'number', default: 0.01, min: 0.0001, max: 1000, description: 'the market price tick, currency' },
};

/** A factory, to show the other form a default export may take. */
export default function createSpreadQuoter(options) {
  const symbols = new Map();
  const request = { symbol: '', side: 1, orderType: 1, timeInForce: 2, price: 0, quantity: 0 };
  let tickUnits = 0;

  function stateOf(symbol, ctx) {
    let state = symbols.get(symbol);
    if (state === undefined) {
      state = { book: ctx.createBook(), orderId: null, sentNs: 0, closingSinceNs: 0 };
      symbols.set(symbol, state);
    }
    return state;
  }

  function send(ctx, symbol, side, timeInForce, price, quantity, state) {
    request.symbol = symbol;
    request.side = side;
    request.orderType = ctx.OrderType.LIMIT;
    request.timeInForce = timeInForce;
    request.price = price;
    request.quantity = quantity;
    state.orderId = ctx.sendOrder(request);
    state.sentNs = ctx.nowNs();
  }

  return {
    name: 'spread-quoter',

    onStart(ctx) {
      tickUnits = ctx.toPriceUnits(options.priceTick);
    },

    onTick(tick, ctx) {
      const state = stateOf(tick.symbol, ctx);
      const book = state.book;
      if (ctx.readBook(tick.symbol, book) !== 'live' || book.bidCount === 0 || book.askCount === 0) return;
      const position = ctx.position(tick.symbol);
      if (state.orderId !== null) {
        const order = ctx.openOrder(state.orderId);
        if (order === undefined) {
          state.orderId = null;
        } else {
          if (!order.cancelRequested && ctx.nowNs() - state.sentNs > options.restMs * 1e6) ctx.cancel(state.orderId);
          return;
        }
      }
      if (position.quantity === 0) state.closingSinceNs = 0;
      else {
        // close: ask for a little profit first, then, when that has waited long enough, cross
        if (state.closingSinceNs === 0) state.closingSinceNs = ctx.nowNs();
        const closingSide = position.quantity > 0 ? ctx.Side.SELL : ctx.Side.BUY;
        const overdue = ctx.nowNs() - state.closingSinceNs > options.restMs * 1e6;
        if (overdue) {
          const price = closingSide === ctx.Side.SELL ? book.bidPrices[0] : book.askPrices[0];
          send(ctx, tick.symbol, closingSide, ctx.TimeInForce.IOC, price, Math.abs(position.quantity), state);
        } else {
          const entry = Math.round(position.averagePrice / tickUnits) * tickUnits;
          const price = closingSide === ctx.Side.SELL ? entry + options.takeProfitTicks * tickUnits : entry - options.takeProfitTicks * tickUnits;
          send(ctx, tick.symbol, closingSide, ctx.TimeInForce.DAY, price, Math.abs(position.quantity), state);
        }
        return;
      }
      if (book.askPrices[0] - book.bidPrices[0] < options.minSpreadTicks * tickUnits) return;
      const leansUp = book.bidSizes[0] > book.askSizes[0];
      const side = leansUp ? ctx.Side.BUY : ctx.Side.SELL;
      send(ctx, tick.symbol, side, ctx.TimeInForce.DAY, leansUp ? book.bidPrices[0] : book.askPrices[0], options.quantity, state);
    },

    onExecution(report, ctx) {
      const state = symbols.get(report.symbol);
      if (state !== undefined && state.orderId === report.orderId && ctx.openOrder(report.orderId) === undefined) state.orderId = null;
    },
  };
}
