import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TradingError } from '../../src/core/errors.js';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import type { Cancel, ExecutionReport, MarketData, NewsSentiment } from '../../src/protocol/messages.js';
import { ExecutionStatus, MessageType, OrderType, Side, TimeInForce } from '../../src/protocol/messages.js';
import { validateOrderRequest } from '../../src/strategy/engine.js';
import type { OrderClosedReason, OrderRequest, OrderView, Strategy, StrategyContext } from '../../src/strategy/strategy.js';
import { harness, newsOf, reportFor, tickOf } from './fixtures.js';

const T0 = 1_700_000_000;

function buy(symbol = 'AAPL', quantity = 10): OrderRequest {
  return { symbol, side: Side.BUY, orderType: OrderType.LIMIT, timeInForce: TimeInForce.IOC, price: toPriceUnits(100.01), quantity };
}

/** A strategy driven by the test: each callback runs what the test put in it. */
class Scripted implements Strategy {
  readonly name = 'scripted';
  tick: (tick: MarketData, ctx: StrategyContext) => void = () => undefined;
  news: (news: NewsSentiment, ctx: StrategyContext) => void = () => undefined;
  execution: (report: ExecutionReport, ctx: StrategyContext) => void = () => undefined;
  start: (ctx: StrategyContext) => void = () => undefined;
  stop: (ctx: StrategyContext) => void = () => undefined;
  closed: (order: OrderView, reason: OrderClosedReason, ctx: StrategyContext) => void = () => undefined;
  onTick(tick: MarketData, ctx: StrategyContext): void {
    this.tick(tick, ctx);
  }
  onNews(news: NewsSentiment, ctx: StrategyContext): void {
    this.news(news, ctx);
  }
  onExecution(report: ExecutionReport, ctx: StrategyContext): void {
    this.execution(report, ctx);
  }
  onStart(ctx: StrategyContext): void {
    this.start(ctx);
  }
  onStop(ctx: StrategyContext): void {
    this.stop(ctx);
  }
  onOrderClosed(order: OrderView, reason: OrderClosedReason, ctx: StrategyContext): void {
    this.closed(order, reason, ctx);
  }
}

function started(): { strategy: Scripted; h: ReturnType<typeof harness> } {
  const strategy = new Scripted();
  const h = harness(strategy);
  h.books.set('AAPL', { bid: 99.99, ask: 100.01, timestamp: T0 });
  h.engine.start();
  return { strategy, h };
}

test('an order made on a tick carries its stamp; one made on news or start carries 0', () => {
  const { strategy, h } = started();
  strategy.tick = (_tick, ctx) => void ctx.sendOrder(buy());
  strategy.news = (_news, ctx) => void ctx.sendOrder(buy());
  h.clock.ns = 123_456_789;
  h.engine.onMarketData(tickOf('AAPL', T0, 42_000));
  h.clock.ns = 223_456_789;
  h.engine.onNews(newsOf('AAPL', 1, 43_000));
  const [onTick, onNews] = h.orders();
  assert.equal(onTick.tickSentNs, 42_000);
  assert.equal(onTick.orderSentNs, 123_456_789);
  assert.equal(onTick.timestamp, 1_700_000_000);
  assert.equal(onNews.tickSentNs, 0);
  assert.equal(onNews.orderSentNs, 223_456_789);
  assert.deepEqual(
    h.orders().map((o) => o.orderId),
    ['test-1', 'test-2'],
  );
});

test("an order goes to the sink before the engine books it, and the tick's next order sees its exposure", () => {
  const { strategy, h } = started();
  const openAtSend: number[] = [];
  h.onSend = () => openAtSend.push(h.engine.tracker.openOrderCount);
  const buyingAfterFirst: number[] = [];
  strategy.tick = (_tick, ctx) => {
    ctx.sendOrder(buy());
    buyingAfterFirst.push(h.engine.tracker.position('AAPL').openBuyQuantity);
    ctx.sendOrder(buy());
  };
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.deepEqual(openAtSend, [0, 1], 'each order was on its way before it was booked');
  assert.deepEqual(buyingAfterFirst, [10]);
  assert.equal(h.engine.tracker.openOrderCount, 2);
  assert.equal(h.engine.tracker.position('AAPL').openBuyQuantity, 20);
});

