/**
 * waitFor (shm/flow-gate.ts), the wait of the backtest gates and of an order ahead of its
 * tick's book: spin, then sleep between looks, and never past its deadline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../src/shm/flow-gate.js';

test('true as soon as ready says so, after as many looks as it took', () => {
  let looks = 0;
  assert.equal(waitFor(() => ++looks === 5, 1_000), true);
  assert.equal(looks, 5);
});

test('the spinning keeps the deadline: a 2 ms wait on a 2 µs look ends soon after 2 ms, not after its 20,000 spins (40 ms or more)', () => {
  const look = (): boolean => {
    const until = performance.now() + 0.002;
    while (performance.now() < until);
    return false;
  };
  const started = performance.now();
  assert.equal(waitFor(look, 2), false);
  const tookMs = performance.now() - started;
  assert.ok(tookMs >= 2 && tookMs < 25, `returned after ${tookMs.toFixed(1)} ms`);
});

test('after its spins it sleeps between looks instead of spinning', () => {
  let looks = 0;
  assert.equal(waitFor(() => (looks++, false), 10, 0), false);
  // 10 ms in 50 µs sleeps is at most ~200 looks (fewer: a sleep takes longer than asked)
  assert.ok(looks > 1 && looks <= 250, `${looks} looks in 10 ms`);
});
