/**
 * The `trading ordermanager` process around the OrderManager core (order-manager.ts): a
 * FrameServer taking orders, the shared-memory book, the trade log, and the duty cycle.
 *
 *   client ──ORDER/CANCEL/HELLO──► decode ─► om.handleOrder / om.handleCancel
 *                                             │ risk, execution against the LiveBook
 *                                             ▼ journal (group commit, fdatasync)
 *   client ◄──TRADE_EXECUTION── encode ◄─ sink.deliver (only once the fill is durable)
 *
 * Wire. Every frame is decoded by kind (JSON or binary). A connection is answered in JSON
 * until it says a binary HELLO, then in binary (a HELLO with binary=false switches back).
 * A seed client (JSON ORDER frames, never reads) works unchanged: its orders are LIMIT IOC
 * at their price, executed and logged with the seed's fields.
 *
 * Bad input. A payload that does not decode (malformed JSON, a missing field, an unknown
 * kind or type) is answered with an ERROR frame carrying the stable code and the
 * connection goes on; an order that decodes but fails a check is a REJECTED report with
 * its code (the core's job) and is never logged as a trade. Framing errors (a zero or
 * oversized length) close that connection after an error frame, as the FrameServer does:
 * no later byte of that stream can be trusted. Other clients never notice.
 *
 * Sessions and identities (src/session/). The core addresses reports (and rate limits)
 * by a session key. A client that proves an identity in its HELLO (auth_token checked
 * against --auth-file) owns the session of that identity: its key is the identity, its
 * reports are numbered (`sequence`) and kept in a ring (--replay-reports), and a client
 * that reconnects with the last sequence it saw is sent every later report before new
 * ones. Its resting DAY orders survive a disconnect for --resume-grace-ms, then are
 * cancelled. A newer connection that proves the same identity takes the session over (the
 * older one gets E_SESSION_TAKEN_OVER). Everyone else is anonymous: the seed's clients
 * (no HELLO) and HELLOs that prove nothing are each their own session `conn-<pid>-<n>`,
 * private to their connection (unique across restarts, so a restored resting order of a
 * previous process is never reported to a newcomer), whatever name they give; when such
 * a connection goes, its resting orders are cancelled: no one could be told about them
 * again. A claim without proof is E_AUTH_FAILED and the connection is closed; the policy
 * on anonymous clients is the SessionPolicy's (loopback only, --no-anonymous).
 *
 * Slow consumers. Reports leave only after their fill is on disk, so a report is a
 * notification of something already durable, and the trade log is the record. A client
 * that reads slowly, or never (the seed's clients), must not lose its connection, stall
 * the others or grow our memory: the server conflates per order id. Past the backlog
 * bound (--max-backlog-bytes) a connection keeps only the latest report of each order
 * (cumulative filled quantity, average price, status) until its socket drains, then gets
 * those; frames beyond the bound of the conflation store are dropped. Both are counted
 * (reports_conflated, reports_dropped) and logged when an episode starts and ends. The
 * client's orders keep executing and every fill is in the trade log exactly once.
 *
 * Book. A LiveBook over the segment (--shm): the order manager starts whether or not the
 * segment exists yet, rejects orders E_RISK_STALE_BOOK until it does (LiveBook reads stale),
 * and follows a restarted orderbook to its new segment.
 *
 * Duty cycle. While DAY orders rest, pollRestingOrders runs: again at once (setImmediate)
 * after a cycle that filled something, else after --poll-interval-ms on one re-armed
 * timer; with nothing resting it does not run at all.
 *
 * Counters (published into the counters segment, src/metrics). fills is the trade log's:
 * what recovery read back plus the fill lines made durable since, so it equals the file and
 * never goes back across a restart. filled_shares, PnL and positions are rebuilt from the
 * log too. orders, rejects and the rest continue across a restart (the counters segment
 * keeps what the previous process counted). tick_to_trade is the order's arrival here
 * (monotonic ns) minus its tickSentNs, for orders that carry one; journal_sync the time of
 * each trade log commit.
 *
 * Stop. Stop taking orders, cancel every resting order (end of the day), wait until every
 * report is durable and handed to its connection, close the server (which flushes and
 * half-closes each client), then close the trade log (flush + fdatasync) and the book.
 */
