/**
 * The strategy's connection to the order manager: its session (with resync), the orders
 * out, the execution reports in, and what happens to our open orders when the connection
 * is lost.
 *
 * - Resync: execution reports carry a per-identity sequence. On a reconnect our HELLO says
 *   the order manager's session and the last sequence we saw; when it resumes the session
 *   it replays every later report first, so our open orders, positions and PnL catch up
 *   with its own, and nothing is abandoned. Only when it cannot resume (another process, a
 *   JSON-only peer, an anonymous session) are open orders abandoned as below.
 * - Losing the order manager without a resume: the reports of our open orders went to the
 *   dead connection, so no report for them will ever reach us. The engine abandons them
 *   (OrderTracker.abandonOpenOrders: their exposure is released, fills we were not told
 *   about are missing from our positions; the order manager's own positions, rebuilt from
 *   its trade log, stay the reference). No order is sent while disconnected, so no order of
 *   the new connection is ever abandoned this way. A late report for an abandoned id counts
 *   as unknown and changes nothing. DAY orders abandoned so are cancelled on the next
 *   connection (they may still rest there).
 * - After a resume: the replay tells of every order the order manager's journal holds. An
 *   order it never durably accepted (in flight when it died), or whose final report was
 *   lost in the crash, would stay open here for good; the order manager's HELLO lists
 *   the orders it holds as working, and once the replay is applied every order from
 *   before the resume that is still open and not listed is closed as lost (counted
 *   `orders_lost`, logged once with the ids; resume-reconciliation.ts).
 * - Order-to-ack: the time from an order's send (its `orderSentNs`, echoed in reports) to
 *   its first report back, recorded in µs.
 * - Close: the IOC orders in flight get their final reports (≤ STOP_DRAIN_MS), so our books
 *   count every fill the order manager's do; then what is queued is flushed and the
 *   connection closed.
 */
import { epochSeconds, monotonicNs } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import { FrameClient } from '../net/frame-client.js';
import { isAccepted } from '../net/send-status.js';
import type { TlsMaterial } from '../net/tls-options.js';
import type { HistogramRecorder } from '../metrics/index.js';
import { MessageDecoder, MessageEncoder } from '../protocol/codec.js';
import { encodeFrameCopy } from '../protocol/encoded-copy.js';
import type { Cancel, Message, Order } from '../protocol/messages.js';
import { MessageType, TimeInForce } from '../protocol/messages.js';
import { ClientSession } from '../session/client-session.js';
import type { BacktestGate } from './backtest-gate.js';
import type { StrategyEngine } from './engine.js';
import { ResumeReconciliation } from './resume-reconciliation.js';
import type { HeartbeatSource } from './session-heartbeat.js';

export interface Endpoint {
  host: string;
  port: number;
}

/** Order ids named in the one log line of orders closed as lost. */
const MAX_IDS_LOGGED = 50;

/** How long a close waits for the final reports of IOC orders in flight. */
const STOP_DRAIN_MS = 1_000;

export interface OrderManagerLinkOptions {
  endpoint: Endpoint;
  /** Our identity. */
  name: string;
  /** Our secret; undefined = anonymous. */
  authToken: string | undefined;
  helloTimeoutMs: number;
  tls: TlsMaterial | undefined;
  reconnect: { minDelayMs: number; maxDelayMs: number };
  heartbeat: { intervalMs: number; timeoutMs: number; payloads: HeartbeatSource };
  engine: StrategyEngine;
  /** A backtest's gate: told of every report; order-to-ack is not measured in market time. */
  gate: BacktestGate | undefined;
  orderToAck: HistogramRecorder | undefined;
  /** What the order manager says besides reports and session messages. */
  onControl: (message: Message) => void;
  /** A frame that does not decode. */
  onBadMessage: (err: unknown) => void;
  log: Logger;
}

