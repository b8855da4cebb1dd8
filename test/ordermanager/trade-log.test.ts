import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, TradingError } from '../../src/core/errors.js';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { setLogSink } from '../../src/core/log.js';
import { ExecutionStatus, MessageType, OrderType, Side, TimeInForce, type ExecutionReport } from '../../src/protocol/messages.js';
import type { LoggedFill, OrderEvent } from '../../src/ordermanager/execution-journal.js';
import { TradeLog } from '../../src/ordermanager/trade-log.js';
import { readTradeLog } from '../../src/ordermanager/trade-log-reader.js';
import { encodeFillLine, parseFillLine, createLoggedFill } from '../../src/ordermanager/trade-log-line.js';
import { sealLine } from '../../src/ordermanager/line-checksum.js';
import { cleanupAll, tempDir } from '../helpers/resources.js';
import { failingFdatasync, wrapFdatasync, wrapFdatasyncSync } from './fixtures.js';

after(cleanupAll);

const logLines: string[] = [];
setLogSink((line) => logLines.push(line));

let executionNumber = 0;
function fillReport(fields: Partial<ExecutionReport> = {}): ExecutionReport {
  executionNumber++;
  return {
    type: MessageType.TRADE_EXECUTION,
    executionId: `E${executionNumber}`,
    orderId: `order-${executionNumber}`,
    symbol: 'AAPL',
    side: Side.BUY,
    orderType: OrderType.LIMIT,
    timeInForce: TimeInForce.IOC,
    status: ExecutionStatus.FILLED,
    lastQuantity: 100,
    lastPrice: toPriceUnits(189.49),
    orderPrice: toPriceUnits(189.5),
    orderQuantity: 100,
    filledQuantity: 100,
    leavesQuantity: 0,
    averagePrice: toPriceUnits(189.49),
    timestamp: 1_764_050_000.123,
    rejectCode: '',
    reason: '',
    tickSentNs: 1,
    orderSentNs: 2,
    sequence: 0,
    ...fields,
  };
}

function recoverAll(log: TradeLog): { fills: LoggedFill[]; events: OrderEvent[]; orderIds: string[]; summary: ReturnType<TradeLog['recover']> } {
  const fills: LoggedFill[] = [];
  const events: OrderEvent[] = [];
  const orderIds: string[] = [];
  const summary = log.recover({
    onOrderEvent: (event) => events.push({ ...event }),
    onFill: (fill) => fills.push({ ...fill }),
    onOrderId: (id) => orderIds.push(id),
  });
  return { fills, events, orderIds, summary };
}

/** A new, empty trade log in its own folder, recovered and ready for appends. */
function openFreshLog(options?: Parameters<typeof TradeLog.open>[1]): { path: string; log: TradeLog } {
  const path = join(tempDir('oms-log'), 'trades.log');
  const log = TradeLog.open(path, options);
  recoverAll(log);
  return { path, log };
}

test('a fill line carries the seed fields with decimal prices, then ours', () => {
  const line = encodeFillLine(fillReport({ orderId: 'quote"d', executionId: 'E5' }), 'strategy', 'taker', 42);
  assert.ok(line.endsWith('}\n'));
  const parsed = JSON.parse(line) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed).slice(0, 9), [
    'execution_id',
    'order_id',
    'symbol',
    'side',
    'quantity',
    'order_price',
    'execution_price',
    'timestamp',
    'status',
  ]);
  assert.equal(parsed['order_id'], 'quote"d');
  assert.equal(parsed['execution_price'], 189.49);
  assert.equal(parsed['order_price'], 189.5);
  assert.equal(parsed['status'], 'FILLED');
  assert.equal(parsed['time_in_force'], 'IOC');
  assert.equal(parsed['client'], 'strategy');
  assert.equal(parsed['book_sequence'], 42);
  const back = createLoggedFill();
  assert.equal(parseFillLine(line.trimEnd(), back), true);
  assert.equal(back.executionNumber, 5n);
  assert.equal(back.executionPrice, toPriceUnits(189.49));
  assert.equal(back.orderId, 'quote"d');
});

