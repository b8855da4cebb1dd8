/** Health, rates, latency and rejects from component samples: the arithmetic the page shows. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthTracker, UNRESPONSIVE_AFTER_MS, type ComponentSample } from '../../src/dashboard/health.js';
import { unknownOrdersText, type RejectView } from '../../src/dashboard/wire.js';

function sample(name: string, fields: Partial<ComponentSample>): ComponentSample {
  return { name, state: 'running', pid: 100, starts: 1, counters: {}, countersAtMs: 0, ...fields };
}

test('status, CPU, RSS and rates from two samples a second apart', () => {
  const tracker = new HealthTracker();
  const rejects: RejectView[] = [];
  const onReject = (reject: RejectView): number => rejects.push(reject);
  tracker.update(
    [
      sample('gateway', { counters: { process_cpu_seconds: 1, process_resident_memory_bytes: 50 * 1048576, market_data_sent: 1000 }, countersAtMs: 0 }),
      sample('ordermanager', { pid: 200, counters: { orders: 10, fills: 4, rejects: 2 }, countersAtMs: 0 }),
    ],
    0,
    1_000,
    onReject,
  );
  assert.equal(rejects.length, 0, 'rejects before the first look are a total, not an event');
  const view = tracker.update(
    [
      sample('gateway', { counters: { process_cpu_seconds: 1.25, process_resident_memory_bytes: 52 * 1048576, market_data_sent: 1050 }, countersAtMs: 1_000 }),
      sample('ordermanager', { pid: 200, counters: { orders: 30, fills: 14, rejects: 5 }, countersAtMs: 1_000 }),
      sample('strategy', { state: 'starting', starts: 2, pid: 300 }),
      sample('orderbook', { countersAtMs: 1_000 - UNRESPONSIVE_AFTER_MS - 1_000 }),
    ],
    1_000,
    1_001,
    onReject,
  );
  const gateway = view.components.find((c) => c.name === 'gateway');
  assert.deepEqual(gateway, { name: 'gateway', status: 'up', pid: 100, restarts: 0, cpuPercent: 25, rssMb: 52 });
  assert.equal(view.components.find((c) => c.name === 'strategy')?.status, 'restarting');
  assert.equal(view.components.find((c) => c.name === 'strategy')?.restarts, 1);
  assert.equal(view.components.find((c) => c.name === 'orderbook')?.status, 'unresponsive');
  assert.deepEqual(view.rates, { ticksPerS: 50, ordersPerS: 20, fillsPerS: 10 });
  assert.deepEqual(rejects, [{ time: 1_001, code: 'any code', count: 3 }]);
});

test('rejects by code, a restarted process counting from zero, and histograms preferred to bare percentiles', () => {
  const tracker = new HealthTracker();
  const rejects: RejectView[] = [];
  const om = (counters: Record<string, number>): ComponentSample => sample('ordermanager', { counters });
  tracker.update([om({ 'rejects.E_RISK_MAX_QTY': 1 })], 0, 1, (r) => rejects.push(r));
  tracker.update([om({ 'rejects.E_RISK_MAX_QTY': 3, 'rejects.E_RISK_STALE_BOOK': 1 })], 1_000, 2, (r) => rejects.push(r));
  tracker.update([om({ 'rejects.E_RISK_MAX_QTY': 2 })], 2_000, 3, (r) => rejects.push(r));
  assert.deepEqual(rejects, [
    { time: 2, code: 'E_RISK_MAX_QTY', count: 2 },
    { time: 2, code: 'E_RISK_STALE_BOOK', count: 1 },
    { time: 3, code: 'E_RISK_MAX_QTY', count: 2 },
  ]);
  const view = tracker.update(
    [
      sample('ordermanager', {
        counters: { tick_to_trade_count: 9, tick_to_trade_p50_us: 1, tick_to_trade_p99_us: 2 },
        histograms: { tick_to_trade: { upperUs: [64, 128, 256], counts: [1, 8, 1], count: 10, p50Us: 128, p99Us: 256 } },
      }),
      sample('strategy', { counters: { order_to_ack_count: 4, order_to_ack_p50_us: 500, order_to_ack_p99_us: 900 } }),
    ],
    3_000,
    4,
    () => undefined,
  );
  assert.deepEqual(view.latency, [
    { name: 'tick_to_trade', count: 10, p50Us: 128, p99Us: 256, histogram: { upperUs: [64, 128, 256], counts: [1, 8, 1] } },
    { name: 'order_to_ack', count: 4, p50Us: 500, p99Us: 900, histogram: null },
  ]);
});

test("the strategy's orders of unknown state: its counters, and the line the page shows", () => {
  const tracker = new HealthTracker();
  const none = (): void => undefined;
  const without = tracker.update([sample('ordermanager', {})], 0, 1, none);
  assert.equal(without.unknownOrders, null, 'no strategy counters: nothing to say');
  assert.equal(unknownOrdersText(without.unknownOrders), 'no strategy counters');
  const quiet = tracker.update([sample('strategy', { counters: { orders_sent: 12 } })], 1_000, 2, none);
  assert.deepEqual(quiet.unknownOrders, { unanswered: 0, abandoned: 0, lost: 0 });
  assert.equal(unknownOrdersText(quiet.unknownOrders), 'none');
  const troubled = tracker.update([sample('strategy', { counters: { orders_unanswered: 2, orders_abandoned: 1, orders_lost: 3 } })], 2_000, 3, none);
  assert.deepEqual(troubled.unknownOrders, { unanswered: 2, abandoned: 1, lost: 3 });
  assert.equal(unknownOrdersText(troubled.unknownOrders), 'unanswered 2 · abandoned 1 · lost 3');
});