export class OrderManagerLink {
  readonly client: FrameClient;
  readonly session: ClientSession;
  readonly counters = { ordersAbandoned: 0, orphanCancelsSent: 0, disconnects: 0, resyncs: 0, ordersLost: 0, unreconciledResumes: 0 };
  readonly #options: OrderManagerLinkOptions;
  readonly #engine: StrategyEngine;
  readonly #decoder = new MessageDecoder();
  readonly #encoder = new MessageEncoder({ mode: 'binary' });
  /** DAY orders abandoned with a lost connection, to cancel on the next: id → symbol. */
  readonly #orphans = new Map<string, string>();
  /** Open orders from before a resume, checked once its replay is applied. */
  readonly #reconciliation = new ResumeReconciliation();
  /** An order or cancel was queued while handling the current message: write it now. */
  #queued = false;
  /** An order or cancel of the current message already went out on its own (sendFirst). */
  #wroteFirst = false;
  /** Called by a report that may have closed the last open IOC order while closing. */
  #iocDrained: (() => void) | undefined;
  #closing = false;

  constructor(options: OrderManagerLinkOptions) {
    this.#options = options;
    this.#engine = options.engine;
    this.session = new ClientSession({
      name: options.name,
      token: options.authToken,
      resync: true,
      helloTimeoutMs: options.helloTimeoutMs,
      send: (frame) => this.client.send(frame),
      log: options.log,
      onOpen: (session) => this.#onOpen(session),
    });
    this.client = new FrameClient({
      ...options.endpoint,
      tls: options.tls,
      onFrame: this.#onFrame,
      onConnect: () => this.session.connected(),
      onDisconnect: () => this.#onLost(),
      reconnect: options.reconnect,
      heartbeat: {
        intervalMs: options.heartbeat.intervalMs,
        timeoutMs: options.heartbeat.timeoutMs,
        payload: options.heartbeat.payloads.for(this.session),
      },
      log: options.log,
    });
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Encode and queue an order or cancel; false when it cannot go (no open session, or refused). */
  send(message: Order | Cancel): boolean {
    const session = this.session;
    if (session.state !== 'open' || !this.client.connected) return false;
    const bytes = this.#encoder.encode(message, session.mode);
    const accepted = isAccepted(this.client.send(this.#encoder.buffer.subarray(0, bytes)));
    this.#queued ||= accepted;
    return accepted;
  }

  /**
   * Encode `order` as send() would and send nothing (the order path warmer's dry run): the
   * encoder's buffer is scratch between sends, each of which copies its frame into the
   * connection's queue at once.
   */
  encodeDry(order: Order): void {
    this.#encoder.encode(order, this.session.mode);
  }

  /**
   * Write what `send` just queued at once if it is the first order or cancel of the
   * message being handled: the decision a tick caused goes out before the engine's
   * bookkeeping and the rest of the strategy's handler run (on a quiet feed that code is
   * cold, and it cost the order 50-100 µs waiting behind it). Later ones of the same
   * message wait for flush(), so a message costs at most two writes however many orders
   * it makes. True when it wrote.
   */
  sendFirst(): boolean {
    if (this.#wroteFirst || !this.#queued) return false;
    this.#wroteFirst = true;
    this.#queued = false;
    this.client.flush();
    return true;
  }

  /**
   * Write the orders of the message just handled now, rather than at the end of the
   * event-loop turn: a read can hold many ticks, and an order must not wait for the rest
   * of them to be handled. The next message's first order goes out on its own again.
   */
  flush(): void {
    this.#wroteFirst = false;
    if (!this.#queued) return;
    this.#queued = false;
    this.client.flush();
  }

  /** Connected and the session negotiated (no order can leave before); false if the connect failed. */
  connect(): Promise<boolean> {
    return this.client.connect().then(
      () => this.session.whenOpen().then(() => true),
      () => false,
    );
  }

  /** Flush, wait for the final reports of the IOC orders in flight, close. */
  async close(): Promise<void> {
    this.#closing = true;
    this.flush();
    await this.#drainIocOrders();
    await this.client.close();
  }

  #onFrame = (buffer: Buffer, offset: number, length: number): void => {
    let message: Message;
    try {
      message = this.#decoder.decode(buffer, offset, length);
    } catch (err) {
      this.#options.onBadMessage(err);
      return;
    }
    if (message.type !== MessageType.TRADE_EXECUTION) {
      if (!this.session.handle(message)) this.#options.onControl(message);
      return;
    }
    this.session.noteSequence(message.sequence);
    // the first report of an order this run sent: its order-to-ack time
    const gate = this.#options.gate;
    const orderToAck = this.#options.orderToAck;
    if (orderToAck !== undefined && gate === undefined && message.orderSentNs > 0) {
      const order = this.#engine.tracker.openOrder(message.orderId);
      if (order !== undefined && order.status === undefined) orderToAck.record((monotonicNs() - message.orderSentNs) / 1000);
    }
    this.#engine.onExecutionReport(message);
    if (this.#reconciliation.isDue(this.session.lastSequence)) this.#reconcile();
    this.flush();
    if (this.#iocDrained !== undefined && !this.#hasOpenIocOrder()) this.#iocDrained();
    gate?.onReport();
  };

  /**
   * Open orders are abandoned: reports sent while we were away are lost, so their fate is
   * unknown (order-tracker.ts). A DAY order may still rest at the order manager, though,
   * where it would go on filling for a strategy that no longer counts it: it is cancelled
   * as soon as the order manager is back (the same client name owns it, also across an
   * order-manager restart). An IOC is done by the time we could ask.
   */
  #onLost(): void {
    this.session.disconnected();
    this.#reconciliation.abort();
    if (!this.#closing) this.counters.disconnects += 1;
  }

  /**
   * The session is open again. Resumed: it replays what we missed, our open orders stay
   * open. Not resumed: nothing will ever tell us about them; abandon them.
   */
  #onOpen(session: ClientSession): void {
    if (session.resumed) {
      this.counters.resyncs += 1;
      this.#beginReconciliation(session);
      return;
    }
    if (this.counters.disconnects === 0) return; // the first connection: nothing was open
    this.#abandonOpenOrders();
    this.#cancelOrphans();
  }

  /** A resumed session: note our open orders now, to check them once the replay is applied. */
  #beginReconciliation(session: ClientSession): void {
    const working = session.working;
    if (working === undefined) {
      // an order manager that does not list its working orders (older, or more than the HELLO carries)
      if (this.#engine.tracker.openOrderCount > 0) {
        this.counters.unreconciledResumes += 1;
        this.#options.log.warn('the order manager did not list its working orders: open orders from before the resume are not checked', {
          open: this.#engine.tracker.openOrderCount,
        });
      }
      return;
    }
    this.#reconciliation.begin(this.#engine.tracker.openOrders(), working, session.replayTo);
    if (this.#reconciliation.isDue(session.lastSequence)) this.#reconcile();
  }

  /** The replay is applied: close as lost what the order manager never durably accepted. */
  #reconcile(): void {
    const lost = this.#reconciliation.finish(this.#engine);
    if (lost.length === 0) return;
    this.counters.ordersLost += lost.length;
    const shown = lost.length > MAX_IDS_LOGGED ? `${lost.slice(0, MAX_IDS_LOGGED).join(',')},...` : lost.join(',');
    this.#options.log.warn('open orders the resumed order manager does not know: closed as lost (never durably accepted, or their end was lost in its crash)', {
      orders: lost.length,
      ids: shown,
    });
  }