test('a seed-format line (no fields of ours) is a valid fill', () => {
  const fill = createLoggedFill();
  const seed = '{"execution_id": "EXEC_1", "order_id": "ORD_1", "symbol": "AAPL", "side": "SELL", "quantity": 10, "order_price": 150.25, "execution_price": 150.2, "timestamp": 1700000000.5, "status": "FILLED"}';
  assert.equal(parseFillLine(seed, fill), true);
  assert.equal(fill.side, Side.SELL);
  assert.equal(fill.executionNumber, 0n, 'not one of our ids');
  assert.equal(fill.executionPrice, 1_502_000);
  for (const bad of ['{"execution_id":"E1"}', '[1]', 'null', '{"execution_id":"E1","order_id":"o","symbol":"A","side":"BUY","quantity":1.5,"execution_price":1}']) {
    assert.equal(parseFillLine(bad, fill), false, bad);
  }
});

test('durability: the listener hears of a fill only after its fdatasync completed, and the line is in the file', async () => {
  const { path, log } = openFreshLog();
  const events: string[] = [];
  const restore = wrapFdatasync((fd, callback, original) => {
    events.push('sync-start');
    original(fd, (err) => {
      events.push('sync-done');
      callback(err);
    });
  });
  try {
    log.setListener({
      onDurable: (durable) => {
        events.push(`durable ${durable}`);
        assert.match(readFileSync(path, 'utf8'), /"execution_id":"E\d+"/);
      },
      onFailure: () => assert.fail('no failure expected'),
    });
    const position = log.append(fillReport(), 'c1', 'taker', 1);
    assert.equal(position, 1);
    assert.equal(log.appendedCount, 1);
    assert.equal(log.durableCount, 0, 'not durable on return from append');
    await log.flush();
    assert.equal(log.durableCount, 1);
    assert.deepEqual(events, ['sync-start', 'sync-done', 'durable 1']);
  } finally {
    restore();
    await log.close();
  }
});

test('group commit: one burst is one commit; appends during a commit form the next one', async () => {
  const { path, log } = openFreshLog();
  let syncs = 0;
  const durableSeen: number[] = [];
  log.setListener({ onDurable: (d) => durableSeen.push(d), onFailure: () => assert.fail('no failure') });
  const restore = wrapFdatasync((fd, callback, original) => {
    syncs++;
    // While the first commit is in flight, 500 more fills arrive.
    if (syncs === 1) for (let i = 0; i < 500; i++) log.append(fillReport(), 'c1', 'taker', 2);
    original(fd, callback);
  });
  try {
    for (let i = 0; i < 1000; i++) log.append(fillReport(), 'c1', 'taker', 1);
    await log.flush(); // the first 1000
    assert.equal(log.durableCount, 1000);
    assert.equal(log.appendedCount, 1500);
    await log.flush(); // the 500 that arrived during the first commit
    assert.equal(syncs, 2);
    assert.deepEqual(durableSeen, [1000, 1500]);
    assert.deepEqual({ ...log.stats }, { commits: 2, linesCommitted: 1500, largestBatch: 1000, fillsCommitted: 1500 });
    assert.equal(readFileSync(path, 'utf8').split('\n').length, 1501);
  } finally {
    restore();
    await log.close();
  }
});

