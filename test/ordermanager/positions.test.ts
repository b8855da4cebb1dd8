import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Side } from '../../src/protocol/messages.js';
import { Position, PositionBook } from '../../src/ordermanager/positions.js';

// Prices here are already price units; PnL is price units × shares.
const BUY = true;
const SELL = false;

test('long: average price over lots, realized PnL on a partial sale, unrealized against the mark', () => {
  const p = new Position('AAPL');
  p.apply(BUY, 100, 1_000_000);
  p.apply(BUY, 50, 1_030_000);
  assert.equal(p.netQuantity, 150);
  assert.equal(p.costBasis, 100 * 1_000_000 + 50 * 1_030_000);
  assert.equal(p.averagePrice, 1_010_000);
  assert.equal(p.unrealizedPnl(1_020_000), 150 * 1_020_000 - p.costBasis);
  p.apply(SELL, 120, 1_050_000); // FIFO: closes 100 @ 100.00 and 20 @ 103.00
  assert.equal(p.realizedPnl, 100 * 50_000 + 20 * 20_000);
  assert.equal(p.netQuantity, 30);
  assert.equal(p.averagePrice, 1_030_000);
  assert.deepEqual(p.lots(), [{ quantity: 30, price: 1_030_000 }]);
  assert.equal(p.boughtQuantity, 150);
  assert.equal(p.soldQuantity, 120);
  assert.equal(p.fills, 3);
});

test('short: selling opens a short, buying back realizes (entry - exit)', () => {
  const p = new Position('MSFT');
  p.apply(SELL, 200, 2_000_000);
  assert.equal(p.netQuantity, -200);
  assert.equal(p.averagePrice, 2_000_000);
  assert.equal(p.unrealizedPnl(1_990_000), 200 * 10_000, 'a short gains when the price falls');
  p.apply(BUY, 50, 1_980_000);
  assert.equal(p.realizedPnl, 50 * 20_000);
  assert.equal(p.netQuantity, -150);
  assert.equal(p.unrealizedPnl(2_010_000), -150 * 10_000);
});

test('flip through zero: the closing part realizes, the rest opens at the fill price', () => {
  const p = new Position('AAPL');
  p.apply(BUY, 100, 1_000_000);
  p.apply(SELL, 250, 1_010_000);
  assert.equal(p.realizedPnl, 100 * 10_000);
  assert.equal(p.netQuantity, -150);
  assert.equal(p.costBasis, -150 * 1_010_000);
  assert.equal(p.averagePrice, 1_010_000);
  p.apply(BUY, 150, 1_020_000);
  assert.equal(p.netQuantity, 0);
  assert.equal(p.realizedPnl, 100 * 10_000 - 150 * 10_000);
  assert.equal(p.costBasis, 0);
  assert.equal(p.averagePrice, 0);
  assert.equal(p.unrealizedPnl(5), 0, 'flat has no unrealized PnL');
});

test('realized PnL stays exact over many odd-priced fills (no float drift)', () => {
  const p = new Position('X');
  let expected = 0;
  for (let i = 0; i < 10_000; i++) {
    const buyPrice = 1_000_000 + ((i * 7919) % 1000);
    const sellPrice = 1_000_000 + ((i * 104_729) % 1000);
    p.apply(BUY, 3, buyPrice);
    p.apply(SELL, 3, sellPrice);
    expected += 3 * (sellPrice - buyPrice);
  }
  assert.equal(p.realizedPnl, expected);
  assert.equal(p.netQuantity, 0);
  assert.equal(p.costBasis, 0);
});

test('many open lots grow the ring and close in FIFO order', () => {
  const p = new Position('X');
  for (let i = 0; i < 100; i++) p.apply(BUY, 1, 1_000_000 + i);
  p.apply(SELL, 60, 1_000_000);
  assert.equal(p.realizedPnl, -((59 * 60) / 2));
  assert.equal(p.lots().length, 40);
  assert.equal(p.lots()[0]?.price, 1_000_060);
  for (let i = 0; i < 30; i++) p.apply(BUY, 1, 2_000_000); // wraps the ring
  p.apply(SELL, 70, 1_000_000);
  assert.equal(p.netQuantity, 0);
  assert.equal(p.realizedPnl, -((59 * 60) / 2) - ((60 + 99) * 40) / 2 - 30 * 1_000_000);
});

test('position book snapshot: per symbol, sorted, totals, unknown marks', () => {
  const book = new PositionBook();
  book.apply('MSFT', Side.SELL, 10, 2_000_000);
  book.apply('AAPL', Side.BUY, 10, 1_000_000);
  book.apply('AAPL', Side.SELL, 5, 1_100_000);
  const marks: Record<string, number> = { AAPL: 1_200_000 };
  const snapshot = book.snapshot((symbol) => marks[symbol] ?? Number.NaN);
  assert.deepEqual(
    snapshot.positions.map((p) => [p.symbol, p.netQuantity, p.realizedPnl, p.unrealizedPnl]),
    [
      ['AAPL', 5, 5 * 100_000, 5 * 200_000],
      ['MSFT', -10, 0, 0],
    ],
  );
  assert.equal(snapshot.realizedPnl, 500_000);
  assert.equal(snapshot.unrealizedPnl, 1_000_000);
  assert.equal(snapshot.totalPnl, 1_500_000);
});
