import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { L2Book } from '../../src/core/book.js';
import { toPriceUnits } from '../../src/core/fixed-point.js';
import { Side } from '../../src/protocol/messages.js';
import { BookLiquidity, createFillPlan, planTakerFills, takeRestingFill, type FillPlan } from '../../src/ordermanager/matching.js';
import { makeBook, standardBook } from './fixtures.js';

function planned(plan: FillPlan): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < plan.count; i++) out.push([plan.prices[i] as number, plan.quantities[i] as number]);
  return out;
}

const u = toPriceUnits;

/** One taker order planned against a fresh standard book: it fills `filled` shares at `levels` ([price, quantity]). */
function assertTakerPlan(side: Side, limit: number, quantity: number, filled: number, levels: [number, number][]): { book: L2Book; liquidity: BookLiquidity; plan: FillPlan } {
  const book = standardBook();
  const liquidity = new BookLiquidity();
  liquidity.sync(book);
  const plan = createFillPlan();
  assert.equal(planTakerFills(side, limit, quantity, book, liquidity, plan), filled);
  assert.deepEqual(planned(plan), levels);
  return { book, liquidity, plan };
}

test('a buy walks the asks level by level up to its limit, at successively worse prices', () => {
  assertTakerPlan(Side.BUY, u(100.02), 250, 200, [
    [u(100.01), 100],
    [u(100.02), 100],
  ]);
});

test('a sell walks the bids down to its limit; a limit inside the spread takes nothing', () => {
  const { book, liquidity, plan } = assertTakerPlan(Side.SELL, u(99.97), 150, 150, [
    [u(99.99), 100],
    [u(99.98), 50],
  ]);
  assert.equal(planTakerFills(Side.SELL, u(100.0), 10, book, liquidity, plan), 0);
  assert.equal(plan.count, 0);
  assert.equal(planTakerFills(Side.BUY, u(100.0), 10, book, liquidity, plan), 0);
});

test('two orders against the same book state cannot take the same shares', () => {
  const book = standardBook(7);
  const liquidity = new BookLiquidity();
  const plan = createFillPlan();
  liquidity.sync(book);
  assert.equal(planTakerFills(Side.BUY, u(100.01), 60, book, liquidity, plan), 60);
  liquidity.sync(book); // same sequence: remembered
  assert.equal(planTakerFills(Side.BUY, u(100.01), 60, book, liquidity, plan), 40, 'only 40 left at 100.01');
  assert.equal(planTakerFills(Side.BUY, u(100.02), 150, book, liquidity, plan), 100);
  assert.deepEqual(planned(plan), [[u(100.02), 100]]);
  // the other side is untouched
  assert.equal(planTakerFills(Side.SELL, u(99.99), 100, book, liquidity, plan), 100);
  // a new book state (another sequence) offers its full displayed size again
  const next = standardBook(8);
  liquidity.sync(next);
  assert.equal(planTakerFills(Side.BUY, u(100.01), 100, next, liquidity, plan), 100);
});

test('a reused sequence with different prices does not inherit consumption', () => {
  const liquidity = new BookLiquidity();
  const plan = createFillPlan();
  const first = makeBook({ bids: [[99, 10]], asks: [[101, 10]], sequence: 1 });
  liquidity.sync(first);
  assert.equal(planTakerFills(Side.BUY, u(101), 10, first, liquidity, plan), 10);
  const restarted = makeBook({ bids: [[99, 10]], asks: [[102, 10]], sequence: 1 });
  liquidity.sync(restarted);
  assert.equal(planTakerFills(Side.BUY, u(102), 10, restarted, liquidity, plan), 10);
});

test('unusable levels (zero, negative, NaN sizes or prices) are skipped; fractional sizes round down', () => {
  const book = makeBook({
    asks: [
      [100, 0],
      [100.01, -5],
      [100.02, Number.NaN],
      [100.03, 2.7],
    ],
    bids: [[99, 1]],
  });
  book.askPrices[4] = Number.NaN;
  book.askSizes[4] = 10;
  book.askCount = 5;
  const liquidity = new BookLiquidity();
  liquidity.sync(book);
  const plan = createFillPlan();
  assert.equal(planTakerFills(Side.BUY, u(1000), 50, book, liquidity, plan), 2);
  assert.deepEqual(planned(plan), [[u(100.03), 2]]);
});

test('a resting order takes the liquidity at or through its limit, and shares it with takers', () => {
  const book = makeBook({
    bids: [[99, 100]],
    asks: [
      [99.5, 30],
      [99.8, 30],
      [100.2, 30],
    ],
    sequence: 3,
  });
  const liquidity = new BookLiquidity();
  liquidity.sync(book);
  assert.equal(takeRestingFill(Side.BUY, u(100), 100, book, liquidity), 60, 'levels at 99.5 and 99.8, not 100.2');
  assert.equal(takeRestingFill(Side.BUY, u(100), 100, book, liquidity), 0, 'already taken');
  const plan = createFillPlan();
  assert.equal(planTakerFills(Side.BUY, u(101), 100, book, liquidity, plan), 30, 'a taker gets only what is left');
  assert.equal(takeRestingFill(Side.SELL, u(99), 40, book, liquidity), 40);
  assert.equal(takeRestingFill(Side.SELL, u(99.01), 40, book, liquidity), 0, 'no bid at or above 99.01');
});

test('an exhausted book state offers nothing until the next state', () => {
  const liquidity = new BookLiquidity();
  const plan = createFillPlan();
  liquidity.exhaust(5);
  const same = standardBook(5);
  liquidity.sync(same);
  assert.equal(planTakerFills(Side.BUY, u(101), 10, same, liquidity, plan), 0);
  assert.equal(takeRestingFill(Side.SELL, u(99), 10, same, liquidity), 0);
  const next = standardBook(6);
  liquidity.sync(next);
  assert.equal(planTakerFills(Side.BUY, u(101), 10, next, liquidity, plan), 10);
});
