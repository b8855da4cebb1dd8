import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, type TradingError } from '../../src/core/errors.js';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { setLogSink } from '../../src/core/log.js';
import { ExecutionStatus, MessageType, OrderType, Side, TimeInForce, type Cancel } from '../../src/protocol/messages.js';
import { MemoryBookSource } from '../../src/core/memory-book-source.js';
import { OrderManager } from '../../src/ordermanager/order-manager.js';
import { parseRiskLimits, type RiskLimits } from '../../src/ordermanager/risk-limits.js';
import { TradeLog } from '../../src/ordermanager/trade-log.js';
import { cleanupAll, tempDir } from '../helpers/resources.js';
import { failingFdatasync, makeBook, makeOrder, ManualClock, RecordingSink, standardBook, wrapFdatasync } from './fixtures.js';

after(cleanupAll);
setLogSink(() => undefined);

const u = toPriceUnits;

interface Rig {
  books: MemoryBookSource;
  journal: TradeLog;
  sink: RecordingSink;
  clock: ManualClock;
  om: OrderManager;
  path: string;
  failures: TradingError[];
}

function rig(limits: Partial<RiskLimits> = {}, path = join(tempDir('oms'), 'trades.log')): Rig {
  const books = new MemoryBookSource();
  books.set('AAPL', standardBook(1));
  books.set('MSFT', makeBook({ bids: [[399.9, 500]], asks: [[400.1, 500]], sequence: 1 }));
  const journal = TradeLog.open(path);
  const sink = new RecordingSink();
  const clock = new ManualClock();
  const failures: TradingError[] = [];
  const om = new OrderManager({
    books,
    journal,
    sink,
    clock,
    limits: parseRiskLimits(limits),
    onJournalFailure: (e) => failures.push(e),
  });
  return { books, journal, sink, clock, om, path, failures };
}

function logLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function cancelOf(orderId: string, symbol = 'AAPL'): Cancel {
  return { type: MessageType.CANCEL, orderId, symbol, timestamp: 0 };
}

test('a buy walks the asks: partial fills at worse prices, then FILLED, average price, ids and stamps', async () => {
  const { om, sink, journal, path } = rig();
  const order = makeOrder({ quantity: 250, price: 100.03 });
  assert.equal(om.handleOrder(order, 'c1'), null);
  assert.equal(sink.delivered.length, 0, 'no report before its fill is durable');
  assert.equal(om.reportsWaiting, 3);
  await om.flush();
  const reports = sink.reportsFor(order.orderId);
  assert.deepEqual(
    reports.map((r) => [r.executionId, r.status, r.lastQuantity, r.lastPrice, r.filledQuantity, r.leavesQuantity]),
    [
      ['E1', ExecutionStatus.PARTIALLY_FILLED, 100, u(100.01), 100, 150],
      ['E2', ExecutionStatus.PARTIALLY_FILLED, 100, u(100.02), 200, 50],
      ['E3', ExecutionStatus.FILLED, 50, u(100.03), 250, 0],
    ],
  );
  const last = reports[2];
  assert.equal(last?.averagePrice, (100 * u(100.01) + 100 * u(100.02) + 50 * u(100.03)) / 250);
  assert.equal(last?.tickSentNs, 11);
  assert.equal(last?.orderSentNs, 22);
  assert.equal(last?.orderPrice, u(100.03));
  assert.ok(sink.delivered.every((d) => d.client === 'c1'));
  const lines = logLines(path);
  assert.deepEqual(
    lines.map((l) => [l['execution_id'], l['quantity'], l['execution_price'], l['status'], l['leaves_quantity'], l['client']]),
    [
      ['E1', 100, 100.01, 'PARTIALLY_FILLED', 150, 'c1'],
      ['E2', 100, 100.02, 'PARTIALLY_FILLED', 50, 'c1'],
      ['E3', 50, 100.03, 'FILLED', 0, 'c1'],
    ],
  );
  assert.equal(om.positions().positions[0]?.netQuantity, 250);
  await journal.close();
});

test('a sell walks the bids down to its limit', async () => {
  const { om, sink, journal } = rig();
  const order = makeOrder({ side: Side.SELL, quantity: 150, price: 99.98 });
  om.handleOrder(order, 'c1');
  await om.flush();
  assert.deepEqual(
    sink.reportsFor(order.orderId).map((r) => [r.status, r.lastQuantity, r.lastPrice]),
    [
      [ExecutionStatus.PARTIALLY_FILLED, 100, u(99.99)],
      [ExecutionStatus.FILLED, 50, u(99.98)],
    ],
  );
  await journal.close();
});

