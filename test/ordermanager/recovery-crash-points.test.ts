/**
 * A fill is made durable in the trade log and its numbered report line in the order journal,
 * two files synced apart. Each test builds the on-disk state a crash between the two syncs
 * leaves (written by a real order manager, then one file cut back to a line boundary, as the
 * crash would have left it), recovers a new order manager on it, and checks exactly which
 * reports a client resuming the session would be replayed (the order journal read back,
 * as the session layer reads it) and with which sequences:
 *
 * - a fill in the trade log without its report line gets one, numbered after the identity's
 *   last, in order, once (a second restart adds nothing);
 * - a report line whose fill is not in the trade log is never replayed: it is cut off the
 *   order journal with what followed it, and its numbers are used again.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, type TradingError } from '../../src/core/errors.js';
import { setLogSink } from '../../src/core/log.js';
import { MemoryBookSource } from '../../src/core/memory-book-source.js';
import { EXECUTION_STATUS_NAMES, TimeInForce, type ExecutionReport } from '../../src/protocol/messages.js';
import type { Checkpoint } from '../../src/ordermanager/checkpoint.js';
import { OrderManager } from '../../src/ordermanager/order-manager.js';
import { TradeLog } from '../../src/ordermanager/trade-log.js';
import { sealLine } from '../../src/ordermanager/line-checksum.js';
import { cleanupAll, tempDir } from '../helpers/resources.js';
import { makeOrder, RecordingSink, standardBook } from './fixtures.js';

after(cleanupAll);
setLogSink(() => undefined);

const IDENTITY = 'strategy';
const ANONYMOUS = 'conn-1-1';

interface Life {
  journal: TradeLog;
  om: OrderManager;
  sink: RecordingSink;
}

/** An order manager on `path` whose `strategy` reports are numbered (as with an auth file that knows it). */
function start(path: string, options: { checkpoint?: Checkpoint; bookSequence?: number } = {}): Life {
  const { checkpoint, bookSequence = 1 } = options;
  const books = new MemoryBookSource();
  // a new book state: what fills took from the last one's is not taken again
  books.set('AAPL', standardBook(bookSequence));
  const journal = TradeLog.open(path);
  const sink = new RecordingSink();
  const om = new OrderManager({ books, journal, sink, numberReportsOf: (client) => client === IDENTITY, ...(checkpoint === undefined ? {} : { checkpoint }) });
  return { journal, om, sink };
}

async function stop(life: Life): Promise<void> {
  await life.om.flush();
  await life.journal.close();
}

/** What a resuming client would be replayed: the identity's reports after `after`, up to the last recovered one. */
function replay(life: Life, after = 0): ExecutionReport[] {
  const reports: ExecutionReport[] = [];
  life.journal.readReports(IDENTITY, after, life.om.numbering.recoveredSequence(IDENTITY), (report) => reports.push(report));
  return reports;
}

function summary(reports: readonly ExecutionReport[]): string[] {
  return reports.map((r) => `${r.sequence} ${EXECUTION_STATUS_NAMES[r.status]} ${r.executionId === '' ? '-' : r.executionId} ${r.orderId} ${r.lastQuantity}`);
}

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((line) => line !== '') : [];
}

/** Cut `path` back to its first `keep` lines (a crash before the rest was durable). */
function keepLines(path: string, keep: number): void {
  const all = readFileSync(path, 'utf8').split('\n').filter((line) => line !== '');
  assert.ok(keep < all.length, `${path} has ${all.length} lines, keeping ${keep}`);
  truncateSync(path, Buffer.byteLength(all.slice(0, keep).map((line) => line + '\n').join('')));
}

function reportLines(ordersPath: string): Record<string, unknown>[] {
  return lines(ordersPath)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((record) => record['event'] === 'report');
}

/**
 * The first life: fills and a reject of `strategy`, one anonymous fill; all durable.
 *   E1 strategy a-1 100 (seq 1) · E2 anonymous (no seq) · reject of strategy (seq 2) · E3 strategy a-3 50 (seq 3)
 */
