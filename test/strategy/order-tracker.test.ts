import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Order } from '../../src/protocol/messages.js';
import { ExecutionStatus, MessageType, OrderType, Side, TimeInForce } from '../../src/protocol/messages.js';
import { OrderTracker } from '../../src/strategy/order-tracker.js';
import { Position } from '../../src/core/position.js';
import { reportFor } from './fixtures.js';
import { assertFields } from '../helpers/assert-fields.js';

let nextId = 0;
function orderOf(side: Side, quantity: number, price: number, symbol = 'AAPL', timeInForce: TimeInForce = TimeInForce.IOC): Order {
  return {
    type: MessageType.ORDER,
    orderId: `t-${++nextId}`,
    symbol,
    side,
    orderType: OrderType.LIMIT,
    timeInForce,
    price,
    quantity,
    timestamp: 0,
    tickSentNs: 11,
    orderSentNs: 22,
  };
}

test('partial fills build the position and the average price; the open order shows filled and leaves', () => {
  const tracker = new OrderTracker();
  const order = orderOf(Side.BUY, 300, 1_000_100, 'AAPL', TimeInForce.DAY);
  tracker.recordSent(order);
  assert.equal(tracker.position('AAPL').openBuyQuantity, 300);

  tracker.apply(reportFor(order, ExecutionStatus.NEW));
  assert.equal(tracker.openOrder(order.orderId)?.status, ExecutionStatus.NEW);

  tracker.apply(reportFor(order, ExecutionStatus.PARTIALLY_FILLED, { lastQuantity: 100, lastPrice: 1_000_000, filled: 100, averagePrice: 1_000_000 }));
  tracker.apply(reportFor(order, ExecutionStatus.PARTIALLY_FILLED, { lastQuantity: 100, lastPrice: 1_000_100, filled: 200, averagePrice: 1_000_050 }));
  const open = tracker.openOrder(order.orderId);
  assert.ok(open !== undefined);
  assert.equal(open.filledQuantity, 200);
  assert.equal(open.leavesQuantity, 100);
  assert.equal(open.averagePrice, 1_000_050);
  const position = tracker.position('AAPL');
  assertFields(position, { quantity: 200, averagePrice: 1_000_050, openBuyQuantity: 100, fillCount: 2 });

  tracker.apply(reportFor(order, ExecutionStatus.FILLED, { lastQuantity: 100, lastPrice: 1_000_200, filled: 300, averagePrice: 1_000_100 }));
  assert.equal(tracker.openOrder(order.orderId), undefined, 'a filled order is no longer open');
  assert.equal(tracker.openOrderCount, 0);
  assertFields(position, { quantity: 300, averagePrice: 1_000_100, openBuyQuantity: 0, boughtQuantity: 300 });
});

test('an IOC partly filled then canceled keeps its fill and releases the rest', () => {
  const tracker = new OrderTracker();
  const order = orderOf(Side.SELL, 500, 1_000_000);
  tracker.recordSent(order);
  // The order manager may report the fill and the cancel in one CANCELED report.
  const view = tracker.apply(reportFor(order, ExecutionStatus.CANCELED, { lastQuantity: 200, lastPrice: 1_000_000, filled: 200, averagePrice: 1_000_000 }));
  assert.equal(view?.filledQuantity, 200);
  assert.equal(view?.leavesQuantity, 0);
  assert.equal(tracker.openOrder(order.orderId), undefined);
  const position = tracker.position('AAPL');
  assert.equal(position.quantity, -200);
  assert.equal(position.openSellQuantity, 0);
  assert.equal(tracker.counters.canceled, 1);
});

test('a rejected order changes no position and is counted by its code', () => {
  const tracker = new OrderTracker();
  const order = orderOf(Side.BUY, 1_000_000, 1_000_000);
  tracker.recordSent(order);
  tracker.apply(reportFor(order, ExecutionStatus.REJECTED, { rejectCode: 'E_RISK_MAX_QTY' }));
  const position = tracker.position('AAPL');
  assert.equal(position.quantity, 0);
  assert.equal(position.openBuyQuantity, 0);
  assert.equal(tracker.openOrderCount, 0);
  assert.equal(tracker.counters.rejected, 1);
  assert.equal(tracker.rejectsByCode().get('E_RISK_MAX_QTY'), 1);
});

