/**
 * The `trading strategy` process around the StrategyEngine: the market data (the gateway's
 * FrameClient, or the bus), the order manager (order-manager-link.ts) and the
 * shared-memory book.
 *
 *   gateway ──ticks, news──► decode ─► engine ─► strategy ─► sendOrder ─► encode ─► order manager
 *                                         ▲  reads the book (LiveBook, shm)           │
 *                                         └──────────── execution reports ◄───────────┘
 *
 * - Sessions (src/session/client-session.ts): both connections say HELLO (in JSON, with
 *   our secret if we have one) on every (re)connect and send nothing of their own until the
 *   server answers; then in the mode it says (binary, ours). A server that does not answer
 *   within --hello-timeout-ms speaks only JSON (the seed's): we send it the seed's JSON for
 *   the whole connection, heartbeats included. Every frame is decoded by kind. Both
 *   reconnect with backoff (FrameClient) for as long as the process runs.
 * - Resync with the order manager, and what a lost connection does to our open orders:
 *   order-manager-link.ts.
 * - The book is a LiveBook: the segment may appear after we start, and a restarted
 *   orderbook's new segment is adopted. A book that is not live is never traded on (the
 *   engine re-reads it at send time and refuses, counted as stale-book refusals).
 * - The tick's own book: a live tick whose book the orderbook has not written yet waits for
 *   it on later loop turns, up to --book-wait-us, and everything after it waits behind it
 *   (tick-book-wait.ts); then the strategy is told `lagging`.
 * - A backtest (options.gate) handles a gateway frame only when the flow gate lets it, on
 *   market time, reading its ticks' own books: backtest-gate.ts.
 * - Ready: once both connections are up and their sessions open, or after `connectWaitMs`
 *   with whatever is up (a restarted strategy must not hang its supervisor while a server
 *   restarts too); what is not up keeps retrying, and orders are refused (counted) until
 *   the order manager is back. The ready details say which connections were up.
 * - Stop: the engine stops first (the strategy's onStop may still send), then the gateway
 *   connection closes, then the order-manager connection drains, flushes and closes, then
 *   the book is unmapped.
 *
 * A tick that makes no order allocates nothing here: decode fills a reused MarketData and
 * the engine and strategies are allocation-free on that path.
 */
import { BusConnection } from '../bus/bus-connection.js';
import { describeBus, type BusOptions } from '../bus/bus-config.js';
import { MarketSubscriber } from '../bus/market-subscriber.js';
import { publishSubscriberMetrics } from '../bus/bus-metrics.js';
import { describeError } from '../core/errors.js';
import { BusySpin } from '../core/busy-spin.js';
import { yieldCore } from '../core/core-yield.js';
import type { LogFields, Logger } from '../core/log.js';
import type { Component } from '../core/runtime.js';
import { FrameClient } from '../net/frame-client.js';
import { keepWarmOr } from '../net/heartbeat.js';
import type { TlsMaterial } from '../net/tls-options.js';
import { MessageDecoder, MessageEncoder } from '../protocol/codec.js';
import type { Cancel, Message, Order } from '../protocol/messages.js';
import { MessageType } from '../protocol/messages.js';
import { COMPONENT_METRICS, MetricsWriter, type HistogramRecorder } from '../metrics/index.js';
import type { FlowGate } from '../shm/flow-gate.js';
import { ClientSession } from '../session/client-session.js';
import { DEFAULT_HELLO_TIMEOUT_MS } from '../session/session-options.js';
import { LiveBook } from '../shm/live-book.js';
import { BacktestGate } from './backtest-gate.js';
import { FeedBooks, type BookSourceChoice } from './feed-books.js';
import { StrategyEngine } from './engine.js';
import { DEFAULT_BOOK_WAIT_US, TickBookWait } from './tick-book-wait.js';
import { OrderManagerLink, type Endpoint } from './order-manager-link.js';
import { HeartbeatSource } from './session-heartbeat.js';
import { OrderPathWarmer } from './order-path-warmer.js';
import { DEFAULT_ORDER_ACK_TIMEOUT_MS, UnansweredOrders } from './unanswered-orders.js';
import { publishStrategyMetrics, type StrategyMetrics } from './strategy-metrics.js';
import type { Strategy } from './strategy.js';