test('the engine refuses orders on a stale or unknown book and counts them', () => {
  const { strategy, h } = started();
  const results: (string | null)[] = [];
  strategy.tick = (tick, ctx) => void results.push(ctx.sendOrder(buy(tick.symbol)));
  h.books.setStatus('AAPL', 'stale');
  h.engine.onMarketData(tickOf('AAPL', T0));
  h.engine.onMarketData(tickOf('MSFT', T0));
  assert.deepEqual(results, [null, null]);
  assert.equal(h.sent.length, 0);
  assert.equal(h.engine.counters.ordersRefusedStaleBook, 1);
  assert.equal(h.engine.counters.ordersRefusedUnknownBook, 1);
  assert.equal(h.engine.tracker.openOrderCount, 0);
  h.books.setStatus('AAPL', 'live');
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.equal(results[2], 'test-1');
});

test('an order the sink cannot send is forgotten and counted', () => {
  const { strategy, h } = started();
  const results: (string | null)[] = [];
  strategy.tick = (_tick, ctx) => void results.push(ctx.sendOrder(buy()));
  h.connected = false;
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.deepEqual(results, [null]);
  assert.equal(h.engine.counters.ordersRefusedNotConnected, 1);
  assert.equal(h.engine.tracker.openOrderCount, 0);
  assert.equal(h.engine.tracker.position('AAPL').openBuyQuantity, 0);
  h.connected = true;
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.equal(h.engine.counters.ordersSent, 1);
  assert.equal(h.engine.tracker.openOrderCount, 1);
});

test('a malformed order request is a typed error, caught and counted like any strategy throw', () => {
  assert.throws(() => validateOrderRequest({ ...buy(), quantity: 0 }), (err: unknown) => err instanceof TradingError && err.code === 'E_ORDER_INVALID');
  assert.throws(() => validateOrderRequest({ ...buy(), price: 1_000_000.5 }), /limit price/);
  assert.throws(() => validateOrderRequest({ ...buy(), symbol: 'bad symbol' }), /symbol/);
  assert.throws(() => validateOrderRequest({ ...buy(), side: 3 as Side }), /side/);
  assert.throws(() => validateOrderRequest({ ...buy(), timeInForce: 9 as TimeInForce }), /time in force/);
  validateOrderRequest({ ...buy(), orderType: OrderType.MARKET, price: 0 });

  const { strategy, h } = started();
  let calls = 0;
  strategy.tick = (_tick, ctx) => {
    calls += 1;
    if (calls === 1) ctx.sendOrder({ ...buy(), quantity: -5 });
    else throw new Error('boom');
  };
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.equal(h.engine.counters.strategyErrors, 1);
  assert.match(h.engine.lastStrategyError, /onTick: E_ORDER_INVALID/);
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.equal(h.engine.counters.strategyErrors, 2);
  assert.match(h.engine.lastStrategyError, /boom/);
  assert.equal(h.sent.length, 0);
  assert.equal(h.engine.counters.ticks, 2, 'the engine kept going');
});

test('a market order is sent with price 0', () => {
  const { strategy, h } = started();
  strategy.tick = (_tick, ctx) => void ctx.sendOrder({ ...buy(), orderType: OrderType.MARKET, price: 12345 });
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.equal(h.orders()[0].price, 0);
  assert.equal(h.orders()[0].orderType, OrderType.MARKET);
});

