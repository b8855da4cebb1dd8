/**
 * A TCP client that speaks frames and keeps its connection up: it reconnects with
 * exponential backoff and jitter until closed, and tells the application when it is
 * connected (`connect()` resolves on the first connection; `onConnect`/`onDisconnect`
 * report every change after that).
 *
 * - Inbound: bytes are read into one reusable buffer (the socket's `onread`, no Buffer per
 *   read) and fed to a FrameDecoder; each payload goes to `onFrame(buffer, offset, length)`,
 *   valid during the call. A framing error from the server drops the connection (and
 *   reconnects): after a bad length no later byte can be trusted.
 * - Outbound: `send(frame)` copies into a bounded queue written once per event-loop turn
 *   and returns a status; between connections it returns `not-connected` and keeps
 *   nothing, so no stale order is ever sent on a new connection.
 * - Heartbeats: a heartbeat frame after heartbeat.intervalMs of sending nothing; a server
 *   silent for heartbeat.timeoutMs is declared dead (E_PEER_TIMEOUT) and the client
 *   reconnects.
 * - TLS (`tls`): the same over node:tls, the server verified against the given CA (and our
 *   certificate shown when we have one). A failed handshake is E_TLS_FAILED with the reason
 *   (wrong CA, a name mismatch, a certificate the server wants); the client retries, as it
 *   does for any failed connect, and says so once.
 */
