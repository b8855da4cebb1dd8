/**
 * `trading strategy` as a real process between a fake gateway, a fake order manager and a
 * real shared-memory book: it trades what the seed rule says, carries the gateway's tick
 * stamp, never trades on a stale book, follows a recreated segment, survives the order
 * manager going away, and stops cleanly.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { monotonicNs } from '../../src/core/clock.js';
import { OrderType, Side, TimeInForce } from '../../src/protocol/messages.js';
import { cleanupAll, spawnCli, stopChild, uniqueShmName, waitForExit } from '../helpers/resources.js';
import { FakeGateway, FakeOrderManager, StrategyChild, bookAround, liveWriter, startImbalanceStrategy } from './process-fakes.js';

after(cleanupAll);

const T = 1_700_000_000;

/** A writer for `symbols` that beats every 50 ms and says the feed is up. */

test('seed strategy: trades the rule with the tick stamp, refuses a stale book, follows a new segment and a restarted order manager', async () => {
  const gateway = new FakeGateway();
  let orderManager = new FakeOrderManager();
  await gateway.listen();
  const omPort = await orderManager.listen();
  const shm = uniqueShmName('strategy-process');
  // started before the segment exists: the orderbook may come up later
  const strategy = new StrategyChild([
    '--gateway', `127.0.0.1:${gateway.port}`,
    '--order-manager', `127.0.0.1:${omPort}`,
    '--shm', shm,
    '--cooldown-ms', '0',
    '--counters-interval-ms', '20',
    '--gateway-timeout-ms', '0',
    '--order-ack-timeout-ms', '1000',
  ]);
  const writers: { stop: () => void }[] = [];
  try {
    await strategy.waitReady();
    assert.equal(strategy.ready?.['gatewayConnected'], true);
    assert.equal(strategy.ready?.['orderManagerConnected'], true);
    assert.equal(strategy.ready?.['bookAttached'], false);
    await gateway.waitForHellos(1);
    await orderManager.waitForHellos(1);
    assert.equal(gateway.binaryHellos, 1, 'binary hello to the gateway');
    assert.equal(orderManager.binaryHellos, 1, 'binary hello to the order manager');
    await waitForSessions(strategy, 1);

    let book = liveWriter(shm, ['AAPL', 'MSFT']);
    writers.push(book);
    await strategy.waitForOutput(/book segment attached/);
    const aapl = book.writer.indexOf('AAPL');
    // The strategy reads the book when the tick arrives: write the next book only once it
    // has handled the previous tick (its counters say so), as an orderbook a tick ahead.
    let ticksSent = 0;
    const tick = async (mid: number, at: number, sentNs: number): Promise<void> => {
      const snapshot = bookAround(mid, at);
      book.writer.write(aapl, snapshot);
      gateway.sendTick('AAPL', snapshot, sentNs);
      const expected = ++ticksSent;
      await strategy.waitForCounters((c) => (c['ticks'] ?? 0) >= expected, `${expected} ticks handled`);
    };

    // news first: EMA 0.3 then 0.51, beyond the 0.2 threshold
    gateway.sendNews('AAPL', 1);
    gateway.sendNews('AAPL', 1);
    await tick(100, T, 1001); // window filling
    await tick(100, T + 10.5, 1002); // flat over 10 s: no signal
    await tick(100.1, T + 11, 1003); // +0.1 % over 10 s with positive news: BUY at the ask
    await orderManager.waitForOrders(1);
    const first = orderManager.orders[0]?.order;
    assert.ok(first !== undefined);
    assert.equal(first.symbol, 'AAPL');
    assert.equal(first.side, Side.BUY);
    assert.equal(first.orderType, OrderType.LIMIT);
    assert.equal(first.timeInForce, TimeInForce.IOC);
    assert.equal(first.price, 1_001_100, 'the best ask of the shared book');
    assert.equal(first.quantity, 100);
    assert.equal(first.tickSentNs, 1003, "the gateway's stamp of the tick that caused it");
    assert.ok(first.orderSentNs > 0 && first.orderSentNs <= monotonicNs());

    // the writer goes away: the same rising book is now stale and must not be traded
    book.stop();
    gateway.sendTick('AAPL', bookAround(100.1, T + 11.2), 2001);
    ticksSent++;
    await strategy.waitForCounters((c) => (c['stale_book_reads'] ?? 0) >= 1, 'a stale book read');
    // a restarted orderbook recreates the segment: the strategy adopts it and trades again
    book.writer.unlink();
    book = liveWriter(shm, ['AAPL', 'MSFT']);
    writers.push(book);
    await strategy.waitForOutput(/book segment replaced/);
    await tick(100.12, T + 12, 3001);
    await orderManager.waitForOrders(2);
    assert.deepEqual(
      orderManager.orders.map((o) => o.order.tickSentNs),
      [1003, 3001],
      'no order from the tick seen on a stale book',
    );

    // an order the order manager never answers, then the order manager goes away
    orderManager.answer = false;
    await tick(100.14, T + 12.5, 4001);
    await orderManager.waitForOrders(3);
    // past --order-ack-timeout-ms without a report: counted and named, once
    const silent = orderManager.orders[2]?.order.orderId ?? '';
    await strategy.waitForCounters((c) => (c['orders_unanswered'] ?? 0) >= 1, 'the silent order counted as unanswered');
    await strategy.waitForOutput(new RegExp(`WARN  strategy +order unanswered: .*orderId=${silent}`));
    await orderManager.close();
    await strategy.waitForCounters((c) => c['order_manager_connected'] === 0, 'the order manager lost');
    await tick(100.16, T + 12.7, 4501); // nowhere to send it: refused, counted
    await strategy.waitForCounters((c) => (c['not_connected_refusals'] ?? 0) >= 1, 'an order refused while disconnected');

    // the order manager comes back on its port, as another process (no resume): the
    // strategy reconnects, and only now, knowing its session was not resumed, abandons
    // the order nobody will report on
    orderManager = new FakeOrderManager();
    await orderManager.listen(omPort);
    await orderManager.waitForHellos(1);
    await strategy.waitForCounters((c) => (c['orders_abandoned'] ?? 0) === 1, 'its open order abandoned once the new session is open');
    await waitForSessions(strategy, 2);
    await tick(100.18, T + 13, 5001);
    await orderManager.waitForOrders(1);
    assert.equal(orderManager.orders[0]?.order.tickSentNs, 5001);

    assert.equal(await stopChild(strategy.child), 0, `clean exit; output:\n${strategy.output}`);
    await strategy.waitForCounters((c) => c['ticks'] === 8, 'the final counters');
    const final = strategy.counters;
    assert.equal(final['news'], 2);
    assert.equal(final['orders_sent'], 4);
    assert.equal(final['fills_received'], 3, 'three answered orders');
    assert.equal(final['strategy_position_shares.AAPL'], 300);
    assert.equal(final['orders_abandoned'], 1);
    assert.equal(final['orders_unanswered'], 1, 'the answered orders were answered within the timeout');
    assert.equal(final['order_yields'], 4, 'the core yielded once after each order written');
    assert.equal(final['open_orders'], 0);
    assert.ok((final['order_to_ack_count'] ?? 0) === 3 && (final['order_to_ack_sum'] ?? 0) > 0, JSON.stringify(final));
    assert.equal(final['bad_messages'], 0);
    assert.match(strategy.output, /INFO {2}strategy {5}stopped/);
  } catch (err) {
    console.error(JSON.stringify(strategy.counters), strategy.output);
    throw err;
  } finally {
    for (const writer of writers) writer.stop();
    await gateway.close();
    await orderManager.close();
  }
});

