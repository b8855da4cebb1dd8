/**
 * `trading ordermanager` options: the schema (flags, TRADING_* environment, config file),
 * plus what the schema cannot say on its own. The risk-limit flags are risk-limits.ts's
 * fields, so a limit is checked by one rule whether it comes from a flag or from code.
 */
import { metricsPortField } from '../metrics/metrics-server.js';
import { busFields, busStreamField, settleBusOptions, type BusOptions } from '../bus/bus-config.js';
import { commonFields, required, type ConfigOf, type Schema } from '../config/schema.js';
import { serverLimitFields, serverLimits } from '../config/server-limits.js';
import { DEFAULT_MAX_BACKLOG_BYTES, MIN_BACKLOG_BYTES } from '../net/frame-server.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/framing.js';
import { DEFAULT_ORDER_ID_WINDOW } from './order-id-window.js';
import { serverSessionSettings, sessionServerFields, type ServerSessionSettings } from '../session/session-options.js';
import { RISK_LIMIT_FIELDS, riskLimitsOf, type RiskLimits } from './risk-limits.js';

export const orderManagerSchema = {
  host: commonFields.host(),
  port: commonFields.port(5558),
  metricsPort: metricsPortField,
  // Required: an order manager reading the wrong book would trade on someone else's prices.
  shm: required(commonFields.shm(), 'the shared-memory book segment, e.g. /ipc-trading-book'),
  tradeLog: { kind: 'string', default: 'trades.log', description: 'trade log path (its order journal is PATH.orders)' },
  ...RISK_LIMIT_FIELDS,
  bookMaxAgeMs: { kind: 'integer', default: 500, min: 1, max: 60_000, description: 'a book whose writer has not beaten for this long is stale, ms' },
  pollIntervalMs: {
    kind: 'integer',
    default: 1,
    min: 1,
    max: 1_000,
    description: 'while DAY orders rest, how often an idle duty cycle looks for new books, ms',
  },
  tickBookWaitUs: {
    kind: 'integer',
    default: 2_000,
    min: 0,
    max: 1_000_000,
    description:
      "an order made on a tick newer than the shared book (a strategy trading on its ticks, --book-source tick, beat the orderbook) waits at most this long for that book before it executes, µs (0 = never wait)",
  },
  syncCommitMaxLines: {
    kind: 'integer',
    default: 8,
    min: 0,
    max: 1_000_000,
    description:
      'a commit of at most this many lines syncs on the main thread: faster acks for isolated orders, but intake waits while the disk syncs (0 = always sync on the threadpool)',
  },
  orderIdWindow: {
    kind: 'integer',
    default: DEFAULT_ORDER_ID_WINDOW,
    min: 1,
    max: 100_000_000,
    description: 'a duplicate order id is caught among this many most recent order ids (and every resting order); memory is flat in orders ever handled',
  },
  repairTradeLog: {
    kind: 'boolean',
    default: false,
    description: 'at start, move lines of the trade log and order journal that fail their checksum or do not parse into PATH.bad (else such a line refuses the start)',
  },
  maxFrameBytes: { kind: 'integer', default: DEFAULT_MAX_FRAME_BYTES, min: 64, max: 64 * 1024 * 1024, description: 'largest inbound frame, bytes' },
  maxBacklogBytes: {
    kind: 'integer',
    default: DEFAULT_MAX_BACKLOG_BYTES,
    min: 64 * MIN_BACKLOG_BYTES,
    max: 1024 * 1024 * 1024,
    description: 'outbound backlog bound per client, bytes (past it: reports conflate per order)',
  },
  ...serverLimitFields,
  ...busFields,
  busStream: busStreamField('with --bus: the JetStream stream every durable fill is mirrored into (exec.<SYMBOL>)'),
  gate: { kind: 'optional-string', description: 'backtest only: the flow gate segment to keep in step with; market time from it (trading backtest sets it)' },
  resumeGraceMs: {
    kind: 'integer',
    default: 30_000,
    min: 0,
    max: 24 * 3600 * 1000,
    description: 'resting DAY orders of a proven identity survive its disconnect this long, then are canceled, ms',
  },
  replayReports: { kind: 'integer', default: 65_536, min: 16, max: 4_194_304, description: 'execution reports kept per identity for resync after a reconnect' },
  keepWarmMs: commonFields.keepWarmMs(),
  ...sessionServerFields,
} satisfies Schema;

export type OrderManagerConfig = ConfigOf<typeof orderManagerSchema>;

export interface OrderManagerSettings {
  host: string;
  port: number;
  shm: string;
  tradeLog: string;
  limits: RiskLimits;
  bookMaxAgeMs: number;
  pollIntervalMs: number;
  maxFrameBytes: number;
  maxBacklogBytes: number;
  syncCommitMaxLines: number;
  tickBookWaitUs: number;
  repairTradeLog: boolean;
  orderIdWindow: number;
  /** Connection cap, frame deadline and global budgets for the order server. */
  serverLimits: ReturnType<typeof serverLimits>;
  /** Mirror durable fills into a JetStream stream on this bus. */
  bus?: BusOptions;
  busStream: string;
  /** Backtest: the flow gate's segment name (shm/flow-gate.ts). */
  gate?: string;
  resumeGraceMs: number;
  replayReports: number;
  /** While idle, a heartbeat to every client this often, ms, to keep the order path warm (0 or absent = off). */
  keepWarmMs?: number;
  session: ServerSessionSettings;
}

/** The checks the schema cannot make, and the risk-limit flags as one RiskLimits. */
export function settleOrderManagerConfig(config: OrderManagerConfig, problems: string[]): OrderManagerSettings {
  if (config.tradeLog.trim() === '') problems.push('--trade-log: must not be empty');
  const limits = riskLimitsOf(config);
  const bus = settleBusOptions(config, 'ordermanager', problems);
  return {
    ...(bus === undefined ? {} : { bus }),
    busStream: config.busStream,
    host: config.host,
    port: config.port,
    shm: config.shm,
    tradeLog: config.tradeLog,
    limits,
    bookMaxAgeMs: config.bookMaxAgeMs,
    pollIntervalMs: config.pollIntervalMs,
    maxFrameBytes: config.maxFrameBytes,
    maxBacklogBytes: config.maxBacklogBytes,
    syncCommitMaxLines: config.syncCommitMaxLines,
    tickBookWaitUs: config.tickBookWaitUs,
    repairTradeLog: config.repairTradeLog,
    orderIdWindow: config.orderIdWindow,
    serverLimits: serverLimits(config),
    ...(config.gate === undefined ? {} : { gate: config.gate }),
    resumeGraceMs: config.resumeGraceMs,
    replayReports: config.replayReports,
    keepWarmMs: config.keepWarmMs,
    // credentials and TLS material: a file that cannot be loaded fails the start in one line
    session: serverSessionSettings(config),
  };
}
