import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyRecorder } from '../../src/core/latency.js';

test('percentiles come from the recorded distribution', () => {
  const recorder = new LatencyRecorder(1_000_000);
  for (let v = 1; v <= 1000; v++) recorder.record(v);
  const s = recorder.summary();
  assert.equal(s.count, 1000);
  assert.ok(Math.abs(s.p50 - 500) <= 1, `p50 ${s.p50}`);
  assert.ok(Math.abs(s.p99 - 990) <= 1, `p99 ${s.p99}`);
  assert.equal(s.max, 1000);
});

test('values outside the range are clamped, not lost', () => {
  const recorder = new LatencyRecorder(1000);
  recorder.record(0);
  recorder.record(5_000_000);
  recorder.recordMany(10, 8);
  assert.equal(recorder.count, 10);
  assert.ok(recorder.summary().max <= 1001);
  recorder.reset();
  assert.equal(recorder.count, 0);
});

test('a paced value also counts the operations that would have waited behind it', () => {
  const recorder = new LatencyRecorder(1_000_000);
  // a 5,000 µs stall in a stream paced every 1,000 µs: four more operations arrived during it
  recorder.recordPaced(5_000, 1_000);
  // shorter than the interval: nobody waited behind it
  recorder.recordPaced(300, 1_000);
  assert.equal(recorder.count, 6);
  assert.equal(recorder.summary().max, 5_000);
  assert.ok(Math.abs(recorder.percentile(50) - 2_000) <= 2, `p50 ${recorder.percentile(50)}`);
});
