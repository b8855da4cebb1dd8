import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import type { OrderEvent } from '../../src/ordermanager/execution-journal.js';
import { createOrderEvent, encodeOrderEventLine, parseOrderEventLine } from '../../src/ordermanager/order-event-line.js';
import { OrderType, Side, TimeInForce } from '../../src/protocol/messages.js';

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