test("--book-source tick: trades on the tick's own levels the orderbook has not written, asks the gateway for priority, and not on a stale market", async () => {
  const gateway = new FakeGateway();
  const orderManager = new FakeOrderManager();
  await gateway.listen();
  const omPort = await orderManager.listen();
  const shm = uniqueShmName('strategy-tick-book');
  // the orderbook has written AAPL once, at sequence 1, and then falls silent on books
  const book = liveWriter(shm, ['AAPL']);
  const old = bookAround(100, T);
  old.sequence = 1;
  book.writer.write(book.writer.indexOf('AAPL'), old);
  const strategy = new StrategyChild([
    '--gateway', `127.0.0.1:${gateway.port}`,
    '--order-manager', `127.0.0.1:${omPort}`,
    '--shm', shm,
    '--book-source', 'tick',
    '--cooldown-ms', '0',
    '--no-order-yield',
    '--counters-interval-ms', '20',
    '--gateway-timeout-ms', '0',
  ]);
  try {
    await strategy.waitReady();
    await gateway.waitForHellos(1);
    assert.equal(gateway.priorityHellos, 1, 'the gateway is asked to write each tick to it first');
    assert.equal(orderManager.priorityHellos, 0, 'an order manager is not asked');
    await waitForSessions(strategy, 1);
    await strategy.waitForOutput(/book segment attached/);
    let sequence = 1;
    const tick = async (mid: number, at: number, sentNs: number): Promise<void> => {
      const snapshot = bookAround(mid, at);
      snapshot.sequence = ++sequence; // ahead of the shared book, which never catches up
      gateway.sendTick('AAPL', snapshot, sentNs);
      const handled = sequence - 1;
      await strategy.waitForCounters((c) => (c['ticks'] ?? 0) >= handled, `${handled} ticks handled`);
    };
    gateway.sendNews('AAPL', 1);
    gateway.sendNews('AAPL', 1);
    await tick(100, T, 1001);
    await tick(100, T + 10.5, 1002);
    await tick(100.1, T + 11, 1003); // +0.1 % over 10 s with positive news: BUY at the tick's ask
    await orderManager.waitForOrders(1);
    const first = orderManager.orders[0]?.order;
    assert.equal(first?.price, 1_001_100, "the tick's best ask, not the shared book's (1,000,100)");
    assert.equal(first?.tickSentNs, 1003);
    // the orderbook stops: the market is stale for this strategy too, whatever its ticks say
    book.stop();
    await tick(100.2, T + 11.5, 2001);
    await strategy.waitForCounters((c) => (c['stale_book_reads'] ?? 0) >= 1, 'a stale book read');
    assert.equal(await stopChild(strategy.child), 0, `clean exit; output:\n${strategy.output}`);
    await strategy.waitForCounters((c) => c['ticks'] === 4, 'the final counters');
    assert.equal(strategy.counters['orders_sent'], 1, 'no order on the stale market');
    assert.equal(strategy.counters['order_yields'], 0, '--no-order-yield: the core is kept');
    assert.equal(strategy.counters['book_lag_at_first_read'], 0, 'a tick is its own book: never behind');
    assert.equal(strategy.counters['book_lagged'], 0);
  } catch (err) {
    console.error(JSON.stringify(strategy.counters), strategy.output);
    throw err;
  } finally {
    book.stop();
    await gateway.close();
    await orderManager.close();
  }
});