async function firstLife(path: string): Promise<{ sent: string[] }> {
  const life = start(path);
  life.om.handleOrder(makeOrder({ orderId: 'a-1', quantity: 100 }), IDENTITY);
  life.om.handleOrder(makeOrder({ orderId: 'anon-1', quantity: 10 }), ANONYMOUS);
  life.om.handleOrder(makeOrder({ orderId: 'a-2', symbol: 'NOPE' }), IDENTITY);
  life.om.handleOrder(makeOrder({ orderId: 'a-3', quantity: 50 }), IDENTITY);
  await stop(life);
  const sent = life.sink.delivered.filter((d) => d.client === IDENTITY).map((d) => d.report);
  assert.deepEqual(summary(sent), ['1 FILLED E1 a-1 100', '2 REJECTED - a-2 0', '3 FILLED E3 a-3 50']);
  return { sent: summary(sent) };
}

test('a fill durable in the trade log without its report line gets one at recovery, numbered next, replayed to a resuming client, once', async () => {
  const path = join(tempDir('recovery-crash'), 'trades.log');
  const { sent } = await firstLife(path);
  const orders = path + '.orders';
  // the fill lines say which reports were numbered: the anonymous one has no sequence
  const fills = lines(path).map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(fills.map((fill) => fill['report_sequence']), [1, undefined, 3]);
  // the crash: E3 is durable in the trade log, its report line (the last line) is not
  keepLines(orders, lines(orders).length - 1);
  assert.deepEqual(reportLines(orders).map((r) => r['seq']), [1, 2]);

  const second = start(path, { bookSequence: 2 });
  try {
    assert.equal(second.om.numbering.recoveredSequence(IDENTITY), 3);
    await second.om.flush();
    await second.journal.flush();
    // a client that saw sequence 1 is replayed 2 and 3: the fill E3 as the trade log says it
    assert.deepEqual(summary(replay(second, 1)), sent.slice(1));
    const e3 = replay(second, 2)[0];
    assert.equal(e3?.averagePrice, e3?.lastPrice);
    assert.equal(e3?.filledQuantity, 50);
    assert.equal(e3?.leavesQuantity, 0);
    // the positions include it, and numbering goes on after it
    assert.equal(second.om.recoveredFills, 3);
    second.om.handleOrder(makeOrder({ orderId: 'a-4', quantity: 5 }), IDENTITY);
    await second.om.flush();
    assert.deepEqual(summary(second.sink.delivered.map((d) => d.report)), ['4 FILLED E4 a-4 5']);
  } finally {
    await stop(second);
  }
  // a second restart finds every fill reported: nothing is added
  const third = start(path, { bookSequence: 3 });
  try {
    assert.equal(third.om.numbering.recoveredSequence(IDENTITY), 4);
    assert.deepEqual(summary(replay(third)), [...sent, '4 FILLED E4 a-4 5']);
    assert.deepEqual(reportLines(orders).map((r) => r['seq']), [1, 2, 3, 4]);
  } finally {
    await stop(third);
  }
});

test('reports lost after the last durable one are numbered again in order: the fill takes the next number, the lost reject is gone, no gap', async () => {
  const path = join(tempDir('recovery-crash'), 'trades.log');
  await firstLife(path);
  const orders = path + '.orders';
  // the crash lost the report lines of the reject (2) and of E3 (3); E3 itself is durable
  keepLines(orders, lines(orders).length - 2);
  const second = start(path, { bookSequence: 2 });
  try {
    await second.journal.flush();
    assert.equal(second.om.numbering.recoveredSequence(IDENTITY), 2);
    assert.deepEqual(summary(replay(second)), ['1 FILLED E1 a-1 100', '2 FILLED E3 a-3 50']);
  } finally {
    await stop(second);
  }
});

test('the first fill ever, durable without its report line: the identity had no sequence yet and gets 1', async () => {
  const path = join(tempDir('recovery-crash'), 'trades.log');
  const life = start(path);
  life.om.handleOrder(makeOrder({ orderId: 'first', quantity: 30 }), IDENTITY);
  await stop(life);
  const orders = path + '.orders';
  assert.deepEqual(lines(orders).map((line) => (JSON.parse(line) as Record<string, unknown>)['event']), ['session', 'report']);
  keepLines(orders, 1); // the session line only
  const second = start(path, { bookSequence: 2 });
  try {
    await second.journal.flush();
    assert.equal(second.om.numbering.recoveredSequence(IDENTITY), 1);
    assert.deepEqual(summary(replay(second)), ['1 FILLED E1 first 30']);
  } finally {
    await stop(second);
  }
});

