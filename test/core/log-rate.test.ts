import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogRate } from '../../src/core/log-rate.js';

test('LogRate logs up to linesPerPeriod events per period and counts the rest for the next line', () => {
  const rate = new LogRate(3, 1_000);
  const allowed = Array.from({ length: 10 }, (_, i) => rate.allow(i));
  assert.deepEqual(allowed, [true, true, true, false, false, false, false, false, false, false]);
  assert.equal(rate.takeNotLogged(), 7);
  assert.equal(rate.takeNotLogged(), 0, 'taking resets the count');
  assert.equal(rate.allow(500), false, 'same period');
  assert.equal(rate.allow(1_000), true, 'a new period starts a period later');
  assert.equal(rate.takeNotLogged(), 1, 'the events between are reported with it');
  assert.equal(rate.allow(1_001), true);
  assert.equal(rate.allow(1_002), true);
  assert.equal(rate.allow(1_003), false);
});
