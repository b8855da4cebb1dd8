/**
 * The orderbook process: a gateway client that writes every MARKET_DATA into the
 * shared-memory seqlock book (BookWriter), for the strategy and the order manager to read.
 *
 *   gateway ──binary MARKET_DATA──▶ FrameClient ──▶ BookWriter.write ──▶ /dev/shm/NAME
 *
 * - Connecting: FrameClient retries with backoff until the gateway is up, and after every
 *   loss; each connection starts with our HELLO (the session layer, in JSON, with our
 *   secret if we have one) and the gateway answers in binary once it has accepted it; a
 *   gateway that does not answer (the seed's) streams JSON, which we read just as well.
 * - The segment: one slot per symbol. Without --symbols the symbols are learnt from the
 *   first full round of the stream (SymbolDiscovery); the segment is created then.
 *   `replaceStale` takes over a segment left by an orderbook that crashed (its writer pid
 *   is dead or it was closed); a segment whose writer is alive is never touched: start
 *   fails with E_SHM_EXISTS.
 * - Ready once the segment exists and the feed is connected: the order manager, started
 *   right after, finds a book to open at once (its LiveBook would wait for one anyway).
 * - Liveness for readers: the writer heartbeat is stamped every heartbeatIntervalMs
 *   whatever the feed does, and the feed status in the header says whether market data is
 *   flowing: lost on disconnect (readers judge the book stale at once), connected again
 *   with the first book after a reconnect.
 * - Stop: unlink the name first (nobody opens a segment about to close), then close it
 *   (readers see the writer gone at once and keep their mapping, stale). A process that
 *   created the segment removes it: no /dev/shm entry outlives a clean stop; after a crash
 *   the next orderbook replaces it, and the supervisor removes it at the end of a run.
 */
import { encodePayloadCopy } from '../protocol/encoded-copy.js';
import { describeSymbols } from '../core/symbol-list.js';
import { BusConnection } from '../bus/bus-connection.js';
import { describeBus, type BusOptions } from '../bus/bus-config.js';
import { MarketSubscriber } from '../bus/market-subscriber.js';
import { publishSubscriberMetrics } from '../bus/bus-metrics.js';
import { DEFAULT_BOOK_DEPTH } from '../core/book.js';
import { ErrorCode, TradingError, describeError } from '../core/errors.js';
import type { LogFields, Logger } from '../core/log.js';
import { COMPONENT_METRICS, MetricsWriter, type ComponentMetricName } from '../metrics/index.js';
import type { Component } from '../core/runtime.js';
import { FrameClient } from '../net/frame-client.js';
import { MessageDecoder, MessageEncoder } from '../protocol/codec.js';
import type { TlsMaterial } from '../net/tls-options.js';
import { MessageType, type MarketData, type Message } from '../protocol/messages.js';
import { ClientSession } from '../session/client-session.js';
import { DEFAULT_HELLO_TIMEOUT_MS } from '../session/session-options.js';
import { BookWriter } from '../shm/book-writer.js';
import type { FlowGate } from '../shm/flow-gate.js';
import { MAX_SYMBOLS } from '../shm/layout.js';
import { SymbolDiscovery } from './symbol-discovery.js';

export interface OrderbookOptions {
  gatewayHost: string;
  gatewayPort: number;
  /** Shared-memory segment name, e.g. /ipc-trading-book. */
  shm: string;
  /** Take over a segment whose writer is gone (see BookWriter). */
  replaceStale: boolean;
  /** The symbols to make slots for; undefined = learn them from the stream. */
  symbols?: readonly string[];
  /** Levels per side in the segment (default DEFAULT_BOOK_DEPTH). */
  depth?: number;
  /** How often the writer heartbeat is stamped, ms (default 100). */
  heartbeatIntervalMs?: number;
  /** Longest wait between reconnection attempts, ms (default 1000). */
  maxReconnectDelayMs?: number;
  /** Take market data from this NATS bus instead of the gateway's TCP port. */
  bus?: BusOptions;
  /** On the bus: the symbols to subscribe to (default: `symbols`, else all). */
  busSymbols?: readonly string[];
  /**
   * A backtest's flow gate (shm/flow-gate.ts): each book is written only once the strategy
   * finished the messages before it and resting orders were matched.
   */
  gate?: FlowGate;
  log: Logger;
  /** Publish counters into the counters segment named after shm (the `trading orderbook` process does). */
  publishMetrics?: boolean;
  /** Our secret (the identity is "orderbook"); undefined = anonymous. */
  authToken?: string | undefined;
  tls?: TlsMaterial | undefined;
  helloTimeoutMs?: number;
}

