import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPONENT_METRICS, MetricsWriter, readSystemCounters, type ComponentMetricName, type ComponentName } from '../../src/metrics/index.js';
import { cleanupAll, uniqueShmName } from '../helpers/resources.js';
import { Display, progressBar } from '../../src/supervisor/display.js';
import { buildSummary, formatSummary } from '../../src/supervisor/summary.js';

after(cleanupAll);

function target(isTTY: boolean): { out: string[]; write: (text: string) => void; isTTY: boolean; columns: number } {
  const out: string[] = [];
  return { out, write: (text) => out.push(text), isTTY, columns: 40 };
}

/**
 * A component's counters writer on `shm` whose every publish sets `values`; per-label values
 * are `labelled: { NAME: { LABEL: value } }`.
 */
function writerOf<C extends ComponentName>(
  shm: string,
  component: C,
  values: Partial<Record<ComponentMetricName<C>, number>>,
  labelled: Partial<Record<ComponentMetricName<C>, Record<string, number>>> = {},
): MetricsWriter<ComponentMetricName<C>> {
  return MetricsWriter.open<ComponentMetricName<C>>({
    component,
    shm,
    metrics: COMPONENT_METRICS[component],
    publishIntervalMs: 0,
    publish: (w) => {
      for (const [name, value] of Object.entries(values) as [ComponentMetricName<C>, number][]) w.set(name, value);
      for (const [name, byLabel] of Object.entries(labelled) as [ComponentMetricName<C>, Record<string, number>][]) {
        for (const [label, value] of Object.entries(byLabel)) w.setLabelled(name, label, value);
      }
    },
  });
}

test('on a terminal the status line is redrawn in place and logs scroll above it', () => {
  const t = target(true);
  const display = new Display(t);
  display.status('status one', 0);
  display.line('a log line');
  display.status('x'.repeat(100), 1);
  assert.equal(t.out[0], '\r\x1b[2Kstatus one');
  assert.equal(t.out[1], '\r\x1b[2Ka log line\nstatus one');
  assert.equal(t.out[2], `\r\x1b[2K${'x'.repeat(39)}`, 'cut to the terminal width');
});

test('off a terminal status lines are plain and spaced out', () => {
  const t = target(false);
  const display = new Display(t, 5000);
  display.status('first', 10_000);
  display.status('too soon', 11_000);
  display.line('log');
  display.status('second', 15_000);
  assert.deepEqual(t.out, ['first\n', 'log\n', 'second\n']);
});

test('progress bar shows elapsed against duration', () => {
  assert.equal(progressBar(15_000, 30_000, 10), '[#####.....] 15/30 s');
  assert.equal(progressBar(45_000, 30_000, 10), '[##########] 45/30 s');
  assert.equal(progressBar(7_900, 0), '7 s');
});

