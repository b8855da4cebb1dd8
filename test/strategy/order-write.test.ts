/**
 * When the strategy's orders leave: the first order of a message is written as soon as it
 * is made (before the engine's bookkeeping and the rest of the strategy's handler), later
 * ones of the same message together when the message is done. Against a real socket: what
 * the link still holds shows as the client's backlog (a written small frame leaves none).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameServer } from '../../src/net/frame-server.js';
import { MessageDecoder, MessageEncoder } from '../../src/protocol/codec.js';
import { MessageType, OrderType, Side, TimeInForce, type Hello, type Order } from '../../src/protocol/messages.js';
import type { Strategy } from '../../src/strategy/strategy.js';
import { harness, linkTo } from './fixtures.js';

const idle: Strategy = { name: 'idle', onTick: () => undefined, onNews: () => undefined, onExecution: () => undefined };

function orderOf(orderId: string): Order {
  return { type: MessageType.ORDER, orderId, symbol: 'AAPL', side: Side.BUY, orderType: OrderType.LIMIT, timeInForce: TimeInForce.IOC, price: 1_000_000, quantity: 10, timestamp: 0, tickSentNs: 0, orderSentNs: 0 };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test("a message's first order is written at once, later ones of the same message when it is done", async () => {
  const decoder = new MessageDecoder();
  const encoder = new MessageEncoder({ mode: 'json' });
  const received: string[] = [];
  const server = new FrameServer({
    onFrame: (client, buffer, offset, length) => {
      const message = decoder.decode(buffer, offset, length);
      if (message.type === MessageType.ORDER) received.push(message.orderId);
      if (message.type !== MessageType.HELLO) return;
      const answer: Hello = { type: MessageType.HELLO, protocolVersion: 1, clientName: 'ordermanager', binary: true, session: 'journal-1', lastSequence: 0, resumed: false };
      client.send(encoder.buffer.subarray(0, encoder.encode(answer, 'json')));
      client.mode = 'binary';
    },
  });
  const { engine } = harness(idle);
  const link = linkTo((await server.listen(0)).port, engine, { helloTimeoutMs: 2_000, reconnect: { minDelayMs: 10, maxDelayMs: 50 } });
  try {
    assert.equal(await link.connect(), true);
    // one message's three orders
    assert.ok(link.send(orderOf('o-1')));
    assert.ok(link.client.backlogBytes > 0, 'send() only queues');
    assert.equal(link.sendFirst(), true, 'sendFirst says it wrote');
    assert.equal(link.client.backlogBytes, 0, 'the first order of the message is written at once');
    assert.ok(link.send(orderOf('o-2')));
    assert.equal(link.sendFirst(), false, 'and that it did not');
    assert.ok(link.send(orderOf('o-3')));
    link.sendFirst();
    assert.ok(link.client.backlogBytes > 0, 'the later ones wait for the end of the message');
    link.flush();
    assert.equal(link.client.backlogBytes, 0, 'and go out together then');
    // the next message's first order goes out at once again
    assert.ok(link.send(orderOf('o-4')));
    link.sendFirst();
    assert.equal(link.client.backlogBytes, 0);
    link.flush();
    await until(() => received.length === 4, 'the four orders');
    assert.deepEqual(received, ['o-1', 'o-2', 'o-3', 'o-4'], 'in the order they were made');
  } finally {
    await link.close();
    await server.close();
  }
});