test('IOC: the remainder beyond the limit is CANCELED after the fills', async () => {
  const { om, sink, journal, path } = rig();
  const order = makeOrder({ quantity: 400, price: 100.02 });
  om.handleOrder(order, 'c1');
  await om.flush();
  const reports = sink.reportsFor(order.orderId);
  assert.deepEqual(
    reports.map((r) => [r.status, r.lastQuantity, r.filledQuantity, r.leavesQuantity]),
    [
      [ExecutionStatus.PARTIALLY_FILLED, 100, 100, 300],
      [ExecutionStatus.PARTIALLY_FILLED, 100, 200, 200],
      [ExecutionStatus.CANCELED, 0, 200, 0],
    ],
  );
  assert.equal(reports[2]?.averagePrice, (u(100.01) + u(100.02)) / 2);
  assert.match(reports[2]?.reason ?? '', /IOC remainder canceled/);
  assert.equal(reports[2]?.executionId, '', 'only fills carry an execution id');
  assert.equal(logLines(path).length, 2, 'the cancel is not a trade');
  await journal.close();
});

test('IOC with nothing at its price: one CANCELED report, once its id is journaled (no trade)', async () => {
  const { om, sink, journal, path } = rig();
  const order = makeOrder({ quantity: 10, price: 100.0 });
  assert.equal(om.handleOrder(order, 'c1'), null);
  assert.equal(sink.delivered.length, 0, 'waits for the order journal');
  await om.flush();
  assert.equal(sink.delivered.length, 1);
  assert.equal(sink.delivered[0]?.report.status, ExecutionStatus.CANCELED);
  assert.equal(sink.delivered[0]?.report.filledQuantity, 0);
  await journal.close();
  assert.equal(readFileSync(path, 'utf8'), '', 'nothing in the trade log');
  assert.deepEqual(
    logLines(path + '.orders').map((l) => [l['event'], l['order_id']]),
    [['unfilled', order.orderId]],
  );
});

test('MARKET walks the book no further than the price collar', async () => {
  const { om, sink, journal } = rig({ priceCollarBps: 2 }); // mid 100.00 → bound 100.02
  const order = makeOrder({ orderType: OrderType.MARKET, price: 0, quantity: 300 });
  assert.equal(om.handleOrder(order, 'c1'), null);
  await om.flush();
  assert.deepEqual(
    sink.reportsFor(order.orderId).map((r) => [r.status, r.lastQuantity, r.lastPrice]),
    [
      [ExecutionStatus.PARTIALLY_FILLED, 100, u(100.01)],
      [ExecutionStatus.PARTIALLY_FILLED, 100, u(100.02)],
      [ExecutionStatus.CANCELED, 0, 0],
    ],
  );
  assert.match(sink.reportsFor(order.orderId)[2]?.reason ?? '', /MARKET remainder/);
  await journal.close();
});

test('DAY limit: rests (NEW), fills at its limit when a later book reaches it, partially then fully', async () => {
  const { om, sink, books, journal, path } = rig();
  const order = makeOrder({ quantity: 150, price: 100.0, timeInForce: TimeInForce.DAY });
  assert.equal(om.handleOrder(order, 'c1'), null);
  await om.flush();
  assert.deepEqual(
    sink.reportsFor(order.orderId).map((r) => [r.status, r.filledQuantity, r.leavesQuantity]),
    [[ExecutionStatus.NEW, 0, 150]],
  );
  assert.deepEqual(
    logLines(path + '.orders').map((l) => [l['event'], l['quantity'], l['price'], l['time_in_force']]),
    [['rested', 150, 100, 'DAY']],
    'journaled as resting before NEW left',
  );
  assert.equal(om.restingOrder(order.orderId)?.leavesQuantity, 150);
  assert.equal(om.pollRestingOrders(), 0, 'same book: nothing new');

  books.set(
    'AAPL',
    makeBook({
      bids: [[99.9, 100]],
      asks: [
        [99.98, 100],
        [100.0, 30],
        [100.01, 500],
      ],
      sequence: 2,
    }),
  );
  assert.equal(om.pollRestingOrders(), 1);
  assert.equal(om.pollRestingOrders(), 0, 'a book state fills a resting order once');
  books.set('AAPL', makeBook({ bids: [[99.9, 100]], asks: [[99.99, 50]], sequence: 3 }));
  assert.equal(om.pollRestingOrders(), 1);
  await om.flush();
  assert.deepEqual(
    sink.reportsFor(order.orderId).map((r) => [r.status, r.lastQuantity, r.lastPrice, r.leavesQuantity]),
    [
      [ExecutionStatus.NEW, 0, 0, 150],
      [ExecutionStatus.PARTIALLY_FILLED, 130, u(100.0), 20],
      [ExecutionStatus.FILLED, 20, u(100.0), 0],
    ],
  );
  assert.equal(om.restingOrder(order.orderId), undefined);
  assert.equal(om.restingOrderCount, 0);
  assert.deepEqual(
    logLines(path).map((l) => [l['liquidity'], l['time_in_force'], l['book_sequence']]),
    [
      ['maker', 'DAY', 2],
      ['maker', 'DAY', 3],
    ],
  );
  await journal.close();
});

