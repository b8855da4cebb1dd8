import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeartbeatTracker, checkHeartbeat, heartbeatCheckPeriodMs } from '../../src/net/heartbeat.js';
import { checkBackoff, reconnectDelayMs } from '../../src/net/backoff.js';

test('heartbeat: an idle sender is told to send once per interval', () => {
  const tracker = new HeartbeatTracker(0);
  assert.equal(tracker.check(500, 1000, 0), 'none');
  assert.equal(tracker.check(1000, 1000, 0), 'send');
  assert.equal(tracker.check(1250, 1000, 0), 'none', 'the heartbeat just sent counts as sending');
  tracker.noteSent();
  assert.equal(tracker.check(1900, 1000, 0), 'none');
  assert.equal(tracker.check(2899, 1000, 0), 'none');
  assert.equal(tracker.check(2900, 1000, 0), 'send');
});

test('heartbeat: a silent peer times out; anything received resets the clock', () => {
  const tracker = new HeartbeatTracker(0);
  assert.equal(tracker.check(2999, 0, 3000), 'none');
  tracker.noteReceived();
  assert.equal(tracker.check(3000, 0, 3000), 'none', 'data arrived since the last check');
  assert.equal(tracker.check(5999, 0, 3000), 'none');
  assert.equal(tracker.check(6000, 0, 3000), 'timeout');
  assert.equal(tracker.silentForMs(6000), 3000);
  assert.equal(tracker.check(1_000_000, 0, 0), 'none', 'timeout 0 never fires');
});

test('heartbeat: check period and option checks', () => {
  assert.equal(heartbeatCheckPeriodMs({ intervalMs: 1000, timeoutMs: 3000 }), 250);
  assert.equal(heartbeatCheckPeriodMs({ intervalMs: 0, timeoutMs: 0 }), 0);
  assert.equal(heartbeatCheckPeriodMs({ intervalMs: 0, timeoutMs: 8 }), 5);
  // a keep-warm interval shorter than the liveness minimum is checked every interval
  assert.equal(heartbeatCheckPeriodMs({ intervalMs: 1, timeoutMs: 3000 }), 1);
  assert.equal(heartbeatCheckPeriodMs({ intervalMs: 2, timeoutMs: 0 }), 2);
  assert.deepEqual(checkHeartbeat({ intervalMs: 1000, timeoutMs: 3000 }), []);
  assert.equal(checkHeartbeat({ intervalMs: 1000, timeoutMs: 1000 }).length, 1);
  assert.equal(checkHeartbeat({ intervalMs: -1, timeoutMs: Number.NaN }).length, 2);
});

test('backoff: doubles from min to max, with jitter between half and all of it', () => {
  const options = { minDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(reconnectDelayMs(0, options, () => 0), 50);
  assert.equal(reconnectDelayMs(0, options, () => 0.999999) < 100, true);
  assert.equal(reconnectDelayMs(1, options, () => 0), 100);
  assert.equal(reconnectDelayMs(3, options, () => 0), 400);
  assert.equal(reconnectDelayMs(4, options, () => 0), 500, 'capped at max');
  assert.equal(reconnectDelayMs(10_000, options, () => 0), 500, 'no overflow for huge attempts');
  for (let attempt = 0; attempt < 20; attempt++) {
    const delay = reconnectDelayMs(attempt, options);
    assert.ok(delay >= 50 && delay <= 1000, `attempt ${attempt}: ${delay}`);
  }
  assert.deepEqual(checkBackoff(options), []);
  assert.equal(checkBackoff({ minDelayMs: 0, maxDelayMs: 10 }).length, 1);
  assert.equal(checkBackoff({ minDelayMs: 100, maxDelayMs: 10 }).length, 1);
});
