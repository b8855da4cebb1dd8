/**
 * `trading ordermanager` on a full disk (a 64 KiB tmpfs): every order after the fault is
 * REJECTED E_TRADE_LOG_UNAVAILABLE (never silence), the log is cut back to its last
 * durable point, a start on the still-full disk is refused before `ready`, and once there
 * is room a restart finds exactly the fills that were reported.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { readTradeLog } from '../../src/ordermanager/trade-log-reader.js';
import { ExecutionStatus, Side } from '../../src/protocol/messages.js';
import { cleanupAll, spawnCli, stopChild, waitForExit } from '../helpers/resources.js';
import { TMPFS_SKIP, fillUp, mountTmpfs, unmountAll } from '../helpers/tmpfs.js';
import { makeBook } from './fixtures.js';
import { OrderClient, TestBook, isFinal, order, startOrderManager } from './process-helpers.js';

after(async () => {
  await cleanupAll();
  unmountAll();
});

test('disk full: every order after the fault is REJECTED E_TRADE_LOG_UNAVAILABLE; after room and a restart the log holds exactly the reported fills', { skip: TMPFS_SKIP, timeout: 60_000 }, async () => {
  const dir = mountTmpfs('64k');
  const book = new TestBook(['AAPL']);
  try {
    book.write('AAPL', makeBook({ bids: [[99.99, 100_000_000]], asks: [[100.01, 100_000_000]] }));
    const tradeLog = join(dir, 'trades.log');
    const om = await startOrderManager(['--shm', book.name, '--trade-log', tradeLog, '--orders-per-second', '1000000', '--order-burst', '1000000']);
    const client = await OrderClient.connect(om.port, 'binary', 'filler');

    // Orders in bursts until the disk is full and the first E_TRADE_LOG_UNAVAILABLE comes back.
    const unavailable = (): number => client.reports().filter((r) => r.rejectCode === 'E_TRADE_LOG_UNAVAILABLE').length;
    let sent = 0;
    const burst = (count: number): void => {
      for (let i = 0; i < count; i++, sent++) {
        client.send(order({ orderId: `d${sent}`, side: sent % 2 === 0 ? Side.BUY : Side.SELL, price: toPriceUnits(sent % 2 === 0 ? 100.01 : 99.99), quantity: 1 }));
      }
    };
    for (let round = 0; round < 400 && unavailable() === 0; round++) {
      burst(10);
      const before = sent;
      await client.until(() => client.reports().filter(isFinal).length >= before || unavailable() > 0, `answers to ${before} orders`, 10_000);
    }
    assert.ok(unavailable() > 0, 'the disk filled up');
    const faultAt = sent;
    burst(30);
    await client.until(() => new Set(client.reports().filter(isFinal).map((r) => r.orderId)).size >= sent, 'an answer to every order', 10_000);

    // Never silence: every order has a final report; after the fault every one is REJECTED E_TRADE_LOG_UNAVAILABLE.
    for (let i = 0; i < sent; i++) assert.ok(client.reports(`d${i}`).some(isFinal), `order d${i} was answered`);
    for (let i = faultAt; i < sent; i++) {
      const final = client.reports(`d${i}`).find(isFinal);
      assert.equal(final?.status, ExecutionStatus.REJECTED, `d${i}`);
      assert.equal(final?.rejectCode, 'E_TRADE_LOG_UNAVAILABLE', `d${i}`);
    }
    const reported = new Set(client.reports().filter((r) => r.executionId !== '').map((r) => r.executionId));
    assert.ok(reported.size > 10, `some fills were reported before the fault (${reported.size})`);
    client.close();
    assert.equal(await stopChild(om.child), 1, 'a stop after a journal failure is a failure');

    // Still full: the start is refused before ready, saying why.
    const filler = fillUp(dir);
    const refused = spawnCli(['ordermanager', '--port', '0', '--shm', book.name, '--trade-log', tradeLog], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    refused.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    refused.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    assert.equal(await waitForExit(refused), 1, text);
    assert.match(text, /E_TRADE_LOG_UNAVAILABLE: trade log: disk full \(ENOSPC\)/);
    assert.doesNotMatch(text, / ready /);

    // Room again: the restart recovers exactly the reported fills.
    unlinkSync(filler);
    execFileSync('mount', ['-o', 'remount,size=1m', dir]);
    const logged = readTradeLog(tradeLog);
    assert.equal(logged.recovery.corruptLines, 0);
    assert.deepEqual(new Set(logged.fills.map((f) => f.executionId)), reported, 'the log holds exactly the fills whose reports were sent');
    const again = await startOrderManager(['--shm', book.name, '--trade-log', tradeLog]);
    assert.match(again.output(), new RegExp(`recoveredFills=${reported.size}\\b`));
    assert.equal(await stopChild(again.child), 0, again.output());
  } finally {
    book.close();
  }
});
