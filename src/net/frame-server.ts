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
 */
import { configError } from '../config/schema.js';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { monotonicMs } from '../core/clock.js';
import { ErrorCode, TradingError, describeError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import { ABSOLUTE_MAX_FRAME_BYTES, DEFAULT_MAX_FRAME_BYTES } from '../protocol/framing.js';
import { jsonErrorPayload } from './error-payload.js';
import {
  FrameServerClient,
  emptyConnectionCounters,
  type ClientHost,
  type ConnectionCounters,
} from './frame-server-client.js';
import { checkHeartbeat, heartbeatCheckPeriodMs, type HeartbeatOptions } from './heartbeat.js';
import type { ConflationEpisode, OutboundPolicy } from './outbound-queue.js';
import { isAccepted, type ConflationKey } from './send-status.js';

export type SlowConsumerPolicy = 'disconnect' | 'conflate';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_MAX_BACKLOG_BYTES = 4 * 1024 * 1024;
export const DEFAULT_CLOSE_TIMEOUT_MS = 2_000;
/** Smallest backlog bound accepted: below this, ordinary bursts would trip the policy. */
export const MIN_BACKLOG_BYTES = 1024;
/** Heartbeat check period when the server-wide settings are both 0 (per-client timeouts only). */
const IDLE_CHECK_PERIOD_MS = 250;

export interface ServerHeartbeatOptions<TContext = unknown> extends Partial<HeartbeatOptions> {
  /** The heartbeat payload for a client (by its mode, say); undefined = send none to it. */
  payload?: (client: FrameServerClient<TContext>) => Uint8Array | undefined;
}

export interface FrameServerOptions<TContext = unknown> {
  /** Every inbound payload. The bytes are valid only during the call. */
  onFrame: (client: FrameServerClient<TContext>, buffer: Buffer, offset: number, length: number) => void;
  onConnect?: (client: FrameServerClient<TContext>) => void;
  /** After the client is gone; `reason` is the error that ended it, if any. */
  onDisconnect?: (client: FrameServerClient<TContext>, reason: Error | undefined) => void;
  /** Largest inbound payload, bytes (default 1 MiB). */
  maxFrameBytes?: number;
  /**
   * Bound on each client's outbound backlog (queued + unwritten socket bytes); default 4 MiB.
   * This turn's not yet written batch counts too: never send more than this to one client
   * within one turn, or a fast client is treated as a slow one.
   */
  maxBacklogBytes?: number;
  /** What happens to a client that hits the bound (default `disconnect`). */
  slowConsumerPolicy?: SlowConsumerPolicy;
  /** The payload sent before closing a client over bad input (default: seed-style JSON type 11). */
  errorPayload?: (error: TradingError, client: FrameServerClient<TContext>) => Uint8Array;
  /** Off unless given. intervalMs default 1000, timeoutMs default 0 (per client: peerTimeoutMs). */
  heartbeat?: ServerHeartbeatOptions<TContext>;
  /** How long close() waits for a client to finish before destroying it, ms (default 2000). */
  closeTimeoutMs?: number;
  log?: Logger;
}

/** Totals over the server's life: live clients plus every client that has gone. */
export interface FrameServerCounters extends ConnectionCounters {
  clientsConnected: number;
  clientsAccepted: number;
  slowConsumerDisconnects: number;
  peerTimeouts: number;
  handlerErrors: number;
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

  readonly #options: FrameServerOptions<TContext>;
  readonly #log: Logger;
  readonly #server: Server;
  readonly #clients = new Set<FrameServerClient<TContext>>();
  readonly #host: ClientHost<TContext>;
  readonly #gone: FrameServerCounters = { ...emptyConnectionCounters(), clientsConnected: 0, clientsAccepted: 0, slowConsumerDisconnects: 0, peerTimeouts: 0, handlerErrors: 0 };
  #state: ServerState = 'new';
  #address: BoundAddress | undefined;
  #nextClientId = 1;
  #dirty: FrameServerClient<TContext>[] = [];
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
    validateServerOptions(this);
    this.#options = options;
    this.#log = options.log ?? createLogger('frame-server');
    this.#host = this.#createHost();
    this.#server = createServer({ noDelay: true }, this.#onConnection);
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
    if (this.#state !== 'new') return Promise.reject(new Error(`FrameServer.listen: already ${this.#state}`));
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
        this.#log.info('listening', { host: bound.address, port: bound.port, maxBacklogBytes: this.maxBacklogBytes, slowConsumerPolicy: this.slowConsumerPolicy });
        resolve(this.#address);
      };
      this.#server.once('error', onError);
      this.#server.once('listening', onListening);
      this.#server.listen({ port, host });
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
    const total: FrameServerCounters = { ...this.#gone, clientsConnected: this.#clients.size };
    for (const client of this.#clients) {
      const counters = client.counters;
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

  /** Stop accepting, flush and half-close every client; resolves when all are gone. Idempotent. */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    const wasListening = this.#state === 'listening';
    this.#state = 'closing';
    this.#stopHeartbeats();
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
    const client = new FrameServerClient<TContext>(this.#nextClientId++, socket, this.#host, this.heartbeatTimeoutMs, monotonicMs());
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
        this.#dirty.push(client);
        this.#flushImmediate ??= setImmediate(this.#flushAll);
      },
      onBadFrame: (client, error) => {
        this.#log.warn('bad frame: closing client', { client: client.id, remote: client.remote, code: error.code, message: error.message });
        client.close(error);
      },
      onHandlerError: (client, error) => {
        this.#gone.handlerErrors++;
        this.#log.error('frame handler failed: closing client', { client: client.id, error: describeError(error) });
        client.destroy(error instanceof Error ? error : new Error(String(error)));
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
      onConflation: (client, active, episode) => this.#logConflation(client, active, episode),
      errorPayload: (client, error) => errorPayload(error, client),
      onClosed: (client, reason) => this.#onClientClosed(client, reason),
    };
  }

  #logConflation(client: FrameServerClient<TContext>, active: boolean, episode: ConflationEpisode | undefined): void {
    if (active) {
      this.#log.warn('slow consumer: conflating', { client: client.id, remote: client.remote, backlogBytes: client.backlogBytes, maxBacklogBytes: this.maxBacklogBytes });
    } else if (episode !== undefined) {
      this.#log.info('slow consumer caught up', { client: client.id, conflated: episode.conflated, dropped: episode.dropped, released: episode.released });
    }
  }

  #onClientClosed(client: FrameServerClient<TContext>, reason: Error | undefined): void {
    this.#clients.delete(client);
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
      client?.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #flushAll = (): void => {
    this.#flushImmediate = undefined;
    const dirty = this.#dirty;
    for (let index = 0; index < dirty.length; index++) dirty[index]?.flush();
    dirty.length = 0;
  };

  #cancelFlush(): void {
    if (this.#flushImmediate !== undefined) clearImmediate(this.#flushImmediate);
    this.#flushImmediate = undefined;
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
      const intervalMs = client.backlogBytes > 0 ? 0 : this.heartbeatIntervalMs;
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

interface ResolvedServerOptions {
  maxFrameBytes: number;
  maxBacklogBytes: number;
  slowConsumerPolicy: SlowConsumerPolicy;
  closeTimeoutMs: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
}

/** Every problem at once, as one E_CONFIG_INVALID. */
function validateServerOptions(options: ResolvedServerOptions): void {
  const problems: string[] = [];
  if (!Number.isInteger(options.maxFrameBytes) || options.maxFrameBytes < 1 || options.maxFrameBytes > ABSOLUTE_MAX_FRAME_BYTES) {
    problems.push(`maxFrameBytes must be an integer in 1..${ABSOLUTE_MAX_FRAME_BYTES}, got ${options.maxFrameBytes}`);
  }
  if (!Number.isInteger(options.maxBacklogBytes) || options.maxBacklogBytes < MIN_BACKLOG_BYTES) {
    problems.push(`maxBacklogBytes must be an integer ≥ ${MIN_BACKLOG_BYTES}, got ${options.maxBacklogBytes}`);
  }
  if (options.slowConsumerPolicy !== 'disconnect' && options.slowConsumerPolicy !== 'conflate') {
    problems.push(`slowConsumerPolicy must be 'disconnect' or 'conflate', got ${String(options.slowConsumerPolicy)}`);
  }
  if (!Number.isFinite(options.closeTimeoutMs) || options.closeTimeoutMs < 0) {
    problems.push(`closeTimeoutMs must be a number ≥ 0, got ${options.closeTimeoutMs}`);
  }
  problems.push(...checkHeartbeat({ intervalMs: options.heartbeatIntervalMs, timeoutMs: options.heartbeatTimeoutMs }));
  if (problems.length > 0) throw configError(problems, 'FrameServer options');
}