export type { Endpoint } from './order-manager-link.js';

export interface StrategyProcessOptions {
  /**
   * Backtest: the flow gate (shm/flow-gate.ts). Messages are handled only once the order
   * manager has caught up and every report it made is in; `done` is published after each;
   * the clock is market time (the messages' timestamps).
   */
  gate?: FlowGate;
  /** Order-id prefix (default a fresh token); a backtest fixes it so ids repeat run to run. */
  sessionToken?: string;
  gateway: Endpoint;
  orderManager: Endpoint;
  /** Shared-memory book segment name. */
  shm: string;
  strategy: Strategy;
  /** A book whose writer has not beaten for longer than this is stale, ms. */
  bookMaxAgeMs: number;
  /** Ready after both connections are up, or after this long regardless, ms. */
  connectWaitMs: number;
  /** Declare a silent gateway dead after this long, ms (0 = never). */
  gatewayTimeoutMs: number;
  /** Declare a silent order manager dead after this long, ms (0 = never). */
  orderManagerTimeoutMs: number;
  /** Keep the event loop polling this long after each gateway message (0 = sleep as usual; see core/busy-spin.ts). */
  idleSpinMs?: number;
  /**
   * While idle, a heartbeat to the order manager this often, ms, and the order path run dry
   * (order-path-warmer.ts), so that a tick after a quiet spell finds it warm (0 or absent = off).
   */
  keepWarmMs?: number;
  /**
   * Yield the core once right after the first order (or cancel) of a message is written (core/core-yield.ts):
   * the order manager, woken onto this core, reads it before the rest of the tick is handled.
   * Default true.
   */
  orderYield?: boolean;
  /**
   * An order with no report at all this long after it was sent is counted and logged as
   * unanswered (unanswered-orders.ts), ms; 0 = off. Default DEFAULT_ORDER_ACK_TIMEOUT_MS.
   */
  orderAckTimeoutMs?: number;
  /**
   * A tick whose own book the orderbook has not written yet waits for it this long, µs,
   * without blocking the loop (tick-book-wait.ts); then it is handled, the strategy told
   * `lagging`. 0: no wait (handled at once, lagging; for measuring). Default DEFAULT_BOOK_WAIT_US.
   */
  bookWaitUs?: number;
  /**
   * Live: which book the strategy trades on. `shm` (default): the shared-memory book, the
   * one the order manager executes against (a tick waits for its own, bookWaitUs). `tick`:
   * the book each tick carries (feed-books.ts), no wait, and the gateway is asked to write
   * each tick to us first. A backtest always reads its ticks' books.
   */
  bookSource?: BookSourceChoice;
  /**
   * Connect to the gateway only once the order manager's session is open (or failed), so
   * that no tick comes before an order could go (a replay starts on our HELLO). A backtest
   * always does.
   */
  orderManagerFirst?: boolean;
  /** Take ticks and news from this NATS bus instead of the gateway's TCP port. */
  bus?: BusOptions;
  /** On the bus: the symbols to subscribe to (default all). */
  busSymbols?: readonly string[];
  log: Logger;
  /** Reconnect backoff (default 50 ms doubling to 1 s: every peer is on this host or nearby). */
  reconnect?: { minDelayMs: number; maxDelayMs: number };
  /** Publish counters into the counters segment named after shm (the `trading strategy` process does). */
  publishMetrics?: boolean;
  /** How often the counters segment is brought up to date, ms (default 250). */
  metricsIntervalMs?: number;
  /** Our secret for both servers (the identity is "strategy"); undefined = anonymous. */
  authToken?: string | undefined;
  /** TLS to both servers. */
  tls?: TlsMaterial | undefined;
  /** A server that has not answered our HELLO by then speaks only JSON, ms (default 500). */
  helloTimeoutMs?: number;
  /** Our identity (default "strategy"). */
  name?: string;
}

