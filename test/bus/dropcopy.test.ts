/**
 * Executions as a stream, against a real nats-server with JetStream: the order manager
 * mirrors every durable fill into EXECUTIONS in the trade log's order, once each, and
 * `trading dropcopy` reads them back; fills made before the bus existed (an order manager
 * run without --bus) and while nats-server restarts are caught up, so the drop copy ends
 * equal to the trade log.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { setLogLevel } from '../../src/core/log.js';
import { Side } from '../../src/protocol/messages.js';
import { readTradeLog } from '../../src/ordermanager/trade-log-reader.js';
import { cleanupAll, spawnCli, stopChild, tempDir, uniqueShmName, waitForExit } from '../helpers/resources.js';
import { NATS_SKIP, startNatsServer } from '../helpers/nats-server.js';
import { standardBook } from '../ordermanager/fixtures.js';
import { OrderClient, TestBook, order, startOrderManager } from '../ordermanager/process-helpers.js';

setLogLevel('warn');
after(cleanupAll);

const LIMITS = ['--orders-per-second', '10000', '--order-burst', '10000'];

let bookSequence = 1;

/**
 * `count` orders of 150 (two fills each: 100 @ 100.01 and 50 @ 100.02, or the bids' mirror),
 * buys and sells in turn, each against a fresh book (a book's liquidity is taken once).
 */
async function trade(book: TestBook, client: OrderClient, prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    book.write('AAPL', standardBook(++bookSequence));
    const buy = i % 2 === 0;
    client.send(order({ orderId: `${prefix}${i}`, side: buy ? Side.BUY : Side.SELL, quantity: 150, price: toPriceUnits(buy ? 100.02 : 99.97) }));
    await client.untilDone(`${prefix}${i}`);
  }
}

async function dropCopy(url: string, count: number): Promise<Record<string, unknown>[]> {
  const child = spawnCli(['dropcopy', '--bus', url, '--json', '--count', String(count), '--shm', uniqueShmName('platform-dc')]);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await waitForExit(child);
  clearTimeout(timer);
  assert.equal(code, 0, `dropcopy exit: ${err}`);
  return out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('every durable fill reaches the drop copy once and in order, across a run without the bus and a nats-server restart', { skip: NATS_SKIP, timeout: 40_000 }, async () => {
  const server = await startNatsServer();
  const book = new TestBook(['AAPL']);
  const tradeLog = join(tempDir('dropcopy'), 'trades.log');
  try {
    book.write('AAPL', standardBook(1));
    // 1. no bus: 3 orders, 6 fills only in the trade log
    let om = await startOrderManager(['--shm', book.name, '--trade-log', tradeLog, ...LIMITS]);
    let client = await OrderClient.connect(om.port, 'binary', 'dc');
    await trade(book, client, 'a', 3);
    client.close();
    await stopChild(om.child);

    // 2. with the bus: the 6 older fills are read back from the log, then this run's follow
    om = await startOrderManager(['--shm', book.name, '--trade-log', tradeLog, '--bus', server.url, ...LIMITS]);
    client = await OrderClient.connect(om.port, 'binary', 'dc');
    await trade(book, client, 'b', 4);
    // 3. nats-server restarts while the order manager keeps trading: those fills wait
    await server.stop();
    await trade(book, client, 'c', 5);
    await server.restart();
    await trade(book, client, 'd', 3);

    const logged = readTradeLog(tradeLog).fills.map((fill) => fill.executionId);
    assert.equal(logged.length, 2 * (3 + 4 + 5 + 3));
    const copies = await dropCopy(server.url, logged.length);
    assert.deepEqual(copies.map((c) => c['execution_id']), logged, 'the drop copy equals the trade log, in its order');
    assert.deepEqual(copies.map((c) => c['sequence']), logged.map((_, i) => i + 1), 'stream sequences 1..N: no duplicate, no gap');
    assert.deepEqual(copies[0], {
      sequence: 1, execution_id: logged[0], order_id: 'a0', symbol: 'AAPL', side: 'BUY', quantity: 100, execution_price: 100.01, order_price: 100.02,
      timestamp: copies[0]?.['timestamp'], status: 'PARTIALLY_FILLED', order_type: 'LIMIT', time_in_force: 'IOC', order_quantity: 150,
      filled_quantity: 100, leaves_quantity: 50, average_price: 100.01,
    });

    // the stream holds exactly those: no extra message hides behind --count
    const nc = await connect({ servers: server.url });
    const info = await (await jetstreamManager(nc)).streams.info('EXECUTIONS');
    assert.equal(info.state.messages, logged.length);
    await nc.close();

    // 4. a restarted order manager finds the stream caught up and sends nothing twice
    client.close();
    assert.equal(await stopChild(om.child), 0);
    assert.match(om.output(), /fills read back from the trade log for the stream fills=6 after="\(empty stream\)"/);
    om = await startOrderManager(['--shm', book.name, '--trade-log', tradeLog, '--bus', server.url, ...LIMITS]);
    client = await OrderClient.connect(om.port, 'binary', 'dc');
    await trade(book, client, 'e', 1);
    const after2 = readTradeLog(tradeLog).fills.map((fill) => fill.executionId);
    const copies2 = await dropCopy(server.url, after2.length);
    assert.deepEqual(copies2.map((c) => c['execution_id']), after2);

    // 5. the server loses what it had acknowledged (here its whole store; a crash loses the
    //    unsynced tail): the next publish fails, and every fill missing is sent again from the log
    await server.stop();
    rmSync(server.storeDir, { recursive: true, force: true });
    await server.restart();
    await trade(book, client, 'f', 1);
    const after3 = readTradeLog(tradeLog).fills.map((fill) => fill.executionId);
    const copies3 = await dropCopy(server.url, after3.length);
    assert.deepEqual(copies3.map((c) => c['execution_id']), after3, 'the whole trade log again, in order');
    client.close();
    assert.equal(await stopChild(om.child), 0);
  } finally {
    book.close();
    await server.stop();
  }
});
