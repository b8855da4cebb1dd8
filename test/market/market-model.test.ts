import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics } from 'node:v8';
import { MarketModel, SECONDS_PER_TRADING_YEAR } from '../../src/market/market-model.js';
import type { MarketModelOptions } from '../../src/market/market-options.js';
import type { MarketData } from '../../src/protocol/messages.js';
import { MessageType, Sentiment } from '../../src/protocol/messages.js';

/** Everything `step` writes, as plain numbers and strings. */
function snapshot(out: MarketData): (number | string)[] {
  return [
    out.type,
    out.symbol,
    out.bidCount,
    out.askCount,
    ...out.bidPrices.subarray(0, out.bidCount),
    ...out.bidSizes.subarray(0, out.bidCount),
    ...out.askPrices.subarray(0, out.askCount),
    ...out.askSizes.subarray(0, out.askCount),
    out.lastPrice,
    out.volume,
  ];
}

/** A stream of updates and news with uneven dts, as a driver would make them. */
function stream(options: MarketModelOptions, updates: number): (number | string)[][] {
  const model = new MarketModel(options);
  const out = model.createMarketData();
  const news = model.createNewsSentiment();
  const records: (number | string)[][] = [];
  for (let n = 0; n < updates; n++) {
    model.step(n % model.symbolCount, 0.05 + (n % 7) * 0.02, out);
    records.push(snapshot(out));
    if (n % 50 === 49) {
      model.nextNews(news);
      records.push([news.symbol, news.sentiment, news.score, news.headline]);
    }
  }
  return records;
}

function quotedMid(out: MarketData): number {
  return (out.bidPrices[0] + out.askPrices[0]) / 2;
}

test('the same seed gives the identical stream; another seed a different one', () => {
  const first = stream({ seed: 7 }, 2000);
  assert.deepEqual(stream({ seed: 7 }, 2000), first);
  const other = stream({ seed: 8 }, 2000);
  const differing = other.filter((record, index) => JSON.stringify(record) !== JSON.stringify(first[index])).length;
  assert.ok(differing > 1500, `only ${differing} of ${first.length} records differ`);
});

test("a symbol's stream does not depend on how often the others are stepped", () => {
  const alone = new MarketModel({ seed: 3 });
  const busy = new MarketModel({ seed: 3 });
  const outAlone = alone.createMarketData();
  const outBusy = busy.createMarketData();
  const outOther = busy.createMarketData();
  for (let n = 0; n < 500; n++) {
    alone.step(0, 0.1, outAlone);
    busy.step(0, 0.1, outBusy);
    for (let k = 0; k <= n % 3; k++) busy.step(1 + ((n + k) % 4), 0.1, outOther);
    assert.deepEqual(snapshot(outBusy), snapshot(outAlone));
  }
});

/** Checks every invariant of one update; returns nothing, throws on the first violation. */
function assertWellFormed(out: MarketData, model: MarketModel, where: string): void {
  const tick = model.config.tickUnits;
  const depth = model.config.bookDepth;
  assert.equal(out.type, MessageType.MARKET_DATA);
  assert.equal(out.bidCount, depth, where);
  assert.equal(out.askCount, depth, where);
  assert.ok(out.bidPrices[0] < out.askPrices[0], `${where}: bid ${out.bidPrices[0]} ≥ ask ${out.askPrices[0]}`);
  assert.ok(out.askPrices[0] - out.bidPrices[0] >= tick, `${where}: spread below one tick`);
  for (let j = 0; j < depth; j++) {
    for (const price of [out.bidPrices[j], out.askPrices[j]]) {
      assert.ok(price > 0 && price % tick === 0, `${where}: price ${price} off the ${tick} grid`);
    }
    for (const size of [out.bidSizes[j], out.askSizes[j]]) {
      assert.ok(Number.isInteger(size) && size >= 1, `${where}: size ${size}`);
    }
    if (j > 0) {
      assert.ok(out.bidPrices[j] < out.bidPrices[j - 1], `${where}: bids not strictly descending at ${j}`);
      assert.ok(out.askPrices[j] > out.askPrices[j - 1], `${where}: asks not strictly ascending at ${j}`);
    }
  }
  assert.ok(out.lastPrice > 0 && out.lastPrice % tick === 0, `${where}: last price ${out.lastPrice}`);
}