test('reports update the books before the strategy sees them; unknown ones are not passed on', () => {
  const { strategy, h } = started();
  strategy.tick = (_tick, ctx) => void ctx.sendOrder(buy('AAPL', 30));
  const seen: { status: ExecutionStatus; position: number; open: boolean }[] = [];
  strategy.execution = (report, ctx) =>
    void seen.push({ status: report.status, position: ctx.position('AAPL').quantity, open: ctx.openOrder(report.orderId) !== undefined });
  h.engine.onMarketData(tickOf('AAPL', T0));
  const [order] = h.orders();
  h.engine.onExecutionReport(reportFor(order, ExecutionStatus.PARTIALLY_FILLED, { lastQuantity: 10, lastPrice: order.price, filled: 10, averagePrice: order.price }));
  h.engine.onExecutionReport(reportFor(order, ExecutionStatus.CANCELED, { filled: 10, averagePrice: order.price }));
  h.engine.onExecutionReport(reportFor({ ...order, orderId: 'someone-else-1' }, ExecutionStatus.FILLED));
  assert.deepEqual(seen, [
    { status: ExecutionStatus.PARTIALLY_FILLED, position: 10, open: true },
    { status: ExecutionStatus.CANCELED, position: 10, open: false },
  ]);
  assert.equal(h.engine.tracker.counters.unknownReports, 1);
  assert.equal(h.engine.counters.executionReports, 3);
});

test('cancel sends one Cancel per open order, and can be retried when it could not be sent', () => {
  const { strategy, h } = started();
  let orderId: string | null = null;
  strategy.tick = (_tick, ctx) => {
    orderId = ctx.sendOrder({ ...buy(), timeInForce: TimeInForce.DAY });
  };
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.ok(orderId !== null);
  const ctx = h.engine.context;
  h.connected = false;
  assert.equal(ctx.cancel(orderId), false);
  assert.equal(h.engine.counters.cancelsRefusedNotConnected, 1);
  h.connected = true;
  assert.equal(ctx.cancel(orderId), true);
  assert.equal(ctx.cancel(orderId), false, 'already requested');
  assert.equal(ctx.cancel('no-such-order'), false);
  const cancels = h.sent.filter((m): m is Cancel => m.type === MessageType.CANCEL);
  assert.deepEqual(cancels, [{ type: MessageType.CANCEL, orderId, symbol: 'AAPL', timestamp: 1_700_000_000 }]);
  assert.equal(ctx.openOrder(orderId)?.cancelRequested, true);
});

test('an order closed without a final report (abandoned, or lost after a resume) is told to the strategy, once, already closed', () => {
  const { strategy, h } = started();
  const ids: string[] = [];
  strategy.tick = (_tick, ctx) => {
    const id = ctx.sendOrder({ ...buy(), timeInForce: TimeInForce.DAY });
    if (id !== null) ids.push(id);
  };
  const told: { orderId: string; reason: OrderClosedReason; open: boolean; exposure: number }[] = [];
  strategy.closed = (order, reason, ctx) => void told.push({ orderId: order.orderId, reason, open: ctx.openOrder(order.orderId) !== undefined, exposure: ctx.position('AAPL').openBuyQuantity });
  h.engine.onMarketData(tickOf('AAPL', T0));
  h.engine.onMarketData(tickOf('AAPL', T0 + 1));
  const [first, second] = ids;
  assert.ok(first !== undefined && second !== undefined);

  assert.equal(h.engine.closeLost(first), true);
  assert.equal(h.engine.closeLost(first), false, 'no longer open: not told again');
  assert.equal(h.engine.closeLost('no-such-order'), false);
  assert.deepEqual(told, [{ orderId: first, reason: 'lost', open: false, exposure: 10 }]);
  assert.equal(h.engine.abandonOpenOrders(), 1);
  assert.deepEqual(told.at(-1), { orderId: second, reason: 'abandoned', open: false, exposure: 0 });
  assert.equal(h.engine.tracker.counters.lost, 1);
  assert.equal(h.engine.tracker.counters.abandoned, 1);

  // a throw is the strategy's bug: caught and counted like any other callback's
  strategy.closed = () => {
    throw new Error('boom');
  };
  h.engine.onMarketData(tickOf('AAPL', T0 + 2));
  assert.equal(h.engine.abandonOpenOrders(), 1);
  assert.equal(h.engine.counters.strategyErrors, 1);
  assert.match(h.engine.lastStrategyError ?? '', /onOrderClosed: .*boom/);

  // after stop the books still close it, the strategy is not called
  strategy.closed = () => assert.fail('told after stop');
  h.engine.onMarketData(tickOf('AAPL', T0 + 3));
  h.engine.stop();
  assert.equal(h.engine.abandonOpenOrders(), 1);
});

