/**
 * The strategy's link against an order manager of this test (a FrameServer speaking the
 * session's HELLO), for what the process tests cannot easily make: a resumed session whose
 * answer lists no working orders (an older order manager) is counted and warned about and
 * closes nothing; one that lists them closes the rest as lost at once when there is
 * nothing to replay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setLogSink } from '../../src/core/log.js';
import { FrameServer } from '../../src/net/frame-server.js';
import type { FrameServerClient } from '../../src/net/frame-server-client.js';
import { MessageDecoder, MessageEncoder } from '../../src/protocol/codec.js';
import { MessageType, OrderType, Side, TimeInForce, type Hello, type Order } from '../../src/protocol/messages.js';
import type { OrderManagerLink } from '../../src/strategy/order-manager-link.js';
import type { Strategy } from '../../src/strategy/strategy.js';
import { harness, linkTo } from './fixtures.js';

const idle: Strategy = { name: 'idle', onTick: () => undefined, onNews: () => undefined, onExecution: () => undefined };

function orderOf(orderId: string, timeInForce: TimeInForce): Order {
  return { type: MessageType.ORDER, orderId, symbol: 'AAPL', side: Side.BUY, orderType: OrderType.LIMIT, timeInForce, price: 1_000_000, quantity: 10, timestamp: 0, tickSentNs: 0, orderSentNs: 0 };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Answers the first HELLO with a new session, every later one resumed with `extra`; never reports. */
async function orderManager(extra: Partial<Hello>): Promise<{ server: FrameServer; port: number; clients: FrameServerClient[] }> {
  const decoder = new MessageDecoder();
  const encoder = new MessageEncoder({ mode: 'json' });
  const clients: FrameServerClient[] = [];
  const server = new FrameServer({
    onFrame: (client, buffer, offset, length) => {
      const message = decoder.decode(buffer, offset, length);
      if (message.type !== MessageType.HELLO) return;
      clients.push(client);
      const resumed = message.session === 'journal-1';
      const answer: Hello = { type: MessageType.HELLO, protocolVersion: 1, clientName: 'ordermanager', binary: true, session: 'journal-1', lastSequence: 0, resumed, ...(resumed ? extra : {}) };
      const bytes = encoder.encode(answer, 'json');
      client.send(encoder.buffer.subarray(0, bytes));
      client.mode = 'binary';
    },
  });
  const port = (await server.listen(0)).port;
  return { server, port, clients };
}

async function resumeWith(extra: Partial<Hello>): Promise<{ link: OrderManagerLink; openIds: string[]; logged: string[]; lost: number }> {
  const logged: string[] = [];
  setLogSink((line) => logged.push(line));
  const { server, port, clients } = await orderManager(extra);
  const { engine } = harness(idle);
  const link = linkTo(port, engine, { helloTimeoutMs: 2_000, reconnect: { minDelayMs: 10, maxDelayMs: 50 } });
  try {
    assert.equal(await link.connect(), true);
    for (const sent of [orderOf('o-1', TimeInForce.DAY), orderOf('o-2', TimeInForce.IOC)]) {
      engine.tracker.recordSent(sent);
      assert.ok(link.send(sent));
    }
    link.flush();
    clients[0]?.destroy();
    await until(() => link.counters.resyncs === 1, 'the resumed session');
    return { link, openIds: [...engine.tracker.openOrders()].map((o) => o.orderId).sort(), logged, lost: engine.tracker.counters.lost };
  } finally {
    setLogSink(() => undefined);
    await link.close();
    await server.close();
  }
}

test('a resumed order manager that lists no working orders (an older one): nothing is closed, the unchecked resume is counted and warned about', async () => {
  const { link, openIds, logged, lost } = await resumeWith({});
  assert.deepEqual(openIds, ['o-1', 'o-2']);
  assert.equal(lost, 0);
  assert.equal(link.counters.unreconciledResumes, 1);
  assert.ok(logged.some((line) => /did not list its working orders/.test(line)), logged.join('\n'));
});

test('a resumed order manager with nothing to replay that lists only the resting DAY order: the IOC is closed as lost at once', async () => {
  const { link, openIds, logged, lost } = await resumeWith({ replayTo: 0, working: ['o-1'] });
  assert.deepEqual(openIds, ['o-1']);
  assert.equal(lost, 1);
  assert.equal(link.counters.ordersLost, 1);
  assert.equal(link.counters.unreconciledResumes, 0);
  assert.ok(logged.some((line) => /closed as lost .*ids=o-2\b/.test(line)), logged.join('\n'));
});