// The same failure on either path of a commit: the threadpool's fdatasync or the inline one.
const failedSyncCases = [
  {
    name: 'a failed fdatasync fails the log for good: listener told once, flush rejects, append throws',
    options: {},
    failSync: () => wrapFdatasync(failingFdatasync),
  },
  {
    name: 'a failed inline fdatasync fails the log for good, as a threadpool one does',
    options: { syncCommitMaxLines: 8 },
    failSync: () =>
      wrapFdatasyncSync(() => {
        const err: NodeJS.ErrnoException = new Error('EIO: i/o error');
        err.code = 'EIO';
        throw err;
      }),
  },
];
for (const c of failedSyncCases) {
  test(c.name, async () => {
    const { path, log } = openFreshLog(c.options);
    const failures: TradingError[] = [];
    const durable: number[] = [];
    log.setListener({ onDurable: (d) => durable.push(d), onFailure: (e) => failures.push(e) });
    const restore = c.failSync();
    try {
      log.append(fillReport(), 'c1', 'taker', 1);
      await assert.rejects(log.flush(), { code: ErrorCode.TRADE_LOG_UNAVAILABLE });
      assert.equal(failures.length, 1);
      assert.match(failures[0]?.message ?? '', /^trade log: I\/O error \(EIO\) \(fdatasync of /);
      assert.equal(readFileSync(path, 'utf8'), '', 'cut back to the last durable point');
      assert.deepEqual(durable, [], 'nothing was ever durable');
      assert.throws(() => log.append(fillReport(), 'c1', 'taker', 1), { code: ErrorCode.TRADE_LOG_UNAVAILABLE });
      await assert.rejects(log.flush(), { code: ErrorCode.TRADE_LOG_UNAVAILABLE });
    } finally {
      restore();
      await log.close().catch(() => undefined);
    }
  });
}

test('small commits sync on this thread, after the write and before the listener; larger ones use the threadpool', async () => {
  const { path, log } = openFreshLog({ syncCommitMaxLines: 8 });
  const events: string[] = [];
  const restorePool = wrapFdatasync((fd, callback, original) => {
    events.push('pool-sync');
    original(fd, callback);
  });
  const restoreInline = wrapFdatasyncSync((fd, original) => {
    assert.match(readFileSync(path, 'utf8'), /"execution_id":"E\d+"/, 'written before the sync');
    events.push('inline-sync');
    original(fd);
  });
  try {
    log.setListener({ onDurable: (durable) => events.push(`durable ${durable}`), onFailure: () => assert.fail('no failure expected') });
    log.append(fillReport(), 'c1', 'taker', 1);
    assert.equal(log.durableCount, 0, 'not durable on return from append');
    await log.flush();
    assert.deepEqual(events, ['inline-sync', 'durable 1']);
    events.length = 0;
    for (let i = 0; i < 9; i++) log.append(fillReport(), 'c1', 'taker', 1);
    await log.flush();
    assert.deepEqual(events, ['pool-sync', 'durable 10'], 'nine lines are more than eight: threadpool');
    assert.equal(readFileSync(path, 'utf8').split('\n').length, 11);
  } finally {
    restorePool();
    restoreInline();
    await log.close();
  }
});

test('a small batch made during a threadpool commit syncs on this thread only after the listener heard of that commit', async () => {
  const { log } = openFreshLog({ syncCommitMaxLines: 8 });
  const events: string[] = [];
  const restorePool = wrapFdatasync((fd, callback, original) => {
    events.push('pool-sync');
    original(fd, callback);
  });
  const restoreInline = wrapFdatasyncSync((fd, original) => {
    events.push('inline-sync');
    original(fd);
  });
  try {
    log.setListener({ onDurable: (durable) => events.push(`durable ${durable}`), onFailure: () => assert.fail('no failure expected') });
    for (let i = 0; i < 9; i++) log.append(fillReport(), 'c1', 'taker', 1);
    await Promise.resolve(); // the commit of nine starts (threadpool)
    log.append(fillReport(), 'c1', 'taker', 1); // one more while it is in flight
    await log.flush();
    // the reports of the nine go out before the one line's sync blocks this thread
    assert.deepEqual(events, ['pool-sync', 'durable 9', 'inline-sync', 'durable 10']);
  } finally {
    restorePool();
    restoreInline();
    await log.close();
  }
});

test('an unwritable path is E_TRADE_LOG_UNWRITABLE with the path in the message', () => {
  const dir = tempDir('oms-log');
  for (const path of [join(dir, 'missing-dir', 'trades.log'), dir]) {
    assert.throws(
      () => TradeLog.open(path),
      (err: unknown) => err instanceof TradingError && err.code === ErrorCode.TRADE_LOG_UNWRITABLE && err.message.includes(path),
    );
  }
});

test('recovery: a corrupt middle line refuses the start naming file and line; the repair moves it and the torn tail aside', async () => {
  const dir = tempDir('oms-log');
  const path = join(dir, 'trades.log');
  const first = sealLine(encodeFillLine(fillReport({ executionId: 'E1', orderId: 'a' }), 'c1', 'taker', 1));
  const third = sealLine(encodeFillLine(fillReport({ executionId: 'E3', orderId: 'c', side: Side.SELL, lastQuantity: 40 }), 'c1', 'taker', 1));
  const tornFourth = sealLine(encodeFillLine(fillReport({ executionId: 'E4', orderId: 'd' }), 'c1', 'taker', 1)).slice(0, 60);
  writeFileSync(path, first + '{"execution_id":"E2","order_id":"b","sym\u0000garbage\n' + '\n' + third + tornFourth);
  logLines.length = 0;

  const refused = TradeLog.open(path);
  assert.throws(() => recoverAll(refused), (err: unknown) => {
    assert.ok(err instanceof TradingError && err.code === ErrorCode.TRADE_LOG_CORRUPT);
    assert.match(err.message, new RegExp(`${path.replace(/[.]/g, '[.]')} line 2: `));
    assert.match(err.message, /--repair-trade-log/);
    return true;
  });
  await refused.close();

  const log = TradeLog.open(path, { repair: true });
  const { fills, orderIds, summary } = recoverAll(log);
  assert.deepEqual(
    fills.map((f) => [f.executionId, f.orderId, f.side, f.quantity]),
    [
      ['E1', 'a', Side.BUY, 100],
      ['E3', 'c', Side.SELL, 40],
    ],
  );
  assert.equal(summary.tradeLog.records, 2);
  assert.equal(summary.tradeLog.corruptLines, 0);
  assert.equal(summary.repairedLines, 2);
  assert.equal(summary.lastExecutionNumber, 4n, 'ids read from moved lines still count');
  assert.deepEqual(orderIds.sort(), ['a', 'b', 'c', 'd']);
  const bad = readFileSync(path + '.bad', 'utf8');
  assert.match(bad, /"execution_id":"E2","order_id":"b","sym/);
  assert.ok(bad.includes(tornFourth));

  log.append(fillReport({ executionId: 'E5', orderId: 'e' }), 'c1', 'taker', 1);
  await log.close();
  const lines = readFileSync(path, 'utf8').split('\n');
  assert.equal(lines[lines.length - 1], '', 'ends with a newline');
  assert.match(lines[lines.length - 2] ?? '', /^\{"execution_id":"E5".*,"crc32c":"[0-9a-f]{8}"\}$/, 'the new fill is a sealed line of its own');

  const read = readTradeLog(path);
  assert.deepEqual(read.fills.map((f) => f.executionId), ['E1', 'E3', 'E5'], 'the read-only reader agrees');

  const again = TradeLog.open(path);
  const second = recoverAll(again);
  assert.equal(second.summary.tradeLog.records, 3);
  assert.equal(second.summary.tradeLog.corruptLines, 0);
  assert.equal(second.summary.lastExecutionNumber, 5n);
  await again.close();
});

test('recovery: a torn last line is cut off (kept beside the log) so that later appends never bury it', async () => {
  const path = join(tempDir('oms-log'), 'trades.log');
  const whole = sealLine(encodeFillLine(fillReport({ executionId: 'E1', orderId: 'a' }), 'c1', 'taker', 1));
  const torn = sealLine(encodeFillLine(fillReport({ executionId: 'E2', orderId: 'b' }), 'c1', 'taker', 1)).slice(0, 80);
  writeFileSync(path, whole + torn);
  const log = TradeLog.open(path);
  const { summary } = recoverAll(log);
  assert.equal(summary.tradeLog.tornTail, true);
  assert.equal(summary.tradeLog.corruptBeforeTail, 0);
  assert.equal(summary.lastExecutionNumber, 2n, 'the torn line\'s id stays used');
  assert.equal(readFileSync(path, 'utf8'), whole, 'cut back to the last whole line');
  assert.equal(readFileSync(path + '.bad', 'utf8'), torn + '\n');
  log.append(fillReport({ executionId: 'E3', orderId: 'c' }), 'c1', 'taker', 1);
  await log.close();
  const again = TradeLog.open(path);
  assert.deepEqual(recoverAll(again).fills.map((f) => f.executionId), ['E1', 'E3']);
  await again.close();
});

test('recovery: a flipped byte in a sealed line is caught by its checksum', async () => {
  const { path, log } = openFreshLog();
  for (let i = 0; i < 3; i++) log.append(fillReport({ lastQuantity: 100 }), 'c1', 'taker', 1);
  await log.close();
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  lines[1] = (lines[1] ?? '').replace('"quantity":100', '"quantity":900'); // still valid JSON, still a fill
  writeFileSync(path, lines.join('\n'));
  const again = TradeLog.open(path);
  assert.throws(() => recoverAll(again), { code: ErrorCode.TRADE_LOG_CORRUPT, message: /line 2: its checksum does not match/ });
  await again.close();
});

test('recovery: a duplicated line counts once, and a forged huge id never makes two fills share an id', async () => {
  const path = join(tempDir('oms-log'), 'trades.log');
  const e1 = sealLine(encodeFillLine(fillReport({ executionId: 'E1', orderId: 'a', symbol: 'GOOGL', side: Side.SELL, lastQuantity: 70 }), 'c1', 'taker', 1));
  const forged = sealLine(encodeFillLine(fillReport({ executionId: 'E9007199254740991', orderId: 'f', symbol: 'MSFT', lastQuantity: 5 }), 'c1', 'taker', 1));
  const e2 = sealLine(encodeFillLine(fillReport({ executionId: 'E2', orderId: 'b', symbol: 'AAPL', lastQuantity: 10 }), 'c1', 'taker', 1));
  writeFileSync(path, e1 + e1 + forged + e2 + e1);
  logLines.length = 0;
  const log = TradeLog.open(path);
  const { fills, summary } = recoverAll(log);
  assert.deepEqual(fills.map((f) => f.executionId), ['E1', 'E9007199254740991', 'E2']);
  assert.equal(fills.filter((f) => f.symbol === 'GOOGL').reduce((sum, f) => sum + f.quantity, 0), 70, 'GOOGL counted once');
  assert.equal(summary.duplicateFills, 2);
  assert.equal(summary.tradeLog.records, 3);
  assert.equal(summary.lastExecutionNumber, 9007199254740991n);
  assert.ok(logLines.some((line) => /duplicate execution id/.test(line) && /line=2/.test(line)), logLines.join('\n'));
  await log.close();
});

test('recovery streams a log larger than its read chunk, with lines split across chunks', async () => {
  const path = join(tempDir('oms-log'), 'trades.log');
  let text = '';
  for (let i = 1; i <= 6000; i++) text += encodeFillLine(fillReport({ executionId: `E${i}`, orderId: `order-${i}` }), 'client', 'taker', i);
  writeFileSync(path, text);
  assert.ok(text.length > 2 * 1024 * 1024);
  const log = TradeLog.open(path);
  const { fills, summary } = recoverAll(log);
  assert.equal(summary.tradeLog.records, 6000);
  assert.equal(summary.tradeLog.corruptLines, 0);
  assert.equal(summary.lastExecutionNumber, 6000n);
  assert.equal(fills[5999]?.orderId, 'order-6000');
  await log.close();
});

test('recovery refuses an absurdly long line without buffering it; the repair moves it', async () => {
  const dir = tempDir('oms-log');
  mkdirSync(join(dir, 'x'));
  const path = join(dir, 'x', 'trades.log');
  writeFileSync(path, sealLine(encodeFillLine(fillReport({ executionId: 'E1' }), 'c', 'taker', 1)));
  appendFileSync(path, 'z'.repeat(3 * 1024 * 1024) + '\n');
  appendFileSync(path, sealLine(encodeFillLine(fillReport({ executionId: 'E2' }), 'c', 'taker', 1)));
  const refused = TradeLog.open(path);
  assert.throws(() => recoverAll(refused), { code: ErrorCode.TRADE_LOG_CORRUPT, message: /line 2: it is too long/ });
  await refused.close();
  const log = TradeLog.open(path, { repair: true });
  const { summary } = recoverAll(log);
  assert.equal(summary.tradeLog.records, 2);
  assert.equal(summary.repairedLines, 1);
  await log.close();
});

test('append before recover, and recover twice, are programming errors', async () => {
  const log = TradeLog.open(join(tempDir('oms-log'), 'trades.log'));
  assert.throws(() => log.append(fillReport(), 'c', 'taker', 1), /recover\(\) must run before/);
  recoverAll(log);
  assert.throws(() => recoverAll(log), /only once/);
  await log.close();
  await log.close(); // idempotent
  assert.throws(() => log.append(fillReport(), 'c', 'taker', 1), /after close/);
});

function orderEvent(fields: Partial<OrderEvent> = {}): OrderEvent {
  return {
    kind: 'rested',
    orderId: 'day-1',
    client: 'strategy',
    symbol: 'AAPL',
    side: Side.BUY,
    orderType: OrderType.LIMIT,
    timeInForce: TimeInForce.DAY,
    price: toPriceUnits(99.5),
    quantity: 300,
    tickSentNs: 5,
    orderSentNs: 6,
    receivedNs: 7,
    timestamp: 1_764_050_000.5,
    ...fields,
  };
}

test('order events and fills of one burst commit together, one file each; recovery replays events first', async () => {
  const { path, log } = openFreshLog();
  assert.equal(log.orderJournalPath, path + '.orders');
  assert.equal(log.appendOrderEvent(orderEvent()), 1);
  assert.equal(log.append(fillReport({ orderId: 'day-1', executionId: 'E1' }), 'strategy', 'taker', 1), 2);
  assert.equal(log.appendOrderEvent(orderEvent({ kind: 'unfilled', orderId: 'ioc-9', timeInForce: TimeInForce.IOC })), 3);
  await log.close();
  assert.deepEqual({ ...log.stats }, { commits: 1, linesCommitted: 3, largestBatch: 3, fillsCommitted: 1 });
  assert.equal(readFileSync(path, 'utf8').split('\n').length, 2, 'one fill line in the trade log, nothing else');

  const again = TradeLog.open(path);
  const order: string[] = [];
  const summary = again.recover({
    onOrderEvent: (event) => order.push(`event ${event.kind} ${event.orderId} ${event.price} ${event.quantity}`),
    onFill: (fill) => order.push(`fill ${fill.orderId}`),
    onOrderId: () => undefined,
  });
  assert.deepEqual(order, [`event rested day-1 ${toPriceUnits(99.5)} 300`, `event unfilled ioc-9 ${toPriceUnits(99.5)} 300`, 'fill day-1']);
  assert.equal(summary.orderJournal.records, 2);
  assert.equal(summary.orderIds, 2);
  await again.close();
});

test('a torn line in the order journal is skipped and the next event starts a fresh line', async () => {
  const path = join(tempDir('oms-log'), 'trades.log');
  const first = TradeLog.open(path);
  recoverAll(first);
  first.appendOrderEvent(orderEvent({ orderId: 'a' }));
  await first.close();
  appendFileSync(path + '.orders', '{"event":"canceled","order_id":"a","cli');
  const second = TradeLog.open(path);
  const { events, orderIds, summary } = recoverAll(second);
  assert.deepEqual(events.map((e) => [e.kind, e.orderId]), [['rested', 'a']]);
  assert.equal(summary.orderJournal.tornTail, true);
  assert.equal(summary.orderJournal.corruptLines, 1);
  assert.deepEqual(orderIds, ['a']);
  second.appendOrderEvent(orderEvent({ orderId: 'b' }));
  await second.close();
  const third = TradeLog.open(path);
  assert.deepEqual(recoverAll(third).events.map((e) => e.orderId), ['a', 'b']);
  await third.close();
});

test('an unwritable order journal is E_TRADE_LOG_UNWRITABLE too', () => {
  const dir = tempDir('oms-log');
  assert.throws(() => TradeLog.open(join(dir, 'trades.log'), { orderJournalPath: join(dir, 'nope', 'orders') }), {
    code: ErrorCode.TRADE_LOG_UNWRITABLE,
    message: /order journal/,
  });
});