type OrderbookMetrics = MetricsWriter<ComponentMetricName<'orderbook'>>;
/** A gate wait longer than this is a stuck backtest: logged, and the book written anyway. */
const GATE_TIMEOUT_MS = 30_000;

const DEFAULT_HEARTBEAT_INTERVAL_MS = 100;
const DEFAULT_MAX_RECONNECT_DELAY_MS = 1_000;
/** The gateway beats every second when idle; three missed beats and it is dead. */
const GATEWAY_HEARTBEAT = { intervalMs: 1_000, timeoutMs: 3_000 };

export class Orderbook implements Component {
  readonly options: OrderbookOptions;
  readonly #log: Logger;
  /** The gateway over TCP, or undefined on the bus. */
  readonly #client: FrameClient | undefined;
  readonly #busConnection: BusConnection | undefined;
  readonly #subscriber: MarketSubscriber | undefined;
  readonly #decoder = new MessageDecoder();
  readonly #discovery = new SymbolDiscovery(MAX_SYMBOLS);
  readonly #session: ClientSession;
  readonly #heartbeatPayload: Buffer;
  readonly #heartbeatJsonPayload: Buffer;
  readonly #unknownSymbols = new Set<string>();
  #writer: BookWriter | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #feedConnected = false;
  #lastSequence = 0;
  #gateTimeouts = 0;
  #updates = 0;
  #metrics: OrderbookMetrics | undefined;
  #news = 0;
  #sequenceGaps = 0;
  #badMessages = 0;
  #unknownSymbolUpdates = 0;
  #feedLosses = 0;
  #segmentReady: Promise<void>;
  #resolveSegment: () => void = () => undefined;
  #rejectSegment: (error: Error) => void = () => undefined;
  #stopped = false;

