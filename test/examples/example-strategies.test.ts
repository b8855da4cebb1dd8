/**
 * The strategies of examples/strategies, loaded from their files as a user would load them
 * (no import from the project inside them), driven through the real engine with a book the
 * test sets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { ExecutionStatus, MessageType, OrderType, Side, TimeInForce, type Cancel } from '../../src/protocol/messages.js';
import { loadStrategyModule } from '../../src/strategy/strategy-module.js';
import { harness, reportFor, tickOf } from '../strategy/fixtures.js';

// dist/test/examples → the repository's examples folder
const EXAMPLES = fileURLToPath(new URL('../../../examples/strategies/', import.meta.url));
const T0 = 1_700_000_000;

test('mean reversion buys a dip below its average at the ask, IOC, and closes once the price is back', async () => {
  const strategy = await loadStrategyModule(`${EXAMPLES}mean-reversion.mjs`);
  assert.equal(strategy.name, 'mean-reversion');
  const h = harness(strategy);
  h.engine.start();
  for (let i = 0; i < 30; i++) {
    h.books.set('AAPL', { bid: 99.99, ask: 100.01, timestamp: T0 + i });
    h.engine.onMarketData(tickOf('AAPL', T0 + i));
  }
  assert.equal(h.sent.length, 0, 'no signal at the average');
  h.books.set('AAPL', { bid: 99.8, ask: 99.82, timestamp: T0 + 31 });
  h.engine.onMarketData(tickOf('AAPL', T0 + 31));
  const [buy] = h.orders();
  assert.ok(buy !== undefined, 'a dip of ~19 bps buys');
  assert.equal(buy.side, Side.BUY);
  assert.equal(buy.timeInForce, TimeInForce.IOC);
  assert.equal(buy.price, toPriceUnits(99.82));
  assert.equal(buy.quantity, 10);
  h.books.set('AAPL', { bid: 99.7, ask: 99.72, timestamp: T0 + 32 });
  h.engine.onMarketData(tickOf('AAPL', T0 + 32));
  assert.equal(h.orders().length, 1, 'one order at a time');
  h.engine.onExecutionReport(reportFor(buy, ExecutionStatus.FILLED, { lastQuantity: 10, lastPrice: buy.price, filled: 10, averagePrice: buy.price }));
  assert.equal(h.engine.context.position('AAPL').quantity, 10);
  // the price comes back: well above the dragged-down average, the position is sold
  h.books.set('AAPL', { bid: 100.1, ask: 100.12, timestamp: T0 + 40 });
  h.engine.onMarketData(tickOf('AAPL', T0 + 40));
  const close = h.orders()[1];
  assert.ok(close !== undefined, 'sells when the price is back above the average');
  assert.equal(close.side, Side.SELL);
  assert.equal(close.price, toPriceUnits(100.1));
  assert.equal(close.quantity, 10);
});

test('mean reversion takes its options from a JSON file checked against its schema', async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(`${tmpdir()}/strategy-options-`);
  try {
    writeFileSync(`${dir}/ok.json`, JSON.stringify({ quantity: 3, entryBps: 2 }));
    const strategy = (await loadStrategyModule(`${EXAMPLES}mean-reversion.mjs`, `${dir}/ok.json`)) as unknown as { options: Record<string, number> };
    assert.equal(strategy.options['quantity'], 3);
    assert.equal(strategy.options['entryBps'], 2);
    assert.equal(strategy.options['alpha'], 0.05, 'defaults fill the rest');
    writeFileSync(`${dir}/bad.json`, JSON.stringify({ quantity: 0, colour: 'red' }));
    await assert.rejects(loadStrategyModule(`${EXAMPLES}mean-reversion.mjs`, `${dir}/bad.json`), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'E_CONFIG_INVALID');
      assert.match(err.message, /quantity.*must be ≥ 1/);
      assert.match(err.message, /unknown key "colour"/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the spread quoter rests a DAY order on the heavier side, cancels it after restMs of its clock, and closes a fill', async () => {
  const strategy = await loadStrategyModule(`${EXAMPLES}spread-quoter.mjs`);
  assert.equal(strategy.name, 'spread-quoter');
  const h = harness(strategy);
  h.engine.start();
  h.books.set('MSFT', { bid: 99.98, ask: 100.02, bidSizes: [500, 100], askSizes: [100, 100], timestamp: T0 });
  h.engine.onMarketData(tickOf('MSFT', T0));
  const [quote] = h.orders();
  assert.ok(quote !== undefined);
  assert.equal(quote.side, Side.BUY, 'more size bid: it bids');
  assert.equal(quote.orderType, OrderType.LIMIT);
  assert.equal(quote.timeInForce, TimeInForce.DAY);
  assert.equal(quote.price, toPriceUnits(99.98));
  h.engine.onExecutionReport(reportFor(quote, ExecutionStatus.NEW));
  h.clock.advanceMs(100);
  h.engine.onMarketData(tickOf('MSFT', T0));
  assert.equal(h.sent.length, 1, 'still resting');
  h.clock.advanceMs(500);
  h.engine.onMarketData(tickOf('MSFT', T0));
  const cancel = h.sent[1] as Cancel;
  assert.equal(cancel.type, MessageType.CANCEL);
  assert.equal(cancel.orderId, quote.orderId);
  // it filled before the cancel got there: the position is offered back a tick higher
  h.engine.onExecutionReport(reportFor(quote, ExecutionStatus.FILLED, { lastQuantity: 20, lastPrice: quote.price, filled: 20, averagePrice: quote.price }));
  h.engine.onMarketData(tickOf('MSFT', T0));
  const close = h.orders()[1];
  assert.equal(close.side, Side.SELL);
  assert.equal(close.price, toPriceUnits(99.99));
  assert.equal(close.quantity, 20);
  assert.equal(close.timeInForce, TimeInForce.DAY);
  // not taken within restMs: it crosses the spread with an IOC at the bid
  h.engine.onExecutionReport(reportFor(close, ExecutionStatus.NEW));
  h.clock.advanceMs(600);
  h.engine.onMarketData(tickOf('MSFT', T0));
  h.engine.onExecutionReport(reportFor(close, ExecutionStatus.CANCELED));
  h.engine.onMarketData(tickOf('MSFT', T0));
  const cross = h.orders()[2];
  assert.equal(cross.side, Side.SELL);
  assert.equal(cross.timeInForce, TimeInForce.IOC);
  assert.equal(cross.price, toPriceUnits(99.98));
});