import { encodePayloadCopy } from '../protocol/encoded-copy.js';
import { BusConnection } from '../bus/bus-connection.js';
import { describeBus } from '../bus/bus-config.js';
import { publishConnectionMetrics } from '../bus/bus-metrics.js';
import { monotonicNsFromPerformance } from '../core/clock.js';
import { ErrorCode, describeError, isTradingError, type TradingError } from '../core/errors.js';
import type { LogFields, Logger } from '../core/log.js';
import { reportProblem, underSupervisor, type Component } from '../core/runtime.js';
import { FrameServer } from '../net/frame-server.js';
import { keepWarmOr } from '../net/heartbeat.js';
import type { FrameServerClient } from '../net/frame-server-client.js';
import { MessageDecoder, MessageEncoder } from '../protocol/codec.js';
import { FRAME_HEADER_BYTES } from '../protocol/framing.js';
import { MessageType, type ErrorMessage, type ExecutionReport, type Heartbeat, type Message } from '../protocol/messages.js';
import { COMPONENT_METRICS, MetricsWriter, type HistogramRecorder } from '../metrics/index.js';
import { LiveBook } from '../shm/live-book.js';
import { FillMirror } from './fill-mirror.js';
import { OrderManager } from './order-manager.js';
import type { OrderManagerSettings } from './ordermanager-config.js';
import type { ExecutionReportSink } from './report-queue.js';
import { Checkpointer } from './checkpointer.js';
import { checkDiskWritable } from './journal-file.js';
import { FlowGate, waitFor } from '../shm/flow-gate.js';
import { ClientSessions, type Connection } from './client-sessions.js';
import { publishOrderManagerMetrics, type OrderManagerMetrics, type ShellCounters } from './ordermanager-metrics.js';
import { TradeLog } from './trade-log.js';
import { TickBookHold } from './tick-book-hold.js';

/** Backtest: the orderbook not reaching the strategy's message within this is a stuck run. */
const GATE_TIMEOUT_MS = 30_000;

/** Our heartbeat to clients that said HELLO, after this long without sending them anything. */
const HEARTBEAT_INTERVAL_MS = 1_000;
/** How often a failed trade log's disk is probed for room again, ms. */
const DISK_PROBE_INTERVAL_MS = 1_000;
const STOP_REASON = 'order manager stopping: end of the day';
type Client = FrameServerClient<Connection>;

export interface OrderManagerServiceOptions {
  /** Publish counters into the counters segment named after --shm (the `trading ordermanager` process does). */
  publishMetrics?: boolean;
}

export class OrderManagerService implements Component {
  readonly #settings: OrderManagerSettings;
  readonly #log: Logger;
  readonly #fail: (error: unknown) => void;
  readonly #decoder = new MessageDecoder();
  /** One encoder for every connection: the kind is chosen per report (the client's mode). */
  readonly #encoder = new MessageEncoder();
  readonly #sessions: ClientSessions;
  readonly #error: ErrorMessage = { type: MessageType.ERROR, code: '', message: '' };
  readonly #heartbeat: Heartbeat = { type: MessageType.HEARTBEAT, timestamp: 0, sentNs: 0 };
  #heartbeatJson: Buffer | undefined;
  #heartbeatBinary: Buffer | undefined;

  #tradeLog: TradeLog | undefined;
  #liveBook: LiveBook | undefined;
  #om: OrderManager | undefined;
  #server: FrameServer<Connection> | undefined;
  #busConnection: BusConnection | undefined;
  #mirror: FillMirror | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #pollImmediate: NodeJS.Immediate | undefined;
  #pollArmed = false;
  #stopping = false;
  #diskProbe: NodeJS.Timeout | undefined;
  #checkpointer: Checkpointer | undefined;
  #stopped: Promise<void> | undefined;
  readonly #publishMetrics: boolean;
  #metrics: OrderManagerMetrics | undefined;
  #tickToTradeShm: HistogramRecorder | undefined;
  #tickToOrderSentShm: HistogramRecorder | undefined;
  #orderTransitShm: HistogramRecorder | undefined;

