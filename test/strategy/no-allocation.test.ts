// Its own file, hence its own process: objects of other tests' shapes make the shared
// code paths polymorphic, and what a generic store allocates is not the engine's doing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectionsPerRound } from '../helpers/gc-rounds.js';
import { SeedStrategy } from '../../src/strategy/seed-strategy.js';
import { harness, tickOf } from './fixtures.js';

const T0 = 1_700_000_000;

test('the seed strategy allocates nothing on a tick that makes no order', async () => {
  // A minor GC follows a few MB of allocation: 200k ticks allocating even 16 bytes each
  // (3.2 MB) trigger some.
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
  const perRound = await collectionsPerRound(run); // the warm-up fills the window
  assert.equal(h.orders().length, 0);
  assert.equal(perRound.at(-1), 0, `collections per round of 200k ticks: ${perRound.join(', ')}`);
});