test('DAY limit partly marketable: fills what it can now, rests the rest without a NEW', async () => {
  const { om, sink, books, journal } = rig();
  const order = makeOrder({ quantity: 150, price: 100.01, timeInForce: TimeInForce.DAY });
  om.handleOrder(order, 'c1');
  await om.flush();
  assert.deepEqual(
    sink.reportsFor(order.orderId).map((r) => [r.status, r.lastQuantity, r.leavesQuantity]),
    [[ExecutionStatus.PARTIALLY_FILLED, 100, 50]],
  );
  // onBook, the push form, with a book that crosses it
  const crossing = makeBook({ bids: [[99.9, 1]], asks: [[100.0, 80]], sequence: 9 });
  books.set('AAPL', crossing);
  assert.equal(om.onBook('AAPL', crossing), 1);
  assert.equal(om.onBook('AAPL', crossing), 0, 'what a book state offered was taken');
  await om.flush();
  const reports = sink.reportsFor(order.orderId);
  assert.deepEqual([reports[1]?.status, reports[1]?.lastQuantity, reports[1]?.lastPrice], [ExecutionStatus.FILLED, 50, u(100.01)]);
  assert.equal(reports[1]?.averagePrice, u(100.01));
  await journal.close();
});

test('resting orders meet a new book before a new order does (they were there first)', async () => {
  const { om, sink, books, journal } = rig();
  const resting = makeOrder({ quantity: 100, price: 100.0, timeInForce: TimeInForce.DAY });
  om.handleOrder(resting, 'c1');
  books.set('AAPL', makeBook({ bids: [[99.9, 100]], asks: [[100.0, 100]], sequence: 2 }));
  const late = makeOrder({ quantity: 100, price: 100.0 });
  om.handleOrder(late, 'c2'); // no poll in between
  await om.flush();
  assert.equal(sink.reportsFor(resting.orderId).at(-1)?.status, ExecutionStatus.FILLED);
  assert.deepEqual(
    sink.reportsFor(late.orderId).map((r) => [r.status, r.filledQuantity]),
    [[ExecutionStatus.CANCELED, 0]],
  );
  assert.equal(sink.delivered.find((d) => d.report.orderId === late.orderId)?.client, 'c2');
  await journal.close();
});

test('two orders against the same book state share its displayed liquidity; a new state refreshes it', async () => {
  const { om, sink, books, journal } = rig();
  const first = makeOrder({ quantity: 60, price: 100.01 });
  const second = makeOrder({ quantity: 60, price: 100.01 });
  om.handleOrder(first, 'c1');
  om.handleOrder(second, 'c2');
  await om.flush();
  assert.equal(sink.reportsFor(first.orderId)[0]?.status, ExecutionStatus.FILLED);
  assert.deepEqual(
    sink.reportsFor(second.orderId).map((r) => [r.status, r.lastQuantity]),
    [
      [ExecutionStatus.PARTIALLY_FILLED, 40],
      [ExecutionStatus.CANCELED, 0],
    ],
  );
  books.set('AAPL', standardBook(2));
  const third = makeOrder({ quantity: 100, price: 100.01 });
  om.handleOrder(third, 'c1');
  await om.flush();
  assert.equal(sink.reportsFor(third.orderId)[0]?.status, ExecutionStatus.FILLED);
  await journal.close();
});

