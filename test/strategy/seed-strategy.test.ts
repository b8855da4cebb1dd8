import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TradingError } from '../../src/core/errors.js';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { ExecutionStatus, OrderType, Side, TimeInForce } from '../../src/protocol/messages.js';
import { SeedStrategy, nextSentimentEma } from '../../src/strategy/seed-strategy.js';
import { DEFAULT_SEED_STRATEGY_CONFIG, type SeedStrategyConfig } from '../../src/strategy/seed-strategy-config.js';
import type { BookStatus } from '../../src/strategy/strategy.js';
import { harness, newsOf, reportFor, tickOf, type Harness } from './fixtures.js';

const T0 = 1_700_000_000; // epoch seconds

interface Seeded {
  h: Harness;
  strategy: SeedStrategy;
  /** Put a book with this mid (±0.01) at market time t (seconds after T0) and send its tick. */
  tickAt(seconds: number, mid: number, status?: BookStatus): void;
  news(...scores: number[]): void;
}

/** The seed's own thresholds (0.5 %, ±0.3), which these tests exercise, over a 1 s window. */
function seeded(config: Partial<SeedStrategyConfig> = {}, symbol = 'AAPL'): Seeded {
  const strategy = new SeedStrategy({ lookbackMs: 1000, priceChangeThreshold: 0.005, sentimentThreshold: 0.3, ...config });
  const h = harness(strategy);
  h.engine.start();
  let sentNs = 5_000;
  return {
    h,
    strategy,
    tickAt(seconds, mid, status = 'live') {
      h.books.set(symbol, { bid: mid - 0.01, ask: mid + 0.01, timestamp: T0 + seconds }, status);
      h.engine.onMarketData(tickOf(symbol, T0 + seconds, (sentNs += 1000)));
    },
    news(...scores) {
      for (const score of scores) h.engine.onNews(newsOf(symbol, score));
    },
  };
}

test('the sentiment EMA is α·score + (1 − α)·previous from 0, per symbol', () => {
  assert.equal(nextSentimentEma(0, 1, 0.3), 0.3);
  assert.equal(nextSentimentEma(0.3, 1, 0.3), 0.3 + 0.7 * 0.3);
  const { strategy, h } = seeded();
  h.engine.onNews(newsOf('AAPL', 0.8));
  h.engine.onNews(newsOf('AAPL', -0.4));
  h.engine.onNews(newsOf('MSFT', -1));
  assert.ok(Math.abs(strategy.sentimentEma('AAPL') - (0.3 * -0.4 + 0.7 * (0.3 * 0.8))) < 1e-12);
  assert.equal(strategy.sentimentEma('MSFT'), -0.3);
  assert.equal(strategy.sentimentEma('TSLA'), 0);
});

test('a rise beyond the threshold with a positive EMA buys at the ask, IOC, carrying the tick stamp', () => {
  const s = seeded();
  s.news(1, 1); // EMA 0.51
  s.tickAt(0, 100);
  s.tickAt(0.5, 100.2);
  assert.equal(s.h.orders().length, 0, 'no full window yet');
  s.h.clock.advanceMs(7);
  s.tickAt(1, 100.6); // +0.6% over 1 s
  const orders = s.h.orders();
  assert.equal(orders.length, 1);
  const [order] = orders;
  assert.equal(order.orderId, 'test-1');
  assert.equal(order.symbol, 'AAPL');
  assert.equal(order.side, Side.BUY);
  assert.equal(order.orderType, OrderType.LIMIT);
  assert.equal(order.timeInForce, TimeInForce.IOC);
  assert.equal(order.price, toPriceUnits(100.61), 'marketable: at the best ask');
  assert.equal(order.quantity, 100);
  assert.equal(order.tickSentNs, 8_000, "the third tick's gateway stamp");
  assert.equal(order.orderSentNs, s.h.clock.ns);
  assert.ok(Math.abs((order.signalData?.['price_change'] as number) - 0.006) < 1e-9);
  assert.equal(s.strategy.counters.buySignals, 1);
});