test('an order whose fills lost their report lines and that is not working any more: its fills, then its end, CANCELED', async () => {
  const path = join(tempDir('recovery-crash'), 'trades.log');
  const orders = path + '.orders';
  const life = start(path);
  // an IOC for 500 finds 300 (three levels): three partial fills, then its remainder canceled
  life.om.handleOrder(makeOrder({ orderId: 'ioc', quantity: 500 }), IDENTITY);
  await stop(life);
  const sent = summary(life.sink.delivered.map((d) => d.report));
  assert.deepEqual(sent, ['1 PARTIALLY_FILLED E1 ioc 100', '2 PARTIALLY_FILLED E2 ioc 100', '3 PARTIALLY_FILLED E3 ioc 100', '4 CANCELED - ioc 0']);
  // the crash kept the first report line only
  keepLines(orders, lines(orders).length - 3);
  const second = start(path, { bookSequence: 2 });
  try {
    await second.journal.flush();
    const replayed = replay(second);
    assert.deepEqual(summary(replayed), sent);
    const end = replayed.at(-1);
    assert.equal(end?.leavesQuantity, 0);
    assert.equal(end?.filledQuantity, 300);
    assert.match(end?.reason ?? '', /the order manager restarted/);
  } finally {
    await stop(second);
  }
});

test('a DAY order partly filled whose fill lost its report line: still resting, so only the fill is reported; with its resting lost too, its end as well', async () => {
  for (const lost of ['report', 'rested and report'] as const) {
    const path = join(tempDir('recovery-crash'), 'trades.log');
    const orders = path + '.orders';
    const life = start(path);
    // 100 at 100.01, the other 50 rest at 100.01
    life.om.handleOrder(makeOrder({ orderId: 'day', quantity: 150, price: 100.01, timeInForce: TimeInForce.DAY }), IDENTITY);
    await stop(life);
    assert.deepEqual(summary(life.sink.delivered.map((d) => d.report)), ['1 PARTIALLY_FILLED E1 day 100']);
    const events = lines(orders).map((line) => (JSON.parse(line) as Record<string, unknown>)['event']);
    assert.deepEqual(events, ['session', 'rested', 'report']);
    keepLines(orders, lost === 'report' ? 2 : 1);
    const second = start(path, { bookSequence: 1 });
    try {
      await second.journal.flush();
      assert.equal(second.om.restingOrderCount, lost === 'report' ? 1 : 0, lost);
      assert.deepEqual(summary(replay(second)), lost === 'report' ? ['1 PARTIALLY_FILLED E1 day 100'] : ['1 PARTIALLY_FILLED E1 day 100', '2 CANCELED - day 0'], lost);
    } finally {
      await stop(second);
    }
  }
});

test('a report line whose fill is not in the trade log is never replayed: cut off with the lines after it, and its numbers are used again', async () => {
  const path = join(tempDir('recovery-crash'), 'trades.log');
  const life = start(path);
  life.om.handleOrder(makeOrder({ orderId: 'b-1', quantity: 100 }), IDENTITY);
  await life.om.flush();
  // one commit: a fill (E2) of the identity, then a DAY order of it that rests (its event, and NEW)
  life.om.handleOrder(makeOrder({ orderId: 'b-2', quantity: 40 }), IDENTITY);
  life.om.handleOrder(makeOrder({ orderId: 'b-3', quantity: 20, price: 99.5, timeInForce: TimeInForce.DAY }), IDENTITY);
  await stop(life);
  assert.deepEqual(summary(life.sink.delivered.map((d) => d.report)), ['1 FILLED E1 b-1 100', '2 FILLED E2 b-2 40', '3 NEW - b-3 0']);
  // the crash: the order journal's lines of that commit are durable, the trade log's E2 is not
  keepLines(path, 1);
  const orders = path + '.orders';
  const journaled = lines(orders);

  const second = start(path, { bookSequence: 2 });
  try {
    await second.journal.flush();
    assert.equal(second.om.recovery.unloggedFillReports, 1);
    assert.equal(second.om.recovery.orderJournalLinesCut, 3, 'the report of E2, the rested event and the NEW after it');
    assert.equal(second.om.numbering.recoveredSequence(IDENTITY), 1);
    assert.deepEqual(summary(replay(second)), ['1 FILLED E1 b-1 100']);
    assert.equal(second.om.recoveredFills, 1);
    assert.equal(second.om.restingOrderCount, 0, 'the rested event went with the unfinished commit');
    // what was cut is kept beside the journal
    assert.deepEqual(lines(orders + '.bad'), journaled.slice(-3));
    // numbering and execution ids go on without reusing what the cut lines said
    second.om.handleOrder(makeOrder({ orderId: 'b-4', quantity: 5 }), IDENTITY);
    // the ids of the cut lines stay used
    assert.equal(second.om.handleOrder(makeOrder({ orderId: 'b-3', quantity: 5 }), IDENTITY), ErrorCode.ORDER_DUPLICATE_ID);
    await second.om.flush();
    assert.deepEqual(summary(second.sink.delivered.map((d) => d.report)), ['2 FILLED E3 b-4 5', '3 REJECTED - b-3 0']);
  } finally {
    await stop(second);
  }
  const third = start(path, { bookSequence: 3 });
  try {
    assert.equal(third.om.recovery.unloggedFillReports, 0);
    assert.deepEqual(summary(replay(third)), ['1 FILLED E1 b-1 100', '2 FILLED E3 b-4 5', '3 REJECTED - b-3 0']);
  } finally {
    await stop(third);
  }
});