test('a report delivered twice is applied once; a missed one is made up by the next', () => {
  const tracker = new OrderTracker();
  const order = orderOf(Side.BUY, 300, 1_000_200, 'AAPL', TimeInForce.DAY);
  tracker.recordSent(order);
  const first = reportFor(order, ExecutionStatus.PARTIALLY_FILLED, { lastQuantity: 100, lastPrice: 1_000_000, filled: 100, averagePrice: 1_000_000 });
  tracker.apply(first);
  tracker.apply(first);
  assert.equal(tracker.position('AAPL').quantity, 100);
  // The report of the second 100 @ 1_000_100 is lost; the third (100 @ 1_000_200) arrives.
  tracker.apply(reportFor(order, ExecutionStatus.FILLED, { lastQuantity: 100, lastPrice: 1_000_200, filled: 300, averagePrice: 1_000_100 }));
  const position = tracker.position('AAPL');
  assert.equal(position.quantity, 300);
  assert.equal(position.averagePrice, 1_000_100, 'cost recovered from the cumulative average');
  assert.equal(tracker.counters.fillGaps, 1);
  assert.equal(tracker.counters.fills, 2);
});

test('an older report arriving after a newer one is ignored', () => {
  const tracker = new OrderTracker();
  const order = orderOf(Side.BUY, 200, 1_000_000, 'AAPL', TimeInForce.DAY);
  tracker.recordSent(order);
  tracker.apply(reportFor(order, ExecutionStatus.PARTIALLY_FILLED, { lastQuantity: 150, lastPrice: 1_000_000, filled: 150, averagePrice: 1_000_000 }));
  tracker.apply(reportFor(order, ExecutionStatus.PARTIALLY_FILLED, { lastQuantity: 100, lastPrice: 1_000_000, filled: 100, averagePrice: 1_000_000 }));
  assert.equal(tracker.openOrder(order.orderId)?.filledQuantity, 150);
  assert.equal(tracker.openOrder(order.orderId)?.leavesQuantity, 50);
  assert.equal(tracker.counters.staleReports, 1);
});

test('reports for ids this run never sent are counted and change nothing', () => {
  const tracker = new OrderTracker();
  const stranger = orderOf(Side.BUY, 100, 1_000_000);
  assert.equal(tracker.apply(reportFor(stranger, ExecutionStatus.FILLED, { lastQuantity: 100, lastPrice: 1, filled: 100, averagePrice: 1 })), undefined);
  assert.equal(tracker.counters.unknownReports, 1);
  assert.equal(tracker.position('AAPL').quantity, 0);
});

test('closing and reversing a position realizes PnL against FIFO lots, as the order manager does', () => {
  const tracker = new OrderTracker();
  const fill = (side: Side, quantity: number, price: number): void => {
    const order = orderOf(side, quantity, price);
    tracker.recordSent(order);
    tracker.apply(reportFor(order, ExecutionStatus.FILLED, { lastQuantity: quantity, lastPrice: price, filled: quantity, averagePrice: price }));
  };
  fill(Side.BUY, 100, 1_000_000); // long 100 @ 100.00
  fill(Side.BUY, 100, 1_010_000); // long 200 @ 100.50 on average
  assert.equal(tracker.position('AAPL').averagePrice, 1_005_000);
  fill(Side.SELL, 50, 1_020_000); // closes 50 of the 100.00 lot: +2.00 × 50
  assert.equal(tracker.realizedPnl(), 50 * 20_000);
  assert.equal(tracker.position('AAPL').quantity, 150);
  assert.equal(tracker.position('AAPL').averagePrice, (50 * 1_000_000 + 100 * 1_010_000) / 150);
  fill(Side.SELL, 250, 990_000); // closes 50 @ 100.00 (−1.00 × 50) and 100 @ 101.00 (−2.00), goes short 100 @ 99.00
  const position = tracker.position('AAPL');
  assert.equal(position.quantity, -100);
  assert.equal(position.averagePrice, 990_000);
  assert.equal(position.realizedPnl, 50 * 20_000 - 50 * 10_000 - 100 * 20_000);
  // Short 100 @ 99.00 marked at 98.00: +1.00 × 100.
  assert.equal(tracker.unrealizedPnl('AAPL', 980_000), 100 * 10_000);
  fill(Side.BUY, 100, 1_000_000); // cover @ 100.00: −1.00 × 100
  assert.equal(position.quantity, 0);
  assert.equal(position.averagePrice, 0);
  assert.equal(tracker.realizedPnl(), 50 * 20_000 - 50 * 10_000 - 100 * 20_000 - 100 * 10_000);
  assert.equal(tracker.unrealizedPnl('AAPL', 980_000), 0);
  // the order manager's book of the same fills says the same
  const om = new Position('AAPL');
  for (const [buy, quantity, price] of [[true, 100, 1_000_000], [true, 100, 1_010_000], [false, 50, 1_020_000], [false, 250, 990_000], [true, 100, 1_000_000]] as const) {
    om.apply(buy, quantity, price);
  }
  assert.equal(om.realizedPnl, tracker.realizedPnl());
});

