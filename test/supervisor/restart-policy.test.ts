import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartPolicy } from '../../src/supervisor/restart-policy.js';

const options = { initialBackoffMs: 100, maxBackoffMs: 1000, maxCrashesPerWindow: 3, windowMs: 60_000, stableAfterMs: 10_000 };

test('backoff doubles with each quick crash, up to the maximum', () => {
  const policy = new RestartPolicy({ ...options, maxCrashesPerWindow: 100 });
  const delays: number[] = [];
  let now = 0;
  for (let i = 0; i < 6; i++) {
    policy.started(now);
    const decision = policy.crashed((now += 50));
    assert.equal(decision.restart, true);
    if (decision.restart) delays.push(decision.delayMs);
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
});

test('a component that ran stably restarts with the initial backoff again', () => {
  const policy = new RestartPolicy(options);
  policy.started(0);
  policy.crashed(10);
  policy.started(200);
  policy.crashed(300);
  policy.started(1_000);
  const decision = policy.crashed(20_000);
  assert.deepEqual(decision, { restart: true, delayMs: 100 });
});

test('too many crashes within the window stops the restarts', () => {
  const policy = new RestartPolicy(options);
  for (let i = 0; i < 3; i++) {
    policy.started(i * 1000);
    assert.equal(policy.crashed(i * 1000 + 10).restart, true);
  }
  policy.started(3_000);
  const decision = policy.crashed(3_010);
  assert.equal(decision.restart, false);
  if (!decision.restart) assert.match(decision.reason, /crashed 4 times within 60 s \(limit 3\)/);
});

test('crashes older than the window are forgotten', () => {
  const policy = new RestartPolicy(options);
  for (let i = 0; i < 3; i++) {
    policy.started(i);
    policy.crashed(i + 1);
  }
  policy.started(100_000);
  assert.equal(policy.crashed(100_001).restart, true);
  assert.equal(policy.crashesInWindow, 1);
});
