/**
 * The strategy's link to a real `trading ordermanager` that is SIGKILLed with an order in
 * flight, the order manager frozen (SIGSTOP) so that the order is in its socket and never
 * read: nothing of it is durable, and the next process never heard of it. The strategy
 * resumes its session with the new process (on the same trade log); once the replay is
 * applied its open orders equal the orders the order manager lists as working, the order
 * in flight is closed as lost (counted, logged once with its id, exposure released), and
 * an order sent on the new connection is not.
 *
 * And the other loss a resume cannot replay: an IOC whose fills' report lines survived the
 * crash but whose CANCELED (the remainder) did not (a torn journal write): replayed as
 * partly filled, then closed as lost with its fills kept.
 *
 * The order manager listens on a new port after its restart; the strategy's link talks to
 * a TCP proxy of this test (port 0) that forwards to the current process, as a fixed
 * address in front of a restarted service would.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { existsSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { setLogSink } from '../../src/core/log.js';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { ExecutionStatus, TimeInForce, type Order } from '../../src/protocol/messages.js';
import type { StrategyEngine } from '../../src/strategy/engine.js';
import type { OrderManagerLink } from '../../src/strategy/order-manager-link.js';
import type { Strategy } from '../../src/strategy/strategy.js';
import { cleanupAll, stopChild, tempDir, uniqueShmName, waitForExit } from '../helpers/resources.js';
import { standardBook } from '../ordermanager/fixtures.js';
import { TestBook, order, startOrderManager, strategyCredentials, type OrderManagerProcess } from '../ordermanager/process-helpers.js';
import { harness, linkTo } from './fixtures.js';

after(cleanupAll);

const idle: Strategy = { name: 'idle', onTick: () => undefined, onNews: () => undefined, onExecution: () => undefined };

/** Forwards each connection to `target` (the current order manager); counts bytes sent upstream. */
class Proxy {
  target = 0;
  forwarded = 0;
  /** Drop what the order manager sends (the strategy hears nothing, as with a connection about to die). */
  mute = false;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  constructor() {
    this.#server = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port: this.target });
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          this.#sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (chunk: Buffer) => {
        this.forwarded += chunk.length;
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (!this.mute) client.write(chunk);
      });
    });
  }

  async listen(): Promise<number> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    return (this.#server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/**
 * A real order manager on `label`'s trade log and book (AAPL), the test's proxy in front of
 * it, and the strategy's link through the proxy for an idle strategy's engine; `restart`
 * starts a new order manager on the same files behind the proxy, `close` stops everything.
 */
interface Rig {
  book: TestBook;
  tradeLog: string;
  proxy: Proxy;
  om: OrderManagerProcess;
  link: OrderManagerLink;
  tracker: StrategyEngine['tracker'];
  logged: string[];
  detail: () => string;
  restart: () => Promise<void>;
  close: () => Promise<void>;
}

async function startRig(label: string): Promise<Rig> {
  const dir = tempDir(label);
  const { secret, authFile } = await strategyCredentials(dir);
  const book = new TestBook(['AAPL'], uniqueShmName(label));
  book.write('AAPL', standardBook(1));
  const tradeLog = join(dir, 'trades.log');
  const args = ['--shm', book.name, '--trade-log', tradeLog, '--auth-file', authFile];
  const logged: string[] = [];
  setLogSink((line) => logged.push(line));
  const proxy = new Proxy();
  let om: OrderManagerProcess | undefined;
  let link: OrderManagerLink | undefined;
  const close = async (): Promise<void> => {
    setLogSink(() => undefined);
    await link?.close();
    await proxy.close();
    if (om !== undefined && om.child.exitCode === null && om.child.signalCode === null) await stopChild(om.child);
    book.close();
  };
  try {
    const port = await proxy.listen();
    om = await startOrderManager(args);
    proxy.target = om.port;
    const { engine } = harness(idle);
    const strategyLink = linkTo(port, engine, {
      authToken: secret,
      helloTimeoutMs: 5_000,
      reconnect: { minDelayMs: 20, maxDelayMs: 200 },
      onBadMessage: (err) => logged.push(`bad message ${String(err)}`),
    });
    link = strategyLink;
    assert.equal(await strategyLink.connect(), true);
    const rig: Rig = {
      book,
      tradeLog,
      proxy,
      om,
      link: strategyLink,
      tracker: engine.tracker,
      logged,
      detail: () => `${logged.join('\n')}\n--- order manager ---\n${om?.output() ?? ''}`,
      restart: async () => {
        om = await startOrderManager(args);
        rig.om = om;
        proxy.target = om.port;
      },
      close,
    };
    return rig;
  } catch (err) {
    await close();
    throw err;
  }
}

async function until(condition: () => boolean, what: string, detail: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${detail().slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('an order in flight when the order manager is SIGKILLed: after the resume the strategy\'s open orders equal the order manager\'s working orders, the lost one counted', { timeout: 60_000 }, async () => {
  const rig = await startRig('orders-resume-lost');
  const { book, proxy, link: strategyLink, tracker, logged, detail } = rig;
  try {
    // what the engine does for an order: track it, then send it
    const send = (sent: Order): void => {
      tracker.recordSent(sent);
      assert.ok(strategyLink.send(sent), `${sent.orderId} accepted by the link`);
      strategyLink.flush();
    };
    const openIds = (): string[] => [...tracker.openOrders()].map((o) => o.orderId).sort();

    // a DAY buy below the ask rests: durable, NEW reported (sequence 1)
    send(order({ orderId: 's-1', price: toPriceUnits(99.5), quantity: 50, timeInForce: TimeInForce.DAY }));
    await until(() => tracker.openOrder('s-1')?.status === ExecutionStatus.NEW, 's-1 NEW', detail);

    // the crash point: the order manager frozen, an IOC sent into its socket, then killed
    process.kill(rig.om.child.pid as number, 'SIGSTOP');
    const before = proxy.forwarded;
    send(order({ orderId: 's-2', price: toPriceUnits(100.03), quantity: 10, timeInForce: TimeInForce.IOC }));
    await until(() => proxy.forwarded > before, 's-2 forwarded into the frozen order manager\'s socket', detail);
    rig.om.child.kill('SIGKILL');
    await waitForExit(rig.om.child);
    assert.deepEqual(openIds(), ['s-1', 's-2']);
    assert.equal(tracker.position('AAPL').openBuyQuantity, 60);

    await rig.restart();
    await until(() => strategyLink.counters.resyncs === 1 && strategyLink.session.working !== undefined, 'the session resumed', detail);
    await until(() => tracker.counters.lost === 1, 's-2 closed as lost', detail);

    // the strategy's open orders are the order manager's working orders
    assert.deepEqual([...(strategyLink.session.working ?? [])].sort(), ['s-1'], detail());
    assert.deepEqual(openIds(), ['s-1']);
    assert.equal(tracker.position('AAPL').openBuyQuantity, 50, 'the lost order\'s exposure released');
    assert.equal(tracker.position('AAPL').quantity, 0);
    assert.equal(strategyLink.counters.ordersLost, 1);
    assert.equal(strategyLink.counters.ordersAbandoned, 0);
    const lostLines = logged.filter((line) => /closed as lost/.test(line));
    assert.equal(lostLines.length, 1, detail());
    assert.match(lostLines[0] as string, /orders=1 ids=s-2\b/);
    assert.match(rig.om.output(), /session open .*identity=strategy .*resumed=true .*working=1/);

    // an order on the new connection is not lost: it fills, and a DAY one rests open
    book.write('AAPL', standardBook(2));
    send(order({ orderId: 's-3', price: toPriceUnits(100.03), quantity: 10, timeInForce: TimeInForce.IOC }));
    send(order({ orderId: 's-4', price: toPriceUnits(99.5), quantity: 5, timeInForce: TimeInForce.DAY }));
    await until(() => tracker.openOrder('s-3') === undefined && tracker.openOrder('s-4')?.status === ExecutionStatus.NEW, 's-3 done and s-4 resting', detail);
    assert.equal(tracker.position('AAPL').quantity, 10);
    assert.deepEqual(openIds(), ['s-1', 's-4']);
    assert.equal(tracker.counters.lost, 1);
    assert.equal(tracker.counters.unknownReports, 0);
  } finally {
    await rig.close();
  }
});

test('an IOC whose CANCELED report line was lost in the crash while its fills\' survived: replayed partly filled, then closed as lost with its fills', { timeout: 60_000 }, async () => {
  const rig = await startRig('orders-resume-lost-cancel');
  const { proxy, link: strategyLink, tracker, logged, detail } = rig;
  const journal = `${rig.tradeLog}.orders`;
  const journalLines = (): string[] => (existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').filter((line) => line !== '') : []);
  try {
    // the book has 300 to sell up to 100.03: an IOC for 500 fills 3 × 100 and its 200 left are CANCELED
    proxy.mute = true; // none of its reports reach the strategy before the crash
    const ioc = order({ orderId: 'c-1', price: toPriceUnits(100.03), quantity: 500, timeInForce: TimeInForce.IOC });
    tracker.recordSent(ioc);
    assert.ok(strategyLink.send(ioc));
    strategyLink.flush();
    const isCanceledLine = (line: string): boolean => line.includes('"c-1"') && /"status":"CANCELED"/.test(line);
    await until(() => journalLines().some(isCanceledLine), 'the CANCELED report line of c-1 in the order journal', detail);
    rig.om.child.kill('SIGKILL');
    await waitForExit(rig.om.child);
    // the crash point: a torn write lost the CANCELED line, the fills' report lines before it survived
    const lines = journalLines();
    assert.ok(isCanceledLine(lines.at(-1) as string), lines.join('\n'));
    truncateSync(journal, Buffer.byteLength(lines.slice(0, -1).map((line) => line + '\n').join('')));
    proxy.mute = false;

    await rig.restart();
    await until(() => tracker.counters.lost === 1, 'c-1 closed as lost after its replayed fills', detail);
    assert.deepEqual(strategyLink.session.working, []);
    assert.equal(tracker.openOrderCount, 0);
    assert.equal(tracker.position('AAPL').quantity, 300, 'the replayed fills are kept');
    assert.equal(tracker.position('AAPL').openBuyQuantity, 0, 'the 200 never filled are not exposure any more');
    assert.equal(tracker.counters.canceled, 0, 'not told CANCELED: counted lost');
    assert.match(logged.find((line) => /closed as lost/.test(line)) ?? '', /orders=1 ids=c-1\b/);
    assert.match(rig.om.output(), /session open .*identity=strategy .*resumed=true replayed=3 fromJournal=3 .*working=0/);
  } finally {
    await rig.close();
  }
});