test('every update is a well-formed book: bid < ask, spread ≥ 1 tick, strict depth, tick grid, whole sizes', () => {
  const configurations: MarketModelOptions[] = [
    { seed: 1 },
    // A wild market: fast clock, high volatility, wide spreads, full depth, 5-cent ticks.
    { seed: 2, timeScale: 5000, annualVolatility: 1.5, maxSpreadTicks: 6, bookDepth: 32, tickSize: 0.05, levelsChangedPerUpdate: 5 },
  ];
  for (const options of configurations) {
    const model = new MarketModel(options);
    const out = model.createMarketData();
    const news = model.createNewsSentiment();
    const previousVolume = new Float64Array(model.symbolCount);
    let trades = 0;
    for (let n = 0; n < 10_000; n++) {
      const i = n % model.symbolCount;
      if (n % 20 === 0) model.nextNews(news);
      model.step(i, 0.1, out);
      const where = `${JSON.stringify(options)} update ${n}`;
      assertWellFormed(out, model, where);
      assert.equal(out.symbol, model.symbol(i));
      assert.ok(out.volume >= previousVolume[i], `${where}: volume went down`);
      if (out.volume > previousVolume[i]) {
        trades++;
        assert.ok(out.lastPrice === out.bidPrices[0] || out.lastPrice === out.askPrices[0], `${where}: trade away from the touch`);
      }
      previousVolume[i] = out.volume;
    }
    // About half the updates trade (tradeProbability 0.5).
    assert.ok(trades > 4500 && trades < 5500, `${trades} trades in 10000 updates`);
  }
});

/** Annualised volatility measured from log returns of the quoted mid every `every` updates. */
function realizedVolatility(model: MarketModel, dtSeconds: number, updates: number, every: number): number {
  const out = model.createMarketData();
  model.step(0, dtSeconds, out);
  let previous = Math.log(quotedMid(out));
  let sum = 0;
  let squares = 0;
  let count = 0;
  for (let n = 1; n <= updates; n++) {
    model.step(0, dtSeconds, out);
    if (n % every !== 0) continue;
    const current = Math.log(quotedMid(out));
    sum += current - previous;
    squares += (current - previous) ** 2;
    count++;
    previous = current;
  }
  const variance = squares / count - (sum / count) ** 2;
  const intervalYears = (every * dtSeconds * model.config.timeScale) / SECONDS_PER_TRADING_YEAR;
  return Math.sqrt(variance / intervalYears);
}

test('realized volatility matches the configured volatility', () => {
  // Fine ticks and a minute of market time per update: the tick grid is negligible, 20 000
  // returns give a standard error of 0.5 %.
  const fine = new MarketModel({ seed: 5, symbols: [{ symbol: 'VOL', startPrice: 100, annualVolatility: 0.3 }], tickSize: 0.0001, timeScale: 600 });
  const fineVolatility = realizedVolatility(fine, 0.1, 20_000, 1);
  assert.ok(Math.abs(fineVolatility / 0.3 - 1) < 0.03, `realized ${fineVolatility} vs configured 0.3`);

  // The defaults (AAPL, σ 0.25, cent ticks, 10 updates/s in real time): one update moves
  // less than a tick, so measure 10-second returns; 1 000 of them give a 2.2 % error.
  const real = new MarketModel({ seed: 6 });
  const realVolatility = realizedVolatility(real, 0.1, 100_000, 100);
  assert.ok(Math.abs(realVolatility / 0.25 - 1) < 0.1, `realized ${realVolatility} vs configured 0.25`);
});