test('cancel: the resting remainder is CANCELED; unknown, foreign and mismatched cancels are refused', async () => {
  const { om, sink, journal } = rig({ maxPosition: 300 });
  const order = makeOrder({ quantity: 250, price: 100.01, timeInForce: TimeInForce.DAY });
  om.handleOrder(order, 'c1'); // 100 filled, 150 resting
  assert.equal(om.handleCancel(cancelOf(order.orderId), 'c2'), ErrorCode.ORDER_UNKNOWN, "another client's order");
  assert.equal(om.handleCancel(cancelOf(order.orderId, 'MSFT'), 'c1'), ErrorCode.ORDER_INVALID);
  assert.equal(om.handleCancel(cancelOf('no-such-order'), 'c1'), ErrorCode.ORDER_UNKNOWN);
  // While 150 rest, a buy of 100 could take the position to 350 > 300.
  assert.equal(om.handleOrder(makeOrder({ quantity: 100, price: 99.9 }), 'c1'), ErrorCode.RISK_MAX_POSITION);
  assert.equal(om.handleCancel(cancelOf(order.orderId), 'c1'), null);
  assert.equal(om.handleCancel(cancelOf(order.orderId), 'c1'), ErrorCode.ORDER_UNKNOWN, 'already canceled');
  assert.equal(om.handleOrder(makeOrder({ quantity: 100, price: 99.9 }), 'c1'), null, 'the cancel released the exposure');
  await om.flush();
  const reports = sink.reportsFor(order.orderId);
  assert.deepEqual(
    reports.map((r) => [r.status, r.filledQuantity, r.leavesQuantity]),
    [
      [ExecutionStatus.PARTIALLY_FILLED, 100, 150],
      [ExecutionStatus.CANCELED, 100, 0],
    ],
  );
  assert.equal(reports[1]?.reason, 'canceled on request');
  assert.equal(om.counters()['cancels'], 1);
  await journal.close();
});

test('cancelAllForClient and cancelAll cancel exactly the resting orders they name', async () => {
  const { om, sink, journal } = rig();
  om.handleOrder(makeOrder({ quantity: 10, price: 99.5, timeInForce: TimeInForce.DAY }), 'c1');
  om.handleOrder(makeOrder({ quantity: 10, price: 99.6, timeInForce: TimeInForce.DAY }), 'c2');
  om.handleOrder(makeOrder({ side: Side.SELL, quantity: 10, price: 100.5, timeInForce: TimeInForce.DAY }), 'c2');
  assert.equal(om.restingOrderCount, 3);
  assert.equal(om.cancelAllForClient('c2', 'client disconnected'), 2);
  assert.equal(om.restingOrderCount, 1);
  assert.equal(om.cancelAll('end of day'), 1);
  assert.equal(om.restingOrderCount, 0);
  await om.flush();
  const cancels = sink.delivered.filter((d) => d.report.status === ExecutionStatus.CANCELED);
  assert.deepEqual(
    cancels.map((d) => [d.client, d.report.reason]),
    [
      ['c2', 'client disconnected'],
      ['c2', 'client disconnected'],
      ['c1', 'end of day'],
    ],
  );
  await journal.close();
});

