/**
 * Exact recovery of `trading ordermanager` from a damaged trade log: a duplicated line
 * counts once, a forged huge execution id never makes two new fills share an id, and
 * garbage in the middle refuses the start (file and line named) until --repair-trade-log
 * moves it aside.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEPT_BY_SUPERVISOR_ENV, readSystemCounters, sampleValue } from '../../src/metrics/index.js';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { sealLine } from '../../src/ordermanager/line-checksum.js';
import { encodeFillLine } from '../../src/ordermanager/trade-log-line.js';
import { readTradeLog } from '../../src/ordermanager/trade-log-reader.js';
import { ExecutionStatus, MessageType, OrderType, Side, TimeInForce, type ExecutionReport } from '../../src/protocol/messages.js';
import { cleanupAll, spawnCli, stopChild, tempDir, waitForExit } from '../helpers/resources.js';
import { makeBook } from './fixtures.js';
import { OrderClient, TestBook, order, startOrderManager } from './process-helpers.js';

after(cleanupAll);

function fillLine(executionId: string, orderId: string, symbol: string, side: Side, quantity: number): string {
  const report: ExecutionReport = {
    type: MessageType.TRADE_EXECUTION,
    executionId,
    orderId,
    symbol,
    side,
    orderType: OrderType.LIMIT,
    timeInForce: TimeInForce.IOC,
    status: ExecutionStatus.FILLED,
    lastQuantity: quantity,
    lastPrice: toPriceUnits(100),
    orderPrice: toPriceUnits(100),
    orderQuantity: quantity,
    filledQuantity: quantity,
    leavesQuantity: 0,
    averagePrice: toPriceUnits(100),
    timestamp: 1_764_050_000,
    rejectCode: '',
    reason: '',
    tickSentNs: 0,
    orderSentNs: 0,
    sequence: 0,
  };
  return sealLine(encodeFillLine(report, 'old', 'taker', 1));
}

test('a duplicated line, a forged huge id and garbage in the middle: refused with file and line, exact after repair', { timeout: 30_000 }, async () => {
  const book = new TestBook(['AAPL', 'GOOGL']);
  try {
    const deep = makeBook({ bids: [[99.99, 10_000_000]], asks: [[100.01, 50], [100.02, 10_000_000]] });
    book.write('AAPL', deep);
    book.write('GOOGL', deep);
    const tradeLog = join(tempDir('om-recovery'), 'trades.log');
    const e1 = fillLine('E1', 'a', 'GOOGL', Side.SELL, 50);
    const e2 = fillLine('E2', 'b', 'GOOGL', Side.SELL, 20);
    const forged = fillLine('E9007199254740991', 'forged', 'AAPL', Side.BUY, 7);
    writeFileSync(tradeLog, e1 + e2 + e2 + forged + 'garbage \u0000 not a fill\n' + fillLine('E3', 'c', 'AAPL', Side.BUY, 3));

    // The garbage on line 5 refuses the start, naming the file and the line.
    const refused = spawnCli(['ordermanager', '--port', '0', '--shm', book.name, '--trade-log', tradeLog], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    refused.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    refused.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    assert.equal(await waitForExit(refused), 1, text);
    assert.match(text, /E_TRADE_LOG_CORRUPT/);
    assert.ok(text.includes(`${tradeLog} line 5`), text);
    assert.doesNotMatch(text, / ready /);

    // Repaired: the garbage moves beside the log, the duplicate counts once.
    const om = await startOrderManager(['--shm', book.name, '--trade-log', tradeLog, '--repair-trade-log'], { ipc: true, env: { [KEPT_BY_SUPERVISOR_ENV]: '1' } });
    assert.match(readFileSync(tradeLog + '.bad', 'utf8'), /^garbage/);
    book.write('AAPL', makeBook({ bids: [[99.99, 10_000_000]], asks: [[100.01, 50], [100.02, 10_000_000]], sequence: 1000 }));
    const client = await OrderClient.connect(om.port, 'binary', 'after-repair');
    client.send(order({ orderId: 'n1', symbol: 'AAPL', price: toPriceUnits(100.02), quantity: 60 })); // two levels: two fills
    await client.untilDone('n1');
    const ids = client.reports('n1').map((r) => r.executionId).filter((id) => id !== '');
    assert.deepEqual(ids, ['E9007199254740992', 'E9007199254740993'], `past the forged id, and never two fills on one id: ${JSON.stringify(client.reports('n1'))}`);

    client.close();
    om.child.send({ kind: 'shutdown' });
    assert.equal(await waitForExit(om.child), 0, om.output());
    // its final counters, in its counters segment (kept after the stop, as for a supervisor)
    const [counters] = readSystemCounters(book.name, ['ordermanager']);
    assert.equal(sampleValue(counters, 'recovered_fills'), 4, 'E1, E2 once, the forged line, E3');
    assert.equal(sampleValue(counters, 'fills'), 4 + 2, 'the recovered fills and the two new ones');
    assert.equal(sampleValue(counters, 'position_shares', 'GOOGL'), -70, 'the duplicated E2 counted once');
    assert.equal(sampleValue(counters, 'position_shares', 'AAPL'), 7 + 3 + 60);

    const { fills } = readTradeLog(tradeLog);
    const unique = new Set(fills.map((f) => f.executionId));
    assert.equal(unique.size, 6);
  } finally {
    book.close();
  }
});

test('a graceful stop leaves a checkpoint; the restart starts from it (no replay of the history), ids and duplicates carry on', { timeout: 30_000 }, async () => {
  const book = new TestBook(['AAPL']);
  try {
    book.write('AAPL', makeBook({ bids: [[99.99, 10_000_000]], asks: [[100.01, 10_000_000]], sequence: 5 }));
    const tradeLog = join(tempDir('om-checkpoint'), 'trades.log');
    const first = await startOrderManager(['--shm', book.name, '--trade-log', tradeLog]);
    const client = await OrderClient.connect(first.port, 'binary', 'cp');
    for (let i = 0; i < 30; i++) client.send(order({ orderId: `c${i}`, side: i % 2 === 0 ? Side.BUY : Side.SELL, price: toPriceUnits(i % 2 === 0 ? 100.01 : 99.99), quantity: 10 }));
    await client.untilDone('c29');
    client.close();
    assert.equal(await stopChild(first.child), 0, first.output());
    assert.match(readFileSync(tradeLog + '.checkpoint', 'utf8'), /"lastExecutionNumber":"30"/);

    book.write('AAPL', makeBook({ bids: [[99.99, 10_000_000]], asks: [[100.01, 10_000_000]], sequence: 6 }));
    const second = await startOrderManager(['--shm', book.name, '--trade-log', tradeLog]);
    assert.match(second.output(), /fromCheckpoint=true/);
    assert.match(second.output(), /recoveredFills=30\b/);
    const again = await OrderClient.connect(second.port, 'binary', 'cp');
    again.send(order({ orderId: 'c3', price: toPriceUnits(100.01), quantity: 1 }));
    again.send(order({ orderId: 'c30', price: toPriceUnits(100.01), quantity: 1 }));
    await again.untilDone('c3');
    await again.untilDone('c30');
    assert.equal(again.reports('c3')[0]?.rejectCode, 'E_ORDER_DUPLICATE_ID', 'an id from before the checkpoint is still a duplicate');
    assert.equal(again.reports('c30').find((r) => r.executionId !== '')?.executionId, 'E31', 'execution ids carry on');
    again.close();
    assert.equal(await stopChild(second.child), 0, second.output());
    const { fills } = readTradeLog(tradeLog);
    assert.equal(fills.length, 31);
  } finally {
    book.close();
  }
});