test('drift is annualised on the market clock and timeScale speeds the clock up', () => {
  const model = new MarketModel({ symbols: [{ symbol: 'UP', startPrice: 100, annualVolatility: 0, annualDrift: 0.5 }], tickSize: 0.0001, timeScale: 100_000 });
  const out = model.createMarketData();
  for (let n = 0; n < 1000; n++) model.step(0, 0.1, out);
  // 1000 × 0.1 wall s × 100 000 = 10^7 market s.
  const expected = 1_000_000 * Math.exp((0.5 * 1e7) / SECONDS_PER_TRADING_YEAR);
  assert.ok(Math.abs(quotedMid(out) - expected) <= 1, `mid ${quotedMid(out)} vs ${expected}`);

  const slow = new MarketModel({ timeScale: 1 });
  const fast = new MarketModel({ timeScale: 100 });
  assert.ok(Math.abs(fast.perUpdateVolatility(0) / slow.perUpdateVolatility(0) - 10) < 1e-9);
  assert.ok(Math.abs(slow.perUpdateVolatility(0) - 0.25 * Math.sqrt(0.1 / SECONDS_PER_TRADING_YEAR)) < 1e-15);
});

/** Price → size of one side. */
function levels(prices: Float64Array, sizes: Float64Array, count: number): Map<number, number> {
  const map = new Map<number, number>();
  for (let j = 0; j < count; j++) map.set(prices[j], sizes[j]);
  return map;
}

test('levels move with the mid: a price that stays in the book keeps its size', () => {
  // Size noise and trades off: any size change would be a level redrawn or misplaced.
  const model = new MarketModel({ seed: 9, sizeVolatility: 0, levelsChangedPerUpdate: 0, tradeProbability: 0, timeScale: 50 });
  const out = model.createMarketData();
  model.step(0, 0.1, out);
  let bids = levels(out.bidPrices, out.bidSizes, out.bidCount);
  let asks = levels(out.askPrices, out.askSizes, out.askCount);
  let moves = 0;
  let kept = 0;
  for (let n = 0; n < 3000; n++) {
    const bestBid = out.bidPrices[0];
    model.step(0, 0.1, out);
    if (out.bidPrices[0] !== bestBid) moves++;
    const nextBids = levels(out.bidPrices, out.bidSizes, out.bidCount);
    const nextAsks = levels(out.askPrices, out.askSizes, out.askCount);
    for (const [before, after] of [
      [bids, nextBids],
      [asks, nextAsks],
    ]) {
      for (const [price, size] of after) {
        const old = before.get(price);
        if (old === undefined) continue;
        kept++;
        assert.equal(size, old, `update ${n}: level ${price} changed size ${old} → ${size}`);
      }
    }
    bids = nextBids;
    asks = nextAsks;
  }
  assert.ok(moves > 1000, `the quote moved only ${moves} times`);
  assert.ok(kept > 30_000, `only ${kept} levels survived`);
});

test('sizes evolve a few levels at a time and revert to the configured means', () => {
  const model = new MarketModel({ seed: 10, symbols: ['AAPL'] });
  const { levelsChangedPerUpdate, meanLevelSize, depthSizeGrowth, bookDepth } = model.config;
  const out = model.createMarketData();
  model.step(0, 0.1, out);
  let bids = levels(out.bidPrices, out.bidSizes, out.bidCount);
  let asks = levels(out.askPrices, out.askSizes, out.askCount);
  const sums = new Float64Array(bookDepth);
  const updates = 30_000;
  for (let n = 0; n < updates; n++) {
    model.step(0, 0.1, out);
    const nextBids = levels(out.bidPrices, out.bidSizes, out.bidCount);
    const nextAsks = levels(out.askPrices, out.askSizes, out.askCount);
    for (const [before, after] of [
      [bids, nextBids],
      [asks, nextAsks],
    ]) {
      let changed = 0;
      for (const [price, size] of after) if (before.has(price) && before.get(price) !== size) changed++;
      // The perturbed levels plus the touch a trade took from.
      assert.ok(changed <= levelsChangedPerUpdate + 1, `update ${n}: ${changed} surviving levels changed size`);
    }
    for (let j = 0; j < bookDepth; j++) sums[j] += (out.bidSizes[j] + out.askSizes[j]) / 2;
    bids = nextBids;
    asks = nextAsks;
  }
  // Deep levels are rarely touched by trades: their long-run mean is the configured one.
  for (const j of [3, 6, 9]) {
    const expected = meanLevelSize * (1 + depthSizeGrowth * j);
    const mean = sums[j] / updates;
    assert.ok(Math.abs(mean / expected - 1) < 0.25, `level ${j}: mean size ${mean} vs ${expected}`);
  }
});

