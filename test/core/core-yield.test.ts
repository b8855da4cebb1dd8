/**
 * yieldCore: sched_yield through the addon. What it buys (the order manager reading an order
 * 20-40 µs sooner) is shown by `npm run bench` (tick-to-trade, with and without); here, that
 * the call is there and succeeds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coreYieldAvailable, yieldCore } from '../../src/core/core-yield.js';

test('yieldCore is available and yields', () => {
  assert.equal(coreYieldAvailable(), true, 'the addon is built with yieldCore');
  assert.equal(yieldCore(), true);
});

