/**
 * The counters segment: written by one process, read from outside; totals that survive a
 * restart of the writer; a live writer's segment never taken over.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  HISTOGRAM_BUCKETS,
  MetricsWriter,
  counterSegmentName,
  histogramBucketBound,
  histogramBucketIndex,
  histogramPercentile,
  openCounters,
  readSystemCounters,
  sampleValue,
} from '../../src/metrics/index.js';
import { renderPrometheus } from '../../src/metrics/prometheus.js';
import { cleanupAll, spawnNode, stopChild, uniqueShmName, waitForExit, waitForOutput } from '../helpers/resources.js';

after(cleanupAll);

const WRITER = fileURLToPath(new URL('./fixtures/counting-writer.js', import.meta.url));

test('histogram buckets: value v falls in the first bucket whose bound is ≥ v', () => {
  for (const value of [0, 0.5, 1, 1.5, 2, 3, 4, 5, 1000, 1024, 1025, 2 ** 20, 2 ** 28, 2 ** 28 + 1, 1e12]) {
    const index = histogramBucketIndex(value);
    assert.ok(value <= histogramBucketBound(index), `${value} ≤ bound of bucket ${index}`);
    if (index > 0) assert.ok(value > histogramBucketBound(index - 1), `${value} > bound of bucket ${index - 1}`);
  }
  assert.equal(histogramBucketIndex(1e12), HISTOGRAM_BUCKETS - 1);
  assert.equal(histogramBucketBound(HISTOGRAM_BUCKETS - 1), Number.POSITIVE_INFINITY);
});

test('a writer publishes counters, gauges and histograms that a reader sees; 0600; removed at close', () => {
  const shm = uniqueShmName('counters');
  const name = counterSegmentName(shm, 'strategy');
  let ticks = 0;
  const writer = MetricsWriter.open({
    component: 'strategy',
    shm,
    metrics: ['ticks', 'open_orders', 'order_to_ack'],
    publish: (w) => {
      w.set('ticks', ticks);
      w.set('open_orders', 3);
    },
    publishIntervalMs: 0,
  });
  try {
    assert.equal(statSync(`/dev/shm${name}`).mode & 0o777, 0o600);
    const ack = writer.histogram('order_to_ack');
    for (const us of [100, 200, 300, 5000]) ack.record(us);
    ticks = 42;
    writer.publishNow();
    const reader = openCounters(name);
    const snapshot = reader.snapshot();
    reader.close();
    assert.equal(snapshot.component, 'strategy');
    assert.equal(snapshot.alive, true);
    assert.equal(snapshot.starts, 1);
    assert.equal(sampleValue(snapshot, 'ticks'), 42);
    assert.equal(sampleValue(snapshot, 'open_orders'), 3);
    assert.ok(sampleValue(snapshot, 'process_resident_memory_bytes') > 0);
    const histogram = snapshot.histograms.find((h) => h.name === 'order_to_ack');
    assert.ok(histogram !== undefined);
    assert.equal(histogram.count, 4);
    assert.equal(histogram.sum, 5600);
    assert.equal(histogramPercentile(histogram, 50), 256);
    assert.equal(histogramPercentile(histogram, 100), 8192);
    assert.deepEqual(snapshot.counters.find((c) => c.name === 'ticks')?.labels, { component: 'strategy' });
  } finally {
    writer.close();
  }
  assert.equal(existsSync(`/dev/shm${name}`), false, 'removed at close');
});

test('labelled metrics: a symbol and an error code each get their own label, and Prometheus shows them', async () => {
  const shm = uniqueShmName('labels');
  const writer = MetricsWriter.open({ component: 'ordermanager', shm, metrics: ['position_shares', 'rejects_by_code', 'orders'], publishIntervalMs: 0 });
  try {
    writer.setLabelled('position_shares', 'AAPL', 100);
    writer.setLabelled('rejects_by_code', 'E_RISK_PRICE_COLLAR', 3);
    writer.setLabelled('position_shares', 'MSFT', -20);
    const [snapshot] = readSystemCounters(shm, ['ordermanager']);
    assert.equal(sampleValue(snapshot, 'position_shares', 'AAPL'), 100);
    assert.equal(sampleValue(snapshot, 'position_shares', 'MSFT'), -20);
    assert.equal(sampleValue(snapshot, 'rejects_by_code', 'E_RISK_PRICE_COLLAR'), 3);
    assert.equal(snapshot?.counters.filter((c) => c.name === 'position_shares').length, 2, 'a code is not a symbol');
    const text = await renderPrometheus(snapshot === undefined ? [] : [snapshot]);
    assert.match(text, /^ipc_trading_position_shares\{component="ordermanager",symbol="MSFT"\} -20$/m);
    assert.match(text, /^ipc_trading_rejects_by_code_total\{component="ordermanager",code="E_RISK_PRICE_COLLAR"\} 3$/m);
  } finally {
    writer.close();
  }
});

test('another process reads the counters segment of a running writer and sees them move', { timeout: 30_000 }, async () => {
  const shm = uniqueShmName('cross');
  const child = spawnNode(WRITER, [shm, '20000']);
  await waitForOutput(child, /^ready$/);
  const reader = openCounters(counterSegmentName(shm, 'ordermanager'));
  try {
    const first = reader.snapshot();
    const deadline = Date.now() + 10_000;
    let later = reader.snapshot();
    while (sampleValue(later, 'orders') < sampleValue(first, 'orders') + 50 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      later = reader.snapshot();
    }
    assert.equal(first.pid, child.pid);
    assert.ok(sampleValue(later, 'orders') >= sampleValue(first, 'orders') + 50, `orders moved: ${sampleValue(first, 'orders')} → ${sampleValue(later, 'orders')}`);
    const histogram = later.histograms.find((h) => h.name === 'tick_to_trade');
    assert.ok(histogram !== undefined && histogram.count > 0);
  } finally {
    reader.close();
  }
  assert.equal(await stopChild(child), 0);
  assert.equal(existsSync(`/dev/shm${counterSegmentName(shm, 'ordermanager')}`), false);
});

test('a restarted writer continues the totals of one killed with SIGKILL; a live one is refused', { timeout: 30_000 }, async () => {
  const shm = uniqueShmName('restart');
  const name = counterSegmentName(shm, 'ordermanager');
  const child = spawnNode(WRITER, [shm, '20000']);
  await waitForOutput(child, /^ready$/);
  assert.throws(() => MetricsWriter.open({ component: 'ordermanager', shm, metrics: ['orders', 'resting_orders', 'tick_to_trade'] }), { code: 'E_SHM_EXISTS' });
  const reader = openCounters(name);
  while (reader.value('orders') < 20) await new Promise((resolve) => setTimeout(resolve, 10));
  reader.close();
  child.kill('SIGKILL');
  await waitForExit(child);
  const [left] = readSystemCounters(shm, ['ordermanager']);
  assert.ok(left !== undefined && left.alive === false, 'the segment outlives its SIGKILLed writer, not alive');
  const countedBefore = sampleValue(left, 'orders');
  const ticksBefore = left.histograms[0]?.count ?? 0;

  let processCount = 0;
  const writer = MetricsWriter.open({
    component: 'ordermanager',
    shm,
    metrics: ['orders', 'resting_orders', 'tick_to_trade'],
    publish: (w) => w.set('orders', processCount),
    publishIntervalMs: 0,
  });
  try {
    assert.equal(writer.reattached, true);
    processCount = 5;
    writer.publishNow();
    const [after] = readSystemCounters(shm, ['ordermanager']);
    assert.equal(after?.starts, 2);
    assert.equal(after?.alive, true);
    assert.equal(sampleValue(after, 'orders'), countedBefore + 5, 'the new process adds to what the old one counted');
    assert.equal(after?.histograms[0]?.count, ticksBefore, 'histograms go on too');
  } finally {
    writer.close();
  }
});
