/**
 * The `trading strategy` command's options: where the gateway, the order manager and the
 * book are, which strategy runs, and that strategy's own parameters. Validated once with
 * config/schema.ts (flags ← environment ← config file ← defaults, every bad field reported
 * at once, unknown flags refused); `buildStrategy` turns the result into a Strategy.
 *
 * The seed strategy's fields are SEED_STRATEGY_FIELDS (`--lookback-ms`, ...); the imbalance
 * example's are prefixed `imbalance` (`--imbalance-threshold`, ...) so that the two never
 * share a flag with different meanings.
 */
import { metricsPortField } from '../metrics/metrics-server.js';
import { busFields } from '../bus/bus-config.js';
import { sessionClientFields } from '../session/session-options.js';
import { commonFields, parseHostPort, type ConfigOf, type Schema } from '../config/schema.js';
import { DEFAULT_LIVE_BOOK_MAX_AGE_MS } from '../shm/live-book.js';
import { DEFAULT_BOOK_WAIT_US } from './tick-book-wait.js';
import { DEFAULT_ORDER_ACK_TIMEOUT_MS } from './unanswered-orders.js';
import { BOOK_SOURCES } from './feed-books.js';
import { IMBALANCE_FIELDS, ImbalanceStrategy } from './examples/imbalance-strategy.js';
import { SEED_STRATEGY_FIELDS, type SeedStrategyConfig } from './seed-strategy-config.js';
import { SeedStrategy } from './seed-strategy.js';
import type { Strategy } from './strategy.js';
import { BUILT_IN_STRATEGIES, isStrategyPath, loadStrategyModule } from './strategy-module.js';
import { ErrorCode, TradingError } from '../core/errors.js';

export const STRATEGY_NAMES = BUILT_IN_STRATEGIES;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** `--strategy`: a built-in name or the path of a strategy module (strategy-module.ts). */
export const STRATEGY_FIELD = {
  kind: 'string',
  default: 'seed',
  pattern: /^\S(?:.*\S)?$/,
  patternHint: 'seed, imbalance, or the path of a strategy module (.js/.mjs)',
  description: 'the strategy to run: seed, imbalance, or the path of an ES module whose default export is a Strategy class or factory',
} as const satisfies Schema[string];

/** `--strategy-config`: the JSON options of a strategy module, checked against its configSchema. */
export const STRATEGY_CONFIG_FIELD = {
  kind: 'optional-string',
  description: 'JSON file of options for a strategy module, validated by the configSchema it exports',
} as const satisfies Schema[string];

/** The imbalance example's parameters as flags, prefixed (`--imbalance-threshold`); their rules are its own. */
export const IMBALANCE_STRATEGY_FIELDS = {
  imbalanceLevels: { ...IMBALANCE_FIELDS.levels, description: `imbalance strategy: ${IMBALANCE_FIELDS.levels.description}` },
  imbalanceThreshold: { ...IMBALANCE_FIELDS.threshold, description: `imbalance strategy: ${IMBALANCE_FIELDS.threshold.description}` },
  imbalanceQuantity: { ...IMBALANCE_FIELDS.quantity, description: `imbalance strategy: ${IMBALANCE_FIELDS.quantity.description}` },
  imbalanceMaxPosition: { ...IMBALANCE_FIELDS.maxPosition, description: `imbalance strategy: ${IMBALANCE_FIELDS.maxPosition.description}` },
  imbalanceRestingTimeoutMs: { ...IMBALANCE_FIELDS.restingTimeoutMs, description: `imbalance strategy: ${IMBALANCE_FIELDS.restingTimeoutMs.description}` },
} as const satisfies Schema;

