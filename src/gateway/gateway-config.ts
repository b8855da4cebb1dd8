/**
 * `trading gateway` options: the schema (flags, TRADING_* environment, config file) and the
 * one value the schema cannot express, `--rate R|max`.
 */
import { metricsPortField } from '../metrics/metrics-server.js';
import { busFields } from '../bus/bus-config.js';
import { sessionServerFields } from '../session/session-options.js';
import { commonFields, configError, type ConfigOf, type Schema } from '../config/schema.js';
import { serverLimitFields } from '../config/server-limits.js';
import { DEFAULT_SYMBOLS, MARKET_DEFAULTS, MARKET_FIELDS } from '../market/market-options.js';
import { DEFAULT_MAX_BACKLOG_BYTES, MIN_BACKLOG_BYTES } from '../net/frame-server.js';
import { SYMBOL_PATTERN } from '../protocol/messages.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/framing.js';

/** Highest numeric --rate: above it, `max` is the honest setting. */
export const MAX_NUMERIC_RATE = 1_000_000;

export const gatewaySchema = {
  host: commonFields.host(),
  port: commonFields.port(5555),
  shm: { ...commonFields.shm(), description: "the system's book segment name: the gateway's counters go to <shm>.metrics.gateway" },
  metricsPort: metricsPortField,
  seed: MARKET_FIELDS.seed,
  symbols: {
    kind: 'list',
    default: DEFAULT_SYMBOLS,
    itemPattern: SYMBOL_PATTERN,
    itemHint: 'symbols of 1-8 characters A-Z 0-9 . _ -',
    description: 'symbols to stream, comma-separated',
  },
  rate: {
    kind: 'string',
    default: String(MARKET_DEFAULTS.updatesPerSecond),
    pattern: /^(?:max|\d+(?:\.\d+)?|\.\d+)$/,
    patternHint: 'a number of updates per second per symbol, or max',
    description: 'MARKET_DATA per symbol per second, or max (as fast as clients take it, for benchmarks)',
  },
  // the market model's own fields (its options are checked by the same rules)
  newsInterval: { ...MARKET_FIELDS.newsIntervalSeconds, description: 'seconds between NEWS_SENTIMENT items' },
  timeScale: MARKET_FIELDS.timeScale,
  slowConsumer: {
    kind: 'string',
    default: 'conflate',
    choices: ['conflate', 'disconnect'],
    description: 'a client past its backlog bound: conflate (latest book per symbol until it catches up) or disconnect',
  },
  maxBacklogBytes: {
    kind: 'integer',
    default: DEFAULT_MAX_BACKLOG_BYTES,
    min: 64 * MIN_BACKLOG_BYTES,
    max: 1024 * 1024 * 1024,
    description: 'outbound backlog bound per client, bytes',
  },
  maxFrameBytes: {
    kind: 'integer',
    default: 64 * 1024,
    min: 64,
    max: DEFAULT_MAX_FRAME_BYTES,
    description: 'largest inbound frame a client may send, bytes (larger: that client is closed)',
  },
  ...serverLimitFields,
  ...busFields,
  record: { kind: 'optional-string', description: 'also record every message sent into this recording file (see src/protocol/recording-format.ts)' },
  replay: { kind: 'optional-string', description: 'serve this recording instead of the seeded market (trading record, trading import, --record make one)' },
  speed: {
    kind: 'string',
    default: '1',
    pattern: /^(?:max|\d+(?:\.\d+)?|\.\d+)$/,
    patternHint: 'a speed-up factor (1 = as recorded, 10 = ten times faster) or max',
    description: 'with --replay: how fast, relative to the recorded times, or max (as fast as clients take it)',
  },
  loop: { kind: 'boolean', default: false, description: 'with --replay: start again at the end' },
  waitForClients: { kind: 'integer', default: 0, min: 0, max: 10_000, description: 'with --replay: start once this many clients are connected' },
  waitForHellos: { kind: 'integer', default: 0, min: 0, max: 10_000, description: 'with --replay: start once this many clients said HELLO' },
  keepWarmMs: commonFields.keepWarmMs(),
  ...sessionServerFields,
} as const satisfies Schema;

export type GatewayConfig = ConfigOf<typeof gatewaySchema>;

/** A rate: updates per symbol per second, or 'max'. */
export type GatewayRate = number | 'max';

/** `--rate` text → a rate; throws E_CONFIG_INVALID naming the flag. */
export function parseRate(text: string): GatewayRate {
  if (text === 'max') return 'max';
  const rate = Number(text);
  if (!(rate > 0 && rate <= MAX_NUMERIC_RATE)) {
    throw configError([`--rate: must be > 0 and ≤ ${MAX_NUMERIC_RATE} (or max), got "${text}"`]);
  }
  return rate;
}
