/**
 * Pre-trade risk checks, pure: each takes the order and what it needs to know, and on
 * failure fills a reusable verdict with a stable code (core/errors.ts) and a reason for
 * humans. They return booleans, never throw, and allocate only to word a rejection.
 *
 * The order manager runs them cheapest first:
 *   checkOrderFields → rate limit → duplicate id → checkBookUsable → checkOrderLimits
 */
import type { L2Book } from '../core/book.js';
import { ErrorCode } from '../core/errors.js';
import { formatPrice, PRICE_SCALE } from '../core/fixed-point.js';
import { MAX_ORDER_ID_LENGTH, OrderType, Side, SYMBOL_PATTERN, TimeInForce, type Order } from '../protocol/messages.js';
import type { BookStatus } from '../core/book-source.js';
import type { RiskLimits } from './risk-limits.js';

export interface RiskVerdict {
  /** null while the order passes. */
  code: ErrorCode | null;
  reason: string;
}

export function createRiskVerdict(): RiskVerdict {
  return { code: null, reason: '' };
}

function reject(verdict: RiskVerdict, code: ErrorCode, reason: string): false {
  verdict.code = code;
  verdict.reason = reason;
  return false;
}

/** What the order manager holds in a symbol, for the worst-case position check. */
export interface Exposure {
  /** Signed net position, shares. */
  netPosition: number;
  /** Leaves quantity of resting buy orders, shares. */
  restingBuyQuantity: number;
  /** Leaves quantity of resting sell orders, shares. */
  restingSellQuantity: number;
}

/** The order's own fields: id, symbol spelling, side, type, time in force, quantity, price. */
export function checkOrderFields(order: Readonly<Order>, verdict: RiskVerdict): boolean {
  const id = order.orderId;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ORDER_ID_LENGTH) {
    return reject(verdict, ErrorCode.ORDER_INVALID, `order id must be 1..${MAX_ORDER_ID_LENGTH} characters`);
  }
  if (typeof order.symbol !== 'string' || !SYMBOL_PATTERN.test(order.symbol)) {
    return reject(verdict, ErrorCode.RISK_UNKNOWN_SYMBOL, `unknown symbol ${JSON.stringify(order.symbol)}`);
  }
  if (order.side !== Side.BUY && order.side !== Side.SELL) {
    return reject(verdict, ErrorCode.RISK_BAD_SIDE, `side must be BUY or SELL, got ${String(order.side)}`);
  }
  if (order.orderType !== OrderType.LIMIT && order.orderType !== OrderType.MARKET) {
    return reject(verdict, ErrorCode.ORDER_INVALID, `order type must be LIMIT or MARKET, got ${String(order.orderType)}`);
  }
  if (order.timeInForce !== TimeInForce.IOC && order.timeInForce !== TimeInForce.DAY) {
    return reject(verdict, ErrorCode.ORDER_INVALID, `time in force must be IOC or DAY, got ${String(order.timeInForce)}`);
  }
  if (order.orderType === OrderType.MARKET && order.timeInForce === TimeInForce.DAY) {
    return reject(verdict, ErrorCode.ORDER_INVALID, 'a MARKET order cannot rest: use IOC, or a DAY LIMIT');
  }
  const quantity = order.quantity;
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity <= 0) {
    return reject(verdict, ErrorCode.RISK_BAD_QUANTITY, `quantity must be a positive integer, got ${String(quantity)}`);
  }
  const price = order.price;
  if (order.orderType === OrderType.LIMIT) {
    if (typeof price !== 'number' || !Number.isFinite(price) || price <= 0) {
      return reject(verdict, ErrorCode.RISK_BAD_PRICE, `limit price must be a finite number > 0, got ${String(price)}`);
    }
    if (!Number.isSafeInteger(price)) {
      return reject(verdict, ErrorCode.RISK_BAD_PRICE, `limit price must be a whole number of price units (1/${PRICE_SCALE}), got ${price}`);
    }
  } else if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) {
    // A MARKET order's price is ignored (it executes up to the collar), but garbage is not.
    return reject(verdict, ErrorCode.RISK_BAD_PRICE, `a MARKET order's price must be 0 or a finite number > 0, got ${String(price)}`);
  }
  return true;
}

