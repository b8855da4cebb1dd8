/**
 * The resource bounds every TCP server takes (gateway, order manager): connection cap,
 * started-frame deadline, global outbound and inbound budgets. One schema fragment, spread
 * into each server's schema, and `serverLimits` to hand its values to the FrameServer.
 */
import type { Schema } from './schema.js';

const MIB = 1024 * 1024;

export const serverLimitFields = {
  maxConnections: {
    kind: 'integer',
    default: 0,
    min: 0,
    max: 1_000_000,
    description: 'most clients connected at once (idle ones count); past it a connection is refused, counted and logged (0 = 10,000, or fewer to stay under the open-file limit)',
  },
  frameTimeoutMs: {
    kind: 'integer',
    default: 10_000,
    min: 0,
    max: 3_600_000,
    description: 'a frame a client has started must be complete within this long, or the client is closed, ms (0 = no deadline)',
  },
  outboundBudgetMb: {
    kind: 'integer',
    default: 128,
    min: 1,
    max: 65_536,
    description: 'MiB all clients together may hold in outbound buffers; past it the clients longest without reading are conflated harder or disconnected (E_SLOW_CONSUMER)',
  },
  inboundBudgetMb: {
    kind: 'integer',
    default: 64,
    min: 1,
    max: 65_536,
    description: 'MiB all clients together may hold in incomplete inbound frames; past it the client growing it is closed',
  },
} as const satisfies Schema;

export interface ServerLimitValues {
  maxConnections: number;
  frameTimeoutMs: number;
  outboundBudgetMb: number;
  inboundBudgetMb: number;
}

/** The FrameServer options for these values (a maxConnections of 0 leaves the server's default). */
export function serverLimits(values: ServerLimitValues): {
  maxConnections?: number;
  frameTimeoutMs: number;
  outboundBudgetBytes: number;
  inboundBudgetBytes: number;
} {
  return {
    ...(values.maxConnections > 0 ? { maxConnections: values.maxConnections } : {}),
    frameTimeoutMs: values.frameTimeoutMs,
    outboundBudgetBytes: values.outboundBudgetMb * MIB,
    inboundBudgetBytes: values.inboundBudgetMb * MIB,
  };
}
