import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import type { Cancel } from '../../src/protocol/messages.js';
import { ExecutionStatus, MessageType, OrderType, Side, TimeInForce } from '../../src/protocol/messages.js';
import { ImbalanceStrategy, bookImbalance } from '../../src/strategy/examples/imbalance-strategy.js';
import { harness, makeBook, reportFor, tickOf } from './fixtures.js';

const T0 = 1_700_000_000;
const HEAVY_BIDS = { bid: 99.99, ask: 100.01, bidSizes: [900, 900, 900], askSizes: [100, 100, 100], timestamp: T0 };
const HEAVY_ASKS = { bid: 99.99, ask: 100.01, bidSizes: [100, 100, 100], askSizes: [900, 900, 900], timestamp: T0 };
const BALANCED = { bid: 99.99, ask: 100.01, bidSizes: [500, 500, 500], askSizes: [500, 500, 500], timestamp: T0 };

function cancels(sent: readonly { type: number }[]): Cancel[] {
  return sent.filter((m): m is Cancel => m.type === MessageType.CANCEL);
}

test('imbalance is (bids − asks) / (bids + asks) over the top levels', () => {
  assert.equal(bookImbalance(makeBook(HEAVY_BIDS), 3), 0.8);
  assert.equal(bookImbalance(makeBook(HEAVY_ASKS), 3), -0.8);
  assert.equal(bookImbalance(makeBook(BALANCED), 3), 0);
  // Only the top `levels` count: level 3 onwards is ignored.
  assert.equal(bookImbalance(makeBook({ ...BALANCED, bidSizes: [100, 100, 100, 5000], askSizes: [100, 100, 100] }), 3), 0);
  assert.equal(bookImbalance(makeBook({ ...BALANCED, bidSizes: [], askSizes: [] }), 3), 0);
});

test('heavy bids: joins the best bid with one DAY limit buy, and waits', () => {
  const h = harness(new ImbalanceStrategy());
  h.engine.start();
  h.books.set('AAPL', HEAVY_BIDS);
  h.engine.onMarketData(tickOf('AAPL', T0));
  h.engine.onMarketData(tickOf('AAPL', T0));
  const orders = h.orders();
  assert.equal(orders.length, 1, 'one working order per symbol');
  assert.equal(orders[0].side, Side.BUY);
  assert.equal(orders[0].orderType, OrderType.LIMIT);
  assert.equal(orders[0].timeInForce, TimeInForce.DAY);
  assert.equal(orders[0].price, toPriceUnits(99.99), 'passive: at the best bid');
  assert.equal(orders[0].quantity, 10);
  h.books.set('AAPL', BALANCED);
  h.books.set('MSFT', HEAVY_ASKS);
  h.engine.onMarketData(tickOf('MSFT', T0));
  assert.equal(h.orders()[1].side, Side.SELL);
  assert.equal(h.orders()[1].price, toPriceUnits(100.01), 'passive: at the best ask');
});

test('a balanced book places nothing', () => {
  const h = harness(new ImbalanceStrategy());
  h.engine.start();
  h.books.set('AAPL', BALANCED);
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.equal(h.sent.length, 0);
});

test('the resting order is cancelled when the imbalance fades, then the symbol is free again', () => {
  const h = harness(new ImbalanceStrategy());
  h.engine.start();
  h.books.set('AAPL', HEAVY_BIDS);
  h.engine.onMarketData(tickOf('AAPL', T0));
  const [order] = h.orders();
  h.engine.onExecutionReport(reportFor(order, ExecutionStatus.NEW));
  h.books.set('AAPL', BALANCED);
  h.engine.onMarketData(tickOf('AAPL', T0));
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.deepEqual(
    cancels(h.sent).map((c) => c.orderId),
    [order.orderId],
    'one cancel',
  );
  h.books.set('AAPL', HEAVY_BIDS);
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.equal(h.orders().length, 1, 'still working until the cancel is confirmed');
  h.engine.onExecutionReport(reportFor(order, ExecutionStatus.CANCELED));
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.equal(h.orders().length, 2);
});

test('a resting order is cancelled after the timeout even if the signal holds', () => {
  const h = harness(new ImbalanceStrategy({ restingTimeoutMs: 500 }));
  h.engine.start();
  h.books.set('AAPL', HEAVY_BIDS);
  h.engine.onMarketData(tickOf('AAPL', T0));
  h.clock.advanceMs(500);
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.equal(cancels(h.sent).length, 0, 'not yet');
  h.clock.advanceMs(1);
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.equal(cancels(h.sent).length, 1);
});

test('the position cap holds with fills and open orders', () => {
  const h = harness(new ImbalanceStrategy({ quantity: 10, maxPosition: 15 }));
  h.engine.start();
  h.books.set('AAPL', HEAVY_BIDS);
  h.engine.onMarketData(tickOf('AAPL', T0));
  const [first] = h.orders();
  h.engine.onExecutionReport(reportFor(first, ExecutionStatus.FILLED, { lastQuantity: 10, lastPrice: first.price, filled: 10, averagePrice: first.price }));
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.equal(h.orders()[1].quantity, 5, 'clipped to the room left');
});

test('bad settings are refused with every problem named', () => {
  assert.throws(
    () => new ImbalanceStrategy({ levels: 0, threshold: 1.5, quantity: 0, restingTimeoutMs: 0 }),
    (err: unknown) => err instanceof Error && /levels/.test(err.message) && /threshold/.test(err.message) && /quantity/.test(err.message) && /restingTimeoutMs/.test(err.message),
  );
});

test('an order abandoned with the connection frees its symbol at once (onOrderClosed): the next signal joins again', () => {
  const h = harness(new ImbalanceStrategy());
  h.engine.start();
  h.books.set('AAPL', HEAVY_BIDS);
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.equal(h.orders().length, 1);
  assert.equal(h.engine.abandonOpenOrders(), 1);
  // without the callback this tick would only notice the order is gone, and the next would join
  h.engine.onMarketData(tickOf('AAPL', T0));
  assert.equal(h.orders().length, 2, 'joined on the first tick after');
  assert.equal(h.orders()[1].side, Side.BUY);
});
