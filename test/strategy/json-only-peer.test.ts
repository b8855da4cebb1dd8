/**
 * Negotiation: our strategy against servers that speak only the seed's JSON and ignore
 * HELLO (written here from the seed's wire description alone: a 4-byte big-endian length,
 * then a UTF-8 JSON object {"type", "data"}; they never answer), and against servers that
 * answer HELLO as ours do. Against the first every frame it sends is the seed's JSON and
 * its orders carry the seed's fields; against the second its orders are binary.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { cleanupAll, stopChild, uniqueShmName } from '../helpers/resources.js';
import { StrategyChild, bookAround, liveWriter, startImbalanceStrategy } from './process-fakes.js';

after(cleanupAll);

interface SeedFrame {
  firstByte: number;
  message: { type: number; data: Record<string, unknown> } | undefined;
}

/** A server knowing only the seed's framing and JSON: it records what it receives, answers nothing. */
class SeedJsonServer {
  readonly frames: SeedFrame[] = [];
  readonly undecodable: string[] = [];
  readonly sockets = new Set<Socket>();
  readonly #server: Server;
  #waiters: (() => void)[] = [];

  constructor(onConnect: (socket: Socket) => void = () => undefined) {
    this.#server = createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      let pending = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4) {
          const length = pending.readUInt32BE(0);
          if (pending.length < 4 + length) break;
          const payload = pending.subarray(4, 4 + length);
          pending = pending.subarray(4 + length);
          let message: SeedFrame['message'];
          try {
            // what the seed's Python does: payload.decode('utf-8'), then json.loads
            message = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload)) as SeedFrame['message'];
          } catch {
            this.undecodable.push(payload.toString('hex', 0, 8));
          }
          this.frames.push({ firstByte: payload[0] ?? 0, message });
        }
        for (const wake of this.#waiters.splice(0)) wake();
      });
      onConnect(socket);
    });
  }

  async listen(): Promise<number> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    return (this.#server.address() as { port: number }).port;
  }

  ofType(type: number): Record<string, unknown>[] {
    return this.frames.flatMap((f) => (f.message?.type === type ? [f.message.data] : []));
  }

  async until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; frames ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.#server.close();
    await once(this.#server, 'close').catch(() => undefined);
  }
}

/** A seed gateway's MARKET_DATA frame, JSON exactly as the seed sends it. */
function seedMarketData(symbol: string, mid: number, bidSize: number, askSize: number): Buffer {
  const bids = [0, 1, 2, 3, 4].map((i) => [Number((mid - 0.01 - i * 0.01).toFixed(2)), bidSize]);
  const asks = [0, 1, 2, 3, 4].map((i) => [Number((mid + 0.01 + i * 0.01).toFixed(2)), askSize]);
  const text = JSON.stringify({ type: 1, data: { symbol, timestamp: Date.now() / 1000, bids, asks, last_price: mid, volume: 1000 } });
  const payload = Buffer.from(text, 'utf8');
  const frame = Buffer.alloc(4 + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, 4);
  return frame;
}


test('against JSON-only servers that ignore HELLO, the strategy falls back to the seed\'s JSON: its orders arrive as the seed\'s ORDER', async () => {
  const gatewaySockets: Socket[] = [];
  const gateway = new SeedJsonServer((socket) => gatewaySockets.push(socket));
  const orderManager = new SeedJsonServer();
  const gatewayPort = await gateway.listen();
  const omPort = await orderManager.listen();
  const shm = uniqueShmName('json-only');
  const book = liveWriter(shm, ['MSFT']);
  const strategy = new StrategyChild([
    '--gateway', `127.0.0.1:${gatewayPort}`,
    '--order-manager', `127.0.0.1:${omPort}`,
    '--shm', shm,
    '--strategy', 'imbalance',
    '--imbalance-quantity', '7',
    '--hello-timeout-ms', '200',
    '--gateway-timeout-ms', '0',
  ]);
  try {
    await strategy.waitReady();
    await strategy.waitForOutput(/strategy\.ordermanager\s+no HELLO answer/);
    await strategy.waitForOutput(/strategy\.gateway\s+no HELLO answer/);
    const pressed = bookAround(250, Date.now() / 1000, 500, 100);
    book.writer.write(0, pressed);
    for (const socket of gatewaySockets) socket.write(seedMarketData('MSFT', 250, 500, 100));
    await orderManager.until(() => orderManager.ofType(4).length >= 1, 'an ORDER');
    const order = orderManager.ofType(4)[0] ?? {};
    assert.equal(order['symbol'], 'MSFT');
    assert.equal(order['side'], 'BUY');
    assert.equal(order['quantity'], 7);
    assert.equal(order['price'], 249.99, 'a decimal price, as the seed writes it');
    assert.equal(typeof order['order_id'], 'string');
    assert.equal(typeof order['timestamp'], 'number');
    // our HELLO was JSON too, and every frame either server got: nothing a seed server cannot decode
    assert.equal(orderManager.ofType(9).length, 1);
    assert.equal(gateway.ofType(9).length, 1);
    assert.deepEqual(orderManager.undecodable, []);
    assert.deepEqual(gateway.undecodable, []);
    assert.ok(orderManager.frames.every((f) => f.firstByte === 0x7b));
    assert.equal(strategy.counters['bad_messages'] ?? 0, 0);
    assert.equal(await stopChild(strategy.child), 0);
    assert.deepEqual(orderManager.undecodable, [], 'nothing binary, not even at the stop');
  } catch (err) {
    console.error(strategy.output);
    throw err;
  } finally {
    book.stop();
    book.writer.unlink();
    await gateway.close();
    await orderManager.close();
  }
});

test('against servers that answer HELLO, the same strategy sends binary', async () => {
  const rig = await startImbalanceStrategy('answered');
  const { gateway, orderManager, book, strategy } = rig;
  try {
    await strategy.waitReady();
    await strategy.waitForOutput(/strategy\.ordermanager\s+session open.*mode=binary/);
    await strategy.waitForOutput(/strategy\.gateway\s+session open.*mode=binary/);
    const pressed = bookAround(250, Date.now() / 1000, 500, 100);
    book.writer.write(0, pressed);
    gateway.sendTick('MSFT', pressed, 77);
    await orderManager.waitForOrders(1);
    assert.equal(orderManager.frameKinds[0], 'binary');
    assert.equal(orderManager.orders[0]?.order.quantity, 7);
    assert.equal(await stopChild(strategy.child), 0);
  } finally {
    await rig.close();
  }
});