test('step reuses the caller’s object and allocates nothing once optimised', () => {
  const model = new MarketModel({ seed: 12 });
  const out = model.createMarketData();
  const arrays = [out.bidPrices, out.bidSizes, out.askPrices, out.askSizes];
  const count = model.symbolCount;
  const run = (updates: number): void => {
    for (let n = 0; n < updates; n++) model.step(n % count, 0.1, out);
  };
  const newSpaceUsed = (): number => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_used_size ?? Number.NaN;
  run(100_000);
  // A garbage collection during a round makes the difference negative; a round that
  // allocates even one heap number per step grows new space by ≥ 160 kB. Retry a few
  // rounds in case the optimising compiler, on a busy machine, was still at work.
  const deltas: number[] = [];
  for (let round = 0; round < 10; round++) {
    const before = newSpaceUsed();
    run(10_000);
    const delta = newSpaceUsed() - before;
    deltas.push(delta);
    if (delta >= 0 && delta < 4096) break;
  }
  const clean = deltas.some((delta) => delta >= 0 && delta < 4096);
  assert.ok(clean, `new-space growth per 10 000 steps: ${deltas.join(', ')} bytes`);
  assert.deepEqual([out.bidPrices, out.bidSizes, out.askPrices, out.askSizes], arrays);
});

