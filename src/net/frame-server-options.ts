/**
 * FrameServer options: what the server resolves from them, the default connection cap
 * (sized from the open-file limit), and their validation (every problem at once).
 */
import { configError } from '../config/schema.js';
import { raiseFileLimit } from '../core/fd-limit.js';
import { ABSOLUTE_MAX_FRAME_BYTES } from '../protocol/framing.js';
import { checkHeartbeat } from './heartbeat.js';
import { MIN_BACKLOG_BYTES } from './outbound-queue.js';

export const DEFAULT_MAX_CONNECTIONS = 10_000;
export { MIN_BACKLOG_BYTES };
/** File descriptors kept for everything but clients (logs, the trade log, shm, the listener). */
const RESERVED_FDS = 64;

export type SlowConsumerPolicy = 'disconnect' | 'conflate';

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
