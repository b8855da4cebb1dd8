/**
 * Helpers for the `trading ordermanager` process tests: a book segment written from the
 * test process, the process itself (real, through the CLI), and a framed client that
 * speaks JSON or binary and collects what it is told.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import type { L2Book } from '../../src/core/book.js';
import { MessageDecoder, MessageEncoder, type PayloadKind } from '../../src/protocol/codec.js';
import { FrameDecoder } from '../../src/protocol/framing.js';
import { MessageType, PROTOCOL_VERSION, type ExecutionReport, type Hello, type Message, type Order } from '../../src/protocol/messages.js';
import { generateSecret, hashSecret } from '../../src/session/credentials.js';
import { BookWriter } from '../../src/shm/book-writer.js';
import { spawnCli, tempDir, uniqueShmName, waitForOutput } from '../helpers/resources.js';
import { standardBook } from './fixtures.js';

/** A live book segment written by this process: heartbeats on a timer until closed. */
export class TestBook {
  readonly name: string;
  readonly writer: BookWriter;
  readonly #timer: NodeJS.Timeout;

  constructor(symbols: readonly string[], name = uniqueShmName('om')) {
    this.name = name;
    this.writer = BookWriter.create({ name, symbols });
    this.writer.setFeedConnected(true);
    this.#timer = setInterval(() => this.writer.heartbeat(), 50);
    this.#timer.unref();
  }

  write(symbol: string, book: L2Book): void {
    this.writer.heartbeat();
    this.writer.write(this.writer.indexOf(symbol), book);
  }