test('lifecycle: nothing before start, orders allowed in onStart and onStop, reports applied after stop', () => {
  const strategy = new Scripted();
  const h = harness(strategy);
  h.books.set('AAPL', { bid: 99.99, ask: 100.01, timestamp: T0 });
  let ticks = 0;
  strategy.tick = () => void (ticks += 1);
  strategy.start = (ctx) => void ctx.sendOrder(buy());
  strategy.stop = (ctx) => void ctx.sendOrder({ ...buy(), side: Side.SELL });
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.equal(ticks, 0);
  assert.equal(h.engine.counters.ignoredWhileStopped, 1);
  h.engine.start();
  assert.throws(() => h.engine.start(), /cannot start when running/);
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.equal(ticks, 1);
  h.engine.stop();
  h.engine.stop();
  assert.equal(h.orders().length, 2, 'one from onStart, one from onStop');
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.equal(ticks, 1);
  assert.equal(h.engine.context.sendOrder(buy()), null);
  assert.equal(h.engine.counters.ordersRefusedStopped, 1);
  const [first] = h.orders();
  h.engine.onExecutionReport(reportFor(first, ExecutionStatus.FILLED, { lastQuantity: 10, lastPrice: first.price, filled: 10, averagePrice: first.price }));
  assert.equal(h.engine.tracker.position('AAPL').quantity, 10, 'accounting continues after stop');
});

test('onMessage dispatches the three message kinds the strategy takes', () => {
  const { strategy, h } = started();
  const kinds: string[] = [];
  strategy.tick = () => void kinds.push('tick');
  strategy.news = () => void kinds.push('news');
  assert.equal(h.engine.onMessage(tickOf('AAPL', T0)), true);
  assert.equal(h.engine.onMessage(newsOf('AAPL', 0.5)), true);
  assert.equal(h.engine.onMessage({ type: MessageType.HEARTBEAT, timestamp: 0, sentNs: 0 }), false);
  assert.deepEqual(kinds, ['tick', 'news']);
});

test('PnL through the context: realized from fills, unrealized against the book mid', () => {
  const { strategy, h } = started();
  strategy.tick = (_tick, ctx) => void ctx.sendOrder(buy('AAPL', 100));
  h.engine.onMarketData(tickOf('AAPL', T0));
  const [order] = h.orders();
  h.engine.onExecutionReport(reportFor(order, ExecutionStatus.FILLED, { lastQuantity: 100, lastPrice: order.price, filled: 100, averagePrice: order.price }));
  h.books.set('AAPL', { bid: 100.49, ask: 100.51, timestamp: T0 + 1 }); // mid 100.50
  assert.equal(h.engine.context.unrealizedPnl('AAPL'), 100 * (toPriceUnits(100.5) - toPriceUnits(100.01)));
  assert.equal(h.engine.context.realizedPnl(), 0);
  assert.equal(h.engine.context.unrealizedPnl('MSFT'), 0, 'flat');
  const snapshot = h.engine.snapshot();
  assert.equal(snapshot['fills'], 1);
  assert.equal(snapshot['ordersSent'], 1);
  assert.equal(snapshot['openOrders'], 0);
});