test('after a checkpoint: a fill past it without its report line gets one', async () => {
  const path = join(tempDir('recovery-crash'), 'trades.log');
  const life = start(path);
  life.om.handleOrder(makeOrder({ orderId: 'c-1', quantity: 100 }), IDENTITY);
  await life.om.flush();
  const state = life.om.checkpointState();
  assert.ok(state !== undefined);
  const checkpoint: Checkpoint = { version: 1, ...state };
  life.om.handleOrder(makeOrder({ orderId: 'c-2', quantity: 20 }), IDENTITY);
  await stop(life);
  const orders = path + '.orders';
  keepLines(orders, lines(orders).length - 1);
  const second = start(path, { checkpoint, bookSequence: 2 });
  try {
    await second.journal.flush();
    assert.equal(second.om.numbering.recoveredSequence(IDENTITY), 2);
    assert.deepEqual(summary(replay(second)), ['1 FILLED E1 c-1 100', '2 FILLED E2 c-2 20']);
  } finally {
    await stop(second);
  }
});

test('bad input keeps its behaviour: a checksum mismatch before the end still refuses the start, a torn report line is cut as a torn tail', async () => {
  const path = join(tempDir('recovery-crash'), 'trades.log');
  await firstLife(path);
  const orders = path + '.orders';
  // a torn last line of the order journal (E3's report line half written): cut off as before, and E3 gets its line
  const all = readFileSync(orders, 'utf8');
  const lastLine = lines(orders).at(-1) ?? '';
  truncateSync(orders, Buffer.byteLength(all) - Math.floor(Buffer.byteLength(lastLine) / 2) - 1);
  const second = start(path, { bookSequence: 2 });
  try {
    await second.journal.flush();
    assert.equal(second.om.recovery.orderJournal.tornTail, true);
    assert.equal(second.om.recovery.unloggedFillReports, 0);
    assert.deepEqual(summary(replay(second)).map((s) => s.split(' ').slice(0, 3).join(' ')), ['1 FILLED E1', '2 REJECTED -', '3 FILLED E3']);
  } finally {
    await stop(second);
  }
  // a line of the trade log whose checksum does not match, before its end: E_TRADE_LOG_CORRUPT
  const fills = lines(path);
  const damaged = [fills[0]?.replace('"quantity":100', '"quantity":900'), ...fills.slice(1)].join('\n') + '\n';
  writeFileSync(path, damaged);
  assert.throws(
    () => start(path, { bookSequence: 3 }),
    (err: TradingError) => err.code === ErrorCode.TRADE_LOG_CORRUPT && /line 1: its checksum does not match/.test(err.message),
  );
  // the same with a forged report line past the trade log's end: the damage is still what is said
  writeFileSync(path, fills.join('\n') + '\n');
  writeFileSync(orders, readFileSync(orders, 'utf8') + sealLine('{"event":"report","client":"strategy","seq":9,"message":{"type":5,"data":{"execution_id":"E99"}}}').replace('"seq":9', '"seq":8'));
  assert.throws(
    () => start(path, { bookSequence: 3 }),
    (err: TradingError) => err.code === ErrorCode.TRADE_LOG_CORRUPT,
  );
});