  constructor(options: OrderbookOptions) {
    this.options = options;
    this.#log = options.log;
    const encoder = new MessageEncoder({ mode: 'binary' });
    this.#heartbeatPayload = encodePayloadCopy(encoder, { type: MessageType.HEARTBEAT, timestamp: 0, sentNs: 0 });
    this.#heartbeatJsonPayload = encodePayloadCopy(encoder, { type: MessageType.HEARTBEAT, timestamp: 0, sentNs: 0 }, 'json');
    this.#session = new ClientSession({
      name: 'orderbook',
      token: options.authToken,
      helloTimeoutMs: options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS,
      send: (frame) => this.#client?.send(frame) ?? 'not-connected',
      log: options.log.child('feed'),
    });
    this.#segmentReady = new Promise<void>((resolve, reject) => {
      this.#resolveSegment = resolve;
      this.#rejectSegment = reject;
    });
    this.#segmentReady.catch(() => undefined);
    if (options.bus !== undefined) {
      const busSymbols = options.busSymbols ?? options.symbols;
      this.#busConnection = new BusConnection(options.bus, options.log.child('bus'), { onDisconnect: () => this.#subscriber?.busLost() });
      this.#subscriber = new MarketSubscriber({
        connection: this.#busConnection,
        ...(busSymbols === undefined ? {} : { symbols: busSymbols }),
        onPayload: this.#onFrame,
        onFeedUp: () => {
          this.#lastSequence = 0;
        },
        onFeedLost: (reason) => this.#onFeedLost(new TradingError(ErrorCode.NOT_CONNECTED, reason)),
      });
      return;
    }
    const client = new FrameClient({
      host: options.gatewayHost,
      port: options.gatewayPort,
      onFrame: this.#onFrame,
      tls: options.tls,
      onConnect: () => {
        this.#lastSequence = 0;
        this.#session.connected();
      },
      onDisconnect: (reason) => {
        this.#session.disconnected();
        this.#onFeedLost(reason);
      },
      reconnect: { maxDelayMs: options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS },
      // heartbeats in the kind the connection speaks: a JSON-only gateway never gets a binary frame
      heartbeat: {
        ...GATEWAY_HEARTBEAT,
        payload: () => (this.#session.state === 'negotiating' ? undefined : this.#session.mode === 'binary' ? this.#heartbeatPayload : this.#heartbeatJsonPayload),
      },
      log: options.log.child('feed'),
    });
    this.#client = client;
  }

  /** The writer once the segment exists. */
  get writer(): BookWriter | undefined {
    return this.#writer;
  }

  /** Backtest: flow-gate waits that timed out (each a book written out of step). */
  get gateTimeouts(): number {
    return this.#gateTimeouts;
  }

  async start(): Promise<LogFields> {
    if (this.options.publishMetrics === true) {
      this.#metrics = MetricsWriter.openOrWarn(
        { component: 'orderbook', shm: this.options.shm, metrics: COMPONENT_METRICS.orderbook, publish: (w) => this.#publish(w) },
        (message, fields) => this.#log.warn(message, fields),
      );
    }
    if (this.options.symbols !== undefined) this.#createSegment(this.options.symbols);
    this.#heartbeatTimer = setInterval(() => this.#writer?.heartbeat(), this.options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS);
    const source = this.#feedSource();
    this.#log.info('connecting to the market data', { ...source, shm: this.options.shm });
    await Promise.all([this.#connectFeed(), this.#segmentReady]);
    const writer = this.#writer;
    return {
      shm: this.options.shm,
      ...source,
      symbols: writer?.symbols.join(',') ?? '',
      depth: writer?.depth ?? 0,
    };
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#heartbeatTimer !== undefined) clearInterval(this.#heartbeatTimer);
    this.#rejectSegment(new TradingError(ErrorCode.NOT_CONNECTED, 'stopped before the book segment was created'));
    this.#subscriber?.stop();
    await Promise.all([this.#client?.close(), this.#busConnection?.close()]);
    const writer = this.#writer;
    if (writer !== undefined && !writer.closed) {
      try {
        writer.unlink();
      } finally {
        writer.close();
      }
      this.#log.info('book segment removed', { shm: this.options.shm, updates: this.#updates });
    }
    this.#metrics?.close();
  }

  /** Copy the counters into the counters segment (every publish interval, off the update path). */
  #publish(w: OrderbookMetrics): void {
    w.set('book_updates', this.#updates);
    w.set('news_seen', this.#news);
    w.set('feed_connected', this.#feedConnected ? 1 : 0);
    w.set('feed_losses', this.#feedLosses);
    w.set('reconnects', Math.max(0, (this.#client?.counters.connects ?? this.#busConnection?.counters.connects ?? 0) - 1));
    w.set('sequence_gaps', this.#sequenceGaps);
    w.set('bad_messages', this.#badMessages);
    w.set('unknown_symbol_updates', this.#unknownSymbolUpdates);
    w.set('received_bytes', this.#client?.counters.bytesIn ?? this.#subscriber?.bytes ?? 0);
    w.set('book_symbols', this.#writer?.symbols.length ?? 0);
    publishSubscriberMetrics(w, this.#busConnection, this.#subscriber);
  }

  /** Where market data comes from, for log lines. */
  #feedSource(): LogFields {
    const bus = this.options.bus;
    if (bus === undefined) return { gateway: `${this.options.gatewayHost}:${this.options.gatewayPort}` };
    return { ...describeBus(bus), subjects: this.#subscriber?.subjects.join(',') };
  }

  async #connectFeed(): Promise<void> {
    if (this.#client !== undefined) return this.#client.connect();
    const connection = this.#busConnection;
    if (connection === undefined) return;
    await connection.open();
    this.#subscriber?.start();
  }

  #createSegment(symbols: readonly string[]): void {
    try {
      const writer = BookWriter.create({ name: this.options.shm, symbols, depth: this.options.depth ?? DEFAULT_BOOK_DEPTH, replaceStale: this.options.replaceStale });
      this.#writer = writer;
      this.#log.info('book segment created', { shm: this.options.shm, symbols: describeSymbols(symbols), depth: writer.depth, replaceStale: this.options.replaceStale });
      this.#resolveSegment();
    } catch (err) {
      this.#rejectSegment(err instanceof Error ? err : new TradingError(ErrorCode.INTERNAL, String(err)));
      throw err;
    }
  }

  #onFrame = (buffer: Buffer, offset: number, length: number): void => {
    let message: Message;
    try {
      message = this.#decoder.decode(buffer, offset, length);
    } catch (err) {
      // one bad message is skipped; the framing is intact, so the stream goes on
      this.#badMessages++;
      this.#log.warn('bad message from the gateway: skipped', { error: describeError(err) });
      return;
    }
    switch (message.type) {
      case MessageType.MARKET_DATA:
        // a gap while discovering (frames conflated or dropped by a gateway under load) may
        // have reordered the round: the cycle starts again from here
        if (!this.#noteSequence(message.sequence) && this.#writer === undefined) this.#discovery.reset();
        this.#onMarketData(message);
        return;
      case MessageType.NEWS_SENTIMENT:
        this.#noteSequence(message.sequence);
        this.#news++;
        this.options.gate?.noteSeen(message.sequence);
        return;
      case MessageType.SHUTDOWN:
        this.#log.info('gateway shutting down', { reason: message.reason });
        return;
      case MessageType.ERROR:
        if (this.#session.handle(message)) return;
        this.#log.warn('gateway reported an error', { code: message.code, message: message.message });
        return;
      default:
        this.#session.handle(message);
        return;
    }
  };

  #onMarketData(message: MarketData): void {
    let writer = this.#writer;
    if (writer === undefined) {
      if (this.#stopped) return;
      const symbols = this.#discovery.observe(message.symbol);
      if (symbols === undefined) return;
      try {
        this.#createSegment(symbols);
      } catch (err) {
        // start() fails with this error; nothing more to do with the stream
        this.#log.error('cannot create the book segment', { shm: this.options.shm, error: describeError(err) });
        void this.#client?.close();
        this.#subscriber?.stop();
        return;
      }
      writer = this.#writer;
      if (writer === undefined) return;
    }
    const index = writer.indexOf(message.symbol);
    if (index < 0) {
      this.#unknownSymbolUpdates++;
      if (!this.#unknownSymbols.has(message.symbol) && this.#unknownSymbols.size < 100) {
        this.#unknownSymbols.add(message.symbol);
        this.#log.warn('symbol without a slot in the book segment: ignored', { symbol: message.symbol, shm: this.options.shm });
      }
      return;
    }
    const gate = this.options.gate;
    if (gate !== undefined && !gate.waitToWrite(GATE_TIMEOUT_MS)) {
      this.#gateTimeouts++;
      this.#log.error('flow gate: the strategy or the order manager did not catch up; writing anyway', { sequence: message.sequence, done: gate.done, seen: gate.seen });
    }
    writer.write(index, message);
    if (gate !== undefined) {
      gate.publishWritten(message.sequence, message.timestamp);
      gate.noteSeen(message.sequence);
    }
    this.#updates++;
    if (!this.#feedConnected) {
      this.#feedConnected = true;
      writer.setFeedConnected(true);
      this.#log.info('feed live', { shm: this.options.shm });
    }
  }

  /** Track the gateway's sequence; false on a gap. */
  #noteSequence(sequence: number): boolean {
    const inOrder = this.#lastSequence === 0 || sequence === this.#lastSequence + 1;
    if (!inOrder) this.#sequenceGaps++;
    this.#lastSequence = sequence;
    return inOrder;
  }

  #onFeedLost(reason: Error | undefined): void {
    this.#discovery.reset();
    if (!this.#feedConnected) return;
    this.#feedConnected = false;
    this.#feedLosses++;
    const writer = this.#writer;
    if (writer !== undefined && !writer.closed) writer.setFeedConnected(false);
    if (!this.#stopped) this.#log.warn('feed lost: book marked stale until the gateway is back', { reason: reason === undefined ? undefined : describeError(reason) });
  }
}