/** The book exists, is live and has both sides (the collar needs a mid). */
export function checkBookUsable(symbol: string, status: BookStatus, book: L2Book, verdict: RiskVerdict): boolean {
  if (status === 'unknown') return reject(verdict, ErrorCode.RISK_UNKNOWN_SYMBOL, `unknown symbol ${symbol}`);
  if (status === 'stale') return reject(verdict, ErrorCode.RISK_STALE_BOOK, `the book of ${symbol} is stale (its writer is gone or silent)`);
  if (book.bidCount === 0 || book.askCount === 0) {
    return reject(verdict, ErrorCode.RISK_NO_LIQUIDITY, `the book of ${symbol} is one-sided or empty: no mid to check the price against`);
  }
  return true;
}

/**
 * The furthest price a MARKET order may execute at: the mid moved by the collar, rounded
 * inwards to whole price units.
 */
export function marketPriceBound(side: Side, mid: number, limits: RiskLimits): number {
  return side === Side.BUY
    ? Math.floor((mid * (10_000 + limits.priceCollarBps)) / 10_000)
    : Math.ceil((mid * (10_000 - limits.priceCollarBps)) / 10_000);
}

/**
 * Size, notional, collar and worst-case position. `mid` is in price units and finite
 * (checkBookUsable passed). All arithmetic is on integers below 2^53, so exact.
 */
export function checkOrderLimits(
  order: Readonly<Order>,
  mid: number,
  exposure: Readonly<Exposure>,
  limits: RiskLimits,
  verdict: RiskVerdict,
): boolean {
  const quantity = order.quantity;
  if (quantity > limits.maxOrderQuantity) {
    return reject(verdict, ErrorCode.RISK_MAX_QTY, `quantity ${quantity} is over the maximum order quantity ${limits.maxOrderQuantity}`);
  }
  const isMarket = order.orderType === OrderType.MARKET;
  const worstPrice = isMarket ? marketPriceBound(order.side, mid, limits) : order.price;
  const notionalUnits = worstPrice * quantity;
  if (notionalUnits > limits.maxNotional * PRICE_SCALE) {
    return reject(
      verdict,
      ErrorCode.RISK_MAX_NOTIONAL,
      `notional ${formatPrice(notionalUnits)} (${quantity} × ${formatPrice(worstPrice, 4)}) is over the maximum ${limits.maxNotional}`,
    );
  }
  // |price - mid| / mid > collar, without division: both sides scaled by 10000.
  if (!isMarket && Math.abs(order.price - mid) * 10_000 > limits.priceCollarBps * mid) {
    return reject(
      verdict,
      ErrorCode.RISK_PRICE_COLLAR,
      `price ${formatPrice(order.price, 4)} is more than ${limits.priceCollarBps} bp from the mid ${formatPrice(mid, 4)}`,
    );
  }
  const worstPosition =
    order.side === Side.BUY
      ? exposure.netPosition + exposure.restingBuyQuantity + quantity
      : -exposure.netPosition + exposure.restingSellQuantity + quantity;
  if (worstPosition > limits.maxPosition) {
    const direction = order.side === Side.BUY ? 'long' : 'short';
    return reject(
      verdict,
      ErrorCode.RISK_MAX_POSITION,
      `position could reach ${worstPosition} ${direction} (net ${exposure.netPosition}, resting ${
        order.side === Side.BUY ? exposure.restingBuyQuantity : exposure.restingSellQuantity
      }, order ${quantity}), over the maximum ${limits.maxPosition}`,
    );
  }
  return true;
}