test('step refuses a bad symbol index or dt with E_INTERNAL (a bug of the caller)', () => {
  const model = new MarketModel();
  const out = model.createMarketData();
  for (const index of [-1, 5, 1.5, Number.NaN]) assert.throws(() => model.step(index, 0.1, out), { code: 'E_INTERNAL' });
  for (const dt of [-0.1, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => model.step(0, dt, out), { code: 'E_INTERNAL' });
  model.step(0, 0, out);
  assertWellFormed(out, model, 'after dt 0');
});

test('an out with fewer levels than the depth gets the best ones', () => {
  const model = new MarketModel({ seed: 4 });
  const full = model.createMarketData();
  const twin = new MarketModel({ seed: 4 });
  const small: MarketData = { ...twin.createMarketData(), bidPrices: new Float64Array(3), bidSizes: new Float64Array(3), askPrices: new Float64Array(3), askSizes: new Float64Array(3) };
  model.step(2, 0.1, full);
  twin.step(2, 0.1, small);
  assert.equal(small.bidCount, 3);
  assert.equal(small.askCount, 3);
  assert.deepEqual([...small.bidPrices], [...full.bidPrices.subarray(0, 3)]);
  assert.deepEqual([...small.askSizes], [...full.askSizes.subarray(0, 3)]);
});

test('news items: every symbol and sentiment occurs, scores in [-1, 1] agree with the sentiment', () => {
  const model = new MarketModel({ seed: 13 });
  const news = model.createNewsSentiment();
  const symbols = new Set<string>();
  const sentiments = new Set<Sentiment>();
  for (let n = 0; n < 1000; n++) {
    const index = model.nextNews(news);
    assert.equal(news.type, MessageType.NEWS_SENTIMENT);
    assert.equal(news.symbol, model.symbol(index));
    assert.ok(news.score >= -1 && news.score <= 1);
    const expected = news.score >= 0.2 ? Sentiment.POSITIVE : news.score <= -0.2 ? Sentiment.NEGATIVE : Sentiment.NEUTRAL;
    assert.equal(news.sentiment, expected, `score ${news.score}`);
    assert.ok(news.headline.includes(news.symbol), news.headline);
    symbols.add(news.symbol);
    sentiments.add(news.sentiment);
  }
  assert.equal(symbols.size, 5);
  assert.equal(sentiments.size, 3);
});

test('a news item adds drift score × impact × ln2 / half-life that halves every half-life', () => {
  const model = new MarketModel({ seed: 14, newsHalfLifeSeconds: 20, newsImpact: 0.01, timeScale: 2 });
  const news = model.createNewsSentiment();
  const out = model.createMarketData();
  const index = model.nextNews(news);
  const initial = (news.score * 0.01 * Math.LN2) / 20;
  assert.equal(model.newsDriftPerSecond(index), initial);
  // 100 steps × 0.1 wall s × timeScale 2 = 20 market s = one half-life.
  for (let n = 0; n < 100; n++) model.step(index, 0.1, out);
  assert.ok(Math.abs(model.newsDriftPerSecond(index) / initial - 0.5) < 1e-9);
});

/** Mean log return of the mid over `horizonUpdates` after news, by sentiment, over seeded trials. */
function forwardReturns(options: MarketModelOptions, trials: number, horizonUpdates: number): { positive: number[]; negative: number[] } {
  const positive: number[] = [];
  const negative: number[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const model = new MarketModel({ ...options, seed: 1000 + trial, symbols: ['AAPL'] });
    const out = model.createMarketData();
    const news = model.createNewsSentiment();
    model.step(0, 0.1, out);
    const before = Math.log(quotedMid(out));
    model.nextNews(news);
    for (let n = 0; n < horizonUpdates; n++) model.step(0, 0.1, out);
    const move = Math.log(quotedMid(out)) - before;
    if (news.sentiment === Sentiment.POSITIVE) positive.push(move);
    if (news.sentiment === Sentiment.NEGATIVE) negative.push(move);
  }
  return { positive, negative };
}

function meanAndError(values: number[]): { mean: number; error: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return { mean, error: Math.sqrt(variance / values.length) };
}

test('news moves prices: positive news is followed by higher returns than negative news', () => {
  // 400 trials (≈160 per sign), 30 s (one half-life) after the news. Expected move: mean
  // |score| of a signed item 0.6 × impact 0.5 % × (1 − ½) = ±0.15 %; noise per trial
  // σ·√30 s ≈ 0.056 %, so the standard error of the difference is ≈ 0.006 %.
  const { positive, negative } = forwardReturns({}, 400, 300);
  const up = meanAndError(positive);
  const down = meanAndError(negative);
  const difference = up.mean - down.mean;
  const error = Math.hypot(up.error, down.error);
  assert.ok(positive.length > 120 && negative.length > 120, `${positive.length} positive, ${negative.length} negative`);
  assert.ok(up.mean > 0.001, `mean return after positive news ${up.mean}`);
  assert.ok(down.mean < -0.001, `mean return after negative news ${down.mean}`);
  assert.ok(difference > 0.002 && difference > 20 * error, `difference ${difference} ± ${error}`);

  // Control: without impact the same trials show no difference beyond noise.
  const control = forwardReturns({ newsImpact: 0 }, 400, 300);
  const controlDifference = meanAndError(control.positive).mean - meanAndError(control.negative).mean;
  const controlError = Math.hypot(meanAndError(control.positive).error, meanAndError(control.negative).error);
  assert.ok(Math.abs(controlDifference) < 4 * controlError, `control difference ${controlDifference} ± ${controlError}`);
});