test('every reject reason is a REJECTED report with its code and a reason, and never a trade', async (t) => {
  const { om, sink, books, clock, journal, path } = rig({
    maxOrderQuantity: 1000,
    maxPosition: 1500,
    maxNotional: 60_000,
    priceCollarBps: 100,
    ordersPerSecond: 1,
    orderBurst: 100,
  });
  books.set('ONESIDE', makeBook({ bids: [[10, 5]] }));
  books.set('STALE', standardBook());
  books.setStale('STALE', true);
  const cases: [string, ReturnType<typeof makeOrder>, ErrorCode][] = [
    ['unknown symbol', makeOrder({ symbol: 'NOPE' }), ErrorCode.RISK_UNKNOWN_SYMBOL],
    ['malformed symbol', makeOrder({ symbol: 'aapl' }), ErrorCode.RISK_UNKNOWN_SYMBOL],
    ['quantity not a positive integer', makeOrder({ quantity: 2.5 }), ErrorCode.RISK_BAD_QUANTITY],
    ['zero quantity', makeOrder({ quantity: 0 }), ErrorCode.RISK_BAD_QUANTITY],
    ['NaN price', makeOrder({ price: Number.NaN }), ErrorCode.RISK_BAD_PRICE],
    ['infinite price', makeOrder({ price: Number.POSITIVE_INFINITY }), ErrorCode.RISK_BAD_PRICE],
    ['negative price', makeOrder({ price: -1 }), ErrorCode.RISK_BAD_PRICE],
    ['unknown side', makeOrder({ side: 9 as Side }), ErrorCode.RISK_BAD_SIDE],
    ['empty order id', makeOrder({ orderId: '' }), ErrorCode.ORDER_INVALID],
    ['MARKET DAY', makeOrder({ orderType: OrderType.MARKET, timeInForce: TimeInForce.DAY, price: 0 }), ErrorCode.ORDER_INVALID],
    ['over max order quantity', makeOrder({ quantity: 1001, price: 50 }), ErrorCode.RISK_MAX_QTY],
    ['over max notional', makeOrder({ quantity: 601, price: 100 }), ErrorCode.RISK_MAX_NOTIONAL],
    ['outside the collar', makeOrder({ quantity: 10, price: 101.5 }), ErrorCode.RISK_PRICE_COLLAR],
    ['stale book', makeOrder({ symbol: 'STALE' }), ErrorCode.RISK_STALE_BOOK],
    ['one-sided book', makeOrder({ symbol: 'ONESIDE', price: 10 }), ErrorCode.RISK_NO_LIQUIDITY],
  ];
  for (const [name, order, code] of cases) {
    await t.test(name, () => {
      sink.clear();
      assert.equal(om.handleOrder(order, 'c1'), code);
      assert.equal(sink.delivered.length, 1);
      const report = sink.delivered[0]?.report;
      assert.equal(report?.status, ExecutionStatus.REJECTED);
      assert.equal(report?.rejectCode, code);
      assert.equal(report?.orderId, order.orderId);
      assert.ok((report?.reason.length ?? 0) > 5, `a reason: ${report?.reason}`);
      assert.equal(report?.filledQuantity, 0);
    });
  }

  await t.test('max position, counting resting orders', () => {
    assert.equal(om.handleOrder(makeOrder({ quantity: 500, price: 99.5, timeInForce: TimeInForce.DAY }), 'c1'), null);
    assert.equal(om.handleOrder(makeOrder({ quantity: 500, price: 99.5, timeInForce: TimeInForce.DAY }), 'c1'), null);
    assert.equal(om.handleOrder(makeOrder({ quantity: 501, price: 99.5 }), 'c1'), ErrorCode.RISK_MAX_POSITION);
    assert.equal(om.handleOrder(makeOrder({ quantity: 500, price: 99.5 }), 'c1'), null, 'exactly at the limit');
  });

  await t.test('duplicate order id; a rejected id stays free', () => {
    const first = makeOrder({ quantity: 1, price: 99.0 });
    assert.equal(om.handleOrder(first, 'c1'), null);
    assert.equal(om.handleOrder({ ...first }, 'c1'), ErrorCode.ORDER_DUPLICATE_ID);
    assert.equal(om.handleOrder({ ...first }, 'other-client'), ErrorCode.ORDER_DUPLICATE_ID, 'ids are global');
    const tooBig = makeOrder({ quantity: 5000, price: 1 });
    assert.equal(om.handleOrder(tooBig, 'c1'), ErrorCode.RISK_MAX_QTY);
    assert.equal(om.handleOrder({ ...tooBig, quantity: 1, price: u(99) }, 'c1'), null);
  });

  await t.test('order rate per client, refilled with time', () => {
    let accepted = 0;
    let limited = 0;
    for (let i = 0; i < 200; i++) {
      const code = om.handleOrder(makeOrder({ quantity: 1, price: 99.0 }), 'c3');
      if (code === null) accepted++;
      else if (code === ErrorCode.RISK_RATE_LIMIT) limited++;
    }
    assert.deepEqual([accepted, limited], [100, 100]);
    assert.equal(om.handleOrder(makeOrder({ quantity: 1, price: 99.0 }), 'c4'), null, 'another client is not limited');
    clock.nowNs += 1e9;
    assert.equal(om.handleOrder(makeOrder({ quantity: 1, price: 99.0 }), 'c3'), null, 'one more token after a second');
    assert.equal(om.handleOrder(makeOrder({ quantity: 1, price: 99.0 }), 'c3'), ErrorCode.RISK_RATE_LIMIT);
  });

  await om.flush();
  assert.equal(readFileSync(path, 'utf8'), '', 'no reject was ever logged as a trade');
  const byCode = om.rejectsByCode();
  assert.equal(byCode[ErrorCode.RISK_RATE_LIMIT], 101);
  assert.equal(byCode[ErrorCode.RISK_BAD_PRICE], 3);
  assert.equal(om.counters()[`rejects.${ErrorCode.RISK_STALE_BOOK}`], 1);
  await journal.close();
});

