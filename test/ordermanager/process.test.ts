/**
 * `trading ordermanager` as a real process: seed JSON clients, binary clients, the book in
 * shared memory written by this test, the trade log on disk.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { readTradeLog } from '../../src/ordermanager/trade-log-reader.js';
import { createOrderEvent, parseOrderEventLine } from '../../src/ordermanager/order-event-line.js';
import { ORDER_JOURNAL_SUFFIX } from '../../src/ordermanager/trade-log.js';
import { monotonicNs } from '../../src/core/clock.js';
import { encodeFrame } from '../../src/protocol/framing.js';
import { ExecutionStatus, MessageType, Side, TimeInForce } from '../../src/protocol/messages.js';
import { cleanupAll, spawnCli, stopChild, tempDir, uniqueShmName, waitForExit, waitForOutput } from '../helpers/resources.js';
import { makeBook, standardBook } from './fixtures.js';
import { OrderClient, TestBook, order, startOrderManager, withTestBook } from './process-helpers.js';

after(cleanupAll);

const jsonFrame = (value: unknown): Buffer => encodeFrame(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8'));

function logLines(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function untilFile(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('a seed client (JSON only, never reads) gets its ORDER executed and logged with the seed fields', () =>
  withTestBook(['AAPL', 'MSFT'], async (book) => {
    book.write('AAPL', standardBook());
    const tradeLog = join(tempDir('om-seed'), 'trades.log');
    const om = await startOrderManager(['--shm', book.name, '--trade-log', tradeLog]);
    const seed = await OrderClient.connect(om.port, 'json');
    seed.socket.pause(); // never reads, as the seed's clients
    const seedOrder = {
      type: 4,
      data: {
        order_id: 'ORD_000001',
        symbol: 'AAPL',
        side: 'BUY',
        price: 100.03,
        quantity: 50,
        timestamp: 1_764_000_000.5,
        signal_data: { price_change: 0.0021, sentiment_ema: 0.41, reason: 'positive momentum' },
      },
    };
    seed.sendRaw(jsonFrame(seedOrder));
    await untilFile(() => logLines(tradeLog).length === 1, 'the fill in the trade log');
    const [line] = logLines(tradeLog);
    assert.ok(line !== undefined);
    assert.deepEqual(
      {
        execution_id: line['execution_id'],
        order_id: line['order_id'],
        symbol: line['symbol'],
        side: line['side'],
        quantity: line['quantity'],
        order_price: line['order_price'],
        execution_price: line['execution_price'],
        status: line['status'],
      },
      {
        execution_id: 'E1',
        order_id: 'ORD_000001',
        symbol: 'AAPL',
        side: 'BUY',
        quantity: 50,
        order_price: 100.03,
        execution_price: 100.01,
        status: 'FILLED',
      },
    );
    assert.equal(typeof line['timestamp'], 'number');
    assert.equal(await stopChild(om.child), 0, om.output());
    seed.close();
  }),
);

test('a binary client gets fills, partial fills, cancels and coded rejects; rejects are never logged', () =>
  withTestBook(['AAPL'], async (book) => {
    book.write('AAPL', standardBook(1));
    const tradeLog = join(tempDir('om-binary'), 'trades.log');
    const om = await startOrderManager(['--shm', book.name, '--trade-log', tradeLog, '--max-order-quantity', '500']);
    const client = await OrderClient.connect(om.port, 'binary', 'tester');

    // 150 @ ≤ 100.02: 100 @ 100.01 then 50 @ 100.02
    const b1TickNs = monotonicNs();
    client.send(order({ orderId: 'b1', quantity: 150, price: toPriceUnits(100.02), tickSentNs: b1TickNs, signalData: { reason: 'test' } }));
    await client.untilDone('b1');
    const [first, second] = client.reports('b1');
    assert.equal(first?.status, ExecutionStatus.PARTIALLY_FILLED);
    assert.equal(first?.lastQuantity, 100);
    assert.equal(first?.lastPrice, toPriceUnits(100.01));
    assert.equal(first?.filledQuantity, 100);
    assert.equal(first?.leavesQuantity, 50);
    assert.equal(second?.status, ExecutionStatus.FILLED);
    assert.equal(second?.filledQuantity, 150);
    assert.equal(second?.leavesQuantity, 0);
    assert.equal(second?.averagePrice, (100 * toPriceUnits(100.01) + 50 * toPriceUnits(100.02)) / 150);
    assert.match(second?.executionId ?? '', /^E\d+$/);

    // an IOC remainder: 50 left at 100.02 and 100 at 100.03 > the limit 100.02 → CANCELED rest
    client.send(order({ orderId: 'b2', quantity: 80, price: toPriceUnits(100.02) }));
    await client.untilDone('b2');
    const b2 = client.reports('b2');
    assert.deepEqual(
      b2.map((r) => [r.status, r.lastQuantity, r.filledQuantity, r.leavesQuantity]),
      [
        [ExecutionStatus.PARTIALLY_FILLED, 50, 50, 30],
        [ExecutionStatus.CANCELED, 0, 50, 0],
      ],
    );

    // rejects, each with its code
    const rejects: [string, Parameters<typeof order>[0], string][] = [
      ['r-symbol', { orderId: 'r-symbol', symbol: 'ZZZZ', price: toPriceUnits(100) }, 'E_RISK_UNKNOWN_SYMBOL'],
      ['r-qty', { orderId: 'r-qty', quantity: 0, price: toPriceUnits(100) }, 'E_RISK_BAD_QUANTITY'],
      ['r-max', { orderId: 'r-max', quantity: 501, price: toPriceUnits(100) }, 'E_RISK_MAX_QTY'],
      ['r-collar', { orderId: 'r-collar', price: toPriceUnits(150) }, 'E_RISK_PRICE_COLLAR'],
      ['b1', { orderId: 'b1', price: toPriceUnits(100.03) }, 'E_ORDER_DUPLICATE_ID'],
    ];
    for (const [, fields] of rejects) client.send(order(fields));
    await client.until(() => client.reports().filter((r) => r.status === ExecutionStatus.REJECTED).length === rejects.length, 'every reject');
    const rejected = client.reports().filter((r) => r.status === ExecutionStatus.REJECTED);
    assert.deepEqual(
      rejected.map((r) => [r.orderId, r.rejectCode]),
      rejects.map(([id, , code]) => [id, code]),
    );
    for (const r of rejected) assert.ok(r.reason.length > 0, 'a reason for humans');

    // the log holds the four fills and nothing else
    assert.equal(await stopChild(om.child), 0, om.output());
    const logged = readTradeLog(tradeLog).fills;
    assert.deepEqual(
      logged.map((f) => [f.orderId, f.quantity]),
      [
        ['b1', 100],
        ['b1', 50],
        ['b2', 50],
      ],
    );
    // the order journal keeps b1's reasons and its stamps: its tick-to-trade is read off the line
    const event = createOrderEvent();
    const accepted = readFileSync(tradeLog + ORDER_JOURNAL_SUFFIX, 'utf8')
      .split('\n')
      .filter((line) => parseOrderEventLine(line, event) && event.orderId === 'b1' && event.kind === 'accepted');
    assert.equal(accepted.length, 1, 'one accepted event for b1');
    parseOrderEventLine(accepted[0] ?? '', event);
    assert.equal(event.tickSentNs, b1TickNs);
    assert.ok(event.receivedNs > b1TickNs && event.receivedNs - b1TickNs < 10e9, `received_ns ${event.receivedNs} is after the tick and within seconds`);
    client.close();
  }),
);

test('without the segment orders are rejected as stale; once it appears they trade; DAY orders rest, fill on a new book, cancel', async () => {
  const name = uniqueShmName('om-late');
  const tradeLog = join(tempDir('om-late'), 'trades.log');
  const om = await startOrderManager(['--shm', name, '--trade-log', tradeLog]);
  const client = await OrderClient.connect(om.port, 'binary', 'late');
  client.send(order({ orderId: 's1', price: toPriceUnits(100.03) }));
  await client.untilDone('s1');
  assert.equal(client.reports('s1')[0]?.rejectCode, 'E_RISK_STALE_BOOK');

  const book = new TestBook(['AAPL'], name);
  try {
    book.write('AAPL', standardBook(1));
    await waitForOutput(om.child, /book segment attached/);
    client.send(order({ orderId: 's2', price: toPriceUnits(100.03), quantity: 10 }));
    await client.untilDone('s2');
    assert.equal(client.reports('s2').at(-1)?.status, ExecutionStatus.FILLED);

    // DAY buy at 100.00 rests (NEW); a new book with an ask at 99.99 fills it at its limit
    client.send(order({ orderId: 'day1', price: toPriceUnits(100), quantity: 30, timeInForce: TimeInForce.DAY }));
    await client.until(() => client.reports('day1').some((r) => r.status === ExecutionStatus.NEW), 'NEW for the resting order');
    client.send(order({ orderId: 'day2', price: toPriceUnits(99.95), quantity: 20, timeInForce: TimeInForce.DAY }));
    await client.until(() => client.reports('day2').some((r) => r.status === ExecutionStatus.NEW), 'NEW for the second resting order');
    book.write('AAPL', makeBook({ bids: [[99.97, 100]], asks: [[99.99, 100]], sequence: 2 }));
    await client.untilDone('day1');
    const fill = client.reports('day1').at(-1);
    assert.equal(fill?.status, ExecutionStatus.FILLED);
    assert.equal(fill?.lastPrice, toPriceUnits(100), 'a resting order fills at its own limit');
    assert.equal(fill?.lastQuantity, 30);

    // cancel the other one; a second cancel is an ERROR, not a report
    client.send({ type: MessageType.CANCEL, orderId: 'day2', symbol: 'AAPL', timestamp: 0 });
    await client.untilDone('day2');
    assert.equal(client.reports('day2').at(-1)?.status, ExecutionStatus.CANCELED);
    client.send({ type: MessageType.CANCEL, orderId: 'day2', symbol: 'AAPL', timestamp: 0 });
    await client.until(() => client.errors().length === 1, 'an ERROR for the unknown cancel');
    assert.equal(client.errors()[0]?.code, 'E_ORDER_UNKNOWN');

    assert.equal(await stopChild(om.child), 0, om.output());
    const fills = readTradeLog(tradeLog).fills;
    assert.ok(fills.every((f) => !f.orderId.startsWith('s1')), 'the stale reject is not a trade');
    assert.deepEqual(
      fills.filter((f) => f.orderId.startsWith('day')).map((f) => [f.orderId, f.quantity, f.liquidity]),
      [['day1', 30, 'maker']],
    );
    client.close();
  } finally {
    book.close();
  }
});

test('bad input gets clear errors, the connection goes on (or closes for framing), and other clients never notice', () =>
  withTestBook(['AAPL'], async (book) => {
    book.write('AAPL', makeBook({ bids: [[99.99, 1_000_000]], asks: [[100.01, 1_000_000]] }));
    const tradeLog = join(tempDir('om-bad'), 'trades.log');
    const om = await startOrderManager(['--shm', book.name, '--trade-log', tradeLog, '--max-frame-bytes', '4096']);
    const bystander = await OrderClient.connect(om.port, 'binary', 'bystander');
    const bad = await OrderClient.connect(om.port, 'json');

    bad.sendRaw(encodeFrame(Buffer.from([0x00, 0xff, 0x13, 0x37])));
    bad.sendRaw(jsonFrame('{"type": 4, "data": {"order_id": '));
    bad.sendRaw(jsonFrame({ type: 4, data: { order_id: 'm1', symbol: 'AAPL', side: 'BUY', quantity: 5, timestamp: 1 } }));
    bad.sendRaw(jsonFrame({ type: 4, data: { order_id: 'm2', symbol: 'AAPL', side: 'HOLD', price: 100, quantity: 5, timestamp: 1 } }));
    bad.sendRaw(jsonFrame({ type: 99, data: {} }));
    bad.sendRaw(jsonFrame({ type: 1, data: { symbol: 'AAPL', timestamp: 1, bids: [], asks: [], last_price: 1, volume: 1 } }));
    await bad.until(() => bad.errors().length === 6, 'six ERROR frames');
    assert.deepEqual(
      bad.errors().map((e) => e.code),
      ['E_PAYLOAD_UNKNOWN_KIND', 'E_PAYLOAD_MALFORMED', 'E_MESSAGE_INVALID', 'E_MESSAGE_INVALID', 'E_MESSAGE_UNKNOWN_TYPE', 'E_MESSAGE_UNKNOWN_TYPE'],
    );
    assert.match(bad.errors()[2]?.message ?? '', /price/);

    // still served: a good order on the same connection executes
    bad.sendRaw(jsonFrame({ type: 4, data: { order_id: 'ok1', symbol: 'AAPL', side: 'SELL', price: 99.99, quantity: 5, timestamp: 1 } }));
    await bad.untilDone('ok1');
    assert.equal(bad.reports('ok1').at(-1)?.status, ExecutionStatus.FILLED);

    // an oversized length: an error frame, then that connection (only) is closed
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1_000_000);
    bad.sendRaw(header);
    await bad.until(() => bad.closed, 'the framing error to close the connection');
    assert.equal(bad.errors().at(-1)?.code, 'E_FRAME_TOO_LARGE');

    bystander.send(order({ orderId: 'by1', side: Side.BUY, price: toPriceUnits(100.01), quantity: 7 }));
    await bystander.untilDone('by1');
    assert.equal(bystander.reports('by1').at(-1)?.status, ExecutionStatus.FILLED);
    assert.equal(bystander.errors().length, 0);

    assert.equal(await stopChild(om.child), 0, om.output());
    assert.deepEqual(
      readTradeLog(tradeLog).fills.map((f) => f.orderId),
      ['ok1', 'by1'],
    );
    bystander.close();
  }),
);

test('one-line start errors: port in use (1), unwritable trade log (1), missing --shm and bad flags (2)', async () => {
  const dir = tempDir('om-errors');
  const first = await startOrderManager(['--shm', uniqueShmName('om-port'), '--trade-log', join(dir, 'a.log')]);
  const run = async (args: string[]): Promise<{ code: number | string; output: string }> => {
    const child = spawnCli(['ordermanager', ...args]);
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await waitForExit(child);
    return { code, output };
  };

  const inUse = await run(['--port', String(first.port), '--shm', uniqueShmName('om-port'), '--trade-log', join(dir, 'b.log')]);
  assert.equal(inUse.code, 1);
  assert.match(inUse.output, /E_PORT_IN_USE/);
  assert.doesNotMatch(inUse.output, /\n\s+at /, 'no stack trace');

  const notADir = join(dir, 'a.log'); // a regular file: nothing can live under it
  const unwritable = await run(['--port', '0', '--shm', uniqueShmName('om-log'), '--trade-log', join(notADir, 'trades.log')]);
  assert.equal(unwritable.code, 1);
  assert.match(unwritable.output, /E_TRADE_LOG_UNWRITABLE/);
  assert.equal(unwritable.output.trim().split('\n').filter((l) => /ERROR/.test(l)).length, 1, unwritable.output);

  const missing = await run(['--port', '0', '--trade-log', join(dir, 'c.log')]);
  assert.equal(missing.code, 2);
  assert.match(missing.output, /E_CONFIG_INVALID.*\n.*--shm: required/);

  const badFlags = await run(['--port', '0', '--shm', 'no-slash', '--max-position', 'lots', '--price-collar-bps', '0']);
  assert.equal(badFlags.code, 2);
  assert.match(badFlags.output, /--shm: "no-slash" is not a shared-memory name/);
  assert.match(badFlags.output, /--max-position: expected a number/);
  assert.match(badFlags.output, /--price-collar-bps: must be ≥ 1/);

  assert.equal(await stopChild(first.child), 0);
});
