/**
 * The `trading strategy` process around the StrategyEngine: two FrameClients and the
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
 * - Resync: execution reports carry a per-identity sequence. On a reconnect our HELLO says
 *   the order manager's session and the last sequence we saw; when it resumes the session
 *   it replays every later report first, so our open orders, positions and PnL catch up
 *   with its own, and nothing is abandoned. Only when it cannot resume (another process, a
 *   JSON-only peer, an anonymous session) are open orders abandoned as below.
 * - The book is a LiveBook: the segment may appear after we start, and a restarted
 *   orderbook's new segment is adopted. A book that is not live is never traded on (the
 *   engine re-reads it at send time and refuses, counted as stale-book refusals).
 * - Ready: once both connections are up and their sessions open, or after `connectWaitMs` with whatever is up (a
 *   restarted strategy must not hang its supervisor while a server restarts too); what is
 *   not up keeps retrying, and orders are refused (counted) until the order manager is
 *   back. The ready details say which connections were up.
 * - Losing the order manager without a resume: the reports of our open orders went to the
 *   dead connection, so no report for them will ever reach us. The engine abandons them (OrderTracker.abandonOpenOrders: their exposure is released, fills we were not
 *   told about are missing from our positions; the order manager's own positions, rebuilt
 *   from its trade log, stay the reference). No order is sent while disconnected, so no
 *   order of the new connection is ever abandoned this way. A late report for an
 *   abandoned id counts as unknown and changes nothing.
 * - Order-to-ack: the time from an order's send (its `orderSentNs`, echoed in reports) to
 *   its first report back, recorded in µs in an HdrHistogram.
 * - Stop: the engine stops first (the strategy's onStop may still send), then the gateway
 *   connection closes, then the order-manager connection flushes and closes, then the
 *   book is unmapped.
 *
 * A tick that makes no order allocates nothing here: decode fills a reused MarketData and
 * the engine and strategies are allocation-free on that path.
 */
import { BusConnection } from '../bus/bus-connection.js';
import { describeBus, type BusOptions } from '../bus/bus-config.js';
import { MarketSubscriber } from '../bus/market-subscriber.js';
import { encodeFrameCopy } from '../protocol/encoded-copy.js';
import { epochSeconds, monotonicNs } from '../core/clock.js';
import { describeError } from '../core/errors.js';
import { BusySpin } from '../core/busy-spin.js';
import { LatencyRecorder } from '../core/latency.js';
import { fromPriceUnits } from '../core/fixed-point.js';
import type { LogFields, Logger } from '../core/log.js';
import type { Component } from '../core/runtime.js';
import { FrameClient } from '../net/frame-client.js';
import { isAccepted } from '../net/send-status.js';
import type { TlsMaterial } from '../net/tls-options.js';
import { MessageDecoder, MessageEncoder } from '../protocol/codec.js';
import { FRAME_HEADER_BYTES } from '../protocol/framing.js';
import type { Cancel, Message, Order } from '../protocol/messages.js';
import { MessageType, TimeInForce } from '../protocol/messages.js';
import { COMPONENT_METRICS, MetricsWriter, type ComponentMetricName, type HistogramRecorder } from '../metrics/index.js';
import { waitFor, type FlowGate } from '../shm/flow-gate.js';
import { ClientSession } from '../session/client-session.js';
import { DEFAULT_HELLO_TIMEOUT_MS } from '../session/session-options.js';
import { LiveBook } from '../shm/live-book.js';
import { StrategyEngine } from './engine.js';
import { TickBooks } from './tick-books.js';
import type { Strategy } from './strategy.js';

export interface Endpoint {
  host: string;
  port: number;
}

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

type StrategyMetrics = MetricsWriter<ComponentMetricName<'strategy'>>;

const HEARTBEAT_INTERVAL_MS = 1_000;
/** How long a stop waits for the final reports of IOC orders in flight. */
const STOP_DRAIN_MS = 1_000;
/** Backtest: re-reads of a tick's book before it is called lagging (the gate always brings it; this is minutes). */
const GATE_BOOK_WAIT_READS = 1e9;
/** Backtest: a tick's book not written after this long is a stuck run (logged, handled anyway). */
const GATE_BOOK_TIMEOUT_MS = 30_000;
const DEFAULT_RECONNECT = { minDelayMs: 50, maxDelayMs: 1_000 };
/** Bad messages logged in full before only every 1000th is. */
const LOGGED_BAD_MESSAGES = 10;