test('reports leave in order and never before the fill they follow is on disk', async () => {
  const { om, sink, journal, path } = rig();
  const deliveredWhileOnDisk: boolean[] = [];
  sink.onDeliver = (_client, report) => {
    if (report.executionId !== '') deliveredWhileOnDisk.push(readFileSync(path, 'utf8').includes(`"execution_id":"${report.executionId}"`));
  };
  const fill = makeOrder({ quantity: 10, price: 100.01 });
  const reject = makeOrder({ quantity: 0 });
  om.handleOrder(fill, 'c1');
  om.handleOrder(reject, 'c2');
  assert.equal(sink.delivered.length, 0, 'the reject waits behind the fill made before it');
  await om.flush();
  assert.deepEqual(
    sink.delivered.map((d) => [d.client, d.report.status]),
    [
      ['c1', ExecutionStatus.FILLED],
      ['c2', ExecutionStatus.REJECTED],
    ],
  );
  assert.deepEqual(deliveredWhileOnDisk, [true]);
  // Once caught up, a reject leaves at once again.
  om.handleOrder(makeOrder({ quantity: 0 }), 'c2');
  assert.equal(sink.delivered.length, 3);
  await journal.close();
});

test('report objects are pooled: a delivered object is reused, so a sink must encode, not keep', async () => {
  const books = new MemoryBookSource();
  books.set('AAPL', standardBook());
  const journal = TradeLog.open(join(tempDir('oms'), 'trades.log'));
  const seen = new Set<object>();
  const om = new OrderManager({ books, journal, sink: { deliver: (_client, report) => seen.add(report) } });
  for (let i = 0; i < 50; i++) om.handleOrder(makeOrder({ quantity: 0 }), 'c1'); // each REJECTED at once
  assert.equal(seen.size, 1, 'one report object served 50 reports');
  await journal.close();
});

test('a sink that throws loses only its own report', async () => {
  const books = new MemoryBookSource();
  books.set('AAPL', standardBook());
  const journal = TradeLog.open(join(tempDir('oms'), 'trades.log'));
  const got: string[] = [];
  const om = new OrderManager({
    books,
    journal,
    sink: {
      deliver: (client, report) => {
        if (client === 'broken') throw new Error('socket gone');
        got.push(report.orderId);
      },
    },
  });
  const a = makeOrder({ quantity: 1, price: 100.01 });
  const b = makeOrder({ quantity: 1, price: 100.01 });
  om.handleOrder(a, 'broken');
  om.handleOrder(b, 'fine');
  await om.flush();
  assert.deepEqual(got, [b.orderId]);
  assert.equal(om.counters()['reportDeliveryErrors'], 1);
  await journal.close();
});

test('restart: positions, realized PnL, execution ids and known order ids come back from the log', async () => {
  const path = join(tempDir('oms'), 'trades.log');
  const first = rig({}, path);
  const buy = makeOrder({ quantity: 150, price: 100.02 });
  first.om.handleOrder(buy, 'c1'); // 100 @ 100.01, 50 @ 100.02
  first.books.set('AAPL', standardBook(2));
  const sell = makeOrder({ side: Side.SELL, quantity: 120, price: 99.99 });
  first.om.handleOrder(sell, 'c1'); // 100 @ 99.99, then 20 → canceled (limit 99.99)
  await first.om.flush();
  const before = first.om.positions();
  await first.journal.close();
  const lastId = first.sink.delivered.filter((d) => d.report.executionId !== '').at(-1)?.report.executionId;
  assert.equal(lastId, 'E3');

  const second = rig({}, path);
  assert.equal(second.om.recovery.tradeLog.records, 3);
  assert.equal(second.om.recovery.lastExecutionNumber, 3n);
  const after = second.om.positions();
  assert.deepEqual(after, before);
  assert.equal(after.positions[0]?.netQuantity, 50);
  // FIFO: the sale of 100 closed the lot bought at 100.01 at 99.99
  assert.equal(after.realizedPnl, 100 * (u(99.99) - u(100.01)));
  assert.equal(second.om.handleOrder({ ...buy }, 'c1'), ErrorCode.ORDER_DUPLICATE_ID, 'a filled order id stays used after a restart');
  const next = makeOrder({ quantity: 1, price: 100.01 });
  second.om.handleOrder(next, 'c1');
  await second.om.flush();
  assert.equal(second.sink.reportsFor(next.orderId)[0]?.executionId, 'E4', 'ids continue, never repeat');
  await second.journal.close();
});

test('positions snapshot marks at the mid; counters add up', async () => {
  const { om, journal } = rig();
  om.handleOrder(makeOrder({ quantity: 100, price: 100.01 }), 'c1');
  om.handleOrder(makeOrder({ symbol: 'MSFT', side: Side.SELL, quantity: 10, price: 399.9 }), 'c1');
  await om.flush();
  const snapshot = om.positions();
  const aapl = snapshot.positions.find((p) => p.symbol === 'AAPL');
  const msft = snapshot.positions.find((p) => p.symbol === 'MSFT');
  assert.equal(aapl?.markPrice, u(100.0));
  assert.equal(aapl?.unrealizedPnl, 100 * (u(100.0) - u(100.01)));
  assert.equal(msft?.netQuantity, -10);
  assert.equal(msft?.unrealizedPnl, 10 * (u(399.9) - u(400.0)));
  assert.equal(snapshot.totalPnl, snapshot.realizedPnl + snapshot.unrealizedPnl);
  const counters = om.counters();
  assert.equal(counters['orders'], 2);
  assert.equal(counters['fills'], 2);
  assert.equal(counters['filledQuantity'], 110);
  assert.equal(counters['unrealizedPnl'], (100 * -100 - 10 * 1000) / 10_000);
  await journal.close();
});

