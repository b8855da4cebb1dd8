// Its own file, hence its own process: objects of other tests' shapes make the shared
// code paths polymorphic, and what a generic store allocates is not the engine's doing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerformanceObserver } from 'node:perf_hooks';
import { SeedStrategy } from '../../src/strategy/seed-strategy.js';
import { harness, tickOf } from './fixtures.js';

const T0 = 1_700_000_000;

test('the seed strategy allocates nothing on a tick that makes no order', async () => {
  // A minor GC follows a few MB of allocation: 200k ticks allocating even 16 bytes each
  // (3.2 MB) trigger some. Until the optimising compiler has finished (in the background,
  // on a busy machine), the interpreter boxes doubles and does allocate, so the claim is
  // that a steady state exists: some round of 200k ticks with no collection at all.
  const strategy = new SeedStrategy({ lookbackMs: 1000 });
  const h = harness(strategy);
  const book = h.books.set('AAPL', { bid: 99.99, ask: 100.01, timestamp: T0 });
  h.engine.start();
  const tick = tickOf('AAPL', T0);
  let nowMs = 0;
  const run = (count: number): void => {
    for (let i = 0; i < count; i++) {
      book.timestamp = T0 + nowMs++ / 1000;
      tick.timestamp = book.timestamp;
      h.engine.onMarketData(tick);
    }
  };
  let collections = 0;
  const observer = new PerformanceObserver((list) => {
    collections += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  const perRound: number[] = [];
  try {
    run(50_000); // warm up: fill the window, give the compiler work
    for (let round = 0; round < 10 && perRound.at(-1) !== 0; round++) {
      // GC entries reach observers from a timer task: settle before and after a round.
      await new Promise((resolve) => setTimeout(resolve, 10));
      const before = collections;
      run(200_000);
      await new Promise((resolve) => setTimeout(resolve, 10));
      perRound.push(collections - before);
    }
  } finally {
    observer.disconnect();
  }
  assert.equal(h.orders().length, 0);
  assert.equal(perRound.at(-1), 0, `collections per round of 200k ticks: ${perRound.join(', ')}`);
});
