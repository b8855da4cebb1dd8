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
 * Client names. The core addresses reports (and rate limits) by a client name. A
 * connection is `conn-<pid>-<n>` (unique across restarts, so a restored resting order
 * of a previous process is never reported to a newcomer) until its HELLO gives a name;
 * then reports for that name, including later fills of resting orders, go to the newest
 * open connection with it, so a strategy that reconnects hears about its resting orders.
 * When an unnamed connection goes, its resting orders are cancelled: no one could ever be
 * told about them again. Named clients keep theirs across a reconnect.
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
 * Counters. fills, volume, realized_pnl, unrealized_pnl, position.<SYMBOL> and
 * position_abs_total are those of the trade log: recovery replays it, so after a restart
 * they still agree with the file (fills_this_run and volume_this_run are this process's
 * own). orders, rejects and the latency figures are this process's. tick_to_trade is the
 * order's arrival here (monotonic ns) minus its tickSentNs, for orders that carry one.
 *
 * Stop. Stop taking orders, cancel every resting order (end of the day), wait until every
 * report is durable and handed to its connection, close the server (which flushes and
 * half-closes each client), then close the trade log (flush + fdatasync) and the book.
 */
import { rmSync } from 'node:fs';
import { encodePayloadCopy } from '../protocol/encoded-copy.js';
import { monotonicNs } from '../core/clock.js';
import { ErrorCode, describeError, isTradingError, type TradingError } from '../core/errors.js';
import { LatencyRecorder } from '../core/latency.js';
import type { LogFields, Logger } from '../core/log.js';
import { reportProblem, underSupervisor, type Component, type Counters } from '../core/runtime.js';
import { FrameServer } from '../net/frame-server.js';
import type { FrameServerClient } from '../net/frame-server-client.js';
import { MessageDecoder, MessageEncoder } from '../protocol/codec.js';
import { FRAME_HEADER_BYTES } from '../protocol/framing.js';
import { MessageType, type ErrorMessage, type ExecutionReport, type Heartbeat, type Message } from '../protocol/messages.js';
import { LiveBook } from '../shm/live-book.js';
import { OrderManager } from './order-manager.js';
import type { OrderManagerSettings } from './ordermanager-config.js';
import type { ExecutionReportSink } from './report-queue.js';
import { CHECKPOINT_SUFFIX, journalReaches, readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.js';
import { checkDiskWritable } from './journal-file.js';
import { TradeLog } from './trade-log.js';

/** Our heartbeat to clients that said HELLO, after this long without sending them anything. */
const HEARTBEAT_INTERVAL_MS = 1_000;
/** How often a failed trade log's disk is probed for room again, ms. */
const DISK_PROBE_INTERVAL_MS = 1_000;
/** How often a checkpoint is considered, ms, and how many new records make one worth writing. */
const CHECKPOINT_PERIOD_MS = 5_000;
const CHECKPOINT_MIN_RECORDS = 100_000;
const STOP_REASON = 'order manager stopping: end of the day';
const DISCONNECT_REASON = 'client disconnected: an unnamed connection cannot be told about this order again';

interface Connection {
  /** The name the core knows this connection by. */
  name: string;
  /** Said HELLO (one of ours): gets heartbeats, keeps resting orders across a disconnect. */
  named: boolean;
}

type Client = FrameServerClient<Connection>;

export class OrderManagerService implements Component {
  readonly #settings: OrderManagerSettings;
  readonly #log: Logger;
  readonly #fail: (error: unknown) => void;
  readonly #decoder = new MessageDecoder();
  /** One encoder for every connection: the kind is chosen per report (the client's mode). */
  readonly #encoder = new MessageEncoder();
  readonly #byName = new Map<string, Client>();
  readonly #tickToTrade = new LatencyRecorder();
  readonly #error: ErrorMessage = { type: MessageType.ERROR, code: '', message: '' };
  readonly #heartbeat: Heartbeat = { type: MessageType.HEARTBEAT, timestamp: 0, sentNs: 0 };
  #heartbeatJson: Buffer | undefined;
  #heartbeatBinary: Buffer | undefined;

  #tradeLog: TradeLog | undefined;
  #liveBook: LiveBook | undefined;
  #om: OrderManager | undefined;
  #server: FrameServer<Connection> | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #pollImmediate: NodeJS.Immediate | undefined;
  #pollArmed = false;
  #stopping = false;
  /** Set once the trade log failed: what is wrong with it. */
  #journalProblem: string | undefined;
  #diskProbe: NodeJS.Timeout | undefined;
  #checkpointPath = '';
  #checkpointTimer: NodeJS.Timeout | undefined;
  /** The journal's appendedCount at the last checkpoint. */
  #checkpointedAt = 0;
  #checkpoints = 0;
  #stopped: Promise<void> | undefined;
  #finalCounters: Counters | undefined;

  // counters of the shell
  #decodeErrors = 0;
  #unexpectedMessages = 0;
  #cancelErrors = 0;
  #undeliverable = 0;
  #ignoredWhileStopping = 0;
  #hellos = 0;

  readonly #sink: ExecutionReportSink = {
    deliver: (name, report) => this.#deliver(name, report),
  };

  /**
   * `fail` is the command's way out (command.ts): stop with the error's code and a
   * non-zero exit, so that the supervisor restarts us from what is on disk.
   */
  constructor(settings: OrderManagerSettings, log: Logger, fail: (error: unknown) => void) {
    this.#settings = settings;
    this.#log = log;
    this.#fail = fail;
  }

  /** The core, once started (tests and tools). */
  get orderManager(): OrderManager | undefined {
    return this.#om;
  }

  async start(): Promise<LogFields> {
    const settings = this.#settings;
    // The trade log first: an unwritable one must fail the start before we take a single order.
    const tradeLog = TradeLog.open(settings.tradeLog, {
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
    this.#checkpointPath = settings.tradeLog + CHECKPOINT_SUFFIX;
    // a repair rewrites the log: offsets in an old checkpoint would point anywhere
    if (settings.repairTradeLog) rmSync(this.#checkpointPath, { force: true });
    const checkpoint = settings.repairTradeLog ? undefined : this.#usableCheckpoint(tradeLog);
    const om = new OrderManager({
      books: liveBook,
      journal: tradeLog,
      sink: this.#sink,
      limits: settings.limits,
      logger: this.#log,
      onJournalFailure: (error) => this.#journalFailed(error),
      orderIdWindow: settings.orderIdWindow,
      checkpoint,
    });
    this.#om = om;
    this.#checkpointedAt = tradeLog.appendedCount;
    this.#checkpointTimer = setInterval(() => this.#maybeCheckpoint(false), CHECKPOINT_PERIOD_MS);
    this.#checkpointTimer.unref();
    const server = new FrameServer<Connection>({
      onFrame: this.#onFrame,
      onConnect: (client) => this.#onConnect(client),
      onDisconnect: (client) => this.#onDisconnect(client),
      maxFrameBytes: settings.maxFrameBytes,
      maxBacklogBytes: settings.maxBacklogBytes,
      slowConsumerPolicy: 'conflate',
      ...settings.serverLimits,
      heartbeat: { intervalMs: HEARTBEAT_INTERVAL_MS, timeoutMs: 0, payload: (client) => this.#heartbeatFor(client) },
      log: this.#log.child('server'),
    });
    this.#server = server;
    const address = await server.listen(settings.port, settings.host);
    // Orders restored from the order journal rest again: their books may already have moved.
    this.#armPoll();
    const recovery = om.recovery;
    return {
      host: address.host,
      port: address.port,
      shm: settings.shm,
      bookAttached: liveBook.attached,
      tradeLog: tradeLog.path,
      recoveredFills: om.recoveredFills,
      fromCheckpoint: checkpoint !== undefined,
      recoveredCorruptLines: recovery.tradeLog.corruptLines + recovery.orderJournal.corruptLines,
      duplicateFills: recovery.duplicateFills,
      repairedLines: recovery.repairedLines,
      restingOrders: om.restingOrderCount,
    };
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#stopNow();
    return this.#stopped;
  }

  counters(): Counters {
    if (this.#finalCounters !== undefined) return this.#finalCounters;
    const om = this.#om;
    if (om === undefined) return {};
    const core = om.counters();
    const snapshot = om.positions();
    let fills = 0;
    let volume = 0;
    let positionAbsTotal = 0;
    const counters: Counters = {
      orders: core['orders'] ?? 0,
      orders_accepted: core['ordersAccepted'] ?? 0,
      fills: 0,
      rejects: core['rejects'] ?? 0,
      volume: 0,
      cancels: core['cancels'] ?? 0,
      fills_this_run: core['fills'] ?? 0,
      volume_this_run: core['filledQuantity'] ?? 0,
      realized_pnl: round2(core['realizedPnl'] ?? 0),
      unrealized_pnl: round2(core['unrealizedPnl'] ?? 0),
      position_abs_total: 0,
      resting_orders: om.restingOrderCount,
      reports_waiting: om.reportsWaiting,
      reports_delivered: core['reportsDelivered'] ?? 0,
      reports_undeliverable: this.#undeliverable,
      recovered_fills: core['recoveredFills'] ?? 0,
      order_ids_kept: om.orderIdsKept,
      recovered_corrupt_lines: core['recoveredCorruptLines'] ?? 0,
      restored_resting_orders: core['restoredRestingOrders'] ?? 0,
      decode_errors: this.#decodeErrors,
      unexpected_messages: this.#unexpectedMessages,
      cancel_errors: this.#cancelErrors,
      hellos: this.#hellos,
      frames_ignored_stopping: this.#ignoredWhileStopping,
      book_attached: this.#liveBook?.attached === true ? 1 : 0,
      book_attachments: this.#liveBook?.attachments ?? 0,
      trade_log_failed: this.#journalProblem === undefined ? 0 : 1,
      tracked_clients: om.trackedClients,
      checkpoints: this.#checkpoints,
    };
    for (const position of snapshot.positions) {
      fills += position.fills;
      volume += position.boughtQuantity + position.soldQuantity;
      positionAbsTotal += Math.abs(position.netQuantity);
      counters[`position.${position.symbol}`] = position.netQuantity;
    }
    counters['fills'] = fills;
    counters['volume'] = volume;
    counters['position_abs_total'] = positionAbsTotal;
    for (const [key, value] of Object.entries(core)) {
      if (key.startsWith('rejects.')) counters[key] = value;
    }
    const server = this.#server?.counters();
    if (server !== undefined) {
      counters['clients_connected'] = server.clientsConnected;
      counters['clients_accepted'] = server.clientsAccepted;
      counters['frames_in'] = server.framesIn;
      counters['bad_frames'] = server.badFrames;
      counters['reports_conflated'] = server.framesConflated;
      counters['reports_dropped'] = server.framesDropped;
      counters['clients_refused'] = server.clientsRefused;
      counters['clients_idle'] = server.clientsIdle;
      counters['frame_timeouts'] = server.frameTimeouts;
      counters['outbound_budget_disconnects'] = server.outboundBudgetDisconnects;
    }
    const stats = this.#tradeLog?.stats;
    if (stats !== undefined) {
      counters['trade_log_commits'] = stats.commits;
      counters['trade_log_lines'] = stats.linesCommitted;
      counters['trade_log_largest_batch'] = stats.largestBatch;
    }
    const tickToTrade = this.#tickToTrade;
    counters['tick_to_trade_count'] = tickToTrade.count;
    if (tickToTrade.count > 0) {
      counters['tick_to_trade_p50_us'] = tickToTrade.percentile(50);
      counters['tick_to_trade_p99_us'] = tickToTrade.percentile(99);
    }
    return counters;
  }

  // ---- inbound -----------------------------------------------------------------------------

  #onConnect(client: Client): void {
    const connection: Connection = { name: `conn-${process.pid}-${client.id}`, named: false };
    client.context = connection;
    this.#byName.set(connection.name, client);
  }

  #onDisconnect(client: Client): void {
    const connection = client.context;
    if (connection === undefined) return;
    if (this.#byName.get(connection.name) === client) this.#byName.delete(connection.name);
    const om = this.#om;
    if (!connection.named && om !== undefined && !this.#stopping && om.restingOrderCount > 0) {
      const canceled = om.cancelAllForClient(connection.name, DISCONNECT_REASON);
      if (canceled > 0) this.#log.info('resting orders of a gone unnamed client canceled', { client: connection.name, orders: canceled });
    }
    // per-connection state goes with the connection (a name still held by another connection keeps it)
    if (om !== undefined && !this.#byName.has(connection.name)) om.forgetClient(connection.name);
  }

  readonly #onFrame = (client: Client, buffer: Buffer, offset: number, length: number): void => {
    const om = this.#om;
    const connection = client.context;
    if (om === undefined || connection === undefined) return;
    if (this.#stopping) {
      this.#ignoredWhileStopping++;
      return;
    }
    let message: Message;
    try {
      message = this.#decoder.decode(buffer, offset, length);
    } catch (error) {
      this.#decodeErrors++;
      this.#refuse(client, error);
      return;
    }
    switch (message.type) {
      case MessageType.ORDER: {
        const tickSentNs = message.tickSentNs;
        if (tickSentNs > 0) this.#tickToTrade.record((monotonicNs() - tickSentNs) / 1000);
        om.handleOrder(message, connection.name);
        if (!this.#pollArmed && om.restingOrderCount > 0) this.#armPoll();
        return;
      }
      case MessageType.CANCEL: {
        const code = om.handleCancel(message, connection.name);
        if (code !== null) {
          this.#cancelErrors++;
          const why = code === ErrorCode.ORDER_UNKNOWN ? 'no resting order of yours has that id' : 'the symbol does not match the order';
          this.#sendError(client, code, `cannot cancel order ${JSON.stringify(message.orderId)}: ${why}`);
        }
        return;
      }
      case MessageType.HELLO:
        this.#hello(client, connection, message.binary, message.clientName);
        return;
      case MessageType.HEARTBEAT:
      case MessageType.SHUTDOWN:
        return;
      default:
        this.#unexpectedMessages++;
        this.#sendError(
          client,
          ErrorCode.MESSAGE_UNKNOWN_TYPE,
          `the order manager takes ORDER, CANCEL, HELLO and HEARTBEAT; message type ${message.type} is not one of them`,
        );
    }
  };

  #hello(client: Client, connection: Connection, binary: boolean, clientName: string): void {
    this.#hellos++;
    client.mode = binary ? 'binary' : 'json';
    connection.named = true;
    if (clientName !== '' && clientName !== connection.name) {
      if (this.#byName.get(connection.name) === client) this.#byName.delete(connection.name);
      const previous = this.#byName.get(clientName);
      if (previous !== undefined && previous !== client && previous.open) {
        this.#log.info('client name taken over by a newer connection', { client: clientName, previous: previous.id, current: client.id });
      }
      connection.name = clientName;
      this.#byName.set(clientName, client);
    }
    this.#log.info('client hello', { client: client.id, name: connection.name, mode: client.mode });
  }

  /** A payload that did not decode: ERROR with its code; the connection goes on. */
  #refuse(client: Client, error: unknown): void {
    const code = isTradingError(error) ? error.code : ErrorCode.PAYLOAD_MALFORMED;
    const message = isTradingError(error) ? error.message : describeError(error);
    if (this.#decodeErrors <= 10 || this.#decodeErrors % 1000 === 0) {
      this.#log.warn('undecodable frame refused', { client: client.id, code, message, total: this.#decodeErrors });
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
    const client = this.#byName.get(name);
    if (client === undefined || !client.open) {
      // the fill is in the trade log; only the notification has nowhere to go
      this.#undeliverable++;
      return;
    }
    this.#sendMessage(client, report as ExecutionReport, report.orderId);
  }

  #sendMessage(client: Client, message: Message, conflationKey: string | undefined): void {
    const bytes = this.#encoder.encode(message, client.mode);
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

  #armPoll(): void {
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

  // ---- checkpoint ---------------------------------------------------------------------------

  /** The checkpoint beside the log, if it matches the log; else undefined, saying why. */
  #usableCheckpoint(tradeLog: TradeLog): Checkpoint | undefined {
    const read = readCheckpoint(this.#checkpointPath);
    if ('reason' in read) {
      if (read.reason !== 'none') this.#log.warn('checkpoint not used: replaying the whole log', { path: this.#checkpointPath, reason: read.reason });
      return undefined;
    }
    const { checkpoint } = read;
    if (!journalReaches(tradeLog.path, checkpoint.tradeLog) || !journalReaches(tradeLog.orderJournalPath, checkpoint.orderJournal)) {
      this.#log.warn('checkpoint not used: the log does not reach it (replaced, cut or repaired); replaying the whole log', { path: this.#checkpointPath });
      return undefined;
    }
    return checkpoint;
  }

  /**
   * Write a checkpoint when enough was appended since the last one (or at stop), at a
   * moment when everything appended is durable; a busy journal simply waits for the next try.
   */
  #maybeCheckpoint(final: boolean): void {
    const om = this.#om;
    const tradeLog = this.#tradeLog;
    if (om === undefined || tradeLog === undefined || this.#journalProblem !== undefined) return;
    const appended = tradeLog.appendedCount;
    if (appended === this.#checkpointedAt || (!final && appended - this.#checkpointedAt < CHECKPOINT_MIN_RECORDS)) return;
    const state = om.checkpointState();
    if (state === undefined) return;
    try {
      writeCheckpoint(this.#checkpointPath, state);
      this.#checkpointedAt = appended;
      this.#checkpoints++;
    } catch (error) {
      // a start without it replays more of the log; nothing is lost
      this.#log.warn('checkpoint not written', { path: this.#checkpointPath, error: describeError(error) });
    }
  }

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
    this.#journalProblem = error.message;
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
    this.#stopping = true;
    if (this.#diskProbe !== undefined) clearInterval(this.#diskProbe);
    if (this.#checkpointTimer !== undefined) clearInterval(this.#checkpointTimer);
    if (this.#pollTimer !== undefined) clearTimeout(this.#pollTimer);
    if (this.#pollImmediate !== undefined) clearImmediate(this.#pollImmediate);
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
      if (failure === undefined) this.#maybeCheckpoint(true);
      this.#finalCounters = this.counters();
    }
    await this.#server?.close();
    try {
      await this.#tradeLog?.close();
    } catch (error) {
      failure ??= error;
    }
    this.#liveBook?.close();
    if (failure !== undefined) throw failure;
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