  readonly #shell: ShellCounters = { decodeErrors: 0, unexpectedMessages: 0, cancelErrors: 0, ignoredWhileStopping: 0, checkpoints: 0, tradeLogFailed: 0, tickBookWaits: 0 };
  /** Orders ahead of their tick's book, and what their clients sent after them (tick-book-hold.ts). */
  readonly #held: TickBookHold<Client>;
  #gate: FlowGate | undefined;
  #gateImmediate: NodeJS.Immediate | undefined;

  readonly #sink: ExecutionReportSink = {
    deliver: (name, report) => {
      // durable and in order here (report-queue.ts): the drop copy's point
      this.#mirror?.offer(report);
      this.#deliver(name, report);
    },
    // released reports go out now: at the end of the turn they would first wait for what
    // else the poll phase reads, such as another client's order and its inline sync
    flush: () => this.#server?.flush(),
  };

  /**
   * `fail` is the command's way out (command.ts): stop with the error's code and a
   * non-zero exit, so that the supervisor restarts us from what is on disk.
   */
  constructor(settings: OrderManagerSettings, log: Logger, fail: (error: unknown) => void, options: OrderManagerServiceOptions = {}) {
    this.#settings = settings;
    this.#log = log;
    this.#fail = fail;
    this.#publishMetrics = options.publishMetrics === true;
    this.#held = new TickBookHold<Client>({
      book: () => this.#liveBook,
      waitMs: settings.tickBookWaitUs / 1000,
      handle: (client, bytes, readNs, waited) => this.#handleFrame(client, bytes, 0, bytes.length, readNs, waited),
    });
    this.#sessions = new ClientSessions({
      policy: settings.session.policy,
      resumeGraceMs: settings.resumeGraceMs,
      replayReports: settings.replayReports,
      log: log.child('session'),
      send: (client, message, key, kind) => this.#sendMessage(client, message, key, kind),
      sendError: (client, code, text) => this.#sendError(client, code, text),
      cancelResting: (key, reason, what) => this.#cancelResting(key, reason, what),
      // per-connection state goes with an anonymous connection (an identity's stays for its return)
      forget: (key) => this.#om?.forgetClient(key),
      sessionId: () => this.#om?.numbering.sessionId ?? '',
      recoveredSequence: (identity) => this.#om?.numbering.recoveredSequence(identity) ?? 0,
      readJournal: (identity, after, upTo, onReport) => this.#tradeLog?.readReports(identity, after, upTo, onReport) ?? 0,
      workingOrderIds: (identity) => this.#om?.workingOrderIds(identity) ?? new Set<string>(),
      stopping: () => this.#stopping,
    });
  }

  /** The core, once started (tests and tools). */
  get orderManager(): OrderManager | undefined {
    return this.#om;
  }

  async start(): Promise<LogFields> {
    const settings = this.#settings;
    let journalSync: HistogramRecorder | undefined;
    if (this.#publishMetrics) {
      const metrics = MetricsWriter.openOrWarn(
        { component: 'ordermanager', shm: settings.shm, metrics: COMPONENT_METRICS.ordermanager, publish: (w) => this.#publish(w) },
        (message, fields) => this.#log.warn(message, fields),
      );
      this.#metrics = metrics;
      this.#tickToTradeShm = metrics?.histogram('tick_to_trade');
      this.#tickToOrderSentShm = metrics?.histogram('tick_to_order_sent');
      this.#orderTransitShm = metrics?.histogram('order_transit');
      journalSync = metrics?.histogram('journal_sync');
    }
    // The trade log first: an unwritable one must fail the start before we take a single order.
    const tradeLog = TradeLog.open(settings.tradeLog, {
      ...(journalSync === undefined ? {} : { onCommitUs: (us: number) => journalSync.record(us) }),
      logger: this.#log.child('trade-log'),
      // Small commits fdatasync on this thread (trade-log.ts, "Small commits"): an isolated
      // order's ack skips the threadpool round trip, while under load batches are far larger
      // (about 170 lines at 100k orders/s) and stay on the threadpool.
      syncCommitMaxLines: settings.syncCommitMaxLines,
      repair: settings.repairTradeLog,
    });
    this.#tradeLog = tradeLog;
    const liveBook = new LiveBook({ name: settings.shm, maxAgeMs: settings.bookMaxAgeMs, log: this.#log.child('book') });
    this.#liveBook = liveBook;
    const checkpointer = new Checkpointer(settings.tradeLog, tradeLog, this.#log);
    this.#checkpointer = checkpointer;
    const checkpoint = checkpointer.usable(settings.repairTradeLog);
    const gate = settings.gate === undefined ? undefined : FlowGate.open(settings.gate);
    this.#gate = gate;
    const om = new OrderManager({
      books: liveBook,
      // a backtest runs on market time: the book's (the flow gate carries it), never the wall clock
      ...(gate === undefined ? {} : { clock: { monotonicNs: () => gate.marketUs * 1000, epochSeconds: () => gate.marketUs / 1e6 } }),
      journal: tradeLog,
      sink: this.#sink,
      limits: settings.limits,
      logger: this.#log,
      onJournalFailure: (error) => this.#journalFailed(error),
      orderIdWindow: settings.orderIdWindow,
      checkpoint,
      // a proven identity's reports are numbered and journaled, for its resync across restarts
      ...(settings.session.policy.credentials === undefined ? {} : { numberReportsOf: (client: string) => settings.session.policy.credentials?.has(client) === true }),
    });
    this.#om = om;
    checkpointer.start(om);
    settings.session.policy.checkBind(settings.host, 'ordermanager');
    const server = new FrameServer<Connection>({
      tls: settings.session.tls,
      onFrame: this.#onFrame,
      onConnect: (client) => this.#sessions.connected(client),
      onDisconnect: (client) => {
        // what it sent and is held is handled now, without waiting for its book: it was read before the client went
        this.#held.releaseNow(client);
        this.#sessions.disconnected(client);
      },
      maxFrameBytes: settings.maxFrameBytes,
      maxBacklogBytes: settings.maxBacklogBytes,
      slowConsumerPolicy: 'conflate',
      ...settings.serverLimits,
      heartbeat: { intervalMs: keepWarmOr(settings.keepWarmMs, HEARTBEAT_INTERVAL_MS), timeoutMs: 0, payload: (client) => this.#heartbeatFor(client) },
      log: this.#log.child('server'),
    });
    this.#server = server;
    if (settings.bus !== undefined) this.#startMirror(settings.bus, tradeLog.path, om.recoveredFills);
    // the journal's session id (written at the start when new) is durable before any client is told it
    await tradeLog.flush();
    const address = await server.listen(settings.port, settings.host);
    // Orders restored from the order journal rest again: their books may already have moved.
    this.#armPoll();
    const recovery = om.recovery;
    return {
      host: address.host,
      port: address.port,
      tls: server.tls,
      authenticated: settings.session.policy.credentials !== undefined,
      anonymous: settings.session.policy.anonymous,
      shm: settings.shm,
      bookAttached: liveBook.attached,
      tradeLog: tradeLog.path,
      recoveredFills: om.recoveredFills,
      fromCheckpoint: checkpoint !== undefined,
      recoveredCorruptLines: recovery.tradeLog.corruptLines + recovery.orderJournal.corruptLines,
      duplicateFills: recovery.duplicateFills,
      repairedLines: recovery.repairedLines,
      restingOrders: om.restingOrderCount,
      ...(settings.bus === undefined ? {} : { ...describeBus(settings.bus), busStream: settings.busStream }),
    };
  }

  /**
   * The drop copy (fill-mirror.ts). The bus connects in the background: trading never waits
   * for it (the trade log is the record; the stream catches up). Credentials the server
   * refuses are a configuration error: the process stops (exit 1) rather than trade without
   * the drop copy it was asked for.
   */
  #startMirror(bus: NonNullable<OrderManagerSettings['bus']>, tradeLogPath: string, fillsAtStart: number): void {
    const connection = new BusConnection(bus, this.#log.child('bus'));
    this.#busConnection = connection;
    const mirror = new FillMirror({ connection, tradeLogPath, fillsAtStart, stream: this.#settings.busStream, log: this.#log.child('dropcopy') });
    this.#mirror = mirror;
    mirror.start();
    connection.open().catch((error: unknown) => {
      if (this.#stopping) return;
      this.#log.error('the drop copy cannot reach the bus: stopping', { error: describeError(error) });
      this.#fail(error);
    });
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#stopNow();
    return this.#stopped;
  }

  // ---- inbound -----------------------------------------------------------------------------

  #cancelResting(key: string, reason: string, what: string): void {
    const om = this.#om;
    if (om === undefined || this.#stopping || om.restingOrderCount === 0) return;
    const canceled = om.cancelAllForClient(key, reason);
    if (canceled > 0) this.#log.info(what, { client: key, orders: canceled });
  }

  readonly #onFrame = (client: Client, buffer: Buffer, offset: number, length: number): void => {
    this.#handleFrame(client, buffer, offset, length, client.readNs, false);
  };

  /** `readNs`: when the frame was read from the socket; `waited`: an order held for its tick's book (tick-book-hold.ts). */
  #handleFrame(client: Client, buffer: Buffer, offset: number, length: number, readNs: number, waited: boolean): void {
    const om = this.#om;
    const connection = client.context;
    if (om === undefined || connection === undefined) return;
    if (this.#stopping) {
      this.#shell.ignoredWhileStopping++;
      return;
    }
    // behind an order of its client that waits for its tick's book: in order
    if (this.#held.holds(client)) {
      this.#held.queue(client, buffer, offset, length, readNs);
      return;
    }
    let message: Message;
    try {
      message = this.#decoder.decode(buffer, offset, length);
    } catch (error) {
      this.#shell.decodeErrors++;
      this.#refuse(client, error);
      return;
    }
    if (connection.admitted !== 'admitted' && !this.#sessions.admit(client, connection, message)) return;
    switch (message.type) {
      case MessageType.ORDER: {
        this.#awaitGateBook();
        // received when read from the socket, as the strategy stamps its tick: decoding is ours
        const arrivalNs = readNs > 0 ? readNs : monotonicNsFromPerformance();
        const tickSentNs = message.tickSentNs;
        // made on a tick newer than the shared book (a strategy trading on its ticks beat the
        // orderbook to us): it waits for that book, without holding up other clients
        if (!waited && this.#gate === undefined && this.#held.mustWait(message.symbol, tickSentNs)) {
          this.#shell.tickBookWaits++;
          this.#held.hold(client, buffer, offset, length, arrivalNs, message.symbol, tickSentNs);
          return;
        }
        if (tickSentNs > 0) {
          const us = (arrivalNs - tickSentNs) / 1000;
          this.#tickToTradeShm?.record(us);
          // the timeline: gateway send → order sent (feed hop + strategy) → arrival (order hop)
          if (message.orderSentNs > 0) {
            this.#tickToOrderSentShm?.record((message.orderSentNs - tickSentNs) / 1000);
            this.#orderTransitShm?.record((arrivalNs - message.orderSentNs) / 1000);
          }
        }
        om.handleOrder(message, connection.name, arrivalNs);
        this.#publishToGate(true);
        if (!this.#pollArmed && om.restingOrderCount > 0) this.#armPoll();
        return;
      }
      case MessageType.CANCEL: {
        this.#awaitGateBook();
        const code = om.handleCancel(message, connection.name);
        this.#publishToGate(true);
        if (code !== null) {
          this.#shell.cancelErrors++;
          const why = code === ErrorCode.ORDER_UNKNOWN ? 'no resting order of yours has that id' : 'the symbol does not match the order';
          this.#sendError(client, code, `cannot cancel order ${JSON.stringify(message.orderId)}: ${why}`);
        }
        return;
      }
      case MessageType.HELLO:
        this.#sessions.hello(client, connection, message);
        return;
      case MessageType.HEARTBEAT:
      case MessageType.SHUTDOWN:
        return;
      default:
        this.#shell.unexpectedMessages++;
        this.#sendError(
          client,
          ErrorCode.MESSAGE_UNKNOWN_TYPE,
          `the order manager takes ORDER, CANCEL, HELLO and HEARTBEAT; message type ${message.type} is not one of them`,
        );
    }
  }

  /** A payload that did not decode: ERROR with its code; the connection goes on. */
  #refuse(client: Client, error: unknown): void {
    const code = isTradingError(error) ? error.code : ErrorCode.PAYLOAD_MALFORMED;
    const message = isTradingError(error) ? error.message : describeError(error);
    if (this.#shell.decodeErrors <= 10 || this.#shell.decodeErrors % 1000 === 0) {
      this.#log.warn('undecodable frame refused', { client: client.id, code, message, total: this.#shell.decodeErrors });
    }
    this.#sendError(client, code, message);
  }

  #sendError(client: Client, code: string, text: string): void {
    const error = this.#error;
    error.code = code;
    error.message = text.length > 500 ? text.slice(0, 500) : text;
    this.#sendMessage(client, error, undefined);
  }

  // ---- outbound ----------------------------------------------------------------------------

  #deliver(name: string, report: Readonly<ExecutionReport>): void {
    const client = this.#sessions.route(name, report as ExecutionReport);
    if (client !== undefined) this.#sendMessage(client, report as ExecutionReport, report.orderId);
  }

  #sendMessage(client: Client, message: Message, conflationKey: string | undefined, kind = client.mode): void {
    const bytes = this.#encoder.encode(message, kind);
    client.sendPayload(this.#encoder.buffer, FRAME_HEADER_BYTES, bytes - FRAME_HEADER_BYTES, conflationKey);
  }

  #heartbeatFor(client: Client): Uint8Array | undefined {
    if (client.context?.named !== true) return undefined; // the seed's clients do not read
    if (client.mode === 'binary') {
      this.#heartbeatBinary ??= this.#encodePayload(this.#heartbeat, 'binary');
      return this.#heartbeatBinary;
    }
    this.#heartbeatJson ??= this.#encodePayload(this.#heartbeat, 'json');
    return this.#heartbeatJson;
  }

  #encodePayload(message: Message, kind: 'json' | 'binary'): Buffer {
    return encodePayloadCopy(this.#encoder, message, kind);
  }

  // ---- duty cycle --------------------------------------------------------------------------

  /** Backtest: wait until the book is that of the message the strategy is handling (flow-gate.ts). */
  #awaitGateBook(): void {
    const gate = this.#gate;
    if (gate === undefined || gate.bookAtCurrent()) return;
    if (!waitFor(() => gate.bookAtCurrent(), GATE_TIMEOUT_MS)) this.#log.error('flow gate: the orderbook did not reach the strategy\'s message; executing anyway');
  }

  /**
   * Backtest: tell the flow gate what we made and what rests; `request`: one more order or
   * cancel handled. A newly resting order was matched against the current book.
   */
  #publishToGate(request: boolean): void {
    const gate = this.#gate;
    const om = this.#om;
    if (gate === undefined || om === undefined) return;
    const resting = om.restingOrderCount;
    const matched = resting > 0 && gate.resting === 0 ? gate.written : gate.matched;
    gate.publishOrderManager(om.reportsMade, resting, matched, request);
  }

  /** Backtest duty cycle while orders rest: match them against every book the orderbook writes. */
  readonly #gateCycle = (): void => {
    this.#gateImmediate = undefined;
    const gate = this.#gate;
    const om = this.#om;
    if (gate === undefined || om === undefined || this.#stopping || om.restingOrderCount === 0) return;
    const written = gate.written;
    if (written > gate.matched) {
      om.pollRestingOrders();
      gate.publishOrderManager(om.reportsMade, om.restingOrderCount, written, false);
    }
    this.#gateImmediate = setImmediate(this.#gateCycle);
  };

  #armPoll(): void {
    if (this.#gate !== undefined) {
      if (this.#gateImmediate === undefined && !this.#stopping) this.#gateImmediate = setImmediate(this.#gateCycle);
      return;
    }
    if (this.#pollArmed || this.#stopping || this.#om === undefined || this.#om.restingOrderCount === 0) return;
    this.#pollArmed = true;
    this.#startPollTimer();
  }

  /** One timer for the whole run, re-armed with refresh() (no allocation per cycle). */
  #startPollTimer(): void {
    if (this.#pollTimer === undefined) this.#pollTimer = setTimeout(this.#pollCycle, this.#settings.pollIntervalMs);
    else this.#pollTimer.refresh();
  }

  readonly #pollCycle = (): void => {
    this.#pollImmediate = undefined;
    this.#pollArmed = false;
    const om = this.#om;
    if (om === undefined || this.#stopping) return;
    const fills = om.pollRestingOrders();
    if (om.restingOrderCount === 0) return;
    this.#pollArmed = true;
    // something happened: look again at once; nothing: back off to the timer
    if (fills > 0) this.#pollImmediate = setImmediate(this.#pollCycle);
    else this.#startPollTimer();
  };

  // ---- failure and stop --------------------------------------------------------------------

  /**
   * The trade log cannot be made durable (disk full, I/O error). The core already rejects
   * every order in flight and every new one with E_TRADE_LOG_UNAVAILABLE, and the log was
   * cut back to its last durable point. We stay up, so that every client hears why, tell
   * the supervisor what is wrong, and probe the disk: once it can append and sync again,
   * under a supervisor we stop so that it restarts us from what is on disk (positions in
   * memory include the voided fills); alone, the operator restarts us.
   */
  #journalFailed(error: TradingError): void {
    this.#shell.tradeLogFailed = 1;
    this.#checkpointer?.disable();
    this.#log.error('trade log failed: every order is rejected E_TRADE_LOG_UNAVAILABLE until a restart', { error: describeError(error) });
    reportProblem('ordermanager', error.message);
    const path = this.#settings.tradeLog;
    this.#diskProbe = setInterval(() => {
      try {
        checkDiskWritable(path);
      } catch {
        return;
      }
      if (this.#diskProbe !== undefined) clearInterval(this.#diskProbe);
      this.#diskProbe = undefined;
      if (!underSupervisor()) {
        this.#log.warn('the trade log\'s disk can append and sync again: restart the order manager to trade again');
        return;
      }
      this.#log.warn('the trade log\'s disk can append and sync again: stopping so that the supervisor restarts us from the log');
      this.#fail(error); // stop with the journal's error: a non-zero exit, and the supervisor restarts us
    }, DISK_PROBE_INTERVAL_MS);
    this.#diskProbe.unref();
  }

  async #stopNow(): Promise<void> {
    // orders read and held for their tick's book are handled, not dropped: no more waiting
    this.#held.releaseNow();
    this.#held.close();
    this.#stopping = true;
    if (this.#diskProbe !== undefined) clearInterval(this.#diskProbe);
    this.#checkpointer?.stop();
    this.#sessions.stop();
    if (this.#pollTimer !== undefined) clearTimeout(this.#pollTimer);
    if (this.#pollImmediate !== undefined) clearImmediate(this.#pollImmediate);
    if (this.#gateImmediate !== undefined) clearImmediate(this.#gateImmediate);
    this.#gateImmediate = undefined;
    const om = this.#om;
    let failure: unknown;
    if (om !== undefined) {
      const canceled = om.cancelAll(STOP_REASON);
      if (canceled > 0) this.#log.info('resting orders canceled', { orders: canceled });
      try {
        await om.flush(); // every report durable and handed to its connection
      } catch (error) {
        failure = error;
      }
      if (failure === undefined) await this.#checkpointer?.writeFinal();
    }
    await this.#server?.close();
    if (this.#mirror !== undefined) {
      const caughtUp = await this.#mirror.close();
      if (!caughtUp) this.#log.warn('stopping before the stream holds every fill; the next start sends the rest from the trade log', this.#mirror.counters());
    }
    await this.#busConnection?.close();
    try {
      await this.#tradeLog?.close();
    } catch (error) {
      failure ??= error;
    }
    this.#liveBook?.close();
    // last: the final values include the trade log's last commit
    this.#metrics?.close();
    if (failure !== undefined) throw failure;
  }

  /** Copy the counters into the counters segment (every publish interval, off the order path). */
  #publish(w: OrderManagerMetrics): void {
    const om = this.#om;
    if (om === undefined) return;
    this.#shell.checkpoints = this.#checkpointer?.written ?? 0;
    const parts = { om, tradeLog: this.#tradeLog?.stats, sessions: this.#sessions, server: this.#server?.counters(), book: this.#liveBook };
    publishOrderManagerMetrics(w, parts, this.#shell);
    publishConnectionMetrics(w, this.#busConnection);
    this.#mirror?.publishMetrics(w);
  }
}