test('a fall beyond the threshold with a negative EMA sells at the bid', () => {
  const s = seeded();
  s.news(-0.9, -0.9); // EMA −0.459
  s.tickAt(0, 100);
  s.tickAt(1, 99.4);
  const orders = s.h.orders();
  assert.equal(orders.length, 1);
  assert.equal(orders[0].side, Side.SELL);
  assert.equal(orders[0].price, toPriceUnits(99.39));
  assert.equal(s.strategy.counters.sellSignals, 1);
});

test('no trade when the EMA disagrees with the move or does not pass the threshold', () => {
  const cases: { name: string; scores: number[]; to: number }[] = [
    { name: 'rise, negative news', scores: [-1, -1], to: 100.6 },
    { name: 'fall, positive news', scores: [1, 1], to: 99.4 },
    { name: 'rise, EMA exactly +0.3', scores: [1], to: 100.6 },
    { name: 'fall, EMA exactly −0.3', scores: [-1], to: 99.4 },
    { name: 'rise, no news', scores: [], to: 100.6 },
  ];
  for (const c of cases) {
    const s = seeded();
    s.news(...c.scores);
    s.tickAt(0, 100);
    s.tickAt(1, c.to);
    assert.equal(s.h.orders().length, 0, c.name);
  }
});

test('no trade when the move is within the threshold, including exactly 0.5%', () => {
  for (const to of [100.4, 100.5, 99.5, 100]) {
    const s = seeded();
    s.news(1, 1);
    s.tickAt(0, 100);
    s.tickAt(1, to);
    assert.equal(s.h.orders().length, 0, `to ${to}`);
  }
});

test('lookback 0 is the seed: tick to tick', () => {
  const s = seeded({ lookbackMs: 0 });
  s.news(1, 1);
  s.tickAt(0, 100);
  s.tickAt(0.1, 100.3); // +0.3%: nothing
  assert.equal(s.h.orders().length, 0);
  s.tickAt(0.2, 100.9); // +0.6% since the previous tick
  assert.equal(s.h.orders().length, 1);
});

test('a symbol trades at most once per cooldown while the signal persists', () => {
  const s = seeded({ cooldownMs: 1000 });
  s.news(1, 1);
  s.tickAt(0, 100);
  s.tickAt(1, 100.6);
  s.h.clock.advanceMs(999);
  s.tickAt(1.1, 100.7);
  assert.equal(s.h.orders().length, 1, 'still cooling down');
  assert.equal(s.strategy.counters.cooldown, 1);
  s.h.clock.advanceMs(1);
  s.tickAt(1.2, 100.8);
  assert.equal(s.h.orders().length, 2);
  // Another symbol has its own cooldown.
  s.h.engine.onNews(newsOf('MSFT', 1));
  s.h.engine.onNews(newsOf('MSFT', 1));
  s.h.books.set('MSFT', { bid: 49.99, ask: 50.01, timestamp: T0 });
  s.h.engine.onMarketData(tickOf('MSFT', T0));
  s.h.books.set('MSFT', { bid: 50.49, ask: 50.51, timestamp: T0 + 1 });
  s.h.engine.onMarketData(tickOf('MSFT', T0 + 1));
  assert.equal(s.h.orders().length, 3);
});