test('abandoning open orders releases their exposure', () => {
  const tracker = new OrderTracker();
  tracker.recordSent(orderOf(Side.BUY, 100, 1_000_000));
  tracker.recordSent(orderOf(Side.SELL, 40, 1_000_000));
  assert.equal(tracker.abandonOpenOrders().length, 2);
  assert.equal(tracker.openOrderCount, 0);
  assert.equal(tracker.position('AAPL').openBuyQuantity, 0);
  assert.equal(tracker.position('AAPL').openSellQuantity, 0);
  assert.equal(tracker.counters.abandoned, 2);
});

test('for any fills, position = Σ signed fills and realized + unrealized = cash + position × mark', () => {
  const fillArb = fc.record({ buy: fc.boolean(), quantity: fc.integer({ min: 1, max: 500 }), price: fc.integer({ min: 900_000, max: 1_100_000 }) });
  fc.assert(
    fc.property(fc.array(fillArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 900_000, max: 1_100_000 }), (fills, mark) => {
      const tracker = new OrderTracker();
      let quantity = 0;
      let cash = 0;
      for (const fill of fills) {
        const order = orderOf(fill.buy ? Side.BUY : Side.SELL, fill.quantity, fill.price);
        tracker.recordSent(order);
        tracker.apply(reportFor(order, ExecutionStatus.FILLED, { lastQuantity: fill.quantity, lastPrice: fill.price, filled: fill.quantity, averagePrice: fill.price }));
        quantity += fill.buy ? fill.quantity : -fill.quantity;
        cash += (fill.buy ? -1 : 1) * fill.quantity * fill.price;
      }
      assert.equal(tracker.position('AAPL').quantity, quantity);
      const total = tracker.realizedPnl() + tracker.unrealizedPnl('AAPL', mark);
      const expected = cash + quantity * mark;
      assert.ok(Math.abs(total - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${total} vs ${expected}`);
    }),
    { numRuns: 300, seed: 42 },
  );
});

test('unanswered: an open order with no report past the timeout is returned and counted once; one with a report, a young one or a closed one is not', () => {
  const tracker = new OrderTracker();
  const at = (sentNs: number, timeInForce: TimeInForce = TimeInForce.IOC): Order => ({ ...orderOf(Side.BUY, 100, 1_000_100, 'AAPL', timeInForce), orderSentNs: sentNs });
  const silent = at(1_000);
  const acked = at(2_000, TimeInForce.DAY);
  const filled = at(3_000);
  const young = at(9_000);
  for (const order of [silent, acked, filled, young]) tracker.recordSent(order);
  tracker.apply(reportFor(acked, ExecutionStatus.NEW));
  tracker.apply(reportFor(filled, ExecutionStatus.FILLED, { lastQuantity: 100, lastPrice: 1_000_100, filled: 100, averagePrice: 1_000_100 }));

  assert.deepEqual(tracker.takeUnanswered(5_000, 4_500).map((order) => order.orderId), [], 'nothing is older than the timeout yet');
  assert.deepEqual(tracker.takeUnanswered(10_000, 2_000).map((order) => order.orderId), [silent.orderId], 'the silent one; the acknowledged one and the young one are not');
  assert.equal(tracker.counters.unanswered, 1);
  assert.deepEqual(tracker.takeUnanswered(20_000, 2_000).map((order) => order.orderId), [young.orderId], 'each once: the silent one is not told again');
  assert.equal(tracker.counters.unanswered, 2);
  // it stays open, and its late report is applied as usual
  assert.equal(tracker.openOrder(silent.orderId)?.orderId, silent.orderId);
  tracker.apply(reportFor(silent, ExecutionStatus.FILLED, { lastQuantity: 100, lastPrice: 1_000_100, filled: 100, averagePrice: 1_000_100 }));
  assert.equal(tracker.openOrder(silent.orderId), undefined);
  assert.equal(tracker.position('AAPL').quantity, 200);
  assert.deepEqual(tracker.takeUnanswered(1e12, 2_000), []);
});
