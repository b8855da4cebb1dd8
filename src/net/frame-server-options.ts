/**
 * FrameServer options: what a server is given, their defaults, what the server resolves
 * from them, the default connection cap (sized from the open-file limit), and their
 * validation (every problem at once).
 */
import { configError } from '../config/schema.js';
import type { TradingError } from '../core/errors.js';
import { raiseFileLimit } from '../core/fd-limit.js';
import type { Logger } from '../core/log.js';
import { ABSOLUTE_MAX_FRAME_BYTES } from '../protocol/framing.js';
import type { FrameServerClient } from './frame-server-client.js';
import { checkHeartbeat, type HeartbeatOptions } from './heartbeat.js';
import { MIN_BACKLOG_BYTES } from './outbound-queue.js';
import type { TlsMaterial } from './tls-options.js';

export const DEFAULT_MAX_CONNECTIONS = 10_000;
export { MIN_BACKLOG_BYTES };
/** File descriptors kept for everything but clients (logs, the trade log, shm, the listener). */
const RESERVED_FDS = 64;

export type SlowConsumerPolicy = 'disconnect' | 'conflate';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_MAX_BACKLOG_BYTES = 4 * 1024 * 1024;
export const DEFAULT_CLOSE_TIMEOUT_MS = 2_000;
export const DEFAULT_FRAME_TIMEOUT_MS = 10_000;
export const DEFAULT_OUTBOUND_BUDGET_BYTES = 128 * 1024 * 1024;
export const DEFAULT_INBOUND_BUDGET_BYTES = 64 * 1024 * 1024;
export const DEFAULT_KEEPALIVE_MS = 30_000;

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
  /**
   * Most clients connected at once; a connection past it is closed at accept, counted and
   * logged (rate-limited). Default: 10,000, or less to stay under the open-file limit.
   * Idle clients count: the seed's connect and wait.
   */
  maxConnections?: number;
  /** A frame that has started must be complete within this long, ms (default 10,000; 0 = no deadline). */
  frameTimeoutMs?: number;
  /**
   * Bytes all clients together may hold in outbound buffers (default 128 MiB). Past it, the
   * clients furthest behind (longest without the kernel taking anything from them) are
   * conflated harder (under the `conflate` policy) or disconnected with E_SLOW_CONSUMER
   * until the total is back under 3/4 of it; a client keeping up is never one of them
   * (outbound-budget.ts).
   */
  outboundBudgetBytes?: number;
  /** Bytes all clients together may hold in incomplete inbound frames (default 64 MiB). */
  inboundBudgetBytes?: number;
  /** TCP keepalive after this long idle, ms (default 30,000; 0 = off): finds peers that vanished. */
  keepAliveMs?: number;
  /**
   * A slow-consumer episode (`conflate` policy) is logged once it has lasted this long, ms
   * (default 250; 0 = at once); a shorter one only if it dropped frames (slow-consumer-log.ts).
   */
  slowConsumerLogAfterMs?: number;
  /** Serve over TLS with this material (loadServerTls); plain TCP when undefined. */
  tls?: TlsMaterial | undefined;
  log?: Logger;
}

/** DEFAULT_MAX_CONNECTIONS, or fewer to stay under the open-file limit (raised to the hard one first). */
export function defaultMaxConnections(): number {
  const { limits } = raiseFileLimit();
  if (limits === undefined) return DEFAULT_MAX_CONNECTIONS;
  return Math.max(1, Math.min(DEFAULT_MAX_CONNECTIONS, limits.soft - RESERVED_FDS));
}

export interface ResolvedServerOptions {
  maxConnections: number;
  frameTimeoutMs: number;
  outboundBudgetBytes: number;
  inboundBudgetBytes: number;
  keepAliveMs: number;
  maxFrameBytes: number;
  maxBacklogBytes: number;
  slowConsumerPolicy: SlowConsumerPolicy;
  closeTimeoutMs: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
}

/** Every problem at once, as one E_CONFIG_INVALID. */
export function validateServerOptions(options: ResolvedServerOptions): void {
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
  if (!Number.isInteger(options.maxConnections) || options.maxConnections < 1) problems.push(`maxConnections must be an integer ≥ 1, got ${options.maxConnections}`);
  for (const [name, value] of [
    ['frameTimeoutMs', options.frameTimeoutMs],
    ['keepAliveMs', options.keepAliveMs],
  ] as const) {
    if (!Number.isFinite(value) || value < 0) problems.push(`${name} must be a number ≥ 0, got ${value}`);
  }
  for (const [name, value] of [
    ['outboundBudgetBytes', options.outboundBudgetBytes],
    ['inboundBudgetBytes', options.inboundBudgetBytes],
  ] as const) {
    if (!Number.isInteger(value) || value < MIN_BACKLOG_BYTES) problems.push(`${name} must be an integer ≥ ${MIN_BACKLOG_BYTES}, got ${value}`);
  }
  problems.push(...checkHeartbeat({ intervalMs: options.heartbeatIntervalMs, timeoutMs: options.heartbeatTimeoutMs }));
  if (problems.length > 0) throw configError(problems, 'FrameServer options');
}
