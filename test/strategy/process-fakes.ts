/**
 * The ends of a real `trading strategy` process, for its tests: a gateway that sends the
 * ticks and news the test asks for (binary), an order manager that records every order
 * and answers it with a FILLED report (or stays silent), and a spawned strategy whose
 * readiness arrives over the runtime's IPC channel and whose counters are read from its
 * counters segment, as the supervisor does.
 */
import type { ChildProcess } from 'node:child_process';
import { createL2Book, copyL2Book, type L2Book } from '../../src/core/book.js';
import type { ComponentReport } from '../../src/core/runtime.js';
import { KEPT_BY_SUPERVISOR_ENV, counterSegmentName, tryOpenCounters } from '../../src/metrics/index.js';
import { FrameServer } from '../../src/net/frame-server.js';
import type { FrameServerClient } from '../../src/net/frame-server-client.js';
import { MessageDecoder, MessageEncoder } from '../../src/protocol/codec.js';
import type { Cancel, Message, Order } from '../../src/protocol/messages.js';
import { ExecutionStatus, MessageType } from '../../src/protocol/messages.js';
import { createMarketData } from '../../src/protocol/reusable-messages.js';
import { BookWriter } from '../../src/shm/book-writer.js';
import { CLI_PATH, spawnTracked, uniqueShmName } from '../helpers/resources.js';
import { newsOf, reportFor } from './fixtures.js';

/** Resolves when `check()` is true, re-checked on every `poke()`; rejects after timeoutMs. */
class Waiters {
  readonly #waiters = new Set<() => void>();

  wait(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(poll);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const poll = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.#waiters.delete(poll);
        resolve();
      };
      this.#waiters.add(poll);
    });
  }

  poke(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/**
 * Counts HELLOs and answers them as our servers do (`answerHello`), or, with answerHello
 * false, ignores them as a JSON-only server (the seed's) does and speaks only JSON.
 * Subclasses handle the rest; `orderKinds` records the payload kind of every non-HELLO frame.
 */
abstract class FakeServer {
  hellos = 0;
  binaryHellos = 0;
  /** HELLOs asking to be written each tick first (HELLO `priority`). */
  priorityHellos = 0;
  heartbeats = 0;
  /** The kind of every frame received other than HELLO and HEARTBEAT. */
  readonly frameKinds: ('json' | 'binary')[] = [];
  answerHello = true;
  port = 0;
  protected readonly waiters = new Waiters();
  protected readonly decoder = new MessageDecoder();
  protected readonly encoder = new MessageEncoder({ mode: 'binary' });
  #server: FrameServer | undefined;

  async listen(port = 0): Promise<number> {
    this.#server = new FrameServer({
      onFrame: (client, buffer, offset, length) => {
        const message = this.decoder.decode(buffer, offset, length);
        if (message.type === MessageType.HELLO) {
          this.hellos++;
          if (message.binary) this.binaryHellos++;
          if (message.priority === true) this.priorityHellos++;
          if (this.answerHello) {
            const answer = { type: MessageType.HELLO, protocolVersion: message.protocolVersion, clientName: 'fake', binary: message.binary } as const;
            const bytes = this.encoder.encode(answer, 'json');
            client.send(this.encoder.buffer.subarray(0, bytes));
            client.mode = message.binary ? 'binary' : 'json';
          }
        } else {
          if (message.type === MessageType.HEARTBEAT) this.heartbeats++;
          else this.frameKinds.push(this.decoder.lastKind);
          this.onMessage(client, message);
        }
        this.waiters.poke();
      },
    });
    this.port = (await this.#server.listen(port)).port;
    return this.port;
  }

  waitForHellos(count: number): Promise<void> {
    return this.waiters.wait(() => this.hellos >= count, `${count} hello(s)`);
  }

  waitForHeartbeats(count: number, timeoutMs = 10_000): Promise<void> {
    return this.waiters.wait(() => this.heartbeats >= count, `${count} heartbeat(s), have ${this.heartbeats}`, timeoutMs);
  }

  get clients(): ReadonlySet<FrameServerClient> {
    return this.#server?.clients ?? new Set();
  }

  protected sendToAll(message: Message): void {
    for (const client of this.clients) {
      const bytes = this.encoder.encode(message, client.mode);
      client.send(this.encoder.buffer.subarray(0, bytes));
    }
  }

  async close(): Promise<void> {
    await this.#server?.close();
  }

  protected abstract onMessage(client: FrameServerClient, message: Message): void;
}