const HEARTBEAT_INTERVAL_MS = 1_000;
/** Backtest: re-reads of a tick's book before it is called lagging (the gate always brings it; this is minutes). */
const GATE_BOOK_WAIT_READS = 1e9;
const DEFAULT_RECONNECT = { minDelayMs: 50, maxDelayMs: 1_000 };
/** Bad messages logged in full before only every 1000th is. */
const LOGGED_BAD_MESSAGES = 10;

export class StrategyProcess implements Component {
  readonly engine: StrategyEngine;
  readonly book: LiveBook;
  readonly #options: StrategyProcessOptions;
  readonly #log: Logger;
  /** The gateway over TCP, or undefined on the bus. */
  readonly #gateway: FrameClient | undefined;
  readonly #busConnection: BusConnection | undefined;
  readonly #subscriber: MarketSubscriber | undefined;
  readonly #orderManager: OrderManagerLink;
  /** A backtest's flow gate, or undefined. */
  readonly #gate: BacktestGate | undefined;
  // one decoder per connection: each hands back its own reused MarketData/Heartbeat
  readonly #gatewayDecoder = new MessageDecoder();
  readonly #gatewaySession: ClientSession;
  readonly #counters = { badMessages: 0, unexpectedMessages: 0, errorsFromOrderManager: 0, errorsFromGateway: 0, orderYields: 0 };
  readonly #orderYield: boolean;
  readonly #spin: BusySpin;
  /** Live with bookSource 'tick': the books the ticks carry, read by the engine and the warmer. */
  readonly #feedBooks: FeedBooks | undefined;
  readonly #warmer: OrderPathWarmer | undefined;
  readonly #unanswered: UnansweredOrders | undefined;
  #stopWaiting: () => void = () => undefined;
  #stopped: Promise<void> | undefined;
  readonly #metrics: StrategyMetrics | undefined;
  readonly #tickHandlingShm: HistogramRecorder | undefined;
  /** Live: ticks whose own book is behind wait here (undefined in a backtest, or with --book-wait-us 0). */
  readonly #bookWait: TickBookWait | undefined;
  /** When the tick being handled was read (performance.now(), ms: no allocation per tick). */
  #tickReadMs = 0;

