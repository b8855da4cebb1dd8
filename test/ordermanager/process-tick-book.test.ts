/**
 * `trading ordermanager` and an order made on a tick newer than the shared book (a strategy
 * trading on its ticks, --book-source tick, beat the orderbook): it waits for that book
 * (--tick-book-wait-us) and executes against it, or against the book there is once the wait
 * runs out; both are counted. Meanwhile another client is served, and what the waiting
 * order's client sent after it follows it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { KEPT_BY_SUPERVISOR_ENV, readSystemCounters, sampleValue } from '../../src/metrics/index.js';
import { ExecutionStatus } from '../../src/protocol/messages.js';
import { cleanupAll, tempDir, waitForExit } from '../helpers/resources.js';
import { makeBook, standardBook } from './fixtures.js';
import { OrderClient, order, startOrderManager, withTestBook } from './process-helpers.js';

after(cleanupAll);

/** Long beside the 150 ms the test takes to write the book: a loaded machine must not end the wait first. */
const WAIT_MS = 1_000;

test("an order ahead of its tick's book waits for it, and executes on the book there is once the wait runs out", () =>
  withTestBook(['AAPL'], async (book) => {
    const first = standardBook(1); // asks from 100.01
    first.sentNs = 1_000;
    book.write('AAPL', first);
    const tradeLog = join(tempDir('om-tick-book'), 'trades.log');
    const om = await startOrderManager(['--shm', book.name, '--trade-log', tradeLog, '--tick-book-wait-us', String(WAIT_MS * 1000)], {
      ipc: true,
      env: { [KEPT_BY_SUPERVISOR_ENV]: '1' },
    });
    const client = await OrderClient.connect(om.port, 'binary', 'tester');
    const other = await OrderClient.connect(om.port, 'binary', 'other');
    try {
      // made on a tick the book already has: no wait
      client.send(order({ orderId: 'on-book', quantity: 10, price: toPriceUnits(100.01), tickSentNs: 900 }));
      await client.untilDone('on-book');
      assert.equal(client.reports('on-book').at(-1)?.lastPrice, toPriceUnits(100.01));

      // made on tick 2,000, which the orderbook writes 150 ms later: executed against that book
      client.send(order({ orderId: 'waits', quantity: 10, price: toPriceUnits(100.06), tickSentNs: 2_000 }));
      // its client's next order waits behind it; another client's is answered meanwhile
      client.send(order({ orderId: 'behind', quantity: 10, price: toPriceUnits(100.06) }));
      other.send(order({ orderId: 'meanwhile', quantity: 10, price: toPriceUnits(100.06) }));
      await other.untilDone('meanwhile');
      assert.equal(other.reports('meanwhile').at(-1)?.lastPrice, toPriceUnits(100.01), 'on the book there is');
      assert.equal(client.reports('waits').length + client.reports('behind').length, 0, 'the waiting order and the one behind it: not yet');
      await new Promise((resolve) => setTimeout(resolve, 150));
      const second = makeBook({ bids: [[100.03, 100]], asks: [[100.05, 100], [100.06, 100]], sequence: 2 });
      second.sentNs = 2_000;
      book.write('AAPL', second);
      await client.untilDone('waits');
      const waited = client.reports('waits').at(-1);
      assert.equal(waited?.status, ExecutionStatus.FILLED);
      assert.equal(waited?.lastPrice, toPriceUnits(100.05), "the book of the order's tick, not the one it arrived on (100.01)");
      await client.untilDone('behind');
      const finals = client.reports().filter((r) => r.status === ExecutionStatus.FILLED).map((r) => r.orderId);
      assert.deepEqual(finals.slice(-2), ['waits', 'behind'], 'in the order they were sent');

      // made on tick 3,000, which never comes: after the wait, against the book there is
      const sentAt = performance.now();
      client.send(order({ orderId: 'runs-out', quantity: 10, price: toPriceUnits(100.06), tickSentNs: 3_000 }));
      await client.untilDone('runs-out');
      assert.ok(performance.now() - sentAt >= WAIT_MS * 0.9, `answered after the wait (${(performance.now() - sentAt).toFixed(0)} ms)`);
      assert.equal(client.reports('runs-out').at(-1)?.lastPrice, toPriceUnits(100.05));
    } finally {
      client.close();
      other.close();
      om.child.send({ kind: 'shutdown' });
      assert.equal(await waitForExit(om.child), 0, om.output());
    }
    const [snapshot] = readSystemCounters(book.name, ['ordermanager']);
    assert.ok(snapshot !== undefined);
    assert.equal(sampleValue(snapshot, 'orders_waited_for_book'), 2);
    assert.equal(sampleValue(snapshot, 'orders_ahead_of_book'), 1, 'executed on an older book once the wait ran out');
  }));