test('the position cap counts open orders and clips the last order to the room left', () => {
  const s = seeded({ cooldownMs: 0, orderQuantity: 100, maxPosition: 250 });
  s.news(1, 1);
  s.tickAt(0, 100);
  s.tickAt(1, 100.6);
  s.tickAt(1.1, 100.7); // the first order is still open: its 100 count
  s.tickAt(1.2, 100.8);
  s.tickAt(1.3, 100.9);
  const quantities = s.h.orders().map((o) => o.quantity);
  assert.deepEqual(quantities, [100, 100, 50]);
  assert.equal(s.strategy.counters.positionCap, 1);
  // Fills turn exposure into position; the cap still holds.
  for (const order of s.h.orders()) {
    s.h.engine.onExecutionReport(
      reportFor(order, ExecutionStatus.FILLED, { lastQuantity: order.quantity, lastPrice: order.price, filled: order.quantity, averagePrice: order.price }),
    );
  }
  assert.equal(s.h.engine.tracker.position('AAPL').quantity, 250);
  s.tickAt(1.4, 101);
  assert.equal(s.h.orders().length, 3);
  // A canceled IOC frees its room.
  const sell = seeded({ cooldownMs: 0, orderQuantity: 100, maxPosition: 100 });
  sell.news(-1, -1);
  sell.tickAt(0, 100);
  sell.tickAt(1, 99.4);
  sell.tickAt(1.1, 99.3);
  assert.equal(sell.h.orders().length, 1);
  sell.h.engine.onExecutionReport(reportFor(sell.h.orders()[0], ExecutionStatus.CANCELED));
  sell.tickAt(1.2, 99.2);
  assert.equal(sell.h.orders().length, 2);
});

test('a stale or unknown book never trades, and its prices do not enter the window', () => {
  const s = seeded();
  s.news(1, 1);
  s.tickAt(0, 100);
  s.tickAt(1, 100.6, 'stale');
  assert.equal(s.h.orders().length, 0);
  assert.equal(s.strategy.counters.notLive, 1);
  assert.equal(s.h.engine.counters.staleBookReads, 1);
  s.h.engine.onMarketData(tickOf('NOBOOK', T0 + 1));
  assert.equal(s.strategy.counters.notLive, 2);
  assert.equal(s.h.engine.counters.unknownBookReads, 1);
  // Live again: the move is measured from live prices only.
  s.tickAt(1.1, 100.6);
  assert.equal(s.h.orders().length, 1);
});

test('the last trade can be the watched price', () => {
  const s = seeded({ priceSource: 'last' });
  s.news(1, 1);
  s.h.books.set('AAPL', { bid: 99.99, ask: 100.01, last: 100, timestamp: T0 });
  s.h.engine.onMarketData(tickOf('AAPL', T0));
  s.h.books.set('AAPL', { bid: 99.99, ask: 100.01, last: 100.6, timestamp: T0 + 1 });
  s.h.engine.onMarketData(tickOf('AAPL', T0 + 1));
  assert.equal(s.h.orders().length, 1, 'mid unchanged, last +0.6%');
});

test('defaults are the calibrated seed rule (0.05 % over 10 s, EMA α 0.3 beyond ±0.2); bad settings are all reported at once', () => {
  const strategy = new SeedStrategy();
  assert.deepEqual(strategy.config, DEFAULT_SEED_STRATEGY_CONFIG);
  assert.equal(strategy.config.priceChangeThreshold, 0.0005);
  assert.equal(strategy.config.sentimentAlpha, 0.3);
  assert.equal(strategy.config.sentimentThreshold, 0.2);
  assert.equal(strategy.config.lookbackMs, 10_000);
  assert.equal(strategy.config.cooldownMs, 500);
  assert.equal(strategy.config.maxPosition, 20_000);
  try {
    new SeedStrategy({ sentimentAlpha: 0, orderQuantity: 1.5, lookbackMs: -1, priceSource: 'vwap' as 'mid', bogus: 1 } as Partial<SeedStrategyConfig>);
    assert.fail('expected a configuration error');
  } catch (err) {
    assert.ok(err instanceof TradingError);
    assert.equal(err.code, 'E_CONFIG_INVALID');
    for (const field of ['sentimentAlpha', 'orderQuantity', 'lookbackMs', 'priceSource', 'bogus']) {
      assert.match(err.message, new RegExp(field));
    }
  }
  assert.throws(() => new SeedStrategy({ orderQuantity: 500, maxPosition: 100 }), /maxPosition \(100\) must be ≥ orderQuantity \(500\)/);
  assert.throws(() => new SeedStrategy({ priceChangeThreshold: Number.NaN }), /priceChangeThreshold: expected a number, got NaN/);
});
