import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, TradingError } from '../../src/core/errors.js';
import { midPrice } from '../../src/core/book.js';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { OrderType, Side, TimeInForce, type Order } from '../../src/protocol/messages.js';
import {
  checkBookUsable,
  checkOrderFields,
  checkOrderLimits,
  createRiskVerdict,
  marketPriceBound,
  type Exposure,
} from '../../src/ordermanager/risk.js';
import { DEFAULT_RISK_LIMITS, parseRiskLimits } from '../../src/ordermanager/risk-limits.js';
import { TokenBucketRateLimiter } from '../../src/ordermanager/rate-limiter.js';
import { makeBook, makeOrder, standardBook } from './fixtures.js';

function fieldsCode(order: Order): string | null {
  const verdict = createRiskVerdict();
  const ok = checkOrderFields(order, verdict);
  assert.equal(ok, verdict.code === null);
  if (!ok) assert.ok(verdict.reason.length > 0, 'a reject has a reason');
  return verdict.code;
}

const flat: Exposure = { netPosition: 0, restingBuyQuantity: 0, restingSellQuantity: 0 };
const limits = parseRiskLimits({ maxOrderQuantity: 1000, maxPosition: 1500, maxNotional: 50_000, priceCollarBps: 100 });
const MID = toPriceUnits(100);

function limitsCode(order: Order, exposure: Exposure = flat): string | null {
  const verdict = createRiskVerdict();
  checkOrderLimits(order, MID, exposure, limits, verdict);
  return verdict.code;
}

test('a well-formed order passes every field check', () => {
  assert.equal(fieldsCode(makeOrder()), null);
  assert.equal(fieldsCode(makeOrder({ orderType: OrderType.MARKET, price: 0 })), null);
  assert.equal(fieldsCode(makeOrder({ timeInForce: TimeInForce.DAY })), null);
});

test('field rejects: id, symbol, side, type, time in force, quantity, price', () => {
  assert.equal(fieldsCode(makeOrder({ orderId: '' })), ErrorCode.ORDER_INVALID);
  assert.equal(fieldsCode(makeOrder({ orderId: 'x'.repeat(65) })), ErrorCode.ORDER_INVALID);
  assert.equal(fieldsCode(makeOrder({ symbol: 'not a symbol' })), ErrorCode.RISK_UNKNOWN_SYMBOL);
  assert.equal(fieldsCode(makeOrder({ side: 0 as Side })), ErrorCode.RISK_BAD_SIDE);
  assert.equal(fieldsCode(makeOrder({ side: 3 as Side })), ErrorCode.RISK_BAD_SIDE);
  assert.equal(fieldsCode(makeOrder({ orderType: 7 as OrderType })), ErrorCode.ORDER_INVALID);
  assert.equal(fieldsCode(makeOrder({ timeInForce: 9 as TimeInForce })), ErrorCode.ORDER_INVALID);
  assert.equal(fieldsCode(makeOrder({ orderType: OrderType.MARKET, timeInForce: TimeInForce.DAY, price: 0 })), ErrorCode.ORDER_INVALID);
  for (const quantity of [0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
    assert.equal(fieldsCode(makeOrder({ quantity })), ErrorCode.RISK_BAD_QUANTITY, `quantity ${quantity}`);
  }
  for (const price of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -1]) {
    assert.equal(fieldsCode(makeOrder({ price })), ErrorCode.RISK_BAD_PRICE, `price ${price}`);
  }
  assert.equal(fieldsCode({ ...makeOrder(), price: 1_000_000.5 }), ErrorCode.RISK_BAD_PRICE, 'fractional price units');
  assert.equal(fieldsCode(makeOrder({ orderType: OrderType.MARKET, price: Number.NaN })), ErrorCode.RISK_BAD_PRICE);
});

test('book checks: unknown symbol, stale book, one-sided book', () => {
  const verdict = createRiskVerdict();
  assert.equal(checkBookUsable('AAPL', 'live', standardBook(), verdict), true);
  assert.equal(checkBookUsable('ZZZ', 'unknown', standardBook(), verdict), false);
  assert.equal(verdict.code, ErrorCode.RISK_UNKNOWN_SYMBOL);
  assert.equal(checkBookUsable('AAPL', 'stale', standardBook(), verdict), false);
  assert.equal(verdict.code, ErrorCode.RISK_STALE_BOOK);
  assert.equal(checkBookUsable('AAPL', 'live', makeBook({ asks: [[100, 10]] }), verdict), false);
  assert.equal(verdict.code, ErrorCode.RISK_NO_LIQUIDITY);
});

test('max order quantity', () => {
  assert.equal(limitsCode(makeOrder({ quantity: 400, price: 100 })), null);
  assert.equal(limitsCode(makeOrder({ quantity: 1001, price: 40 })), ErrorCode.RISK_MAX_QTY);
});

test('max notional uses the limit price, and the collar bound for MARKET', () => {
  assert.equal(limitsCode(makeOrder({ quantity: 500, price: 100 })), null); // 50,000: at the limit
  assert.equal(limitsCode(makeOrder({ quantity: 500, price: 100.01 })), ErrorCode.RISK_MAX_NOTIONAL);
  // MARKET buy 495 shares: bound 101.00 (100 bp above the mid) → 49,995 passes; 496 → 50,096 fails
  assert.equal(limitsCode(makeOrder({ orderType: OrderType.MARKET, price: 0, quantity: 495 })), null);
  assert.equal(limitsCode(makeOrder({ orderType: OrderType.MARKET, price: 0, quantity: 496 })), ErrorCode.RISK_MAX_NOTIONAL);
});