interface ProcessCounters {
  badMessages: number;
  unexpectedMessages: number;
  errorsFromOrderManager: number;
  errorsFromGateway: number;
  ordersAbandoned: number;
  orphanCancelsSent: number;
  orderManagerDisconnects: number;
  resyncs: number;
}

export class StrategyProcess implements Component {
  readonly engine: StrategyEngine;
  readonly book: LiveBook;
  readonly #options: StrategyProcessOptions;
  readonly #log: Logger;
  /** The gateway over TCP, or undefined on the bus. */
  readonly #gateway: FrameClient | undefined;
  readonly #busConnection: BusConnection | undefined;
  readonly #subscriber: MarketSubscriber | undefined;
  readonly #orderManager: FrameClient;
  // One decoder per connection: each hands back its own reused MarketData/Heartbeat.
  readonly #gatewayDecoder = new MessageDecoder();
  readonly #orderManagerDecoder = new MessageDecoder();
  readonly #encoder = new MessageEncoder({ mode: 'binary' });
  readonly #gatewaySession: ClientSession;
  readonly #orderManagerSession: ClientSession;
  readonly #heartbeatPayload: Buffer;
  readonly #heartbeatJsonPayload: Buffer;
  /** Order sent → its first report back, µs. */
  readonly #orderToAckUs = new LatencyRecorder(60_000_000);
  readonly #counters: ProcessCounters = {
    badMessages: 0,
    unexpectedMessages: 0,
    errorsFromOrderManager: 0,
    errorsFromGateway: 0,
    ordersAbandoned: 0,
    orphanCancelsSent: 0,
    orderManagerDisconnects: 0,
    resyncs: 0,
  };
  /** DAY orders abandoned with a lost connection, to cancel on the next: id → symbol. */
  readonly #orphans = new Map<string, string>();
  /** An order or cancel was queued while handling the current message: write it now. */
  #orderQueued = false;
  readonly #spin: BusySpin;
  #stopWaiting: () => void = () => undefined;
  // backtest (options.gate): market time, the message whose orders are still answered, held frames
  #marketNs = 0;
  #pendingDone = 0;
  #reportsReceived = 0;
  readonly #held: (Buffer | undefined)[] = [];
  #heldHead = 0;
  readonly #peekDecoder = new MessageDecoder();
  readonly #tickBooks = new TickBooks();
  #gatePoll: NodeJS.Immediate | undefined;
  #stopped: Promise<void> | undefined;
  readonly #metrics: StrategyMetrics | undefined;
  readonly #orderToAckShm: HistogramRecorder | undefined;
  readonly #tickHandlingShm: HistogramRecorder | undefined;
  /** When the tick being handled was read (performance.now(), ms: no allocation per tick). */
  #tickReadMs = 0;
  #stopping = false;

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
      this.#orderToAckShm = this.#metrics?.histogram('order_to_ack');
      this.#tickHandlingShm = this.#metrics?.histogram('tick_handling');
    }
    this.#heartbeatPayload = this.#encodeCopy({ type: MessageType.HEARTBEAT, timestamp: 0, sentNs: 0 }).subarray(FRAME_HEADER_BYTES);
    this.#heartbeatJsonPayload = this.#encodeCopy({ type: MessageType.HEARTBEAT, timestamp: 0, sentNs: 0 }, 'json').subarray(FRAME_HEADER_BYTES);
    this.book = new LiveBook({ name: options.shm, maxAgeMs: options.bookMaxAgeMs, log: options.log.child('book') });
    this.#spin = new BusySpin(options.idleSpinMs ?? 0);
    const gate = options.gate;
    this.engine = new StrategyEngine({
      strategy: options.strategy,
      // a backtest reads the books of its own ticks: the orderbook trails it (flow-gate.ts)
      books: gate === undefined ? this.book : this.#tickBooks,
      send: this.#send,
      log: options.log,
      ...(options.sessionToken === undefined ? {} : { sessionToken: options.sessionToken }),
      // a backtest: market time, and the tick's own book is always waited for (the gate brings it)
      ...(gate === undefined ? {} : { nowNs: () => this.#marketNs, epochSeconds: () => this.#marketNs / 1e9, bookWaitReads: GATE_BOOK_WAIT_READS }),
      ...(this.#metrics === undefined ? {} : { bookAge: this.#metrics.histogram('book_age') }),
    });
    const reconnect = options.reconnect ?? DEFAULT_RECONNECT;
    const name = options.name ?? 'strategy';
    const helloTimeoutMs = options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;
    this.#gatewaySession = new ClientSession({
      name,
      token: options.authToken,
      helloTimeoutMs,
      send: (frame) => this.#gateway?.send(frame) ?? 'not-connected',
      log: options.log.child('gateway'),
    });
    this.#orderManagerSession = new ClientSession({
      name,
      token: options.authToken,
      resync: true,
      helloTimeoutMs,
      send: (frame) => this.#orderManager.send(frame),
      log: options.log.child('ordermanager'),
      onOpen: (session) => this.#onOrderManagerOpen(session),
    });
    // heartbeats in the kind the connection speaks: a JSON-only peer never gets a binary frame
    const heartbeatFor = (session: ClientSession) => (): Uint8Array | undefined =>
      session.state === 'negotiating' ? undefined : session.mode === 'binary' ? this.#heartbeatPayload : this.#heartbeatJsonPayload;
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
      const gateway = new FrameClient({
        ...options.gateway,
        onFrame: this.#onGatewayFrame,
        tls: options.tls,
        onConnect: () => this.#gatewaySession.connected(),
        onDisconnect: () => this.#gatewaySession.disconnected(),
        reconnect,
        heartbeat: { intervalMs: HEARTBEAT_INTERVAL_MS, timeoutMs: options.gatewayTimeoutMs, payload: heartbeatFor(this.#gatewaySession) },
        log: options.log.child('gateway'),
      });
      this.#gateway = gateway;
    }
    this.#orderManager = new FrameClient({
      ...options.orderManager,
      tls: options.tls,
      onFrame: this.#onOrderManagerFrame,
      onConnect: () => this.#orderManagerSession.connected(),
      onDisconnect: () => this.#onOrderManagerLost(),
      reconnect,
      heartbeat: { intervalMs: HEARTBEAT_INTERVAL_MS, timeoutMs: options.orderManagerTimeoutMs, payload: heartbeatFor(this.#orderManagerSession) },
      log: options.log.child('ordermanager'),
    });
  }

  async start(): Promise<LogFields> {
    this.engine.start();
    this.#log.info('strategy started', { strategy: this.engine.strategy.name, session: this.engine.sessionToken, shm: this.#options.shm });
    // up: connected, and the session negotiated (no order can leave before)
    const up = (client: FrameClient, session: ClientSession): Promise<boolean> =>
      client.connect().then(
        () => session.whenOpen().then(() => true),
        () => false,
      );
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      this.#stopWaiting = resolve;
      timer = setTimeout(resolve, this.#options.connectWaitMs);
    });
    const market = (): Promise<boolean> => {
      if (this.#gateway !== undefined) return up(this.#gateway, this.#gatewaySession);
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
    const connected = this.#options.gate === undefined
      ? Promise.all([market(), up(this.#orderManager, this.#orderManagerSession)])
      : up(this.#orderManager, this.#orderManagerSession).then(market);
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
    this.#stopping = true;
    this.#stopWaiting();
    this.#spin.close();
    if (this.#gatePoll !== undefined) clearImmediate(this.#gatePoll);
    this.#gatePoll = undefined;
    this.engine.stop();
    this.#subscriber?.stop();
    await Promise.all([this.#gateway?.close(), this.#busConnection?.close()]);
    // after the engine stopped nothing new is sent; the IOC orders in flight get their
    // final reports (so our books count every fill the order manager's do), then close()
    // flushes what is queued
    this.#flushOrders();
    await this.#drainIocOrders();
    await this.#orderManager.close();
    // before the book is unmapped: the final unrealized PnL marks at its mids
    this.#metrics?.close();
    this.book.close();
    this.#log.info('strategy stopped', this.#summaryFields());
  }

  /** Called by a report that may have closed the last open IOC order while stopping. */
  #iocDrained: (() => void) | undefined;

  #hasOpenIocOrder(): boolean {
    for (const order of this.engine.tracker.openOrders()) if (order.timeInForce === TimeInForce.IOC) return true;
    return false;
  }

  /**
   * Resolves once no IOC order of ours is open, or after STOP_DRAIN_MS (a lost order
   * manager). An IOC order's final report follows it at once, so this is quick; DAY
   * orders may rest for ever and are not waited for.
   */
  #drainIocOrders(): Promise<void> {
    if (!this.#orderManager.connected || !this.#hasOpenIocOrder()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#iocDrained = undefined;
        resolve();
      };
      const timer = setTimeout(done, STOP_DRAIN_MS);
      this.#iocDrained = done;
    });
  }

  /** Copy the counters into the counters segment (every publish interval, off the message path). */
  #publish(w: StrategyMetrics): void {
    const engine = this.engine.counters;
    const tracker = this.engine.tracker;
    w.set('ticks', engine.ticks);
    w.set('news', engine.news);
    w.set('orders_sent', engine.ordersSent);
    w.set('cancels_sent', engine.cancelsSent);
    w.set('execution_reports', engine.executionReports);
    w.set('fills_received', tracker.counters.fills);
    w.set('rejects_received', tracker.counters.rejected);
    w.set('cancels_received', tracker.counters.canceled);
    w.set('open_orders', tracker.openOrderCount);
    w.set('orders_abandoned', this.#counters.ordersAbandoned);
    w.set('orphan_cancels_sent', this.#counters.orphanCancelsSent);
    w.set('unknown_reports', tracker.counters.unknownReports);
    w.set('stale_book_refusals', engine.ordersRefusedStaleBook);
    w.set('unknown_book_refusals', engine.ordersRefusedUnknownBook);
    w.set('not_connected_refusals', engine.ordersRefusedNotConnected + engine.cancelsRefusedNotConnected);
    w.set('stale_book_reads', engine.staleBookReads);
    w.set('strategy_errors', engine.strategyErrors);
    w.set('bad_messages', this.#counters.badMessages);
    w.set('unexpected_messages', this.#counters.unexpectedMessages);
    w.set('order_manager_errors', this.#counters.errorsFromOrderManager);
    w.set('gateway_connected', this.#marketConnected ? 1 : 0);
    w.set('order_manager_connected', this.#orderManager.connected ? 1 : 0);
    w.set('gateway_connects', this.#gateway?.counters.connects ?? this.#busConnection?.counters.connects ?? 0);
    w.set('order_manager_connects', this.#orderManager.counters.connects);
    w.set('book_attachments', this.book.attachments);
    w.set('strategy_realized_pnl', toCents(fromPriceUnits(tracker.realizedPnl())));
    let unrealized = 0;
    for (const symbol of this.book.symbols) {
      const quantity = tracker.position(symbol).quantity;
      if (quantity === 0) continue;
      w.setLabelled('strategy_position_shares', symbol, quantity);
      const pnl = this.engine.context.unrealizedPnl(symbol);
      if (pnl === pnl) unrealized += pnl;
    }
    w.set('strategy_unrealized_pnl', toCents(fromPriceUnits(unrealized)));
  }

  /** The market data source is up: the gateway's connection, or the bus. */
  get #marketConnected(): boolean {
    return this.#gateway?.connected ?? this.#busConnection?.connected ?? false;
  }

  /** Encode one message (binary by default) and keep its own copy of the frame. */
  #encodeCopy(message: Message, kind: 'binary' | 'json' = 'binary'): Buffer {
    return encodeFrameCopy(this.#encoder, message, kind);
  }

  /** The engine's order sink: binary frame to the order manager, or false when it cannot go. */
  #send = (message: Order | Cancel): boolean => {
    const session = this.#orderManagerSession;
    if (session.state !== 'open' || !this.#orderManager.connected) return false;
    const bytes = this.#encoder.encode(message, session.mode);
    const accepted = isAccepted(this.#orderManager.send(this.#encoder.buffer.subarray(0, bytes)));
    this.#orderQueued ||= accepted;
    if (accepted && message.type === MessageType.ORDER && message.tickSentNs > 0) this.#tickHandlingShm?.record((performance.now() - this.#tickReadMs) * 1000);
    if (accepted) this.#options.gate?.noteSent();
    return accepted;
  };

  /**
   * Write the orders of the message just handled now, rather than at the end of the
   * event-loop turn: a read can hold many ticks, and an order must not wait for the rest
   * of them to be handled. The orders of one message still go out in one write.
   */
  #flushOrders(): void {
    if (!this.#orderQueued) return;
    this.#orderQueued = false;
    this.#orderManager.flush();
  }

  #onGatewayFrame = (buffer: Buffer, offset: number, length: number): void => {
    if (this.#options.gate !== undefined && (this.#held.length > 0 || !this.#gateOpenFor(buffer, offset, length))) {
      this.#held.push(Buffer.from(buffer.subarray(offset, offset + length)));
      this.#armGatePoll();
      return;
    }
    this.#handleGatewayFrame(buffer, offset, length);
  };

  /**
   * Backtest: may this frame be handled now? A tick only once its book is written (the
   * orderbook writes it as soon as we finished the message before) and the order manager
   * matched its resting orders against that book and every report it made is in.
   */
  #gateOpenFor(buffer: Buffer, offset: number, length: number): boolean {
    const gate = this.#options.gate;
    if (gate === undefined) return true;
    if (this.#pendingDone !== 0 || !this.#quiet(gate)) return false;
    if (gate.resting === 0) return true;
    // orders rest: they must have been matched against this tick's book first
    let sequence = 0;
    try {
      const message = this.#peekDecoder.decode(buffer, offset, length);
      if (message.type === MessageType.MARKET_DATA) sequence = message.sequence;
    } catch {
      return true; // handled (and counted) as a bad message
    }
    if (sequence > 0 && gate.written < sequence && !waitFor(() => gate.written >= sequence, GATE_BOOK_TIMEOUT_MS)) {
      this.#log.error('flow gate: the book of a tick never came', { sequence, written: gate.written });
      return true;
    }
    return this.#quiet(gate);
  }

  // ---- backtest: the flow gate (shm/flow-gate.ts) ----

  /** The order manager caught up and every report it made is in. */
  #quiet(gate: FlowGate): boolean {
    // requests and matched before made: the order manager stores made first
    return gate.orderManagerCaughtUp() && this.#reportsReceived >= gate.made;
  }

  /** A message with this sequence was handled: done now, or once its orders are answered. */
  #finished(sequence: number): void {
    const gate = this.#options.gate;
    if (gate === undefined || sequence === 0) return;
    if (this.#quiet(gate)) gate.publishDone(sequence);
    else {
      this.#pendingDone = sequence;
      this.#armGatePoll();
    }
  }

  /** Publish a pending done and handle held frames, as far as the gate allows. */
  #releaseGate = (): void => {
    this.#gatePoll = undefined;
    const gate = this.#options.gate;
    if (gate === undefined) return;
    if (this.#pendingDone !== 0 && this.#quiet(gate)) {
      gate.publishDone(this.#pendingDone);
      this.#pendingDone = 0;
    }
    // a queue read from its head (shift() would move every held frame, each time)
    const held = this.#held;
    while (this.#heldHead < held.length) {
      const frame = held[this.#heldHead];
      if (frame === undefined || !this.#gateOpenFor(frame, 0, frame.length)) break;
      held[this.#heldHead] = undefined;
      this.#heldHead += 1;
      this.#handleGatewayFrame(frame, 0, frame.length);
    }
    if (this.#heldHead === held.length) {
      held.length = 0;
      this.#heldHead = 0;
    }
    if (this.#pendingDone !== 0 || held.length > 0) this.#armGatePoll();
  };

  #armGatePoll(): void {
    if (this.#gatePoll === undefined && this.#stopped === undefined) this.#gatePoll = setImmediate(this.#releaseGate);
  }

  #handleGatewayFrame(buffer: Buffer, offset: number, length: number): void {
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
        if (this.#options.gate !== undefined) {
          this.#marketNs = Math.round(message.timestamp * 1e6) * 1e3;
          this.#tickBooks.update(message);
          this.#options.gate.publishCurrent(message.sequence);
        }
        this.#tickReadMs = readMs;
        this.engine.onMarketData(message);
        this.#flushOrders();
        this.#spin.touch();
        this.#finished(message.sequence);
        return;
      case MessageType.NEWS_SENTIMENT:
        if (this.#options.gate !== undefined) {
          this.#marketNs = Math.max(this.#marketNs, Math.round(message.timestamp * 1e6) * 1e3);
          this.#options.gate.publishCurrent(message.sequence);
        }
        this.engine.onNews(message);
        this.#flushOrders();
        this.#finished(message.sequence);
        return;
      default:
        if (!this.#gatewaySession.handle(message)) this.#onControlMessage('gateway', message);
    }
  }

  #onOrderManagerFrame = (buffer: Buffer, offset: number, length: number): void => {
    let message: Message;
    try {
      message = this.#orderManagerDecoder.decode(buffer, offset, length);
    } catch (err) {
      this.#badMessage('order manager', err);
      return;
    }
    switch (message.type) {
      case MessageType.TRADE_EXECUTION: {
        this.#orderManagerSession.noteSequence(message.sequence);
        // the first report of an order this run sent: its order-to-ack time
        const order = this.engine.tracker.openOrder(message.orderId);
        if (order !== undefined && order.status === undefined && message.orderSentNs > 0 && this.#options.gate === undefined) {
          const us = (monotonicNs() - message.orderSentNs) / 1000;
          this.#orderToAckUs.record(us);
          this.#orderToAckShm?.record(us);
        }
        this.engine.onExecutionReport(message);
        this.#flushOrders();
        if (this.#iocDrained !== undefined && !this.#hasOpenIocOrder()) this.#iocDrained();
        if (this.#options.gate !== undefined) {
          this.#reportsReceived += 1;
          this.#releaseGate();
        }
        return;
      }
      default:
        if (!this.#orderManagerSession.handle(message)) this.#onControlMessage('order manager', message);
    }
  };

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

  /**
   * Open orders are abandoned: reports sent while we were away are lost, so their fate is
   * unknown (order-tracker.ts). A DAY order may still rest at the order manager, though,
   * where it would go on filling for a strategy that no longer counts it: it is cancelled
   * as soon as the order manager is back (the same client name owns it, also across an
   * order-manager restart). An IOC is done by the time we could ask.
   */
  #onOrderManagerLost(): void {
    this.#orderManagerSession.disconnected();
    if (!this.#stopping) this.#counters.orderManagerDisconnects += 1;
  }

  /**
   * The order manager's session is open again. Resumed: it replays what we missed, our
   * open orders stay open. Not resumed: nothing will ever tell us about them; abandon them.
   */
  #onOrderManagerOpen(session: ClientSession): void {
    if (session.resumed) {
      this.#counters.resyncs += 1;
      return;
    }
    if (this.#counters.orderManagerDisconnects === 0) return; // the first connection: nothing was open
    this.#abandonOpenOrders();
    this.#cancelOrphans();
  }

  #abandonOpenOrders(): void {
    for (const order of this.engine.tracker.openOrders()) {
      if (order.timeInForce === TimeInForce.DAY && order.leavesQuantity > 0) this.#orphans.set(order.orderId, order.symbol);
    }
    const abandoned = this.engine.abandonOpenOrders();
    this.#counters.ordersAbandoned += abandoned;
  }

  #cancelOrphans(): void {
    let sent = 0;
    for (const [orderId, symbol] of this.#orphans) {
      const frame = this.#encodeCopy({ type: MessageType.CANCEL, orderId, symbol, timestamp: epochSeconds() }, this.#orderManagerSession.mode);
      if (!isAccepted(this.#orderManager.send(frame))) break; // lost again: the next connect tries again
      this.#orphans.delete(orderId);
      this.#counters.orphanCancelsSent += 1;
      sent += 1;
    }
    if (sent > 0) this.#log.info('asked the order manager to cancel DAY orders abandoned with the lost connection', { orders: sent });
  }

  #badMessage(from: string, err: unknown): void {
    const count = ++this.#counters.badMessages;
    if (count <= LOGGED_BAD_MESSAGES || count % 1000 === 0) {
      this.#log.warn('bad message ignored', { from, error: describeError(err), count });
    }
  }

  #summaryFields(): LogFields {
    const engine = this.engine.counters;
    return {
      ticks: engine.ticks,
      news: engine.news,
      ordersSent: engine.ordersSent,
      executionReports: engine.executionReports,
      staleBookRefusals: engine.ordersRefusedStaleBook,
      realizedPnl: this.engine.tracker.realizedPnl(),
    };
  }
}

/** Currency to the cent, as the order manager publishes its PnL. */
function toCents(value: number): number {
  return Math.round(value * 100) / 100;
}