test('the imbalance strategy is selected by --strategy imbalance and joins the bid with a DAY order, cancelled if the connection drops', async () => {
  const rig = await startImbalanceStrategy('strategy-imbalance', ['--counters-interval-ms', '50']);
  const { gateway, book, strategy } = rig;
  let orderManager = rig.orderManager;
  try {
    await strategy.waitReady();
    assert.equal(strategy.ready?.['strategy'], 'imbalance');
    assert.equal(strategy.ready?.['bookAttached'], true);
    await gateway.waitForHellos(1);
    await orderManager.waitForHellos(1);
    await waitForSessions(strategy, 1);
    const pressed = bookAround(250, T, 500, 100); // imbalance (1500 − 300) / 1800 = 0.67 > 0.5
    book.writer.write(0, pressed);
    gateway.sendTick('MSFT', pressed, 77);
    await orderManager.waitForOrders(1);
    const order = orderManager.orders[0]?.order;
    assert.equal(order?.side, Side.BUY);
    assert.equal(order?.timeInForce, TimeInForce.DAY);
    assert.equal(order?.price, 2_499_900, 'joins the best bid');
    assert.equal(order?.quantity, 7);
    assert.equal(order?.tickSentNs, 77);

    // The strategy keeps one order per symbol: it joins again only once it has handled
    // the FILLED report of the first. That report and the next tick travel on different
    // connections, so under load the tick can come first and find the order still open
    // (then no second order, ever: no other tick follows). Wait for the fill to be counted.
    await strategy.waitForCounters((c) => c['fills_received'] === 1, 'the first order filled');

    // the connection drops with the DAY order resting: once back, the strategy cancels it
    // rather than leave it filling for a strategy that no longer counts it
    const omPort = orderManager.port;
    orderManager.answer = false;
    gateway.sendTick('MSFT', pressed, 78);
    await orderManager.waitForOrders(2);
    const resting = orderManager.orders[1]?.order;
    await orderManager.close();
    orderManager = rig.orderManager = new FakeOrderManager();
    await orderManager.listen(omPort);
    await orderManager.waitForCancels(1);
    await strategy.waitForCounters((c) => c['orders_abandoned'] === 1, 'the resting DAY order abandoned');
    assert.deepEqual(orderManager.frameKinds, ['binary'], 'the cancel in binary, once our server answered');
    assert.equal(orderManager.cancels[0]?.orderId, resting?.orderId);
    assert.equal(orderManager.cancels[0]?.symbol, 'MSFT');
    await strategy.waitForCounters((c) => c['orphan_cancels_sent'] === 1, 'the cancel counted');
    assert.equal(await stopChild(strategy.child), 0);
  } catch (err) {
    console.error(JSON.stringify(strategy.counters), strategy.output);
    throw err;
  } finally {
    await rig.close();
  }
});

