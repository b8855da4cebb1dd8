import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monotonicNs, monotonicNsFromPerformance } from '../../src/core/clock.js';

test('monotonicNsFromPerformance is monotonicNs on the same scale, to within a few microseconds, and never goes back', () => {
  let previous = monotonicNsFromPerformance();
  for (let i = 0; i < 1_000; i++) {
    const before = monotonicNs();
    const cheap = monotonicNsFromPerformance();
    const after = monotonicNs();
    // the two clocks are one CLOCK_MONOTONIC: the cheap stamp falls between its neighbours,
    // give or take the offset measured once at start
    assert.ok(cheap >= before - 5_000 && cheap <= after + 5_000, `${cheap} not within [${before}, ${after}] ± 5 µs`);
    assert.ok(cheap >= previous, `went back: ${cheap} after ${previous}`);
    previous = cheap;
  }
});
