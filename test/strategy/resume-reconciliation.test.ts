/**
 * The strategy's open orders after a resumed session, checked against the order manager's
 * list of working orders once the replay is applied (resume-reconciliation.ts): an order
 * it never durably accepted, or whose end was lost in its crash, is closed as lost and
 * counted; a resting one, one the replay finishes, and one sent on the new connection are
 * left alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Order } from '../../src/protocol/messages.js';
import { ExecutionStatus, MessageType, OrderType, Side, TimeInForce } from '../../src/protocol/messages.js';
import { OrderTracker } from '../../src/strategy/order-tracker.js';
import { ResumeReconciliation } from '../../src/strategy/resume-reconciliation.js';
import { reportFor } from './fixtures.js';

function orderOf(orderId: string, quantity: number, timeInForce: TimeInForce, side: Side = Side.BUY): Order {
  return {
    type: MessageType.ORDER,
    orderId,
    symbol: 'AAPL',
    side,
    orderType: OrderType.LIMIT,
    timeInForce,
    price: 1_000_000,
    quantity,
    timestamp: 0,
    tickSentNs: 0,
    orderSentNs: 0,
  };
}

function openIds(tracker: OrderTracker): string[] {
  return [...tracker.openOrders()].map((order) => order.orderId).sort();
}

test('an IOC in flight that the restarted order manager never heard of is closed as lost once the replay is applied; a resting DAY order it lists stays open', () => {
  const tracker = new OrderTracker();
  const resting = orderOf('s-1', 100, TimeInForce.DAY);
  const inFlight = orderOf('s-2', 40, TimeInForce.IOC);
  tracker.recordSent(resting);
  tracker.apply(reportFor(resting, ExecutionStatus.NEW));
  tracker.recordSent(inFlight);
  assert.equal(tracker.position('AAPL').openBuyQuantity, 140);

  const check = new ResumeReconciliation();
  check.begin(tracker.openOrders(), ['s-1'], 7);
  assert.equal(check.pending, true);
  assert.equal(check.isDue(6), false, 'the replay runs to sequence 7');
  assert.equal(check.isDue(7), true);
  assert.deepEqual(check.finish(tracker), ['s-2']);
  assert.equal(tracker.counters.lost, 1);
  assert.deepEqual(openIds(tracker), ['s-1']);
  assert.equal(tracker.position('AAPL').openBuyQuantity, 100, 'the lost order\'s exposure is released');
  assert.equal(check.pending, false);
  assert.deepEqual(check.finish(tracker), [], 'done once');
  assert.equal(tracker.counters.lost, 1);
});

test('an IOC whose partial fill is replayed but whose CANCELED was lost: closed as lost after the replay, its fill kept', () => {
  const tracker = new OrderTracker();
  const ioc = orderOf('s-1', 500, TimeInForce.IOC);
  tracker.recordSent(ioc);
  const check = new ResumeReconciliation();
  check.begin(tracker.openOrders(), [], 3);
  // the replay: the fill survived the crash, the CANCELED of the remainder did not
  tracker.apply(reportFor(ioc, ExecutionStatus.PARTIALLY_FILLED, { lastQuantity: 300, lastPrice: 1_000_000, filled: 300, averagePrice: 1_000_000 }));
  assert.equal(check.isDue(3), true);
  assert.deepEqual(check.finish(tracker), ['s-1']);
  assert.equal(tracker.position('AAPL').quantity, 300);
  assert.equal(tracker.position('AAPL').openBuyQuantity, 0);
  assert.equal(tracker.openOrderCount, 0);
  assert.equal(tracker.counters.lost, 1);
  assert.equal(tracker.counters.canceled, 0);
});

test('orders the replay finishes are not counted lost, and orders sent after the session opened are never checked', () => {
  const tracker = new OrderTracker();
  const filled = orderOf('s-1', 10, TimeInForce.IOC);
  const rejected = orderOf('s-2', 10, TimeInForce.DAY, Side.SELL);
  tracker.recordSent(filled);
  tracker.recordSent(rejected);
  const check = new ResumeReconciliation();
  check.begin(tracker.openOrders(), [], 9);
  // sent on the new connection, before the replay ended: the order manager's list predates it
  const fresh = orderOf('s-3', 20, TimeInForce.DAY);
  tracker.recordSent(fresh);
  tracker.apply(reportFor(filled, ExecutionStatus.FILLED, { lastQuantity: 10, lastPrice: 1_000_000, filled: 10, averagePrice: 1_000_000 }));
  tracker.apply(reportFor(rejected, ExecutionStatus.REJECTED, { rejectCode: 'E_RISK_MAX_POSITION' }));
  assert.deepEqual(check.finish(tracker), []);
  assert.equal(tracker.counters.lost, 0);
  assert.deepEqual(openIds(tracker), ['s-3']);
  assert.equal(tracker.position('AAPL').openBuyQuantity, 20);
});

test('an order with a report still on its way at the order manager (listed) stays open, and nothing is pending without open orders', () => {
  const tracker = new OrderTracker();
  const check = new ResumeReconciliation();
  check.begin(tracker.openOrders(), [], 0);
  assert.equal(check.pending, false);
  assert.equal(check.isDue(5), false);

  const ioc = orderOf('s-1', 10, TimeInForce.IOC);
  tracker.recordSent(ioc);
  check.begin(tracker.openOrders(), ['s-1'], 4);
  assert.equal(check.isDue(4), true);
  assert.deepEqual(check.finish(tracker), []);
  assert.deepEqual(openIds(tracker), ['s-1']);
});

test('a connection lost before the replay ended drops the check (the next resume takes it again)', () => {
  const tracker = new OrderTracker();
  tracker.recordSent(orderOf('s-1', 10, TimeInForce.IOC));
  const check = new ResumeReconciliation();
  check.begin(tracker.openOrders(), [], 12);
  check.abort();
  assert.equal(check.isDue(12), false);
  assert.deepEqual(check.finish(tracker), []);
  assert.equal(tracker.openOrderCount, 1);
});