test('when the trade log fails, each order in flight is REJECTED E_TRADE_LOG_UNAVAILABLE instead of its fills, and so is every new one', async () => {
  const { om, sink, failures, journal } = rig();
  const restore = wrapFdatasync(failingFdatasync);
  try {
    const inFlight = makeOrder({ quantity: 150, price: 100.02 }); // two fills, neither durable
    om.handleOrder(inFlight, 'c1');
    await assert.rejects(om.flush(), { code: ErrorCode.TRADE_LOG_UNAVAILABLE });
    assert.equal(failures.length, 1);
    assert.equal(sink.delivered.filter((d) => d.report.executionId !== '').length, 0, 'a fill that is not durable is never reported');
    assert.deepEqual(
      sink.delivered.map((d) => [d.client, d.report.orderId, d.report.status, d.report.rejectCode, d.report.filledQuantity]),
      [['c1', inFlight.orderId, ExecutionStatus.REJECTED, ErrorCode.TRADE_LOG_UNAVAILABLE, 0]],
      'the order in flight hears once that it failed, never silence',
    );
    assert.equal(om.handleOrder(makeOrder({ quantity: 10, price: 100.01 }), 'c1'), ErrorCode.TRADE_LOG_UNAVAILABLE);
    assert.equal(sink.delivered[1]?.report.status, ExecutionStatus.REJECTED);
    assert.equal(sink.delivered[1]?.report.rejectCode, ErrorCode.TRADE_LOG_UNAVAILABLE);
  } finally {
    restore();
    await journal.close().catch(() => undefined);
  }
});

test('restart: a resting DAY order comes back with its leaves and keeps filling; cancelled and unfilled ids stay used', async () => {
  const path = join(tempDir('oms'), 'trades.log');
  const first = rig({ maxPosition: 1000 }, path);
  const day = makeOrder({ quantity: 300, price: 100.01, timeInForce: TimeInForce.DAY }); // 100 filled, 200 rest
  const canceled = makeOrder({ side: Side.SELL, quantity: 50, price: 100.5, timeInForce: TimeInForce.DAY });
  const missed = makeOrder({ quantity: 10, price: 99.0 }); // IOC, no fill
  first.om.handleOrder(day, 'strategy');
  first.om.handleOrder(canceled, 'strategy');
  first.om.handleOrder(missed, 'strategy');
  assert.equal(first.om.handleCancel(cancelOf(canceled.orderId), 'strategy'), null);
  await first.om.flush();
  await first.journal.close(); // a crash: no cancelAll

  const second = rig({ maxPosition: 1000 }, path);
  assert.equal(second.om.restingOrderCount, 1);
  assert.deepEqual(second.om.restingOrder(day.orderId), {
    orderId: day.orderId,
    client: 'strategy',
    symbol: 'AAPL',
    side: Side.BUY,
    price: u(100.01),
    quantity: 300,
    filledQuantity: 100,
    leavesQuantity: 200,
  });
  assert.equal(second.om.counters()['restoredRestingOrders'], 1);
  for (const used of [day, canceled, missed]) {
    assert.equal(second.om.handleOrder({ ...used }, 'strategy'), ErrorCode.ORDER_DUPLICATE_ID, used.orderId);
  }
  // The restored order counts in the worst case: 100 held + 200 resting + 701 > 1000.
  assert.equal(second.om.handleOrder(makeOrder({ quantity: 701, price: 99.0 }), 'x'), ErrorCode.RISK_MAX_POSITION);
  second.books.set('AAPL', makeBook({ bids: [[99.9, 10]], asks: [[100.0, 500]], sequence: 50 }));
  assert.equal(second.om.pollRestingOrders(), 1);
  await second.om.flush();
  const reports = second.sink.reportsFor(day.orderId).filter((r) => r.status !== ExecutionStatus.REJECTED);
  assert.deepEqual(
    reports.map((r) => [r.status, r.lastQuantity, r.lastPrice, r.filledQuantity, r.leavesQuantity]),
    [[ExecutionStatus.FILLED, 200, u(100.01), 300, 0]],
  );
  assert.equal(reports[0]?.averagePrice, u(100.01));
  assert.equal(second.sink.delivered.find((d) => d.report.status === ExecutionStatus.FILLED)?.client, 'strategy');
  await second.journal.close();

  const third = rig({}, path);
  assert.equal(third.om.restingOrderCount, 0, 'a fully filled order does not come back');
  assert.equal(third.om.positions().positions[0]?.netQuantity, 300);
  await third.journal.close();
});

