/**
 * The order manager's risk limits: one validated, frozen object. `parseRiskLimits` takes
 * partial input (a config file section, flags already turned into numbers), fills in the
 * defaults, refuses unknown keys and reports every bad field at once.
 */
import { ErrorCode, TradingError } from '../core/errors.js';

export interface RiskLimits {
  /** Largest quantity of one order, shares. */
  readonly maxOrderQuantity: number;
  /**
   * Largest absolute net position per symbol, shares, in the worst case: the current
   * position plus every resting order on the same side filling, plus the new order.
   */
  readonly maxPosition: number;
  /** Largest value of one order (limit price, or the collar bound for MARKET, × quantity), currency units. */
  readonly maxNotional: number;
  /** A limit price may differ from the mid by at most this many basis points (1 bp = 0.01 %). MARKET orders execute no further than this from the mid. */
  readonly priceCollarBps: number;
  /** Orders per second each client may send on average (token bucket refill rate). */
  readonly ordersPerSecond: number;
  /** Orders a client may send at once after being idle (token bucket size). */
  readonly orderBurst: number;
}

/**
 * Defaults sized for one strategy and for the throughput benchmark (one client sending
 * 100k+ orders/s must not be throttled by default; a runaway loop sending millions is).
 */
export const DEFAULT_RISK_LIMITS = Object.freeze({
  maxOrderQuantity: 10_000,
  maxPosition: 100_000,
  maxNotional: 5_000_000,
  priceCollarBps: 500,
  ordersPerSecond: 200_000,
  orderBurst: 200_000,
} satisfies RiskLimits);

type LimitRule = (value: unknown) => string | undefined;

function positiveInteger(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? undefined : 'must be a positive integer';
}

function positiveNumber(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? undefined : 'must be a finite number > 0';
}

function basisPoints(value: unknown): string | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 10_000
    ? undefined
    : 'must be an integer number of basis points in 1..10000';
}

const RULES: Record<keyof RiskLimits, LimitRule> = {
  maxOrderQuantity: positiveInteger,
  maxPosition: positiveInteger,
  maxNotional: positiveNumber,
  priceCollarBps: basisPoints,
  ordersPerSecond: positiveNumber,
  orderBurst: positiveInteger,
};

/** Defaults ← `input`; throws E_CONFIG_INVALID naming every bad or unknown field. */
export function parseRiskLimits(input: unknown = {}): RiskLimits {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TradingError(ErrorCode.CONFIG_INVALID, 'risk limits must be an object');
  }
  const given = input as Record<string, unknown>;
  const problems: string[] = [];
  const merged: Record<string, number> = { ...DEFAULT_RISK_LIMITS };
  for (const key of Object.keys(given)) {
    const rule = (RULES as Record<string, LimitRule | undefined>)[key];
    if (rule === undefined) {
      problems.push(`${key}: unknown setting (known: ${Object.keys(RULES).join(', ')})`);
      continue;
    }
    const value = given[key];
    if (value === undefined) continue;
    const problem = rule(value);
    if (problem !== undefined) problems.push(`${key}: ${problem}, got ${JSON.stringify(value) ?? String(value)}`);
    else merged[key] = value as number;
  }
  if (problems.length > 0) {
    throw new TradingError(ErrorCode.CONFIG_INVALID, `invalid risk limits: ${problems.join('; ')}`);
  }
  return Object.freeze(merged as unknown as RiskLimits);
}
