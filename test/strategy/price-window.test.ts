import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createL2Book } from '../../src/core/book.js';
import { PriceWindow, WindowResult } from '../../src/strategy/price-window.js';

/** Update and return the change, checking that the result code agrees with it. */
function at(window: PriceWindow, timeMs: number, price: number): number {
  const result = window.update(timeMs, price);
  assert.equal(result, Number.isNaN(window.change) ? WindowResult.FILLING : WindowResult.CHANGE);
  return window.change;
}

test('lookback 0 is the seed rule: the change since the previous update', () => {
  const window = new PriceWindow(0);
  assert.ok(Number.isNaN(at(window, 0, 100)), 'no previous price yet');
  assert.equal(at(window, 100, 101), 0.01);
  assert.equal(at(window, 200, 99.99), (99.99 - 101) / 101);
});

test('the change is measured against the price at the start of the window', () => {
  const window = new PriceWindow(1000);
  // 10 ticks a second, price rising 1 unit per tick from 1000.
  for (let i = 0; i <= 9; i++) {
    const change = at(window, i * 100, 1000 + i);
    assert.ok(Number.isNaN(change), `no full window yet at ${i * 100} ms`);
  }
  let change = at(window, 1000, 1010);
  assert.equal(change, (1010 - 1000) / 1000, 'reference = the price at t = 0, exactly one lookback ago');
  change = at(window, 1500, 1015);
  // Reference: the newest sample at or before 500 ms (the samples are ≥ 1000/62 ms apart,
  // so every 100 ms tick is one).
  assert.equal(change, (1015 - 1005) / 1005);
});

test('memory stays bounded at any tick rate and the reference stays within one lookback', () => {
  const lookbackMs = 5000;
  const window = new PriceWindow(lookbackMs, 64);
  const priceAt = (ms: number): number => 10_000 + ms / 10; // +1 unit per 10 ms
  let checked = 0;
  for (let ms = 0; ms <= 60_000; ms += 1) {
    const change = at(window, ms, priceAt(ms));
    if (ms < lookbackMs) {
      assert.ok(Number.isNaN(change));
      continue;
    }
    // reference = price(now − lookback − d) for some d in [0, lookback/62 + 1 ms)
    const reference = priceAt(ms) / (1 + change);
    const ageMs = (priceAt(ms) - reference) * 10;
    assert.ok(ageMs >= lookbackMs - 1e-6 && ageMs <= lookbackMs + lookbackMs / 62 + 1, `reference age ${ageMs} ms at ${ms}`);
    checked += 1;
  }
  assert.equal(checked, 55_001);
});

test('after a silence longer than the lookback there is no figure until the window refills', () => {
  const window = new PriceWindow(1000);
  for (let ms = 0; ms <= 2000; ms += 100) at(window, ms, 100);
  assert.equal(at(window, 2100, 101), 0.01);
  // Nothing for 10 s: comparing with a price 11 s old would not be a 1 s move.
  assert.ok(Number.isNaN(at(window, 12_100, 105)));
  for (let ms = 12_200; ms < 13_100; ms += 100) assert.ok(Number.isNaN(at(window, ms, 105)));
  assert.equal(at(window, 13_100, 106.05), (106.05 - 105) / 105);
});

test('time going backwards restarts the window', () => {
  const window = new PriceWindow(1000);
  for (let ms = 0; ms <= 1000; ms += 100) at(window, 10_000 + ms, 100);
  assert.equal(at(window, 11_100, 100), 0);
  assert.ok(Number.isNaN(at(window, 500, 100)), 'restarted');
  assert.ok(Number.isNaN(at(window, 1400, 100)));
  assert.equal(at(window, 1500, 102), 0.02);
});

test('bad parameters are refused', () => {
  assert.throws(() => new PriceWindow(-1), { code: 'E_CONFIG_INVALID' });
  assert.throws(() => new PriceWindow(Number.NaN), { code: 'E_CONFIG_INVALID' });
  assert.throws(() => new PriceWindow(1000, 2), { code: 'E_CONFIG_INVALID' });
});

test('from a book: its timestamp and its mid or last price; no price records nothing', () => {
  const book = createL2Book();
  const mid = new PriceWindow(1000);
  const last = new PriceWindow(1000);
  const put = (seconds: number, bid: number, ask: number, lastPrice: number): void => {
    book.timestamp = 1_700_000_000 + seconds;
    book.bidPrices[0] = bid;
    book.askPrices[0] = ask;
    book.bidCount = bid > 0 ? 1 : 0;
    book.askCount = ask > 0 ? 1 : 0;
    book.lastPrice = lastPrice;
  };
  put(0, 999, 1001, 0);
  assert.equal(mid.updateFromBook(book, 'mid'), WindowResult.FILLING);
  assert.equal(last.updateFromBook(book, 'last'), WindowResult.NO_PRICE, 'no trade yet');
  put(0.5, 0, 1001, 1000);
  assert.equal(mid.updateFromBook(book, 'mid'), WindowResult.NO_PRICE, 'one-sided book');
  assert.ok(Number.isNaN(mid.change));
  assert.equal(last.updateFromBook(book, 'last'), WindowResult.FILLING);
  put(1.5, 1009, 1011, 1020);
  assert.equal(mid.updateFromBook(book, 'mid'), WindowResult.CHANGE);
  assert.equal(mid.change, 0.01, 'mid 1010 against mid 1000 at t = 0');
  assert.equal(last.updateFromBook(book, 'last'), WindowResult.CHANGE);
  assert.equal(last.change, 0.02, 'last 1020 against 1000 at t = 0.5');
});