test('ready after --connect-wait-ms without the order manager, which it reaches once it is up', async () => {
  const gateway = new FakeGateway();
  await gateway.listen();
  const probe = new FakeOrderManager();
  const omPort = await probe.listen();
  await probe.close(); // a port with nobody on it (for now)
  const strategy = new StrategyChild([
    '--gateway', `127.0.0.1:${gateway.port}`,
    '--order-manager', `127.0.0.1:${omPort}`,
    '--shm', uniqueShmName('strategy-wait'),
    '--connect-wait-ms', '300',
  ]);
  const orderManager = new FakeOrderManager();
  try {
    await strategy.waitReady();
    assert.equal(strategy.ready?.['gatewayConnected'], true);
    assert.equal(strategy.ready?.['orderManagerConnected'], false);
    await orderManager.listen(omPort);
    await orderManager.waitForHellos(1);
    assert.equal(await stopChild(strategy.child), 0);
  } finally {
    await gateway.close();
    await orderManager.close();
  }
});

test('--keep-warm-ms: heartbeats to the order manager every few ms and the order path run dry, with no order sent', async () => {
  const gateway = new FakeGateway();
  const orderManager = new FakeOrderManager();
  await gateway.listen();
  const omPort = await orderManager.listen();
  const shm = uniqueShmName('strategy-warm');
  const strategy = new StrategyChild([
    '--gateway', `127.0.0.1:${gateway.port}`,
    '--order-manager', `127.0.0.1:${omPort}`,
    '--shm', shm,
    '--counters-interval-ms', '20',
    '--keep-warm-ms', '1',
  ]);
  const book = liveWriter(shm, ['AAPL']);
  try {
    await strategy.waitReady();
    await waitForSessions(strategy, 1);
    // one tick, at the price the book has: the seed rule sees no move, so it never trades
    const snapshot = bookAround(100, T);
    book.writer.write(book.writer.indexOf('AAPL'), snapshot);
    gateway.sendTick('AAPL', snapshot, monotonicNs());
    await strategy.waitForCounters((c) => (c['ticks'] ?? 0) >= 1, 'the tick handled');
    // the default heartbeat goes after a second of silence: 50 in a few seconds are the keep-warm ones
    const before = orderManager.heartbeats;
    await orderManager.waitForHeartbeats(before + 50);
    await strategy.waitForCounters((c) => (c['keep_warm_runs'] ?? 0) >= 50, '50 dry runs of the order path');
    assert.equal(orderManager.orders.length, 0, 'a dry run sends no order');
    assert.equal(strategy.counters['orders_sent'], 0);
    assert.equal(strategy.counters['strategy_errors'], 0);
    assert.equal(await stopChild(strategy.child), 0);
  } finally {
    book.stop();
    book.writer.unlink();
    await gateway.close();
    await orderManager.close();
  }
});

test('a bad flag exits 2 naming the field', async () => {
  for (const [args, field] of [
    [['--strategy', 'momentum'], /E_CONFIG_INVALID: strategy module momentum: not a built-in strategy \(seed, imbalance\) and no such file/],
    [['--imbalance-threshold', '2'], /--imbalance-threshold: must be ≤/],
    [['--lookback-ms=-5', '--order-manager', 'nowhere'], /--order-manager: "nowhere" is not HOST:PORT[\s\S]*--lookback-ms: must be ≥ 0/],
    [['--order-quantity', '50', '--max-position', '10'], /maxPosition \(10\) must be ≥ orderQuantity \(50\)/],
    [['--keep-warm-ms', '2000'], /--keep-warm-ms: must be ≤ 1000/],
  ] as const) {
    const child = spawnCli(['strategy', ...args]);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    assert.equal(await waitForExit(child), 2, args.join(' '));
    assert.match(stderr, field);
    assert.match(stderr, /E_CONFIG_INVALID/);
  }
});

/** Until the strategy's order-manager session has opened `count` times, and its gateway's once (it sends no order before). */
async function waitForSessions(strategy: StrategyChild, count: number): Promise<void> {
  await strategy.waitForOutput(new RegExp(`(strategy\\.ordermanager\\s+session open[^\\n]*\\n[^]*){${count}}`));
  await strategy.waitForOutput(/strategy\.gateway\s+session open/);
}
