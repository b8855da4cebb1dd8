/**
 * The configuration of `trading run`: the whole system on one host. The options it
 * passes on are the children's own fields (same default, same rule), and the supervisor
 * builds each child's command line from that child's schema (config/schema.ts toArgs), so
 * no default can drift between `trading run` and the command it starts.
 */
import { busFields } from '../bus/bus-config.js';
import { commonFields, type Schema } from '../config/schema.js';
import { dashboardFlags } from '../dashboard/dashboard-config.js';
import { gatewaySchema } from '../gateway/gateway-config.js';
import { orderManagerSchema } from '../ordermanager/ordermanager-config.js';
import { STRATEGY_PROCESS_SCHEMA } from '../strategy/strategy-config.js';
import { DEFAULT_METRICS_PORT } from '../metrics/metrics-server.js';

export const runSchema = {
  host: commonFields.host(),
  gatewayPort: { ...gatewaySchema.port, description: 'gateway TCP port (0 = any free port)' },
  orderManagerPort: { ...orderManagerSchema.port, description: 'order manager TCP port (0 = any free port)' },
  shm: commonFields.shm(),
  metricsPort: {
    kind: 'integer',
    default: DEFAULT_METRICS_PORT,
    min: -1,
    max: 65535,
    description: 'serve Prometheus /metrics for every component on 127.0.0.1 at this port (0 = any free port, -1 = none)',
  },
  tradeLog: orderManagerSchema.tradeLog,
  summary: { kind: 'optional-string', description: 'write the final statistics as JSON to this file' },
  duration: { kind: 'number', default: 0, min: 0, description: 'stop after this many seconds (0 = run until Ctrl+C)' },
  seed: gatewaySchema.seed,
  replay: {
    kind: 'optional-string',
    description: 'the gateway serves this recording (trading record, trading import) instead of the seeded market; the run ends once it is all served (plus a second), unless --loop',
  },
  speed: gatewaySchema.speed,
  loop: gatewaySchema.loop,
  symbols: gatewaySchema.symbols,
  rate: gatewaySchema.rate,
  strategy: STRATEGY_PROCESS_SCHEMA.strategy,
  strategyConfig: STRATEGY_PROCESS_SCHEMA.strategyConfig,
  bookWaitUs: STRATEGY_PROCESS_SCHEMA.bookWaitUs,
  bookSource: STRATEGY_PROCESS_SCHEMA.bookSource,
  keepWarmMs: commonFields.keepWarmMs(),
  maxRestarts: { kind: 'integer', default: 5, min: 0, max: 1000, description: 'crashes per minute of one component before the system stops' },
  ...dashboardFlags,
  noDashboard: { kind: 'boolean', default: false, description: 'do not serve the dashboard' },
  noAnonymous: { kind: 'boolean', default: false, description: 'the servers refuse clients that prove no identity (the seed\'s clients)' },
  insecure: { kind: 'boolean', default: false, description: 'the servers take anonymous clients from beyond loopback too' },
  progressIntervalMs: { kind: 'integer', default: 1000, min: 100, max: 60_000, description: 'how often progress is shown (terminal), ms' },
  livenessTimeoutMs: {
    kind: 'integer',
    default: 5000,
    min: 1500,
    max: 600_000,
    description: 'a component that sends no heartbeat (its once-a-second counters) for this long is unresponsive (SIGSTOP, a blocked event loop) and is replaced, ms',
  },
  // with --bus: market data and news over NATS, fills mirrored to the EXECUTIONS stream
  ...busFields,
} as const satisfies Schema;
