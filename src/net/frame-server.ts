/**
 * A TCP server that speaks frames (4-byte big-endian length + payload) to many clients:
 * the gateway's fan-out and the order manager's order intake both sit on it.
 *
 * - Inbound: one FrameDecoder per client; each payload goes to `onFrame(client, buffer,
 *   offset, length)` as a view valid during the call. A framing error (length 0, or above
 *   maxFrameBytes) closes that client only, after an error frame and one log line.
 * - Outbound: `client.send(frame)` / `broadcast(frame)` copy into the client's queue; all
 *   queues are written once per event-loop turn (one write per client), TCP_NODELAY on.
 * - A client that reads too slowly hits the per-client backlog bound and the configured
 *   policy: `disconnect` (E_SLOW_CONSUMER) or `conflate` (latest frame per key until it
 *   catches up). Memory per client stays bounded whatever the client does.
 * - Heartbeats: an idle client gets a heartbeat frame every heartbeat.intervalMs; a client
 *   silent for its peerTimeoutMs is closed with E_PEER_TIMEOUT.
 * - `close()` stops accepting, flushes and half-closes every client, and resolves once all
 *   are gone (a peer that does not finish within closeTimeoutMs is destroyed); `destroy()`
 *   drops everything at once. Both are idempotent.
 * - TLS (`tls`, node:tls): the same server over TLS; with a CA, clients must show a
 *   certificate it signed. A failed handshake is one log line (E_TLS_FAILED) and never
 *   reaches the application.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { monotonicMs } from '../core/clock.js';
import { ErrorCode, TradingError, describeError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import { LogRate } from '../core/log-rate.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/framing.js';
import { jsonErrorPayload } from './error-payload.js';
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_FRAME_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_INBOUND_BUDGET_BYTES,
  DEFAULT_KEEPALIVE_MS,
  DEFAULT_MAX_BACKLOG_BYTES,
  DEFAULT_OUTBOUND_BUDGET_BYTES,
  defaultMaxConnections,
  validateServerOptions,
  type FrameServerOptions,
  type SlowConsumerPolicy,
} from './frame-server-options.js';
import { FrameServerClient, emptyConnectionCounters, type ClientHost, type ConnectionCounters } from './frame-server-client.js';
import { heartbeatCheckPeriodMs } from './heartbeat.js';
import { planOutboundBudget, stallStep, type BudgetPlan } from './outbound-budget.js';
import type { OutboundPolicy } from './outbound-queue.js';
import { SlowConsumerLog } from './slow-consumer-log.js';
import { reportHoldUnavailable, sendBufferHoldSupport, type SendBufferHoldUnavailable } from './send-buffer.js';
import { isAccepted, type ConflationKey } from './send-status.js';
import { tlsFailure } from './tls-options.js';
import { TrimAfterCloses } from './trim-after-closes.js';

// the options live in frame-server-options.ts; the server's users may import them from here
export { DEFAULT_MAX_BACKLOG_BYTES, DEFAULT_MAX_CONNECTIONS, MIN_BACKLOG_BYTES, type FrameServerOptions, type ServerHeartbeatOptions, type SlowConsumerPolicy } from './frame-server-options.js';

/** How often budgets and frame deadlines are checked when nothing else triggers a check, ms. */
const HOUSEKEEPING_PERIOD_MS = 100;
/** The outbound budget is checked at most this often from the send path, ms. */
const BUDGET_CHECK_MIN_MS = 25;
/** Refused connections are logged at most once per this period, ms. */
const REFUSAL_LOG_PERIOD_MS = 10_000;
/**
 * Connections the kernel may hold for us until we accept them (clamped to net.core.somaxconn).
 * Node's default, 511, overflows when thousands connect at once to a busy server (Node accepts
 * about one connection per event-loop turn): the kernel then drops the handshake, the peer
 * believes it is connected, and the server gives up on it after its SYN-ACK retries.
 */
const LISTEN_BACKLOG = 4096;
/** Heartbeat check period when the server-wide settings are both 0 (per-client timeouts only). */
const IDLE_CHECK_PERIOD_MS = 250;

