import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, TradingError } from '../../src/core/errors.js';
import { MarketModel } from '../../src/market/market-model.js';
import { resolveMarketOptions } from '../../src/market/market-options.js';
import type { MarketModelOptions } from '../../src/market/market-options.js';
import { assertFields } from '../helpers/assert-fields.js';

function problemsOf(options: unknown): string {
  try {
    resolveMarketOptions(options);
  } catch (err) {
    assert.ok(err instanceof TradingError, `expected a TradingError, got ${String(err)}`);
    assert.equal(err.code, ErrorCode.CONFIG_INVALID);
    return err.message;
  }
  assert.fail('options were accepted');
}

test('defaults: the seed five symbols at realistic prices, cent ticks, depth 10, 10 updates/s, news every 2 s', () => {
  const config = resolveMarketOptions();
  assert.deepEqual(
    config.symbols.map((s) => s.symbol),
    ['AAPL', 'GOOGL', 'MSFT', 'AMZN', 'TSLA'],
  );
  assert.deepEqual(
    config.symbols.map((s) => s.startPriceUnits),
    [1_900_000, 1_700_000, 4_200_000, 1_850_000, 2_500_000],
  );
  assert.equal(config.symbols[4].annualVolatility, 0.6);
  assertFields(config, { tickUnits: 100, bookDepth: 10, updatesPerSecond: 10, newsIntervalSeconds: 2, timeScale: 1 });
});

test('per-symbol specs override the global options, which override the known-symbol table', () => {
  const config = resolveMarketOptions({
    annualVolatility: 0.5,
    annualDrift: 0.1,
    tickSize: 0.05,
    symbols: ['AAPL', { symbol: 'XYZ', startPrice: 12.34, annualVolatility: 0.2, annualDrift: -0.3 }, 'NEWCO'],
  });
  const [aapl, xyz, newco] = config.symbols;
  assert.deepEqual(aapl, { symbol: 'AAPL', startPriceUnits: 1_900_000, annualVolatility: 0.5, annualDrift: 0.1 });
  // 12.34 rounds to the 0.05 grid: 12.35.
  assert.deepEqual(xyz, { symbol: 'XYZ', startPriceUnits: 123_500, annualVolatility: 0.2, annualDrift: -0.3 });
  // An unknown symbol gets a stable price from its name.
  assert.equal(newco.startPriceUnits, resolveMarketOptions({ symbols: ['NEWCO'], tickSize: 0.05 }).symbols[0].startPriceUnits);
  assert.ok(newco.startPriceUnits >= 200_000 && newco.startPriceUnits <= 5_000_000);
  assert.equal(newco.startPriceUnits % 500, 0);
});

test('unknown keys are refused and every bad field is reported at once', () => {
  const message = problemsOf({
    seed: -1,
    bookDepth: 33,
    tickSize: 0.00015,
    timeScale: 0,
    newsImpact: Number.NaN,
    tradeProbability: 1.5,
    volatility: 0.2,
    minSpreadTicks: 3,
    maxSpreadTicks: 2,
  });
  for (const expected of [
    'seed: must be ≥ 0',
    'bookDepth: must be ≤ 32',
    'tickSize: must be a multiple of 0.0001',
    'timeScale: must be > 0',
    'newsImpact: expected a number, got NaN',
    'tradeProbability: must be ≤ 1',
    'volatility: unknown setting',
    'maxSpreadTicks: must be ≥ minSpreadTicks (3)',
  ]) {
    assert.ok(message.includes(expected), `missing "${expected}" in:\n${message}`);
  }
});

test('symbol lists are checked entry by entry', () => {
  const message = problemsOf({
    symbols: ['AAPL', 'aapl', 'AAPL', { symbol: 'XYZ', startPrice: -5 }, { symbol: 'ABC', sector: 'tech' }, 42, { symbol: 'LOW', startPrice: 0.01 }],
  });
  for (const expected of [
    'symbols[1].symbol: "aapl" is not 1-8 characters',
    'symbols[2]: duplicate symbol "AAPL"',
    'symbols[3].startPrice: must be > 0',
    'symbols[4].sector: unknown setting',
    'symbols[5]: expected a symbol name or',
    'symbols[6].startPrice: must be ≥ 0.02',
  ]) {
    assert.ok(message.includes(expected), `missing "${expected}" in:\n${message}`);
  }
  assert.match(problemsOf({ symbols: [] }), /symbols: must not be empty/);
  assert.match(problemsOf({ symbols: 'AAPL' }), /symbols: expected a list/);
});

test('cross-field rules: levels changed per update fit the depth; size noise needs reversion', () => {
  assert.match(problemsOf({ bookDepth: 3, levelsChangedPerUpdate: 4 }), /levelsChangedPerUpdate: must be ≤ bookDepth \(3\), got 4/);
  assert.match(problemsOf({ sizeReversion: 0 }), /sizeReversion: must be > 0 when sizeVolatility > 0/);
  assert.doesNotThrow(() => resolveMarketOptions({ sizeReversion: 0, sizeVolatility: 0 }));
  assert.equal(resolveMarketOptions({ bookDepth: 1 }).levelsChangedPerUpdate, 1);
});

test('options that are not an object are refused; the model constructor validates the same way', () => {
  assert.match(problemsOf(null), /expected an object/);
  assert.match(problemsOf([1, 2]), /expected an object/);
  assert.throws(
    () => new MarketModel({ bookDepth: 0 } satisfies MarketModelOptions),
    (err: unknown) => err instanceof TradingError && err.code === ErrorCode.CONFIG_INVALID && err.message.includes('bookDepth: must be ≥ 1'),
  );
});
