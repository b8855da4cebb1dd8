/**
 * Durability of `trading ordermanager` under SIGKILL: every execution report a client
 * received is in the trade log exactly once, and a restarted process on the same log
 * rebuilds positions equal to the sum of the logged fills.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { KEPT_BY_SUPERVISOR_ENV, readSystemCounters, sampleValue } from '../../src/metrics/index.js';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { readTradeLog } from '../../src/ordermanager/trade-log-reader.js';
import { Side } from '../../src/protocol/messages.js';
import { cleanupAll, tempDir, waitForExit } from '../helpers/resources.js';
import { makeBook } from './fixtures.js';
import { OrderClient, TestBook, order, startOrderManager } from './process-helpers.js';

after(cleanupAll);

test('SIGKILL mid-stream: every report received is logged exactly once; the restart rebuilds positions from the log', { timeout: 30_000 }, async () => {
  const book = new TestBook(['AAPL', 'MSFT']);
  try {
    const deep = makeBook({ bids: [[99.99, 10_000_000]], asks: [[100.01, 10_000_000]] });
    book.write('AAPL', deep);
    book.write('MSFT', deep);
    const tradeLog = join(tempDir('om-kill'), 'trades.log');
    const first = await startOrderManager(['--shm', book.name, '--trade-log', tradeLog]);
    const client = await OrderClient.connect(first.port, 'binary', 'streamer');

    // Stream orders (pipelined, a batch per turn) until the connection dies under us.
    let sent = 0;
    const pump = (): void => {
      if (client.closed) return;
      for (let i = 0; i < 20; i++, sent++) {
        const buy = sent % 3 !== 0; // drifts long, so positions are not trivially flat
        client.send(
          order({
            orderId: `k${sent}`,
            symbol: sent % 2 === 0 ? 'AAPL' : 'MSFT',
            side: buy ? Side.BUY : Side.SELL,
            price: toPriceUnits(buy ? 100.01 : 99.99),
            quantity: 1 + (sent % 7),
          }),
        );
      }
      setImmediate(pump);
    };
    pump();
    await client.until(() => client.reports().filter((r) => r.executionId !== '').length >= 500, '500 fills reported', 10_000);
    first.child.kill('SIGKILL');
    assert.equal(await waitForExit(first.child), 'SIGKILL');
    await client.until(() => client.closed, 'the connection to drop');

    const received = client.reports().filter((r) => r.executionId !== '');
    const { fills } = readTradeLog(tradeLog);
    const logged = new Map<string, number>();
    for (const fill of fills) logged.set(fill.executionId, (logged.get(fill.executionId) ?? 0) + 1);
    assert.equal(logged.size, fills.length, 'execution ids are unique in the log');
    for (const report of received) {
      assert.equal(logged.get(report.executionId), 1, `reported fill ${report.executionId} is in the log once`);
    }
    const byId = new Map(fills.map((f) => [f.executionId, f]));
    for (const report of received) {
      const fill = byId.get(report.executionId);
      assert.equal(fill?.orderId, report.orderId);
      assert.equal(fill?.quantity, report.lastQuantity);
    }
    assert.ok(fills.length >= received.length);

    // Restart on the same log; its final counters say what it rebuilt. It re-attaches to the
    // counters segment the killed one left, and keeps it after its stop as for a supervisor.
    const second = await startOrderManager(['--shm', book.name, '--trade-log', tradeLog], { ipc: true, env: { [KEPT_BY_SUPERVISOR_ENV]: '1' } });
    second.child.send({ kind: 'shutdown' });
    assert.equal(await waitForExit(second.child), 0, second.output());
    const [snapshot] = readSystemCounters(book.name, ['ordermanager']);
    assert.ok(snapshot !== undefined, 'the counters segment is kept for the supervisor');
    assert.equal(snapshot.starts, 2, 'the restarted process continued the counters of the killed one');
    const counter = (name: string, symbol?: string): number => sampleValue(snapshot, name, symbol);

    const net = (symbol: string): number =>
      fills.filter((f) => f.symbol === symbol).reduce((sum, f) => sum + (f.side === Side.BUY ? f.quantity : -f.quantity), 0);
    assert.equal(counter('recovered_fills'), fills.length);
    assert.equal(counter('fills'), fills.length);
    assert.equal(counter('filled_shares'), fills.reduce((sum, f) => sum + f.quantity, 0));
    assert.equal(counter('position_shares', 'AAPL'), net('AAPL'));
    assert.equal(counter('position_shares', 'MSFT'), net('MSFT'));
    assert.equal(counter('position_abs_shares'), Math.abs(net('AAPL')) + Math.abs(net('MSFT')));
    assert.ok(net('AAPL') > 0, 'a non-trivial position');
  } finally {
    book.close();
  }
});
