/**
 * The seed strategy's parameters: defaults, bounds and validation. The fields use the
 * config schema's kinds, so the `trading strategy` command can take them as flags
 * (`--lookback-ms 10000`), environment (`TRADING_LOOKBACK_MS`) or config-file keys, and a
 * program that builds the strategy directly gets the same checks from
 * `resolveSeedStrategyConfig`.
 *
 * Why the defaults (calibrated with calibration.ts against the market model at the
 * gateway's defaults: real-time market clock, 10 updates/s per symbol, news every 2 s,
 * news half-life 30 s; the figures are in README.md, "Calibration"):
 * - The rule's shape is the seed's: a move beyond a threshold that the sentiment EMA
 *   (α 0.3, the seed's) agrees with is a BUY or a SELL.
 * - `lookbackMs` 10 s and `priceChangeThreshold` 0.05 %: the seed compared consecutive
 *   ticks against 0.5 %, a move a real large cap makes in 100 ms about never (AAPL's
 *   100 ms σ is 0.003 %). Over 10 s the noise is 0.03 % (AAPL) to 0.08 % (TSLA), and a
 *   news item of score 1 drifts the price by about 0.1 %: 0.05 % over 10 s separates a
 *   news-driven move from noise on every default symbol.
 * - `sentimentThreshold` 0.2: the market's own neutral band (|score| < 0.2 is neutral
 *   news). The EMA of uniform scores is beyond ±0.3 about 22 % of the time per symbol and
 *   beyond ±0.2 about 41 %: with 0.3, 20 % of 10 s windows had no trade at all (1.7
 *   trades/s); with 0.2, 7 % (2.7 trades/s), and the mark-out stays far above the spread.
 * - `cooldownMs` 500 and `maxPosition` 20 000 with `orderQuantity` 100: a news regime
 *   lasts tens of seconds and the strategy has no exit rule (the seed had none), so a cap
 *   of 10 clips pinned every symbol within seconds and trading stopped; 200 clips at two
 *   orders a second per symbol keep it trading through a regime, about 3 trades a second
 *   over the five default symbols.
 * `--lookback-ms 0 --price-change-threshold 0.005 --sentiment-threshold 0.3` is the seed's
 * rule exactly.
 */
import { checkValues, configError, type Schema } from '../config/schema.js';
import type { PriceSource } from './price-window.js';

export interface SeedStrategyConfig {
  /** Relative change over the lookback that counts as a move (0.0005 = 0.05%). */
  priceChangeThreshold: number;
  /** Weight of each news score in the sentiment EMA: ema = α·score + (1 − α)·ema. */
  sentimentAlpha: number;
  /** The EMA must be above +this for a BUY and below −this for a SELL. */
  sentimentThreshold: number;
  /** Market time (tick timestamps) over which the change is measured; 0 = previous tick. */
  lookbackMs: number;
  /** Shares per order (less when the position cap leaves less room). */
  orderQuantity: number;
  /** Minimum time between two orders of one symbol, monotonic ms. */
  cooldownMs: number;
  /** Cap on |position + same-side open orders| per symbol, shares. */
  maxPosition: number;
  /** The price watched for moves: the book's mid, or its last trade. */
  priceSource: PriceSource;
}

export const SEED_STRATEGY_FIELDS = {
  priceChangeThreshold: {
    kind: 'number',
    default: 0.0005,
    min: 0.000001,
    max: 1,
    description: 'relative price change over the lookback that counts as a move (0.0005 = 0.05%)',
  },
  sentimentAlpha: { kind: 'number', default: 0.3, min: 0.001, max: 1, description: 'weight of each news score in the sentiment EMA' },
  sentimentThreshold: {
    kind: 'number',
    default: 0.2,
    min: 0,
    max: 1,
    description: 'sentiment EMA beyond ±this agrees with a move',
  },
  lookbackMs: {
    kind: 'integer',
    default: 10_000,
    min: 0,
    max: 3_600_000,
    description: 'market time over which the price change is measured, ms (0 = since the previous tick, as the seed)',
  },
  orderQuantity: { kind: 'integer', default: 100, min: 1, max: 1_000_000_000, description: 'shares per order' },
  cooldownMs: { kind: 'integer', default: 500, min: 0, max: 3_600_000, description: 'minimum ms between two orders of one symbol' },
  maxPosition: {
    kind: 'integer',
    default: 20_000,
    min: 1,
    max: 1_000_000_000,
    description: 'cap on |position + open orders| per symbol, shares',
  },
  priceSource: { kind: 'string', default: 'mid', choices: ['mid', 'last'], description: 'price watched for moves: mid or last' },
} as const satisfies Schema;

/**
 * Defaults overlaid with `overrides`, checked with the same field rules as the flags
 * (config/schema.ts checkValues): every problem at once in one E_CONFIG_INVALID, unknown
 * keys refused.
 */
export function resolveSeedStrategyConfig(overrides: Partial<SeedStrategyConfig> = {}): SeedStrategyConfig {
  const config = checkValues(SEED_STRATEGY_FIELDS, overrides, 'seed strategy configuration');
  if (config.maxPosition < config.orderQuantity) {
    throw configError([`maxPosition (${config.maxPosition}) must be ≥ orderQuantity (${config.orderQuantity})`]);
  }
  return config;
}

export const DEFAULT_SEED_STRATEGY_CONFIG: Readonly<SeedStrategyConfig> = Object.freeze(resolveSeedStrategyConfig());