  constructor(options: StrategyProcessOptions) {
    this.#options = options;
    this.#log = options.log;
    if (options.publishMetrics === true) {
      this.#metrics = MetricsWriter.openOrWarn(
        {
          component: 'strategy',
          shm: options.shm,
          metrics: COMPONENT_METRICS.strategy,
          publish: (w) => this.#publish(w),
          ...(options.metricsIntervalMs === undefined ? {} : { publishIntervalMs: options.metricsIntervalMs }),
        },
        (message, fields) => options.log.warn(message, fields),
      );
      this.#tickHandlingShm = this.#metrics?.histogram('tick_handling');
    }
    const gate = options.gate === undefined ? undefined : new BacktestGate(options.gate, this.#handleGatewayFrame, options.log);
    this.#gate = gate;
    this.book = new LiveBook({ name: options.shm, maxAgeMs: options.bookMaxAgeMs, log: options.log.child('book') });
    this.#spin = new BusySpin(options.idleSpinMs ?? 0);
    this.#orderYield = options.orderYield ?? true;
    const tradesOnTick = gate === undefined && options.bookSource === 'tick';
    this.#feedBooks = tradesOnTick ? new FeedBooks(this.book) : undefined;
    const liveBooks = this.#feedBooks ?? this.book;
    // live only: a backtest's ticks come back to back
    this.#warmer = gate === undefined && (options.keepWarmMs ?? 0) > 0 ? new OrderPathWarmer({ books: liveBooks, intervalMs: options.keepWarmMs ?? 0, encode: (order) => this.#orderManager.encodeDry(order) }) : undefined;
    this.engine = new StrategyEngine({
      strategy: options.strategy,
      // a backtest reads the books of its own ticks: the orderbook trails it (flow-gate.ts)
      books: gate === undefined ? liveBooks : gate.books,
      send: this.#send,
      log: options.log,
      ...(options.sessionToken === undefined ? {} : { sessionToken: options.sessionToken }),
      // a backtest: market time, and the tick's own book is always waited for (the gate brings it);
      // live: never by spinning, by TickBookWait below
      ...(gate === undefined
        ? { bookWaitReads: 0 }
        : { nowNs: () => gate.nowNs, epochSeconds: () => gate.nowNs / 1e9, bookWaitReads: GATE_BOOK_WAIT_READS }),
      ...(this.#metrics === undefined ? {} : { bookAge: this.#metrics.histogram('book_age') }),
    });
    // live only: a backtest's order manager answers on market time
    this.#unanswered = gate === undefined ? new UnansweredOrders(this.engine.tracker, options.orderAckTimeoutMs ?? DEFAULT_ORDER_ACK_TIMEOUT_MS, options.log) : undefined;
    const bookWaitUs = options.bookWaitUs ?? DEFAULT_BOOK_WAIT_US;
    // trading on the tick, the tick is its own book: nothing to wait for
    if (gate === undefined && bookWaitUs > 0 && !tradesOnTick) {
      const bookWaitShm = this.#metrics?.histogram('book_wait');
      this.#bookWait = new TickBookWait({
        engine: this.engine,
        waitMs: bookWaitUs / 1000,
        beforeTick: (readMs) => (this.#tickReadMs = readMs),
        afterTick: (waitedMs) => {
          if (waitedMs > 0) bookWaitShm?.record(waitedMs * 1000);
          this.#orderManager.flush();
          this.#spin.touch();
        },
        other: (message) => this.#onGatewayMessage(message),
        bad: (err) => this.#badMessage('gateway', err),
      });
    }
    const reconnect = options.reconnect ?? DEFAULT_RECONNECT;
    const name = options.name ?? 'strategy';
    const helloTimeoutMs = options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;
    const heartbeats = new HeartbeatSource(new MessageEncoder({ mode: 'binary' }));
    this.#gatewaySession = new ClientSession({
      name,
      priority: tradesOnTick,
      token: options.authToken,
      helloTimeoutMs,
      send: (frame) => this.#gateway?.send(frame) ?? 'not-connected',
      log: options.log.child('gateway'),
    });
    this.#orderManager = new OrderManagerLink({
      endpoint: options.orderManager,
      name,
      authToken: options.authToken,
      helloTimeoutMs,
      tls: options.tls,
      reconnect,
      heartbeat: { intervalMs: keepWarmOr(options.keepWarmMs, HEARTBEAT_INTERVAL_MS), timeoutMs: options.orderManagerTimeoutMs, payloads: heartbeats },
      engine: this.engine,
      gate,
      orderToAck: this.#metrics?.histogram('order_to_ack'),
      onControl: (message) => this.#onControlMessage('order manager', message),
      onBadMessage: (err) => this.#badMessage('order manager', err),
      log: options.log.child('ordermanager'),
    });
    if (options.bus !== undefined) {
      this.#busConnection = new BusConnection(options.bus, options.log.child('bus'), { onDisconnect: () => this.#subscriber?.busLost() });
      this.#subscriber = new MarketSubscriber({
        connection: this.#busConnection,
        ...(options.busSymbols === undefined ? {} : { symbols: options.busSymbols }),
        onPayload: this.#onGatewayFrame,
        onFeedLost: (reason) => this.#log.warn('market data lost; the book stays stale until it is back', { reason }),
        onFeedUp: () => this.#log.info('market data flowing on the bus'),
        ...(options.gatewayTimeoutMs > 0 ? { feedTimeoutMs: options.gatewayTimeoutMs } : {}),
      });
    } else {
      this.#gateway = new FrameClient({
        ...options.gateway,
        onFrame: this.#onGatewayFrame,
        tls: options.tls,
        onConnect: () => this.#gatewaySession.connected(),
        onDisconnect: () => this.#gatewaySession.disconnected(),
        reconnect,
        heartbeat: { intervalMs: HEARTBEAT_INTERVAL_MS, timeoutMs: options.gatewayTimeoutMs, payload: heartbeats.for(this.#gatewaySession) },
        log: options.log.child('gateway'),
      });
    }
  }

  async start(): Promise<LogFields> {
    this.engine.start();
    this.#warmer?.start();
    this.#unanswered?.start();
    this.#log.info('strategy started', { strategy: this.engine.strategy.name, session: this.engine.sessionToken, shm: this.#options.shm });
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      this.#stopWaiting = resolve;
      timer = setTimeout(resolve, this.#options.connectWaitMs);
    });
    const market = (): Promise<boolean> => {
      if (this.#gateway !== undefined) {
        return this.#gateway.connect().then(
          () => this.#gatewaySession.whenOpen().then(() => true),
          () => false,
        );
      }
      const connection = this.#busConnection;
      if (connection === undefined) return Promise.resolve(false);
      return connection.open().then(
        () => {
          this.#subscriber?.start();
          return true;
        },
        (err: unknown) => {
          this.#log.error('cannot use the bus', { error: describeError(err) });
          return false;
        },
      );
    };
    // a backtest: the order manager's session first (a proven identity takes a moment), so that
    // no replayed tick, which comes at max speed, finds it not yet open
    const connected = this.#gate === undefined && this.#options.orderManagerFirst !== true
      ? Promise.all([market(), this.#orderManager.connect()])
      : this.#orderManager.connect().then(market);
    await Promise.race([connected, waited]);
    clearTimeout(timer);
    const details: LogFields = {
      strategy: this.engine.strategy.name,
      session: this.engine.sessionToken,
      gatewayConnected: this.#marketConnected,
      ...(this.#options.bus === undefined ? {} : describeBus(this.#options.bus)),
      orderManagerConnected: this.#orderManager.connected,
      bookAttached: this.book.attached,
    };
    if (!this.#marketConnected || !this.#orderManager.connected) {
      this.#log.warn('ready without every connection; still retrying', details);
    }
    return details;
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.#stopWaiting();
    this.#spin.close();
    this.#warmer?.stop();
    this.#unanswered?.stop();
    this.#gate?.close();
    this.#bookWait?.close();
    this.engine.stop();
    this.#subscriber?.stop();
    await Promise.all([this.#gateway?.close(), this.#busConnection?.close()]);
    // after the engine stopped nothing new is sent; the IOC orders in flight get their
    // final reports (so our books count every fill the order manager's do)
    await this.#orderManager.close();
    // before the book is unmapped: the final unrealized PnL marks at its mids
    this.#metrics?.close();
    this.book.close();
    const engine = this.engine.counters;
    this.#log.info('strategy stopped', {
      ticks: engine.ticks,
      news: engine.news,
      ordersSent: engine.ordersSent,
      executionReports: engine.executionReports,
      staleBookRefusals: engine.ordersRefusedStaleBook,
      realizedPnl: this.engine.tracker.realizedPnl(),
    });
  }

  /** Copy the counters into the counters segment (every publish interval, off the message path). */
  #publish(w: StrategyMetrics): void {
    const link = this.#orderManager;
    publishStrategyMetrics(w, this.engine, this.book, {
      ordersAbandoned: link.counters.ordersAbandoned,
      orphanCancelsSent: link.counters.orphanCancelsSent,
      unreconciledResumes: link.counters.unreconciledResumes,
      slowHelloAnswers: link.session.counters.slowAnswers,
      badMessages: this.#counters.badMessages,
      unexpectedMessages: this.#counters.unexpectedMessages,
      errorsFromOrderManager: this.#counters.errorsFromOrderManager,
      gatewayConnected: this.#marketConnected,
      orderManagerConnected: link.connected,
      gatewayConnects: this.#gateway?.counters.connects ?? this.#busConnection?.counters.connects ?? 0,
      orderManagerConnects: link.client.counters.connects,
      keepWarmRuns: this.#warmer?.runs ?? 0,
      orderYields: this.#counters.orderYields,
    });
    publishSubscriberMetrics(w, this.#busConnection, this.#subscriber);
  }

  /** The market data source is up: the gateway's connection, or the bus. */
  get #marketConnected(): boolean {
    return this.#gateway?.connected ?? this.#busConnection?.connected ?? false;
  }

  /** The engine's order sink: a frame to the order manager, or false when it cannot go. */
  #send = (message: Order | Cancel): boolean => {
    const accepted = this.#orderManager.send(message);
    if (!accepted) return false;
    if (message.type === MessageType.ORDER && message.tickSentNs > 0) this.#tickHandlingShm?.record((performance.now() - this.#tickReadMs) * 1000);
    this.#gate?.noteSent();
    if (this.#orderManager.sendFirst() && this.#orderYield && yieldCore()) this.#counters.orderYields += 1;
    return true;
  };

  #onGatewayFrame = (buffer: Buffer, offset: number, length: number): void => {
    if (this.#gate !== undefined) this.#gate.offer(buffer, offset, length);
    // behind a tick that waits for its book: in order
    else if (this.#bookWait?.busy === true) this.#bookWait.queue(buffer, offset, length, performance.now());
    else this.#handleGatewayFrame(buffer, offset, length);
  };

  #handleGatewayFrame = (buffer: Buffer, offset: number, length: number): void => {
    const readMs = performance.now();
    let message: Message;
    try {
      message = this.#gatewayDecoder.decode(buffer, offset, length);
    } catch (err) {
      this.#badMessage('gateway', err);
      return;
    }
    switch (message.type) {
      case MessageType.MARKET_DATA:
        this.#warmer?.noteTick(buffer, offset, length);
        this.#gate?.onMarketData(message);
        this.#feedBooks?.noteTick(message.symbol, message);
        this.#tickReadMs = readMs;
        if (this.#bookWait === undefined) this.engine.onMarketData(message);
        else if (!this.#bookWait.offer(message, buffer, offset, length, readMs)) return; // its book is behind: it waits
        this.#orderManager.flush();
        this.#spin.touch();
        this.#gate?.finished(message.sequence);
        return;
      default:
        this.#onGatewayMessage(message);
    }
  };

  /** A gateway message other than a tick: news, or what the session and control take. */
  #onGatewayMessage(message: Message): void {
    if (message.type === MessageType.NEWS_SENTIMENT) {
      this.#gate?.onNews(message);
      this.engine.onNews(message);
      this.#orderManager.flush();
      this.#gate?.finished(message.sequence);
    } else if (!this.#gatewaySession.handle(message)) this.#onControlMessage('gateway', message);
  }

  /** What either peer may say besides its data: liveness, goodbye, or a refusal. */
  #onControlMessage(peer: 'gateway' | 'order manager', message: Message): void {
    switch (message.type) {
      case MessageType.HEARTBEAT:
      case MessageType.HELLO:
        return;
      case MessageType.SHUTDOWN:
        this.#log.info(`${peer} is shutting down; will reconnect`, { reason: message.reason });
        return;
      case MessageType.ERROR:
        if (peer === 'gateway') this.#counters.errorsFromGateway += 1;
        else this.#counters.errorsFromOrderManager += 1;
        this.#log.warn(`${peer} refused something we sent`, { code: message.code, message: message.message });
        return;
      default:
        this.#counters.unexpectedMessages += 1;
    }
  }

  #badMessage(from: string, err: unknown): void {
    const count = ++this.#counters.badMessages;
    if (count <= LOGGED_BAD_MESSAGES || count % 1000 === 0) {
      this.#log.warn('bad message ignored', { from, error: describeError(err), count });
    }
  }
}