test('the summary: trading figures, latency and health in a handful of rows, read from counters segments', () => {
  const shm = uniqueShmName('summary');
  const gateway = writerOf(shm, 'gateway', { market_data_sent: 250 });
  const om = writerOf(
    shm,
    'ordermanager',
    { orders: 10, fills: 8, rejects: 2, filled_shares: 800, realized_pnl: 12.5, unrealized_pnl: -2 },
    { position_shares: { AAPL: 100 } },
  );
  const tickToTrade = om.histogram('tick_to_trade');
  for (let i = 1; i <= 100; i++) tickToTrade.record(i * 10);
  gateway.publishNow();
  om.publishNow();
  const snapshots = readSystemCounters(shm);
  gateway.close();
  om.close();
  const summary = buildSummary({
    elapsedMs: 5_000,
    exitCode: 0,
    reason: 'duration reached',
    components: [
      { name: 'gateway', restarts: 0, health: 'ok', snapshot: snapshots.find((s) => s.component === 'gateway') },
      { name: 'ordermanager', restarts: 1, health: 'ok', snapshot: snapshots.find((s) => s.component === 'ordermanager') },
      { name: 'strategy', restarts: 0, health: 'exit 1', snapshot: undefined },
    ],
  });
  assert.deepEqual(summary.trading, { orders: 10, fills: 8, rejects: 2, volume: 800, realizedPnl: 12.5, unrealizedPnl: -2, positions: { AAPL: 100 } });
  const latency = summary.latency['tick_to_trade'];
  assert.equal(latency?.count, 100);
  // 10..1000 µs: the median 500 lies in the (256, 512] bucket, the 99th percentile in (512, 1024]
  assert.ok(latency !== undefined && latency.p50Us > 256 && latency.p50Us <= 512, JSON.stringify(latency));
  assert.ok(latency.p99Us > 512 && latency.p99Us <= 1024, JSON.stringify(latency));
  assert.equal(summary.components['ordermanager']?.restarts, 1);
  assert.equal(summary.components['gateway']?.counters['market_data_sent'], 250);
  assert.equal(summary.components['ordermanager']?.counters['position_shares.AAPL'], 100);
  assert.equal(summary.components['ordermanager']?.histograms['tick_to_trade']?.count, 100);
  const text = formatSummary(summary);
  assert.match(text, /run finished after 5\.0 s: duration reached \(exit 0\)/);
  assert.match(text, /fills \(trade log\) +8/);
  assert.match(text, /tick-to-trade +100 +\d+ µs +[\d.]+ (µs|ms)/);
  assert.match(text, /strategy +exit 1 +0/);
  assert.deepEqual(summary.unknownOrders, { unanswered: 0, abandoned: 0, lost: 0 });
  assert.doesNotMatch(text, /unknown state/, 'no row when every order was told of');
  assert.ok(text.split('\n').length <= 25, `a handful of rows:\n${text}`);
});

test("the summary: the tick's own book, before and after the wait, and the orders of unknown state, from the strategy's counters", () => {
  const shm = uniqueShmName('summary-book');
  const strategy = writerOf(shm, 'strategy', { ticks: 1000, book_lag_at_first_read: 70, book_lagged: 25, orders_on_lagging_book: 3, orders_unanswered: 2, orders_abandoned: 1 });
  strategy.histogram('book_wait').record(1500);
  strategy.publishNow();
  const orderManager = writerOf(shm, 'ordermanager', { orders: 40, orders_waited_for_book: 4, orders_ahead_of_book: 1 });
  orderManager.publishNow();
  const snapshots = readSystemCounters(shm);
  const snapshot = snapshots.find((s) => s.component === 'strategy');
  const omSnapshot = snapshots.find((s) => s.component === 'ordermanager');
  strategy.close();
  orderManager.close();
  const summary = buildSummary({
    elapsedMs: 1_000,
    exitCode: 0,
    reason: 'done',
    components: [
      { name: 'strategy', restarts: 0, health: 'ok', snapshot },
      { name: 'ordermanager', restarts: 0, health: 'ok', snapshot: omSnapshot },
    ],
  });
  assert.deepEqual(summary.book, { ticks: 1000, lagAtFirstRead: 70, lagged: 25, ordersOnLaggingBook: 3, ordersWaitedForBook: 4, ordersAheadOfBook: 1 });
  assert.equal(summary.latency['book_wait']?.count, 1);
  const text = formatSummary(summary);
  assert.match(text, /book behind the tick at first read +70 \(7\.0%\)/);
  assert.match(text, /still behind after the wait: 'lagging' +25 \(2\.5%\)/);
  assert.match(text, /orders sent on a lagging book +3/);
  assert.match(text, /orders at the order manager before their tick's book: waited +4/);
  assert.match(text, /… executed on an older book \(the wait ran out\) +1/);
  assert.deepEqual(summary.unknownOrders, { unanswered: 2, abandoned: 1, lost: 0 });
  assert.match(text, /strategy orders of unknown state: unanswered \/ abandoned \/ lost +2 \/ 1 \/ 0/);
});
