/**
 * Fills published by a NATS client straight into the executions stream, as the order
 * manager's mirror publishes them (binary TRADE_EXECUTION on exec.<SYMBOL>, the execution id
 * as Nats-Msg-Id): a drop copy test controls exactly how many arrive, and when.
 */
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { executionSubject } from '../../src/bus/subjects.js';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { MessageEncoder } from '../../src/protocol/codec.js';
import { FRAME_HEADER_BYTES } from '../../src/protocol/framing.js';
import { ExecutionStatus } from '../../src/protocol/messages.js';
import { createExecutionReport } from '../../src/protocol/reusable-messages.js';

const encoder = new MessageEncoder({ mode: 'binary' });

/** Fill number n: execution id E<n>, 100 AAPL @ 100.01. */
export function fill(n: number): Uint8Array {
  const report = createExecutionReport(ExecutionStatus.FILLED);
  report.executionId = `E${n}`;
  report.orderId = `o${n}`;
  report.symbol = 'AAPL';
  report.lastQuantity = 100;
  report.lastPrice = toPriceUnits(100.01);
  report.orderPrice = toPriceUnits(100.02);
  report.orderQuantity = 100;
  report.filledQuantity = 100;
  report.averagePrice = toPriceUnits(100.01);
  report.timestamp = 1_700_000_000 + n;
  const bytes = encoder.encode(report, 'binary');
  return Uint8Array.prototype.slice.call(encoder.buffer, FRAME_HEADER_BYTES, bytes);
}

/** Publish `payload` as message id `id`, acknowledged by the stream; retried across reconnects. */
export async function publishToStream(nc: NatsConnection, id: string, payload: Uint8Array): Promise<void> {
  const js = jetstream(nc, { timeout: 2_000 });
  for (let attempt = 1; ; attempt++) {
    try {
      await js.publish(executionSubject('AAPL'), payload, { msgID: id });
      return;
    } catch (err) {
      if (attempt === 50) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Publish fills from..to (inclusive), each acknowledged by the stream. */
export async function publishFills(nc: NatsConnection, from: number, to: number): Promise<void> {
  for (let n = from; n <= to; n++) await publishToStream(nc, `E${n}`, fill(n));
}