/** Totals over the server's life: live clients plus every client that has gone. */
export interface FrameServerCounters extends ConnectionCounters {
  clientsConnected: number;
  clientsAccepted: number;
  slowConsumerDisconnects: number;
  peerTimeouts: number;
  handlerErrors: number;
  /** Connections closed at accept: the server was at maxConnections. */
  clientsRefused: number;
  /** Connected clients that have sent nothing yet (allowed; they count toward maxConnections). */
  clientsIdle: number;
  /** Clients disconnected because the outbound budget was spent. */
  outboundBudgetDisconnects: number;
  /** Clients conflated harder (put back on probation) because the outbound budget was spent. */
  outboundBudgetDemotions: number;
  /** Clients closed because the inbound budget was spent. */
  inboundBudgetCloses: number;
  /** Clients closed because a frame they started did not complete in time. */
  frameTimeouts: number;
  /** Outbound and inbound bytes held, as of the last check. */
  outboundBytes: number;
  inboundBytes: number;
  /** Clients put on probation whose kernel send buffer could not be held (send-buffer.ts). */
  sendBufferHoldsMissed: number;
  /** Why send buffers cannot be held here, once known (`conflate` policy: from listen on). */
  sendBufferHoldUnavailable: SendBufferHoldUnavailable | undefined;
}

export interface BoundAddress {
  host: string;
  port: number;
}

type ServerState = 'new' | 'listening' | 'closing' | 'closed';

export class FrameServer<TContext = unknown> {
  readonly maxFrameBytes: number;
  readonly maxBacklogBytes: number;
  readonly slowConsumerPolicy: SlowConsumerPolicy;
  readonly closeTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly maxConnections: number;
  readonly frameTimeoutMs: number;
  readonly outboundBudgetBytes: number;
  readonly inboundBudgetBytes: number;
  readonly keepAliveMs: number;
  /** Whether clients connect over TLS. */
  readonly tls: boolean;

