/**
 * The seed strategy's parameters: defaults, bounds and validation. The fields use the
 * config schema's kinds, so the `trading strategy` command can take them as flags
 * (`--lookback-ms 10000`), environment (`TRADING_LOOKBACK_MS`) or config-file keys, and a
 * program that builds the strategy directly gets the same checks from
 * `resolveSeedStrategyConfig`.
 *
 * Why the defaults:
 * - `priceChangeThreshold` 0.5%, `sentimentAlpha` 0.3, `sentimentThreshold` 0.3: the
 *   seed's rule, kept.
 * - `lookbackMs` 10 s: the seed measured the change tick to tick (100 ms), where a
 *   realistic price path almost never moves 0.5%. For the rule to fire steadily the
 *   threshold should sit near one standard deviation of the window's return: with a
 *   per-tick (100 ms) volatility around 0.05%, that is sqrt(100 ticks) × 0.05% = 0.5% over
 *   10 s. The figure is provisional: it is calibrated against the market model once that
 *   exists, and `lookbackMs` 0 restores the seed's tick-to-tick rule.
 * - `orderQuantity` 100, `maxPosition` 1000: ten same-way signals fill the cap, so the
 *   strategy keeps trading both ways instead of piling up one side.
 * - `cooldownMs` 1000: at most one order per symbol per second, well under an order
 *   manager's per-client rate limit while the signal persists for several ticks.
 */
import type { Schema } from '../config/schema.js';
import { ErrorCode, TradingError } from '../core/errors.js';
import type { PriceSource } from './price-window.js';

export interface SeedStrategyConfig {
  /** Relative change over the lookback that counts as a move (0.005 = 0.5%). */
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
    default: 0.005,
    min: 0.000001,
    max: 1,
    description: 'relative price change over the lookback that counts as a move (0.005 = 0.5%)',
  },
  sentimentAlpha: { kind: 'number', default: 0.3, min: 0.001, max: 1, description: 'weight of each news score in the sentiment EMA' },
  sentimentThreshold: {
    kind: 'number',
    default: 0.3,
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
  cooldownMs: { kind: 'integer', default: 1000, min: 0, max: 3_600_000, description: 'minimum ms between two orders of one symbol' },
  maxPosition: {
    kind: 'integer',
    default: 1000,
    min: 1,
    max: 1_000_000_000,
    description: 'cap on |position + open orders| per symbol, shares',
  },
  priceSource: { kind: 'string', default: 'mid', choices: ['mid', 'last'], description: 'price watched for moves: mid or last' },
} as const satisfies Schema;

export const DEFAULT_SEED_STRATEGY_CONFIG: Readonly<SeedStrategyConfig> = Object.freeze({
  priceChangeThreshold: SEED_STRATEGY_FIELDS.priceChangeThreshold.default,
  sentimentAlpha: SEED_STRATEGY_FIELDS.sentimentAlpha.default,
  sentimentThreshold: SEED_STRATEGY_FIELDS.sentimentThreshold.default,
  lookbackMs: SEED_STRATEGY_FIELDS.lookbackMs.default,
  orderQuantity: SEED_STRATEGY_FIELDS.orderQuantity.default,
  cooldownMs: SEED_STRATEGY_FIELDS.cooldownMs.default,
  maxPosition: SEED_STRATEGY_FIELDS.maxPosition.default,
  priceSource: SEED_STRATEGY_FIELDS.priceSource.default,
});

/**
 * Defaults overlaid with `overrides`, checked: every problem is reported at once in one
 * TradingError E_CONFIG_INVALID, and unknown keys are refused.
 */
export function resolveSeedStrategyConfig(overrides: Partial<SeedStrategyConfig> = {}): SeedStrategyConfig {
  const problems: string[] = [];
  const config: SeedStrategyConfig = { ...DEFAULT_SEED_STRATEGY_CONFIG };
  const fields: Schema = SEED_STRATEGY_FIELDS;
  for (const [key, value] of Object.entries(overrides) as [string, unknown][]) {
    const field = fields[key];
    if (field === undefined) {
      problems.push(`unknown key "${key}" (known: ${Object.keys(fields).join(', ')})`);
      continue;
    }
    if (value === undefined) continue;
    if (field.kind === 'number' || field.kind === 'integer') {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        problems.push(`${key}: expected a finite number, got ${JSON.stringify(value)}`);
      } else if (field.kind === 'integer' && !Number.isInteger(value)) {
        problems.push(`${key}: expected an integer, got ${value}`);
      } else if (field.min !== undefined && value < field.min) {
        problems.push(`${key}: must be ≥ ${field.min}, got ${value}`);
      } else if (field.max !== undefined && value > field.max) {
        problems.push(`${key}: must be ≤ ${field.max}, got ${value}`);
      } else {
        (config as unknown as Record<string, unknown>)[key] = value;
      }
    } else if (field.kind === 'string') {
      if (typeof value !== 'string' || (field.choices !== undefined && !field.choices.includes(value))) {
        problems.push(`${key}: must be one of ${field.choices?.join(', ') ?? 'a string'}, got ${JSON.stringify(value)}`);
      } else {
        (config as unknown as Record<string, unknown>)[key] = value;
      }
    }
  }
  if (problems.length === 0 && config.maxPosition < config.orderQuantity) {
    problems.push(`maxPosition (${config.maxPosition}) must be ≥ orderQuantity (${config.orderQuantity})`);
  }
  if (problems.length > 0) {
    throw new TradingError(ErrorCode.CONFIG_INVALID, `invalid seed strategy configuration:\n  ${problems.join('\n  ')}`);
  }
  return config;
}