export class FakeGateway extends FakeServer {
  readonly #tick = createMarketData();

  /** A tick of `symbol` carrying `book` and the gateway stamp `sentNs`. */
  sendTick(symbol: string, book: L2Book, sentNs: number): void {
    copyL2Book(book, this.#tick);
    this.#tick.symbol = symbol;
    this.#tick.sentNs = sentNs;
    this.sendToAll(this.#tick);
  }

  sendNews(symbol: string, score: number): void {
    this.sendToAll(newsOf(symbol, score));
  }

  protected onMessage(): void {
    // the strategy sends only hello and heartbeats
  }
}

export interface ReceivedOrder {
  order: Order;
  answered: boolean;
}

export class FakeOrderManager extends FakeServer {
  readonly orders: ReceivedOrder[] = [];
  /** Answer each order with a FILLED report (false: stay silent, the order stays open). */
  answer = true;

  waitForOrders(count: number, timeoutMs = 10_000): Promise<void> {
    return this.waiters.wait(() => this.orders.length >= count, `${count} order(s), have ${this.orders.length}`, timeoutMs);
  }

  readonly cancels: Cancel[] = [];

  waitForCancels(count: number, timeoutMs = 10_000): Promise<void> {
    return this.waiters.wait(() => this.cancels.length >= count, `${count} cancel(s), have ${this.cancels.length}`, timeoutMs);
  }

  protected onMessage(client: FrameServerClient, message: Message): void {
    if (message.type === MessageType.CANCEL) this.cancels.push({ ...message });
    if (message.type !== MessageType.ORDER) return;
    this.orders.push({ order: message, answered: this.answer });
    if (!this.answer) return;
    const report = reportFor(message, ExecutionStatus.FILLED, {
      lastQuantity: message.quantity,
      lastPrice: message.price,
      filled: message.quantity,
      averagePrice: message.price,
    });
    const bytes = this.encoder.encode(report, client.mode);
    client.send(this.encoder.buffer.subarray(0, bytes));
  }
}

/** Counters and gauges by name (`name.SYMBOL` for per-symbol ones), histograms as `name_count`. */
export type CounterValues = Record<string, number>;

/** A `trading strategy` child: its ready report over IPC, its counters from its counters segment. */
export class StrategyChild {
  readonly child: ChildProcess;
  ready: Record<string, unknown> | undefined;
  output = '';
  readonly #waiters = new Waiters();
  readonly #segment: string;
  #last: CounterValues = {};

  constructor(args: readonly string[]) {
    const shm = args[args.indexOf('--shm') + 1];
    if (!args.includes('--shm') || shm === undefined) throw new Error('StrategyChild needs --shm (its counters segment is named after it)');
    this.#segment = counterSegmentName(shm, 'strategy');
    this.child = spawnTracked(process.execPath, [CLI_PATH, 'strategy', ...args], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // the segment outlives the process (as under a supervisor): its final counters stay readable
      env: { ...process.env, TRADING_LOG_LEVEL: 'info', [KEPT_BY_SUPERVISOR_ENV]: '1' },
    });
    this.child.on('message', (message: ComponentReport) => {
      if (message.kind === 'ready') this.ready = message.details;
      this.#waiters.poke();
    });
    const collect = (chunk: Buffer): void => {
      this.output += chunk.toString('utf8');
      this.#waiters.poke();
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.child.once('exit', () => this.#waiters.poke());
  }

  waitReady(timeoutMs = 10_000): Promise<void> {
    return this.#waiters.wait(() => this.ready !== undefined, `ready (output so far:\n${this.output})`, timeoutMs);
  }

  waitForOutput(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    return this.#waiters.wait(() => pattern.test(this.output), `output ${pattern}`, timeoutMs);
  }

  /** Its counters now (the last ones read once its segment is gone). */
  get counters(): CounterValues {
    const reader = tryOpenCounters(this.#segment);
    if (reader === undefined) return this.#last;
    try {
      const snapshot = reader.snapshot();
      const values: CounterValues = {};
      for (const sample of snapshot.counters) values[sample.labels.symbol === undefined ? sample.name : `${sample.name}.${sample.labels.symbol}`] = sample.value;
      for (const histogram of snapshot.histograms) {
        values[`${histogram.name}_count`] = histogram.count;
        values[`${histogram.name}_sum`] = histogram.sum;
      }
      this.#last = values;
      return values;
    } finally {
      reader.close();
    }
  }

  /** Wait until its counters (read from its segment every 10 ms) satisfy `check`. */
  async waitForCounters(check: (counters: CounterValues) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const poll = setInterval(() => this.#waiters.poke(), 10);
    try {
      await this.#waiters.wait(() => check(this.counters), `counters: ${what}`, timeoutMs);
    } finally {
      clearInterval(poll);
    }
  }
}

/** A 5-level book around `mid` (decimal), half-spread 0.01, given sizes per level. */
export function bookAround(mid: number, timestamp: number, bidSize = 100, askSize = 100): L2Book {
  const book = createL2Book();
  const unit = 10_000;
  for (let i = 0; i < 5; i++) {
    book.bidPrices[i] = Math.round(mid * unit) - 100 - i * 100;
    book.bidSizes[i] = bidSize;
    book.askPrices[i] = Math.round(mid * unit) + 100 + i * 100;
    book.askSizes[i] = askSize;
  }
  book.bidCount = 5;
  book.askCount = 5;
  book.timestamp = timestamp;
  return book;
}

/**
 * A book segment whose writer beats every 50 ms, as a live orderbook's. stop() closes the
 * writer; the segment stays (a restarted writer may take the name again) until unlinked.
 */
export function liveWriter(name: string, symbols: string[]): { writer: BookWriter; stop: () => void } {
  const writer = BookWriter.create({ name, symbols });
  writer.setFeedConnected(true);
  writer.heartbeat();
  const timer = setInterval(() => writer.heartbeat(), 50);
  return {
    writer,
    stop: () => {
      clearInterval(timer);
      if (!writer.closed) writer.close();
    },
  };
}

/** A strategy process trading MSFT's live book with the imbalance strategy (7 shares), between a fake gateway and a fake order manager. */
export interface ImbalanceRig {
  readonly gateway: FakeGateway;
  /** The one the strategy talks to now: a test that restarts it puts the new one here, for close(). */
  orderManager: FakeOrderManager;
  readonly book: { writer: BookWriter; stop: () => void };
  readonly strategy: StrategyChild;
  /** Stop the book writer, remove its segment, close both fake servers. */
  close(): Promise<void>;
}

export async function startImbalanceStrategy(label: string, extraArgs: readonly string[] = []): Promise<ImbalanceRig> {
  const gateway = new FakeGateway();
  const orderManager = new FakeOrderManager();
  await gateway.listen();
  await orderManager.listen();
  const shm = uniqueShmName(label);
  const book = liveWriter(shm, ['MSFT']);
  const strategy = new StrategyChild([
    '--gateway', `127.0.0.1:${gateway.port}`,
    '--order-manager', `127.0.0.1:${orderManager.port}`,
    '--shm', shm,
    '--strategy', 'imbalance',
    '--imbalance-quantity', '7',
    ...extraArgs,
  ]);
  const rig: ImbalanceRig = {
    gateway,
    orderManager,
    book,
    strategy,
    async close() {
      book.stop();
      book.writer.unlink();
      await gateway.close();
      await rig.orderManager.close();
    },
  };
  return rig;
}
