/**
 * The report queue hands reports to its sink in order once the journal is durable up to
 * theirs, and asks the sink to write them out at once when a durable point released some.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReportQueue } from '../../src/ordermanager/report-queue.js';

function queueWithLog(): { queue: ReportQueue; events: string[] } {
  const events: string[] = [];
  const queue = new ReportQueue(
    {
      deliver: (client, report) => events.push(`${client} ${report.orderId}`),
      flush: () => events.push('flush'),
    },
    (error) => assert.fail(`no delivery error expected: ${String(error)}`),
  );
  return { queue, events };
}

function push(queue: ReportQueue, client: string, orderId: string, position: number, durable: number): void {
  const report = queue.acquire();
  report.orderId = orderId;
  queue.push(client, report, position, durable);
}

test('a durable point delivers the reports it released in order, then flushes once', () => {
  const { queue, events } = queueWithLog();
  push(queue, 'a', 'o-1', 1, 0);
  push(queue, 'b', 'o-2', 2, 0);
  push(queue, 'a', 'o-3', 3, 0);
  queue.drain(2);
  assert.deepEqual(events, ['a o-1', 'b o-2', 'flush']);
  events.length = 0;
  queue.drain(2);
  assert.deepEqual(events, [], 'nothing released: no flush');
  queue.drain(3);
  assert.deepEqual(events, ['a o-3', 'flush']);
});

test('a report that leaves at once (nothing waiting, journal caught up) is not flushed by the queue: its turn does', () => {
  const { queue, events } = queueWithLog();
  push(queue, 'a', 'o-1', 0, 0);
  assert.deepEqual(events, ['a o-1']);
});