  #abandonOpenOrders(): void {
    for (const order of this.#engine.tracker.openOrders()) {
      if (order.timeInForce === TimeInForce.DAY && order.leavesQuantity > 0) this.#orphans.set(order.orderId, order.symbol);
    }
    this.counters.ordersAbandoned += this.#engine.abandonOpenOrders();
  }

  #cancelOrphans(): void {
    let sent = 0;
    for (const [orderId, symbol] of this.#orphans) {
      const frame = encodeFrameCopy(this.#encoder, { type: MessageType.CANCEL, orderId, symbol, timestamp: epochSeconds() }, this.session.mode);
      if (!isAccepted(this.client.send(frame))) break; // lost again: the next connect tries again
      this.#orphans.delete(orderId);
      this.counters.orphanCancelsSent += 1;
      sent += 1;
    }
    if (sent > 0) this.#options.log.info('asked the order manager to cancel DAY orders abandoned with the lost connection', { orders: sent });
  }

  #hasOpenIocOrder(): boolean {
    for (const order of this.#engine.tracker.openOrders()) if (order.timeInForce === TimeInForce.IOC) return true;
    return false;
  }

  /**
   * Resolves once no IOC order of ours is open, or after STOP_DRAIN_MS (a lost order
   * manager). An IOC order's final report follows it at once, so this is quick; DAY
   * orders may rest for ever and are not waited for.
   */
  #drainIocOrders(): Promise<void> {
    if (!this.client.connected || !this.#hasOpenIocOrder()) return Promise.resolve();
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
}
