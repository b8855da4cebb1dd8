/**
 * One subscriber of the fan-out benchmark, run as its own process: connects to a gateway,
 * asks for binary (as our orderbook does), decodes every frame and counts MARKET_DATA.
 *
 *   node fanout-subscriber.js HOST PORT       (forked with an IPC channel)
 *
 * Says `{kind: 'subscribed'}` after its first MARKET_DATA; answers `{kind: 'sample'}`
 * with `{kind: 'count', marketData}`; exits on `{kind: 'stop'}` or when the parent goes.
 */
import { encodePayloadCopy } from '../protocol/encoded-copy.js';
import { FrameClient } from '../net/frame-client.js';
import { MessageDecoder, MessageEncoder } from '../protocol/codec.js';
import { MessageType, PROTOCOL_VERSION } from '../protocol/messages.js';

function main(): void {
  const [host, portArg] = process.argv.slice(2);
  const port = Number(portArg);
  if (host === undefined || !Number.isInteger(port) || process.send === undefined) {
    process.stderr.write('usage: fanout-subscriber HOST PORT (forked with an IPC channel)\n');
    process.exitCode = 2;
    return;
  }
  const decoder = new MessageDecoder();
  const encoder = new MessageEncoder({ mode: 'binary' });
  const hello = encodePayloadCopy(encoder, { type: MessageType.HELLO, protocolVersion: PROTOCOL_VERSION, clientName: `fanout-${process.pid}`, binary: true });
  let marketData = 0;
  let subscribed = false;
  const client = new FrameClient({
    host,
    port,
    reconnect: false,
    onConnect: () => client.sendPayload(hello),
    onFrame: (buffer, offset, length) => {
      if (decoder.decode(buffer, offset, length).type !== MessageType.MARKET_DATA) return;
      marketData++;
      if (!subscribed) {
        subscribed = true;
        process.send?.({ kind: 'subscribed' });
      }
    },
    onDisconnect: () => process.exit(0),
  });
  process.on('message', (message: { kind?: string }) => {
    if (message.kind === 'sample') process.send?.({ kind: 'count', marketData });
    else if (message.kind === 'stop') void client.close().then(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
  client.connect().catch((error: unknown) => {
    process.stderr.write(`fanout-subscriber: ${String(error)}\n`);
    process.exit(1);
  });
}

main();