test('price collar on both sides of the mid, boundary included', () => {
  assert.equal(limitsCode(makeOrder({ quantity: 10, price: 101 })), null); // exactly 100 bp
  assert.equal(limitsCode(makeOrder({ quantity: 10, price: 101.0001 })), ErrorCode.RISK_PRICE_COLLAR);
  assert.equal(limitsCode(makeOrder({ quantity: 10, price: 99 })), null);
  assert.equal(limitsCode(makeOrder({ quantity: 10, price: 98.9999 })), ErrorCode.RISK_PRICE_COLLAR);
  assert.equal(limitsCode(makeOrder({ side: Side.SELL, quantity: 10, price: 98.99 })), ErrorCode.RISK_PRICE_COLLAR);
});

test('max position counts resting orders on the same side as filled', () => {
  const order = makeOrder({ quantity: 500, price: 100 });
  assert.equal(limitsCode(order, { netPosition: 1000, restingBuyQuantity: 0, restingSellQuantity: 0 }), null);
  assert.equal(limitsCode(order, { netPosition: 1001, restingBuyQuantity: 0, restingSellQuantity: 0 }), ErrorCode.RISK_MAX_POSITION);
  assert.equal(limitsCode(order, { netPosition: 600, restingBuyQuantity: 401, restingSellQuantity: 0 }), ErrorCode.RISK_MAX_POSITION);
  // resting sells cannot make a buy's worst case worse
  assert.equal(limitsCode(order, { netPosition: 600, restingBuyQuantity: 0, restingSellQuantity: 900 }), null);
  const sell = makeOrder({ side: Side.SELL, quantity: 500, price: 100 });
  assert.equal(limitsCode(sell, { netPosition: 1400, restingBuyQuantity: 0, restingSellQuantity: 0 }), null, 'selling out of a long');
  assert.equal(limitsCode(sell, { netPosition: -1001, restingBuyQuantity: 0, restingSellQuantity: 0 }), ErrorCode.RISK_MAX_POSITION);
  assert.equal(limitsCode(sell, { netPosition: 0, restingBuyQuantity: 0, restingSellQuantity: 1001 }), ErrorCode.RISK_MAX_POSITION);
});

test('market price bound is the mid moved by the collar, rounded inwards', () => {
  const mid = midPrice(makeBook({ bids: [[99.99, 1]], asks: [[100.02, 1]] })); // 100.005 → 1000050 units
  assert.equal(mid, 1_000_050);
  assert.equal(marketPriceBound(Side.BUY, mid, limits), Math.floor((1_000_050 * 10_100) / 10_000));
  assert.equal(marketPriceBound(Side.SELL, mid, limits), Math.ceil((1_000_050 * 9_900) / 10_000));
});

test('risk limits: defaults, overrides, every bad field reported at once, unknown keys refused', () => {
  assert.deepEqual(parseRiskLimits(), DEFAULT_RISK_LIMITS);
  assert.equal(parseRiskLimits({ maxOrderQuantity: 7 }).maxOrderQuantity, 7);
  assert.equal(Object.isFrozen(parseRiskLimits({})), true);
  assert.throws(
    () => parseRiskLimits({ maxOrderQuantity: 0, maxNotional: Number.NaN, priceCollarBps: 20_000, maxPositon: 5 }),
    (err: unknown) => {
      assert.ok(err instanceof TradingError);
      assert.equal(err.code, ErrorCode.CONFIG_INVALID);
      for (const field of ['maxOrderQuantity', 'maxNotional', 'priceCollarBps', 'maxPositon: unknown setting']) {
        assert.match(err.message, new RegExp(field), field);
      }
      return true;
    },
  );
  assert.throws(() => parseRiskLimits('fast'), { code: ErrorCode.CONFIG_INVALID });
  assert.throws(() => parseRiskLimits({ orderBurst: 1.5 }), /orderBurst/);
});

test('token bucket: burst, then refill at the rate, per client', () => {
  const limiter = new TokenBucketRateLimiter(10, 3); // 10/s, burst 3
  const t0 = 5e9;
  assert.equal(limiter.tryTake('a', t0), true);
  assert.equal(limiter.tryTake('a', t0), true);
  assert.equal(limiter.tryTake('a', t0), true);
  assert.equal(limiter.tryTake('a', t0), false, 'burst spent');
  assert.equal(limiter.tryTake('b', t0), true, 'another client has its own bucket');
  assert.equal(limiter.tryTake('a', t0 + 99e6), false, '0.99 of a token after 99 ms');
  assert.equal(limiter.tryTake('a', t0 + 100e6), true, 'one token after 100 ms');
  assert.equal(limiter.tryTake('a', t0 + 100e6), false);
  assert.equal(limiter.tryTake('a', t0 + 100e9), true, 'idle refills');
  assert.ok(limiter.available('a') <= 2, 'never beyond the burst');
  assert.equal(limiter.tryTake('a', t0), true, 'time going backwards refills nothing but does not break');
});
