/**
 * The order manager's risk limits: one validated, frozen object. `parseRiskLimits` takes
 * partial input (a config file section, options in code), fills in the defaults, refuses
 * unknown keys and reports every bad field at once, with the same rules as the flags.
 */
import { checkValues, type Schema } from '../config/schema.js';

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

/**
 * The limits as config fields: the order manager's flags spread these, and
 * parseRiskLimits checks an object with them, so a limit has one rule wherever it is set.
 */
export const RISK_LIMIT_FIELDS = {
  maxOrderQuantity: {
    kind: 'integer',
    default: DEFAULT_RISK_LIMITS.maxOrderQuantity,
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    description: 'largest quantity of one order, shares',
  },
  maxPosition: {
    kind: 'integer',
    default: DEFAULT_RISK_LIMITS.maxPosition,
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    description: 'largest worst-case net position per symbol, shares',
  },
  maxNotional: { kind: 'number', default: DEFAULT_RISK_LIMITS.maxNotional, min: 0.0001, description: 'largest value of one order, currency units' },
  priceCollarBps: {
    kind: 'integer',
    default: DEFAULT_RISK_LIMITS.priceCollarBps,
    min: 1,
    max: 10_000,
    description: 'a limit price may be at most this many basis points from the mid',
  },
  ordersPerSecond: { kind: 'number', default: DEFAULT_RISK_LIMITS.ordersPerSecond, min: 0.001, description: 'order rate per client (token bucket refill)' },
  orderBurst: {
    kind: 'integer',
    default: DEFAULT_RISK_LIMITS.orderBurst,
    min: 1,
    max: Number.MAX_SAFE_INTEGER,
    description: 'orders a client may send at once (token bucket size)',
  },
} as const satisfies Schema;

/** The limits out of a config that spreads RISK_LIMIT_FIELDS (already checked by its schema). */
export function riskLimitsOf(config: RiskLimits): RiskLimits {
  return Object.freeze({
    maxOrderQuantity: config.maxOrderQuantity,
    maxPosition: config.maxPosition,
    maxNotional: config.maxNotional,
    priceCollarBps: config.priceCollarBps,
    ordersPerSecond: config.ordersPerSecond,
    orderBurst: config.orderBurst,
  });
}

/** Defaults ← `input`; throws E_CONFIG_INVALID naming every bad or unknown field. */
export function parseRiskLimits(input: unknown = {}): RiskLimits {
  return riskLimitsOf(checkValues(RISK_LIMIT_FIELDS, input, 'risk limits'));
}