  readonly #options: FrameServerOptions<TContext>;
  readonly #log: Logger;
  readonly #server: Server;
  readonly #clients = new Set<FrameServerClient<TContext>>();
  readonly #host: ClientHost<TContext>;
  readonly #gone: FrameServerCounters = {
    ...emptyConnectionCounters(),
    clientsConnected: 0,
    clientsAccepted: 0,
    slowConsumerDisconnects: 0,
    peerTimeouts: 0,
    handlerErrors: 0,
    clientsRefused: 0,
    clientsIdle: 0,
    outboundBudgetDisconnects: 0,
    outboundBudgetDemotions: 0,
    inboundBudgetCloses: 0,
    frameTimeouts: 0,
    outboundBytes: 0,
    inboundBytes: 0,
    sendBufferHoldsMissed: 0,
    sendBufferHoldUnavailable: undefined,
  };
  #inboundBytes = 0;
  #outboundBytes = 0;
  #lastBudgetCheckMs = 0;
  readonly #budgetPlan: BudgetPlan<FrameServerClient<TContext>> = { demote: [], disconnect: [], projectedBytes: 0 };
  readonly #budgetScratch: FrameServerClient<TContext>[] = [];
  #housekeepingTimer: NodeJS.Timeout | undefined;
  readonly #refusalLog = new LogRate(1, REFUSAL_LOG_PERIOD_MS);
  readonly #slowConsumerLog: SlowConsumerLog<FrameServerClient<TContext>>;
  readonly #trimmer = new TrimAfterCloses((closed, released, tookMs) => this.#log.info('connections gone: freed memory returned to the system', { closed, released, tookMs }));
  #state: ServerState = 'new';
  #address: BoundAddress | undefined;
  #nextClientId = 1;
  #dirty: FrameServerClient<TContext>[] = [];
  /** Dirty clients with servedFirst, written before #dirty. */
  #dirtyFirst: FrameServerClient<TContext>[] = [];
  #flushImmediate: NodeJS.Immediate | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #serverClosed: Promise<void> | undefined;

  constructor(options: FrameServerOptions<TContext>) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxBacklogBytes = options.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG_BYTES;
    this.slowConsumerPolicy = options.slowConsumerPolicy ?? 'disconnect';
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.heartbeatIntervalMs = options.heartbeat === undefined ? 0 : (options.heartbeat.intervalMs ?? 1_000);
    this.heartbeatTimeoutMs = options.heartbeat?.timeoutMs ?? 0;
    this.maxConnections = options.maxConnections ?? defaultMaxConnections();
    this.frameTimeoutMs = options.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS;
    this.outboundBudgetBytes = options.outboundBudgetBytes ?? DEFAULT_OUTBOUND_BUDGET_BYTES;
    this.inboundBudgetBytes = options.inboundBudgetBytes ?? DEFAULT_INBOUND_BUDGET_BYTES;
    this.keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEPALIVE_MS;
    validateServerOptions(this);
    this.#options = options;
    this.#log = options.log ?? createLogger('frame-server');
    this.#slowConsumerLog = new SlowConsumerLog(this.#log, this.maxBacklogBytes, options.slowConsumerLogAfterMs);
    this.#host = this.#createHost();
    const tls = options.tls;
    this.tls = tls !== undefined;
    if (tls === undefined) {
      this.#server = createServer({ noDelay: true }, this.#onConnection);
    } else {
      const verifyClients = tls.ca !== undefined;
      const server = createTlsServer({ cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: verifyClients, rejectUnauthorized: verifyClients }, this.#onConnection);
      server.on('tlsClientError', (error, socket) => {
        const failure = tlsFailure(error, `client ${socket.remoteAddress ?? 'unknown'}`);
        this.#log.warn('TLS handshake failed: connection refused', { remote: socket.remoteAddress, code: failure.code, message: failure.message });
      });
      this.#server = server;
    }
    // Node closes a connection past maxConnections at accept and tells us with 'drop'.
    this.#server.maxConnections = this.maxConnections;
    this.#server.on('drop', this.#onDrop);
  }

  /** The bound address once listening. */
  get address(): BoundAddress | undefined {
    return this.#address;
  }

  /** The clients connected now (closing ones included until their socket is gone). */
  get clients(): ReadonlySet<FrameServerClient<TContext>> {
    return this.#clients;
  }

  /**
   * Listen on host:port (port 0 = an ephemeral port); resolves with the bound address.
   * A port already taken is a TradingError E_PORT_IN_USE.
   */
  listen(port = 0, host = DEFAULT_HOST): Promise<BoundAddress> {
    if (this.#state !== 'new') return Promise.reject(new TradingError(ErrorCode.INTERNAL, `FrameServer.listen: already ${this.#state}`));
    return new Promise<BoundAddress>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        this.#server.off('listening', onListening);
        if (error.code === 'EADDRINUSE') {
          reject(
            new TradingError(ErrorCode.PORT_IN_USE, `cannot listen on ${host}:${port}: the port is already in use (is another instance running?)`, {
              cause: error,
            }),
          );
        } else {
          reject(error);
        }
      };
      const onListening = (): void => {
        this.#server.off('error', onError);
        this.#server.on('error', (error) => this.#log.error('server error', { error: describeError(error) }));
        const bound = this.#server.address() as AddressInfo;
        this.#address = { host: bound.address, port: bound.port };
        this.#state = 'listening';
        this.#serverClosed = new Promise((resolveClosed) => this.#server.once('close', () => resolveClosed()));
        this.#startHeartbeats();
        // the flood protection: known weaker from the start, not from the first client on
        if (this.slowConsumerPolicy === 'conflate') this.#holdUnavailable(sendBufferHoldSupport(this.#server));
        this.#housekeepingTimer = setInterval(this.#housekeeping, HOUSEKEEPING_PERIOD_MS);
        this.#housekeepingTimer.unref();
        this.#log.info('listening', {
          host: bound.address,
          port: bound.port,
          tls: this.tls,
          maxBacklogBytes: this.maxBacklogBytes,
          slowConsumerPolicy: this.slowConsumerPolicy,
          maxConnections: this.maxConnections,
          outboundBudgetBytes: this.outboundBudgetBytes,
          inboundBudgetBytes: this.inboundBudgetBytes,
          frameTimeoutMs: this.frameTimeoutMs,
        });
        resolve(this.#address);
      };
      this.#server.once('error', onError);
      this.#server.once('listening', onListening);
      this.#server.listen({ port, host, backlog: LISTEN_BACKLOG });
    });
  }

  /**
   * Send one complete frame to every open client (that `filter` accepts). Returns how many
   * accepted it. `conflationKey` matters only to clients in conflation.
   */
  broadcast(frame: Uint8Array, conflationKey?: ConflationKey, filter?: (client: FrameServerClient<TContext>) => boolean): number {
    let accepted = 0;
    for (const client of this.#clients) {
      if (filter !== undefined && !filter(client)) continue;
      if (isAccepted(client.send(frame, conflationKey))) accepted++;
    }
    return accepted;
  }

  /** Totals: live clients' counters plus those of every client that has gone. Cheap enough for once a second. */
  counters(): FrameServerCounters {
    const total: FrameServerCounters = { ...this.#gone, clientsConnected: this.#clients.size, clientsIdle: 0, inboundBytes: this.#inboundBytes, outboundBytes: this.#outboundBytes };
    for (const client of this.#clients) {
      const counters = client.counters;
      if (counters.bytesIn === 0) total.clientsIdle++;
      total.framesIn += counters.framesIn;
      total.bytesIn += counters.bytesIn;
      total.framesOut += counters.framesOut;
      total.bytesOut += counters.bytesOut;
      total.badFrames += counters.badFrames;
      total.framesDropped += counters.framesDropped;
      total.framesConflated += counters.framesConflated;
    }
    return total;
  }

  /**
   * Write every client's queued frames now instead of at the end of this event-loop turn
   * (a paced sender that has queued all it will this turn need not wait for the check phase).
   */
  flush(): void {
    if (this.#flushImmediate === undefined) return;
    clearImmediate(this.#flushImmediate);
    this.#flushAll();
  }

  /** Stop accepting, flush and half-close every client; resolves when all are gone. Idempotent. */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    const wasListening = this.#state === 'listening';
    this.#state = 'closing';
    this.#stopHeartbeats();
    this.#stopHousekeeping();
    this.#flushAll();
    const done = wasListening ? this.#serverClosed : undefined;
    if (wasListening) this.#server.close();
    for (const client of this.#clients) client.close();
    this.#closing = (done ?? Promise.resolve()).then(() => {
      this.#state = 'closed';
      this.#cancelFlush();
      if (wasListening) this.#log.info('closed');
    });
    return this.#closing;
  }

  /** Drop every client and stop listening now. Idempotent; a pending close() resolves. */
  destroy(): void {
    if (this.#state === 'closed') return;
    this.#stopHeartbeats();
    this.#stopHousekeeping();
    this.#cancelFlush();
    if (this.#state === 'new') this.#state = 'closed';
    for (const client of this.#clients) client.destroy();
    if (this.#state === 'listening') {
      this.#state = 'closing';
      this.#server.close();
      this.#closing = this.#serverClosed?.then(() => {
        this.#state = 'closed';
      });
    }
  }

  #onConnection = (socket: Socket): void => {
    if (this.#state !== 'listening') {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const client = new FrameServerClient<TContext>(this.#nextClientId++, socket, this.#host, this.heartbeatTimeoutMs, monotonicMs());
    client.heartbeatIntervalMs = this.heartbeatIntervalMs;
    this.#clients.add(client);
    this.#gone.clientsAccepted++;
    this.#log.info('client connected', { client: client.id, remote: client.remote });
    this.#callApp('onConnect', () => this.#options.onConnect?.(client), client);
  };

  #createHost(): ClientHost<TContext> {
    const policy: OutboundPolicy = this.slowConsumerPolicy === 'conflate' ? 'conflate' : 'refuse';
    const errorPayload = this.#options.errorPayload ?? jsonErrorPayload;
    return {
      maxFrameBytes: this.maxFrameBytes,
      maxBacklogBytes: this.maxBacklogBytes,
      policy,
      closeTimeoutMs: this.closeTimeoutMs,
      onFrame: this.#options.onFrame,
      requestFlush: (client) => {
        (client.servedFirst ? this.#dirtyFirst : this.#dirty).push(client);
        this.#flushImmediate ??= setImmediate(this.#flushAll);
      },
      onBadFrame: (client, error) => {
        this.#log.warn('bad frame: closing client', { client: client.id, remote: client.remote, code: error.code, message: error.message });
        client.close(error);
      },
      onHandlerError: (client, error) => {
        this.#gone.handlerErrors++;
        this.#log.error('frame handler failed: closing client', { client: client.id, error: describeError(error) });
        client.destroy(error instanceof Error ? error : new TradingError(ErrorCode.INTERNAL, String(error)));
      },
      onSlowConsumer: (client) => {
        this.#gone.slowConsumerDisconnects++;
        const error = new TradingError(
          ErrorCode.SLOW_CONSUMER,
          `outbound backlog reached ${this.maxBacklogBytes} bytes: the client reads too slowly`,
        );
        this.#log.warn('slow consumer: disconnecting', { client: client.id, remote: client.remote, code: error.code, backlogBytes: client.backlogBytes, maxBacklogBytes: this.maxBacklogBytes });
        client.destroy(error);
      },
      onConflation: (client, active, episode) => {
        if (active) this.#slowConsumerLog.began(client);
        else if (episode !== undefined) this.#slowConsumerLog.ended(client, episode);
      },
      onHoldMissed: (reason) => this.#holdUnavailable(reason, 1),
      errorPayload: (client, error) => errorPayload(error, client),
      onClosed: (client, reason) => this.#onClientClosed(client, reason),
      keepAliveMs: this.keepAliveMs,
      onInboundBytes: (client, delta) => {
        this.#inboundBytes += delta;
        if (delta > 0 && this.#inboundBytes > this.inboundBudgetBytes && client.open) {
          this.#gone.inboundBudgetCloses++;
          const error = new TradingError(
            ErrorCode.FRAME_TOO_LARGE,
            `incomplete frames of all clients would hold more than the server's inbound budget of ${this.inboundBudgetBytes} bytes`,
          );
          this.#log.warn('inbound budget spent: closing the client whose frame grew it', { client: client.id, remote: client.remote, inboundBytes: this.#inboundBytes });
          client.destroy(error);
        }
      },
    };
  }

  /** Send buffers cannot be held here (`missed`: for a client now on probation): for the metrics, and logged once per process and reason. */
  #holdUnavailable(reason: SendBufferHoldUnavailable | undefined, missed = 0): void {
    if (reason === undefined) return;
    this.#gone.sendBufferHoldsMissed += missed;
    this.#gone.sendBufferHoldUnavailable = reason;
    reportHoldUnavailable(reason, this.#log);
  }

  #onClientClosed(client: FrameServerClient<TContext>, reason: Error | undefined): void {
    this.#clients.delete(client);
    this.#slowConsumerLog.forget(client);
    this.#trimmer.noteClose();
    const counters = client.counters;
    this.#gone.framesIn += counters.framesIn;
    this.#gone.bytesIn += counters.bytesIn;
    this.#gone.framesOut += counters.framesOut;
    this.#gone.bytesOut += counters.bytesOut;
    this.#gone.badFrames += counters.badFrames;
    this.#gone.framesDropped += counters.framesDropped;
    this.#gone.framesConflated += counters.framesConflated;
    this.#log.info('client disconnected', {
      client: client.id,
      remote: client.remote,
      reason: reason === undefined ? undefined : describeError(reason),
      framesIn: counters.framesIn,
      framesOut: counters.framesOut,
      framesDropped: counters.framesDropped,
    });
    this.#callApp('onDisconnect', () => this.#options.onDisconnect?.(client, reason), undefined);
  }

  /** Run an application callback; a throw is logged and costs that client its connection, never the server. */
  #callApp(name: string, call: () => void, client: FrameServerClient<TContext> | undefined): void {
    try {
      call();
    } catch (error) {
      this.#gone.handlerErrors++;
      this.#log.error(`${name} handler failed`, { client: client?.id, error: describeError(error) });
      client?.destroy(error instanceof Error ? error : new TradingError(ErrorCode.INTERNAL, String(error)));
    }
  }

  #flushAll = (): void => {
    this.#flushImmediate = undefined;
    const first = this.#dirtyFirst;
    for (let index = 0; index < first.length; index++) first[index]?.flush();
    first.length = 0;
    const dirty = this.#dirty;
    for (let index = 0; index < dirty.length; index++) dirty[index]?.flush();
    dirty.length = 0;
    // under a flood of sends the timer alone would let the total overshoot for a whole period
    const nowMs = monotonicMs();
    if (nowMs - this.#lastBudgetCheckMs >= BUDGET_CHECK_MIN_MS) this.#checkOutboundBudget(nowMs);
  };

  #onDrop = (): void => {
    this.#gone.clientsRefused++;
    if (!this.#refusalLog.allow(monotonicMs())) return;
    this.#log.warn('connection refused: at the maximum number of clients', {
      maxConnections: this.maxConnections,
      refused: this.#refusalLog.takeNotLogged() + 1,
      refusedTotal: this.#gone.clientsRefused,
    });
  };

  #housekeeping = (): void => {
    const nowMs = monotonicMs();
    this.#checkOutboundBudget(nowMs);
    this.#slowConsumerLog.sweep(nowMs);
    if (this.frameTimeoutMs <= 0) return;
    for (const client of this.#clients) {
      const since = client.partialFrameSinceMs;
      if (since === 0 || !client.open || nowMs - since < this.frameTimeoutMs) continue;
      this.#gone.frameTimeouts++;
      const error = new TradingError(ErrorCode.PEER_TIMEOUT, `a frame was started ${Math.round(nowMs - since)} ms ago and is still incomplete (limit ${this.frameTimeoutMs} ms)`);
      this.#log.warn('incomplete frame timed out: closing client', { client: client.id, remote: client.remote, code: error.code, bufferedBytes: client.inboundBytes });
      client.destroy(error);
    }
  };

  /**
   * Sum what every client holds outbound and advance each one's stall clock; past the
   * budget, conflate harder or disconnect the clients furthest behind (outbound-budget.ts)
   * until the total is under 3/4 of it. A client whose writes keep completing is never
   * chosen: it is behind the producer, not behind the others.
   */
  #checkOutboundBudget(nowMs: number): void {
    const step = this.#lastBudgetCheckMs === 0 ? 0 : stallStep(nowMs - this.#lastBudgetCheckMs);
    this.#lastBudgetCheckMs = nowMs;
    let total = 0;
    for (const client of this.#clients) {
      total += client.outboundMemoryBytes;
      const writes = client.writesDone;
      if (writes !== client.budgetWritesSeen || client.backlogBytes === 0 || !client.open) {
        client.budgetWritesSeen = writes;
        client.stalledMs = 0;
      } else {
        client.stalledMs += step;
      }
    }
    this.#outboundBytes = total;
    if (total <= this.outboundBudgetBytes) return;
    const plan = planOutboundBudget(this.#clients, total, this.outboundBudgetBytes, this.#budgetPlan, this.#budgetScratch);
    let released = 0;
    for (const client of plan.demote) {
      released += client.demote();
      this.#gone.outboundBudgetDemotions++;
    }
    for (const client of plan.disconnect) {
      this.#gone.outboundBudgetDisconnects++;
      this.#gone.slowConsumerDisconnects++;
      client.destroy(new TradingError(ErrorCode.SLOW_CONSUMER, `the server's outbound budget of ${this.outboundBudgetBytes} bytes is spent and this client is among the furthest behind (nothing read for ${Math.round(client.stalledMs)} ms)`));
    }
    if (plan.demote.length > 0 || plan.disconnect.length > 0) {
      this.#log.warn('outbound budget spent: conflating harder / disconnecting the clients furthest behind', {
        code: ErrorCode.SLOW_CONSUMER,
        conflatedHarder: plan.demote.length,
        releasedBytes: released,
        disconnected: plan.disconnect.length,
        outboundBytes: total,
        outboundBudgetBytes: this.outboundBudgetBytes,
      });
    }
    this.#outboundBytes = plan.projectedBytes;
    plan.demote.length = 0;
    plan.disconnect.length = 0;
  }

  #stopHousekeeping(): void {
    this.#trimmer.stop();
    if (this.#housekeepingTimer !== undefined) clearInterval(this.#housekeepingTimer);
    this.#housekeepingTimer = undefined;
  }

  #cancelFlush(): void {
    if (this.#flushImmediate !== undefined) clearImmediate(this.#flushImmediate);
    this.#flushImmediate = undefined;
    this.#dirtyFirst.length = 0;
    this.#dirty.length = 0;
  }

  #startHeartbeats(): void {
    if (this.#options.heartbeat === undefined) return;
    // per-client timeouts can be set later, so the timer runs whenever heartbeats are configured
    const period = heartbeatCheckPeriodMs({ intervalMs: this.heartbeatIntervalMs, timeoutMs: this.heartbeatTimeoutMs });
    this.#heartbeatTimer = setInterval(this.#checkHeartbeats, period > 0 ? period : IDLE_CHECK_PERIOD_MS);
    this.#heartbeatTimer.unref();
  }

  #stopHeartbeats(): void {
    if (this.#heartbeatTimer !== undefined) clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
  }

  #checkHeartbeats = (): void => {
    const nowMs = monotonicMs();
    const payloadFor = this.#options.heartbeat?.payload;
    for (const client of this.#clients) {
      if (!client.open) continue;
      // a client with bytes waiting is not idle: no heartbeat would get through anyway
      const intervalMs = client.backlogBytes > 0 ? 0 : client.heartbeatIntervalMs;
      const action = client.heartbeat.check(nowMs, intervalMs, client.peerTimeoutMs);
      if (action === 'timeout') {
        this.#gone.peerTimeouts++;
        const error = new TradingError(ErrorCode.PEER_TIMEOUT, `nothing received from the client for ${client.peerTimeoutMs} ms`);
        this.#log.warn('peer timeout: closing client', { client: client.id, remote: client.remote, code: error.code, silentMs: Math.round(client.heartbeat.silentForMs(nowMs)) });
        client.close(error);
      } else if (action === 'send' && payloadFor !== undefined) {
        const payload = payloadFor(client);
        if (payload !== undefined) client.sendPayload(payload);
      }
    }
  };
}
