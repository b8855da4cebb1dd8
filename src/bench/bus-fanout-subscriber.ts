/**
 * One subscriber of the bus fan-out benchmark, its own process: takes MARKET_DATA from the
 * gateway over direct TCP (a FrameClient, binary, as the orderbook does) or over NATS (the
 * orderbook's own BusConnection + MarketSubscriber), decodes every message, counts them
 * and records each one's latency (now − the gateway's sentNs: one host, one monotonic
 * clock) in µs.
 *
 *   node bus-fanout-subscriber.js tcp HOST PORT | nats URL     (forked with an IPC channel)
 *
 * Says `{kind: 'subscribed'}` after its first MARKET_DATA; `{kind: 'sample'}` → `{kind:
 * 'count', marketData, p50, p99, latencies}`; `{kind: 'reset'}` clears the histogram and
 * answers `{kind: 'reset'}`; exits on `{kind: 'stop'}` or when the parent goes.
 */
import { BusConnection } from '../bus/bus-connection.js';
import { MarketSubscriber } from '../bus/market-subscriber.js';
import { monotonicNs } from '../core/clock.js';
import { LatencyRecorder } from '../core/latency.js';
import { createLogger } from '../core/log.js';
import { FrameClient } from '../net/frame-client.js';
import { MessageDecoder, MessageEncoder } from '../protocol/codec.js';
import { MessageType, PROTOCOL_VERSION } from '../protocol/messages.js';

function main(): void {
  const [mode, a, b] = process.argv.slice(2);
  if ((mode !== 'tcp' && mode !== 'nats') || a === undefined || process.send === undefined) {
    process.stderr.write('usage: bus-fanout-subscriber tcp HOST PORT | nats URL (forked with an IPC channel)\n');
    process.exitCode = 2;
    return;
  }
  const decoder = new MessageDecoder();
  const latencyUs = new LatencyRecorder(10_000_000);
  let marketData = 0;
  let subscribed = false;
  const onPayload = (buffer: Buffer, offset: number, length: number): void => {
    const message = decoder.decode(buffer, offset, length);
    if (message.type !== MessageType.MARKET_DATA) return;
    marketData++;
    latencyUs.record((monotonicNs() - message.sentNs) / 1000);
    if (!subscribed) {
      subscribed = true;
      process.send?.({ kind: 'subscribed' });
    }
  };
  let close: () => Promise<void>;
  if (mode === 'tcp') {
    const encoder = new MessageEncoder({ mode: 'binary' });
    const helloBytes = encoder.encode({ type: MessageType.HELLO, protocolVersion: PROTOCOL_VERSION, clientName: `busfan-${process.pid}`, binary: true });
    const hello = Buffer.from(encoder.buffer.subarray(4, helloBytes));
    const client = new FrameClient({ host: a, port: Number(b), reconnect: { minDelayMs: 20, maxDelayMs: 200 }, onConnect: () => client.sendPayload(hello), onFrame: onPayload });
    void client.connect();
    close = () => client.close();
  } else {
    const connection = new BusConnection({ servers: [a], name: `busfan-${process.pid}` }, createLogger('bench-subscriber'));
    const subscriber = new MarketSubscriber({ connection, onPayload, onFeedLost: () => undefined });
    connection.open().then(
      () => subscriber.start(),
      (error: unknown) => {
        process.stderr.write(`bus-fanout-subscriber: ${String(error)}\n`);
        process.exit(1);
      },
    );
    close = async () => {
      subscriber.stop();
      await connection.close();
    };
  }
  process.on('message', (message: { kind?: string }) => {
    if (message.kind === 'sample') {
      process.send?.({ kind: 'count', marketData, p50: latencyUs.count > 0 ? latencyUs.percentile(50) : 0, p99: latencyUs.count > 0 ? latencyUs.percentile(99) : 0, latencies: latencyUs.count });
    } else if (message.kind === 'reset') {
      latencyUs.reset();
      process.send?.({ kind: 'reset' });
    } else if (message.kind === 'stop') {
      void close().then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
}

main();
