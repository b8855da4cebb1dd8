import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReportRing } from '../../src/ordermanager/report-ring.js';
import { ExecutionStatus, MessageType, OrderType, Side, TimeInForce, type ExecutionReport } from '../../src/protocol/messages.js';

function report(sequence: number): ExecutionReport {
  return {
    type: MessageType.TRADE_EXECUTION, executionId: `E${sequence}`, orderId: `o${sequence}`, symbol: 'AAPL', side: Side.BUY, orderType: OrderType.LIMIT,
    timeInForce: TimeInForce.DAY, status: ExecutionStatus.NEW, lastQuantity: 0, lastPrice: 0, orderPrice: 1, orderQuantity: 1, filledQuantity: 0,
    leavesQuantity: 1, averagePrice: 0, timestamp: 0, rejectCode: '', reason: '', tickSentNs: 0, orderSentNs: 0, sequence,
  };
}

test('the ring replays every report after the last one seen, oldest first, while it has them', () => {
  const ring = new ReportRing(4);
  assert.equal(ring.canReplayAfter(0), true);
  assert.equal(ring.replayAfter(0, () => assert.fail('empty')), 0);
  const source = report(0);
  for (let sequence = 1; sequence <= 6; sequence++) {
    source.sequence = sequence;
    source.executionId = `E${sequence}`;
    ring.push(source); // copied: the caller reuses its object
  }
  assert.equal(ring.oldest, 3);
  assert.equal(ring.newest, 6);
  const seen: string[] = [];
  assert.equal(ring.replayAfter(3, (r) => seen.push(`${r.sequence}:${r.executionId}`)), 3);
  assert.deepEqual(seen, ['4:E4', '5:E5', '6:E6']);
  assert.equal(ring.canReplayAfter(2), true, 'from 3 on: all there');
  assert.equal(ring.canReplayAfter(1), false, '2 is gone');
  assert.equal(ring.canReplayAfter(6), true, 'nothing missed');
  assert.equal(ring.canReplayAfter(7), false, 'a sequence from the future (another process)');
});