test('a graceful stop (cancelAll) leaves nothing resting for the next run', async () => {
  const path = join(tempDir('oms'), 'trades.log');
  const first = rig({}, path);
  first.om.handleOrder(makeOrder({ quantity: 10, price: 99.5, timeInForce: TimeInForce.DAY }), 'c1');
  assert.equal(first.om.cancelAll('order manager stopping'), 1);
  await first.om.flush();
  await first.journal.close();
  const second = rig({}, path);
  assert.equal(second.om.restingOrderCount, 0);
  await second.journal.close();
});

test('restart: the book state traded against before the crash gives nothing more; the next one does', async () => {
  const path = join(tempDir('oms'), 'trades.log');
  const first = rig({}, path);
  first.om.handleOrder(makeOrder({ quantity: 50, price: 100.01 }), 'c1'); // takes 50 of the 100 at 100.01 in state 1
  await first.om.flush();
  await first.journal.close();
  const second = rig({}, path); // books still show state 1
  const again = makeOrder({ quantity: 100, price: 100.01 });
  second.om.handleOrder(again, 'c1');
  await second.om.flush();
  assert.deepEqual(
    second.sink.reportsFor(again.orderId).map((r) => [r.status, r.filledQuantity]),
    [[ExecutionStatus.CANCELED, 0]],
    'not 100 more from a state we already traded against',
  );
  second.books.set('AAPL', standardBook(2));
  const next = makeOrder({ quantity: 100, price: 100.01 });
  second.om.handleOrder(next, 'c1');
  await second.om.flush();
  assert.equal(second.sink.reportsFor(next.orderId)[0]?.status, ExecutionStatus.FILLED);
  await second.journal.close();
});

test('workingOrderIds: a client\'s resting orders and the orders whose reports wait for the journal, no one else\'s; what is delivered and done drops out', async () => {
  const { om, journal } = rig();
  // c1: an IOC that fills (reports waiting for the journal) and a DAY order that rests; c2: a DAY order
  assert.equal(om.handleOrder(makeOrder({ orderId: 'ioc-1', quantity: 50, price: 100.03 }), 'c1'), null);
  assert.equal(om.handleOrder(makeOrder({ orderId: 'day-1', quantity: 10, price: 99.5, timeInForce: TimeInForce.DAY }), 'c1'), null);
  assert.equal(om.handleOrder(makeOrder({ orderId: 'day-2', quantity: 10, price: 99.5, timeInForce: TimeInForce.DAY }), 'c2'), null);
  assert.deepEqual([...om.workingOrderIds('c1')].sort(), ['day-1', 'ioc-1']);
  assert.deepEqual([...om.workingOrderIds('c2')], ['day-2']);
  await om.flush();
  assert.deepEqual([...om.workingOrderIds('c1')], ['day-1'], 'the IOC is reported and done');
  assert.deepEqual([...om.workingOrderIds('nobody')], []);
  await journal.close();
});

test("an order made on a tick newer than the book it meets is counted (ordersAheadOfBook), and still executes against that book", async () => {
  const { om, books, sink, journal } = rig();
  const book = standardBook(7);
  book.sentNs = 1_000;
  books.set('AAPL', book);
  om.handleOrder(makeOrder({ orderId: 'behind', tickSentNs: 900 }), 'c1');
  om.handleOrder(makeOrder({ orderId: 'same', tickSentNs: 1_000 }), 'c1');
  assert.equal(om.counters()['ordersAheadOfBook'], 0, 'made on this book or an older one');
  om.handleOrder(makeOrder({ orderId: 'ahead', tickSentNs: 1_100 }), 'c1');
  assert.equal(om.counters()['ordersAheadOfBook'], 1, 'its tick came after the book the orderbook has written');
  om.handleOrder(makeOrder({ orderId: 'unstamped', tickSentNs: 0 }), 'c1');
  assert.equal(om.counters()['ordersAheadOfBook'], 1);
  await om.flush();
  assert.equal(sink.reportsFor('ahead').at(-1)?.status, ExecutionStatus.FILLED);
  await journal.close();
});