  close(): void {
    clearInterval(this.#timer);
    this.writer.close();
    this.writer.unlink();
  }
}

/** Run `body` with a live book segment of `symbols`, closed and removed afterwards whatever happens. */
export async function withTestBook<T>(symbols: readonly string[], body: (book: TestBook) => Promise<T>): Promise<T> {
  const book = new TestBook(symbols);
  try {
    return await body(book);
  } finally {
    book.close();
  }
}

export interface OrderManagerProcess {
  child: ChildProcess;
  port: number;
  output: () => string;
}

/** Spawn `trading ordermanager` on port 0 and wait for its ready line. */
export async function startOrderManager(args: readonly string[], options: { ipc?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<OrderManagerProcess> {
  const child = spawnCli(['ordermanager', '--port', '0', ...args], {
    stdio: options.ipc === true ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const line = await waitForOutput(child, /ordermanager +ready .*port=\d+/, 15_000).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${text}`);
  });
  const port = Number(/port=(\d+)/.exec(line)?.[1]);
  return { child, port, output: () => text };
}

/** An auth file in `dir` (owner-only) that knows one identity, `strategy`, by a new secret; `header` goes before its line. */
export async function strategyCredentials(dir: string, header = ''): Promise<{ secret: string; authFile: string }> {
  const secret = generateSecret();
  const authFile = join(dir, 'auth');
  writeFileSync(authFile, `${header}${await hashSecret('strategy', secret)}\n`, { mode: 0o600 });
  return { secret, authFile };
}

export interface AuthOrderManager {
  /** Its folder: the auth file and the trade log. */
  dir: string;
  /** The secret of the identity `strategy`. */
  secret: string;
  book: TestBook;
  om: OrderManagerProcess;
}

/**
 * `trading ordermanager` with an auth file that knows `strategy` (strategyCredentials), on a
 * live AAPL book (standardBook(1)), its trade log beside the auth file in a new folder
 * named after `label`; `args` are its further flags. The caller stops it and closes the book.
 */
export async function startOrderManagerWithAuth(label: string, args: readonly string[] = [], options: { authFileHeader?: string } = {}): Promise<AuthOrderManager> {
  const dir = tempDir(label);
  const { secret, authFile } = await strategyCredentials(dir, options.authFileHeader);
  const book = new TestBook(['AAPL']);
  book.write('AAPL', standardBook(1));
  try {
    const om = await startOrderManager(['--shm', book.name, '--trade-log', join(dir, 'trades.log'), '--auth-file', authFile, ...args]);
    return { dir, secret, book, om };
  } catch (err) {
    book.close();
    throw err;
  }
}

/** A framed client on plain node:net that records every message it receives. */
export class OrderClient {
  readonly socket: Socket;
  readonly messages: Message[] = [];
  readonly #decoder = new MessageDecoder();
  readonly #encoder: MessageEncoder;
  readonly #frames: FrameDecoder;
  closed = false;
  #waiters: (() => void)[] = [];

  private constructor(socket: Socket, kind: PayloadKind) {
    this.socket = socket;
    this.#encoder = new MessageEncoder({ mode: kind });
    this.#frames = new FrameDecoder((buffer, offset, length) => {
      this.messages.push(this.#copy(this.#decoder.decode(buffer, offset, length)));
      this.#wake();
    });
    socket.on('data', (chunk: Buffer) => void this.#frames.push(chunk));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      this.closed = true;
      this.#wake();
    });
  }

  /** Connect; `kind` is what this client sends (binary also says a binary HELLO named `name`). */
  static async connect(port: number, kind: PayloadKind, name = ''): Promise<OrderClient> {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setNoDelay(true);
    await once(socket, 'connect');
    const client = new OrderClient(socket, kind);
    if (kind === 'binary') client.send({ type: MessageType.HELLO, protocolVersion: PROTOCOL_VERSION, clientName: name, binary: true });
    return client;
  }

  /** A JSON client that said HELLO with these fields, once the order manager has answered or refused it. */
  static async helloed(port: number, fields: Partial<Hello> & { clientName: string }): Promise<OrderClient> {
    const client = await OrderClient.connect(port, 'json');
    client.sayHello(fields);
    await client.until(() => client.answers().length > 0 || client.errors().length > 0, 'an answer to HELLO');
    return client;
  }

  /** Say a JSON HELLO (the session layer's) with these fields; answers and refusals land in `messages`. */
  sayHello(fields: Partial<Hello> & { clientName: string }): void {
    const hello: Hello = { type: MessageType.HELLO, protocolVersion: PROTOCOL_VERSION, binary: true, ...fields };
    this.send(hello, 'json');
  }

  /** The server's HELLO answers received so far. */
  answers(): Hello[] {
    return this.messages.filter((m): m is Hello => m.type === MessageType.HELLO);
  }

  send(message: Message, kind?: PayloadKind): void {
    const bytes = this.#encoder.encode(message, kind);
    this.socket.write(Buffer.from(this.#encoder.buffer.subarray(0, bytes)));
  }

  sendRaw(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  reports(orderId?: string): ExecutionReport[] {
    return this.messages.filter(
      (m): m is ExecutionReport => m.type === MessageType.TRADE_EXECUTION && (orderId === undefined || m.orderId === orderId),
    );
  }

  errors(): { code: string; message: string }[] {
    return this.messages.flatMap((m) => (m.type === MessageType.ERROR ? [{ code: m.code, message: m.message }] : []));
  }

  /** Resolve once `condition()` holds; reject after `timeoutMs` (or if the connection closes first). */
  async until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (this.closed) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolve once the order has a final report (FILLED, CANCELED or REJECTED). */
  untilDone(orderId: string, timeoutMs = 5_000): Promise<void> {
    return this.until(() => this.reports(orderId).some((r) => isFinal(r)), `a final report for ${orderId}`, timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #copy(message: Message): Message {
    // MARKET_DATA and HEARTBEAT are the decoder's reusable objects; everything else is new
    return message.type === MessageType.HEARTBEAT ? { ...message } : message;
  }
}

export function isFinal(report: ExecutionReport): boolean {
  return report.status === 3 || report.status === 4 || report.status === 5;
}

/** An order for the process tests (price in price units). */
export function order(fields: Partial<Order> & Pick<Order, 'orderId' | 'price'>): Order {
  return {
    type: MessageType.ORDER,
    symbol: 'AAPL',
    side: 1,
    orderType: 1,
    timeInForce: 1,
    quantity: 100,
    timestamp: Date.now() / 1000,
    tickSentNs: 0,
    orderSentNs: 0,
    ...fields,
  };
}
