import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import type { OrderEvent } from '../../src/ordermanager/execution-journal.js';
import { createOrderEvent, encodeOrderEventLine, parseOrderEventLine, parseOrderJournalLine } from '../../src/ordermanager/order-event-line.js';
import { createJournalNote, encodeReportLine, encodeSessionLine, reportLinePrefix } from '../../src/ordermanager/report-line.js';
import { JsonDecoder } from '../../src/protocol/json-decoder.js';
import { ExecutionStatus, OrderType, Side, TimeInForce } from '../../src/protocol/messages.js';
import { createExecutionReport } from '../../src/protocol/reusable-messages.js';

function event(fields: Partial<OrderEvent>): OrderEvent {
  return {
    ...createOrderEvent(),
    orderId: 'strategy-42',
    client: 'strategy',
    symbol: 'AAPL',
    side: Side.SELL,
    orderType: OrderType.LIMIT,
    timeInForce: TimeInForce.IOC,
    price: toPriceUnits(189.5),
    quantity: 100,
    timestamp: 1764050000.25,
    ...fields,
  };
}

test('an accepted event carries the order and its signal data, and reads back the same', () => {
  const signalData = { price_change: -0.0021, sentiment_ema: -0.4, lookback_ms: 10_000, why: 'line\nbreak "quoted"' };
  const line = encodeOrderEventLine(event({ kind: 'accepted', signalData }));
  assert.equal(line.split('\n').length, 2, 'one line, newline-terminated, whatever the signal data holds');
  const record = JSON.parse(line) as Record<string, unknown>;
  assert.equal(record['event'], 'accepted');
  assert.equal(record['order_id'], 'strategy-42');
  assert.deepEqual(record['signal_data'], signalData);
  const back = createOrderEvent();
  assert.equal(parseOrderEventLine(line.trimEnd(), back), true);
  assert.equal(back.kind, 'accepted');
  assert.deepEqual(back.signalData, signalData);
});

test("an event carries the order's three stamps, so its tick-to-trade can be read off the journal; a line without received_ns reads as 0", () => {
  const line = encodeOrderEventLine(event({ kind: 'accepted', tickSentNs: 1_000_000, orderSentNs: 1_150_000, receivedNs: 1_210_000 }));
  const record = JSON.parse(line) as Record<string, unknown>;
  assert.deepEqual([record['tick_sent_ns'], record['order_sent_ns'], record['received_ns']], [1_000_000, 1_150_000, 1_210_000]);
  const back = createOrderEvent();
  assert.equal(parseOrderEventLine(line.trimEnd(), back), true);
  assert.equal(back.receivedNs - back.tickSentNs, 210_000);
  const older = line.trimEnd().replace(',"received_ns":1210000', '');
  assert.notEqual(older, line.trimEnd());
  assert.equal(parseOrderEventLine(older, back), true);
  assert.equal(back.receivedNs, 0, 'a journal written before the stamp was kept');
});

test('other events have no signal data, and a line whose signal data is not an object is not a valid event', () => {
  const line = encodeOrderEventLine(event({ kind: 'rested' }));
  assert.equal('signal_data' in (JSON.parse(line) as object), false);
  const back = createOrderEvent();
  back.signalData = { stale: true };
  assert.equal(parseOrderEventLine(line.trimEnd(), back), true);
  assert.equal(back.signalData, undefined, 'a reused event loses the last one');
  const bad = line.trimEnd().replace(/}$/, ',"signal_data":[1]}');
  assert.equal(parseOrderEventLine(bad, createOrderEvent()), false);
});

test('report and session lines of the order journal read back as notes; the report is the wire JSON of the report, numbered', () => {
  const report = { ...createExecutionReport(), executionId: 'E7', orderId: 'strategy-9', symbol: 'AAPL', side: Side.BUY, status: ExecutionStatus.FILLED, lastQuantity: 10, lastPrice: toPriceUnits(100.01), sequence: 12 };
  const line = encodeReportLine('strategy', report);
  assert.equal(line.split('\n').length, 2);
  assert.ok(line.startsWith(reportLinePrefix('strategy') + '12,'));
  const into = createOrderEvent();
  const note = createJournalNote();
  assert.equal(parseOrderJournalLine(line.trimEnd(), into, note), 'note');
  assert.equal(note.kind, 'report');
  assert.equal(note.client, 'strategy');
  assert.equal(note.sequence, 12);
  assert.deepEqual(new JsonDecoder().decodeValue(note.message), report);
  assert.equal(parseOrderJournalLine(encodeSessionLine('ab12').trimEnd(), into, note), 'note');
  assert.equal(note.kind, 'session');
  assert.equal(note.sessionId, 'ab12');
  // an event is still an event; anything else is not a record
  assert.equal(parseOrderJournalLine(encodeOrderEventLine(event({ kind: 'rested' })).trimEnd(), createOrderEvent(), note), 'event');
  assert.equal(parseOrderJournalLine('{"event":"report","client":"strategy","seq":0,"message":{}}', createOrderEvent(), note), undefined);
  assert.equal(parseOrderJournalLine('{"event":"session","id":""}', createOrderEvent(), note), undefined);
  assert.equal(parseOrderEventLine(line.trimEnd(), createOrderEvent()), false, 'a report line is not an order event');
});