import { configError } from '../config/schema.js';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { monotonicMs } from '../core/clock.js';
import { ErrorCode, TradingError, describeError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import { ABSOLUTE_MAX_FRAME_BYTES, DEFAULT_MAX_FRAME_BYTES, FrameDecoder } from '../protocol/framing.js';
import { DEFAULT_BACKOFF, checkBackoff, reconnectDelayMs, type BackoffOptions } from './backoff.js';
import { emptyConnectionCounters, type ConnectionCounters } from './frame-server-client.js';
import { HeartbeatTracker, checkHeartbeat, heartbeatCheckPeriodMs, type HeartbeatOptions } from './heartbeat.js';
import { MIN_BACKLOG_BYTES, OutboundQueue } from './outbound-queue.js';
import type { SendStatus } from './send-status.js';
import { tlsFailure, type TlsMaterial } from './tls-options.js';

export const DEFAULT_CLIENT_BACKLOG_BYTES = 4 * 1024 * 1024;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_CLIENT_CLOSE_TIMEOUT_MS = 2_000;
const READ_BUFFER_BYTES = 128 * 1024;

export interface ClientHeartbeatOptions extends Partial<HeartbeatOptions> {
  /** The heartbeat payload; undefined = send none. */
  payload?: () => Uint8Array | undefined;
}

export interface FrameClientOptions {
  port: number;
  host?: string;
  /** Every inbound payload. The bytes are valid only during the call. */
  onFrame: (buffer: Buffer, offset: number, length: number) => void;
  /** Each time a connection is up (send a hello here). */
  onConnect?: () => void;
  /** Each time an established connection is lost; `reason` is the error, if any. */
  onDisconnect?: (reason: Error | undefined) => void;
  /** Largest inbound payload, bytes (default 1 MiB). */
  maxFrameBytes?: number;
  /** Bound on the outbound backlog; a frame beyond it is `dropped` (default 4 MiB). */
  maxBacklogBytes?: number;
  /** Backoff between attempts (default 100 ms doubling to 5 s); false = connect once, never retry. */
  reconnect?: Partial<BackoffOptions> | false;
  /** An attempt that has not connected by then is abandoned (and retried), ms (default 5000). */
  connectTimeoutMs?: number;
  /** Off unless given. intervalMs default 1000, timeoutMs default 3000. */
  heartbeat?: ClientHeartbeatOptions;
  /** How long close() waits for the server to finish, ms (default 2000). */
  closeTimeoutMs?: number;
  /** Connect over TLS with this material (loadClientTls); plain TCP when undefined. */
  tls?: TlsMaterial | undefined;
  /** The name the server's certificate must carry (default: host). */
  tlsServerName?: string | undefined;
  log?: Logger;
  /** Random source in [0, 1) for the jitter (tests make it deterministic). */
  random?: () => number;
}

export interface FrameClientCounters extends ConnectionCounters {
  connects: number;
  disconnects: number;
  connectFailures: number;
  peerTimeouts: number;
}

type ClientState = 'idle' | 'connecting' | 'connected' | 'waiting' | 'closing' | 'closed';

export class FrameClient {
  readonly host: string;
  readonly port: number;
  readonly maxFrameBytes: number;
  readonly maxBacklogBytes: number;
  readonly connectTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly counters: FrameClientCounters = { ...emptyConnectionCounters(), connects: 0, disconnects: 0, connectFailures: 0, peerTimeouts: 0 };

  readonly #options: FrameClientOptions;
  readonly #backoff: BackoffOptions | undefined;
  readonly #log: Logger;
  readonly #queue: OutboundQueue;
  readonly #readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  readonly #random: () => number;
  #state: ClientState = 'idle';
  #socket: Socket | undefined;
  #decoder: FrameDecoder | undefined;
  #heartbeat: HeartbeatTracker = new HeartbeatTracker(0);
  #closeReason: Error | undefined;
  #attempt = 0;
  #everConnected = false;
  #connectTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #flushImmediate: NodeJS.Immediate | undefined;
  #ready: Promise<void> | undefined;
  #resolveReady: () => void = () => undefined;
  #rejectReady: (error: Error) => void = () => undefined;
  #closed: Promise<void> | undefined;
  #resolveClosed: () => void = () => undefined;

  constructor(options: FrameClientOptions) {
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxBacklogBytes = options.maxBacklogBytes ?? DEFAULT_CLIENT_BACKLOG_BYTES;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLIENT_CLOSE_TIMEOUT_MS;
    this.heartbeatIntervalMs = options.heartbeat === undefined ? 0 : (options.heartbeat.intervalMs ?? 1_000);
    this.heartbeatTimeoutMs = options.heartbeat === undefined ? 0 : (options.heartbeat.timeoutMs ?? 3_000);
    this.#backoff = options.reconnect === false ? undefined : { ...DEFAULT_BACKOFF, ...options.reconnect };
    this.#validate();
    this.#options = options;
    this.#log = options.log ?? createLogger('frame-client');
    this.#random = options.random ?? Math.random;
    this.#queue = new OutboundQueue({
      maxBacklogBytes: this.maxBacklogBytes,
      policy: 'refuse',
      counters: this.counters,
      requestFlush: this.#requestFlush,
      onWrite: () => this.#heartbeat.noteSent(),
    });
  }

  get connected(): boolean {
    return this.#state === 'connected';
  }

  /** Queued bytes plus bytes the socket has not yet handed to the kernel. */
  get backlogBytes(): number {
    return this.#queue.backlogBytes;
  }

  /**
   * Start connecting (idempotent); resolves once the first connection is up. Rejects only
   * if the client is closed first, or with reconnect off when the single attempt fails.
   */
  connect(): Promise<void> {
    if (this.#ready !== undefined) return this.#ready;
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    // the caller may never await it (fire-and-forget start); an unobserved rejection must not crash
    this.#ready.catch(() => undefined);
    if (this.#state === 'idle') {
      this.#startHeartbeats();
      this.#open();
    }
    return this.#ready;
  }

  /** Send a complete frame (header included). Hot path: returns a status, never throws. */
  send(frame: Uint8Array): SendStatus {
    if (this.#state !== 'connected') return this.#state === 'closing' || this.#state === 'closed' ? 'closed' : 'not-connected';
    return this.#queue.enqueueFrame(frame);
  }

  /** Send a payload; the header is written here. `offset`/`length` select a range of `payload`. */
  sendPayload(payload: Uint8Array, offset = 0, length = payload.length - offset): SendStatus {
    if (this.#state !== 'connected') return this.#state === 'closing' || this.#state === 'closed' ? 'closed' : 'not-connected';
    return this.#queue.enqueuePayload(payload, offset, length);
  }

  /** Write what is queued now rather than at the end of the turn. */
  flush(): void {
    this.#queue.flush();
  }

  /** Stop reconnecting, flush, half-close; resolves once the socket is gone. Idempotent. */
  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    this.#closed = new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });
    const socket = this.#socket;
    const wasConnected = this.#state === 'connected';
    this.#beginClosing();
    if (socket === undefined) {
      this.#finishClosed();
    } else if (wasConnected) {
      this.#decoder?.stop();
      this.#queue.finish();
      socket.end();
      this.#lingerTimer = setTimeout(() => socket.destroy(), this.closeTimeoutMs);
    } else {
      socket.destroy();
    }
    return this.#closed;
  }

  /** Drop the connection and stop at once. Idempotent; a pending close() resolves. */
  destroy(): void {
    if (this.#state === 'closed') return;
    this.#closed ??= new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#beginClosing();
    if (this.#socket === undefined) this.#finishClosed();
    else this.#socket.destroy();
  }

  #validate(): void {
    const problems: string[] = [];
    if (!Number.isInteger(this.port) || this.port < 1 || this.port > 65_535) problems.push(`port must be an integer in 1..65535, got ${this.port}`);
    if (!Number.isInteger(this.maxFrameBytes) || this.maxFrameBytes < 1 || this.maxFrameBytes > ABSOLUTE_MAX_FRAME_BYTES) {
      problems.push(`maxFrameBytes must be an integer in 1..${ABSOLUTE_MAX_FRAME_BYTES}, got ${this.maxFrameBytes}`);
    }
    if (!Number.isInteger(this.maxBacklogBytes) || this.maxBacklogBytes < MIN_BACKLOG_BYTES) {
      problems.push(`maxBacklogBytes must be an integer ≥ ${MIN_BACKLOG_BYTES}, got ${this.maxBacklogBytes}`);
    }
    for (const [name, value] of [['connectTimeoutMs', this.connectTimeoutMs], ['closeTimeoutMs', this.closeTimeoutMs]] as const) {
      if (!Number.isFinite(value) || value < 0) problems.push(`${name} must be a number ≥ 0, got ${value}`);
    }
    if (this.#backoff !== undefined) problems.push(...checkBackoff(this.#backoff));
    problems.push(...checkHeartbeat({ intervalMs: this.heartbeatIntervalMs, timeoutMs: this.heartbeatTimeoutMs }));
    if (problems.length > 0) throw configError(problems, 'FrameClient options');
  }

  #open(): void {
    this.#state = 'connecting';
    this.#closeReason = undefined;
    const tls = this.#options.tls;
    const onread = { buffer: this.#readBuffer, callback: this.#onRead };
    const socket =
      tls === undefined
        ? netConnect({ host: this.host, port: this.port, noDelay: true, onread })
        : tlsConnect({
            host: this.host,
            port: this.port,
            // an IP address cannot be an SNI name; the certificate is still checked against it
            servername: this.#options.tlsServerName ?? (isIpAddress(this.host) ? undefined : this.host),
            ca: tls.ca,
            cert: tls.cert,
            key: tls.key,
            // node:tls takes onread as net.connect does (its typings omit it)
            ...({ onread } as object),
          });
    this.#socket = socket;
    this.#connectTimer = setTimeout(() => {
      socket.destroy(new TradingError(ErrorCode.NOT_CONNECTED, `no connection to ${this.host}:${this.port} within ${this.connectTimeoutMs} ms`));
    }, this.connectTimeoutMs);
    socket.once(tls === undefined ? 'connect' : 'secureConnect', () => this.#onConnect(socket));
    socket.on('error', (error) => {
      if (this.#socket !== socket) return;
      // before the handshake is done, any failure of a TLS connection is a TLS failure
      const failure = tls !== undefined && this.#state === 'connecting' && !isRefused(error) ? tlsFailure(error, `${this.host}:${this.port}`) : error;
      this.#closeReason ??= failure;
    });
    socket.once('close', () => this.#onClose(socket));
  }

  #onConnect(socket: Socket): void {
    clearTimeout(this.#connectTimer);
    if (this.#socket !== socket || this.#state !== 'connecting') return;
    this.#state = 'connected';
    this.#attempt = 0;
    this.#everConnected = true;
    this.counters.connects++;
    socket.setNoDelay(true);
    this.#decoder = new FrameDecoder(this.#deliver, { maxFrameBytes: this.maxFrameBytes });
    this.#heartbeat = new HeartbeatTracker(monotonicMs());
    this.#queue.attach(socket);
    this.#log.info('connected', { host: this.host, port: this.port });
    this.#resolveReady();
    try {
      this.#options.onConnect?.();
    } catch (error) {
      this.#log.error('onConnect handler failed', { error: describeError(error) });
    }
  }

  #onRead = (bytes: number): boolean => {
    this.counters.bytesIn += bytes;
    this.#heartbeat.noteReceived();
    const decoder = this.#decoder;
    if (decoder === undefined || this.#state !== 'connected') return true;
    let problem: TradingError | undefined;
    try {
      // one view per read (up to 128 KiB of frames), never one per frame
      problem = decoder.push(this.#readBuffer.subarray(0, bytes));
    } catch (error) {
      this.#log.error('frame handler failed: reconnecting', { error: describeError(error) });
      this.#drop(error instanceof Error ? error : new TradingError(ErrorCode.INTERNAL, String(error)));
      return true;
    }
    if (problem !== undefined) {
      this.counters.badFrames++;
      this.#log.warn('bad frame from server: reconnecting', { code: problem.code, message: problem.message });
      this.#drop(problem);
    }
    return true;
  };

  #deliver = (buffer: Buffer, offset: number, length: number): void => {
    this.counters.framesIn++;
    this.#options.onFrame(buffer, offset, length);
  };

  /** Lose the current connection (the close handler decides whether to retry). */
  #drop(reason: Error): void {
    this.#closeReason ??= reason;
    this.#decoder?.stop();
    this.#socket?.destroy();
  }

  #onClose(socket: Socket): void {
    if (this.#socket !== socket) return;
    clearTimeout(this.#connectTimer);
    // a decoder exists exactly while a connection is established
    const wasConnected = this.#decoder !== undefined;
    const reason = this.#closeReason;
    this.#socket = undefined;
    this.#decoder = undefined;
    this.#queue.detach();
    if (wasConnected) {
      this.counters.disconnects++;
      if (this.#state !== 'closing') this.#log.warn('disconnected', { host: this.host, port: this.port, reason: reason === undefined ? 'closed by server' : describeError(reason) });
      try {
        this.#options.onDisconnect?.(reason);
      } catch (error) {
        this.#log.error('onDisconnect handler failed', { error: describeError(error) });
      }
    } else if (this.#state === 'connecting') {
      this.counters.connectFailures++;
      // the first failure is worth a line; the rest of a retry series only at debug
      const fields = { host: this.host, port: this.port, attempt: this.#attempt + 1, reason: reason === undefined ? undefined : describeError(reason) };
      if (this.#attempt === 0) this.#log.warn('connect failed', fields);
      else this.#log.debug('connect failed', fields);
    }

    if (this.#state === 'closing') {
      this.#finishClosed();
    } else if (this.#backoff === undefined) {
      this.#beginClosing(reason ?? new TradingError(ErrorCode.NOT_CONNECTED, `connection to ${this.host}:${this.port} ended`));
      this.#finishClosed();
    } else {
      this.#state = 'waiting';
      const delayMs = reconnectDelayMs(this.#attempt++, this.#backoff, this.#random);
      this.#log.debug('reconnecting', { host: this.host, port: this.port, delayMs: Math.round(delayMs) });
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        if (this.#state === 'waiting') this.#open();
      }, delayMs);
    }
  }

  #beginClosing(reason?: Error): void {
    this.#state = 'closing';
    this.#stopHeartbeats();
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#flushImmediate !== undefined) clearImmediate(this.#flushImmediate);
    this.#flushImmediate = undefined;
    if (!this.#everConnected) {
      this.#rejectReady(reason ?? new TradingError(ErrorCode.NOT_CONNECTED, `closed before connecting to ${this.host}:${this.port}`));
    }
  }

  #finishClosed(): void {
    this.#state = 'closed';
    if (this.#lingerTimer !== undefined) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
    this.#resolveClosed();
  }

  #requestFlush = (): void => {
    this.#flushImmediate ??= setImmediate(this.#flushNow);
  };

  #flushNow = (): void => {
    this.#flushImmediate = undefined;
    this.#queue.flush();
  };

  #startHeartbeats(): void {
    const period = heartbeatCheckPeriodMs({ intervalMs: this.heartbeatIntervalMs, timeoutMs: this.heartbeatTimeoutMs });
    if (period === 0) return;
    this.#heartbeatTimer = setInterval(this.#checkHeartbeat, period);
    this.#heartbeatTimer.unref();
  }

  #stopHeartbeats(): void {
    if (this.#heartbeatTimer !== undefined) clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
  }

  #checkHeartbeat = (): void => {
    if (this.#state !== 'connected') return;
    const nowMs = monotonicMs();
    const intervalMs = this.#queue.backlogBytes > 0 ? 0 : this.heartbeatIntervalMs;
    const action = this.#heartbeat.check(nowMs, intervalMs, this.heartbeatTimeoutMs);
    if (action === 'timeout') {
      this.counters.peerTimeouts++;
      const error = new TradingError(ErrorCode.PEER_TIMEOUT, `nothing received from ${this.host}:${this.port} for ${this.heartbeatTimeoutMs} ms`);
      this.#log.warn('peer timeout: reconnecting', { host: this.host, port: this.port, code: error.code, silentMs: Math.round(this.#heartbeat.silentForMs(nowMs)) });
      this.#drop(error);
    } else if (action === 'send') {
      const payload = this.#options.heartbeat?.payload?.();
      if (payload !== undefined) this.sendPayload(payload);
    }
  };
}

function isIpAddress(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** Nothing listening, or no route: not a TLS matter. */
function isRefused(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND' || error instanceof TradingError;
}