export const STRATEGY_PROCESS_SCHEMA = {
  gateway: commonFields.endpoint('127.0.0.1:5555', 'the gateway, HOST:PORT (market data and news)'),
  orderManager: commonFields.endpoint('127.0.0.1:5558', 'the order manager, HOST:PORT (orders out, execution reports in)'),
  shm: commonFields.shm(),
  metricsPort: metricsPortField,
  strategy: STRATEGY_FIELD,
  strategyConfig: STRATEGY_CONFIG_FIELD,
  bookMaxAgeMs: {
    kind: 'integer',
    default: DEFAULT_LIVE_BOOK_MAX_AGE_MS,
    min: 1,
    max: 60_000,
    description: 'a book whose writer has not beaten for longer than this is stale (no trading on it), ms',
  },
  connectWaitMs: {
    kind: 'integer',
    default: 5_000,
    min: 0,
    max: 600_000,
    description: 'ready once both connections are up, or after this long with whatever is up (the rest keeps retrying), ms',
  },
  gatewayTimeoutMs: {
    kind: 'integer',
    default: 5_000,
    min: 0,
    max: 600_000,
    description: 'a gateway silent this long is declared dead and reconnected, ms (0 = never)',
  },
  orderManagerTimeoutMs: {
    kind: 'integer',
    default: 0,
    min: 0,
    max: 600_000,
    description: 'an order manager silent this long is declared dead and reconnected, ms (0 = never: it may be quiet when we do not trade)',
  },
  idleSpinMs: {
    kind: 'number',
    default: 0,
    min: 0,
    max: 1_000,
    description: 'after each tick keep polling this long instead of sleeping, ms: lower wake-up latency for a core of CPU (0 = off; for machines with cores to spare)',
  },
  keepWarmMs: commonFields.keepWarmMs(),
  noOrderYield: {
    kind: 'boolean',
    default: false,
    description:
      'keep the core after an order goes out (by default the strategy yields it once, so that the order manager, woken onto this core by the write, reads the order before the rest of the tick is handled)',
  },
  orderAckTimeoutMs: {
    kind: 'integer',
    default: DEFAULT_ORDER_ACK_TIMEOUT_MS,
    min: 0,
    max: 3_600_000,
    description: 'an order with no report at all this long after it was sent is counted and logged as unanswered, ms (0 = never)',
  },
  bookWaitUs: {
    kind: 'integer',
    default: DEFAULT_BOOK_WAIT_US,
    min: 0,
    max: 1_000_000,
    description:
      "a tick whose own book the orderbook has not written yet waits for it at most this long (the event loop keeps running), µs; then the strategy is told 'lagging' (0 = no wait, for measuring)",
  },
  bookSource: {
    kind: 'string',
    default: 'shm',
    choices: BOOK_SOURCES,
    description:
      "live: the book the strategy trades on: shm, the shared book the order manager executes against (a tick waits for its own, --book-wait-us), or tick, the book each tick carries (no wait; the gateway writes each tick to the strategy first)",
  },
  orderManagerFirst: {
    kind: 'boolean',
    default: false,
    description: "connect to the gateway only once the order manager's session is open, so no tick comes before an order can go (trading run --replay sets it: the replay starts on our HELLO)",
  },
  countersIntervalMs: {
    kind: 'integer',
    default: 250,
    min: 10,
    max: 60_000,
    description: 'how often the counters segment is brought up to date, ms',
  },
  ...busFields,
  busSymbols: {
    kind: 'optional-string',
    description: 'on the bus: symbols to subscribe to, comma-separated (default all)',
  },
  gate: { kind: 'optional-string', description: 'backtest only: the flow gate segment to keep in step with; market time (trading backtest sets it)' },
  sessionToken: { kind: 'optional-string', description: 'order-id prefix of this run (default a fresh one; a backtest fixes it so that ids repeat)' },
  ...sessionClientFields,
  ...SEED_STRATEGY_FIELDS,
  ...IMBALANCE_STRATEGY_FIELDS,
} as const satisfies Schema;

export type StrategyProcessSchema = typeof STRATEGY_PROCESS_SCHEMA;

/** HOST:PORT of both servers, already checked by the schema's pattern (ports ≤ 65535 here). */
export function endpoints(config: { gateway: string; orderManager: string }): {
  gateway: { host: string; port: number };
  orderManager: { host: string; port: number };
} {
  return { gateway: parseHostPort(config.gateway, '--gateway'), orderManager: parseHostPort(config.orderManager, '--order-manager') };
}

/**
 * The strategy the config names: a module loaded from its path, or a built-in one with
 * its flags. Throws E_CONFIG_INVALID saying what is wrong.
 */
export async function resolveStrategy(config: ConfigOf<StrategyProcessSchema>): Promise<Strategy> {
  if (isStrategyPath(config.strategy)) return loadStrategyModule(config.strategy, config.strategyConfig);
  if (config.strategyConfig !== undefined) {
    throw new TradingError(ErrorCode.CONFIG_INVALID, `--strategy-config is for a strategy module; ${config.strategy} takes its own flags (see --help)`);
  }
  return buildStrategy(config);
}

/** The built-in strategy the config names, with its parameters (throws E_CONFIG_INVALID naming bad ones). */
export function buildStrategy(config: ConfigOf<StrategyProcessSchema>): Strategy {
  if (config.strategy === 'imbalance') {
    return new ImbalanceStrategy({
      levels: config.imbalanceLevels,
      threshold: config.imbalanceThreshold,
      quantity: config.imbalanceQuantity,
      maxPosition: config.imbalanceMaxPosition,
      restingTimeoutMs: config.imbalanceRestingTimeoutMs,
    });
  }
  const seed: SeedStrategyConfig = {
    priceChangeThreshold: config.priceChangeThreshold,
    sentimentAlpha: config.sentimentAlpha,
    sentimentThreshold: config.sentimentThreshold,
    lookbackMs: config.lookbackMs,
    orderQuantity: config.orderQuantity,
    cooldownMs: config.cooldownMs,
    maxPosition: config.maxPosition,
    priceSource: config.priceSource,
  };
  return new SeedStrategy(seed);
}
