import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateMeter } from '../../src/core/rate-meter.js';
import { TickPacer } from '../../src/gateway/tick-pacer.js';
import { parseRate } from '../../src/gateway/gateway-config.js';
import { ErrorCode } from '../../src/core/errors.js';

test('a pacer hands out one round per period, the first at once', () => {
  const pacer = new TickPacer(10, 1_000, 5);
  assert.equal(pacer.periodMs, 100);
  assert.deepEqual({ ...pacer.due(1_000) }, { rounds: 1, skipped: 0 });
  assert.deepEqual({ ...pacer.due(1_050) }, { rounds: 0, skipped: 0 });
  assert.equal(pacer.delayMs(1_050), 50);
  assert.deepEqual({ ...pacer.due(1_100) }, { rounds: 1, skipped: 0 });
  assert.equal(pacer.delayMs(1_100), 100);
  // called late: every round due so far, no drift
  assert.deepEqual({ ...pacer.due(1_420) }, { rounds: 3, skipped: 0 });
  assert.equal(pacer.delayMs(1_420), 80);
});

test('a pacer called far too late skips beyond its burst limit instead of bursting', () => {
  const pacer = new TickPacer(100, 0, 4);
  pacer.due(0);
  const late = pacer.due(1_000); // 100 rounds due
  assert.deepEqual({ ...late }, { rounds: 4, skipped: 96 });
  assert.equal(pacer.skippedTotal, 96);
  // back on schedule: the next round is due one period after the last one accounted for
  assert.equal(pacer.delayMs(1_000), 10);
  assert.deepEqual({ ...pacer.due(1_010) }, { rounds: 1, skipped: 0 });
});

test('over a long run a pacer sends exactly rate × time rounds', () => {
  const pacer = new TickPacer(1_000, 0, 1_000);
  let rounds = 0;
  let last = 0;
  // a jittery caller: every 0.7..3.1 ms
  for (let now = 0, step = 0; now <= 10_000; step++, now += 0.7 + (step % 7) * 0.4) {
    rounds += pacer.due(now).rounds;
    last = now;
  }
  assert.equal(rounds, Math.floor(last) + 1, `rounds ${rounds} by ${last} ms`);
  assert.equal(pacer.skippedTotal, 0);
});

test('pacers refuse nonsense', () => {
  assert.throws(() => new TickPacer(0, 0, 1), { code: 'E_CONFIG_INVALID' });
  assert.throws(() => new TickPacer(Number.NaN, 0, 1), { code: 'E_CONFIG_INVALID' });
  assert.throws(() => new TickPacer(10, 0, 0), { code: 'E_CONFIG_INVALID' });
});

test('a rate meter reports messages per second between samples', () => {
  const meter = new RateMeter(0, 0);
  assert.equal(meter.sample(500, 1_000), 500);
  assert.equal(meter.sample(520, 1_050), 500, 'too soon: the previous rate');
  assert.equal(meter.sample(1_500, 3_000), 500);
  assert.equal(meter.sample(1_500, 4_000), 0);
});

test('--rate is a positive number or max', () => {
  assert.equal(parseRate('max'), 'max');
  assert.equal(parseRate('10'), 10);
  assert.equal(parseRate('0.5'), 0.5);
  for (const bad of ['0', '2000000']) {
    assert.throws(() => parseRate(bad), (err: { code?: string; message?: string }) => err.code === ErrorCode.CONFIG_INVALID && /--rate/.test(err.message ?? ''));
  }
});
